"""Data on disk: a file, a directory or a glob of Parquet/CSV/npy files, in one pass.

Files are read in sorted order as one table: global row ``i`` is row ``i`` of their
concatenation, and its fold follows from ``i`` alone (:class:`HashFolds`), so the folds do
not depend on the block size or on how the rows are split into files' batches. Each block
goes through :func:`ridgekit.scale.blocks.block_moments`, the very step a Dask chunk goes
through, and the per-fold moments merge as they come: memory holds one block and
``K`` sets of moments, whatever the number of rows.

Two engines, one result:

* in this process (no cluster): one streamed pass, ``progress(rows_done, rows_total)``
  after each block (``rows_total`` None while unknown, for CSV);
* on Dask (``client=``, or :func:`fit_files` with ``dask=True`` / ``scheduler=``): one
  task per file on the workers (each streams its file the same way), then a tree of
  merges; ``progress`` after each file. Row offsets come from the files' metadata
  (Parquet footers, npy headers); CSV files are counted by one extra pass on the workers.
"""

from __future__ import annotations

import glob as globlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ridgekit.moments import FoldMoments
from ridgekit.scale.blocks import (
    BlockSpec,
    block_moments,
    check_gram_size,
    finish_parts,
    merge_parts,
)
from ridgekit.scale.folds import HashFolds

__all__ = ["expand_paths", "fold_moments_from_files", "fit_files", "FileFit"]

ProgressCallback = Callable[[int, "int | None"], None]


def expand_paths(spec) -> list[Path]:
    """Data files named by a path, a directory (its data files), a glob, or a list of these.

    Raises
    ------
    ValueError (ridgekit.io.DataError)
        When nothing matches.
    """
    from ridgekit.io._sources import SUFFIXES
    from ridgekit.io.errors import DataError

    specs = [spec] if isinstance(spec, str | Path) else list(spec)
    out: list[Path] = []
    for s in specs:
        p = Path(s)
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and _data_suffix(q, SUFFIXES))
            if not found:
                raise DataError(f"directory {p} holds no data files "
                                f"({', '.join(sorted(SUFFIXES))})")
            out.extend(found)
        elif p.exists():
            out.append(p)
        elif any(ch in str(s) for ch in "*?["):
            found = sorted(Path(q) for q in globlib.glob(str(s)) if Path(q).is_file())
            if not found:
                raise DataError(f"no files match {s}")
            out.extend(found)
        else:
            raise DataError(f"no such file: {p}")
    if not out:
        raise DataError("no data files given")
    return out


def _data_suffix(p: Path, suffixes) -> bool:
    parts = [s.lower() for s in p.suffixes]
    if parts and parts[-1] in (".gz", ".bz2", ".zst", ".lz4"):
        parts = parts[:-1]
    return bool(parts) and parts[-1] in suffixes


@dataclass(frozen=True)
class _Columns:
    target: object
    features: tuple[str, ...] | None
    weight: str | None
    format: str | None
    block_rows: int


def _reader(path, cols: _Columns, progress=None):
    from ridgekit.io.readers import open_blocks

    return open_blocks(path, cols.target, cols.features, cols.weight, format=cols.format,
                       block_rows=cols.block_rows, progress=progress)


def _stream_file(path, start: int, spec: BlockSpec, cols: _Columns, on_block=None):
    """Per-fold moments of one file whose first row is global row ``start``."""
    parts, pos = None, start
    for X, y, w in _reader(path, cols):
        m = X.shape[0]
        b = block_moments(X, y, w, pos, spec, where=f"{path}, rows {pos}..{pos + m - 1}")
        parts = b if parts is None else merge_parts(parts, b)
        pos += m
        if on_block is not None:
            on_block(m)
    return parts, pos - start


def _count_rows(path, cols: _Columns) -> int:
    reader = _reader(path, cols)
    if reader.n_rows is not None:
        return int(reader.n_rows)
    return sum(b[0].shape[0] for b in reader)


@dataclass
class FileInfo:
    """What the pass saw: files, names, rows."""

    files: list[str]
    feature_names: list[str]
    target_name: str | list[str]
    weight_name: str | None
    n_samples: int = 0
    n_targets: int = 1
    rows_per_file: list[int] = field(default_factory=list)


