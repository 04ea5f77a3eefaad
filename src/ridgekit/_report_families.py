"""Sections of the HTML report (:mod:`ridgekit.report`) for the families beside ridge.

* elastic net / lasso: fit quality, the selected features (nonzero coefficients on both
  scales), the coefficient paths against log λ with the nonzeros on top and both CV
  choices marked (:func:`ridgekit.plot.enet_trace`), the CV curve
  (:func:`ridgekit.plot.enet_cv_curve`);
* logistic / multinomial: accuracy and deviance on the training data, the confusion
  matrix as a table, the coefficients per class, the CV curve
  (:func:`ridgekit.plot.classifier_cv_curve`), the coefficient path, a calibration plot
  and the confusion matrix figure.

Each function takes a :class:`FamilyFit` (what the model file or estimator says) and the
training data, and returns HTML fragments; the frame of the page is ``report.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from ridgekit._report_parts import _MAX_ROWS, _e, _g, _kv

__all__ = ["FamilyFit", "family_of", "family_sections"]

#: a multinomial report draws a path and a calibration plot for at most this many classes
_MAX_CLASS_FIGURES = 10


def family_of(model) -> str:
    """``"ridge"``, ``"enet"`` or ``"classifier"`` for an estimator or a LoadedModel."""
    meta = getattr(model, "metadata", None)
    if isinstance(meta, dict) and hasattr(model, "estimator"):
        if meta.get("family") == "classifier":
            return "classifier"
        return "enet" if meta.get("l1_ratio") is not None else "ridge"
    if hasattr(model, "classes_") and hasattr(model, "predict_proba"):
        return "classifier"
    return "enet" if getattr(model, "l1_ratio_", None) is not None else "ridge"


def per_ratio_minima(model) -> list[tuple[float, float]]:
    """(l1_ratio, k-fold CV MSE minimum) of each candidate of an ``ElasticNetCV`` given a
    list of l1 ratios (what the minima of scikit-learn's ``mse_path_`` per ratio are, with
    the fold errors weighted by fold size), from the estimator's ``selections_`` or, for a
    model file, the list ``fit`` stored (``l1_ratio_cv_minima``); [] for one ratio."""
    meta = getattr(model, "metadata", None)
    if isinstance(meta, dict):
        stored = meta.get("user", {}).get("l1_ratio_cv_minima") or []
        return [(float(r), float(m)) for r, m in stored]
    per_ratio = getattr(model, "selections_", None) or []
    if len(per_ratio) < 2:
        return []
    ratios = np.atleast_1d(model.l1_ratio)
    return [(float(r), float(np.min(np.asarray(s.mean, float))))
            for r, s in zip(ratios, per_ratio, strict=True)]


@dataclass
class FamilyFit:
    """The parts of a fitted elastic-net or logistic model the report shows."""

    family: str
    label: str
    coef: np.ndarray
    intercept: np.ndarray
    alpha: float
    selection: object
    path: object
    x_mean: np.ndarray | None
    x_scale: np.ndarray | None
    l1_ratio: float | None = None
    classes: np.ndarray | None = None
    scoring: str | None = None
    model: object = None

    @classmethod
    def read(cls, model, family: str, x_mean=None, x_scale=None) -> FamilyFit:
        loaded = hasattr(model, "estimator") and isinstance(getattr(model, "metadata", None),
                                                            dict)
        meta = model.metadata if loaded else {}
        sel = model.selection if loaded else getattr(model, "selection_", None)
        path = model.path if loaded else getattr(model, "path_", None)
        label = meta.get("estimator", {}).get("class") if loaded else type(model).__name__
        scoring = (meta.get("user", {}).get("scoring") if loaded
                   else getattr(model, "scoring", None))
        alpha = float(np.ravel(model.alpha_)[0])
        mean = model.x_mean if loaded else x_mean
        scale = model.x_scale if loaded else x_scale
        return cls(family, str(label), np.asarray(model.coef_, float),
                   np.atleast_1d(np.asarray(model.intercept_, float)), alpha, sel, path,
                   None if mean is None else np.asarray(mean, float),
                   None if scale is None else np.asarray(scale, float),
                   getattr(model, "l1_ratio_", None),
                   np.asarray(model.classes_) if family == "classifier" else None,
                   scoring, model)

    def scaled(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if self.x_mean is not None:
            X = X - self.x_mean
        if self.x_scale is not None:
            X = X / self.x_scale
        return X


def family_sections(fit: FamilyFit, X, y, names, w, target_name, data_source) -> list[str]:
    """The report's sections for an elastic-net or classifier fit."""
    from ridgekit._report_parts import warnings_section

    out = [_summary(fit, X, y, names, w, target_name, data_source), _model_rows(fit)]
    if fit.family == "enet":
        out += [_enet_fit(fit, X, y, w), _selected_features(fit, names)]
    else:
        out += [_classifier_fit(fit, X, y, w), _class_coefficients(fit, names)]
    out.append(warnings_section(SimpleNamespace(selection=fit.selection), None))
    out.append(_figures(fit, X, y, names))
    return [s for s in out if s]


