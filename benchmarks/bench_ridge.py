"""Ridge fit: ridgekit against one syrk of X and against scikit-learn, side by side.

Run: ``.venv/bin/python benchmarks/bench_ridge.py`` (full size, about a minute) or
``--quick`` (small sizes, a smoke run). Prints a markdown table.

Goals (issue 10, item 13), best of 3 runs each, first call reported separately:

- tall, n = 1,000,000, p = 100: the fit within 1.15x one syrk of X — measured on numpy's
  BLAS (``X.T @ X``, the pool ridgekit's moments use) and on scipy's (``dsyrk``) — and
  about 0.5x scikit-learn's ``Ridge``;
- wide, n = 1,000, p = 20,000: within 0.8x scikit-learn's ``Ridge`` (the dual route).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from _common import best_time, machine, peak_extra_bytes, table
from scipy.linalg import blas
from sklearn.linear_model import Ridge as SkRidge

from ridgekit import Ridge


def first_and_best(fn, repeat: int = 3) -> tuple[float, float]:
    """Wall time of the first call and the best of ``repeat`` further calls."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    return first, best_time(fn, repeat)


def scipy_syrk_time(X, repeat: int = 3) -> float:
    """Best of ``repeat`` scipy ``dsyrk`` calls, each after a pause: numpy's BLAS threads
    spin ~0.1 s after a call and would share the cores with scipy's separate pool."""
    best = np.inf
    for _ in range(repeat):
        time.sleep(0.3)
        start = time.perf_counter()
        blas.dsyrk(1.0, X.T, trans=0, lower=1)
        best = min(best, time.perf_counter() - start)
    return best


def compare(X, y) -> dict:
    """Time (first, best of 3), peak extra memory and coefficient agreement of both fits."""
    first_ours, t_ours = first_and_best(lambda: Ridge(alpha=1.0).fit(X, y))
    first_sk, t_sk = first_and_best(lambda: SkRidge(alpha=1.0).fit(X, y))
    m_ours = peak_extra_bytes(lambda: Ridge(alpha=1.0).fit(X, y))
    m_sk = peak_extra_bytes(lambda: SkRidge(alpha=1.0).fit(X, y))
    ours, sk = Ridge(alpha=1.0).fit(X, y), SkRidge(alpha=1.0).fit(X, y)
    return {"t_ours": t_ours, "t_sk": t_sk, "first_ours": first_ours, "first_sk": first_sk,
            "mem_ours": m_ours / X.nbytes, "mem_sk": m_sk / X.nbytes,
            "diff": np.abs(ours.coef_ - sk.coef_).max() / np.abs(sk.coef_).max()}


def row(problem: str, r: dict, ratio_goal: str, syrk: str) -> dict:
    return {
        "problem": problem,
        "ridgekit s (first)": f"{r['t_ours']:.3f} ({r['first_ours']:.3f})",
        "sklearn s (first)": f"{r['t_sk']:.3f} ({r['first_sk']:.3f})",
        "ratio to sklearn": f"{r['t_ours'] / r['t_sk']:.2f} ({ratio_goal})",
        "ratio to one syrk of X": syrk,
        "peak mem / size(X)": f"ridgekit {r['mem_ours']:.3f}, sklearn {r['mem_sk']:.2f}",
        "max rel coef diff": f"{r['diff']:.1e}",
    }


def tall(rows: list[dict], n: int, p: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, p)) + rng.normal(size=p)
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    t_np = best_time(lambda: X.T @ X)  # numpy's BLAS recognizes Xᵀ X as syrk
    t_sp = scipy_syrk_time(X)
    r = compare(X, y)
    t_np = min(t_np, best_time(lambda: X.T @ X))  # again, after the fits: same conditions
    syrk = (f"{r['t_ours'] / t_np:.2f} vs numpy syrk {t_np:.3f} s, "
            f"{r['t_ours'] / t_sp:.2f} vs scipy syrk {t_sp:.3f} s (goal <= 1.15)")
    rows.append(row(f"n={n:,}, p={p}, one alpha", r, "goal ~0.5", syrk))


def wide(rows: list[dict], n: int, p: int) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, p))
    y = X[:, :50] @ rng.normal(size=50) + rng.normal(size=n)
    t_k = best_time(lambda: X @ X.T)
    r = compare(X, y)
    rows.append(row(f"n={n:,}, p={p:,}, one alpha", r, "goal <= 0.8",
                    f"{r['t_ours'] / t_k:.2f} vs numpy syrk X Xᵀ {t_k:.3f} s"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    args = parser.parse_args(argv)
    rows: list[dict] = []
    if args.quick:
        tall(rows, 50_000, 50)
        wide(rows, 200, 4_000)
    else:
        tall(rows, 1_000_000, 100)
        wide(rows, 1_000, 20_000)
    print(f"Machine: {machine()}\n")
    print(table(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
