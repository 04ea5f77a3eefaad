"""The default λ grid, derived from the spectrum, and the checks of a user's grid."""

from __future__ import annotations

import numpy as np

from ridgekit._validation import check_alpha_grid
from ridgekit.select._formulas import alphas_for_df

__all__ = ["alpha_for_df", "default_alphas", "check_grid", "search_limits"]

#: the default grid reaches down to df = rank - DEFAULT_DF_GAP * rank
DEFAULT_DF_GAP = 1e-3


def alpha_for_df(spectrum, df: float) -> float:
    """The λ whose effective degrees of freedom (penalized part) equal ``df`` exactly.

    Solves :math:`\\sum_j \\mu_j/(\\mu_j+\\lambda) = \\mathrm{df}` (the intercept is not
    counted, as in Hastie, Tibshirani & Friedman's df(λ)); the left side decreases from
    the rank to 0, so the root is unique; found by the bisection shared with the device
    route (:func:`ridgekit.select._formulas.alphas_for_df`).

    Parameters
    ----------
    spectrum : Spectrum
    df : float
        In (0, rank).
    """
    rank = spectrum.rank
    if not 0 < df < rank:
        raise ValueError(f"target df must lie in (0, {rank}) (the rank of X); got {df}")
    return float(alphas_for_df(spectrum.mu, np.array([float(df)]))[0])


def default_alphas(spectrum, n_alphas: int = 100, df_min: float = 0.5) -> np.ndarray:
    """Log-spaced grid (descending) spanning effective df from ``df_min`` up to nearly
    the rank.

    The ends solve :math:`\\sum f =` ``df_min`` and :math:`\\sum f = r(1 - 10^{-3})` (r the
    rank) exactly, so the grid covers the whole useful range whatever the scale of X and
    reaches close to least squares (on ``load_diabetes``, unscaled, down to α ≈ 0.04
    where LOO's optimum is α ≈ 0.5). Rules that cost nothing per λ (LOO, GCV, k-fold
    from moments) also extend this grid where their minimum sits on an end and refine
    the minimum continuously (see :meth:`Selection.from_curve`).
    """
    if n_alphas < 1:
        raise ValueError(f"n_alphas must be >= 1; got {n_alphas}")
    rank = spectrum.rank
    if rank == 0:
        raise ValueError("X has rank 0 (all columns constant): there is nothing to penalize")
    df_hi = rank * (1.0 - DEFAULT_DF_GAP) if rank > 1 else 0.9
    df_lo = min(df_min, 0.5 * df_hi)
    hi, lo = alphas_for_df(spectrum.mu, np.array([df_lo, df_hi]))
    return np.geomspace(hi, lo, n_alphas)


def search_limits(spectrum) -> tuple[float, float]:
    """The λ range a grid is extended over: from df ≈ rank − 1e-8·rank to df ≈ 1e-8·rank
    (:math:`\\lambda \\in [10^{-8}\\mu_{min}, 10^{8}\\mu_{max}]`)."""
    mu = spectrum.mu
    if mu.size == 0:
        return 0.0, np.inf
    return float(mu[-1]) * 1e-8, float(mu[0]) * 1e8


def check_grid(spectrum, alphas, name: str = "alphas") -> np.ndarray:
    """A user's grid for a rule on ``spectrum``: finite, >= 0, and λ = 0 only where it is
    defined, i.e. when the design has full column rank (as ``MASS::lm.ridge``'s grids
    that start at 0 assume).
    """
    grid = check_alpha_grid(alphas, name)
    if np.any(grid == 0) and spectrum.rank < spectrum.n_features:
        raise ValueError(
            f"{name} contains 0 but X has rank {spectrum.rank} < {spectrum.n_features} "
            "features: least squares is not unique there; use alphas > 0"
        )
    return grid
