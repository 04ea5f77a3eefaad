"""The ridge trace: each coefficient along the path, against λ and against effective df."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ridgekit.plot._base import (
    check_alphas,
    mark_alphas,
    new_figure,
    set_alpha_axis,
    spread_labels,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ridgekit.linear_model import RidgePath

__all__ = ["ridge_trace"]

_AGAINST = ("alpha", "df", "both")


def ridge_trace(path: RidgePath, *, feature_names: Sequence[str] | None = None,
                against: str = "both", target: int = 0,
                mark: Mapping[str, float] | None = None, ax=None,
                title: str | None = None, label_top: int = 6) -> Figure:
    """Plot the ridge trace of a :class:`~ridgekit.linear_model.RidgePath`.

    Parameters
    ----------
    path : RidgePath
        Any object with ``alphas`` (L,), ``coefs`` (L, p) or (L, t, p) and ``df`` (L,).
        When it also has ``df_at(alpha)``, marked λ values are placed on the df axis
        exactly; otherwise by interpolation along the grid.
    feature_names : sequence of str, optional
        Legend labels (default ``x0``, ``x1``, ...).
    against : {"both", "alpha", "df"}, default="both"
        x axis: λ (log scale), effective degrees of freedom tr H(λ), or two panels.
    target : int, default=0
        Which target, for multi-target paths.
    mark : mapping of str to float, optional
        Labelled λ values drawn as vertical lines, e.g. ``{"λ_min": 1.2, "λ_1se": 8.0}``.
    ax : Axes, optional
        Draw into this axes (``against`` must then be "alpha" or "df").
    title : str, optional
    label_top : int, default=6
        Name the ``label_top`` features with the largest least-squares-end coefficients
        at the right end of the df panel (or the left end of the λ panel), spread so the
        labels do not overlap. The legend sits outside the axes, off the curves.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        Inconsistent shapes, unknown ``against``, wrong number of feature names.
    """
    if against not in _AGAINST:
        raise ValueError(f"against must be one of {_AGAINST}, got {against!r}")
    alphas = check_alphas(path.alphas, "path.alphas")
    coefs = np.asarray(path.coefs, dtype=float)
    if coefs.ndim == 3:
        coefs = coefs[:, target, :]
    if coefs.ndim != 2 or coefs.shape[0] != alphas.size:
        raise ValueError(f"path.coefs has shape {np.shape(path.coefs)}; expected "
                         f"({alphas.size}, p) or ({alphas.size}, t, p)")
    df = np.asarray(path.df, dtype=float)
    if df.shape != alphas.shape:
        raise ValueError(f"path.df has shape {df.shape}; expected {alphas.shape}")
    p = coefs.shape[1]
    names = list(feature_names) if feature_names is not None else [f"x{j}" for j in range(p)]
    if len(names) != p:
        raise ValueError(f"{len(names)} feature names for {p} coefficients")

    order = np.argsort(alphas)
    alphas, coefs, df = alphas[order], coefs[order], df[order]
    panels = ["alpha", "df"] if against == "both" else [against]
    fig, axes = new_figure(ax, ncols=len(panels))
    colors = _colors(p)
    for axis, kind in zip(axes, panels, strict=True):
        x = alphas if kind == "alpha" else df
        for j in range(p):
            axis.plot(x, coefs[:, j], color=colors[j], lw=1.6, label=names[j])
        axis.axhline(0.0, color="0.6", lw=0.8)
        if kind == "alpha":
            set_alpha_axis(axis, alphas)
            mark_alphas(axis, mark)
        else:
            axis.set_xlabel("effective degrees of freedom (intercept not counted)")
            mark_alphas(axis, mark, x_of=lambda a: _df_at(path, alphas, df, a))
        axis.set_ylabel("coefficient")
        axis.grid(True, alpha=0.3)
    if label_top > 0:
        _label_ends(axes[-1], panels[-1], alphas, df, coefs, names, colors, label_top)
    _legend(fig, axes[-1], p, ax is None)
    axes[0].set_title(title or "Ridge trace")
    return fig


def _label_ends(axis, kind, alphas, df, coefs, names, colors, k) -> None:
    """Names of the k largest coefficients at the least-penalized end, spread apart."""
    end = -1 if kind == "df" else 0  # grid sorted by λ: index 0 is the smallest λ
    values = coefs[end if kind == "alpha" else int(np.argmax(df))]
    top = np.argsort(-np.abs(values))[: min(k, values.size)]
    lo, hi = axis.get_ylim()
    ys = spread_labels(values[top], 0.055 * (hi - lo))
    if kind == "df":
        x0, x1 = axis.get_xlim()
        axis.set_xlim(x0, x1 + 0.22 * (x1 - x0))
        x, ha = x1 + 0.02 * (x1 - x0), "left"
    else:
        x, ha = float(alphas[0]), "right"
    for j, y in zip(top, ys, strict=True):
        axis.annotate(str(names[j]), (x, y), color=colors[j], fontsize="small", ha=ha,
                      va="center", xytext=(2 if ha == "left" else -4, 0),
                      textcoords="offset points", annotation_clip=False)


def _df_at(path, alphas, df, alpha: float) -> float:
    if hasattr(path, "df_at"):  # the path's own df convention (intercept not counted)
        return float(path.df_at(alpha))
    x = np.log(np.maximum(alphas, np.finfo(float).tiny))
    return float(np.interp(np.log(max(alpha, np.finfo(float).tiny)), x, df))


def _colors(p: int):
    from matplotlib import colormaps

    cmap = colormaps["tab10" if p <= 10 else "viridis"]
    return [cmap(j if p <= 10 else j / max(p - 1, 1)) for j in range(p)]


def _legend(fig, axis, p: int, own_figure: bool) -> None:
    """Legend outside the axes (right of the figure), never on the curves."""
    handles, labels = axis.get_legend_handles_labels()
    if p > 20:  # too many features for a legend: only the marked λ values
        pairs = [(h, lab) for h, lab in zip(handles, labels, strict=True) if "=" in lab]
        if not pairs:
            return
        handles, labels = (list(t) for t in zip(*pairs, strict=True))
    if not handles:
        return
    ncols = 1 if len(handles) <= 12 else 2
    if own_figure:
        fig.legend(handles, labels, fontsize="small", ncols=ncols, loc="outside right upper")
    else:
        axis.legend(handles, labels, fontsize="small", ncols=ncols, loc="upper left",
                    bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