def _summary(fit, X, y, names, w, target_name, data_source) -> str:
    rows = [("rows (n)", f"{X.shape[0]:,}"), ("features (p)", f"{X.shape[1]:,}"),
            ("target", _e(target_name))]
    if fit.family == "classifier":
        labels, counts = np.unique(np.asarray(y), return_counts=True)
        rows.append(("classes (rows)", ", ".join(f"{_e(c)} ({n:,})"
                                                 for c, n in zip(labels, counts, strict=True))))
    if data_source:
        rows.append(("source", _e(data_source)))
    if w is not None:
        rows.append(("sample weights", f"sum {np.sum(w):.6g}"))
    if fit.x_scale is not None:
        rows.append(("preprocessing", "standardization (X − mean) / sd before the model"))
    return "<h2>Data</h2>\n" + _kv(rows)


def _model_rows(fit) -> str:
    rows = [("estimator", _e(fit.label)), ("λ (alpha)", _g(fit.alpha, 6))]
    if fit.family == "enet":
        rows.append(("l1_ratio", _g(fit.l1_ratio) + (" (lasso)" if fit.l1_ratio == 1 else "")))
        minima = per_ratio_minima(fit.model)
        if minima:
            rows.append(("k-fold CV MSE minimum per l1_ratio (candidates)", ", ".join(
                f"{_g(r)}: {_g(m, 6)}" + (" (chosen)" if np.isclose(r, fit.l1_ratio) else "")
                for r, m in minima)))
        rows.append(("objective", "(1/2n)‖y − Xβ − β₀‖² + α·l1_ratio·‖β‖₁ + "
                                  "(α/2)(1 − l1_ratio)‖β‖² (scikit-learn's)"))
    else:
        rows.append(("C = 1/α (scikit-learn)", _g(1.0 / fit.alpha, 6)))
        rows.append(("objective", "Σ wᵢ·log-loss(i) + (α/2)‖β‖², intercepts free"))
    sel = fit.selection
    if sel is not None:
        rows.append(("chosen by", f"{_e(sel.criterion)}, rule {_e(sel.rule)}"))
        rows.append(("λ_min", _g(float(np.ravel(sel.alpha_min)[0]), 6)))
        if getattr(sel, "alpha_1se", None) is not None:
            rows.append(("λ_1se", _g(float(np.ravel(sel.alpha_1se)[0]), 6)))
    return "<h2>Model</h2>\n" + _kv(rows)


def _cv_at_alpha(fit) -> tuple[float, float] | None:
    sel = fit.selection
    if sel is None or getattr(sel, "mean", None) is None:
        return None
    mean = np.asarray(sel.mean, float).reshape(np.size(sel.alphas), -1)[:, 0]
    i = int(np.argmin(np.abs(np.asarray(sel.alphas, float) - fit.alpha)))
    return float(mean[i]), float(mean.min())


