"""Reproducible weight-decay experiments (each returns a result dataclass).

=====================  ==============================  =============================
name (``main``)        function                        result
=====================  ==============================  =============================
``sgd-l2``             :func:`sgd_l2_equivalence`      :class:`EquivalenceResult`
``adam-grid``          :func:`adam_vs_adamw_grid`      :class:`GridResult`
``early-stopping``     :func:`early_stopping_vs_ridge` :class:`EarlyStoppingResult`
``weight-norms``       :func:`weight_norms`            :class:`WeightNormResult`
=====================  ==============================  =============================

Every result has ``to_dict()``, ``save_json(path)``, ``save_png(path)`` and
``save(outdir)`` (JSON + PNG, written atomically). :func:`main` is the command-line
entry (``python -m ridgekit.nn.experiments NAME --out DIR``), meant to be wired into
the ``ridgekit`` CLI.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .adam_grid import (
    GridResult,
    adam_grid_size,
    adam_vs_adamw_grid,
    grid_conclusion,
    separability,
)
from .early_stopping import EarlyStoppingResult, early_stopping_vs_ridge
from .sgd_equivalence import EquivalenceResult, sgd_l2_equivalence
from .weight_norms import WeightNormResult, weight_norms

__all__ = [
    "EXPERIMENTS",
    "EarlyStoppingResult",
    "EquivalenceResult",
    "GridResult",
    "WeightNormResult",
    "adam_vs_adamw_grid",
    "adam_grid_size",
    "conclusion",
    "grid_conclusion",
    "n_runs",
    "early_stopping_vs_ridge",
    "main",
    "run",
    "separability",
    "sgd_l2_equivalence",
    "weight_norms",
]

#: name -> (function, keyword arguments of the quick version)
EXPERIMENTS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "sgd-l2": (sgd_l2_equivalence, {"steps": 20}),
    "adam-grid": (
        adam_vs_adamw_grid,
        {
            "lrs": (1e-3, 1e-2),
            "decays": {"adam_l2": (1e-3, 1e-1), "adamw": (1e-3, 1e-2)},
            "seeds": (0,),
            "epochs": 2,
            "n_train": 200,
            "hidden": 32,
        },
    ),
    "early-stopping": (early_stopping_vs_ridge, {"max_iter": 2000}),
    "weight-norms": (weight_norms, {"epochs": 3, "n_train": 300}),
}


def _config(name: str, quick: bool, kwargs: dict) -> tuple[Callable[..., Any], dict]:
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; valid names are: " + ", ".join(EXPERIMENTS))
    fn, quick_kw = EXPERIMENTS[name]
    return fn, ({**quick_kw, **kwargs} if quick else dict(kwargs))


def n_runs(name: str, *, quick: bool = False, **kwargs: Any) -> int:
    """How many training runs (progress steps) :func:`run` will report for ``name``:
    the cells x seeds x optimizers of ``adam-grid``, 1 for the others."""
    fn, kw = _config(name, quick, kwargs)
    if fn is adam_vs_adamw_grid:
        return adam_grid_size(**{k: v for k, v in kw.items()
                                 if k in ("lrs", "decays", "seeds")})
    return 1


def run(name: str, *, quick: bool = False, progress: Callable[[int, int], None] | None = None,
        **kwargs: Any):
    """Run one experiment by name; ``quick`` uses a seconds-sized configuration.

    ``progress(done, total)`` is called after every training run (every grid cell and
    seed of ``adam-grid``; once at the end for the others).
    """
    fn, kw = _config(name, quick, kwargs)
    if fn is adam_vs_adamw_grid:
        return fn(**kw, progress=progress)
    result = fn(**kw)
    if progress is not None:
        progress(1, 1)
    return result


def conclusion(result) -> str:
    """What an experiment found, in a few plain sentences (empty when it has no verdict)."""
    if isinstance(result, GridResult):
        return grid_conclusion(result)
    return ""


def _summary(result) -> dict[str, Any]:
    if isinstance(result, GridResult):
        return {
            "runtime_s": result.runtime_s,
            "separability": {
                m: {
                    o: {k: v[k] for k in ("slope", "correlation", "interaction") if k in v}
                    for o, v in d.items()
                }
                for m, d in result.separability.items()
            },
        }
    if isinstance(result, EquivalenceResult):
        return {
            "max_diff_torch": result.max_diff_torch,
            "max_diff_decoupled": result.max_diff_decoupled,
        }
    if isinstance(result, EarlyStoppingResult):
        return {
            k: getattr(result, k)
            for k in (
                "best_iteration",
                "best_gd_test_mse",
                "best_lambda",
                "best_ridge_test_mse",
                "lambda_equivalent_of_best_iteration",
                "max_filter_deviation",
            )
        }
    if isinstance(result, WeightNormResult):
        return {
            "final_norms": {k: v[-1] for k, v in result.norms.items()},
            "test_error": result.test_error,
            "timescale_epochs": result.timescale_epochs,
        }
    return {}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: run experiments, save JSON + PNG, print a summary.

    Returns the exit status (0 ok, 2 bad usage).
    """
    parser = argparse.ArgumentParser(
        prog="python -m ridgekit.nn.experiments",
        description="Weight-decay experiments of ridgekit.nn",
    )
    parser.add_argument("name", choices=[*EXPERIMENTS, "all"])
    parser.add_argument("--out", default="nn_experiments", help="output folder")
    parser.add_argument("--quick", action="store_true", help="seconds-sized version")
    parser.add_argument("--jobs", type=int, default=1, help="processes for adam-grid")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")
    names = list(EXPERIMENTS) if args.name == "all" else [args.name]
    for name in names:
        kw = {"n_jobs": args.jobs} if name == "adam-grid" else {}
        result = run(name, quick=args.quick, **kw)
        paths = result.save(args.out)
        print(
            json.dumps(
                {
                    "experiment": name,
                    **{k: str(v) for k, v in paths.items()},
                    "summary": _summary(result),
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
