"""``ridgekit fit``: options -> :class:`~ridgekit.cli._pipeline.FitRequest` -> model file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from ridgekit.cli._common import (
    UsageProblem,
    check_n_alphas,
    check_output,
    echo,
    note,
    num,
    one_line_errors,
    parse_alphas,
    shown_warnings,
    split_names,
    table,
)
from ridgekit.cli._pipeline import FitRequest, parse_cv, run_fit

DF_NOTE = "df counts the effective parameters of the features; the intercept is not counted"


def fit(
    data: Path = typer.Argument(..., metavar="DATA",
                                help="CSV/TSV, Parquet, .npy/.npz or svmlight file."),
    target: str = typer.Option(None, "--target", "-t", metavar="COLUMN",
                               help="Target column."),
    features: str = typer.Option(None, metavar="COLUMNS",
                                 help="Comma-separated feature columns (default: all others)."),
    cv: str = typer.Option(None, metavar="RULE",
                           help="How λ is chosen: a number of folds K (default 10), loo, gcv, "
                                "gcv-mass, hkb, lawless-wang, lcurve, discrepancy, evidence, "
                                "or df (with --df)."),
    df: float = typer.Option(None, metavar="DF",
                             help="Target degrees of freedom for --cv df (intercept not "
                                  "counted), e.g. 5."),
    rule: str = typer.Option("min", metavar="min|1se",
                             help="min, or 1se (one-standard-error rule; k-fold and loo)."),
    alphas: str = typer.Option(None, metavar="VALUES",
                               help="λ values: one (5), a list (0.1,1,10) or logspace:a:b:n "
                                    "(n values from 10^a to 10^b)."),
    n_alphas: int = typer.Option(None, "--n-alphas", metavar="N",
                                 help="Number of λ in the default grid (default 100)."),
    sample_weight: str = typer.Option(None, "--sample-weight", metavar="COLUMN",
                                      help="Weight column."),
    folds_column: str = typer.Option(None, "--folds-column", metavar="COLUMN",
                                     help="Column of fold numbers (glmnet's foldid) instead "
                                          "of random folds."),
    index_col: str = typer.Option(None, "--index-col", metavar="COLUMN",
                                  help="Column of row labels, not used (default: an unnamed "
                                       "first column; 'none' for no index)."),
    standardize: bool = typer.Option(False, help="Center and scale features (population sd, "
                                                 "ddof=0, as StandardScaler and glmnet)."),
    out: Path = typer.Option(None, "--out", "-o", metavar="MODEL",
                             help="Model file to write (.npz)."),
    seed: int = typer.Option(0, metavar="INT",
                             help="Seed of the folds: KFold(shuffle=True, random_state=seed)."),
    fmt: str = typer.Option(None, "--format", metavar="FORMAT",
                            help="Data format when the suffix does not tell: csv, tsv, "
                                 "parquet, npy, npz or svmlight."),
) -> None:
    """Fit ridge with λ chosen by cross-validation or a closed-form rule; save the model.

    The file is streamed: k-fold in one pass into per-fold moments, the closed-form rules
    from the moments of one pass, exact leave-one-out with a second blocked pass (memory
    of a block). Folds are those of scikit-learn's KFold(shuffle=True, random_state=SEED).

    Examples:

      ridgekit fit data.csv --target y --cv 10 --rule 1se --out model.npz

      ridgekit fit data.parquet -t price --features a,b,c --cv gcv --standardize

      ridgekit fit prostate.csv -t lpsa --cv df --df 5
    """
    with one_line_errors():
        if rule not in ("min", "1se"):
            raise UsageProblem(f"--rule {rule!r}: use min or 1se")
        choice = parse_cv(cv if cv is not None else "10")
        if choice.name == "df" and df is None:
            raise UsageProblem("--cv df needs --df, e.g. --df 5")
        grid = parse_alphas(alphas)
        check_output(out, "model file")
        req = FitRequest(
            data=data, target=target, features=split_names(features), weight=sample_weight,
            cv=choice, rule=rule, alphas=grid, n_alphas=check_n_alphas(n_alphas, grid),
            df=df, standardize=standardize, seed=seed, folds_column=folds_column,
            index_col=False if (index_col or "").lower() == "none" else index_col,
            format=fmt)
        with shown_warnings() as caught:
            outcome = run_fit(req)
        for text in outcome.notes:
            note(text)
        print_fit(outcome)
        if out is not None:
            from ridgekit.io import save

            save(outcome.model, out, feature_names=outcome.feature_names,
                 x_mean=outcome.x_mean, x_scale=outcome.x_scale,
                 data=str(Path(data).resolve()), target=outcome.target_name,
                 cv=choice.name if choice.kind != "kfold" else str(choice.folds), rule=rule,
                 seed=seed, sample_weight=sample_weight, standardize=standardize,
                 standardize_ddof=0, folds=outcome.folds_used, folds_column=folds_column,
                 index_col=index_col, format=fmt, df_target=df,
                 warnings=sorted({str(w.message) for w in caught}))
            echo(f"model written to {out}")


def model_df(model) -> float:
    """Effective df of the fitted model, intercept not counted (ridgekit's convention)."""
    from ridgekit.select import degrees_of_freedom

    spectrum = getattr(model, "spectrum_", None)
    alpha = float(np.ravel(model.alpha_)[0])
    return float(degrees_of_freedom(spectrum, [alpha])[0])


def print_fit(outcome) -> None:
    model = outcome.model
    sel = model.selection_
    alpha = float(np.ravel(model.alpha_)[0])
    df = model_df(model)
    coef = np.ravel(np.atleast_2d(model.coef_)[0])
    intercept = float(np.ravel(model.intercept_)[0])
    title = (f"ridge: alpha = {num(alpha)}, df = {num(df)} ({sel.criterion}, rule "
             f"{sel.rule}; {outcome.n_rows:,} rows)")
    if outcome.x_scale is not None:
        orig = coef / outcome.x_scale
        orig_b = intercept - float(orig @ outcome.x_mean)
        header = ["feature", "coef (standardized X)", "coef (original X)"]
        rows = [[str(n), num(c), num(o)] for n, c, o in
                zip(outcome.feature_names, coef, orig, strict=True)]
        rows.append(["(intercept)", num(intercept), num(orig_b)])
    else:
        header = ["feature", "coef (original X)"]
        rows = [[str(n), num(c)] for n, c in zip(outcome.feature_names, coef, strict=True)]
        rows.append(["(intercept)", num(intercept)])
    table(title, header, rows)
    if sel.mean is not None:
        best = float(np.min(np.asarray(sel.mean, float)))
        label = {"kfold": "k-fold CV", "loo": "leave-one-out"}.get(sel.criterion)
        if label is not None:
            echo(f"{label} MSE at the minimum: {num(best)} (RMSE {num(np.sqrt(best))})"
                 + (f"; {outcome.folds_used}" if outcome.folds_used else ""))
    echo(f"({DF_NOTE})")
