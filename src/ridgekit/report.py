"""A self-contained HTML report of a ridge, elastic-net or logistic fit.

:func:`write_report` writes one HTML file with everything inline — styles in a
``<style>`` element, figures as base64 PNG ``data:`` URIs, no scripts, no external URL —
so it opens the same way offline, from an e-mail attachment or a CI artifact. It holds:

* a data summary (rows, features, weights, target and per-feature statistics);
* the λ chosen by each rule (given by the caller) with its effective degrees of freedom,
  condition number, training RMSE and coefficient-norm shrinkage;
* the model: penalty, how it was chosen, intercept, effective df;
* the fit: R², training and cross-validated RMSE, effective df (intercept not counted);
* the warnings raised while fitting (the grid-edge warning), and a choice on a grid end;
* a coefficient table on the model's scale and on the original scale (when the features
  were standardized), beside least squares, with the shrinkage
  :math:`\\beta_j(\\lambda)/\\hat\\beta_j^{LS}` drawn as a bar;
* condition numbers of the (centered, possibly standardized) design;
* figures: the criterion curve (CV curve with thin standard-error bars, or the L-curve),
  the ridge trace against λ and against df (largest coefficients named), residuals
  against fitted values, and the filter factors.

The quantities come from one decomposition of the data (:func:`ridgekit.ridge_path`);
the figures from :mod:`ridgekit.plot`. The file is written atomically.

An elastic-net / lasso model (``ElasticNetCV``, or a model file with ``l1_ratio``) gets
the selected features, the coefficient paths against log λ and the CV curve instead; a
classifier (``LogisticRidgeCV``, or a classifier model file; ``y`` its labels) the
confusion matrix, coefficients per class, CV curve, coefficient path and a calibration
plot (:mod:`ridgekit._report_families`).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ridgekit._report_parts import _e, _kv

__all__ = ["write_report"]

_MAX_FEATURE_ROWS = 60
_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1100px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { border-bottom: 3px solid #2a6f97; padding-bottom: .2em; }
h2 { color: #2a6f97; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6em 0 1.2em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: .25em .7em; text-align: right; }
th { background: #eef4f8; } td.name, th.name { text-align: left; }
tr:nth-child(even) td { background: #fafafa; }
.chosen td { background: #fff3cd !important; font-weight: bold; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #555; font-size: .9em; } .note { color: #666; font-size: .9em; }
.bar { display: inline-block; position: relative; width: 120px; height: .8em;
       background: #eee; vertical-align: middle; margin-right: .4em; }
.bar span { display: block; height: 100%; } .bar i { position: absolute; top: -2px;
       bottom: -2px; width: 1px; background: #333; }
ul.warn li { color: #8a4b00; }
.wrap { overflow-x: auto; } table { max-width: 100%; }
@media (max-width: 600px) { body { margin: .5em; padding: 0 .3em; }
                            th, td { padding: .2em .35em; } }
"""


