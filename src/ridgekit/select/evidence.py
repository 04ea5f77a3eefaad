"""Empirical Bayes: the λ that maximizes the marginal likelihood (evidence).

Model: :math:`\\tilde y = \\tilde X\\beta + \\varepsilon`, :math:`\\varepsilon\\sim N(0,
\\sigma^2 I)`, :math:`\\beta\\sim N(0, (\\sigma^2/\\lambda) I)`, on the centered data (the
intercept integrated out under a flat prior, which removes one dimension: m = n − 1
with an intercept, m = n without). Then :math:`\\tilde y \\sim N(0, \\sigma^2(I +
\\tilde X\\tilde X^T/\\lambda))` and, on the spectrum,

.. math::

    \\log p(y\\mid\\lambda,\\sigma^2) = -\\tfrac12\\Big[m\\log(2\\pi\\sigma^2)
    + \\sum_j \\log\\big(1+\\mu_j/\\lambda\\big)
    + \\frac{1}{\\sigma^2}\\Big(\\rho_0 + \\sum_j\\frac{\\lambda u_j^2}{\\mu_j+\\lambda}\\Big)
    \\Big].

Maximizing over σ² gives :math:`\\hat\\sigma^2(\\lambda) = (\\rho_0 + \\sum_j \\lambda
u_j^2/(\\mu_j+\\lambda))/m`; the profile is then maximized over log λ continuously.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from ridgekit.select._selection import Selection

__all__ = ["log_evidence", "evidence"]


def _m(spectrum) -> int:
    return spectrum.n_samples - int(spectrum.fit_intercept)


def log_evidence(spectrum, alphas, sigma2=None) -> np.ndarray:
    """Log marginal likelihood for each λ (and target), shape (L, t).

    ``sigma2=None`` profiles σ² out at its maximizer :math:`\\hat\\sigma^2(\\lambda)`.
    Sample weights enter through the weighted design (:math:`W^{1/2}` rows).
    """
    a = np.atleast_1d(np.asarray(alphas, dtype=float))[:, None]
    mu = spectrum.mu[None, :]
    m = _m(spectrum)
    quad = spectrum.rss0[None, :] + (a / (mu + a)) @ (spectrum.uty**2)  # (L, t)
    logdet = np.sum(np.log1p(mu / a), axis=1)[:, None]
    s2 = quad / m if sigma2 is None else np.broadcast_to(np.asarray(sigma2, float),
                                                         (spectrum.n_targets,))[None, :]
    return -0.5 * (m * np.log(2 * np.pi * s2) + logdet + quad / s2)


def evidence(spectrum, alphas, warn_edge: bool = False) -> Selection:
    """Choose λ (and σ²) by maximizing the evidence, continuously in log λ.

    The grid gives the curve and the starting bracket; the optimum is refined by a
    bounded scalar search between the grid neighbours of the best grid value (and past
    the grid's ends if the best value lies on an end). ``extra['sigma2']`` holds σ̂².
    """
    alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
    curve = -log_evidence(spectrum, alphas)
    order = np.sort(alphas)
    chosen = np.empty(spectrum.n_targets)
    for j in range(spectrum.n_targets):
        i = int(np.searchsorted(order, alphas[np.argmin(curve[:, j])]))
        lo = np.log(order[i - 1]) if i > 0 else np.log(order[0]) - np.log(1e4)
        hi = np.log(order[i + 1]) if i + 1 < order.size else np.log(order[-1]) + np.log(1e4)
        res = minimize_scalar(
            lambda t, j=j: -float(log_evidence(spectrum, [np.exp(t)])[0, j]),
            bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        chosen[j] = np.exp(res.x)
    sigma2 = (spectrum.rss0 + np.sum((chosen / (spectrum.mu[:, None] + chosen))
                                     * spectrum.uty**2, axis=0)) / _m(spectrum)
    squeeze = spectrum.n_targets == 1
    sel = Selection.from_curve(alphas, "evidence", curve[:, 0] if squeeze else curve, None,
                               spectrum.df(alphas), "min", warn_edge,
                               extra={"sigma2": sigma2[0] if squeeze else sigma2})
    sel.alpha = chosen[0] if squeeze else chosen
    sel.rule = "max_evidence"
    return sel
