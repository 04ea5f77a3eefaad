"""Choosing λ: ridgekit's RidgeCV against scikit-learn's (and himalaya's) side by side.

Run: ``.venv/bin/python benchmarks/bench_select.py`` (prints a markdown table).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from _common import machine, table
from sklearn.linear_model import RidgeCV as SkRidgeCV

from ridgekit import RidgeCV


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def problem(n, p, t=1, seed=0, noise=3.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) + rng.normal(size=p)
    Y = X @ rng.normal(size=(p, t)) / np.sqrt(p) + noise * rng.normal(size=(n, t))
    return X, (Y[:, 0] if t == 1 else Y)


def loo_case(rows):
    X, y = problem(100_000, 200)
    grid = np.logspace(-2, 6, 100)
    ours, t_ours = timed(lambda: RidgeCV(grid).fit(X, y))
    ref, t_sk = timed(lambda: SkRidgeCV(grid).fit(X, y))
    rows.append({"case": "LOO, 100 alphas, n=1e5, p=200", "ridgekit s": f"{t_ours:.2f}",
                 "peer": "sklearn RidgeCV()", "peer s": f"{t_sk:.2f}",
                 "speed-up": f"{t_sk / t_ours:.1f}x (goal >= 20x)",
                 "same alpha": str(ours.alpha_ == ref.alpha_)})


def kfold_case(rows):
    X, y = problem(100_000, 100, seed=1)
    grid = np.logspace(-2, 6, 30)
    ours, t_ours = timed(lambda: RidgeCV(grid, cv=10).fit(X, y))
    ref, t_sk = timed(lambda: SkRidgeCV(grid, cv=10).fit(X, y))
    rows.append({"case": "10-fold, 30 alphas, n=1e5, p=100", "ridgekit s": f"{t_ours:.2f}",
                 "peer": "sklearn RidgeCV(cv=10)", "peer s": f"{t_sk:.2f}",
                 "speed-up": f"{t_sk / t_ours:.1f}x (goal >= 50x)",
                 "same alpha": str(ours.alpha_ == ref.alpha_)})


def many_targets_case(rows):
    X, Y = problem(2_000, 500, t=2_000, seed=2, noise=1.0)
    grid = np.logspace(-1, 5, 20)
    ours, t_ours = timed(lambda: RidgeCV(grid, cv=5, alpha_per_target=True).fit(X, Y))
    ref, t_sk = timed(lambda: SkRidgeCV(grid, alpha_per_target=True).fit(X, Y))
    agree = np.mean(ours.alpha_ == ref.alpha_)
    rows.append({"case": "2000 targets, n=2000, p=500, 20 alphas, per target",
                 "ridgekit s": f"{t_ours:.2f} (5-fold)",
                 "peer": "sklearn RidgeCV(alpha_per_target) LOO", "peer s": f"{t_sk:.2f}",
                 "speed-up": f"ratio {t_ours / t_sk:.2f} (goal <= 0.5)",
                 "same alpha": f"{agree:.0%} of targets (5-fold vs LOO)"})
    try:
        from himalaya.ridge import RidgeCV as HimalayaRidgeCV
    except ImportError:
        rows.append({"case": "himalaya", "ridgekit s": "-", "peer": "not installed",
                     "peer s": "-", "speed-up": "-", "same alpha": "-"})
        return
    him, t_him = timed(lambda: HimalayaRidgeCV(alphas=grid, cv=5).fit(X, Y))
    agree = np.mean(np.isclose(ours.alpha_, him.best_alphas_))
    rows.append({"case": "2000 targets, n=2000, p=500, 20 alphas, per target",
                 "ridgekit s": f"{t_ours:.2f} (5-fold)", "peer": "himalaya RidgeCV(cv=5)",
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
