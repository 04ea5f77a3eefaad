"""The ``ridgekit`` command (typer + rich).

Every command prints one line ``error: ...`` on stderr and exits with status 2 on bad
input (missing file, unknown or non-numeric column, missing values, empty file, a model
file of another version or truncated); output files are written atomically, so nothing is
left half-written.
"""

from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

app = typer.Typer(
    help="ridgekit: L2 regularization done completely and fast.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

_STATE = {"quiet": False, "progress": None}


class UsageProblem(ValueError):
    """A problem with what the user asked for, reported in one line."""


@app.callback()
def _main(
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars, no tables."),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress",
        help="Force progress bars on or off (default: on when stderr is a terminal)."),
) -> None:
    _STATE["quiet"] = quiet
    _STATE["progress"] = progress


def _fail(message: str) -> None:
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def _errors_as_one_line():
    """Turn every expected failure into one line on stderr and exit status 2."""
    from ridgekit.io import DataError, ModelFileError

    try:
        yield
    except (DataError, ModelFileError, UsageProblem) as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except (ValueError, TypeError, FileNotFoundError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _fail(first)


def _show_progress() -> bool:
    if _STATE["quiet"]:
        return False
    if _STATE["progress"] is not None:
        return bool(_STATE["progress"])
    return err_console.is_terminal


@contextmanager
def _progress(description: str):
    """A rich progress bar over bytes read, or a no-op callback when silent."""
    if not _show_progress():
        yield None
        return
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
                   TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn(),
                   console=Console(stderr=True, force_terminal=True), transient=False)
    with bar:
        task = bar.add_task(description, total=None, rows=0)

        def update(rows_done: int, bytes_done: int, bytes_total: int) -> None:
            bar.update(task, completed=bytes_done, total=bytes_total, rows=rows_done)

        yield update


@contextmanager
def _steps(description: str, total: int):
    """A progress bar over named steps (with a spinner while each runs), or a no-op."""
    if not _show_progress():
        yield lambda label: None
        return
    bar = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                   MofNCompleteColumn(), TextColumn("{task.fields[label]}"),
                   TimeElapsedColumn(), console=Console(stderr=True, force_terminal=True))
    with bar:
        task = bar.add_task(description, total=total, label="")
        started = [False]

        def step(label: str) -> None:
            if started[0]:
                bar.advance(task)
            started[0] = True
            bar.update(task, label=label)

        yield step
        bar.update(task, completed=total)


def _echo(renderable) -> None:
    if not _STATE["quiet"]:
        console.print(renderable)


def _split_names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise UsageProblem("--features is empty")
    return names


def _parse_alphas(text: str | None):
    """``None``, a count (``50``), a list (``0.1,1,10``) or ``logspace:-2:4:50``."""
    if text is None:
        return None
    try:
        if text.startswith("logspace:"):
            lo, hi, num = text.split(":")[1:]
            return np.logspace(float(lo), float(hi), int(num))
        if "," not in text and text.isdigit():
            return int(text)
        values = np.array([float(v) for v in text.split(",") if v.strip()])
    except ValueError as exc:
        raise UsageProblem(
            f"--alphas {text!r}: give a count, a list like 0.1,1,10 or logspace:-2:4:50"
        ) from exc
    return values


def _parse_cv(text: str):
    if text in ("loo", "gcv"):
        return text
    if text.isdigit() and int(text) >= 2:
        return int(text)
    raise UsageProblem(f"--cv {text!r}: use loo, gcv or a number of folds >= 2")


