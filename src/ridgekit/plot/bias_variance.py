"""Bias², variance and mean squared error of ridge against λ."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ridgekit.plot._base import check_alphas, new_figure, set_alpha_axis

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["bias_variance"]


def bias_variance(result, *, ax=None, title: str | None = None) -> Figure:
    """Plot bias², variance and MSE over λ, with the least-squares MSE as a reference.

    Parameters
    ----------
    result : object
        With ``alphas`` (L,), ``bias2`` (L,), ``variance`` (L,), ``mse`` (L,) and
        ``ols_mse`` (float), e.g. ``ridgekit.analysis.BiasVariance``.
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the arrays do not all have the shape of ``alphas``.
    """
    alphas = check_alphas(result.alphas, "result.alphas")
    curves = {}
    for name in ("bias2", "variance", "mse"):
        a = np.asarray(getattr(result, name), dtype=float)
        if a.shape != alphas.shape:
            raise ValueError(f"result.{name} has shape {a.shape}; expected {alphas.shape}")
        curves[name] = a
    ols = float(result.ols_mse)
    order = np.argsort(alphas)
    fig, (axis,) = new_figure(ax)
    axis.plot(alphas[order], curves["bias2"][order], color="C0", lw=1.6, label="bias²")
    axis.plot(alphas[order], curves["variance"][order], color="C1", lw=1.6, label="variance")
    axis.plot(alphas[order], curves["mse"][order], color="k", lw=2.2, label="MSE")
    axis.axhline(ols, color="0.45", ls="--", lw=1.2, label=f"least squares MSE = {ols:.3g}")
    best = int(np.argmin(curves["mse"]))
    axis.plot(alphas[best], curves["mse"][best], "o", color="C3", ms=8,
              label=f"min MSE at λ = {alphas[best]:.3g}")
    set_alpha_axis(axis, alphas)
    axis.set_ylabel("mean squared error of β̂")
    axis.set_title(title or "Bias–variance trade-off of ridge")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")
    return fig