def write_report(path: str | os.PathLike, model_or_results, X, y,
                 feature_names: Sequence[str] | None = None, *,
                 rules: Mapping[str, float] | None = None, selection=None,
                 sample_weight=None, target_name: str = "y",
                 title: str = "ridgekit report", alphas=None,
                 data_source: str | None = None, warnings: Sequence[str] | None = None,
                 x_mean=None, x_scale=None, figures=None) -> Path:
    """Write a self-contained HTML report of a ridge fit.

    Parameters
    ----------
    path : str or path-like
        Output HTML file (replaced atomically).
    model_or_results : estimator, LoadedModel or Selection
        A fitted linear model (``coef_``, ``intercept_``; ``alpha_``/``alpha``; optional
        ``selection_``), a scikit-learn ``Pipeline`` of ``StandardScaler`` and such a
        model, a :class:`ridgekit.io.LoadedModel`, or a ``Selection`` alone (the model is
        then ridge at ``selection.alpha`` on the given data).
    X : array-like of shape (n, p)
        The training features, on the original scale (a model's standardization is
        applied here).
    y : array-like of shape (n,)
        The training target (one target).
    feature_names : sequence of str, optional
        Default: the model's (or file's) feature names, else ``x0``, ``x1``, ...
    rules : mapping of str to float, optional
        λ chosen by each rule, e.g. ``{"gcv": 3.1, "loo": 2.9, "kfold min": 2.2,
        "kfold 1se": 9.0}``; each is listed with its df and condition number and marked
        on the ridge trace.
    selection : Selection, optional
        The criterion curve to draw. Default: the model's ``selection_``/``selection``.
        An L-curve selection (``extra`` with ``log_rss``/``rss``) is drawn as an L-curve.
    sample_weight : array-like of shape (n,), optional
    target_name : str, default="y"
    title : str, default="ridgekit report"
    alphas : array-like, optional
        λ grid of the ridge trace. Default: the selection's grid, else 60 values spanning
        the spectrum and every chosen λ.
    data_source : str, optional
        Where the data came from (shown in the summary).
    warnings : sequence of str, optional
        Warnings raised while the model was fitted (e.g. the grid-edge warning), shown in
        their own section; a choice on an end of the grid is detected here too.
    x_mean, x_scale : array-like of shape (p,), optional
        When ``X`` was already standardized as ``(X_orig - x_mean) / x_scale`` (and the
        model fitted on it), the coefficients on the original scale are shown too.
    figures : sequence of (Figure, str), optional
        Further figures with their captions, in a section "Further figures" at the end
        (the demo's ridge / lasso / elastic-net comparison).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        Shapes disagree, y has several targets, X is not numeric or not finite, a λ is
        negative or not finite.
    TypeError
        ``model_or_results`` is neither a fitted linear model nor a selection.
    """
    from ridgekit._report_families import family_of
    from ridgekit.io._atomic import atomic_write

    family = family_of(model_or_results)
    if family != "ridge":
        sections = _family_sections(family, model_or_results, X, y, feature_names,
                                    sample_weight, target_name, data_source, x_mean, x_scale)
    else:
        sections = _ridge_sections(model_or_results, X, y, feature_names, rules, selection,
                                   sample_weight, alphas, target_name, data_source, warnings,
                                   x_mean, x_scale)
    if figures:
        from ridgekit._report_parts import figure_html

        sections.append("\n".join(["<h2>Further figures</h2>",
                                    *(figure_html(f, c) for f, c in figures)]))
    created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    document = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_e(title)}</h1>\n<p class=\"note\">Generated by ridgekit "
        f"{_e(_version())} on {created}. Self-contained: no external resources.</p>\n"
        + "\n".join(sections) + "\n</body>\n</html>\n"
    )
    with atomic_write(path, "w") as handle:
        handle.write(document)
    return Path(path)


def _family_sections(family, model, X, y, feature_names, sample_weight, target_name,
                     data_source, x_mean, x_scale) -> list[str]:
    from ridgekit._report_families import FamilyFit, family_sections

    fit = FamilyFit.read(model, family, x_mean, x_scale)
    X = _dense_2d(X)
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y has shape {y.shape}; expected ({X.shape[0]},)")
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    names = feature_names if feature_names is not None else (
        getattr(model, "feature_names", None) or getattr(model, "feature_names_in_", None))
    names = [f"x{j}" for j in range(X.shape[1])] if names is None else [str(n) for n in names]
    if len(names) != X.shape[1]:
        raise ValueError(f"{len(names)} feature names for {X.shape[1]} features")
    return family_sections(fit, X, y, names, w, target_name, data_source)


