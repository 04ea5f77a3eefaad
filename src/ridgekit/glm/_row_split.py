"""Row slices of the batched ALO path (:mod:`ridgekit.glm.alo`): one contiguous run of
rows per worker thread, the threads kept for the whole path, and the memory its (n, m)
work blocks recycle; the plain products over those slices.

Every step of the batched path is a loop over rows or a product summed over rows, so it
splits into independent row slices; the numba loops that run on them live in
:mod:`ridgekit.glm._alo_kernels`. Nothing here imports numba.
"""

from __future__ import annotations

import numpy as np

from ridgekit import _memory

__all__ = ["RowSplit", "SERIAL", "CHUNK", "matmul_rows", "gram_rows", "take_columns"]

#: rows per block of the kernels' passes (a block of m float32 columns stays in cache)
CHUNK = 4096
#: the calling thread's slice of a RowSplit is this much larger than the others'
LEAD = 0.015
#: slices of a RowSplit start on multiples of this many rows
_ALIGN = 64


class RowSplit:
    """Contiguous slices of the n rows, one per worker thread, and the threads.

    Every step of the batched path is a loop over rows or a product summed over rows, so
    each worker runs its slice of all of them: the numba loops (``nogil``), numpy's
    transcendental ufuncs (which release the GIL) and, inside
    :func:`ridgekit._blas_split.blas_pass` (numpy's BLAS held at one thread), the GEMMs.
    Nothing then spins between the steps, and the single-threaded numpy work (exp, log1p,
    column takes) is split too. ``map(fn)`` runs ``fn(slice)`` on each slice, the first
    in the calling thread. It is :func:`ridgekit._blas_split.split_sum` with the slices
    and the thread pool kept for the whole path (some sixty calls), not made per call.
    """

    def __init__(self, n: int, workers: int):
        k = max(1, min(int(workers), n // CHUNK))
        # equal slices, the first (the calling thread's, which starts at once) larger by
        # LEAD of a slice: the pool's threads start ~0.1 ms late (a wake-up), on passes of
        # 5-15 ms at n = 100,000; in multiples of _ALIGN rows
        share = np.r_[1.0 + LEAD, np.ones(k - 1)]
        cuts = [0] + [int(round(n * c / _ALIGN)) * _ALIGN
                      for c in np.cumsum(share)[:-1] / share.sum()] + [n]
        self.slices = [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        self._pool = None
        if k > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=k - 1)

    def empty(self, shape, dtype=np.float32) -> np.ndarray:
        """An uninitialized C-ordered array from the process's work memory
        (:data:`ridgekit._memory.WORK`): memory that an earlier array of this path, or of
        an earlier fit, held and has released, when a buffer is large enough. Every
        iteration of the path makes (n, m) blocks (directions, weights, column takes) as
        the last ones die; fresh memory costs a page fault and the kernel's zeroing per
        page."""
        return _memory.WORK.empty(shape, dtype)

    def map(self, fn) -> list:
        if self._pool is None:
            return [fn(sl) for sl in self.slices]
        futures = [self._pool.submit(fn, sl) for sl in self.slices[1:]]
        return [fn(self.slices[0])] + [f.result() for f in futures]

    def sum(self, fn):
        parts = self.map(fn)
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class _Serial(RowSplit):
    """All rows in the calling thread (and no memory kept: arrays are numpy's own)."""

    def __init__(self):
        self.slices, self._pool = [slice(None)], None

    def empty(self, shape, dtype=np.float32) -> np.ndarray:
        return np.empty(shape, dtype)


SERIAL = _Serial()


def matmul_rows(A, B, rows: RowSplit = SERIAL, out=None) -> np.ndarray:
    """:math:`AB` with the rows of A split over ``rows``."""
    if out is None:
        out = np.empty((A.shape[0], B.shape[1]), np.result_type(A, B))
    rows.map(lambda sl: np.matmul(A[sl], B, out=out[sl]))
    return out


def gram_rows(A, R, rows: RowSplit = SERIAL) -> np.ndarray:
    """:math:`A^TR` (float64) as a sum of the row slices' products, each formed as
    :math:`(R^TA)^T` (OpenBLAS packs the narrow R^T instead of the n x d A: 20-40 % faster
    at n = 100,000, d = 101 and 5-30 columns)."""
    return rows.sum(lambda sl: (R[sl].T @ A[sl]).T.astype(np.float64))


def take_columns(A, cols, rows: RowSplit = SERIAL) -> np.ndarray:
    """``A[:, cols]`` (C order), the rows split over ``rows``. The indices are checked
    here once: ``np.take`` then runs with ``mode="wrap"``, since with its default
    ("raise") it writes into a temporary of the output's size and copies that into
    ``out`` -- fresh memory and a second pass on every call (0.63 against 0.32 ms and 96
    page faults against none, 17 of 30 columns at n = 100,000)."""
    cols = np.asarray(cols, np.intp)
    if cols.size and (cols.min() < 0 or cols.max() >= A.shape[1]):
        raise IndexError(f"take_columns: column indices outside [0, {A.shape[1]})")
    out = rows.empty((A.shape[0], cols.size), A.dtype)
    if cols.size:
        rows.map(lambda sl: np.take(A[sl], cols, axis=1, out=out[sl], mode="wrap"))
    return out
