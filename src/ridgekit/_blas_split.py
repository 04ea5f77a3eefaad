"""One pass of BLAS work split into independent slices, one single-threaded worker each.

OpenBLAS threads a level-3 call by splitting its *output* among its threads, which then
synchronize on every packed panel. For the Gram :math:`X^TX` of a tall X with few columns
(p ~ 100) the output is small and the synchronization frequent; on a loaded machine a
preempted BLAS thread stalls its partner at every panel (on the 2-core development machine
under load, a 2-thread syrk took 10-40x its quiet time, while two single-threaded ones on
halves of the rows stayed within 2-5x). Summing partial products over slices of the *inner*
dimension needs no synchronization until the end:

.. math::

    X^TX = \\sum_k X_k^TX_k \\quad (X_k \\text{ the rows of slice } k),

so :func:`split_sum` runs one slice per worker thread while :func:`blas_pass` holds numpy's
BLAS at one thread for the duration of the pass (numpy's matrix products release the GIL). It splits
only where that is safe and known to pay: numpy's BLAS is OpenBLAS with its own pthreads
pool (the pip wheels; a process-wide thread count that :mod:`threadpoolctl` can lower) set
to more than one thread, no other split pass is running, and the work is large enough.
Anywhere else the pass runs as one slice in the calling thread, exactly as before.

This module imports nothing else of ridgekit (the core modules below may use it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import numpy as np

__all__ = ["blas_pass", "split_sum", "row_gram", "blas_workers", "quiet_blas_workers",
           "MIN_SPLIT_BYTES"]

T = TypeVar("T")

#: a pass over fewer bytes than this runs in one slice: starting a thread and lowering the
#: BLAS thread count cost tens of microseconds, a 32 MB syrk about a hundred times that
MIN_SPLIT_BYTES = 32 * 2**20

_PASS_LOCK = threading.Lock()
_CONTROLLER: list = []  # [ThreadpoolController of numpy's BLAS] or [None], built once


def _numpy_blas_controller():
    """A threadpoolctl controller of the BLAS numpy's own products call, or None when that
    BLAS is not an OpenBLAS with its own pthreads pool (or threadpoolctl is missing)."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a dependency of scikit-learn
            _CONTROLLER.append(None)
            return None
        blas = ThreadpoolController().select(user_api="blas")
        # numpy's wheels bundle their OpenBLAS in numpy.libs/ next to the package; any other
        # layout (conda, a system BLAS) cannot be told apart from scipy's: no split
        root = os.path.dirname(os.path.abspath(np.__file__))
        mine = [c for c in blas.lib_controllers if c.filepath.startswith(root)
                and c.internal_api == "openblas" and c.threading_layer == "pthreads"]
        _CONTROLLER.append(blas.select(filepath=[c.filepath for c in mine]) if mine else None)
    return _CONTROLLER[0]


def blas_workers() -> int:
    """Workers a split pass would use now: numpy's BLAS thread count (so a user's
    ``threadpool_limits(1)`` is respected), capped by the CPUs this process may run on;
    1 where no split is possible."""
    ctl = _numpy_blas_controller()
    if ctl is None:
        return 1
    threads = min(c.num_threads or 1 for c in ctl.lib_controllers)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(threads, cpus))


@contextmanager
def blas_pass(nbytes: int) -> Iterator[int]:
    """Context of one split pass over ``nbytes`` bytes; yields the number of workers.

    With more than one worker, numpy's BLAS runs at one thread inside the context (each
    worker's calls then run in the worker's own thread) and the count is restored on exit;
    with one, nothing is changed. A pass already running in another thread, a pass under
    :data:`MIN_SPLIT_BYTES`, or a limit that did not take effect (threadpoolctl lets only
    one Python thread set OpenBLAS's process-wide count) all give one worker.
    """
    workers = blas_workers() if nbytes >= MIN_SPLIT_BYTES else 1
    if workers <= 1 or not _PASS_LOCK.acquire(blocking=False):
        yield 1
        return
    try:
        # the context form also hands back threadpoolctl's 'controlling thread' on exit
        ctl = _numpy_blas_controller()
        quiet = False
        with ctl.limit(limits=1):
            effective = all(c.num_threads == 1 for c in ctl.lib_controllers)
            if effective:
                quiet = quiet_blas_workers()
            yield workers if effective else 1  # not effective: the count is unchanged
        if quiet:  # restoring the count restarted numpy's pool: its new threads spin too
            quiet_blas_workers()
    finally:
        _PASS_LOCK.release()