def _ridge_sections(model_or_results, X, y, feature_names, rules, selection, sample_weight,
                    alphas, target_name, data_source, warnings, x_mean, x_scale) -> list[str]:
    from ridgekit._report_parts import (
        coef_section,
        every_rule,
        fit_section,
        warnings_section,
    )

    ctx = _Context.build(model_or_results, X, y, feature_names, rules, selection,
                         sample_weight, alphas)
    ctx.given_scale = (None if x_scale is None else np.asarray(x_scale, float),
                       None if x_mean is None else np.asarray(x_mean, float))
    if not ctx.rules:
        ctx.rules = every_rule(ctx)
    sections = [
        _summary_section(ctx, target_name, data_source),
        fit_section(ctx),
        warnings_section(ctx, warnings),
        _rules_section(ctx),
        _model_section(ctx),
        coef_section(ctx),
        _conditioning_section(ctx),
        _figures_section(ctx),
    ]
    return sections


# ============================================================================ context
class _Context:
    """Everything the sections need, computed once from one decomposition."""

    @classmethod
    def build(cls, model, X, y, feature_names, rules, selection, sample_weight, alphas):
        from ridgekit.linear_model import RidgePath, ridge_path

        self = cls()
        X = _dense_2d(X)
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(f"the report covers one target; y has shape {y.shape}")
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}")
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinite values")
        self.X, self.y, self.n, self.p = X, y, X.shape[0], X.shape[1]
        self.w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if self.w is not None and self.w.shape != (self.n,):
            raise ValueError(f"sample_weight has shape {self.w.shape}; expected ({self.n},)")

        self._read_model(model, selection)
        if feature_names is None:
            feature_names = self.model_names
        self.names = ([str(f) for f in feature_names] if feature_names is not None
                      else [f"x{j}" for j in range(self.p)])
        if len(self.names) != self.p:
            raise ValueError(f"{len(self.names)} feature names for {self.p} features")
        self.rules = {str(k): _check_alpha(v, f"rules[{k!r}]") for k, v in (rules or {}).items()}

        Xs = X
        if self.x_mean is not None:
            Xs = Xs - self.x_mean
        if self.x_scale is not None:
            Xs = Xs / self.x_scale
        self.Xs = Xs
        grid = self._grid(alphas, Xs)
        full = ridge_path(Xs, y, np.r_[0.0, grid], sample_weight=self.w,
                          fit_intercept=self.fit_intercept)
        self.spectrum = full.spectrum
        self.path = RidgePath(self.spectrum, grid, True)
        self.ols = self.spectrum.coef(0.0)[0]
        if self.coef is None:  # a selection alone: ridge at its λ
            self.coef = self.spectrum.coef(self.alpha)[0]
            self.intercept = float(self.spectrum.intercept(self.coef[None, :])[0])
        return self

    def _read_model(self, model, selection) -> None:
        from ridgekit._report_parts import with_refined
        from ridgekit.io.model_files import LoadedModel, _alpha_of, _unwrap

        self.metadata = model.metadata if isinstance(model, LoadedModel) else None
        is_selection = hasattr(model, "criterion") and hasattr(model, "alphas") and \
            not hasattr(model, "coef_")
        if is_selection:
            self.selection = model if selection is None else selection
            self.alpha = _check_alpha(np.asarray(model.alpha).ravel()[0], "selection.alpha")
            self.coef = self.intercept = None
            self.x_mean = self.x_scale = None
            self.fit_intercept = True
            self.model_names = None
            self.model_label = f"ridge at the {model.criterion} choice"
            return
        if not hasattr(model, "coef_") and not hasattr(model, "steps"):
            raise TypeError(f"write_report needs a fitted linear model or a Selection; got "
                            f"{type(model).__name__}")
        est, self.x_mean, self.x_scale, _steps = _unwrap(model)
        coef = np.asarray(getattr(est, "coef_", None), dtype=float)
        if coef.ndim == 2 and coef.shape[0] == 1:
            coef = coef[0]
        if coef.ndim != 1 or coef.shape[0] != self.p:
            raise ValueError(f"the model's coef_ has shape {np.shape(est.coef_)}; the report "
                             f"covers one target with {self.p} features")
        self.coef = coef
        self.intercept = float(np.asarray(getattr(est, "intercept_", 0.0)).ravel()[0])
        self.selection = selection
        if self.selection is None:
            self.selection = (model.selection if isinstance(model, LoadedModel)
                              else getattr(est, "selection_", None))
        self.selection = with_refined(self.selection)
        alpha = _alpha_of(est, self.selection)
        if alpha is None and self.metadata is not None:
            alpha = self.metadata.get("alpha")
        self.alpha = None if alpha is None else float(np.asarray(alpha).ravel()[0])
        params = est.get_params() if hasattr(est, "get_params") else {}
        if self.metadata is not None:
            params = self.metadata.get("estimator", {}).get("params", {})
        self.fit_intercept = bool(params.get("fit_intercept", True))
        names = getattr(model, "feature_names_in_", None)
        if names is None:
            names = getattr(model, "feature_names", None)
        self.model_names = None if names is None else list(names)
        cls_name = (self.metadata["estimator"]["class"] if self.metadata
                    else type(est).__name__)
        self.model_label = cls_name + (" (standardized features)"
                                       if self.x_scale is not None else "")

    def _grid(self, alphas, Xs) -> np.ndarray:
        if alphas is not None:
            grid = np.asarray(alphas, dtype=float).ravel()
        elif self.selection is not None:
            grid = np.asarray(self.selection.alphas, dtype=float).ravel()
        else:
            grid = np.empty(0)
        grid = grid[np.isfinite(grid) & (grid > 0)]
        if grid.size < 2:
            centered = Xs - Xs.mean(axis=0)
            scale = max(float(np.einsum("ij,ij->", centered, centered)), 1e-300)
            chosen = [a for a in [self.alpha, *self.rules.values()] if a]
            lo = min([scale * 1e-7, *(a / 30 for a in chosen)])
            hi = max([scale * 10, *(a * 30 for a in chosen)])
            grid = np.geomspace(lo, hi, 60)
        return np.unique(grid)

    # small helpers
    def df(self, alpha: float) -> float:
        """Effective df, intercept not counted (ridgekit's one convention)."""
        from ridgekit.select import degrees_of_freedom

        return float(degrees_of_freedom(self.spectrum, [alpha])[0])

    def fitted(self) -> np.ndarray:
        """Fitted values of the model on the (model-scale) training X."""
        return self.Xs @ self.coef + self.intercept

    def cond(self, alpha: float) -> float:
        return float(self.spectrum.condition_number([alpha])[0])

    def rmse(self, alpha: float) -> float:
        return float(np.sqrt(self.spectrum.rss([alpha])[0, 0] / self.spectrum.weight))

    def shrink(self, alpha: float) -> float:
        ols = float(np.linalg.norm(self.ols))
        return float(np.linalg.norm(self.spectrum.coef(alpha)[0]) / ols) if ols else np.nan


