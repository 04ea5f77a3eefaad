"""``ridgekit predict``, ``path`` and ``report``: commands that read a model or a path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from ridgekit.cli._common import (
    FIGURE_SUFFIXES,
    UsageProblem,
    check_n_alphas,
    check_output,
    check_positive_alphas,
    echo,
    note,
    num,
    one_line_errors,
    parse_alphas,
    phase,
    reading,
    shown_warnings,
    split_names,
    table,
    warn,
    write_figure,
)

FORMAT_HELP = "Data format when the suffix does not tell: csv, tsv, parquet, npy, npz, svmlight."


def predict(
    model_file: Path = typer.Argument(..., metavar="MODEL", help="Model file from `fit`."),
    data: Path = typer.Argument(..., metavar="DATA",
                                help="Data file with the model's feature columns."),
    out: Path = typer.Option(..., "--out", "-o", metavar="CSV",
                             help="CSV file of predictions to write."),
    fmt: str = typer.Option(None, "--format", metavar="FORMAT", help=FORMAT_HELP),
) -> None:
    """Predict with a saved model; writes a CSV of predictions.

    A regression model writes a `prediction` column; a classifier (--family binomial or
    multinomial) writes `predicted_class` and one `proba_<class>` column per class (in
    the model's class order).

    Example:

      ridgekit predict model.npz new.csv --out predictions.csv
    """
    from ridgekit.io import load
    from ridgekit.io._atomic import atomic_write

    with one_line_errors():
        check_output(out, "predictions file")
        model = load(model_file)
        user = model.metadata.get("user", {})
        with reading("reading") as bar:
            X = read_features(data, model.feature_names, user.get("target"), bar, fmt,
                              user.get("index_col"), use_target=not model.is_classifier)
        if model.is_classifier:
            proba = np.asarray(model.predict_proba(X))
            with atomic_write(out, "w") as handle:
                write_classes(handle, model.classes_, proba)
            echo(f"{proba.shape[0]} predicted classes and probabilities written to {out}")
            return
        pred = np.asarray(model.predict(X))
        with atomic_write(out, "w") as handle:
            if pred.ndim == 1:
                handle.write("prediction\n")
                np.savetxt(handle, pred, fmt="%.17g")
            else:
                handle.write(",".join(f"prediction_{j}" for j in range(pred.shape[1])) + "\n")
                np.savetxt(handle, pred, fmt="%.17g", delimiter=",")
        echo(f"{pred.shape[0]} predictions written to {out}")


def write_classes(handle, classes, proba) -> None:
    """CSV of the most probable class and one probability column per class."""
    import csv

    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["predicted_class", *[f"proba_{c}" for c in classes]])
    predicted = np.asarray(classes)[np.argmax(proba, axis=1)]
    for label, row in zip(predicted.tolist(), proba, strict=True):
        writer.writerow([label, *[f"{v:.17g}" for v in row]])


def read_features(data: Path, names, target, progress, fmt=None, index_col=None,
                  use_target: bool = True):
    """The model's feature columns of a data file, with or without its target column.

    Every feature must be there (else one line naming the missing ones). The readers want
    a numeric target; when the file lacks the model's (or, ``use_target=False``, when the
    target is a label column), the last feature stands in as the formal target and is put
    back in its place.
    """
    from ridgekit.io import DataError, detect_format, read_data
    from ridgekit.io.readers import columns_of

    index = False if (index_col or "").lower() == "none" else index_col
    available = columns_of(data, fmt, index_col=index)
    if (fmt or detect_format(data)) == "svmlight":
        use_target = True  # its label is numeric and always there
    if names is not None and available is not None:
        missing = [n for n in names if n not in available]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:10])
            raise DataError(f"{data} lacks the model's feature column(s) {shown}; it has "
                            f"{', '.join(repr(c) for c in available[:20])}")
    if names is None or (use_target and (target is None or (available is not None
                                                           and target in available))):
        return read_data(data, target, names, progress=progress, format=fmt,
                         index_col=index).X
    table_ = read_data(data, names[-1], names[:-1], progress=progress, format=fmt,
                       index_col=index)
    return np.column_stack([table_.X, table_.y])


def path(
    data: Path = typer.Argument(..., metavar="DATA", help="Data file."),
    target: str = typer.Option(None, "--target", "-t", metavar="COLUMN",
                               help="Target column."),
    features: str = typer.Option(None, metavar="COLUMNS",
                                 help="Comma-separated feature columns."),
    alphas: str = typer.Option(None, metavar="VALUES",
                               help="λ values: one, a list (0.1,1,10) or logspace:a:b:n."),
    n_alphas: int = typer.Option(None, "--n-alphas", metavar="N",
                                 help="Number of λ in the default grid (default 100)."),
    standardize: bool = typer.Option(False, help="Center and scale features (population "
                                                 "sd, ddof=0)."),
    plot: Path = typer.Option(None, metavar="FIGURE",
                              help="Ridge-trace figure to write: .png, .pdf or .svg (with "
                                   "--l1-ratio: coefficient paths against log λ, nonzeros on "
                                   "top, λ_min and λ_1se marked, as plot.glmnet)."),
    l1_ratio: str = typer.Option(None, "--l1-ratio", metavar="VALUES",
                                 help="Elastic-net / lasso path (1 = lasso; a list is chosen "
                                      "jointly with λ by k-fold)."),
    family: str = typer.Option(None, "--family", metavar="FAMILY",
                               help="binomial or multinomial: the L2 logistic path of a "
                                    "label column (LogisticRidgeCV), coefficients against "
                                    "log λ, effective df on top, λ_min and λ_1se marked."),
    cv: str = typer.Option("10", metavar="K",
                           help="CV that marks λ_min and λ_1se (--l1-ratio, --family): a "
                                "number of folds; with --family also alo or loo."),
    scoring: str = typer.Option("deviance", metavar="SCORING",
                                help="With --family: the CV criterion, deviance, log-loss, "
                                     "accuracy or roc-auc."),
    cv_plot: Path = typer.Option(None, "--cv-plot", metavar="FIGURE",
                                 help="With --l1-ratio or --family: the CV curve against λ "
                                      "(plot.cv.glmnet)."),
    seed: int = typer.Option(0, metavar="INT",
                             help="Seed of the folds (--l1-ratio, --family)."),
    rows: int = typer.Option(12, metavar="N", help="Rows of the printed table."),
    index_col: str = typer.Option(None, "--index-col", metavar="COLUMN",
                                  help="Column of row labels, not used ('none': no index)."),
    fmt: str = typer.Option(None, "--format", metavar="FORMAT", help=FORMAT_HELP),
) -> None:
    """The whole ridge path from one decomposition, the elastic-net / lasso path
    (--l1-ratio) or the logistic path (--family) with its CV choices: table and figure.

    With many features the table is printed transposed (one row per feature, one column
    per λ), so that its lines stay short.

    Examples:

      ridgekit path data.csv --target y --plot trace.svg

      ridgekit path data.csv -t y --l1-ratio 1 --cv 10 --plot lasso.png --cv-plot cv.png

      ridgekit path labels.csv -t label --family binomial --plot logistic.png
    """
    from ridgekit.decompose import build_spectrum
    from ridgekit.io import read_data
    from ridgekit.linear_model import RidgePath
    from ridgekit.select import default_alphas, degrees_of_freedom

    with one_line_errors(target if family is None else None):
        check_output(plot, "figure", FIGURE_SUFFIXES)
        grid = parse_alphas(alphas)
        count = check_n_alphas(n_alphas, grid)
        if rows < 1:
            raise UsageProblem(f"--rows {rows}: give at least 1")
        if family is None and scoring != "deviance":
            raise UsageProblem("--scoring goes with --family binomial or multinomial")
        if family is not None or l1_ratio is not None:
            check_positive_alphas(grid, "the elastic net" if family is None
                                  else f"--family {family}")
        if family is not None:
            return _logistic_path(data, target, features, grid, count, standardize, plot,
                                  cv_plot, family, l1_ratio, cv, scoring, seed, rows,
                                  index_col, fmt)
        if l1_ratio is not None:
            return _enet_path(data, target, features, grid, count, standardize, plot, cv_plot,
                              l1_ratio, cv, seed, rows, index_col, fmt)
        if cv_plot is not None:
            raise UsageProblem("--cv-plot goes with --l1-ratio or --family")
        index = False if (index_col or "").lower() == "none" else index_col
        with reading("reading") as bar:
            data_ = read_data(data, target, split_names(features), progress=bar, format=fmt,
                              index_col=index)
        for text in data_.notes:
            note(text)
        X = data_.X
        if standardize:
            if hasattr(X, "toarray"):
                raise UsageProblem("--standardize would densify a sparse (svmlight) X")
            scale = X.std(axis=0)
            scale[scale == 0] = 1.0
            X = (X - X.mean(axis=0)) / scale
        y = np.asarray(data_.y)
        Y = y[:, None] if y.ndim == 1 else y
        with shown_warnings(), phase("decomposition"):
            spec = build_spectrum(X, Y, data_.sample_weight)
            if grid is None:
                grid = default_alphas(spec, count or 100)
            from ridgekit._validation import check_alpha_grid

            grid = check_alpha_grid(grid)
            ridge_path_ = RidgePath(spec, grid, y.ndim == 1)
        df = degrees_of_freedom(spec, grid)
        coefs = ridge_path_.coefs if y.ndim == 1 else ridge_path_.coefs[:, 0]
        path_table(f"ridge path of {data_.target_name} (df: intercept not counted)", grid,
                   [num(v) for v in df], "df", coefs, data_.feature_names, rows)
        if plot is not None:
            from ridgekit.plot import ridge_trace

            write_figure(ridge_trace(ridge_path_, feature_names=data_.feature_names), plot)
            echo(f"ridge trace written to {plot}")


def _path_fit(data, target, features, grid, count, standardize, seed, index_col, fmt, cv,
              **family):
    """The fit pipeline's family step for a CV-marked path (``family=``, ``l1_ratio=`` or
    ``scoring=`` as ``fit`` takes them); its notes are shown."""
    from ridgekit.cli._pipeline import FitRequest, parse_cv, run_fit

    req = FitRequest(data=data, target=target, features=split_names(features), weight=None,
                     cv=parse_cv(str(cv)), alphas=grid, n_alphas=count,
                     standardize=standardize, seed=seed,
                     index_col=False if (index_col or "").lower() == "none" else index_col,
                     format=fmt, **family)
    with shown_warnings():
        outcome = run_fit(req)
    for text in outcome.notes:
        note(text)
    return outcome


def _enet_path(data, target, features, grid, count, standardize, plot, cv_plot, l1_ratio,
               cv, seed, rows, index_col, fmt) -> None:
    """The elastic-net path through the fit pipeline (streamed k-fold from fold moments)."""
    from ridgekit.cli._families import parse_l1_ratio

    check_output(cv_plot, "figure", FIGURE_SUFFIXES)
    outcome = _path_fit(data, target, features, grid, count, standardize, seed, index_col,
                        fmt, cv, family="enet", l1_ratio=parse_l1_ratio(l1_ratio))
    model = outcome.model
    path_, sel = model.path_, model.selection_
    kind = "lasso" if model.l1_ratio_ == 1 else f"elastic net (l1_ratio {num(model.l1_ratio_)})"
    path_table(f"{kind} path of {outcome.target_name}"
               + (" (standardized X)" if standardize else ""), path_.alphas,
               [str(int(v)) for v in path_.df], "nonzero", np.asarray(path_.coefs),
               outcome.feature_names, rows)
    echo(f"k-fold ({outcome.folds_used}): λ_min = {num(sel.alpha_min)}, λ_1se = "
         f"{num(sel.alpha_1se)}")
    from ridgekit.cli._families import print_per_ratio

    print_per_ratio(model)
    from ridgekit.plot import enet_cv_curve, enet_trace

    if plot is not None:
        write_figure(enet_trace(path_, sel, feature_names=outcome.feature_names), plot)
        echo(f"coefficient paths written to {plot}")
    if cv_plot is not None:
        write_figure(enet_cv_curve(sel, path_), cv_plot)
        echo(f"CV curve written to {cv_plot}")


def _logistic_path(data, target, features, grid, count, standardize, plot, cv_plot, family,
                   l1_ratio, cv, scoring, seed, rows, index_col, fmt) -> None:
    """The logistic path of ``LogisticRidgeCV`` (the fit family ``fit --family`` runs, L2
    or with ``--l1-ratio`` the elastic net): a table per class, λ_min / λ_1se,
    :func:`ridgekit.plot.logistic_trace` and the CV curve."""
    from ridgekit.cli._families import SCORINGS, parse_l1_ratio, print_per_ratio

    family = family.strip().lower()
    if family not in ("binomial", "multinomial"):
        raise UsageProblem(f"--family {family!r}: path draws binomial or multinomial (drop "
                           "--family for the ridge path)")
    if scoring not in SCORINGS:
        raise UsageProblem(f"--scoring {scoring!r}: use one of {', '.join(SCORINGS)}")
    check_output(cv_plot, "figure", FIGURE_SUFFIXES)
    outcome = _path_fit(data, target, features, grid, count, standardize, seed, index_col,
                        fmt, cv, family=family, scoring=scoring,
                        l1_ratio=parse_l1_ratio(l1_ratio))
    model = outcome.model
    path_, sel = model.path_, model.selection_
    from ridgekit.plot.classification import _is_sparse, criterion_label, df_without_intercepts

    coefs = np.asarray(path_.coefs)
    classes = [str(c) for c in model.classes_]
    scale = " (standardized X)" if standardize else ""
    sparse = _is_sparse(path_)
    what = f"elastic net (l1_ratio {num(path_.l1_ratio)})" if sparse else "path"
    df = df_without_intercepts(path_)
    df_cells = ["—" if not np.isfinite(v) else num(v) for v in df]
    tables = [(coefs, f"logistic {what} of {outcome.target_name}: log-odds of "
                      f"{classes[-1]!r}{scale}")] if coefs.ndim == 2 else [
        (coefs[:, k], f"multinomial {what} of {outcome.target_name}, class {name!r}{scale}")
        for k, name in enumerate(classes)]
    for block, title in tables:
        if sparse:  # each table's own nonzero count, as the figure's top axis
            path_table(title, path_.alphas, [str(int(v)) for v in np.count_nonzero(block, 1)],
                       "nonzero", block, outcome.feature_names, rows)
        else:
            path_table(title + (" (df: intercept not counted)" if coefs.ndim == 2 else
                                " (df of all classes, intercepts not counted)"),
                       path_.alphas, df_cells, "df", block, outcome.feature_names, rows)
    how = f" ({outcome.folds_used})" if outcome.folds_used else ""
    label = f"{sel.criterion} {criterion_label(model.scoring)}"
    echo(f"{label}{how}: λ_min = {num(sel.alpha_min)}, λ_1se = {num(sel.alpha_1se)}")
    print_per_ratio(model, label)
    from ridgekit.plot import classifier_cv_curve, logistic_trace

    if plot is not None:
        write_figure(logistic_trace(path_, sel, feature_names=outcome.feature_names), plot)
        echo(f"coefficient paths written to {plot}")
    if cv_plot is not None:
        write_figure(classifier_cv_curve(model), cv_plot)
        echo(f"CV curve written to {cv_plot}")


def path_table(title: str, alphas, df_cells: list[str], df_name: str, coefs, names,
               rows: int) -> None:
    """``rows`` λ of a path (spread over the grid): λ, df and every coefficient.

    One row per λ while the features are few; with more features than rows the table is
    transposed (a row per feature, a column per λ), so its lines stay short when piped as
    well (``ridgekit path`` with 60 features printed 1,500-character lines)."""
    alphas = np.asarray(alphas, dtype=float)
    coefs = np.asarray(coefs, dtype=float)
    picks = np.unique(np.linspace(0, alphas.size - 1, min(rows, alphas.size)).astype(int))
    names = [str(n) for n in names]
    if len(names) > picks.size:
        header = ["alpha", *[num(alphas[i]) for i in picks]]
        body = [[df_name, *[df_cells[i] for i in picks]]]
        body += [[n, *[num(coefs[i, j]) for i in picks]] for j, n in enumerate(names)]
        table(title, header, body, keep=1)
        return
    header = ["alpha", df_name, *names]
    body = [[num(alphas[i]), df_cells[i], *[num(c) for c in coefs[i]]] for i in picks]
    table(title, header, body, keep=2)


def _is_many(source: str) -> bool:
    """A directory or a glob pattern (not an existing file's name): the file route's data."""
    p = Path(source)
    return p.is_dir() or (not p.exists() and any(c in source for c in "*?["))


def _read_training(source, stored: bool, model, user: dict, model_file, bar, kwargs):
    """The training rows for ``report``: one file with the reader ``fit`` used (labels for
    a classifier), or a directory / glob read file by file in the sorted order of
    :func:`ridgekit.scale.files.expand_paths`, as the file route of ``fit`` read them."""
    from ridgekit.io import read_data

    source = str(source)
    args = (user.get("target"), model.feature_names, user.get("sample_weight"))
    reader = read_data
    if model.is_classifier:
        from ridgekit.io.labels import read_labelled as reader
    if _is_many(source):
        from ridgekit.scale.files import expand_paths

        try:
            files = expand_paths(source)
        except ValueError:
            if stored:
                raise UsageProblem(f"the training data {source} named in {model_file} "
                                   "matches no files any more: give --data") from None
            raise
        parts = [reader(f, *args, progress=bar, **kwargs) for f in files]
        first = parts[0]
        first.X = np.concatenate([t.X for t in parts])
        first.y = np.concatenate([t.y for t in parts])
        if first.sample_weight is not None:
            first.sample_weight = np.concatenate([t.sample_weight for t in parts])
        return first
    if stored and not Path(source).exists():
        raise UsageProblem(f"the training data {source} named in {model_file} is not "
                           "there any more: give --data")
    return reader(source, *args, progress=bar, **kwargs)


def _other_data(table_, source, user: dict, model=None) -> str | None:
    """A warning when the rows read are not the ones the model was fitted on, else None.

    Two checks: the row count stored by ``fit`` (older model files have none), and, for a
    regression with an intercept, the fingerprint every training set leaves: the
    intercept is unpenalized, so on the training rows the (weighted) mean residual
    :math:`\\sum_i w_i (y_i - \\hat y_i) / \\sum_i w_i` is 0 up to rounding."""
    fitted = user.get("n_rows")
    n = int(np.shape(table_.y)[0])
    tail = ("this report's training figures and its table of λ rules are computed on "
            "other data than the model's")
    if fitted is not None and int(fitted) != n:
        return (f"{source} has {n:,} rows but the model was fitted on {int(fitted):,} rows "
                f"of {user.get('data')}: {tail}")
    if model is None or model.is_classifier or not getattr(model.estimator, "fit_intercept",
                                                           True):
        return None
    y = np.asarray(table_.y, float).reshape(n, -1)
    w = np.ones(n) if table_.sample_weight is None else np.asarray(table_.sample_weight)
    resid = y - np.asarray(model.predict(table_.X), float).reshape(n, -1)
    shift = np.abs(w @ resid) / w.sum()
    scale = np.sqrt(w @ (y - (w @ y) / w.sum()) ** 2 / w.sum()) + 1e-300
    if np.all(shift <= 1e-6 * scale):
        return None
    return (f"the rows of {source} are not the model's training rows (their mean residual "
            f"is {num(float(np.max(shift)))}, not 0 as on the data a model with an "
            f"intercept was fitted on): {tail}")


def report(
    model_file: Path = typer.Argument(..., metavar="MODEL", help="Model file from `fit`."),
    data: Path = typer.Option(None, metavar="DATA",
                              help="Training data: a file, a directory or a quoted glob "
                                   "(default: the one stored in the model file; a warning "
                                   "when its row count is not the model's)."),
    out: Path = typer.Option(Path("ridgekit-report.html"), "--out", "-o", metavar="HTML",
                             help="HTML file to write."),
    fmt: str = typer.Option(None, "--format", metavar="FORMAT", help=FORMAT_HELP),
) -> None:
    """Write a self-contained HTML report of a saved model and its training data.

    Ridge: fit, every rule's λ, coefficients, ridge trace, residuals. Elastic net: the
    selected features, the coefficient paths and the CV curve. Logistic: the confusion
    matrix, coefficients per class, CV curve, coefficient path and calibration plot.

    Example:

      ridgekit report model.npz --out report.html
    """
    from ridgekit.io import load
    from ridgekit.report import write_report

    with one_line_errors():
        check_output(out, "report")
        model = load(model_file)
        user = model.metadata.get("user", {})
        source = data if data is not None else user.get("data")
        if source is None:
            raise UsageProblem("the model file names no training data: give --data")
        index = user.get("index_col")
        index = False if (index or "").lower() == "none" else index
        kwargs = dict(format=fmt or user.get("format"), index_col=index)
        with reading("reading") as bar:
            table_ = _read_training(source, data is None, model, user, model_file, bar,
                                    kwargs)
        notes = list(user.get("warnings") or [])
        mismatch = _other_data(table_, source, user, model)
        if mismatch:
            warn(mismatch)
            notes.append(mismatch)
        with shown_warnings(), phase("report"):
            write_report(out, model, table_.X, table_.y, model.feature_names,
                         sample_weight=table_.sample_weight,
                         target_name=str(user.get("target")), data_source=str(source),
                         warnings=notes)
        echo(f"report written to {out}")
