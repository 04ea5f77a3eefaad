"""The ridge trace: each coefficient along the path, against λ and against effective df."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ridgekit.plot._base import check_alphas, mark_alphas, new_figure, set_alpha_axis

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ridgekit.linear_model import RidgePath

__all__ = ["ridge_trace"]

_AGAINST = ("alpha", "df", "both")


def ridge_trace(path: RidgePath, *, feature_names: Sequence[str] | None = None,
                against: str = "both", target: int = 0,
                mark: Mapping[str, float] | None = None, ax=None,
                title: str | None = None) -> Figure:
    """Plot the ridge trace of a :class:`~ridgekit.linear_model.RidgePath`.

    Parameters
    ----------
    path : RidgePath
        Any object with ``alphas`` (L,), ``coefs`` (L, p) or (L, t, p) and ``df`` (L,).
        When it also has a ``spectrum``, marked λ values are placed on the df axis exactly
        (``spectrum.df``); otherwise by interpolation along the grid.
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
            axis.set_xlabel("effective degrees of freedom tr H(λ)")
            mark_alphas(axis, mark, x_of=lambda a: _df_at(path, alphas, df, a))
        axis.set_ylabel("coefficient")
        axis.grid(True, alpha=0.3)
    _legend(axes[-1], p)
    axes[0].set_title(title or "Ridge trace")
    return fig


def _df_at(path, alphas, df, alpha: float) -> float:
    spectrum = getattr(path, "spectrum", None)
    if spectrum is not None and hasattr(spectrum, "df"):
        return float(np.asarray(spectrum.df([alpha]))[0])
    x = np.log(np.maximum(alphas, np.finfo(float).tiny))
    return float(np.interp(np.log(max(alpha, np.finfo(float).tiny)), x, df))


def _colors(p: int):
    from matplotlib import colormaps

    cmap = colormaps["tab10" if p <= 10 else "viridis"]
    return [cmap(j if p <= 10 else j / max(p - 1, 1)) for j in range(p)]


def _legend(axis, p: int) -> None:
    if p <= 20:
        axis.legend(fontsize="small", ncols=1 if p <= 10 else 2, loc="best")
    elif axis.get_legend_handles_labels()[0]:
        handles, labels = axis.get_legend_handles_labels()
        marks = [(h, lab) for h, lab in zip(handles, labels, strict=True) if "=" in lab]
        if marks:
            axis.legend(*zip(*marks, strict=True), fontsize="small")
