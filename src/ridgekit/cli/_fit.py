"""``ridgekit fit``: options -> :class:`~ridgekit.cli._pipeline.FitRequest` -> model file.

The family (ridge, elastic net with ``--l1-ratio``, ``--family binomial|multinomial``)
is one step of the pipeline; ``--dask``/``--scheduler`` and directories or globs of files
go through :mod:`ridgekit.cli._scale`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from ridgekit.cli._common import (
    UsageProblem,
    check_n_alphas,
    check_output,
    check_positive_alphas,
    echo,
    note,
    num,
    one_line_errors,
    parse_alphas,
    shown_warnings,
    split_names,
    table,
)
from ridgekit.cli._families import SCORINGS, parse_l1_ratio
from ridgekit.cli._pipeline import FAMILIES, FitRequest, parse_cv, run_fit

DF_NOTE = "df counts the effective parameters of the features; the intercept is not counted"


def fit(
    data: Path = typer.Argument(..., metavar="DATA",
                                help="CSV/TSV, Parquet, .npy/.npz or svmlight file, or a "
                                     "directory or a quoted glob ('data/*.parquet') of "
                                     "them."),
    target: str = typer.Option(None, "--target", "-t", metavar="COLUMN",
                               help="Target column."),
    features: str = typer.Option(None, metavar="COLUMNS",
                                 help="Comma-separated feature columns (default: all others)."),
    cv: str = typer.Option(None, metavar="RULE",
                           help="How λ is chosen: a number of folds K (default 10), loo, gcv, "
                                "gcv-mass, hkb, lawless-wang, lcurve, discrepancy, evidence, "
                                "or df (with --df). Elastic net: K only. Logistic: K "
                                "(stratified), alo (approximate LOO) or loo."),
    family: str = typer.Option("gaussian", metavar="FAMILY",
                               help="gaussian (ridge, or the elastic net with --l1-ratio), "
                                    "binomial or multinomial (L2 logistic / softmax on a label "
                                    "column of numbers or strings; one file is read into "
                                    "memory, a glob/directory or --dask streamed once per "
                                    "Newton round)."),
    l1_ratio: str = typer.Option(None, "--l1-ratio", metavar="VALUES",
                                 help="Elastic net: the L1 share of the penalty in [0, 1] "
                                      "(1 = lasso), or a list (0.1,0.5,1) chosen jointly with "
                                      "λ by k-fold."),
    scoring: str = typer.Option("deviance", metavar="SCORE",
                                help="Logistic CV criterion: deviance, log-loss, accuracy or "
                                     "roc-auc."),
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
                                          "of random folds; fold errors are weighted by "
                                          "fold size, as cv.glmnet."),
    index_col: str = typer.Option(None, "--index-col", metavar="COLUMN",
                                  help="Column of row labels, not used (default: an unnamed "
                                       "first column; 'none' for no index)."),
    standardize: bool = typer.Option(False, help="Center and scale features (population sd, "
                                                 "ddof=0, as StandardScaler and glmnet)."),
    out: Path = typer.Option(None, "--out", "-o", metavar="MODEL",
                             help="Model file to write (.npz)."),
    seed: int = typer.Option(0, metavar="INT",
                             help="Seed of the folds: the rows of KFold(shuffle=True, "
                                  "random_state=seed)."),
    fmt: str = typer.Option(None, "--format", metavar="FORMAT",
                            help="Data format when the suffix does not tell: csv, tsv, "
                                 "parquet, npy, npz or svmlight."),
    dask: bool = typer.Option(False, "--dask",
                              help="Reduce the per-fold moments on a Dask LocalCluster sized "
                                   "to the machine (needs ridgekit[dask]); folds hashed from "
                                   "row positions (HashFolds(K, seed))."),
    scheduler: str = typer.Option(None, metavar="ADDRESS",
                                  help="Address of a running Dask scheduler (implies --dask)."),
    workers: int = typer.Option(None, "--workers", metavar="N",
                                help="Workers of the --dask LocalCluster (default: sized to "
                                     "the machine)."),
    timeout: float = typer.Option(10.0, metavar="SECONDS",
                                  help="How long to wait for --scheduler."),
) -> None:
    """Fit ridge, the elastic net or L2 logistic with λ chosen by CV; save the model.

    Ridge and the elastic net stream the file: k-fold in one pass into per-fold moments
    (memory O(p²) per fold), the closed-form rules from the moments of one pass, exact
    leave-one-out with a second blocked pass. The folds are the row sets of
    scikit-learn's KFold(shuffle=True, random_state=SEED) (over files or Dask:
    HashFolds(K, SEED)). The CV error of each λ is glmnet's (cv.glmnet): the fold MSEs
    weighted by the fold's size (sum of --sample-weight), i.e. the mean over held-out
    rows, and its SE likewise. scikit-learn's *CV average the fold errors unweighted, so
    with folds of unequal size (--folds-column, --sample-weight, n not a multiple of K)
    the chosen λ can differ from theirs; with equal folds they agree.
    --family binomial/multinomial reads one file into memory
    (StratifiedKFold(shuffle=True, random_state=SEED) for --cv K); over a glob, a
    directory or --dask it streams the files once per Newton round (HashFolds(K, SEED),
    --cv K only).

    Examples:

      ridgekit fit data.csv --target y --cv 10 --rule 1se --out model.npz

      ridgekit fit data.parquet -t price --features a,b,c --cv gcv --standardize

      ridgekit fit prostate.csv -t lpsa --cv df --df 5

      ridgekit fit data.csv -t y --l1-ratio 0.1,0.5,1 --cv 10 --rule 1se --standardize

      ridgekit fit iris.csv -t species --family multinomial --cv 5 --scoring accuracy

      ridgekit fit 'data/*.parquet' -t y --cv 10 --dask

      ridgekit fit 'data/*.parquet' -t label --family binomial --cv 10 --dask
    """
    plain = family.strip().lower() in ("gaussian", "ridge")
    with one_line_errors(target if plain else None):
        if rule not in ("min", "1se"):
            raise UsageProblem(f"--rule {rule!r}: use min or 1se")
        choice = parse_cv(cv if cv is not None else "10")
        if choice.name == "df" and df is None:
            raise UsageProblem("--cv df needs --df, e.g. --df 5")
        grid = parse_alphas(alphas)
        name = _family_name(family, parse_l1_ratio(l1_ratio), scoring)
        if name != "ridge":
            check_positive_alphas(grid, "the elastic net" if name == "enet"
                                  else f"--family {name}")
        check_output(out, "model file")
        if workers is not None and workers < 1:
            raise UsageProblem(f"--workers {workers}: give at least 1")
        if timeout is not None and not timeout > 0:
            raise UsageProblem(f"--timeout {num(timeout)}: give a positive number of seconds")
        req = FitRequest(
            data=data, target=target, features=split_names(features), weight=sample_weight,
            cv=choice, rule=rule, alphas=grid, n_alphas=check_n_alphas(n_alphas, grid),
            df=df, standardize=standardize, seed=seed, folds_column=folds_column,
            index_col=False if (index_col or "").lower() == "none" else index_col,
            format=fmt, family=name, l1_ratio=parse_l1_ratio(l1_ratio), scoring=scoring)
        from ridgekit.cli._scale import fit_over_files, wants_files

        with shown_warnings() as caught:
            if wants_files(data, dask, scheduler):
                outcome = fit_over_files(req, dask=dask, scheduler=scheduler,
                                         n_workers=workers, timeout=timeout)
            else:
                outcome = run_fit(req)
        for text in outcome.notes:
            note(text)
        if out is not None:  # first: a closed stdout (``| head``) must not lose the model
            from ridgekit._report_families import per_ratio_minima
            from ridgekit.io import save

            save(outcome.model, out, feature_names=outcome.feature_names,
                 x_mean=outcome.x_mean, x_scale=outcome.x_scale,
                 data=str(Path(data).resolve()), target=outcome.target_name,
                 cv=choice.name if choice.kind != "kfold" else str(choice.folds), rule=rule,
                 seed=seed, sample_weight=sample_weight, standardize=standardize,
                 standardize_ddof=0, folds=outcome.folds_used, folds_column=folds_column,
                 index_col=index_col, format=fmt, df_target=df, family=name,
                 l1_ratio=l1_ratio, n_rows=int(outcome.n_rows),
                 scoring=SCORINGS[scoring] or "deviance" if FAMILIES[name].needs_rows else None,
                 l1_ratio_cv_minima=[list(p) for p in per_ratio_minima(outcome.model)],
                 warnings=sorted({str(w.message) for w in caught}))
        getattr(FAMILIES[name], "print_fit", print_fit)(outcome)
        if out is not None:
            echo(f"model written to {out}")

def _family_name(family: str, l1_ratio, scoring: str) -> str:
    """The pipeline family from --family, --l1-ratio and --scoring (checked together)."""
    key = family.strip().lower()
    if key not in ("gaussian", "ridge", "binomial", "multinomial"):
        raise UsageProblem(f"--family {family!r}: use gaussian, binomial or multinomial")
    if key in ("binomial", "multinomial"):
        if scoring not in SCORINGS:
            raise UsageProblem(f"--scoring {scoring!r}: use {', '.join(SCORINGS)}")
        return key
    if scoring != "deviance":
        raise UsageProblem("--scoring goes with --family binomial or multinomial")
    return "ridge" if l1_ratio is None else "enet"


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
