"""Monotone root-finding in log λ, shared by the rules that solve an equation in λ."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize import brentq

__all__ = ["bisect_decreasing", "solve_increasing"]


def solve_increasing(fn: Callable[[float], float], target: float, lo: float, hi: float,
                     what: str) -> float:
    """Solve ``fn(alpha) = target`` for a function increasing in α, bracketing in log α.

    The bracket ``[lo, hi]`` is widened by factors of 1e3 until it contains the root.
    """
    log_lo, log_hi = np.log(lo), np.log(hi)

    def g(log_a):
        return fn(float(np.exp(log_a))) - target

    for _ in range(40):
        if g(log_lo) <= 0:
            break
        log_lo -= np.log(1e3)
    else:
        raise ValueError(f"{what}: no alpha > 0 is small enough")
    for _ in range(40):
        if g(log_hi) >= 0:
            break
        log_hi += np.log(1e3)
    else:
        raise ValueError(f"{what}: no finite alpha is large enough")
    return float(np.exp(brentq(g, log_lo, log_hi, xtol=1e-13, rtol=4 * np.finfo(float).eps,
                               maxiter=500)))


def bisect_decreasing(fn, left, right, max_iter: int = 200):
    """Vectorized bisection in log scale for fn(left) > 0 >= fn(right)."""
    lo, hi = np.log(left), np.log(right)
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        positive = fn(np.exp(mid)) > 0
        lo = np.where(positive, mid, lo)
        hi = np.where(positive, hi, mid)
        if np.all(hi - lo <= 4 * np.finfo(np.float64).eps * np.maximum(np.abs(hi), 1.0)):
            break
    return np.exp(0.5 * (lo + hi))
