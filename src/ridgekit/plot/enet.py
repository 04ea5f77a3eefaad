"""Figures of the L1 room: glmnet-style coefficient paths and CV curves, and the grouping
effect of ridge, lasso and elastic net on one correlated design.

As ``plot.glmnet`` and ``plot.cv.glmnet``: the x axis is log λ (largest λ on the left),
the number of nonzero coefficients runs along the top axis, and λ_min and λ_1se are
marked when a CV selection is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ridgekit.plot._base import (
    check_alphas,
    cv_title,
    new_figure,
    pick,
    spread_labels,
    target_slice,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["enet_trace", "enet_cv_curve", "grouping_effect"]


def _coefs(path, target: int) -> np.ndarray:
    coefs = np.asarray(path.coefs, dtype=float)
    if coefs.ndim == 3:
        if not -coefs.shape[1] <= target < coefs.shape[1]:
            raise ValueError(f"target={target} is out of range for {coefs.shape[1]} targets")
        coefs = coefs[:, target, :]
    if coefs.ndim != 2 or coefs.shape[0] != np.size(path.alphas):
        raise ValueError(f"path.coefs has shape {np.shape(path.coefs)}; expected (L, p) or "
                         "(L, t, p) with L the number of alphas")
    return coefs


def _top_nonzeros(axis, log_alpha: np.ndarray, nonzeros: np.ndarray, n_ticks: int = 8,
                  label: str = "number of nonzero coefficients"):
    """A top axis labelled with the number of nonzero coefficients (glmnet's df row), or
    with any other count along the path (integers as such, else one decimal)."""
    top = axis.twiny()
    top.set_xlim(axis.get_xlim())
    idx = np.unique(np.linspace(0, log_alpha.size - 1, min(n_ticks, log_alpha.size))
                    .round().astype(int))
    top.set_xticks(log_alpha[idx])
    values = np.asarray(nonzeros, dtype=float)[idx]
    whole = np.all(values == np.round(values))
    top.set_xticklabels([str(int(v)) if whole else f"{v:.1f}" for v in values])
    top.set_xlabel(label)
    return top


def _marks(axis, selection, target: int) -> None:
    if selection is None:
        return
    for name, value, style in (("λ_min", selection.alpha_min, "--"),
                               ("λ_1se", selection.alpha_1se, ":")):
        a = pick(value, target)
        if a is not None and a > 0:
            axis.axvline(np.log(a), color="0.2", lw=1.2, ls=style, label=f"{name} = {a:.3g}")


def enet_trace(path, selection=None, *, target: int = 0,
              feature_names: Sequence[str] | None = None, label_top: int = 8, ax=None,
              title: str | None = None, top: str = "nonzero") -> Figure:
    """Coefficient paths against log λ, nonzeros along the top, CV choices marked.

    Parameters
    ----------
    path : ENetPath
        Anything with ``alphas`` (L,) and ``coefs`` (L, p) or (L, t, p) (a ``RidgePath``
        or a ``LogisticPath`` works too: every coefficient is then nonzero).
    selection : Selection, optional
        A CV selection over the same kind of grid (e.g. ``ElasticNetCV().selection_``):
        λ_min and λ_1se are drawn as vertical lines.
    target : int, default=0
        Target (or class, for a multinomial path) of (L, t, p) coefficients.
    feature_names : sequence of str, optional
        Labels the ``label_top`` largest coefficients at the smallest λ, spread apart so
        that labels of nearly equal coefficients do not overlap.
    label_top : int, default=8
    ax : Axes, optional
    title : str, optional
    top : {"nonzero", "df"}, default="nonzero"
        Top axis: the number of nonzero coefficients (the lasso's df), or the path's
        effective degrees of freedom ``path.df`` (an L2 path, whose coefficients are all
        nonzero; omitted where ``df`` is not finite).

    Returns
    -------
    matplotlib.figure.Figure
    """
    alphas = check_alphas(path.alphas, "path.alphas")
    if np.any(alphas <= 0):
        raise ValueError("path.alphas must be > 0 for a log-λ axis")
    coefs = _coefs(path, target)
    order = np.argsort(alphas)[::-1]  # largest λ on the left, as glmnet
    la, coefs = np.log(alphas[order]), coefs[order]
    nonzeros = np.count_nonzero(coefs, axis=1)
    fig, (axis,) = new_figure(ax)
    p = coefs.shape[1]
    colors = [f"C{j % 10}" for j in range(p)]
    for j in range(p):
        axis.plot(la, coefs[:, j], color=colors[j], lw=1.2)
    axis.axhline(0.0, color="0.6", lw=0.8)
    axis.set_xlim(la[0], la[-1])
    if top not in ("nonzero", "df"):
        raise ValueError(f"top must be 'nonzero' or 'df', got {top!r}")
    if feature_names is not None:
        if len(feature_names) != p:
            raise ValueError(f"{len(feature_names)} feature names for {p} coefficients")
        named = [j for j in np.argsort(-np.abs(coefs[-1]))[:label_top] if coefs[-1, j] != 0]
        lo, hi = axis.get_ylim()
        for j, y in zip(named, spread_labels(coefs[-1, named], 0.045 * (hi - lo)),
                        strict=True):
            axis.annotate(str(feature_names[j]), (la[-1], y), fontsize="x-small",
                          xytext=(3, 0), textcoords="offset points", color=colors[j],
                          va="center", annotation_clip=False)
    _marks(axis, selection, target)
    axis.set_xlabel("log λ (alpha)")
    axis.set_ylabel("coefficient")
    axis.grid(True, alpha=0.3)
    if selection is not None:
        axis.legend(fontsize="small", loc="best")
    if top == "nonzero":
        _top_nonzeros(axis, la, nonzeros)
    else:
        df = np.asarray(getattr(path, "df", np.full(alphas.size, np.nan)), dtype=float)
        if df.shape == alphas.shape and np.all(np.isfinite(df)):
            _top_nonzeros(axis, la, df[order],
                          label="effective degrees of freedom (intercept not counted)")
    l1 = getattr(path, "l1_ratio", None)
    axis.set_title(title or ("coefficient paths" + (f" (l1_ratio = {l1:g})"
                                                     if l1 is not None else "")), pad=28)
    return fig


def enet_cv_curve(selection, path=None, *, target: int = 0, ax=None,
            title: str | None = None) -> Figure:
    """The CV curve against log λ with ±1 standard error, λ_min and λ_1se marked and the
    number of nonzeros (from ``path``, on the same grid) along the top (``plot.cv.glmnet``).

    Parameters
    ----------
    selection : Selection
        ``ElasticNetCV().selection_`` (``mean``, ``se``, ``alphas``).
    path : ENetPath, optional
        ``ElasticNetCV().path_``; without it the top axis is omitted.
    target : int, default=0
    ax : Axes, optional
    title : str, optional
    """
    alphas = check_alphas(selection.alphas, "selection.alphas")
    if selection.mean is None:
        raise ValueError("the selection has no criterion curve (mean is None)")
    mean = target_slice(selection.mean, target, "selection.mean", alphas.size)
    se = None if selection.se is None else target_slice(selection.se, target, "selection.se",
                                                        alphas.size)
    order = np.argsort(alphas)[::-1]
    la = np.log(alphas[order])
    fig, (axis,) = new_figure(ax)
    axis.plot(la, mean[order], "o", color="C3", ms=3.5, label="CV mean squared error")
    if se is not None:
        axis.errorbar(la, mean[order], yerr=se[order], fmt="none", ecolor="0.6",
                      elinewidth=0.9, capsize=2, label="± 1 standard error")
    _marks(axis, selection, target)
    axis.set_xlim(la[0], la[-1])
    axis.set_xlabel("log λ (alpha)")
    axis.set_ylabel("mean squared error")
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")
    if path is not None:
        coefs = _coefs(path, target)
        if coefs.shape[0] != alphas.size:
            raise ValueError("path and selection have grids of different lengths")
        nz = np.count_nonzero(coefs, axis=1)
        p_order = np.argsort(np.asarray(path.alphas))[::-1]
        _top_nonzeros(axis, la, nz[p_order])
    axis.set_title(title or cv_title(selection), pad=28)
    return fig


def grouping_effect(paths: Mapping[str, object], group: Sequence[int], *, target: int = 0,
                    title: str | None = None) -> Figure:
    """Ridge, lasso and elastic net side by side on one correlated design.

    Each panel is one path (any object with ``alphas`` and ``coefs``) against the L1 norm
    of its coefficients relative to the largest on the path; the columns in ``group`` (a
    set of strongly correlated predictors) are drawn in one bold color, the others in
    grey. The lasso picks one member of the group and drops the rest; ridge and the
    elastic net keep the group together (Zou & Hastie 2005's grouping effect).

    Parameters
    ----------
    paths : mapping of str to path
        E.g. ``{"ridge": ridge_path(...), "lasso": lasso_path(...), "elastic net": ...}``.
    group : sequence of int
        Indices of the correlated group.
    target : int, default=0
    title : str, optional
    """
    if not paths:
        raise ValueError("give at least one path")
    group = [int(j) for j in group]
    fig, axes = new_figure(ncols=len(paths), figsize=(4.4 * len(paths), 4.0))
    for axis, (name, path) in zip(axes, paths.items(), strict=True):
        coefs = _coefs(path, target)
        if group and (min(group) < 0 or max(group) >= coefs.shape[1]):
            raise ValueError(f"group indices must lie in [0, {coefs.shape[1]})")
        norm = np.abs(coefs).sum(axis=1)
        order = np.argsort(norm)
        x = norm[order] / max(norm.max(), np.finfo(float).tiny)
        for j in range(coefs.shape[1]):
            in_group = j in group
            axis.plot(x, coefs[order, j], color="C3" if in_group else "0.7",
                      lw=1.8 if in_group else 0.9, zorder=3 if in_group else 2,
                      label="correlated group" if in_group and j == group[0] else None)
        axis.axhline(0.0, color="0.5", lw=0.7)
        axis.set_title(name)
        axis.set_xlabel("‖β‖₁ / max ‖β‖₁ along the path")
        axis.grid(True, alpha=0.3)
    axes[0].set_ylabel("coefficient")
    axes[0].legend(fontsize="small", loc="upper left")
    if title:
        fig.suptitle(title)
    return fig
