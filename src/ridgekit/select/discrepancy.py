"""Morozov's discrepancy principle: the λ whose residual matches the noise."""

from __future__ import annotations

import numpy as np

from ridgekit.select._roots import solve_increasing
from ridgekit.select._selection import Selection, degrees_of_freedom
from ridgekit.select.estimators import ls_variance
from ridgekit.spectrum import as_grid

__all__ = ["discrepancy"]


def discrepancy(spectrum, alphas=None, sigma2=None, tau: float = 1.0) -> Selection:
    """Solve :math:`\\mathrm{RSS}(\\lambda) = \\tau\\, n\\,\\sigma^2` exactly (RSS increases
    with λ, so the root is unique).

    Parameters
    ----------
    spectrum : Spectrum
    alphas : ndarray, optional
        A grid, only for the curve stored in the result (|RSS/(nσ²) − τ|).
    sigma2 : float or ndarray of shape (t,), optional
        Known noise variance; estimated by least squares' :math:`s^2` when omitted.
    tau : float
        Safety factor (>= 1 in Morozov's form).
    """
    sigma2 = ls_variance(spectrum) if sigma2 is None else np.broadcast_to(
        np.asarray(sigma2, dtype=float), (spectrum.n_targets,))
    if np.any(~np.isfinite(sigma2)) or np.any(sigma2 <= 0):
        raise ValueError(f"sigma2 must be positive and finite; got {sigma2}")
    n = spectrum.n_samples
    target = tau * n * sigma2 * spectrum.weight / n
    chosen = np.empty(spectrum.n_targets)
    mu = spectrum.mu
    for j in range(spectrum.n_targets):
        if target[j] <= spectrum.rss0[j]:
            raise ValueError(
                f"discrepancy: tau*n*sigma2 = {target[j]:.4g} is below the least-squares RSS "
                f"{spectrum.rss0[j]:.4g} of target {j}; no alpha >= 0 reaches it"
            )
        if target[j] >= spectrum.yy[j]:
            raise ValueError(
                f"discrepancy: tau*n*sigma2 = {target[j]:.4g} exceeds the total sum of squares "
                f"{spectrum.yy[j]:.4g} of target {j}; no finite alpha reaches it"
            )
        u2 = spectrum.uty[:, j] ** 2
        rss0 = spectrum.rss0[j]
        chosen[j] = solve_increasing(
            lambda a, u2=u2, rss0=rss0: rss0 + float(np.sum(u2 * (a / (mu + a)) ** 2)),
            target[j], lo=mu[-1] * 1e-3, hi=mu[0] * 1e3, what="discrepancy")
    grid = as_grid(chosen if alphas is None else alphas)
    curve = np.abs(spectrum.rss(grid) / target - 1.0)
    squeeze = curve.shape[1] == 1
    return Selection(grid, "discrepancy", curve[:, 0] if squeeze else curve, None,
                     degrees_of_freedom(spectrum, grid), "discrepancy",
                     chosen[0] if squeeze else chosen,
                     extra={"sigma2": sigma2, "tau": tau})