# =========================================================================== sections
def _summary_section(ctx: _Context, target_name: str, data_source) -> str:
    rows = [("rows (n)", f"{ctx.n:,}"), ("features (p)", f"{ctx.p:,}"),
            ("target", _e(target_name))]
    if data_source:
        rows.append(("source", _e(str(data_source))))
    if ctx.w is not None:
        rows.append(("sample weights", f"sum {ctx.w.sum():.6g}, min {ctx.w.min():.3g}, "
                                       f"max {ctx.w.max():.3g}"))
    rows.append(("intercept fitted", "yes" if ctx.fit_intercept else "no"))
    if ctx.x_scale is not None or ctx.x_mean is not None:
        rows.append(("preprocessing", "standardization (X − mean) / scale before the model"))
    head = _kv(rows)
    stats = _column_stats(ctx.X, ctx.w)
    y_stats = _column_stats(ctx.y[:, None], ctx.w)[0]
    body = [_stat_row(_e(target_name) + " (target)", y_stats)]
    shown = min(ctx.p, _MAX_FEATURE_ROWS)
    body += [_stat_row(_e(ctx.names[j]), stats[j]) for j in range(shown)]
    note = (f'<p class="note">First {shown} of {ctx.p} features shown.</p>'
            if shown < ctx.p else "")
    table = ("<table><tr><th class=\"name\">column</th><th>mean</th><th>std</th><th>min</th>"
             "<th>max</th></tr>" + "".join(body) + "</table>")
    return f"<h2>Data</h2>\n{head}\n{table}\n{note}"


