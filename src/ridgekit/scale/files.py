"""Data on disk: a file, a directory or a glob of Parquet/CSV/npy files.

Files are read in sorted order as one table: global row ``i`` is row ``i`` of their
concatenation, and its fold follows from ``i`` alone (:class:`HashFolds`), so the folds do
not depend on the block size or on how the rows are split into files' batches. A pass is
:meth:`ridgekit.scale.file_blocks.FileBlocks.run`: a block task on every block, merged as
the blocks come in this process, or one task per file on Dask and a fixed tree of merges.

* :func:`fold_moments_from_files`: one pass of :func:`ridgekit.scale.blocks.block_moments`
  (the very step a Dask chunk goes through): memory holds one block and ``K`` sets of
  moments, whatever the number of rows.
* :func:`fit_files`: the one entry point over files -- ridge and the elastic net from
  that pass, L2 logistic / softmax by Newton (:mod:`ridgekit.scale.glm_cv`), one pass per
  lockstep round; ``ridgekit fit`` over globs, directories and ``--dask`` calls it.

Row offsets on Dask come from the files' metadata (Parquet footers, npy headers); CSV
files are counted once on the workers first. Progress: see
:mod:`ridgekit.scale.file_blocks` (totals known before the first block).
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


def _moments_task(x, y, w, start, rows, index, spec):
    return block_moments(x, y, w, start, spec, where=f"rows {start}..{start + rows - 1}")


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
        ``progress(done, total)`` in rows, or bytes for CSV files streamed here
        (:mod:`ridgekit.scale.file_blocks`: a ``start(measure, total, what)`` method is
        told which before the pass).
    split_every : int
        Fan-in of the merge tree on Dask.
    max_gram_bytes : int, optional

    Returns
    -------
    folds : FoldMoments
    info : FileInfo
    """
    from ridgekit.scale.file_blocks import open_file_blocks

    blocks = open_file_blocks(paths, target, features, weight, format=format,
                              block_rows=block_rows)
    spec = BlockSpec(folds, tuple(blocks.feature_names))
    check_gram_size(blocks.n_features, blocks.n_targets, spec.n_parts, max_gram_bytes)
    parts = blocks.run(_moments_task, (spec,), merge_parts, client=client, progress=progress,
                       split_every=split_every)
    info = _info(blocks)
    if folds is not None and info.n_samples < spec.n_parts:
        raise ValueError(f"{spec.n_parts} folds need at least as many rows; the files hold "
                         f"{info.n_samples}")
    return finish_parts(parts), info


def _info(blocks) -> FileInfo:
    return FileInfo([str(f) for f in blocks.files], list(blocks.feature_names),
                    blocks.target_name, blocks.weight_name, int(blocks.n_samples),
                    blocks.n_targets, [int(c) for c in blocks.counts])


@dataclass
class FileFit:
    """A fit over data files.

    Attributes
    ----------
    model : ridgekit.select.KFoldFit, ElasticNetCV or LogisticRidgeCV
        ``coef_``, ``intercept_``, ``alpha_``, ``selection_`` (and the family's own
        attributes): ready for :func:`ridgekit.io.save` and the report.
    info : FileInfo
        Files, column names, rows read.
    dashboard_link : str or None
        The Dask dashboard's address when a cluster was used.
    x_mean, x_scale : ndarray or None
        With ``standardize`` (ridge, elastic net): the model is on the scale of
        (x - x_mean) / x_scale.
    passes : int
        Passes over the files (1 for ridge and the elastic net; labels + Newton rounds for
        the logistic families).
    """

    model: object
    info: FileInfo
    dashboard_link: str | None = None
    x_mean: np.ndarray | None = None
    x_scale: np.ndarray | None = None
    passes: int = 1


#: ``family`` values of :func:`fit_files`
FAMILIES = ("gaussian", "binomial", "multinomial")


