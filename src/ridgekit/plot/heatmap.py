"""Learning rate x weight decay heatmap of an experiment grid."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ridgekit.plot._base import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["weight_decay_heatmap"]


def weight_decay_heatmap(values, learning_rates, weight_decays, *, title: str,
                         colorbar_label: str = "validation loss", lower_is_better: bool = True,
                         log_color: bool = False, annotate: bool | None = None,
                         ax=None) -> Figure:
    """Heatmap of a metric over a learning-rate x weight-decay grid.

    Parameters
    ----------
    values : array-like of shape (n_lr, n_wd)
        ``values[i, j]`` is the metric for ``learning_rates[i]`` and
        ``weight_decays[j]``; NaN (e.g. a diverged run) is drawn grey.
    learning_rates : array-like of shape (n_lr,)
        Row labels (y axis).
    weight_decays : array-like of shape (n_wd,)
        Column labels (x axis).
    title : str
    colorbar_label : str, default="validation loss"
    lower_is_better : bool, default=True
        Which cell is outlined as the best.
    log_color : bool, default=False
        Logarithmic colour scale (positive values only).
    annotate : bool, optional
        Write each value in its cell (default: when the grid has at most 12 x 12 cells).
    ax : Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When shapes disagree or every value is NaN.
    """
    v = np.asarray(values, dtype=float)
    lr = np.asarray(learning_rates, dtype=float).ravel()
    wd = np.asarray(weight_decays, dtype=float).ravel()
    if v.shape != (lr.size, wd.size):
        raise ValueError(f"values has shape {v.shape}; expected ({lr.size}, {wd.size}) = "
                         "(len(learning_rates), len(weight_decays))")
    finite = np.isfinite(v)
    if not finite.any():
        raise ValueError("every value is NaN or infinite; nothing to plot")
    from matplotlib import colormaps
    from matplotlib.colors import LogNorm, Normalize

    cmap = colormaps["viridis_r" if lower_is_better else "viridis"].with_extremes(bad="0.75")
    lo, hi = np.min(v[finite]), np.max(v[finite])
    if log_color:
        if lo <= 0:
            raise ValueError("log_color needs positive values")
        norm = LogNorm(lo, hi)
    else:
        norm = Normalize(lo, hi if hi > lo else lo + 1.0)
    fig, (axis,) = new_figure(ax, figsize=(1.0 + 0.75 * max(wd.size, 4) + 1.5,
                                           1.2 + 0.5 * max(lr.size, 4) + 1.0))
    image = axis.imshow(np.ma.masked_invalid(v), cmap=cmap, norm=norm, origin="lower",
                        aspect="auto")
    axis.set_xticks(np.arange(wd.size), [f"{x:.0e}" if x else "0" for x in wd],
                    rotation=45, ha="right")
    axis.set_yticks(np.arange(lr.size), [f"{x:.0e}" if x else "0" for x in lr])
    axis.set_xlabel("weight decay")
    axis.set_ylabel("learning rate")
    axis.set_title(title)
    fig.colorbar(image, ax=axis, label=colorbar_label)
    if annotate is None:
        annotate = v.size <= 144
    if annotate:
        mid = (norm(lo) + norm(hi)) / 2
        for i in range(lr.size):
            for j in range(wd.size):
                if finite[i, j]:
                    dark = (norm(v[i, j]) > mid) == lower_is_better
                    axis.text(j, i, f"{v[i, j]:.3g}", ha="center", va="center",
                              fontsize="x-small", color="white" if dark else "black")
                else:
                    axis.text(j, i, "—", ha="center", va="center", fontsize="x-small")
    masked = np.where(finite, v, np.inf if lower_is_better else -np.inf)
    i, j = np.unravel_index(np.argmin(masked) if lower_is_better else np.argmax(masked), v.shape)
    from matplotlib.patches import Rectangle

    axis.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="C3", lw=2.5,
                             label=f"best: lr {lr[i]:.2g}, wd {wd[j]:.2g}"))
    axis.legend(loc="upper left", bbox_to_anchor=(0, -0.18), fontsize="small", frameon=False)
    return fig
