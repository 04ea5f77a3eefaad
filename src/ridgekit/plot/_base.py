"""Figure plumbing shared by the plot functions: Agg canvases, no pyplot, no global state.

Figures are built as :class:`matplotlib.figure.Figure` objects with an explicit
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg`, so no GUI backend is ever
selected, ``matplotlib.use`` is never called (a user's interactive backend is left
alone), and figures are not kept alive by pyplot's registry. Save them with
``fig.savefig(...)`` or :func:`to_png`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ImportError as exc:  # pragma: no cover - matplotlib is an install extra
    raise ImportError("ridgekit.plot needs matplotlib: pip install 'ridgekit[plot]'") from exc

__all__ = [
    "Figure", "new_figure", "to_png", "to_bytes", "FORMATS", "target_slice", "pick",
    "set_alpha_axis", "mark_alphas", "check_alphas", "finite_vectors", "spread_labels",
    "cv_title",
]

#: line styles cycled by :func:`mark_alphas`
_MARK_STYLES = ("--", ":", "-.", (0, (5, 1, 1, 1)))


def new_figure(ax=None, ncols: int = 1, figsize: tuple[float, float] | None = None,
               nrows: int = 1):
    """A new Agg-backed figure with ``nrows`` x ``ncols`` axes, or the figure of a given
    axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead (only when one axes is needed).
    ncols, nrows : int
    figsize : (float, float), optional

    Returns
    -------
    fig : Figure
    axes : list of Axes
        Row by row.
    """
    if ax is not None:
        if ncols * nrows != 1:
            raise ValueError(f"this figure needs {ncols * nrows} axes; ax= can only stand in "
                             "for one")
        return ax.figure, [ax]
    fig = Figure(figsize=figsize or (6.4 * ncols if ncols > 1 else 6.4, 4.4 * nrows),
                 layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, [a for row in axes for a in row]


def to_png(fig, dpi: int = 100) -> bytes:
    """Render a figure to PNG bytes (Agg), without the software/URL text chunk."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


#: formats :func:`to_bytes` writes
FORMATS = ("png", "pdf", "svg")


def to_bytes(fig, fmt: str = "png", dpi: int = 100) -> bytes:
    """Render a figure to PNG, PDF or SVG bytes (no software/date metadata, so the same
    figure gives the same bytes)."""
    fmt = str(fmt).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "png":
        return to_png(fig, dpi)
    buf = io.BytesIO()
    meta = {"Creator": None, "Producer": None, "CreationDate": None} if fmt == "pdf" else \
        {"Creator": None, "Date": None}
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    return buf.getvalue()


def target_slice(values, target: int, name: str, n_rows: int) -> np.ndarray:
    """One target's column of an (L,) or (L, t) array, checked to have ``n_rows`` rows."""
    a = np.asarray(values, dtype=float)
    if a.ndim == 2:
        if not -a.shape[1] <= target < a.shape[1]:
            raise ValueError(f"target={target} is out of range for {name} with {a.shape[1]} "
                             "targets")
        a = a[:, target]
    if a.ndim != 1 or a.shape[0] != n_rows:
        raise ValueError(f"{name} has shape {np.shape(values)}; expected ({n_rows},) or "
                         f"({n_rows}, n_targets) to match the alphas")
    return a


def pick(value, target: int):
    """One target's entry of a scalar-or-per-target value (index, alpha)."""
    if value is None:
        return None
    a = np.asarray(value)
    return a[target].item() if a.ndim else a.item()


def set_alpha_axis(ax, alphas: np.ndarray, label: str = "penalty λ (alpha)") -> None:
    """Logarithmic λ axis; symmetric-log when the grid contains λ = 0."""
    positive = alphas[alphas > 0]
    if positive.size and np.any(alphas == 0):
        ax.set_xscale("symlog", linthresh=float(positive.min()))
    elif positive.size:
        ax.set_xscale("log")
    ax.set_xlabel(label)


def mark_alphas(ax, marks: Mapping[str, float] | None, x_of=None) -> None:
    """Vertical labelled lines at the given λ values (``x_of`` maps λ to the x axis)."""
    for k, (label, alpha) in enumerate((marks or {}).items()):
        if alpha is None:
            continue
        x = float(alpha) if x_of is None else float(x_of(float(alpha)))
        ax.axvline(x, color="0.25", lw=1.2, ls=_MARK_STYLES[k % len(_MARK_STYLES)],
                   label=f"{label} = {float(alpha):.3g}")


def check_alphas(alphas, name: str = "alphas") -> np.ndarray:
    a = np.asarray(alphas, dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array; got shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must be finite and >= 0")
    return a


def finite_vectors(**arrays) -> list[np.ndarray]:
    """The given arrays as flat float vectors, checked to be non-empty, of one length and
    finite (ValueError naming them otherwise)."""
    names = " and ".join(arrays)
    out = [np.asarray(a, dtype=float).ravel() for a in arrays.values()]
    sizes = {a.size for a in out}
    if len(sizes) != 1 or 0 in sizes:
        raise ValueError(f"{names} must have the same non-zero length; got "
                         f"{' and '.join(str(a.size) for a in out)}")
    if not all(np.all(np.isfinite(a)) for a in out):
        raise ValueError(f"{names} must be finite")
    return out


def spread_labels(values, gap: float) -> np.ndarray:
    """Heights for labels at ``values`` that keep at least ``gap`` apart and stay in the
    values' order: each label is pushed up from its lower neighbour as needed, then all
    are shifted so their mean is the values' mean (a label moves only as far as the
    crowd around it needs)."""
    values = np.asarray(values, dtype=float).ravel()
    order = np.argsort(values, kind="stable")
    ys = values[order].copy()
    for i in range(1, ys.size):
        ys[i] = max(ys[i], ys[i - 1] + gap)
    if ys.size:
        ys += values.mean() - ys.mean()
    out = np.empty_like(ys)
    out[order] = ys
    return out


def cv_title(selection) -> str:
    """Title of a CV-curve figure that marks both λ_min and λ_1se: the criterion, and
    which of the two the model took (its rule)."""
    rule = str(getattr(selection, "rule", "min"))
    if getattr(selection, "index_min", None) is None or \
            getattr(selection, "index_1se", None) is None:
        return f"{selection.criterion}: choice of λ (rule {rule!r})"
    return f"{selection.criterion}: λ_min and λ_1se marked (the model's λ is λ_{rule})"