# ====================================================================== commands
@app.command()
def demo(
    report: Path = typer.Option(Path("ridgekit-report.html"), help="HTML report to write."),
) -> None:
    """Least squares vs ridge on the bundled prostate data (ESL Table 3.3).

    Ridge's λ comes from 10-fold CV with the one-standard-error rule; LOO and GCV are
    shown beside. Prints the comparison and writes a self-contained HTML report.

    Example: ridgekit demo --report prostate.html
    """
    from ridgekit.demo import prostate_comparison
    from ridgekit.report import write_report

    with _errors_as_one_line():
        result = prostate_comparison()
        table = Table(title="Prostate cancer: least squares vs ridge (67 train / 30 test men)")
        table.add_column("Term")
        table.add_column("LS", justify="right")
        table.add_column("Ridge", justify="right")
        table.add_row("Intercept", f"{result.ls_intercept:.3f}", f"{result.ridge_intercept:.3f}")
        for name, a, b in zip(result.feature_names, result.ls_coef, result.ridge_coef,
                              strict=True):
            table.add_row(name, f"{a:.3f}", f"{b:.3f}")
        table.add_section()
        table.add_row("Test Error", f"{result.ls_test_error:.3f}",
                      f"{result.ridge_test_error:.3f}")
        table.add_row("Std Error", f"{result.ls_test_se:.3f}", f"{result.ridge_test_se:.3f}")
        table.add_row("alpha", "0", f"{result.alpha:.4g}")
        table.add_row("df", "8", f"{result.df:.2f}")
        console.print(table)
        rules = Table(title="λ by each rule (on the training data)")
        rules.add_column("rule")
        rules.add_column("alpha", justify="right")
        for name, value in result.rules.items():
            rules.add_row(name, f"{value:.4g}")
        console.print(rules)
        write_report(report, result.model, result.X_train, result.y_train,
                     result.feature_names, rules=result.rules, target_name="lpsa",
                     title="ridgekit demo: prostate cancer data",
                     data_source="bundled prostate.tsv (standardized, 67 training rows)")
        console.print(f"report written to {report}")


@app.command()
def fit(
    data: Path = typer.Argument(..., help="CSV/TSV, Parquet, .npy/.npz or svmlight file."),
    target: str = typer.Option(None, "--target", "-t", help="Target column."),
    features: str = typer.Option(None, help="Comma-separated feature columns (default: all "
                                           "others)."),
    cv: str = typer.Option("10", help="loo, gcv or a number of folds."),
    rule: str = typer.Option("min", help="min or 1se."),
    alphas: str = typer.Option(None, help="Count, list (0.1,1,10) or logspace:-2:4:50."),
    sample_weight: str = typer.Option(None, "--sample-weight", help="Weight column."),
    standardize: bool = typer.Option(False, help="Center and scale features first."),
    out: Path = typer.Option(None, "--out", "-o", help="Model file to write (.npz)."),
    seed: int = typer.Option(0, help="Seed of the random fold assignment."),
) -> None:
    """Fit ridge with λ chosen by cross-validation and save the model.

    k-fold streams the file once into per-fold moments (any size of file); loo and gcv
    read it into memory.

    Examples:
      ridgekit fit data.csv --target y --cv 10 --rule 1se --out model.npz
      ridgekit fit data.parquet -t price --features a,b,c --cv gcv --standardize
    """
    from ridgekit.io import open_blocks, read_data, save

    with _errors_as_one_line():
        if rule not in ("min", "1se"):
            raise UsageProblem(f"--rule {rule!r}: use min or 1se")
        cv_value = _parse_cv(cv)
        grid = _parse_alphas(alphas)
        names = _split_names(features)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if isinstance(cv_value, int):
                with _progress("reading + moments") as bar:
                    reader = open_blocks(data, target, names, sample_weight, progress=bar)
                    folds = _fold_moments(reader, cv_value, seed)
                feature_names = reader.feature_names
                x_mean, x_scale = None, None
                if standardize:
                    folds, x_mean, x_scale = _standardize_folds(folds)
                # the streamed path never imports scikit-learn (a second of start-up)
                from ridgekit.select import kfold_fit

                model = kfold_fit(folds, grid, rule)
                target_name = reader.target_name
            else:
                with _progress("reading") as bar:
                    table = read_data(data, target, names, sample_weight, progress=bar)
                X, x_mean, x_scale = _maybe_standardize(table.X, standardize)
                from ridgekit.linear_model import RidgeCV

                model = RidgeCV(alphas=grid, cv=cv_value, rule=rule)
                model.fit(X, table.y, table.sample_weight)
                feature_names, target_name = table.feature_names, table.target_name
        for w in caught:
            if not _STATE["quiet"]:
                err_console.print(f"warning: {w.message}", markup=False, highlight=False)
        _print_fit(model, feature_names)
        if out is not None:
            save(model, out, feature_names=feature_names, x_mean=x_mean, x_scale=x_scale,
                 data=str(data), target=str(target_name), cv=str(cv), rule=rule,
                 sample_weight=sample_weight, standardize=standardize)
            _echo(f"model written to {out}")