def _enet_fit(fit, X, y, w) -> str:
    y = np.asarray(y, float)
    ww = np.ones_like(y) if w is None else np.asarray(w, float)
    fitted = fit.scaled(X) @ np.ravel(fit.coef) + float(fit.intercept[0])
    ybar = float(ww @ y / ww.sum())
    rss, tss = float(ww @ (y - fitted) ** 2), float(ww @ (y - ybar) ** 2)
    rows = [("R² (training)", _g(1 - rss / tss if tss > 0 else np.nan)),
            ("RMSE (training)", _g(np.sqrt(rss / ww.sum()))),
            ("nonzero coefficients", f"{np.count_nonzero(fit.coef)} of {np.size(fit.coef)}")]
    cv = _cv_at_alpha(fit)
    if cv is not None:
        rows += [("RMSE by k-fold CV at the model's λ", _g(np.sqrt(cv[0]))),
                 ("RMSE by k-fold CV, minimum over the grid", _g(np.sqrt(cv[1])))]
    return "<h2>Fit</h2>\n" + _kv(rows)


def _selected_features(fit, names) -> str:
    coef = np.ravel(fit.coef)
    keep = np.flatnonzero(coef)
    keep = keep[np.argsort(-np.abs(coef[keep]))]
    two = fit.x_scale is not None
    head = ('<tr><th class="name">feature</th>'
            + ("<th>β, standardized X</th><th>β, original X</th>" if two
               else "<th>β (original X)</th>") + "</tr>")
    rows = []
    for j in keep[:_MAX_ROWS]:
        cells = f"<td>{_g(coef[j])}</td>" + (f"<td>{_g(coef[j] / fit.x_scale[j])}</td>"
                                            if two else "")
        rows.append(f'<tr><td class="name">{_e(names[j])}</td>{cells}</tr>')
    dropped = [names[j] for j in np.flatnonzero(coef == 0)]
    note = (f"{keep.size} of {coef.size} features have a nonzero coefficient, sorted by |β|"
            + (f" (largest {_MAX_ROWS} shown)" if keep.size > _MAX_ROWS else "") + ".")
    if dropped:
        shown = ", ".join(_e(n) for n in dropped[:30])
        note += f" Coefficient 0: {shown}" + (" …" if len(dropped) > 30 else "") + "."
    return ("<h2>Selected features</h2>\n<table>" + head + "".join(rows) + "</table>\n"
            f'<p class="note">{note}</p>')


def _probabilities(fit, X) -> np.ndarray:
    return np.asarray(fit.model.predict_proba(X if hasattr(fit.model, "metadata")
                                              else fit.scaled(X)))


def _predictions(fit, X, y):
    from ridgekit.plot import Predictions

    return Predictions(np.asarray(y), _probabilities(fit, X), fit.classes)


def _classifier_fit(fit, X, y, w) -> str:
    pred = _predictions(fit, X, y)
    hit = pred.predicted == pred.y_true
    ww = np.ones(hit.size) if w is None else np.asarray(w, float)
    idx = np.array([np.flatnonzero(fit.classes == v)[0] for v in pred.y_true])
    p_true = np.clip(pred.proba[np.arange(idx.size), idx], 1e-300, 1.0)
    rows = [("accuracy (training)", _g(float(ww @ hit / ww.sum()))),
            ("deviance (training) 2 Σ wᵢ·log-loss(i)", _g(float(-2 * ww @ np.log(p_true))))]
    cv = _cv_at_alpha(fit)
    if cv is not None:
        from ridgekit.plot.classification import criterion_label

        what = criterion_label(fit.selection.extra.get("scoring", fit.scoring))
        rows.append((f"{fit.selection.criterion} {what} at the model's λ / minimum",
                     f"{_g(cv[0])} / {_g(cv[1])}"))
    C = pred.confusion()
    labels = [_e(c) for c in fit.classes]
    head = "<tr><th class=\"name\">true \\ predicted</th>" + "".join(
        f"<th>{c}</th>" for c in labels) + "</tr>"
    body = "".join(f'<tr><td class="name">{labels[i]}</td>'
                   + "".join(f"<td>{int(v)}</td>" for v in C[i]) + "</tr>"
                   for i in range(C.shape[0]))
    return ("<h2>Fit</h2>\n" + _kv(rows) + "\n<h2>Confusion matrix</h2>\n<table>" + head
            + body + "</table>\n<p class=\"note\">Training rows; rows are the true class, "
            "columns the most probable class.</p>")