def fold_moments_from_files(paths, target=None, features: Sequence[str] | None = None,
                            weight: str | None = None, *, folds=None, format: str | None = None,
                            block_rows: int | None = None, client=None,
                            progress: ProgressCallback | None = None,
                            split_every: int = 8,
                            max_gram_bytes: int | None = None) -> tuple[FoldMoments, FileInfo]:
    """Per-fold moments of data files in one pass (all rows as one fold without ``folds``).

    Parameters
    ----------
    paths : str, Path or list
        A file, a directory, a glob (``"data/*.parquet"``) or a list of them.
    target, features, weight : column names, as :func:`ridgekit.io.open_blocks`; the
        features default to the first file's columns less target and weight, and every
        file must have them.
    folds : HashFolds, ContiguousFolds or None
    format : str, optional
    block_rows : int, optional
        Rows per block (default :data:`ridgekit.io.readers.DEFAULT_BLOCK_ROWS`).
    client : distributed.Client, optional
        Run one task per file on this cluster; None streams in this process.
    progress : callable, optional
        ``progress(rows_done, rows_total)``.
    split_every : int
        Fan-in of the merge tree on Dask.
    max_gram_bytes : int, optional

    Returns
    -------
    folds : FoldMoments
    info : FileInfo
    """
    from ridgekit.io.readers import DEFAULT_BLOCK_ROWS

    files = expand_paths(paths)
    first = _reader(files[0], _Columns(target, None if features is None else tuple(features),
                                       weight, format, 1))
    cols = _Columns(target, tuple(first.feature_names), first.weight_name, format,
                    int(block_rows or DEFAULT_BLOCK_ROWS))
    names = list(first.feature_names)
    targets = first.target_name
    t = len(targets) if isinstance(targets, list) else 1
    spec = BlockSpec(folds, tuple(names))
    check_gram_size(len(names), t, spec.n_parts, max_gram_bytes)
    info = FileInfo([str(f) for f in files], names, targets, first.weight_name, n_targets=t)
    if client is None:
        parts = _stream_local(files, spec, cols, info, progress)
    else:
        parts = _on_dask(files, spec, cols, info, client, progress, split_every)
    if folds is not None and info.n_samples < spec.n_parts:
        raise ValueError(f"{spec.n_parts} folds need at least as many rows; the files hold "
                         f"{info.n_samples}")
    return finish_parts(parts), info


def _stream_local(files, spec, cols, info, progress):
    readers = [_reader(f, cols) for f in files]  # columns checked in every file up front
    known = [r.n_rows for r in readers]
    total = None if any(n is None for n in known) else int(sum(known))
    done = {"rows": 0}

    def on_block(m):
        done["rows"] += m
        if progress is not None:
            progress(done["rows"], total)

    parts, start = None, 0
    for f in files:
        p, rows = _stream_file(f, start, spec, cols, on_block)
        parts = p if parts is None else merge_parts(parts, p)
        info.rows_per_file.append(rows)
        start += rows
    info.n_samples = start
    return parts


