"""Empirical Bayes: the λ (and σ²) that maximize the marginal likelihood (evidence).

Model: :math:`y = X\\beta + \\beta_0 + \\varepsilon`, :math:`\\varepsilon\\sim N(0,
\\sigma^2)`, :math:`\\beta\\sim N(0, (\\sigma^2/\\lambda) I)`, the intercept handled by
centering as scikit-learn's ``BayesianRidge`` does: the evidence is the n-dimensional
density of the weighted centered targets, :math:`\\tilde y \\sim N(0, \\sigma^2 I +
(\\sigma^2/\\lambda)\\tilde X\\tilde X^T)`, with sample weights as frequency weights
(n is :math:`s=\\sum_i w_i`). On the spectrum, with :math:`f = d^2/(d^2+\\lambda)`,

.. math::

    \\log p(\\tilde y\\mid\\lambda,\\sigma^2) = -\\tfrac12\\Big[s\\log(2\\pi\\sigma^2)
    + \\sum_j \\log\\big(1+d_j^2/\\lambda\\big)
    + \\big(\\mathrm{RSS}_0 + \\textstyle\\sum_j (1-f_j)u_j^2\\big)/\\sigma^2\\Big],

O(r) per (λ, σ²). :func:`fit_evidence` maximizes it (with optional Gamma hyperpriors on
:math:`1/\\sigma^2` and :math:`\\lambda/\\sigma^2`, as scikit-learn) continuously in log λ, σ²
in closed form for each λ, vectorized over targets; :func:`evidence` wraps that in a
:class:`Selection` with the curve over a grid. :class:`ridgekit.linear_model.BayesianRidge`
is built on the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ridgekit._validation import check_alpha, check_alpha_grid
from ridgekit.select._roots import bisect_decreasing
from ridgekit.select._selection import Selection, degrees_of_freedom
from ridgekit.spectrum import Spectrum, as_grid

__all__ = ["EvidenceFit", "evidence", "fit_evidence", "log_evidence"]

def _pieces(spectrum: Spectrum, lam: np.ndarray):
    """Σf, λ‖β‖², Q and Σ log(1 + d²/λ) for λ of shape (..., t)."""
    mu = spectrum.mu
    lam = np.asarray(lam, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = mu[:, None] / (mu[:, None] + lam[..., None, :])  # (..., r, t)
        one_minus = 1.0 - f
        u2 = spectrum.uty**2
        q = spectrum.rss0 + np.einsum("...rt,rt->...t", one_minus, u2)
        lam_norm2 = np.einsum("...rt,rt->...t", f * one_minus, u2)  # λ‖β‖²
        logdet = np.sum(np.log1p(mu[:, None] / lam[..., None, :]), axis=-2)
    return f.sum(axis=-2), lam_norm2, q, logdet


def log_evidence(spectrum: Spectrum, alphas, sigma2=None) -> np.ndarray:
    """Log marginal likelihood :math:`\\log p(\\tilde y\\mid\\lambda,\\sigma^2)` over a λ grid.

    Parameters
    ----------
    spectrum : Spectrum
        A plain ridge spectrum (identity prior covariance).
    alphas : array-like of shape (L,)
        λ > 0.
    sigma2 : float, ndarray of shape (t,) or (L, t), optional
        Noise variance; None profiles it out at its maximizer :math:`Q(\\lambda)/s`.

    Returns
    -------
    ndarray of shape (L, t)
    """
    lam = check_alpha_grid(alphas)
    if np.any(lam <= 0):
        raise ValueError("the evidence needs alphas > 0 (λ = 0 is an improper prior)")
    lam_t = np.repeat(lam[:, None], spectrum.n_targets, axis=1)
    _, _, q, logdet = _pieces(spectrum, lam_t)
    n = spectrum.weight
    s2 = q / n if sigma2 is None else np.broadcast_to(np.asarray(sigma2, float), q.shape)
    if np.any(s2 <= 0):
        raise ValueError("sigma2 must be > 0")
    return -0.5 * (n * np.log(2 * np.pi * s2) + logdet + q / s2)


@dataclass
class EvidenceFit:
    """λ and σ² maximizing the evidence (with optional Gamma hyperpriors), per target.

    Attributes
    ----------
    alpha : ndarray of shape (t,)
        λ (ridge penalty); scikit-learn's ``lambda_ / alpha_``.
    sigma2 : ndarray of shape (t,)
        Noise variance; scikit-learn's ``1 / alpha_``.
    log_evidence : ndarray of shape (t,)
        :math:`\\log p(\\tilde y\\mid\\lambda,\\sigma^2)` at the optimum.
    objective : ndarray of shape (t,)
        The maximized S (evidence plus hyperprior terms).
    on_boundary : ndarray of bool, shape (t,)
        True where the evidence kept increasing to the edge of the search range
        (no interior maximum, e.g. λ → ∞ when y looks like pure noise).
    """

    alpha: np.ndarray
    sigma2: np.ndarray
    log_evidence: np.ndarray
    objective: np.ndarray
    on_boundary: np.ndarray


def fit_evidence(spectrum: Spectrum, *, alpha=None, sigma2=None, noise_prior=(0.0, 0.0),
                 weight_prior=(0.0, 0.0), n_grid: int = 200) -> EvidenceFit:
    """Maximize the evidence over λ and/or σ² on a spectrum (see the module docstring).

    Parameters
    ----------
    spectrum : Spectrum
    alpha : float or ndarray of shape (t,), optional
        Fix λ instead of fitting it.
    sigma2 : float or ndarray of shape (t,), optional
        Fix σ² instead of fitting it.
    noise_prior, weight_prior : (shape, rate)
        Gamma hyperpriors on :math:`a = 1/\\sigma^2` and :math:`l = \\lambda/\\sigma^2`
        (scikit-learn's ``alpha_1, alpha_2`` and ``lambda_1, lambda_2``).
    n_grid : int
        Points of the log-λ grid that brackets the maxima.

    Returns
    -------
    EvidenceFit
    """
    a1, a2 = (float(v) for v in noise_prior)
    l1, l2 = (float(v) for v in weight_prior)
    if min(a1, a2, l1, l2) < 0:
        raise ValueError("hyperprior shapes and rates must be >= 0")
    t, n = spectrum.n_targets, spectrum.weight
    fixed_a = None if sigma2 is None else 1.0 / check_alpha(sigma2, t, "sigma2")
    if fixed_a is not None and not np.all(np.isfinite(fixed_a)):
        raise ValueError("sigma2 must be > 0")

    def precision(lam, q):
        if fixed_a is not None:
            return np.broadcast_to(fixed_a, q.shape)
        return (n + 2 * a1 + 2 * l1) / (q + 2 * a2 + 2 * l2 * lam)

    def objective(lam):
        _, _, q, logdet = _pieces(spectrum, lam)
        a = precision(lam, q)
        ev = -0.5 * (n * np.log(2 * np.pi / a) + logdet + a * q)
        with np.errstate(divide="ignore"):
            prior = a1 * np.log(a) - a2 * a + l1 * np.log(a * lam) - l2 * a * lam
        return ev + prior, ev, a

    def slope(lam):  # g(λ) = λ ∂S/∂λ
        sum_f, lam_norm2, q, _ = _pieces(spectrum, lam)
        a = precision(lam, q)
        return 0.5 * sum_f - 0.5 * a * lam_norm2 + l1 - l2 * a * lam

    if alpha is not None:
        lam = check_alpha(alpha, t)
        if np.any(lam <= 0):
            raise ValueError("alpha must be > 0 for the Bayesian model")
        boundary = np.zeros(t, bool)
    else:
        lam, boundary = _maximize_in_log_alpha(spectrum, slope, objective, n_grid)
    obj, ev, a = objective(lam)
    return EvidenceFit(lam, 1.0 / a, ev, obj, boundary)


def _maximize_in_log_alpha(spectrum, slope, objective, n_grid):
    t = spectrum.n_targets
    mu = spectrum.mu
    if mu.size == 0:
        return np.ones(t), np.ones(t, bool)
    lo, hi = np.log(mu[-1]) - 12 * np.log(10), np.log(mu[0]) + 12 * np.log(10)
    grid = np.exp(np.linspace(lo, hi, n_grid))
    G = np.repeat(grid[:, None], t, axis=1)
    g = slope(G)  # (L, t)
    S = objective(G)[0]
    # maxima: g goes from + to -; candidate value = S at the left bracket end
    down = (g[:-1] > 0) & (g[1:] <= 0)
    score = np.where(down, np.maximum(S[:-1], S[1:]), -np.inf)
    has_root = down.any(axis=0)
    best = np.argmax(score, axis=0)
    left = grid[best]
    right = grid[np.minimum(best + 1, n_grid - 1)]
    lam = bisect_decreasing(slope, left, right)
    edge = np.where(np.argmax(S, axis=0) == 0, grid[0], grid[-1])
    lam = np.where(has_root, lam, edge)
    return lam, ~has_root


def evidence(spectrum, alphas=None, warn_edge: bool = False) -> Selection:
    """Choose λ (and σ²) by maximizing the evidence, continuously in log λ.

    The grid gives the curve (``mean`` = −log evidence, profiled over σ²); the chosen λ is
    :func:`fit_evidence`'s continuous optimum. ``extra`` holds ``sigma2`` and
    ``on_boundary`` (no interior maximum). ``alphas=None``: the default grid.
    """
    from ridgekit.select.grid import default_alphas

    alphas = default_alphas(spectrum) if alphas is None else as_grid(alphas)
    curve = -log_evidence(spectrum, alphas)
    fit = fit_evidence(spectrum)
    squeeze = spectrum.n_targets == 1
    sel = Selection.from_curve(alphas, "evidence", curve[:, 0] if squeeze else curve, None,
                               degrees_of_freedom(spectrum, alphas), "min", warn_edge,
                               extra={"sigma2": fit.sigma2[0] if squeeze else fit.sigma2,
                                      "on_boundary": fit.on_boundary})
    sel.alpha = float(fit.alpha[0]) if squeeze else fit.alpha
    sel.rule = "max_evidence"
    return sel
