"""Lazy access to the numba kernels: numba is imported on the first solve, never at
``import ridgekit`` (nor at ``import ridgekit.sparse``).

The kernels are compiled with ``cache=True``: the first call in a fresh environment
compiles them (a few seconds) and writes the machine code next to the module (or to
``NUMBA_CACHE_DIR``); later processes load it in milliseconds.
"""

from __future__ import annotations

import time
from types import ModuleType

__all__ = ["kernels", "gram_path_kernel", "gap_kernel", "import_seconds"]

_MODULE: ModuleType | None = None
_IMPORT_SECONDS: float | None = None


def kernels() -> ModuleType:
    """The module of compiled kernels (imports numba on first call)."""
    global _MODULE, _IMPORT_SECONDS
    if _MODULE is None:
        start = time.perf_counter()
        from ridgekit.sparse import _kernels

        _MODULE = _kernels
        _IMPORT_SECONDS = time.perf_counter() - start
    return _MODULE


def gram_path_kernel():
    """The compiled whole-path loop on a Gram (:mod:`ridgekit.sparse._gram_path`)."""
    kernels()
    from ridgekit.sparse._gram_path import gram_path

    return gram_path


def gap_kernel():
    """The compiled duality gap for problems without free coordinates."""
    kernels()
    from ridgekit.sparse._gram_path import _gap

    return _gap


def import_seconds() -> float | None:
    """Seconds the first :func:`kernels` call took to import numba and the kernel module
    (compilation itself happens on each kernel's first call)."""
    return _IMPORT_SECONDS
