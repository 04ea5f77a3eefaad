"""Timing and memory helpers shared by the benchmarks."""

from __future__ import annotations

import platform
import time
import tracemalloc

import numpy as np


def best_time(fn, repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls, in seconds."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_extra_bytes(fn) -> int:
    """Peak memory allocated during ``fn()`` beyond what existed before (tracemalloc sees
    numpy's allocations)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def machine() -> str:
    import os

    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i.get('version')} ({i.get('num_threads')} thr)"
                         for i in threadpool_info() if i["user_api"] == "blas")
    except ImportError:  # pragma: no cover
        blas = "?"
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas}")


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join(str(r[k]) for k in keys) + " |")
    return "\n".join(out)
