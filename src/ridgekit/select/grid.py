"""The default λ grid, derived from the spectrum."""

from __future__ import annotations

import numpy as np

from ridgekit.select._roots import solve_increasing

__all__ = ["alpha_for_df", "default_alphas"]


def alpha_for_df(spectrum, df: float) -> float:
    """The λ whose effective degrees of freedom (penalized part) equal ``df`` exactly.

    Solves :math:`\\sum_j \\mu_j/(\\mu_j+\\lambda) = \\mathrm{df}` (the intercept is not
    counted, as in Hastie, Tibshirani & Friedman's df(λ)); the left side decreases from
    the rank to 0, so the root is unique.

    Parameters
    ----------
    spectrum : Spectrum
    df : float
        In (0, rank).
    """
    rank = spectrum.rank
    if not 0 < df < rank:
        raise ValueError(f"target df must lie in (0, {rank}) (the rank of X); got {df}")
    mu = spectrum.mu
    # increasing in alpha: -sum f
    return solve_increasing(lambda a: -float(np.sum(mu / (mu + a))), -df,
                            lo=mu[-1] * 1e-3, hi=mu[0] * 1e3, what=f"df={df}")


def default_alphas(spectrum, n_alphas: int = 100, df_min: float = 0.5) -> np.ndarray:
    """Log-spaced grid spanning effective df from about the rank down to ``df_min``.

    The ends solve :math:`\\sum f = \\mathrm{rank} - 1/2` and :math:`\\sum f =` ``df_min``
    exactly, so the grid covers the whole useful range whatever the scale of X.
    """
    if n_alphas < 1:
        raise ValueError(f"n_alphas must be >= 1; got {n_alphas}")
    rank = spectrum.rank
    if rank == 0:
        raise ValueError("X has rank 0 (all columns constant): there is nothing to penalize")
    df_hi = rank - 0.5 if rank > 1 else 0.9
    df_lo = min(df_min, 0.5 * df_hi)
    hi = alpha_for_df(spectrum, df_lo)
    lo = alpha_for_df(spectrum, df_hi)
    return np.geomspace(hi, lo, n_alphas)
