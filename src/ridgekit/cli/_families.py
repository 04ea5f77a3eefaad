"""The model families of ``ridgekit fit`` beside ridge: the elastic net / lasso and the
L2-penalized logistic (binomial) and multinomial classifiers.

A family is one entry of :data:`ridgekit.cli._pipeline.FAMILIES`:

* ``from_folds(folds, req)`` -- a model from per-fold moments (the streamed k-fold pass);
* ``from_moments(total, req, rows)`` -- a model from the moments of all rows (closed-form
  rules; the elastic net has none and says so);
* ``fit_rows(req, X, y, w, cv)`` -- a model from rows in memory (sparse svmlight data);
* ``needs_rows`` / ``run(req)`` -- a family that reads the rows itself (logistic: Newton
  needs the rows, not only moments, so the file is read into memory);
* ``print_fit(outcome)`` -- the summary the command prints.
"""

from __future__ import annotations

import numpy as np

from ridgekit.cli._common import UsageProblem, echo, num, phase, reading, table

__all__ = ["EnetFamily", "LogisticFamily", "parse_l1_ratio", "SCORINGS"]

#: --scoring values -> LogisticRidgeCV's scoring
SCORINGS = {"deviance": None, "log-loss": "log_loss", "accuracy": "accuracy",
            "roc-auc": "roc_auc"}


def parse_l1_ratio(text: str | None) -> list[float] | None:
    """``--l1-ratio``: one value in [0, 1] or a list (``0.1,0.5,1``) chosen jointly with α."""
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageProblem(f"--l1-ratio {text!r}: give a number in [0, 1] or a list like "
                           "0.1,0.5,1") from None
    if not values:
        raise UsageProblem(f"--l1-ratio {text!r}: give a number in [0, 1]")
    bad = [v for v in values if not (0.0 <= v <= 1.0)]
    if bad:
        raise UsageProblem(f"--l1-ratio {num(bad[0])}: l1_ratio must lie in [0, 1] (1 = lasso, "
                           "0 = pure L2)")
    return values


def _grid(req):
    return req.alphas if req.alphas is not None else (req.n_alphas or 100)


# ------------------------------------------------------------------ elastic net
class EnetFamily:
    """Elastic net and lasso (``--l1-ratio``): exact k-fold from the per-fold moments, every
    fold's path on its own Gram (memory O(p²) per fold, any number of rows)."""

    name = "enet"
    needs_rows = False

    def estimator(self, req, cv=None):
        from ridgekit.linear_model import ElasticNetCV

        ratios = req.l1_ratio or [0.5]
        return ElasticNetCV(l1_ratio=ratios[0] if len(ratios) == 1 else ratios,
                            alphas=_grid(req), cv=cv, rule=req.rule)

    def from_folds(self, folds, req):
        with phase("elastic-net paths over the folds"):
            return self.estimator(req).fit_moments(folds)

    def from_moments(self, total, req, rows=None):
        kfold_only(req)

    def fit_rows(self, req, X, y, w, cv):
        if isinstance(cv, str):
            self.from_moments(None, req)
        with phase("elastic-net paths over the folds"):
            return self.estimator(req, cv).fit(X, y, w)

    def print_fit(self, outcome) -> None:
        model = outcome.model
        sel = model.selection_
        coef = np.ravel(model.coef_)
        keep = np.flatnonzero(coef)
        kind = ("lasso" if model.l1_ratio_ == 1
                else f"elastic net (l1_ratio = {num(model.l1_ratio_)})")
        title = (f"{kind}: alpha = {num(model.alpha_)}, {keep.size} of {coef.size} features "
                 f"selected ({sel.criterion}, rule {sel.rule}; {outcome.n_rows:,} rows)")
        header, rows = _coef_rows(outcome, coef, keep, float(np.ravel(model.intercept_)[0]))
        table(title, header, rows)
        best = float(np.min(np.asarray(sel.mean, float)))
        echo(f"k-fold CV MSE at the minimum: {num(best)} (RMSE {num(np.sqrt(best))})"
             + (f"; {outcome.folds_used}" if outcome.folds_used else ""))
        print_per_ratio(model)
        if keep.size < coef.size:
            echo(f"({coef.size - keep.size} features with coefficient 0 not shown)")


def print_per_ratio(model, what: str = "k-fold CV MSE") -> None:
    """How close the other candidate l1 ratios came: their CV minima (of ``what``) on one
    line."""
    from ridgekit._report_families import per_ratio_minima

    minima = per_ratio_minima(model)
    if minima:
        echo(f"{what} minimum per l1_ratio: "
             + ", ".join(f"{num(r)}: {num(m)}" for r, m in minima))


def _coef_rows(outcome, coef, keep, intercept):
    """Rows of a coefficient table (standardized and original scale when standardized)."""
    names = outcome.feature_names
    if outcome.x_scale is not None:
        orig = coef / outcome.x_scale
        b0 = intercept - float(orig @ outcome.x_mean)
        header = ["feature", "coef (standardized X)", "coef (original X)"]
        rows = [[str(names[j]), num(coef[j]), num(orig[j])] for j in keep]
        rows.append(["(intercept)", num(intercept), num(b0)])
        return header, rows
    header = ["feature", "coef (original X)"]
    rows = [[str(names[j]), num(coef[j])] for j in keep]
    rows.append(["(intercept)", num(intercept)])
    return header, rows


