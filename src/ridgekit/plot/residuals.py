"""Residuals against fitted values, with a smooth of their running mean."""

from __future__ import annotations

import numpy as np

from ridgekit.plot._base import Figure, finite_vectors, new_figure

__all__ = ["residual_plot"]


def residual_plot(fitted, residuals, *, ax=None, title: str | None = None,
                  label: str = "residual") -> Figure:
    """Scatter of residuals against fitted values, a zero line and a running median.

    Parameters
    ----------
    fitted, residuals : array-like of shape (n,)
    ax : Axes, optional
    title : str, optional
    label : str, default="residual"
        y-axis label (e.g. "leave-one-out residual").

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        Shapes differ, or values are not finite.
    """
    f, r = finite_vectors(fitted=fitted, residuals=residuals)
    fig, (axis,) = new_figure(ax)
    n = f.size
    axis.scatter(f, r, s=max(2.0, 16.0 / np.sqrt(max(n / 100, 1))), alpha=0.5 if n > 500 else
                 0.8, color="C0", edgecolors="none", rasterized=n > 5000)
    axis.axhline(0.0, color="0.3", lw=1)
    if n >= 20:  # running median over ~n/10 neighbours in fitted order
        order = np.argsort(f)
        k = max(15, n // 6)
        centers = np.arange(k // 2, n - k // 2, max(1, n // 200))
        med = [np.median(r[order][c - k // 2: c + k // 2 + 1]) for c in centers]
        axis.plot(f[order][centers], med, color="C3", lw=1.6, label="running median")
        axis.legend(fontsize="small", loc="upper right")
    axis.set_xlabel("fitted value")
    axis.set_ylabel(label)
    axis.set_title(title or "Residuals against fitted values")
    axis.grid(True, alpha=0.3)
    return fig
