"""The L-curve (Hansen) and its corner of maximum curvature, in closed form.

With :math:`\\rho(\\lambda)=\\mathrm{RSS}` and :math:`\\eta(\\lambda)=\\lVert\\beta\\rVert^2`:

.. math::

    \\rho = \\rho_0 + \\sum_j u_j^2\\frac{\\lambda^2}{(\\mu_j+\\lambda)^2}, \\quad
    \\eta = \\sum_j \\frac{\\mu_j u_j^2}{(\\mu_j+\\lambda)^2}, \\quad
    \\eta' = -2\\sum_j\\frac{\\mu_j u_j^2}{(\\mu_j+\\lambda)^3}, \\quad \\rho' = -\\lambda\\eta',

and second derivatives likewise. In :math:`t=\\ln\\lambda` the curve is
:math:`(x, y) = (\\ln\\rho, \\tfrac12\\ln\\eta)` and its signed curvature
:math:`\\kappa = (x'y'' - x''y')/(x'^2+y'^2)^{3/2}`. The corner maximizes κ; it is
refined continuously between the grid neighbours of the best grid point.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from ridgekit.select._selection import Selection, degrees_of_freedom
from ridgekit.select.grid import check_grid, default_alphas, search_limits
from ridgekit.spectrum import as_grid

__all__ = ["lcurve", "lcurve_points"]


def lcurve_points(spectrum, alphas) -> dict[str, np.ndarray]:
    """log RSS, log ‖β‖ and the curvature at each λ, each of shape (L, t)."""
    a = as_grid(alphas)[:, None, None]
    mu = spectrum.mu[None, :, None]
    u2 = (spectrum.uty**2)[None]
    s = mu + a
    rho = spectrum.rss0[None] + np.sum(u2 * a**2 / s**2, axis=1)
    eta = np.sum(mu * u2 / s**2, axis=1)
    eta1 = -2 * np.sum(mu * u2 / s**3, axis=1)
    eta2 = 6 * np.sum(mu * u2 / s**4, axis=1)
    rho1 = np.sum(u2 * 2 * a * mu / s**3, axis=1)
    rho2 = np.sum(u2 * 2 * mu * (mu - 2 * a) / s**4, axis=1)
    lam = a[:, :, 0]
    rho_t, rho_tt = lam * rho1, lam * rho1 + lam**2 * rho2
    eta_t, eta_tt = lam * eta1, lam * eta1 + lam**2 * eta2
    x1 = rho_t / rho
    x2 = rho_tt / rho - x1**2
    y1 = eta_t / (2 * eta)
    y2 = eta_tt / (2 * eta) - eta_t**2 / (2 * eta**2)
    kappa = (x1 * y2 - x2 * y1) / (x1**2 + y1**2) ** 1.5
    return {"log_rss": np.log(rho), "log_norm": 0.5 * np.log(eta), "curvature": kappa}


def lcurve(spectrum, alphas=None, warn_edge: bool = True) -> Selection:
    """Choose λ at the L-curve corner (maximum curvature), refined off the grid.

    ``extra`` holds ``log_rss``, ``log_norm``, ``curvature`` over the grid and
    ``corner_index`` (the best grid point). ``alphas=None``: :func:`default_alphas`,
    extended where the corner sits on one of its ends.
    """
    if alphas is None:  # the default grid, extended while the corner sits on an end
        alphas = default_alphas(spectrum)

        def curve(grid):
            kappa = lcurve_points(spectrum, grid)["curvature"]
            return (-kappa[:, 0] if kappa.shape[1] == 1 else -kappa), None

        alphas = Selection.from_curve(alphas, "lcurve", curve(alphas)[0], warn_edge=False,
                                      curve=curve, limits=search_limits(spectrum)).alphas
    else:
        alphas = check_grid(spectrum, alphas)
    pts = lcurve_points(spectrum, alphas)
    kappa = pts["curvature"]
    best = np.argmax(kappa, axis=0)
    chosen = np.empty(kappa.shape[1])
    order = np.argsort(alphas)
    for j in range(kappa.shape[1]):
        pos = int(np.searchsorted(alphas[order], alphas[best[j]]))
        lo = np.log(alphas[order][max(pos - 1, 0)])
        hi = np.log(alphas[order][min(pos + 1, alphas.size - 1)])
        if hi > lo:
            res = minimize_scalar(
                lambda t, j=j: -lcurve_points(_one_target(spectrum, j), [np.exp(t)])
                ["curvature"][0, 0], bounds=(lo, hi), method="bounded",
                options={"xatol": 1e-10})
            chosen[j] = np.exp(res.x)
        else:
            chosen[j] = alphas[best[j]]
    squeeze = kappa.shape[1] == 1
    sel = Selection.from_curve(alphas, "lcurve", -kappa[:, 0] if squeeze else -kappa,
                               None, degrees_of_freedom(spectrum, alphas), "min", warn_edge,
                               extra={**{k: (v[:, 0] if squeeze else v) for k, v in pts.items()},
                                      "corner_index": best[0] if squeeze else best})
    sel.alpha = chosen[0] if squeeze else chosen
    sel.rule = "max_curvature"
    return sel


class _one_target:
    """A view of one target of a spectrum, enough for :func:`lcurve_points`."""

    def __init__(self, spectrum, j):
        self.mu = spectrum.mu
        self.uty = spectrum.uty[:, j:j + 1]
        self.rss0 = spectrum.rss0[j:j + 1]