# ----------------------------------------------------------------------- logistic
class LogisticFamily:
    """L2-penalized logistic (``binomial``) or softmax (``multinomial``) regression over a
    whole λ path, chosen by stratified k-fold, approximate or exact leave-one-out; with
    ``--l1-ratio`` > 0 the elastic-net penalty, α (and a list of ratios) chosen by
    stratified k-fold along proximal-Newton paths."""

    needs_rows = True

    def __init__(self, name: str):
        self.name = name

    def run(self, req):
        from ridgekit.cli._pipeline import FitOutcome
        from ridgekit.io.labels import read_labelled
        from ridgekit.linear_model import LogisticRidgeCV

        ratios = [r for r in (req.l1_ratio or []) if r > 0]
        if ratios and len(ratios) < len(req.l1_ratio):
            raise UsageProblem(f"--l1-ratio {','.join(num(r) for r in req.l1_ratio)}: with "
                               f"--family {self.name} a list of ratios must lie in (0, 1]; "
                               "give 0 alone for pure L2")
        if ratios and req.cv.kind != "kfold":
            kfold_only(req)
        cv, used = self._cv(req)
        with reading("reading") as bar:
            data = read_labelled(req.data, req.target, req.features, req.weight,
                                 format=req.format, progress=bar, index_col=req.index_col)
        classes = np.unique(data.y)
        if classes.dtype.kind == "f" and not np.all(classes == np.round(classes)):
            raise UsageProblem(f"label column {data.target_name!r} looks continuous "
                               f"({classes.size:,} distinct values, not all whole numbers): "
                               f"--family {self.name} needs class labels; drop --family for "
                               "regression")
        if classes.size < 2:
            raise UsageProblem(f"label column {data.target_name!r} holds one class only "
                               f"({classes[0]!r}); a classifier needs at least two")
        if self.name == "binomial" and classes.size > 2:
            raise UsageProblem(f"--family binomial needs two classes; label column "
                               f"{data.target_name!r} holds {classes.size} (use --family "
                               "multinomial)")
        X, mean, scale = data.X, None, None
        if req.standardize:
            X, mean, scale = standardize_rows(X)
        model = LogisticRidgeCV(alphas=req.alphas if req.alphas is not None else req.n_alphas,
                                cv=cv, rule=req.rule, scoring=SCORINGS[req.scoring],
                                l1_ratio=(ratios[0] if len(ratios) == 1 else ratios)
                                if ratios else 0.0)
        with phase("logistic elastic-net paths and cross-validation" if ratios else
                   "logistic path and cross-validation"):
            model.fit(X, data.y, data.sample_weight)
        return FitOutcome(model, data.feature_names, str(data.target_name), X.shape[0], mean,
                          scale, list(data.notes), used)

    def _cv(self, req):
        if req.folds_column is not None:
            raise UsageProblem(f"--folds-column is not available with --family {self.name}; "
                               "use --cv K, alo or loo")
        if req.cv.kind == "kfold":
            from sklearn.model_selection import StratifiedKFold

            return (StratifiedKFold(req.cv.folds, shuffle=True, random_state=req.seed),
                    f"{req.cv.folds} folds as StratifiedKFold(shuffle=True, random_state="
                    f"{req.seed})")
        if req.cv.kind == "loo" or req.cv.name == "alo":
            return req.cv.name, ""
        raise UsageProblem(f"--cv {req.cv.name}: with --family {self.name} use a number of "
                           "folds, alo (approximate leave-one-out) or loo")

    def print_fit(self, outcome) -> None:
        model = outcome.model
        sel = model.selection_
        classes = [str(c) for c in model.classes_]
        coef = np.atleast_2d(model.coef_)
        intercept = np.ravel(model.intercept_)
        enet = getattr(model, "l1_ratio_", None) is not None
        kind = f"elastic net, l1_ratio = {num(model.l1_ratio_)}, " if enet else ""
        title = (f"logistic ({self.name}, {kind}{len(classes)} classes): alpha = "
                 f"{num(model.alpha_)} (C = 1/alpha = {num(1.0 / model.alpha_)}; "
                 f"{sel.criterion}, rule {sel.rule}; {outcome.n_rows:,} rows)")
        if coef.shape[0] == 1:
            header = ["feature", f"coef (log-odds of {classes[1]!r})"]
        else:
            header = ["feature", *[f"coef {c!r}" for c in classes]]
        scale = outcome.x_scale
        if scale is not None:
            header[0] = "feature (standardized)"
        rows = [[str(n), *[num(c) for c in coef[:, j]]]
                for j, n in enumerate(outcome.feature_names)]
        rows.append(["(intercept)", *[num(b) for b in intercept]])
        table(title, header, rows)
        best = float(np.min(np.asarray(sel.mean, float)))
        label = {None: "deviance", "log_loss": "log-loss", "accuracy": "misclassification rate",
                 "roc_auc": "1 - AUC"}.get(model.scoring, str(model.scoring))
        echo(f"{sel.criterion} {label} at the minimum: {num(best)}"
             + (f"; {outcome.folds_used}" if outcome.folds_used else ""))
        if enet:
            from ridgekit._report_families import per_ratio_minima

            minima = per_ratio_minima(model)
            if minima:
                echo(f"k-fold {label} minimum per l1_ratio: " + ", ".join(
                    f"{num(r)}: {num(m)}" for r, m in minima))
            echo(f"{int(np.count_nonzero(coef))} of {coef.size} coefficients nonzero")


def standardize_rows(X):
    """(X - mean) / sd with the population sd (ddof = 0), sd 0 taken as 1."""
    if hasattr(X, "toarray"):
        raise UsageProblem("--standardize would densify a sparse (svmlight) X; drop it")
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    return (X - mean) / scale, mean, scale


def kfold_only(req) -> None:
    """Refuse a --cv that is not k-fold for the elastic net (no closed-form rule)."""
    raise UsageProblem(f"--cv {req.cv.name}: the elastic net chooses α by k-fold only; "
                       "use --cv K (e.g. --cv 10)")
