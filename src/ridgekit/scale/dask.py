"""Moments of Dask collections in one pass: blockwise, then a tree of exact merges.

Each row block (an array chunk or a data-frame partition) becomes one task that computes
the moments of every fold of its rows (:func:`ridgekit.scale.blocks.block_moments`, fold
membership from the rows' global positions); those lists are merged by a tree of tasks,
``split_every`` at a time, the associative merge being the reduction. Only the root -- the
per-fold moments, ``K (p^2 + p t)`` numbers -- travels to the client: no ``compute()`` of
X, no ``scatter``, no gather of rows. With a ``distributed`` client the blocks and the tree
are futures: a lost worker's blocks are recomputed by the scheduler from the graph and the
merge tree is the same, so the result is identical. Without one, Dask's local scheduler
runs the same graph.

Dask is imported inside the functions only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ridgekit.moments import FoldMoments
from ridgekit.scale.blocks import (
    BlockSpec,
    block_moments,
    check_gram_size,
    finish_parts,
    merge_parts,
)

__all__ = ["DaskBlocks", "collect_blocks", "reduce_blocks", "dask_fold_moments",
           "current_client", "is_dask_collection", "run_tree", "tree_graph", "store_names"]

ProgressCallback = Callable[[int, int], None]

#: merges per tree node: depth log_8(blocks); 1000 blocks are reduced in 4 levels
SPLIT_EVERY = 8


def is_dask_collection(x) -> bool:
    """Whether ``x`` is a Dask collection, without importing Dask."""
    return type(x).__module__.startswith("dask") and hasattr(x, "__dask_graph__")


def _is_frame(x) -> bool:
    return is_dask_collection(x) and hasattr(x, "divisions")


@dataclass
class DaskBlocks:
    """Row blocks of X, Y and the weights as delayed objects, with global positions.

    Attributes
    ----------
    x, y : list of dask.delayed.Delayed
    w : list of Delayed or None
    starts : ndarray of int
        Global position of each block's first row.
    n_samples, n_features, n_targets : int
    y_was_1d : bool
    feature_names : list of str or None
        Column names of a data frame X.
    """

    x: list
    y: list
    w: list | None
    starts: np.ndarray
    n_samples: int
    n_features: int
    n_targets: int
    y_was_1d: bool
    feature_names: list[str] | None


def store_names(est, blocks: DaskBlocks) -> None:
    """``n_features_in_`` and (data frames) ``feature_names_in_`` of a fitted estimator."""
    est.n_features_in_ = blocks.n_features
    if blocks.feature_names is not None:
        est.feature_names_in_ = np.asarray(blocks.feature_names, dtype=object)
    elif hasattr(est, "feature_names_in_"):
        del est.feature_names_in_


def _check_frame_numeric(df, role: str) -> None:
    cols = df.dtypes.items() if hasattr(df.dtypes, "items") else [(df.name, df.dtype)]
    for col, dt in cols:
        if getattr(dt, "kind", "O") not in "biuf":
            raise ValueError(f"{role} column {col!r} of the Dask data frame is not numeric "
                             f"(dtype {dt}); convert or drop it before fitting")


def _frame_lengths(df) -> tuple[int, ...]:
    """Rows per partition: a light pass over one column (Parquet: that column only)."""
    one = df[df.columns[0]] if hasattr(df, "columns") else df
    return tuple(int(v) for v in one.map_partitions(len).compute().tolist())


def _array_rows(X, role: str, numeric: bool = True):
    import dask.array as da

    if numeric and X.dtype.kind not in "biuf":
        raise ValueError(f"{role} is a Dask array of non-numeric dtype {X.dtype}")
    if any(np.isnan(c) for c in X.chunks[0]):  # unknown chunk sizes: count them once
        X = X.compute_chunk_sizes()
    return da, X


def _to_row_blocks(v, rows: tuple[int, ...], role: str, ndim_max: int, n_parts: int | None,
                   numeric: bool = True):
    """Delayed row blocks of y or w aligned with X's blocks of ``rows`` rows (``numeric``
    False: class labels of any dtype, checked by the caller's block task)."""
    import dask.array as da

    n = int(sum(rows))
    if v is None:
        return None, None
    if _is_frame(v):
        if numeric:
            _check_frame_numeric(v, role)
        if v.npartitions == n_parts:  # partitioned like X (df[cols], df[target])
            ncol = len(v.columns) if hasattr(v, "columns") else None
            return list(v.to_delayed(optimize_graph=False)), ncol
        v = v.to_dask_array(lengths=True)
    if is_dask_collection(v):
        _, v = _array_rows(v, role, numeric)
    else:
        arr = np.asarray(v)
        if arr.ndim == 0 and role == "sample_weight":
            arr = np.full(n, float(arr))
        if numeric and arr.dtype.kind not in "biuf":
            raise ValueError(f"{role} is not numeric (dtype {arr.dtype})")
        v = da.from_array(arr, chunks=(rows,) + arr.shape[1:])
    if v.ndim > ndim_max or v.ndim == 0:
        raise ValueError(f"{role} must be {'1-D' if ndim_max == 1 else '1-D or 2-D'}, got "
                         f"{v.ndim}-D")
    if v.shape[0] != n:
        raise ValueError(f"{role} has {v.shape[0]} rows but X has {n}")
    v = v.rechunk((rows,) + ((-1,) if v.ndim == 2 else ()))
    return list(v.to_delayed(optimize_graph=False).ravel()), (v.shape[1] if v.ndim == 2 else None)