_SHUTDOWNS: list = []  # [the shutdown functions], found once


def _openblas_shutdowns() -> list:
    """``blas_thread_shutdown_`` of every OpenBLAS with its own pthreads pool loaded in
    the process (numpy's and scipy's wheels each bundle one), found once."""
    if not _SHUTDOWNS:
        found = []
        try:
            from threadpoolctl import ThreadpoolController

            for c in ThreadpoolController().select(internal_api="openblas").lib_controllers:
                fn = getattr(getattr(c, "dynlib", None), "blas_thread_shutdown_", None)
                if c.threading_layer == "pthreads" and fn is not None:
                    found.append(fn)
        except Exception:  # pragma: no cover - threadpoolctl missing or changed
            found = []
        _SHUTDOWNS.append(found)
    return _SHUTDOWNS[0]


def quiet_blas_workers() -> bool:
    """Stop the idle worker threads of the process's OpenBLAS pools; True if it did.

    After each multi-threaded call OpenBLAS's workers spin on the CPU for about 0.1 s
    (``OPENBLAS_THREAD_TIMEOUT``, read only when the library loads) before they sleep; a
    split pass started in that window shares its cores with them (measured at n =
    100,000, p = 100: the batched ALO path 35-40 ms slower, 100 ms more CPU, right after
    one 300 x 300 product). ``blas_thread_shutdown_`` -- what OpenBLAS itself calls
    before a fork -- joins them; the next multi-threaded call starts them again (about
    a millisecond). Done only while this is the process's only Python thread: a BLAS
    call running in another thread could still own a worker.
    """
    if threading.active_count() != 1:
        return False
    fns = _openblas_shutdowns()
    for fn in fns:
        fn()
    return bool(fns)


def split_sum(work: Callable[[int, int], T], size: int, unit: int, workers: int,
              combine: Callable[[T, T], T]) -> T:
    """``work(start, stop)`` over ``[0, size)`` cut into one contiguous slice per worker,
    boundaries on multiples of ``unit``; the results folded left with ``combine``.

    Parameters
    ----------
    work : callable
        Computes the partial result of one slice; it must only read shared data.
    size : int
        Length of the dimension that is split (rows of X, or its columns).
    unit : int
        Slices start on multiples of this (the caller's cache block).
    workers : int
        From :func:`blas_pass`; the first slice runs in the calling thread.
    combine : callable
        ``combine(a, b)``: the result of two adjacent slices (a sum, or a merge).
    """
    blocks = -(-size // max(unit, 1))
    workers = max(1, min(workers, blocks))
    if workers == 1:
        return work(0, size)
    cuts = [min(size, unit * (blocks * k // workers)) for k in range(workers + 1)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers - 1) as pool:
        futures = [pool.submit(work, cuts[k], cuts[k + 1]) for k in range(1, workers)]
        total = work(cuts[0], cuts[1])
        for f in futures:
            total = combine(total, f.result())
    return total


#: largest n x n partial product one extra worker of :func:`row_gram` may hold
MAX_PARTIAL_BYTES = 256 * 2**20


def row_gram(X: np.ndarray, unit: int = 256) -> np.ndarray:
    """:math:`XX^T = \\sum_k X_{:,k}X_{:,k}^T` over slices k of the columns (one syrk
    each), split over workers by :func:`blas_pass` where the n x n partial products are
    small (:data:`MAX_PARTIAL_BYTES`); a single syrk otherwise."""
    n, p = X.shape
    nbytes = X.nbytes if n * n * 8 <= MAX_PARTIAL_BYTES else 0

    def work(start: int, stop: int) -> np.ndarray:
        block = X[:, start:stop]
        return block @ block.T  # numpy calls syrk for a product with its own transpose

    with blas_pass(nbytes) as workers:
        return split_sum(work, p, unit, workers, _add_into)


def _add_into(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a += b
    return a
