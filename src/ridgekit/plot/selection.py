"""Figures of a :class:`~ridgekit.select._selection.Selection`: CV curve and L-curve."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ridgekit.plot._base import (
    check_alphas,
    cv_title,
    mark_alphas,
    new_figure,
    pick,
    set_alpha_axis,
    target_slice,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ridgekit.select._selection import Selection

__all__ = ["cv_curve", "l_curve", "lcurve_corner_index"]


def cv_curve(selection: Selection, *, target: int = 0, ax=None, title: str | None = None,
             ylabel: str | None = None) -> Figure:
    """Criterion curve over λ with standard-error bars, λ_min and λ_1se marked.

    Parameters
    ----------
    selection : Selection
        Uses ``alphas``, ``mean`` (L,) or (L, t), ``se`` (same shape, or None: no bars),
        ``criterion``, ``alpha_min``/``alpha_1se`` (or ``index_min``/``index_1se``),
        and ``df`` (L,) when present (shown in the marker labels).
    target : int, default=0
        Which target, for multi-target selections.
    ax : Axes, optional
    title, ylabel : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When the selection has no criterion curve or shapes disagree.
    """
    alphas = check_alphas(selection.alphas, "selection.alphas")
    if selection.mean is None:
        raise ValueError(f"selection {selection.criterion!r} has no criterion curve (mean is "
                         "None); nothing to plot")
    mean = target_slice(selection.mean, target, "selection.mean", alphas.size)
    se = None if selection.se is None else target_slice(selection.se, target, "selection.se",
                                                        alphas.size)
    df = None if selection.df is None else np.asarray(selection.df, dtype=float)
    order = np.argsort(alphas)
    fig, (axis,) = new_figure(ax)
    axis.plot(alphas[order], mean[order], color="C3", lw=1.5, marker="o",
              ms=3 if alphas.size <= 40 else 1.5, label=f"{selection.criterion} mean")
    if se is not None:  # thin, capless bars as glmnet draws them; at most ~40 of them
        every = max(1, alphas.size // 40)
        idx = order[::every]
        axis.errorbar(alphas[idx], mean[idx], yerr=se[idx], fmt="none", ecolor="0.6",
                      elinewidth=0.6, capsize=0, label="± 1 standard error")
    marks = {}
    for name, index in (("λ_min", selection.index_min), ("λ_1se", selection.index_1se)):
        i = pick(index, target)
        if i is not None:
            label = name if df is None else f"{name} (df {df[int(i)]:.2f})"
            marks[label] = alphas[int(i)]
    if not marks and selection.alpha is not None:
        marks["chosen λ"] = pick(selection.alpha, target)
    mark_alphas(axis, marks)
    set_alpha_axis(axis, alphas)
    axis.set_ylabel(ylabel or f"{selection.criterion} error")
    axis.set_title(title or cv_title(selection))
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")
    return fig


def lcurve_corner_index(selection: Selection, target: int = 0) -> int:
    """Grid index of the L-curve corner.

    In order of preference: ``extra["corner"]`` (an index), the argmax of
    ``extra["curvature"]``, ``selection.index_min``, the grid point nearest
    ``selection.alpha``.
    """
    extra = selection.extra or {}
    alphas = np.asarray(selection.alphas, dtype=float)
    if extra.get("corner") is not None:
        return int(pick(extra["corner"], target))
    if extra.get("curvature") is not None:
        curvature = target_slice(extra["curvature"], target, "extra['curvature']", alphas.size)
        return int(np.nanargmax(curvature))
    if selection.index_min is not None:
        return int(pick(selection.index_min, target))
    return int(np.argmin(np.abs(alphas - float(pick(selection.alpha, target)))))


def l_curve(selection: Selection, *, target: int = 0, ax=None, annotate: int = 5,
            title: str | None = None) -> Figure:
    """The L-curve: solution norm against residual norm over λ, with its corner.

    The selection's ``extra`` must hold, per λ of ``selection.alphas``:

    * ``log_rss`` and ``log_norm`` — logarithms (any fixed base) of the residual (sum of
      squares or norm) and of the solution norm :math:`\\lVert\\beta(\\lambda)\\rVert`,
      drawn on linear axes; or
    * ``rss`` and ``norm`` — the values themselves, drawn on log-log axes.

    Optional: ``curvature`` (L,) — drawn in a second panel against λ — and ``corner`` (an
    index). The corner is chosen by :func:`lcurve_corner_index`. Arrays may be (L, t);
    ``target`` picks one column.

    Parameters
    ----------
    selection : Selection
    target : int, default=0
    ax : Axes, optional
        Draw the curve here (no curvature panel then).
    annotate : int, default=5
        Number of grid points labelled with their λ.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When ``extra`` lacks the residual/norm arrays or shapes disagree.
    """
    alphas = check_alphas(selection.alphas, "selection.alphas")
    extra = selection.extra or {}
    if extra.get("log_rss") is not None and extra.get("log_norm") is not None:
        x = target_slice(extra["log_rss"], target, "extra['log_rss']", alphas.size)
        y = target_slice(extra["log_norm"], target, "extra['log_norm']", alphas.size)
        logs = True
    elif extra.get("rss") is not None and extra.get("norm") is not None:
        x = target_slice(extra["rss"], target, "extra['rss']", alphas.size)
        y = target_slice(extra["norm"], target, "extra['norm']", alphas.size)
        logs = False
    else:
        raise ValueError("an L-curve needs selection.extra with 'log_rss' and 'log_norm' (or "
                         f"'rss' and 'norm'); it has {sorted(extra)}")
    corner = lcurve_corner_index(selection, target)
    curvature = extra.get("curvature")
    two = curvature is not None and ax is None
    fig, axes = new_figure(ax, ncols=2 if two else 1)
    axis = axes[0]
    order = np.argsort(alphas)
    axis.plot(x[order], y[order], color="C0", lw=1.5, marker="o", ms=3, label="L-curve")
    if not logs:
        axis.set_xscale("log")
        axis.set_yscale("log")
    axis.plot(x[corner], y[corner], "o", ms=11, mfc="none", mec="C3", mew=2,
              label=f"corner: λ = {alphas[corner]:.3g}")
    for i in order[np.linspace(0, alphas.size - 1, min(annotate, alphas.size)).astype(int)]:
        axis.annotate(f"{alphas[i]:.2g}", (x[i], y[i]), textcoords="offset points",
                      xytext=(5, 4), fontsize="x-small", color="0.3")
    axis.set_xlabel("log residual" if logs else "residual")
    axis.set_ylabel("log ‖β(λ)‖" if logs else "‖β(λ)‖")
    axis.set_title(title or "L-curve")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")
    if two:
        kappa = target_slice(curvature, target, "extra['curvature']", alphas.size)
        axes[1].plot(alphas[order], kappa[order], color="C2", lw=1.5)
        mark_alphas(axes[1], {"corner λ": alphas[corner]})
        set_alpha_axis(axes[1], alphas)
        axes[1].set_ylabel("curvature")
        axes[1].set_title("Curvature of the L-curve")
        axes[1].grid(True, alpha=0.3)
        axes[1].legend(fontsize="small")
    return fig
