"""Simulated regression problems with known truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SimulatedRegression", "make_correlated_regression"]


@dataclass
class SimulatedRegression:
    """A simulated design with its truth.

    Attributes
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,) or (n, t)
    coef : ndarray of shape (p,) or (t, p)
        True coefficients.
    intercept : float
    noise : float
        Standard deviation σ of the Gaussian noise.
    cov : ndarray of shape (p, p)
        Population covariance of the rows of X.
    """

    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    intercept: float
    noise: float
    cov: np.ndarray


def make_correlated_regression(
    n_samples: int = 100,
    n_features: int = 10,
    *,
    correlation: float = 0.9,
    structure: str = "ar1",
    n_targets: int = 1,
    noise: float = 1.0,
    intercept: float = 0.0,
    coef: np.ndarray | None = None,
    random_state: int | np.random.Generator | None = None,
) -> SimulatedRegression:
    """Gaussian rows with correlated columns and a known linear truth.

    Rows :math:`x_i \\sim N(0, \\Sigma)` with :math:`\\Sigma_{jk} = \\rho^{|j-k|}`
    (``structure="ar1"``) or :math:`\\Sigma_{jk} = \\rho` for j ≠ k (``"equi"``,
    compound symmetry); :math:`y = X\\beta + \\beta_0 + \\sigma\\varepsilon`. With ρ near 1
    the design is ill-conditioned: the regime in which ridge beats least squares.

    Parameters
    ----------
    n_samples, n_features : int
    correlation : float
        ρ, in (-1, 1) for "ar1" and in (-1/(p-1), 1) for "equi".
    structure : {"ar1", "equi"}
    n_targets : int
    noise : float
        σ >= 0.
    intercept : float
    coef : ndarray of shape (p,) or (t, p), optional
        The truth; default standard normal draws.
    random_state : int, Generator or None

    Returns
    -------
    SimulatedRegression
    """
    if n_samples < 1 or n_features < 1 or n_targets < 1:
        raise ValueError("n_samples, n_features and n_targets must be >= 1")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    idx = np.arange(n_features)
    if structure == "ar1":
        if not -1 < correlation < 1:
            raise ValueError(f"ar1 correlation must lie in (-1, 1); got {correlation}")
        cov = correlation ** np.abs(idx[:, None] - idx[None, :])
    elif structure == "equi":
        lower = -1.0 / max(n_features - 1, 1)
        if not lower < correlation < 1:
            raise ValueError(f"equi correlation must lie in ({lower:.3g}, 1); got {correlation}")
        cov = np.full((n_features, n_features), float(correlation))
        np.fill_diagonal(cov, 1.0)
    else:
        raise ValueError(f"unknown structure {structure!r}; choose 'ar1' or 'equi'")
    rng = np.random.default_rng(random_state)
    X = rng.normal(size=(n_samples, n_features)) @ np.linalg.cholesky(cov).T
    shape = (n_features,) if n_targets == 1 else (n_targets, n_features)
    beta = rng.normal(size=shape) if coef is None else np.asarray(coef, dtype=float)
    if beta.shape != shape:
        raise ValueError(f"coef has shape {beta.shape}; expected {shape}")
    signal = X @ beta.T
    y = signal + intercept + noise * rng.normal(size=signal.shape)
    return SimulatedRegression(X, y, beta, float(intercept), float(noise), cov)
