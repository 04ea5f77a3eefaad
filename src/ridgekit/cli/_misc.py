"""``ridgekit demo`` and ``ridgekit experiment``."""

from __future__ import annotations

from pathlib import Path

import typer

from ridgekit.cli._common import (
    UsageProblem,
    check_output,
    counting,
    echo,
    num,
    one_line_errors,
    phase,
    shown_warnings,
    table,
)


def demo(
    report: Path = typer.Option(Path("ridgekit-report.html"), metavar="HTML",
                                help="HTML report to write."),
) -> None:
    """Least squares vs ridge on the bundled prostate data (ESL Table 3.3).

    Two ridge fits: ESL's (df = 5, the column of Table 3.3) and 10-fold CV with the
    one-standard-error rule; every other rule's λ is shown beside. Prints the comparison
    and writes a self-contained HTML report, which also shows ridge, the lasso and the
    elastic net on one correlated design (the grouping effect).

    Example:

      ridgekit demo --report prostate.html
    """
    from ridgekit.demo import grouping_design, prostate_comparison
    from ridgekit.plot import grouping_effect
    from ridgekit.report import write_report

    with one_line_errors():
        check_output(report, "report")
        with shown_warnings(), phase("fitting"):
            r = prostate_comparison()
        header = ["Term", "LS", "Ridge df=5 (ESL)", "Ridge CV 1-SE"]
        rows = [["Intercept", f"{r.ls_intercept:.3f}", f"{r.esl_intercept:.3f}",
                 f"{r.ridge_intercept:.3f}"]]
        for name, a, e, b in zip(r.feature_names, r.ls_coef, r.esl_coef, r.ridge_coef,
                                 strict=True):
            rows.append([name, f"{a:.3f}", f"{e:.3f}", f"{b:.3f}"])
        rows += [["Test Error", f"{r.ls_test_error:.3f}", f"{r.esl_test_error:.3f}",
                  f"{r.ridge_test_error:.3f}"],
                 ["Std Error", f"{r.ls_test_se:.3f}", f"{r.esl_test_se:.3f}",
                  f"{r.ridge_test_se:.3f}"],
                 ["alpha", "0", num(r.esl_alpha), num(r.alpha)],
                 ["df", "8", num(r.esl_df), num(r.df)]]
        table("Prostate cancer: least squares vs ridge (67 train / 30 test men; df: "
              "intercept not counted)", header, rows)
        table("λ by each rule (training data)", ["rule", "alpha", "df"],
              [[k, num(v), num(r.rule_df[k])] for k, v in r.rules.items()])
        with phase("report"):
            g = grouping_design()
            group = (grouping_effect(g.paths, g.group, title="ridge, lasso and elastic net on "
                                     "one correlated design"),
                     "Grouping effect (Zou & Hastie 2005): three nearly collinear predictors "
                     "(red) share the signal. The lasso picks among them and drops the rest; "
                     "ridge and the elastic net move them together.")
            write_report(report, r.model, r.X_train, r.y_train, r.feature_names,
                         rules=r.rules, target_name="lpsa",
                         title="ridgekit demo: prostate cancer data",
                         data_source="bundled prostate.tsv (standardized by the sd of all "
                                     "97 men, 67 training rows)",
                         x_mean=r.x_mean, x_scale=r.x_scale, figures=[group])
        echo(f"report written to {report}")


def experiment(
    name: str = typer.Argument(..., metavar="NAME",
                               help="sgd-l2, adam-grid, early-stopping, weight-norms or all."),
    out: Path = typer.Option(Path("ridgekit-experiments"), "--out", "-o", metavar="FOLDER",
                             help="Folder for the JSON numbers and the figures."),
    quick: bool = typer.Option(False, help="A seconds-sized version (for a smoke test)."),
) -> None:
    """Run a weight-decay experiment with PyTorch (needs pip install 'ridgekit[torch]').

    adam-grid trains a small network on scikit-learn's digits with Adam + L2 and with
    AdamW over a learning-rate x decay grid (6 x 6 cells, 2 seeds: minutes) and says how
    far the best decay moves with the learning rate for each.

    Examples:

      ridgekit experiment sgd-l2 --out results/

      ridgekit experiment adam-grid --out results/
    """
    with one_line_errors():
        if out.exists() and not out.is_dir():
            raise UsageProblem(f"--out {out} is a file; give a folder")
        try:
            from ridgekit.nn.experiments import EXPERIMENTS, conclusion, n_runs, run
        except ImportError as exc:
            raise UsageProblem(str(exc).splitlines()[0]) from exc
        names = list(EXPERIMENTS) if name == "all" else [name]
        if name != "all" and name not in EXPERIMENTS:
            raise UsageProblem(f"unknown experiment {name!r}; choose one of "
                               f"{', '.join(EXPERIMENTS)} or all")
        for one in names:
            total = n_runs(one, quick=quick)
            with shown_warnings(), counting(one, total, "runs") as advance:
                result = run(one, quick=quick, progress=lambda done, total: advance())
            written = result.save(out)
            echo(f"{one}: wrote {', '.join(str(p) for p in written.values())}")
            text = conclusion(result)
            if text:
                echo(text)