def _fold_moments(reader, n_folds: int, seed: int):
    from ridgekit.scale import fold_moments_from_blocks

    return fold_moments_from_blocks(reader, n_folds, seed)


def _maybe_standardize(X, standardize: bool):
    if not standardize:
        return X, None, None
    if hasattr(X, "toarray"):
        raise UsageProblem("--standardize would densify a sparse (svmlight) X; drop it")
    mean = X.mean(axis=0)
    scale = X.std(axis=0, ddof=1)
    scale[scale == 0] = 1.0
    return (X - mean) / scale, mean, scale


def _standardize_folds(folds):
    """Standardize per-fold moments exactly (means and sd of all rows)."""
    from ridgekit.moments import FoldMoments

    total = folds.total()
    mean = total.mean_x
    scale = np.sqrt(np.diag(total.cxx) / max(total.weight - 1.0, 1.0))
    scale[scale == 0] = 1.0
    return FoldMoments([m.standardized(mean, scale) for m in folds.folds], folds.labels), \
        mean, scale


def _print_fit(model, feature_names) -> None:
    sel = model.selection_
    table = Table(title=f"ridge: alpha = {np.asarray(model.alpha_)} "
                        f"({sel.criterion}, rule {sel.rule})")
    table.add_column("feature")
    table.add_column("coef", justify="right")
    coef = np.atleast_2d(model.coef_)
    for j, name in enumerate(feature_names):
        table.add_row(str(name), *[f"{c:.6g}" for c in coef[:, j]])
    intercept = np.atleast_1d(model.intercept_)
    table.add_row("(intercept)", *[f"{b:.6g}" for b in intercept])
    _echo(table)
    _echo(f"smallest {sel.criterion} error over the grid: {np.min(sel.mean, axis=0)}")


@app.command()
def predict(
    model_file: Path = typer.Argument(..., metavar="MODEL", help="Model file from `fit`."),
    data: Path = typer.Argument(..., help="Data file with the model's feature columns."),
    out: Path = typer.Option(..., "--out", "-o", help="CSV file of predictions to write."),
) -> None:
    """Predict with a saved model; writes a CSV with a `prediction` column.

    Example: ridgekit predict model.npz new.csv --out predictions.csv
    """
    from ridgekit.io import load
    from ridgekit.io._atomic import atomic_write

    with _errors_as_one_line():
        model = load(model_file)
        with _progress("reading") as bar:
            X = _read_features(data, model.feature_names,
                               model.metadata.get("user", {}).get("target"), bar)
        pred = np.asarray(model.predict(X))
        with atomic_write(out, "w") as handle:
            if pred.ndim == 1:
                handle.write("prediction\n")
                np.savetxt(handle, pred, fmt="%.17g")
            else:
                handle.write(",".join(f"prediction_{j}" for j in range(pred.shape[1])) + "\n")
                np.savetxt(handle, pred, fmt="%.17g", delimiter=",")
        _echo(f"{pred.shape[0]} predictions written to {out}")


def _read_features(data: Path, names, target, progress):
    """The model's feature columns of a data file, with or without its target column.

    The readers always want a target; when the file lacks the model's, the last feature
    stands in as the formal target and is put back in its place.
    """
    from ridgekit.io import DataError, read_data

    try:
        return read_data(data, target, names, progress=progress).X
    except DataError as exc:
        if names is None or target is None or repr(target) not in str(exc):
            raise
    table = read_data(data, names[-1], names[:-1], progress=progress)
    return np.column_stack([table.X, table.y])


