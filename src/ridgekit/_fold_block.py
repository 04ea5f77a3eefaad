"""The fold pass over one block of rows: per-fold moments, every row read once.

Shared by the in-memory :meth:`ridgekit.moments.FoldMoments.from_arrays` (blocks of rows
on one worker thread each) and the block step of :mod:`ridgekit.scale.blocks` (Dask
chunks, files, memmaps), so the two give the same numbers. A block's rows are gathered
fold by fold into a buffer that stays in a core's L2 cache and summed with one syrk per
buffer (:func:`gram_moments`). This module imports only numpy and the moments.
"""

from __future__ import annotations

import numpy as np

from ridgekit.moments import Moments

__all__ = ["moments_by_fold", "gram_moments", "rows_from_ids"]


def rows_from_ids(ids: np.ndarray, k: int) -> tuple[np.ndarray | None, np.ndarray]:
    """``(rows, bounds)`` of :func:`moments_by_fold` from fold ids 0 .. k-1 of a block:
    the stable sort by id (None when already sorted) and each fold's start."""
    ids = np.asarray(ids)
    if ids.size and np.any(ids[1:] < ids[:-1]):
        # a stable sort of one-byte keys is a radix sort
        order = np.argsort(ids.astype(np.uint8) if k < 256 else ids, kind="stable")
    else:
        order = None
    counts = np.bincount(ids, minlength=k)[:k] if ids.size else np.zeros(k, dtype=np.intp)
    return order, np.r_[0, np.cumsum(counts)].astype(np.intp)


#: bytes of the row buffer of :func:`gram_moments`: it stays in a core's L2 cache between
#: the gather that fills it and the syrk that reads it
_BUFFER_BYTES = 1 << 20

#: fold moments are taken about a shift ``c`` near the mean; when a fold's mean is farther
#: than this many of its standard deviations from ``c`` in some column, that fold is
#: summed again about its own mean (the algebraic centering loses ``(1 + d^2/var) eps``)
_SHIFT_RATIO_LIMIT = 10.0


def moments_by_fold(X, Y, w, rows, bounds) -> list[Moments]:
    """Moments of each fold of one block of rows, every row read once.

    Parameters
    ----------
    X : ndarray (m, p); Y : ndarray (m, t); w : ndarray (m,) or None
    rows : ndarray of int or None
        The block's row offsets grouped by fold (:func:`rows_from_ids`); None when the
        rows are already in fold order.
    bounds : ndarray of int, shape (K + 1,)
        Fold ``f`` is ``rows[bounds[f]:bounds[f + 1]]``.
    """
    m = X.shape[0]
    gather = None if rows is None else _Gather(X, Y)
    q = X.shape[1] + Y.shape[1]
    buf = np.empty((min(max(256, _BUFFER_BYTES // (8 * (q + 1))), m), q + 1))
    head = min(m, 4096)
    shift = np.r_[X[:head].mean(axis=0), Y[:head].mean(axis=0)] if m else None
    out = []
    for f in range(len(bounds) - 1):
        a, b = int(bounds[f]), int(bounds[f + 1])
        sel = slice(a, b) if rows is None else rows[a:b]
        part = gram_moments(X, Y, w, sel, shift, gather, buf)
        if part.weight > 0:
            d2 = np.r_[part.mean_x - shift[:X.shape[1]], part.mean_y - shift[X.shape[1]:]] ** 2
            var = np.r_[np.diag(part.cxx), part.cyy] / part.weight
            if np.any(d2 > _SHIFT_RATIO_LIMIT * var):
                part = gram_moments(X, Y, w, sel, np.r_[part.mean_x, part.mean_y], gather,
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


def gram_moments(X, Y, w, sel, shift, gather, buf) -> Moments:
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
