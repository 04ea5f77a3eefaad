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


#: bytes of the row buffer of :func:`_gram_moments`: it stays in a core's L2 cache between
#: the gather that fills it and the syrk that reads it
_BUFFER_BYTES = 1 << 20

#: fold moments are taken about a shift ``c`` near the mean; when a fold's mean is farther
#: than this many of its standard deviations from ``c`` in some column, that fold is
#: summed again about its own mean (the algebraic centering loses ``(1 + d^2/var) eps``)
_SHIFT_RATIO_LIMIT = 10.0


def _moments_by_fold(X, Y, w, start, spec) -> list[Moments]:
    m = X.shape[0]
    if spec.folds is None:
        if m:  # the in-memory pass itself: one syrk on a view of X when it may
            return [Moments.from_arrays(X, Y, w)]
        rows, bounds = None, np.array([0, m])
    else:
        rows, bounds = rows_by_fold(spec.folds, start, start + m)
    gather = None if rows is None else _Gather(X, Y)
    q = X.shape[1] + Y.shape[1]
    buf = np.empty((min(max(256, _BUFFER_BYTES // (8 * (q + 1))), m), q + 1))
    head = min(m, 4096)
    shift = np.r_[X[:head].mean(axis=0), Y[:head].mean(axis=0)] if m else None
    out = []
    for f in range(len(bounds) - 1):
        a, b = int(bounds[f]), int(bounds[f + 1])
        sel = slice(a, b) if rows is None else rows[a:b]
        part = _gram_moments(X, Y, w, sel, shift, gather, buf)
        if part.weight > 0:
            d2 = np.r_[part.mean_x - shift[:X.shape[1]], part.mean_y - shift[X.shape[1]:]] ** 2
            var = np.r_[np.diag(part.cxx), part.cyy] / part.weight
            if np.any(d2 > _SHIFT_RATIO_LIMIT * var):
                part = _gram_moments(X, Y, w, sel, np.r_[part.mean_x, part.mean_y], gather,
                                     buf)
        out.append(part)
    return out


def _row_source(A: np.ndarray):
    """``(S, c)``: a C-contiguous array whose row ``i`` holds row ``i`` of ``A`` in columns
    ``c .. c + A.shape[1] - 1`` -- ``A`` itself, or the array ``A`` is a column slice of
    (a Dask chunk ``[X | y]`` sliced into X and y); None if there is none."""
    if A.flags.c_contiguous:
        return A, 0
    base = A.base
    if not (isinstance(base, np.ndarray) and base.ndim == 2 and base.flags.c_contiguous
            and base.dtype == A.dtype and A.strides[0] == base.strides[0]
            and (A.shape[1] == 1 or A.strides[1] == A.itemsize)):
        return None
    off = A.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    r0, rem = divmod(off, base.strides[0])
    c0 = rem // A.itemsize
    if off < 0 or rem % A.itemsize or c0 + A.shape[1] > base.shape[1] \
            or r0 + A.shape[0] > base.shape[0]:
        return None
    return base[r0: r0 + A.shape[0]], int(c0)


class _Gather:
    """Gathers of rows of X and Y into a preallocated buffer, without a temporary per
    gather: ``np.take`` with ``out`` from a C-contiguous source (a non-contiguous one
    would be copied whole by every ``take``; fancy indexing allocates its result, and
    with Dask's ``MALLOC_TRIM_THRESHOLD_`` each such allocation is a fresh mmap)."""

    def __init__(self, X: np.ndarray, Y: np.ndarray):
        sources = [_row_source(A) for A in (X, Y)]
        sx, sy = (None if src is None else src[0] for src in sources)
        # X and Y column slices of the same rows of one array: one take serves both
        self.shared = sx is not None and sy is not None and (sx is sy or (
            sx.base is not None and sx.base is sy.base
            and sx.__array_interface__ == sy.__array_interface__))
        if self.shared and sx.shape[1] > 2 * (X.shape[1] + Y.shape[1]) + 8:
            self.shared = False
        for i, A in enumerate((X, Y)):
            wide = sources[i] is not None and sources[i][0].shape[1] > 2 * A.shape[1] + 8
            if sources[i] is None or (wide and not self.shared):
                # a Fortran-ordered frame block, or a narrow slice of a wide array: one
                # copy per block rather than gathers of whole wide rows
                sources[i] = (np.ascontiguousarray(A), 0)
        self.sources = sources
        self.tmp: list[np.ndarray] = []

    def fill(self, idx: np.ndarray, shift: np.ndarray, B: np.ndarray, p: int, q: int):
        """``B[:, :p] = X[idx] - shift_x``, ``B[:, p:q] = Y[idx] - shift_y``."""
        r = len(idx)
        srcs = self.sources[:1] if self.shared else self.sources
        if not self.tmp or self.tmp[0].shape[0] < r:
            self.tmp = [np.empty((B.shape[0], S.shape[1])) for S, _ in srcs]
        got = [np.take(S, idx, axis=0, out=t[:r], mode="clip")
               for (S, _), t in zip(srcs, self.tmp, strict=True)]
        (_, cx), (_, cy) = self.sources
        gx, gy = got[0], got[0] if self.shared else got[1]
        np.subtract(gx[:, cx: cx + p], shift[:p], out=B[:, :p])
        np.subtract(gy[:, cy: cy + q - p], shift[p:], out=B[:, p:q])


def _gram_moments(X, Y, w, sel, shift, gather, buf) -> Moments:
    r"""Moments of the rows ``sel`` (a slice or offsets) of one block, one syrk per buffer.

    Rows are gathered a few hundred at a time into ``B = [√w (x - c_x), √w (y - c_y), √w]``
    (``c = shift``) and ``G = Σ BᵀB`` is accumulated, so every row is read from memory once
    and the buffer is read back from cache. ``G`` holds the weighted co-moments about ``c``
    (``S``), their sums ``g = Σ w (z - c)`` and ``s = Σ w``; the moments are
    :math:`\bar z = c + g/s`, :math:`C = S - g g^T / s` -- exact algebra whose rounding
    error is :math:`(1 + (\bar z - c)^2 / \mathrm{var})\,\epsilon` relative, so ``c``
    must be near the mean (the caller sums a fold again about its own mean otherwise).
    """
    p, t = X.shape[1], Y.shape[1]
    q = p + t
    m = sel.stop - sel.start if isinstance(sel, slice) else len(sel)
    if m == 0:
        return Moments.empty(p, t)
    step = buf.shape[0]
    if w is None:
        buf[:, q] = 1.0
    G = np.zeros((q + 1, q + 1))
    for a in range(0, m, step):
        b = min(a + step, m)
        B = buf[: b - a]
        if isinstance(sel, slice):  # views, nothing gathered
            idx = slice(sel.start + a, sel.start + b)
            np.subtract(X[idx], shift[:p], out=B[:, :p])
            np.subtract(Y[idx], shift[p:], out=B[:, p:q])
        else:
            idx = sel[a:b]
            gather.fill(idx, shift, B, p, q)
        if w is not None:
            sw = np.sqrt(w[idx])
            B[:, :q] *= sw[:, None]
            B[:, q] = sw
        G += B.T @ B  # syrk: both triangles filled by numpy
    s = float(G[q, q])
    if s == 0.0:  # every weight zero
        e = Moments.empty(p, t)
        e.n_samples = m
        return e
    g = G[q, :q] / s
    C = G[:q, :q] - np.outer(g, G[q, :q])
    mean = shift + g
    return Moments(m, s, mean[:p], mean[p:], C[:p, :p], C[:p, p:q],
                   np.ascontiguousarray(np.diagonal(C)[p:q]))


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
