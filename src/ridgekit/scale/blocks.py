"""The one block step shared by Dask chunks, files on disk and memmaps.

A *block* is a run of consecutive rows ``start .. start+m-1`` of the whole data, given as
``(X_block, Y_block, w_block)``. :func:`block_moments` turns it into the moments of each
fold (or of all rows, without folds); :func:`merge_parts` merges such lists exactly and
associatively (:meth:`ridgekit.moments.Moments.merge`, never a subtraction), so any tree
of merges over the blocks gives the same moments up to rounding. This module imports no
Dask: the same functions run on a Dask worker, in the streamed file reader and in tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ridgekit._fold_block import moments_by_fold
from ridgekit.moments import FoldMoments, Moments
from ridgekit.scale.folds import rows_by_fold

__all__ = ["BlockSpec", "block_moments", "merge_parts", "finish_parts", "as_float_block",
           "gram_bytes", "check_gram_size", "MAX_GRAM_BYTES"]

#: default bound on the bytes of the p x p co-moment matrices one reduction holds (one per
#: fold): they are merged on the workers and brought to the client, and decomposed there.
MAX_GRAM_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class BlockSpec:
    """What every block task needs besides its rows.

    Attributes
    ----------
    folds : splitter with ``ids(start, stop)`` and ``n_splits``, or None
        Fold rule of the global position (:mod:`ridgekit.scale.folds`); None: no folds.
    feature_names : tuple of str or None
        Names used in error messages (``x<j>`` when None).
    """

    folds: object | None = None
    feature_names: tuple[str, ...] | None = None

    @property
    def n_parts(self) -> int:
        return 1 if self.folds is None else int(self.folds.n_splits)

    def column(self, j: int) -> str:
        return repr(self.feature_names[j]) if self.feature_names else f"x{j}"


def as_float_block(a, name: str) -> np.ndarray:
    """A block (numpy, pandas DataFrame/Series) as an aligned float64 ndarray, missing
    values as NaN.

    Raises ValueError naming the first column that is not numeric.
    """
    if hasattr(a, "dtypes") and hasattr(a, "columns"):  # pandas DataFrame
        for col, dt in a.dtypes.items():
            if getattr(dt, "kind", "O") not in "biuf":
                raise ValueError(f"{name} column {col!r} is not numeric (dtype {dt})")
        return a.to_numpy(dtype=np.float64, na_value=np.nan)
    if hasattr(a, "dtype") and hasattr(a, "to_numpy"):  # pandas Series
        if getattr(a.dtype, "kind", "O") not in "biuf":
            raise ValueError(f"{name} {a.name!r} is not numeric (dtype {a.dtype})")
        return a.to_numpy(dtype=np.float64, na_value=np.nan)
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} is not numeric (dtype {a.dtype})")
    a = a.astype(np.float64, copy=False)
    # a chunk that reached this worker over the network can sit at an odd address in
    # the received frame (numpy: aligned=False); every take and product on it then runs
    # numpy's unaligned loops, 10-25x slower than one copy of the block
    return a if a.flags.aligned else a.copy()


def _check_block(X, Y, w, start: int, spec: BlockSpec, where: str) -> None:
    """Name the first NaN/inf (column and global row) or negative weight of a block."""
    for label, arr in (("X", X), ("y", Y)):
        bad = ~np.isfinite(arr)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            what = "NaN" if np.isnan(arr[i, j]) else f"a non-finite value {arr[i, j]}"
            col = spec.column(int(j)) if label == "X" else f"target {int(j)}"
            raise ValueError(f"{label} has {what} in column {col} at row {start + int(i)} "
                             f"({where}); drop or impute missing values before fitting")
    if w is not None:
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(f"sample_weight has an invalid value {w[i]} at row {start + i} "
                             f"({where}); weights must be finite and >= 0")


def block_moments(X, Y, w, start: int, spec: BlockSpec, where: str = "") -> list[Moments]:
    """Moments of each fold of one block (a list of one without folds).

    Parameters
    ----------
    X : array-like of shape (m, p)
    Y : array-like of shape (m,) or (m, t)
    w : array-like of shape (m,) or None
    start : int
        Global position of the block's first row.
    spec : BlockSpec
    where : str
        Describes the block in error messages (e.g. ``"chunk 7, rows 7000..7999"``).

    Returns
    -------
    list of Moments, one per fold (``Moments`` with no rows for folds absent here)
    """
    X = as_float_block(X, "X")
    Y = as_float_block(Y, "y")
    Y = Y[:, None] if Y.ndim == 1 else Y
    w = None if w is None else as_float_block(w, "sample_weight").ravel()
    m = X.shape[0]
    where = where or f"rows {start}..{start + m - 1}"
    if Y.shape[0] != m or (w is not None and w.shape[0] != m):
        raise ValueError(f"X, y and sample_weight have different lengths in {where} "
                         f"({m}, {Y.shape[0]}{'' if w is None else f', {w.shape[0]}'}): the "
                         "collections must be partitioned alike")
    if w is not None and not (np.isfinite(w).all() and (w >= 0).all()):
        _check_block(X, Y, w, start, spec, where)
    with np.errstate(invalid="ignore", over="ignore"):
        parts = _moments_by_fold(X, Y, w, start, spec)
    # NaN and inf propagate into the moments: test O(p^2) numbers, not O(mp), and look
    # for the culprit only when something is wrong
    if not all(np.isfinite(q.cxx).all() and np.isfinite(q.cxy).all()
               and np.isfinite(q.cyy).all() and np.isfinite(q.weight) for q in parts):
        _check_block(X, Y, w, start, spec, where)
        raise ValueError(f"X has values so large that their squares overflow float64 "
                         f"({where}); rescale X")
    return parts


def _moments_by_fold(X, Y, w, start, spec) -> list[Moments]:
    m = X.shape[0]
    if spec.folds is None:
        if m:  # the in-memory pass itself: one syrk on a view of X when it may
            return [Moments.from_arrays(X, Y, w)]
        return moments_by_fold(X, Y, w, None, np.array([0, m]))
    rows, bounds = rows_by_fold(spec.folds, start, start + m)
    return moments_by_fold(X, Y, w, rows, bounds)


def merge_parts(*parts: Sequence[Moments]) -> list[Moments]:
    """Merge lists of per-fold moments fold by fold, left to right."""
    out = list(parts[0])
    for other in parts[1:]:
        if len(other) != len(out):
            raise ValueError("cannot merge moments with different numbers of folds")
        out = [a.merge(b) for a, b in zip(out, other, strict=True)]
    return out


def finish_parts(parts: Sequence[Moments]) -> FoldMoments:
    """Per-fold moments as a :class:`~ridgekit.moments.FoldMoments`, checking every fold
    received rows (and the data as a whole has at least two)."""
    present = [k for k, m in enumerate(parts) if m.n_samples > 0]
    total = sum(m.n_samples for m in parts)
    if total < 2:
        raise ValueError(f"need at least 2 samples; the data has {total}")
    if len(parts) > 1 and len(present) < len(parts):
        raise ValueError(f"only {len(present)} of {len(parts)} folds received rows: more "
                         "folds than rows?")
    if not any(m.weight > 0 for m in parts):
        raise ValueError("all sample weights are zero; at least one must be positive")
    return FoldMoments([parts[k] for k in present], np.asarray(present))


def gram_bytes(n_features: int, n_targets: int, n_parts: int) -> int:
    """Bytes of the moments of ``n_parts`` folds: ``n_parts (p^2 + p t + p + 2t)`` doubles."""
    p, t = int(n_features), int(n_targets)
    return 8 * n_parts * (p * p + p * t + p + 2 * t)


def check_gram_size(n_features: int, n_targets: int, n_parts: int,
                    max_bytes: int | None = None) -> None:
    """Refuse, before any pass, moments too large for the client.

    Raises
    ------
    ValueError
        Naming p, the bytes needed, the limit and the ways out.
    """
    limit = MAX_GRAM_BYTES if max_bytes is None else int(max_bytes)
    need = gram_bytes(n_features, n_targets, n_parts)
    if need > limit:
        p = int(n_features)
        pmax = int(np.sqrt(limit / (8 * n_parts)))
        raise ValueError(
            f"p = {p} features: the {n_parts} p x p co-moment matrices need "
            f"{need / 2**30:.1f} GiB on the client, over the limit of {limit / 2**30:.1f} GiB "
            f"(max_gram_bytes; about p <= {pmax} with {n_parts} fold(s)); reduce p "
            "(feature selection, a random projection, hashing), use fewer folds or "
            "cv='gcv', or raise max_gram_bytes if the client has the memory (the "
            "eigen-decomposition there costs O(p^3))")
