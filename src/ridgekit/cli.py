"""The ``ridgekit`` command."""

from __future__ import annotations

import typer

app = typer.Typer(help="ridgekit: L2 regularization done completely and fast.",
                  no_args_is_help=True, add_completion=False)


@app.command()
def demo() -> None:
    """Fit least squares and ridge on the bundled prostate data and print the comparison."""
    import numpy as np

    from ridgekit import Ridge
    from ridgekit.datasets import load_prostate

    data = load_prostate()
    X = (data.X - data.X.mean(0)) / data.X.std(0, ddof=1)
    tr, te = data.train, ~data.train
    for alpha in (0.0, 5.0):
        model = Ridge(alpha=alpha).fit(X[tr], data.y[tr])
        err = np.mean((data.y[te] - model.predict(X[te])) ** 2)
        typer.echo(f"alpha={alpha:<5} test MSE={err:.3f} coef={np.round(model.coef_, 3)}")


@app.command()
def version() -> None:
    """Print the version."""
    from ridgekit import __version__

    typer.echo(__version__)