def _rules_section(ctx: _Context) -> str:
    entries = dict(ctx.rules)
    if ctx.alpha is not None and not any(np.isclose(ctx.alpha, a) for a in entries.values()):
        entries = {"model": ctx.alpha, **entries}
    if not entries:
        return "<h2>Choice of λ</h2>\n<p>No λ was given.</p>"
    rows = []
    for name, a in entries.items():
        chosen = ctx.alpha is not None and np.isclose(a, ctx.alpha)
        css = ' class="chosen"' if chosen else ""
        rows.append(
            f"<tr{css}><td class=\"name\">{_e(name)}</td>"
            f"<td>{a:.6g}</td><td>{ctx.df(a):.3f}</td><td>{_fmt_cond(ctx.cond(a))}</td>"
            f"<td>{ctx.rmse(a):.5g}</td><td>{ctx.shrink(a):.3f}</td></tr>")
    return ("<h2>Choice of λ</h2>\n<table><tr><th class=\"name\">rule</th><th>λ (alpha)</th>"
            "<th>effective df</th><th>κ(XᵀX + λI)</th><th>training RMSE</th>"
            "<th>‖β(λ)‖ / ‖β<sub>LS</sub>‖</th></tr>" + "".join(rows) + "</table>\n"
            '<p class="note">The highlighted row is the λ of the model. df = Σ μ_j/(μ_j + λ), '
            "the intercept not counted (as ESL, MASS and glmnet; the command prints the same "
            "df); RMSE is (weighted) on the training data." + _refined_note(ctx) + "</p>")


def _refined_note(ctx: _Context) -> str:
    from ridgekit._report_parts import GRID_MIN_LABEL

    sel = ctx.selection
    if sel is None or not getattr(sel, "refined", False):
        return ""
    return (f" {_e(sel.criterion)} min is the minimizer of the criterion between the grid "
            f"points next to the grid's minimum (the model's λ); “{GRID_MIN_LABEL}” is that "
            "grid minimum itself.")


def _model_section(ctx: _Context) -> str:
    rows = [("estimator", _e(ctx.model_label))]
    if ctx.alpha is not None:
        rows += [("λ (alpha)", f"{ctx.alpha:.6g}"),
                 ("effective degrees of freedom (intercept not counted)",
                  f"{ctx.df(ctx.alpha):.4f}")]
    sel = ctx.selection
    if sel is not None:
        rows.append(("chosen by", f"{_e(str(sel.criterion))}, rule {_e(str(sel.rule))}"))
        if getattr(sel, "alpha_min", None) is not None:
            rows.append(("λ_min", f"{float(np.ravel(sel.alpha_min)[0]):.6g}"))
        if getattr(sel, "alpha_1se", None) is not None:
            rows.append(("λ_1se", f"{float(np.ravel(sel.alpha_1se)[0]):.6g}"))
    rows.append(("intercept", f"{ctx.intercept:.6g}"))
    if ctx.metadata is not None:
        rows.append(("model file", f"schema {ctx.metadata.get('schema_version')}, written "
                                   f"{_e(str(ctx.metadata.get('created')))}"))
    return "<h2>Model</h2>\n" + _kv(rows)