def fit_files(paths, target=None, features: Sequence[str] | None = None,
              weight: str | None = None, *, cv=10, alphas=None, rule: str = "min",
              seed: int = 0, family: str = "gaussian", l1_ratio=None,
              standardize: bool = False, scoring: str | None = None, tol: float = 1e-8,
              fit_intercept: bool = True, alpha_per_target: bool = False,
              dask: bool = False, scheduler: str | None = None, n_workers: int | None = None,
              timeout: float | None = None, format: str | None = None,
              block_rows: int | None = None, progress: ProgressCallback | None = None,
              on_dashboard: Callable[[str], None] | None = None,
              max_gram_bytes: int | None = None) -> FileFit:
    """Fit ridge, the elastic net or L2 logistic over data files, λ chosen over the same
    passes.

    * ``family="gaussian"``, no ``l1_ratio``: ridge, one pass of per-fold moments
      (:func:`ridgekit.select.kfold_fit`), or a rule from the moments of all rows.
    * ``family="gaussian"`` with ``l1_ratio`` (a value or a list): the elastic net /
      lasso by exact k-fold from the per-fold moments of one pass
      (:meth:`ridgekit.linear_model.ElasticNetCV.fit_moments`).
    * ``family="binomial"`` / ``"multinomial"``: :class:`~ridgekit.linear_model.
      LogisticRidgeCV` by Newton over the files, one pass per lockstep round of every
      fold's model and the full model (:mod:`ridgekit.scale.glm_cv`); ``target`` is a
      column of class labels (numbers or text).

    The folds are :class:`HashFolds` (k, ``seed``) of each row's position in the sorted
    files' concatenation, so ``RidgeCV`` / ``ElasticNetCV`` / ``LogisticRidgeCV`` with
    ``cv=HashFolds(k, seed)`` on the same rows in memory reproduce the fit.

    Parameters
    ----------
    paths : str, Path or list
        A file, a directory, or a glob such as ``"data/*.parquet"``.
    target, features, weight : see :func:`fold_moments_from_files`
    cv : int, HashFolds or str, default=10
        An int k: exact k-fold over :class:`HashFolds` (k, ``seed``); ridge also takes a
        rule name that needs only moments (``"gcv"``, ``"evidence"``, ...).
    alphas : None, int or array-like
        The grid (None: the family's default).
    rule : {"min", "1se"}
    seed : int
        Seed of the fold hash.
    family : {"gaussian", "binomial", "multinomial"}
    l1_ratio : float or list of float, optional
        Gaussian only: the elastic net's L1 share (1 = lasso), a list chosen jointly.
    standardize : bool
        Ridge and the elastic net: fit on (x - mean) / sd (population sd; ``x_mean`` and
        ``x_scale`` of the result). Logistic: ``LogisticRidgeCV(standardize=True)`` (the
        penalty on the standardized scale, coefficients on the original one).
    scoring : str, optional
        Logistic CV criterion: None (deviance), ``"log_loss"`` or ``"accuracy"``.
    tol : float
        Logistic: gradient-norm tolerance of Newton.
    fit_intercept, alpha_per_target : bool
        Ridge only.
    dask : bool
        Run on a ``LocalCluster`` sized to the machine (``n_workers`` to override).
    scheduler : str, optional
        Address of a running Dask scheduler (implies Dask).
    n_workers : int, optional
    timeout : float, optional
        Seconds to wait for ``scheduler`` (default 10).
    format, block_rows : see :func:`fold_moments_from_files`
    progress : callable, optional
        ``progress(done, total)`` per pass (see :mod:`ridgekit.scale.file_blocks`).
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
        an unknown family or rule, a rule the family cannot use, p too large for the
        client-side Gram or Hessians;
        :class:`ridgekit.scale.cluster.SchedulerUnreachableError` (a ValueError too)
        when the scheduler does not answer in time.
    """
    if family not in FAMILIES:
        raise ValueError(f"family={family!r}: use one of {FAMILIES}")
    if family != "gaussian" and l1_ratio is not None:
        raise ValueError("l1_ratio goes with family='gaussian' (the elastic net); the "
                         "logistic fit over files is L2 only")
    folds = _folds(cv, seed, family != "gaussian" or l1_ratio is not None)
    fit = _logistic if family != "gaussian" else _gaussian
    kwargs = dict(folds=folds, cv=cv, alphas=alphas, rule=rule, family=family,
                  l1_ratio=l1_ratio, standardize=standardize, scoring=scoring, tol=tol,
                  fit_intercept=fit_intercept, per_target=alpha_per_target,
                  options=dict(format=format, block_rows=block_rows, progress=progress,
                               max_gram_bytes=max_gram_bytes))
    if not (dask or scheduler is not None):
        return fit(paths, target, features, weight, None, **kwargs)
    from ridgekit.scale.cluster import CONNECT_TIMEOUT, dask_client

    with dask_client(scheduler, n_workers=n_workers,
                     timeout=CONNECT_TIMEOUT if timeout is None else timeout) as client:
        link = client.dashboard_link
        if on_dashboard is not None:
            on_dashboard(link)
        out = fit(paths, target, features, weight, client, **kwargs)
    out.dashboard_link = link
    return out


