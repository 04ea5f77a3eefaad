"""Choosing λ: ridgekit's RidgeCV against scikit-learn's (and himalaya's) side by side.

Run: ``.venv/bin/python benchmarks/bench_select.py`` (prints a markdown table). ridgekit
best of 3 (the first call shown where it is slower); the slow scikit-learn fits once.
"""

from __future__ import annotations

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


def main() -> None:
    warnings.simplefilter("ignore")
    rows: list[dict] = []
    loo_case(rows)
    kfold_case(rows)
    many_targets_case(rows)
    print(f"Machine: {machine()}\n")
    print(table(rows))


if __name__ == "__main__":
    main()
