"""Filter factors of a :class:`~ridgekit.spectrum.Spectrum` at a few λ values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ridgekit.plot._base import check_alphas, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ridgekit.spectrum import Spectrum

__all__ = ["filter_factors"]


def filter_factors(spectrum: Spectrum, alphas, *, title: str | None = None) -> Figure:
    """Filter factors :math:`f_j(\\lambda) = d_j^2/(d_j^2+\\lambda)` and the spectrum.

    Left: :math:`f_j` against the component index j for each λ. Right: the eigenvalues
    :math:`\\mu_j = d_j^2` (log scale) with each λ as a horizontal line — components with
    :math:`\\mu_j \\gg \\lambda` pass (f ≈ 1), those with :math:`\\mu_j \\ll \\lambda` are
    filtered out (f ≈ 0), and :math:`f_j = 1/2` where :math:`\\mu_j = \\lambda`.

    Parameters
    ----------
    spectrum : Spectrum
        Uses its singular values ``d`` (r,), descending.
    alphas : array-like of shape (L,)
        A few λ values (one line each).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the spectrum is empty or ``alphas`` is invalid.
    """
    d = np.asarray(spectrum.d, dtype=float)
    if d.ndim != 1 or d.size == 0:
        raise ValueError("the spectrum has no nonzero singular values; nothing to plot")
    alphas = np.sort(check_alphas(np.atleast_1d(alphas)))
    mu = d * d
    f = mu[None, :] / (mu[None, :] + alphas[:, None])
    j = np.arange(1, d.size + 1)
    fig, (left, right) = new_figure(ncols=2)
    from matplotlib import colormaps

    cmap = colormaps["plasma"]
    colors = [cmap(0.1 + 0.75 * k / max(alphas.size - 1, 1)) for k in range(alphas.size)]
    style = dict(marker="o", ms=3) if d.size <= 60 else {}
    for k, a in enumerate(alphas):
        left.plot(j, f[k], color=colors[k], lw=1.5, label=f"λ = {a:.3g}", **style)
        if a > 0:
            right.axhline(a, color=colors[k], lw=1.2, ls="--", label=f"λ = {a:.3g}")
    left.set_ylim(-0.03, 1.03)
    left.set_xlabel("component j")
    left.set_ylabel("filter factor f_j(λ)")
    left.set_title(title or "Filter factors")
    left.grid(True, alpha=0.3)
    left.legend(fontsize="small")
    right.semilogy(j, mu, "k", marker="s" if d.size <= 60 else None, ms=3, lw=1.2,
                   label="μ_j = d_j²")
    right.set_xlabel("component j")
    right.set_ylabel("eigenvalue of XᵀX")
    right.set_title("Spectrum and penalties")
    right.grid(True, alpha=0.3, which="both")
    right.legend(fontsize="small")
    return fig
