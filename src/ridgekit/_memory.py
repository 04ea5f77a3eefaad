"""Large work arrays: in memory the kernel can back with huge pages, and handed out again
once released, within a fit and between fits.

A fresh array costs a page fault and the kernel's zeroing per page the first time it is
written. Linux's transparent huge pages (``/sys/kernel/mm/transparent_hugepage``, numpy
asks for them with ``madvise`` on arrays of 4 MB and more) fault 2 MB at a time, but only
for the 2 MB-aligned part of a mapping: the unaligned head and tail of an array, up to
4 MB together, still fault 4 KB at a time, about 0.3 ms per MB on the 2-core VM of
``benchmarks/RESULTS.md`` (against 0.04 ms per MB in huge pages). :func:`aligned_empty`
starts the array on a 2 MB boundary of a slightly larger allocation, so that only its
last partial huge page is small pages; the bytes before it are never touched, so they
take no memory. Measured there: a fresh 38 MB float32 array written once, 2.9 ms
against 3.6-4.3 ms from ``np.empty``, and 21 page faults against 568. Where huge pages
are off it is ``np.empty`` with 2 MB more address space.

Zeroed huge pages still cost the kernel about 0.08 ms per 2 MB, and a batched ALO fit at
n = 100,000, p = 100 writes some 140 MB of fresh work arrays (the float32 copy of X, the
basis U, the (n, λ) blocks): :data:`WORK` keeps them between fits, up to a limit, and
hands a buffer out again once no array refers to it (numpy's views all refer to the
array that owns the memory, so its reference count tells). Measured there, paired in one
process against the commit before it: 9.1 ms less per fit (median of 16 rounds). The
limit is ``RIDGEKIT_WORK_MEMORY_MB`` (default 256; 0 keeps nothing), or
:func:`set_work_memory`; :func:`free_work_memory` releases what no array uses now -- as
``mkl_free_buffers`` does for MKL's own buffers.

This module imports nothing else of ridgekit.
"""

from __future__ import annotations

import os
import sys
import threading

import numpy as np

__all__ = ["aligned_empty", "WorkMemory", "WORK", "free_work_memory", "set_work_memory"]

#: the huge page size of x86-64 and arm64 Linux
HUGE_PAGE = 2 * 2**20
#: below this numpy's allocations get no huge pages anyway
_MIN_BYTES = 4 * 2**20
#: the environment variable with the limit of :data:`WORK`, in MB
ENV_LIMIT = "RIDGEKIT_WORK_MEMORY_MB"
#: its default
DEFAULT_LIMIT_MB = 256


def _padding(nbytes: int) -> int:
    return HUGE_PAGE if nbytes >= _MIN_BYTES else 0


