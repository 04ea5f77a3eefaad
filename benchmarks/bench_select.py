"""Choosing λ: ridgekit's RidgeCV against scikit-learn's (and himalaya's) side by side.

Run: ``.venv/bin/python benchmarks/bench_select.py [--quick] [--warm-memory GB]``
(prints a markdown table). ridgekit best of 3 (the first call shown where it is slower);
the slow scikit-learn fits once.

The first call of a fresh process pays for memory the process has never touched: on the
development VM growing a process to a new high-water mark costs ~3-8 s per GB the first
time (pages freed and reused later cost ~0.2 s/GB), so the first LOO fit (n = 1e5,
p = 200: ~0.5 GB of X @ V, U², residual chunks) reads ~1 s slower than the steady state
although no ridgekit code runs only once (no lazy import, no cache: traced with
``-X importtime`` and cProfile). The script prints the measured first-touch cost;
``--warm-memory GB`` touches that much memory once before timing, so the first-call
column shows one-time costs of the code alone.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _common import machine, table
from sklearn.linear_model import RidgeCV as SkRidgeCV

from ridgekit import RidgeCV


def timed(fn, repeat: int = 1):
    """Run ``fn`` ``repeat`` times; return its output, the best time and the first call's."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, min(times), times[0]


def seconds(best: float, first: float) -> str:
    return f"{best:.2f}" if first < 1.2 * best else f"{best:.2f} (first {first:.2f})"


def problem(n, p, t=1, seed=0, noise=3.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + rng.normal(size=p)
    Y = X @ rng.normal(size=(p, t)) / np.sqrt(p) + noise * rng.normal(size=(n, t))
    return X, (Y[:, 0] if t == 1 else Y)


def loo_case(rows):
    X, y = problem(100_000, 200)
    grid = np.logspace(-2, 6, 100)
    ours, t_ours, first = timed(lambda: RidgeCV(grid).fit(X, y), 3)
    ref, t_sk, _ = timed(lambda: SkRidgeCV(grid).fit(X, y))
    rows.append({"case": "LOO, 100 alphas, n=1e5, p=200", "ridgekit s": seconds(t_ours, first),
                 "peer": "sklearn RidgeCV()", "peer s": f"{t_sk:.2f}",
                 "speed-up": f"{t_sk / t_ours:.1f}x (goal >= 20x)",
                 "same alpha": str(ours.alpha_ == ref.alpha_)})


def kfold_case(rows):
    X, y = problem(100_000, 100, seed=1)
    grid = np.logspace(-2, 6, 30)
    ours, t_ours, first = timed(lambda: RidgeCV(grid, cv=10).fit(X, y), 3)
    ref, t_sk, _ = timed(lambda: SkRidgeCV(grid, cv=10).fit(X, y))
    rows.append({"case": "10-fold, 30 alphas, n=1e5, p=100",
                 "ridgekit s": seconds(t_ours, first),
                 "peer": "sklearn RidgeCV(cv=10)", "peer s": f"{t_sk:.2f}",
                 "speed-up": f"{t_sk / t_ours:.1f}x (goal >= 50x)",
                 "same alpha": str(ours.alpha_ == ref.alpha_)})


def many_targets_case(rows):
    X, Y = problem(2_000, 500, t=2_000, seed=2, noise=1.0)
    grid = np.logspace(-1, 5, 20)
    ours, t_ours, first = timed(lambda: RidgeCV(grid, cv=5, alpha_per_target=True).fit(X, Y), 3)
    ref, t_sk, _ = timed(lambda: SkRidgeCV(grid, alpha_per_target=True).fit(X, Y), 3)
    agree = np.mean(ours.alpha_ == ref.alpha_)
    rows.append({"case": "2000 targets, n=2000, p=500, 20 alphas, per target",
                 "ridgekit s": f"{seconds(t_ours, first)} (5-fold)",
                 "peer": "sklearn RidgeCV(alpha_per_target) LOO", "peer s": f"{t_sk:.2f}",
                 "speed-up": f"ratio {t_ours / t_sk:.2f} (goal <= 0.5)",
                 "same alpha": f"{agree:.0%} of targets (5-fold vs LOO)"})
    try:
        from himalaya.ridge import RidgeCV as HimalayaRidgeCV
    except ImportError:
        rows.append({"case": "himalaya", "ridgekit s": "-", "peer": "not installed",
                     "peer s": "-", "speed-up": "-", "same alpha": "-"})
        return
    him, t_him, _ = timed(lambda: HimalayaRidgeCV(alphas=grid, cv=5).fit(X, Y))
    agree = np.mean(np.isclose(ours.alpha_, him.best_alphas_))
    rows.append({"case": "2000 targets, n=2000, p=500, 20 alphas, per target",
                 "ridgekit s": f"{seconds(t_ours, first)} (5-fold)",
                 "peer": "himalaya RidgeCV(cv=5)",
                 "peer s": f"{t_him:.2f}", "speed-up": f"{t_him / t_ours:.1f}x (goal > 1x)",
                 "same alpha": f"{agree:.0%} of targets"})


def first_touch(gb: float) -> tuple[float, float]:
    """Seconds per GB to fill ``gb`` GB of fresh memory the first time, and again."""
    out = []
    for _ in range(2):
        start = time.perf_counter()
        block = np.ones(int(gb * 2**30 / 8))
        out.append((time.perf_counter() - start) / gb)
        del block
    return out[0], out[1]


def main(argv=None) -> None:
    global problem
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run (sizes / 10)")
    parser.add_argument("--warm-memory", type=float, default=0.0, metavar="GB",
                        help="touch this much memory before timing (see the docstring)")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    first, again = first_touch(args.warm_memory if args.warm_memory > 0 else 0.25)
    if args.quick:
        full = problem

        def problem(n, p, t=1, seed=0, noise=3.0):  # noqa: F811
            return full(max(n // 10, 2 * p), p, t, seed, noise)
    rows: list[dict] = []
    loo_case(rows)
    kfold_case(rows)
    many_targets_case(rows)
    print(f"Machine: {machine()}\n")
    print(f"Fresh memory: {first:.2f} s/GB the first time, {again:.2f} s/GB again"
          + (f" ({args.warm_memory:g} GB touched before timing)" if args.warm_memory else
             "") + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()