def _on_dask(files, spec, cols, info, client, progress, split_every):
    from distributed import as_completed

    readers = [_reader(f, cols) for f in files]
    counts = [r.n_rows for r in readers]
    if any(n is None for n in counts):  # CSV: count rows on the workers first
        missing = [i for i, n in enumerate(counts) if n is None]
        futs = client.map(_count_rows, [files[i] for i in missing], cols=cols, pure=False)
        for i, n in zip(missing, client.gather(futs), strict=True):
            counts[i] = int(n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
    total = int(sum(counts))
    leaves = [client.submit(_stream_file, f, int(s), spec, cols, pure=False)
              for f, s in zip(files, starts, strict=True)]
    firsts = [client.submit(_first, f, pure=False) for f in leaves]
    level = firsts
    while len(level) > 1:
        level = [client.submit(merge_parts, *level[j:j + split_every], pure=False)
                 for j in range(0, len(level), split_every)]
    root = level[0]
    rows_of = {f.key: int(n) for f, n in zip(leaves, counts, strict=True)}
    done = 0
    pending = as_completed(leaves)
    del leaves, firsts, level
    try:
        for fut in pending:
            if fut.status == "error":
                fut.result()
            done += rows_of[fut.key]
            if progress is not None:
                progress(done, total)
        parts = root.result()
    finally:
        pending.clear()
        root.cancel()
    info.rows_per_file = [int(c) for c in counts]
    info.n_samples = total
    return parts


def _first(pair):
    return pair[0]


@dataclass
class FileFit:
    """A ridge fit over data files.

    Attributes
    ----------
    model : ridgekit.select.KFoldFit
        ``coef_``, ``intercept_``, ``alpha_``, ``selection_``, ``spectrum_``,
        ``n_features_in_``: ready for :func:`ridgekit.io.save` and the report.
    info : FileInfo
        Files, column names, rows read.
    dashboard_link : str or None
        The Dask dashboard's address when a cluster was used.
    """

    model: object
    info: FileInfo
    dashboard_link: str | None = None


def fit_files(paths, target=None, features: Sequence[str] | None = None,
              weight: str | None = None, *, cv=10, alphas=None, rule: str = "min",
              seed: int = 0, fit_intercept: bool = True, alpha_per_target: bool = False,
              dask: bool = False, scheduler: str | None = None, n_workers: int | None = None,
              timeout: float | None = None, format: str | None = None,
              block_rows: int | None = None, progress: ProgressCallback | None = None,
              on_dashboard: Callable[[str], None] | None = None,
              max_gram_bytes: int | None = None) -> FileFit:
    """Fit ridge over data files with λ chosen in the same single pass.

    Parameters
    ----------
    paths : str, Path or list
        A file, a directory, or a glob such as ``"data/*.parquet"``.
    target, features, weight : see :func:`fold_moments_from_files`
    cv : int, HashFolds or str, default=10
        An int k: exact k-fold over :class:`HashFolds` (k, ``seed``); a rule name that
        needs only moments (``"gcv"``, ``"evidence"``, ...) from the moments of all rows.
    alphas : None, int or array-like
        The grid (None: 100 values from the spectrum).
    rule : {"min", "1se"}
    seed : int
        Seed of the fold hash.
    fit_intercept, alpha_per_target : bool
    dask : bool
        Run on a ``LocalCluster`` sized to the machine (``n_workers`` to override).
    scheduler : str, optional
        Address of a running Dask scheduler (implies Dask).
    n_workers : int, optional
    timeout : float, optional
        Seconds to wait for ``scheduler`` (default 10).
    format, block_rows : see :func:`fold_moments_from_files`
    progress : callable, optional
        ``progress(rows_done, rows_total)``.
    on_dashboard : callable, optional
        Called with the dashboard's address as soon as the cluster is up.
    max_gram_bytes : int, optional

    Returns
    -------
    FileFit

    Raises
    ------
    ValueError
        Bad files or columns (``ridgekit.io.DataError``, naming file, column and row),
        an unknown rule, p too large for the client-side Gram;
        :class:`ridgekit.scale.cluster.SchedulerUnreachableError` (a ValueError too)
        when the scheduler does not answer in time.
    """
    from ridgekit.scale.estimators import fold_rule

    folds = None
    if isinstance(cv, str):
        from ridgekit.select import get_rule

        r = get_rule(cv)
        if r.needs_data:
            raise ValueError(f"cv={cv!r} needs the rows in memory; over files use k-fold "
                             "(cv=10) or a rule that needs only moments ('gcv', ...)")
    else:
        folds = HashFolds(int(cv), seed) if isinstance(cv, int) else fold_rule(cv)
    kwargs = dict(folds=folds, format=format, block_rows=block_rows, progress=progress,
                  max_gram_bytes=max_gram_bytes)
    link = None
    if dask or scheduler is not None:
        from ridgekit.scale.cluster import CONNECT_TIMEOUT, dask_client

        with dask_client(scheduler, n_workers=n_workers,
                         timeout=CONNECT_TIMEOUT if timeout is None else timeout) as client:
            link = client.dashboard_link
            if on_dashboard is not None:
                on_dashboard(link)
            fm, info = fold_moments_from_files(paths, target, features, weight,
                                               client=client, **kwargs)
    else:
        fm, info = fold_moments_from_files(paths, target, features, weight, **kwargs)
    return FileFit(_model(fm, cv, folds, alphas, rule, fit_intercept, alpha_per_target),
                   info, link)


def _model(fm: FoldMoments, cv, folds, alphas, rule, fit_intercept, per_target):
    from ridgekit.select import KFoldFit, check_grid, default_alphas, kfold_fit, select_by_name
    from ridgekit.spectrum import from_moments

    if folds is not None:
        return kfold_fit(fm, alphas, rule, fit_intercept, per_target)
    total = fm.total()
    spectrum = from_moments(total, fit_intercept)
    grid = None
    if alphas is not None:
        grid = default_alphas(spectrum, int(alphas)) if isinstance(alphas, int) else \
            check_grid(spectrum, alphas)
    sel = select_by_name(cv, spectrum, grid, rule=rule, per_target=per_target)
    return KFoldFit.at(sel, spectrum, total.n_targets, per_target)