def _conditioning_section(ctx: _Context) -> str:
    d = ctx.spectrum.d
    full_rank = ctx.spectrum.rank == ctx.p
    kappa_x = float(d[0] / d[-1]) if full_rank and d.size else np.inf
    rows = [("rank of the centered design", f"{ctx.spectrum.rank} of {ctx.p}"),
            ("κ(X) (centered)", _fmt_cond(kappa_x)),
            ("κ(XᵀX)", _fmt_cond(ctx.cond(0.0)))]
    if ctx.alpha is not None:
        rows.append((f"κ(XᵀX + λI) at λ = {ctx.alpha:.4g}", _fmt_cond(ctx.cond(ctx.alpha))))
    rows.append(("decomposition", _e(ctx.spectrum.representation)))
    return "<h2>Conditioning</h2>\n" + _kv(rows)


def _figures_section(ctx: _Context) -> str:
    from ridgekit import plot

    marks = {}
    if ctx.alpha is not None:
        marks["model λ"] = ctx.alpha
    for name, a in ctx.rules.items():
        if len(marks) < 4 and not any(np.isclose(a, v) for v in marks.values()):
            marks[name] = a
    figures = []
    sel = ctx.selection
    if sel is not None:
        extra = getattr(sel, "extra", None) or {}
        if "log_rss" in extra or "rss" in extra:
            figures.append((plot.l_curve(sel), "The L-curve and its corner."))
        elif getattr(sel, "mean", None) is not None:
            figures.append((plot.cv_curve(sel),
                            f"{sel.criterion} criterion over λ (thin bars: ± 1 standard "
                            "error) with λ_min and λ_1se marked."))
    figures.append((plot.ridge_trace(ctx.path, feature_names=ctx.names, mark=marks),
                    "Ridge trace: coefficients against λ (left) and against effective df "
                    "(right, intercept not counted); the largest are named at the right."))
    fitted = ctx.fitted()
    figures.append((plot.residual_plot(fitted, ctx.y - fitted),
                    "Training residuals against fitted values, with a running median: "
                    "curvature or a funnel shape point at a missing term or a transform."))
    ff_alphas = sorted({*marks.values()} or {float(np.median(ctx.path.alphas))})
    figures.append((plot.filter_factors(ctx.spectrum, ff_alphas),
                    "Filter factors μ_j/(μ_j + λ) at the chosen λ values."))
    from ridgekit._report_parts import figure_html

    return "\n".join(["<h2>Figures</h2>", *(figure_html(f, c) for f, c in figures)])


# ============================================================================ helpers
def _fmt(value: float, spec: str) -> str:
    return "—" if not np.isfinite(value) else format(value, spec)


def _fmt_cond(value: float) -> str:
    return "∞ (singular)" if not np.isfinite(value) else f"{value:.4g}"


def _column_stats(A: np.ndarray, w) -> np.ndarray:
    if w is None:
        mean = A.mean(axis=0)
        std = A.std(axis=0, ddof=1) if A.shape[0] > 1 else np.zeros(A.shape[1])
    else:
        mean = (w @ A) / w.sum()
        std = np.sqrt((w @ (A - mean) ** 2) / w.sum())
    return np.column_stack([mean, std, A.min(axis=0), A.max(axis=0)])


def _stat_row(name: str, s) -> str:
    return (f"<tr><td class=\"name\">{name}</td>" + "".join(f"<td>{v:.5g}</td>" for v in s)
            + "</tr>")


def _dense_2d(X) -> np.ndarray:
    if hasattr(X, "toarray"):
        X = X.toarray()
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("X must be numeric") from None
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"X must be 2-D with at least 2 rows and 1 column; got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    return X


def _check_alpha(value, name: str) -> float:
    try:
        a = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(a) or a < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return a


def _version() -> str:
    try:
        from ridgekit import __version__

        return __version__
    except ImportError:  # pragma: no cover
        return "unknown"
