"""The result of every test problem (:class:`InverseProblem`), the argument checks, and
the noise model shared by all of them (``||e|| = noise * ||b_exact||``)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["InverseProblem", "RandomStateLike"]

RandomStateLike = int | np.integer | np.random.Generator | np.random.RandomState | None


@dataclass(frozen=True, eq=False)
class InverseProblem:
    """A discretized test problem ``A x = b``.

    Iterating over the object yields ``(A, b, x_true)``, so it unpacks like
    Hansen's ``[A, b, x] = problem(n)``.

    Attributes
    ----------
    A : ndarray of shape (n, n)
        The coefficient matrix.
    b : ndarray of shape (n,)
        The right-hand side, ``b_exact`` plus noise when ``noise > 0``.
    x_true : ndarray of shape (n,)
        The discretized exact solution.
    b_exact : ndarray of shape (n,)
        The noise-free right-hand side.
    s : ndarray of shape (n,)
        The points associated with the rows: collocation points, or the
        midpoints of the cells of the box functions in Galerkin problems.
    t : ndarray of shape (n,)
        The points associated with the columns: quadrature nodes, cell
        midpoints in Galerkin problems, or where ``x_true`` samples ``f``.
    name : str
        The name of the test problem.
    """

    A: NDArray[np.float64]
    b: NDArray[np.float64]
    x_true: NDArray[np.float64]
    b_exact: NDArray[np.float64]
    s: NDArray[np.float64]
    t: NDArray[np.float64]
    name: str

    def __iter__(self) -> Iterator[NDArray[np.float64]]:
        return iter((self.A, self.b, self.x_true))

    def __len__(self) -> int:
        return 3



def _check_n(name: str, n: object, multiple: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name}: n must be a positive integer, got {n!r}")
    n = int(n)
    if n < 1:
        raise ValueError(f"{name}: n must be a positive integer, got {n}")
    if n % multiple != 0:
        what = "even" if multiple == 2 else f"a multiple of {multiple}"
        raise ValueError(f"{name}: n must be {what}, got {n}")
    return n


def _check_real(name: str, label: str, value: object, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: {label} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name}: {label} must be finite, got {v}")
    if positive and v <= 0.0:
        raise ValueError(f"{name}: {label} must be positive, got {v}")
    return v


def _check_example(name: str, example: object, allowed: tuple[int, ...]) -> int:
    if isinstance(example, bool) or not isinstance(example, numbers.Integral):
        raise TypeError(f"{name}: example must be one of {allowed}, got {example!r}")
    if int(example) not in allowed:
        raise ValueError(f"{name}: example must be one of {allowed}, got {example}")
    return int(example)


def _check_noise(name: str, noise: object) -> float:
    v = _check_real(name, "noise", noise)
    if v < 0.0:
        raise ValueError(f"{name}: noise must be >= 0, got {v}")
    return v


def _finish(
    name: str,
    A: NDArray[np.float64],
    b_exact: NDArray[np.float64],
    x_true: NDArray[np.float64],
    s: NDArray[np.float64],
    t: NDArray[np.float64],
    noise: float,
    random_state: RandomStateLike,
) -> InverseProblem:
    """Add noise with ``||e|| = noise * ||b_exact||`` and pack the result."""
    b_exact = np.ascontiguousarray(b_exact, dtype=np.float64)
    b = b_exact.copy()
    if noise > 0.0:
        if isinstance(random_state, np.random.RandomState):
            e = random_state.standard_normal(b.shape[0])
        else:
            e = np.random.default_rng(random_state).standard_normal(b.shape[0])
        b += e * (noise * np.linalg.norm(b_exact) / np.linalg.norm(e))
    return InverseProblem(
        A=np.ascontiguousarray(A, dtype=np.float64),
        b=b,
        x_true=np.ascontiguousarray(x_true, dtype=np.float64),
        b_exact=b_exact,
        s=np.ascontiguousarray(s, dtype=np.float64),
        t=np.ascontiguousarray(t, dtype=np.float64),
        name=name,
    )


def _midpoints(lo: float, hi: float, n: int) -> NDArray[np.float64]:
    return lo + (hi - lo) / n * (np.arange(n) + 0.5)
