"""Analytic views of ridge, all from one spectrum, returned as result objects for plotting.

With the (weighted, centered) design :math:`\\tilde X = UDV^T`, :math:`\\mu = d^2`,
:math:`f_j(\\lambda) = \\mu_j/(\\mu_j+\\lambda)`:

* **Bias, variance, MSE** (:func:`bias_variance`) of :math:`\\hat\\beta(\\lambda)` for a true
  :math:`\\beta` and noise variance :math:`\\sigma^2` (:math:`\\varepsilon_i\\sim N(0,
  \\sigma^2/w_i)`), with :math:`a = V^T\\beta`:

  .. math::

      \\mathrm{bias}_j = -\\frac{\\lambda}{\\mu_j+\\lambda}a_j, \\quad
      \\lVert\\mathrm{bias}\\rVert^2 = \\sum_j \\frac{\\lambda^2 a_j^2}{(\\mu_j+\\lambda)^2}
        + \\lVert(I-VV^T)\\beta\\rVert^2, \\quad
      \\mathrm{Var} = \\sigma^2\\sum_j\\frac{\\mu_j}{(\\mu_j+\\lambda)^2}.

  Hoerl & Kennard (1970): :math:`d\\,\\mathrm{MSE}/d\\lambda < 0` at λ = 0, and
  :math:`\\mathrm{MSE}(\\lambda) < \\mathrm{MSE}(0)` for every
  :math:`0 < \\lambda < \\sigma^2/\\max_j a_j^2` (a sufficient bound).
* **Condition number** of :math:`\\tilde X^T\\tilde X + \\lambda I` (:func:`condition_curve`).
* **Ridge variance inflation factors** (Marquardt 1970, :func:`ridge_vif`) on the
  correlation matrix :math:`R = Q\\,\\mathrm{diag}(\\rho)Q^T`:
  :math:`\\mathrm{VIF}(\\lambda) = \\mathrm{diag}((R+\\lambda I)^{-1}R(R+\\lambda I)^{-1})
  = \\sum_j Q_{kj}^2\\rho_j/(\\rho_j+\\lambda)^2`.
* **Ridge trace** (:func:`ridge_trace`): coefficients against λ and against the degrees of
  freedom :math:`\\sum_j f_j`.
* **Early stopping** (:func:`gradient_descent_filter`): gradient descent
  :math:`\\beta_{k+1} = \\beta_k + \\eta\\tilde X^T(\\tilde y - \\tilde X\\beta_k)` from
  :math:`\\beta_0 = 0` (the intercept refit exactly at every step, i.e. GD on centered
  data) has filter factors :math:`f_j^{(k)} = 1-(1-\\eta\\mu_j)^k`; its closest ridge λ is
  reported two ways, and beside them the folklore :math:`\\lambda \\approx 1/(\\eta k)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ridgekit._validation import check_alpha_grid
from ridgekit.decompose import build_spectrum
from ridgekit.select import alpha_for_df
from ridgekit.select._roots import bisect_decreasing
from ridgekit.spectrum import Spectrum
from ridgekit.tikhonov import TikhonovSpectrum

__all__ = [
    "BiasVariance",
    "ConditionCurve",
    "EarlyStopping",
    "RidgeTrace",
    "VarianceInflation",
    "bias_variance",
    "condition_curve",
    "gradient_descent_filter",
    "ridge_trace",
    "ridge_vif",
]


# ------------------------------------------------------------------ results
@dataclass
class BiasVariance:
    """Exact squared bias, variance and MSE of ridge over a λ grid.

    Attributes
    ----------
    alphas : ndarray of shape (L,)
    bias2, variance, mse : ndarray of shape (L,)
        :math:`\\lVert E\\hat\\beta-\\beta\\rVert^2`, :math:`\\operatorname{tr}\\operatorname{Cov}
        \\hat\\beta`, and their sum.
    ols_mse : float
        MSE of least squares (minimum-norm least squares when X is rank deficient).
    hk_bound : float
        Hoerl–Kennard bound :math:`\\sigma^2/\\max_j a_j^2`: every λ in (0, bound) beats
        least squares.
    alpha_best : float
        λ of the grid with the smallest MSE.
    """

    alphas: np.ndarray
    bias2: np.ndarray
    variance: np.ndarray
    mse: np.ndarray
    ols_mse: float
    hk_bound: float
    alpha_best: float

    @property
    def beats_ols(self) -> np.ndarray:
        """Mask of the grid where ridge has lower MSE than least squares."""
        return self.mse < self.ols_mse


@dataclass
class ConditionCurve:
    """Condition number of :math:`\\tilde X^T\\tilde X + \\lambda I` over λ (inf when
    singular)."""

    alphas: np.ndarray
    condition: np.ndarray


@dataclass
class VarianceInflation:
    """Ridge variance inflation factors (Marquardt) over λ.

    Attributes
    ----------
    alphas : ndarray of shape (L,)
        λ on the scale of the correlation matrix (standardized features).
    vif : ndarray of shape (L, p)
        At λ = 0 the ordinary VIFs :math:`1/(1-R_k^2)` (inf for features in an exact
        collinearity).
    """

    alphas: np.ndarray
    vif: np.ndarray


@dataclass
class RidgeTrace:
    """Coefficients along the path, to plot against ``alphas`` or against ``df``.

    Attributes
    ----------
    alphas : ndarray of shape (L,)
    df : ndarray of shape (L,)
        Effective degrees of freedom (with the intercept, as ``Spectrum.df``).
    coefs : ndarray of shape (L, p) or (L, t, p)
    coef_norm : ndarray of shape (L,) or (L, t)
    """

    alphas: np.ndarray
    df: np.ndarray
    coefs: np.ndarray
    coef_norm: np.ndarray


@dataclass
class EarlyStopping:
    """Gradient descent on least squares as a spectral filter, and its closest ridge.

    Attributes
    ----------
    steps : ndarray of shape (T,)
        Iteration counts k.
    learning_rate : float
        η (stable for :math:`0 < \\eta < 2/\\mu_{max}`).
    filter_factors : ndarray of shape (T, r)
        :math:`1 - (1-\\eta\\mu_j)^k`.
    df : ndarray of shape (T,)
        :math:`\\sum_j f_j^{(k)}` (+1 with an intercept).
    coefs : ndarray of shape (T, p) or (T, t, p)
        The iterates :math:`\\beta_k = V\\,\\mathrm{diag}(f^{(k)}/d)\\,U^T\\tilde y`.
    alpha_df : ndarray of shape (T,)
        Ridge λ with the same degrees of freedom.
    alpha_filter : ndarray of shape (T,)
        Ridge λ minimizing :math:`\\lVert f^{(k)} - f^{ridge}(\\lambda)\\rVert_2` (the
        "best match" reported).
    alpha_approx : ndarray of shape (T,)
        The approximation :math:`1/(\\eta k)`.
    """

    steps: np.ndarray
    learning_rate: float
    filter_factors: np.ndarray
    df: np.ndarray
    coefs: np.ndarray
    alpha_df: np.ndarray
    alpha_filter: np.ndarray
    alpha_approx: np.ndarray


# ------------------------------------------------------------------ helpers
def _plain(spectrum: Spectrum, what: str) -> Spectrum:
    if isinstance(spectrum, TikhonovSpectrum):
        raise TypeError(f"{what} needs a plain ridge spectrum (Γ = I), got a TikhonovSpectrum")
    if not isinstance(spectrum, Spectrum):
        raise TypeError(f"{what} needs a Spectrum, got {type(spectrum).__name__}")
    return spectrum


def _design_spectrum(X, sample_weight, fit_intercept, alpha_min=0.0) -> Spectrum:
    if isinstance(X, Spectrum):
        return X
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 2 or not np.all(np.isfinite(X)):
        raise ValueError("X must be a finite 2-D array with at least 2 rows")
    return build_spectrum(X, np.zeros((X.shape[0], 1)), sample_weight, fit_intercept,
                          alpha_min=alpha_min)


def _squeeze_targets(a: np.ndarray) -> np.ndarray:
    return a[..., 0] if a.shape[-1] == 1 else a


# ------------------------------------------------------------------ views
def bias_variance(X, coef_true, sigma2: float, alphas, *, sample_weight=None,
                  fit_intercept: bool = True) -> BiasVariance:
    """Exact bias², variance and MSE of the ridge coefficients against λ.

    Parameters
    ----------
    X : ndarray of shape (n, p) or Spectrum
        The fixed design (or its plain ridge spectrum).
    coef_true : array-like of shape (p,)
    sigma2 : float
        Noise variance (observation i has variance σ²/w_i).
    alphas : array-like of shape (L,)
    sample_weight, fit_intercept
        Used when X is an array.

    Returns
    -------
    BiasVariance
    """
    alphas = check_alpha_grid(alphas)
    spec = _plain(_design_spectrum(X, sample_weight, fit_intercept, alphas.min()),
                  "bias_variance")
    beta = np.asarray(coef_true, dtype=float)
    if beta.shape != (spec.n_features,):
        raise ValueError(f"coef_true has shape {beta.shape}; expected ({spec.n_features},)")
    if not np.isfinite(sigma2) or sigma2 < 0:
        raise ValueError(f"sigma2 must be a finite number >= 0, got {sigma2!r}")
    mu = spec.mu
    a = spec.V.T @ beta
    outside = max(float(beta @ beta - a @ a), 0.0)
    lam = alphas[:, None]
    bias2 = ((lam * a / (mu + lam)) ** 2).sum(axis=1) + outside
    variance = sigma2 * (mu / (mu + lam) ** 2).sum(axis=1)
    mse = bias2 + variance
    ols_mse = float(sigma2 * np.sum(1.0 / mu) + outside)
    amax = np.max(a * a, initial=0.0)
    hk = float(sigma2 / amax) if amax > 0 else np.inf
    return BiasVariance(alphas, bias2, variance, mse, ols_mse, hk,
                        float(alphas[np.argmin(mse)]))


def condition_curve(X, alphas, *, sample_weight=None,
                    fit_intercept: bool = True) -> ConditionCurve:
    """Condition number :math:`(\\mu_{max}+\\lambda)/(\\mu_{min}+\\lambda)` of
    :math:`\\tilde X^T\\tilde X + \\lambda I` against λ (X an array or a Spectrum)."""
    alphas = check_alpha_grid(alphas)
    spec = _design_spectrum(X, sample_weight, fit_intercept, alphas.min())
    return ConditionCurve(alphas, spec.condition_number(alphas))


def ridge_vif(X, alphas, *, sample_weight=None) -> VarianceInflation:
    """Marquardt's ridge variance inflation factors on the correlation matrix.

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Columns are centered (weighted) and scaled to unit norm, so that
        :math:`\\tilde X_s^T\\tilde X_s = R`; λ is on that scale.
    alphas : array-like of shape (L,)

    Returns
    -------
    VarianceInflation
    """
    alphas = check_alpha_grid(alphas)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or not np.all(np.isfinite(X)):
        raise ValueError("X must be a finite 2-D array")
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    Xc = X - (w @ X) / w.sum()
    scale = np.sqrt(w @ (Xc * Xc))
    if np.any(scale <= 1e-12 * max(scale.max(), 1e-300)):
        bad = np.flatnonzero(scale <= 1e-12 * max(scale.max(), 1e-300)).tolist()
        raise ValueError(f"constant column(s) {bad[:10]}: their correlation (and VIF) is undefined")
    spec = build_spectrum(X / scale, np.zeros((X.shape[0], 1)), sample_weight, True, "svd")
    V2 = spec.V ** 2
    rho = spec.mu
    lam = alphas[:, None]
    with np.errstate(divide="ignore"):
        vif = (rho / (rho + lam) ** 2) @ V2.T
    if spec.rank < X.shape[1]:
        in_null = 1.0 - V2.sum(axis=1) > 1e-8
        vif[np.ix_(alphas == 0, in_null)] = np.inf
    return VarianceInflation(alphas, vif)


def ridge_trace(spectrum: Spectrum, alphas=None, *, df=None) -> RidgeTrace:
    """Ridge-trace data over a λ grid, or over a grid of degrees of freedom.

    Parameters
    ----------
    spectrum : Spectrum
    alphas : array-like of shape (L,), optional
    df : array-like of shape (L,), optional
        Target degrees of freedom instead, counted as ``spectrum.df`` counts them (with the
        intercept); the exact λ of each is found with :func:`ridgekit.select.alpha_for_df`.

    Returns
    -------
    RidgeTrace
    """
    if (alphas is None) == (df is None):
        raise ValueError("give exactly one of alphas and df")
    if alphas is None:
        alphas = _alphas_for_total_df(spectrum, np.atleast_1d(np.asarray(df, float)))
    alphas = check_alpha_grid(alphas)
    coefs = spectrum.coef_path(alphas)
    return RidgeTrace(alphas, spectrum.df(alphas), coefs[:, 0] if coefs.shape[1] == 1 else coefs,
                      _squeeze_targets(spectrum.coef_norm(alphas)))


def _alphas_for_total_df(spectrum: Spectrum, df: np.ndarray) -> np.ndarray:
    """λ per target df, df counted like ``spectrum.df`` (intercept and unpenalized
    directions included): df(λ) decreases from its value at 0 to its value at ∞."""
    base = float(spectrum.df([np.inf])[0])
    top = base + spectrum.rank
    out = np.empty(df.shape)
    for i, value in enumerate(df):
        if not base < value <= top:
            raise ValueError(f"df must lie in ({base:g}, {top:g}] for this spectrum; got {value}")
        out[i] = 0.0 if value >= top else alpha_for_df(spectrum, value - base)
    return out


def gradient_descent_filter(spectrum: Spectrum, steps, learning_rate: float | None = None,
                            ) -> EarlyStopping:
    """Gradient descent on least squares from zero, seen as a filter, and its closest ridge.

    Parameters
    ----------
    spectrum : Spectrum
        Plain ridge spectrum of the problem (targets included).
    steps : array-like of int, shape (T,)
        Iteration counts k >= 0.
    learning_rate : float, optional
        η in (0, 2/μ_max); default 1/μ_max.

    Returns
    -------
    EarlyStopping
    """
    spec = _plain(spectrum, "gradient_descent_filter")
    k = np.atleast_1d(np.asarray(steps))
    if k.ndim != 1 or not np.issubdtype(k.dtype, np.integer) or np.any(k < 0):
        raise ValueError(f"steps must be non-negative integers, got {steps!r}")
    mu = spec.mu
    if mu.size == 0:
        raise ValueError("the design has rank 0: gradient descent does not move")
    eta = 1.0 / mu[0] if learning_rate is None else float(learning_rate)
    if not 0 < eta < 2.0 / mu[0]:
        raise ValueError(
            f"learning_rate must lie in (0, 2/mu_max) = (0, {2 / mu[0]:.4g}) for gradient "
            f"descent to converge, got {learning_rate!r}"
        )
    f = 1.0 - (1.0 - eta * mu[None, :]) ** k[:, None].astype(float)  # (T, r)
    df = f.sum(axis=1) + float(spec.fit_intercept)
    coords = (f / spec.d)[:, :, None] * spec.uty[None]  # (T, r, t)
    coefs = np.einsum("pr,Trt->Ttp", spec.V, coords)
    coefs = coefs[:, 0] if coefs.shape[1] == 1 else coefs
    alpha_df = np.full(k.size, np.inf)
    moving = f.sum(axis=1) > 0
    alpha_df[moving] = _alphas_for_total_df(spec, np.minimum(df[moving], spec.df([0.0])[0]))
    alpha_filter = _closest_filter(mu, f, alpha_df)
    with np.errstate(divide="ignore"):
        approx = 1.0 / (eta * k)
    return EarlyStopping(k, eta, f, df, coefs, alpha_df, alpha_filter, approx)


def _closest_filter(mu: np.ndarray, f: np.ndarray, start: np.ndarray) -> np.ndarray:
    """argmin over λ of ‖f - μ/(μ+λ)‖₂ per row of f: grid over log λ, then bisection on
    the derivative inside the best grid cell."""
    out = np.where(np.isfinite(start), start, np.inf)
    rows = np.flatnonzero(np.isfinite(start) & (start > 0))
    if rows.size == 0:
        return out
    grid = np.exp(np.linspace(np.log(mu[-1]) - 8 * np.log(10), np.log(mu[0]) + 8 * np.log(10),
                              400))
    fr = mu[None, :] / (mu[None, :] + grid[:, None])  # (G, r)
    dist = ((f[rows][:, None, :] - fr[None]) ** 2).sum(axis=2)  # (R, G)
    best = np.argmin(dist, axis=1)
    lo = grid[np.maximum(best - 1, 0)]
    hi = grid[np.minimum(best + 1, grid.size - 1)]
    target = f[rows]

    def minus_slope(lam):  # -dD/dλ / 2 = -Σ (f - f_r) μ/(μ+λ)²
        fr_ = mu[None, :] / (mu[None, :] + lam[:, None])
        return -np.sum((target - fr_) * fr_ / (mu[None, :] + lam[:, None]), axis=1)

    out[rows] = bisect_decreasing(minus_slope, lo, hi)
    return out