def collect_blocks(X, y, sample_weight=None, *, labels: bool = False) -> DaskBlocks:
    """Row blocks of a Dask array or data frame X and its targets and weights.

    y and ``sample_weight`` may be Dask arrays or series (rechunked to X's row blocks
    unless already partitioned like X) or in-memory arrays (sent as graph constants).
    A data frame's partition lengths are counted once, reading one column. ``labels``:
    y holds class labels (1-D, any dtype).

    Raises
    ------
    ValueError
        Non-numeric columns, mismatched lengths, a 1-D or 3-D X.
    """
    names = None
    if _is_frame(X):
        if not hasattr(X, "columns"):
            raise ValueError("X is a Dask series; give a Dask data frame or a 2-D array")
        _check_frame_numeric(X, "feature")
        names = [str(c) for c in X.columns]
        rows = _frame_lengths(X)
        xs = list(X.to_delayed(optimize_graph=False))
        p = len(names)
        n_parts = X.npartitions
    else:
        _, X = _array_rows(X, "X")
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D")
        if X.numblocks[1] > 1:  # one task needs whole rows
            X = X.rechunk({1: -1})
        rows = tuple(int(c) for c in X.chunks[0])
        xs = list(X.to_delayed(optimize_graph=False).ravel())
        p = int(X.shape[1])
        n_parts = None
    if y is None:
        raise ValueError("y is required")
    ys, ycols = _to_row_blocks(y, rows, "y", 1 if labels else 2, n_parts, not labels)
    ws, _ = _to_row_blocks(sample_weight, rows, "sample_weight", 1, n_parts)
    starts = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
    n = int(sum(rows))
    if n < 2:
        raise ValueError(f"need at least 2 samples; X has {n}")
    if p == 0:
        raise ValueError("X has no features (0 columns)")
    return DaskBlocks(xs, ys, ws, starts, n, p, 1 if ycols is None else int(ycols),
                      ycols is None, names)


def current_client(client=None):
    """The given client, else the default ``distributed`` client, else None."""
    if client is not None:
        return client
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def tree_graph(leaves: list, merge: Callable, split_every: int, tag: str):
    """A fixed tree of ``merge`` tasks over delayed ``leaves``, ``split_every`` at a time.

    The tree's shape depends only on the number of leaves, so a recomputed leaf (a lost
    worker) is merged in the same place and the root is bitwise the same.
    """
    from dask import delayed

    level, depth = list(leaves), 0
    while len(level) > 1:
        depth += 1
        level = [delayed(merge, pure=False)(
            *level[j:j + split_every], dask_key_name=f"ridgekit-merge-{tag}-{depth}-{j}")
            for j in range(0, len(level), split_every)]
    return level[0]


def block_leaves(blocks: DaskBlocks, task: Callable, args: tuple, tag: str) -> list:
    """One delayed ``task(x, y, w, start, rows, index, *args)`` per row block."""
    from dask import delayed

    lengths = np.diff(np.r_[blocks.starts, blocks.n_samples])
    return [
        delayed(task, pure=False)(
            xb, yb, None if blocks.w is None else blocks.w[i], int(blocks.starts[i]),
            int(lengths[i]), i, *args, dask_key_name=f"ridgekit-block-{tag}-{i}")
        for i, (xb, yb) in enumerate(zip(blocks.x, blocks.y, strict=True))
    ]