def _class_coefficients(fit, names) -> str:
    coef = np.atleast_2d(fit.coef)
    classes = [str(c) for c in fit.classes]
    cols = [f"log-odds of {classes[1]!r}"] if coef.shape[0] == 1 else classes
    order = np.argsort(-np.abs(coef).max(axis=0))[:_MAX_ROWS]
    head = ('<tr><th class="name">feature</th>' + "".join(f"<th>{_e(c)}</th>" for c in cols)
            + "</tr>")
    rows = [f'<tr><td class="name">{_e(names[j])}</td>'
            + "".join(f"<td>{_g(v)}</td>" for v in coef[:, j]) + "</tr>" for j in order]
    rows.append('<tr><td class="name">(intercept)</td>'
                + "".join(f"<td>{_g(v)}</td>" for v in fit.intercept) + "</tr>")
    scale = " on the standardized features" if fit.x_scale is not None else ""
    return ("<h2>Coefficients</h2>\n<table>" + head + "".join(rows) + "</table>\n"
            f'<p class="note">Coefficients{scale}, sorted by the largest |β| over classes.</p>')


def _figures(fit, X, y, names) -> str:
    from ridgekit import plot

    figures = []
    if fit.family == "enet":
        if fit.path is not None:
            figures.append((plot.enet_trace(fit.path, fit.selection, feature_names=names),
                            "Coefficient paths against log λ (largest λ on the left); the "
                            "number of nonzero coefficients along the top; λ_min and λ_1se "
                            "of k-fold CV marked."))
        if fit.selection is not None:
            figures.append((plot.enet_cv_curve(fit.selection, fit.path),
                            "k-fold CV mean squared error against log λ, ± 1 standard "
                            "error, with λ_min and λ_1se."))
    else:
        if fit.selection is not None:
            holder = SimpleNamespace(selection_=fit.selection, scoring=fit.scoring,
                                     classes_=fit.classes, path_=fit.path,
                                     l1_ratio_=fit.l1_ratio)
            figures.append((plot.classifier_cv_curve(holder),
                            f"{fit.selection.criterion} criterion over λ (± 1 standard "
                            "error), λ_min and λ_1se marked."))
        pred = _predictions(fit, X, y)
        # multinomial: every class's path and calibration (one figure each), up to a cap
        many = len(pred.classes) > 2
        shown = list(range(min(len(pred.classes), _MAX_CLASS_FIGURES))) if many else [None]
        if many and len(pred.classes) > _MAX_CLASS_FIGURES:
            figures_note = (f" (the first {_MAX_CLASS_FIGURES} of {len(pred.classes)} "
                            "classes shown)")
        else:
            figures_note = ""
        for k in shown:
            of = "" if k is None else f" of class '{pred.classes[k]}'{figures_note}"
            if fit.path is not None:
                figures.append((plot.coefficient_path(fit.path, feature_names=names,
                                                      cls=0 if k is None else k),
                                "Coefficient path against λ and effective degrees of "
                                f"freedom{of}."))
        for k in shown:
            of = "" if k is None else f" of class '{pred.classes[k]}'{figures_note}"
            figures.append((plot.calibration_plot(
                pred, cls=None if k is None else pred.classes[k]),
                f"Calibration on the training rows{of}: observed fraction against mean "
                "predicted probability (bin counts beside the points)."))
        figures.append((plot.confusion_matrix_plot(pred),
                        "Confusion matrix on the training rows."))
    from ridgekit._report_parts import figure_html

    return "\n".join(["<h2>Figures</h2>", *(figure_html(f, c) for f, c in figures)])