def _array_in(raw: np.ndarray, shape, dtype: np.dtype, nbytes: int) -> np.ndarray:
    """The C-ordered array of ``shape`` at the start of ``raw`` (uint8), or at its first
    2 MB boundary when it is large (``raw`` then has room for the offset)."""
    start = (-raw.ctypes.data) % HUGE_PAGE if _padding(nbytes) else 0
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def aligned_empty(shape, dtype=np.float32) -> np.ndarray:
    """An uninitialized C-ordered array starting on a 2 MB boundary (plain ``np.empty``
    below 4 MB); new memory, not :data:`WORK`'s."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if not _padding(nbytes):
        return np.empty(shape, dtype)
    return _array_in(np.empty(nbytes + HUGE_PAGE, np.uint8), shape, dtype, nbytes)


def _limit_from_env() -> int:
    text = os.environ.get(ENV_LIMIT, "").strip()
    if not text:
        return DEFAULT_LIMIT_MB * 2**20
    try:
        mb = float(text)
    except ValueError:
        mb = -1.0
    if not mb >= 0:
        raise ValueError(f"{ENV_LIMIT} must be a number of megabytes >= 0; got {text!r}")
    return int(mb * 2**20)


class WorkMemory:
    """Buffers of work arrays, each handed out again once no array refers to it.

    :meth:`empty` returns an array in the smallest free buffer that holds it (2 MB-aligned
    from 4 MB on, as :func:`aligned_empty`), or in a new one, kept while the buffers
    together stay within ``limit`` bytes (the least recently used free ones make room);
    a request that cannot be kept gets memory of its own. A buffer is free when its
    reference count is what it was with no array made from it: every view, slice,
    reshape or transpose of an array refers to the buffer that owns the memory.
    """

    def __init__(self, limit: int | None = None):
        self._limit = limit  # None: from the environment at first use
        self._entries: list[list] = []  # [buffer (uint8), idle reference count, last use]
        self._lock = threading.Lock()
        self._clock = 0

    @property
    def limit(self) -> int:
        """Bytes the buffers may hold together."""
        if self._limit is None:
            self._limit = _limit_from_env()
        return self._limit

    @limit.setter
    def limit(self, nbytes: int) -> None:
        if not nbytes >= 0:
            raise ValueError(f"the work memory limit must be >= 0 bytes; got {nbytes}")
        self._limit = int(nbytes)
        self.free(over=self._limit)

    @property
    def nbytes(self) -> int:
        """Bytes the buffers hold now, free or not."""
        return sum(entry[0].nbytes for entry in self._entries)

    def empty(self, shape, dtype=np.float32) -> np.ndarray:
        """An uninitialized C-ordered array of ``shape`` and ``dtype``."""
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape)) * dtype.itemsize
        need = nbytes + _padding(nbytes)
        with self._lock:
            self._clock += 1
            best = None
            for entry in self._entries:
                if entry[0].nbytes >= need and self._idle(entry) \
                        and (best is None or entry[0].nbytes < best[0].nbytes):
                    best = entry
            if best is None:
                if not self._room_for(need):
                    return aligned_empty(shape, dtype)
                best = [np.empty(need, np.uint8), 0, 0]
                self._entries.append(best)
                best[1] = sys.getrefcount(best[0])  # (no array made from it yet)
            best[2] = self._clock
            return _array_in(best[0], shape, dtype, nbytes)

    def free(self, over: int = 0) -> int:
        """Release free buffers, least recently used first, until the buffers hold at
        most ``over`` bytes (0: every free one); returns the bytes released."""
        with self._lock:
            return self._release(self.nbytes - over)

    @staticmethod
    def _idle(entry) -> bool:
        return sys.getrefcount(entry[0]) == entry[1]

    def _room_for(self, need: int) -> bool:
        """Make room for a new buffer of ``need`` bytes within the limit, if freeing
        buffers can; False (nothing released) if it cannot."""
        held = self.nbytes
        idle = sum(entry[0].nbytes for entry in self._entries if self._idle(entry))
        if held - idle + need > self.limit:
            return False
        self._release(held + need - self.limit)
        return True

    def _release(self, at_least: int) -> int:
        released, gone = 0, set()
        for entry in sorted(self._entries, key=lambda e: e[2]):
            if released >= at_least:
                break
            if self._idle(entry):
                released += entry[0].nbytes
                gone.add(id(entry))
        # (by identity: a list's own search would compare the arrays)
        self._entries = [entry for entry in self._entries if id(entry) not in gone]
        return released


#: the process's work memory (the batched ALO path's arrays; its users look it up here
#: at each call)
WORK = WorkMemory()


def free_work_memory() -> int:
    """Release the work memory that no array uses now (ridgekit keeps the large work
    arrays of its batched paths for the next fit, up to ``RIDGEKIT_WORK_MEMORY_MB``);
    returns the bytes released."""
    return WORK.free()


def set_work_memory(limit_mb: float) -> None:
    """Keep at most ``limit_mb`` megabytes of work memory between fits (0: none);
    releases free buffers beyond it now."""
    if not (isinstance(limit_mb, (int, float)) and limit_mb >= 0):
        raise ValueError(f"limit_mb must be a number >= 0; got {limit_mb!r}")
    WORK.limit = int(limit_mb * 2**20)