def _block_task(x, y, w, start, rows, index, spec):
    where = f"block {index}, rows {start}..{start + rows - 1}"
    return block_moments(x, y, w, start, spec, where)


def run_tree(blocks: DaskBlocks, task: Callable, args: tuple, merge: Callable, *,
             client=None, progress: ProgressCallback | None = None,
             split_every: int = SPLIT_EVERY):
    """One pass: ``task`` on every row block, reduced by a tree of ``merge``; the root.

    With a ``distributed`` client the leaves and the tree are futures (a lost worker's
    blocks are recomputed by the scheduler); otherwise Dask's local scheduler runs them.
    A block's own error (naming its rows) is raised as soon as that block fails.
    """
    if split_every < 2:
        raise ValueError(f"split_every must be >= 2, got {split_every}")
    tag = uuid.uuid4().hex[:12]
    leaves = block_leaves(blocks, task, args, tag)
    root = tree_graph(leaves, merge, int(split_every), tag)
    client = current_client(client)
    total = len(leaves)
    if client is None:
        return _compute_local(root, leaves, progress)
    from distributed import as_completed

    futures = client.compute([root, *leaves])
    root_future, done = futures[0], 0
    pending = as_completed(futures[1:])
    del futures  # block results are released as soon as their merges consumed them
    try:
        for fut in pending:
            if fut.status == "error":
                fut.result()  # raises the block's own error, naming its rows
            done += 1
            if progress is not None:
                progress(done, total)
            del fut
        return root_future.result()
    finally:
        pending.clear()
        root_future.cancel()


def reduce_blocks(blocks: DaskBlocks, spec: BlockSpec, *, client=None,
                  progress: ProgressCallback | None = None,
                  split_every: int = SPLIT_EVERY) -> FoldMoments:
    """Run the blockwise moments and the merge tree; return the per-fold moments.

    Parameters
    ----------
    blocks : DaskBlocks
    spec : BlockSpec
    client : distributed.Client, optional
        Default: the current client if there is one, else Dask's local scheduler.
    progress : callable, optional
        ``progress(blocks_done, blocks_total)`` after each block's moments are done.
    split_every : int
        Fan-in of the merge tree.
    """
    return finish_parts(run_tree(blocks, _block_task, (spec,), merge_parts, client=client,
                                 progress=progress, split_every=split_every))


def _compute_local(root, leaves, progress):
    import dask
    from dask.callbacks import Callback

    if progress is None:
        return dask.compute(root)[0]
    keys = {leaf.key for leaf in leaves}
    state = {"done": 0}

    def posttask(key, result, dsk, state_, worker_id):
        if key in keys:
            state["done"] += 1
            progress(state["done"], len(keys))

    with Callback(posttask=posttask):
        return dask.compute(root)[0]


def dask_fold_moments(X, y, sample_weight=None, *, folds=None, client=None,
                      progress: ProgressCallback | None = None,
                      split_every: int = SPLIT_EVERY,
                      max_gram_bytes: int | None = None) -> tuple[FoldMoments, DaskBlocks]:
    """Per-fold moments of Dask collections in one pass (all rows as one fold when
    ``folds`` is None).

    Parameters
    ----------
    X : dask.array.Array of shape (n, p) or dask.dataframe.DataFrame
    y : dask array/series/data frame or array-like
    sample_weight : dask array/series or array-like, optional
    folds : HashFolds, ContiguousFolds or None
    client, progress, split_every : see :func:`reduce_blocks`
    max_gram_bytes : int, optional
        Limit on the bytes of the per-fold co-moment matrices (default
        :data:`ridgekit.scale.blocks.MAX_GRAM_BYTES`).

    Returns
    -------
    folds : FoldMoments
    blocks : DaskBlocks
        Shapes and names of the inputs.
    """
    blocks = collect_blocks(X, y, sample_weight)
    spec = BlockSpec(folds, None if blocks.feature_names is None
                     else tuple(blocks.feature_names))
    check_gram_size(blocks.n_features, blocks.n_targets, spec.n_parts, max_gram_bytes)
    if folds is not None and blocks.n_samples < spec.n_parts:
        raise ValueError(f"{spec.n_parts} folds need at least as many rows; X has "
                         f"{blocks.n_samples}")
    if hasattr(folds, "n_samples") and folds.n_samples != blocks.n_samples:
        raise ValueError(f"{folds!r} was made for {folds.n_samples} rows; X has "
                         f"{blocks.n_samples}")
    return reduce_blocks(blocks, spec, client=client, progress=progress,
                         split_every=split_every), blocks