def _folds(cv, seed: int, kfold_only: bool):
    from ridgekit.scale.estimators import fold_rule

    if isinstance(cv, str):
        from ridgekit.select import get_rule

        if kfold_only:
            raise ValueError(f"cv={cv!r}: the elastic net and the logistic fit over files "
                             "choose alpha by k-fold only; give the number of folds (cv=10)")
        r = get_rule(cv)
        if r.needs_data:
            raise ValueError(f"cv={cv!r} needs the rows in memory; over files use k-fold "
                             "(cv=10) or a rule that needs only moments ('gcv', ...)")
        return None
    return HashFolds(int(cv), seed) if isinstance(cv, int) else fold_rule(cv)


def _gaussian(paths, target, features, weight, client, *, folds, cv, alphas, rule, family,
              l1_ratio, standardize, scoring, tol, fit_intercept, per_target, options):
    from ridgekit.scale.streaming import standardize_folds

    opts = dict(options)
    fm, info = fold_moments_from_files(paths, target, features, weight, folds=folds,
                                       client=client, **opts)
    mean = scale = None
    if standardize:
        fm, mean, scale = standardize_folds(fm)
    if l1_ratio is not None:
        from ridgekit.linear_model import ElasticNetCV

        ratios = np.atleast_1d(np.asarray(l1_ratio, dtype=float))
        model = ElasticNetCV(l1_ratio=float(ratios[0]) if ratios.size == 1 else ratios.tolist(),
                             alphas=100 if alphas is None else alphas, rule=rule,
                             fit_intercept=fit_intercept)
        model.fit_moments(fm, info.feature_names)
    else:
        model = _model(fm, cv, folds, alphas, rule, fit_intercept, per_target)
    return FileFit(model, info, None, mean, scale)


def _logistic(paths, target, features, weight, client, *, folds, cv, alphas, rule, family,
              l1_ratio, standardize, scoring, tol, fit_intercept, per_target, options):
    from ridgekit.linear_model import LogisticRidgeCV
    from ridgekit.scale.file_blocks import open_file_blocks
    from ridgekit.scale.glm_cv import fit_logistic_cv

    opts = dict(options)
    blocks = open_file_blocks(paths, target, features, weight, format=opts.pop("format"),
                              block_rows=opts.pop("block_rows"), labels=True)
    est = LogisticRidgeCV(alphas=alphas, cv=folds, rule=rule, scoring=scoring, tol=tol,
                          standardize=standardize, fit_intercept=fit_intercept)
    opts = {k: v for k, v in opts.items() if v is not None}
    fit_logistic_cv(est, blocks, None, None,
                    options={**opts, "client": client, "classes": family})
    return FileFit(est, _info(blocks), None, passes=blocks.passes)



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