@app.command()
def path(
    data: Path = typer.Argument(..., help="Data file."),
    target: str = typer.Option(None, "--target", "-t", help="Target column."),
    features: str = typer.Option(None, help="Comma-separated feature columns."),
    alphas: str = typer.Option(None, help="Count, list or logspace:-2:4:50 (default: 100 "
                                         "values spanning df)."),
    standardize: bool = typer.Option(False, help="Center and scale features first."),
    plot: Path = typer.Option(None, help="PNG file for the ridge trace."),
    rows: int = typer.Option(12, help="Rows of the printed table."),
) -> None:
    """The whole ridge path from one decomposition: table and ridge-trace plot.

    Example: ridgekit path data.csv --target y --plot trace.png
    """
    from ridgekit.decompose import build_spectrum
    from ridgekit.io import read_data
    from ridgekit.io._atomic import atomic_write
    from ridgekit.linear_model import RidgePath
    from ridgekit.select import default_alphas

    with _errors_as_one_line():
        with _progress("reading") as bar:
            table = read_data(data, target, _split_names(features), progress=bar)
        X, _, _ = _maybe_standardize(table.X, standardize)
        y = np.asarray(table.y)
        Y = y[:, None] if y.ndim == 1 else y
        spec = build_spectrum(X, Y, table.sample_weight)
        grid = _parse_alphas(alphas)
        if grid is None or isinstance(grid, int):
            grid = default_alphas(spec, 100 if grid is None else grid)
        from ridgekit._validation import check_alpha_grid

        grid = check_alpha_grid(grid)
        ridge_path_ = RidgePath(spec, grid, y.ndim == 1)
        out = Table(title=f"ridge path of {table.target_name}")
        out.add_column("alpha", justify="right")
        out.add_column("df", justify="right")
        for name in table.feature_names:
            out.add_column(str(name), justify="right")
        coefs = ridge_path_.coefs if y.ndim == 1 else ridge_path_.coefs[:, 0]
        for i in np.linspace(0, grid.size - 1, min(rows, grid.size)).astype(int):
            out.add_row(f"{grid[i]:.4g}", f"{ridge_path_.df[i]:.2f}",
                        *[f"{c:.4g}" for c in coefs[i]])
        _echo(out)
        if plot is not None:
            from ridgekit.plot import ridge_trace, to_png

            fig = ridge_trace(ridge_path_, feature_names=table.feature_names)
            with atomic_write(plot, "wb") as handle:
                handle.write(to_png(fig))
            _echo(f"ridge trace written to {plot}")


@app.command()
def report(
    model_file: Path = typer.Argument(..., metavar="MODEL", help="Model file from `fit`."),
    data: Path = typer.Option(None, help="Training data (default: the path stored in the "
                                         "model file)."),
    out: Path = typer.Option(Path("ridgekit-report.html"), "--out", "-o",
                             help="HTML file to write."),
) -> None:
    """Write a self-contained HTML report of a saved model and its training data.

    Example: ridgekit report model.npz --out report.html
    """
    from ridgekit.io import load, read_data
    from ridgekit.report import write_report

    with _errors_as_one_line():
        model = load(model_file)
        user = model.metadata.get("user", {})
        source = data if data is not None else user.get("data")
        if source is None:
            raise UsageProblem("the model file names no training data: give --data")
        with _progress("reading") as bar:
            table = read_data(source, user.get("target"), model.feature_names,
                              user.get("sample_weight"), progress=bar)
        write_report(out, model, table.X, table.y, model.feature_names,
                     sample_weight=table.sample_weight, target_name=str(user.get("target")),
                     data_source=str(source))
        _echo(f"report written to {out}")


@app.command()
def experiment(
    name: str = typer.Argument(..., help="sgd-l2, adam-grid, early-stopping, weight-norms "
                                         "or all."),
    out: Path = typer.Option(Path("ridgekit-experiments"), "--out", "-o",
                             help="Folder for the JSON numbers and PNG figures."),
    quick: bool = typer.Option(False, help="A seconds-sized version (for a smoke test)."),
) -> None:
    """Run a weight-decay experiment with PyTorch (needs `pip install ridgekit[torch]`).

    Examples:
      ridgekit experiment sgd-l2 --out results/
      ridgekit experiment adam-grid --out results/   (6 x 6 grid, 2 seeds, minutes)
    """
    with _errors_as_one_line():
        try:
            from ridgekit.nn.experiments import EXPERIMENTS, run
        except ImportError as exc:
            raise UsageProblem(str(exc).splitlines()[0]) from exc
        names = list(EXPERIMENTS) if name == "all" else [name]
        with _steps("experiments", len(names)) as step:
            for one in names:
                step(one)
                result = run(one, quick=quick)
                written = result.save(out)
                _echo(f"{one}: wrote {', '.join(str(p) for p in written.values())}")


@app.command()
def version() -> None:
    """Print the version."""
    from ridgekit import __version__

    typer.echo(__version__)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
