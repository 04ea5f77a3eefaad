"""The penalty of one elastic-net problem: per-coordinate weights and bounds.

For a grid value α the coordinate-wise penalty is

.. math::

    \\sum_j \\lambda_{1j}|\\beta_j| + \\tfrac12\\lambda_{2j}\\beta_j^2, \\qquad
    \\lambda_{1j} = \\alpha\\,\\rho\\,w^{(1)}_j, \\quad
    \\lambda_{2j} = \\alpha\\,(1-\\rho)\\,w^{(2)}_j,

with ρ = ``l1_ratio``, :math:`w^{(1)}_j = f_j\\sigma_j` and :math:`w^{(2)}_j = f_j\\sigma_j^2`
for penalty factors :math:`f_j` and, when standardizing, the (weighted, population)
standard deviations :math:`\\sigma_j` of the columns (else :math:`\\sigma_j = 1`).
Penalizing :math:`\\sigma_j\\beta_j` is exactly glmnet's ``standardize=TRUE``: the fit on
standardized columns, mapped back to the original scale. Coordinate descent and the
duality gap are invariant to that rescaling, so the data is never rescaled. Bounds
:math:`l_j \\le \\beta_j \\le u_j` are on the original scale (as glmnet's limits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Penalty", "make_penalty", "check_l1_ratio"]


@dataclass(frozen=True)
class Penalty:
    """Per-coordinate weights of the L1 and L2 parts and the box of each coordinate."""

    l1_ratio: float
    l1_weight: np.ndarray
    l2_weight: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def at(self, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """(λ1, λ2) per coordinate at grid value ``alpha``."""
        return (alpha * self.l1_ratio) * self.l1_weight, \
            (alpha * (1.0 - self.l1_ratio)) * self.l2_weight

    @property
    def start(self) -> np.ndarray:
        """The feasible point nearest to zero: the start of every path."""
        return np.clip(0.0, self.lower, self.upper)

    @property
    def forced(self) -> np.ndarray:
        """Coordinates always kept in the working set: unpenalized ones and those whose
        box excludes zero (no screening rule applies to them)."""
        return ((self.l1_weight == 0) & (self.l2_weight == 0)) | (self.start != 0)


def check_l1_ratio(l1_ratio) -> float:
    try:
        rho = float(l1_ratio)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"l1_ratio must be a number in [0, 1], got {l1_ratio!r}") from exc
    if not 0.0 <= rho <= 1.0:
        raise ValueError(f"l1_ratio must lie in [0, 1], got {l1_ratio!r}")
    return rho


def _per_feature(value, p: int, name: str, default: float) -> np.ndarray:
    if value is None:
        return np.full(p, default)
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers, got "
                        f"{value!r}") from exc
    if a.ndim == 0:
        return np.full(p, float(a))
    if a.shape != (p,):
        raise ValueError(f"{name} has shape {a.shape}; expected ({p},), one value per feature")
    if np.any(np.isnan(a)):
        raise ValueError(f"{name} contains NaN")
    return a.copy()


def make_penalty(n_features: int, l1_ratio, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, positive: bool = False,
                 scale: np.ndarray | None = None) -> Penalty:
    """Validate the options and build a :class:`Penalty`.

    Parameters
    ----------
    n_features : int
    l1_ratio : float in [0, 1]
    penalty_factor : float or array of shape (p,), optional
        glmnet's per-feature factors :math:`f_j \\ge 0` (0 = unpenalized), used as given
        (glmnet rescales them to sum to p; pass ``f * p / f.sum()`` to match it).
    lower_bounds, upper_bounds : float or array of shape (p,), optional
        Box constraints (``-inf``/``inf`` for none); ``lower <= upper``.
    positive : bool
        Shorthand for ``lower_bounds = max(lower_bounds, 0)``.
    scale : array of shape (p,), optional
        Column standard deviations when standardizing (zero for constant columns).
    """
    p = int(n_features)
    rho = check_l1_ratio(l1_ratio)
    factor = _per_feature(penalty_factor, p, "penalty_factor", 1.0)
    if not np.all(np.isfinite(factor)):
        raise ValueError("penalty_factor must be finite")
    if np.any(factor < 0):
        raise ValueError(f"penalty_factor must be >= 0; got min {factor.min()!r}")
    if p and np.all(factor == 0):
        raise ValueError("all penalty factors are zero: nothing would be penalized (that is "
                         "least squares; give at least one factor > 0)")
    lower = _per_feature(lower_bounds, p, "lower_bounds", -np.inf)
    upper = _per_feature(upper_bounds, p, "upper_bounds", np.inf)
    if np.any(lower == np.inf) or np.any(upper == -np.inf):
        raise ValueError("lower_bounds cannot be +inf and upper_bounds cannot be -inf")
    if positive:
        lower = np.maximum(lower, 0.0)
    bad = np.flatnonzero(lower > upper)
    if bad.size:
        j = int(bad[0])
        raise ValueError(f"lower bound > upper bound for feature {j} ({lower[j]!r} > "
                         f"{upper[j]!r}){' with positive=True' if positive else ''}")
    sigma = np.ones(p) if scale is None else np.asarray(scale, dtype=float)
    return Penalty(rho, factor * sigma, factor * sigma**2, lower, upper)
