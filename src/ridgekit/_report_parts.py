"""Sections of the HTML report (:mod:`ridgekit.report`) that read the fit as a
statistician does: fit quality, warnings, every rule's λ, coefficients on both scales.

Each function takes the report's context (one decomposition of the data) and returns an
HTML fragment.
"""

from __future__ import annotations

import html

import numpy as np

__all__ = ["fit_section", "warnings_section", "every_rule", "coef_section", "figure_html",
           "with_refined", "GRID_MIN_LABEL"]

#: the row of the λ table with the grid's own minimum, beside a refined λ_min
GRID_MIN_LABEL = "best grid λ"

_MAX_ROWS = 60
#: rules computed for the report when the caller gives none: (name, label)
_RULES = (("loo", "LOO"), ("gcv", "GCV"), ("hkb", "HKB"), ("lawless-wang", "Lawless-Wang"),
          ("lcurve", "L-curve"), ("discrepancy", "discrepancy"), ("evidence", "evidence"))


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _g(x, digits: int = 4) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{float(x):.{digits}g}"


def _kv(rows) -> str:
    return "<table>" + "".join(f'<tr><th class="name">{_e(k)}</th><td class="name">{v}</td>'
                               "</tr>" for k, v in rows) + "</table>"


def figure_html(fig, caption: str) -> str:
    """A figure as an inline PNG (base64 ``data:`` URI) with its caption."""
    import base64

    from ridgekit.plot import to_png

    data = base64.b64encode(to_png(fig, dpi=90)).decode("ascii")
    return (f'<figure><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def with_refined(sel):
    """A selection read from a model file with its refinement restored.

    ``Selection.from_curve`` refines λ_min between the grid neighbours of the grid's
    minimum (``extra["alpha_refined"]``, the model's λ); the model file keeps that value
    but not the ``refined`` flag, so a loaded selection's ``alpha_min`` fell back to the
    grid value and the report showed ``model 2.640`` beside ``kfold min 2.709``."""
    import dataclasses

    extra = getattr(sel, "extra", None) or {}
    if sel is None or getattr(sel, "refined", True) or "alpha_refined" not in extra:
        return sel
    if not dataclasses.is_dataclass(sel):
        return sel
    return dataclasses.replace(sel, refined=True)


def fit_section(ctx) -> str:
    """R², RMSE on the training data and by cross-validation, df."""
    y, w = ctx.y, ctx.w
    fitted = ctx.fitted()
    ww = np.ones_like(y) if w is None else w
    ybar = float(ww @ y / ww.sum())
    rss = float(ww @ (y - fitted) ** 2)
    tss = float(ww @ (y - ybar) ** 2)
    r2 = 1.0 - rss / tss if tss > 0 else np.nan
    rows = [("R² (training)", _g(r2)),
            ("RMSE (training)", _g(np.sqrt(rss / ww.sum())))]
    sel = ctx.selection
    if sel is not None and getattr(sel, "mean", None) is not None and \
            str(sel.criterion) in ("kfold", "loo", "gcv", "gcv-mass"):
        mean = np.asarray(sel.mean, float)
        mean = mean[:, 0] if mean.ndim == 2 else mean
        i = int(np.argmin(np.abs(np.asarray(sel.alphas) - (ctx.alpha or 0.0))))
        label = {"kfold": "k-fold CV", "loo": "leave-one-out"}.get(str(sel.criterion), "GCV")
        rows.append((f"RMSE by {label} at the model's λ", _g(np.sqrt(mean[i]))))
        rows.append((f"RMSE by {label}, minimum over the grid", _g(np.sqrt(mean.min()))))
        if tss > 0:
            rows.append((f"R² by {label} (1 − CV MSE / variance of y)",
                         _g(1.0 - mean[i] / (tss / ww.sum()))))
    if ctx.alpha is not None:
        rows.append(("effective df (intercept not counted)", _g(ctx.df(ctx.alpha))))
    return "<h2>Fit</h2>\n" + _kv(rows)


def warnings_section(ctx, warnings) -> str:
    """The warnings raised while fitting, and a choice on an end of the grid."""
    items = [str(w) for w in (warnings or [])]
    sel = ctx.selection
    if sel is not None and getattr(sel, "index_min", None) is not None and \
            not getattr(sel, "refined", False) and np.asarray(sel.alphas).size > 2:
        alphas = np.asarray(sel.alphas, float)
        chosen = float(np.ravel(sel.alpha)[0])
        ends = (alphas.min(), alphas.max())
        if any(np.isclose(chosen, e) for e in ends) and not any("grid" in t for t in items):
            side = "smallest" if np.isclose(chosen, ends[0]) else "largest"
            items.append(f"{sel.criterion}: the chosen λ = {chosen:.4g} is the {side} value "
                         f"of the grid [{ends[0]:.4g}, {ends[1]:.4g}]; the optimum may lie "
                         "outside it — widen the grid")
    if not items:
        return ""
    body = "".join(f"<li>{_e(t)}</li>" for t in items)
    return f'<h2>Warnings</h2>\n<ul class="warn">{body}</ul>'


def every_rule(ctx) -> dict[str, float]:
    """λ of every closed-form rule on the report's data (and the model's own choice)."""
    import warnings as _warnings

    from ridgekit.decompose import build_spectrum
    from ridgekit.select import select_by_name

    out: dict[str, float] = {}
    sel = ctx.selection
    if sel is not None:
        for attr, label in (("alpha_min", "min"), ("alpha_1se", "1se")):
            value = getattr(sel, attr, None)
            if value is not None:
                out[f"{sel.criterion} {label}"] = float(np.ravel(value)[0])
        if getattr(sel, "refined", False) and sel.index_min is not None:
            out[f"{sel.criterion} min, {GRID_MIN_LABEL}"] = float(
                np.ravel(np.asarray(sel.alphas)[np.ravel(sel.index_min)[0]])[0])
    spec = build_spectrum(ctx.Xs, ctx.y[:, None], ctx.w, fit_intercept=ctx.fit_intercept)
    spec = spec.with_data(ctx.Xs, ctx.y, ctx.w)
    for name, label in _RULES:
        try:
            with _warnings.catch_warnings():
                _warnings.simplefilter("ignore")
                s = select_by_name(name, spec, warn_edge=False)
            out.setdefault(label, float(np.ravel(s.alpha)[0]))
        except (ValueError, np.linalg.LinAlgError):
            continue  # a rule that does not apply here (e.g. no noise left for discrepancy)
    return out


def _bar(ratio: float) -> str:
    """Shrinkage β/β_LS as a horizontal bar (0 = shrunk to zero, 1 = least squares)."""
    if not np.isfinite(ratio):
        return "—"
    flipped = ratio < 0
    width = min(abs(ratio), 1.5) / 1.5 * 100
    colour = "#d1495b" if flipped or ratio > 1 else "#2a6f97"
    mark = 1 / 1.5 * 100
    note = " (sign flipped)" if flipped else " (grown)" if ratio > 1 else ""
    return (f'<div class="bar" title="β/β_LS = {ratio:.3g}{note}"><span style="width:'
            f'{width:.1f}%;background:{colour}"></span><i style="left:{mark:.1f}%"></i></div>'
            f'<small>{ratio:.2f}{note}</small>')


def coef_section(ctx) -> str:
    """Coefficients on the model's scale and the original scale, least squares, shrinkage."""
    order = np.argsort(-np.abs(ctx.coef))
    scale = ctx.x_scale if ctx.x_scale is not None else ctx.given_scale[0]
    mean = ctx.x_mean if ctx.x_mean is not None else ctx.given_scale[1]
    two = scale is not None
    head = ('<tr><th class="name">feature</th>'
            + ("<th>β, standardized X</th><th>β, original X</th>" if two
               else "<th>β (original X)</th>")
            + "<th>least squares β<sub>LS</sub></th><th>shrinkage β / β<sub>LS</sub></th></tr>")
    rows = []
    orig = ctx.coef / scale if two else None
    for j in order[:_MAX_ROWS]:
        ratio = ctx.coef[j] / ctx.ols[j] if ctx.ols[j] != 0 else np.nan
        cells = f"<td>{_g(ctx.coef[j])}</td>" + (f"<td>{_g(orig[j])}</td>" if two else "")
        rows.append(f'<tr><td class="name">{_e(ctx.names[j])}</td>{cells}'
                    f"<td>{_g(ctx.ols[j])}</td><td class=\"name\">{_bar(ratio)}</td></tr>")
    if two:
        b0 = ctx.intercept - float(orig @ (mean if mean is not None else 0.0))
        rows.append(f'<tr><td class="name">(intercept)</td><td>{_g(ctx.intercept)}</td>'
                    f"<td>{_g(b0)}</td><td></td><td></td></tr>")
    ols_norm = float(np.linalg.norm(ctx.ols))
    total = float(np.linalg.norm(ctx.coef) / ols_norm) if ols_norm else np.nan
    which = (" β on the standardized scale is what the model multiplies (X − mean)/sd by; "
             "β on the original scale is that divided by sd, for X in its own units."
             if two else "")
    more = f" Largest {_MAX_ROWS} of {ctx.p} shown." if ctx.p > _MAX_ROWS else ""
    return ("<h2>Coefficients</h2>\n<table>" + head + "".join(rows) + "</table>\n"
            f'<p class="note">Overall ‖β‖ / ‖β<sub>LS</sub>‖ = {_g(total)}. Sorted by |β|. '
            "The bar is β/β<sub>LS</sub> (tick at 1 = least squares; red: sign flipped or "
            f"grown).{which}{more}</p>")
