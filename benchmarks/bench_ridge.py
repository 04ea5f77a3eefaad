"""Ridge fit: ridgekit against scikit-learn side by side in one process.

Run: ``.venv/bin/python benchmarks/bench_ridge.py`` (prints a markdown table).
"""

from __future__ import annotations

import sys

import numpy as np
from _common import best_time, machine, peak_extra_bytes, table
from sklearn.linear_model import Ridge as SkRidge

from ridgekit import Ridge


def compare(X, y) -> dict:
    """Time, peak extra memory and coefficient agreement of both fits on the same data."""
    t_ours = best_time(lambda: Ridge(alpha=1.0).fit(X, y))
    t_sk = best_time(lambda: SkRidge(alpha=1.0).fit(X, y))
    m_ours = peak_extra_bytes(lambda: Ridge(alpha=1.0).fit(X, y))
    m_sk = peak_extra_bytes(lambda: SkRidge(alpha=1.0).fit(X, y))
    ours, sk = Ridge(alpha=1.0).fit(X, y), SkRidge(alpha=1.0).fit(X, y)
    return {"t_ours": t_ours, "t_sk": t_sk, "mem_ours": m_ours / X.nbytes,
            "mem_sk": m_sk / X.nbytes,
            "diff": np.abs(ours.coef_ - sk.coef_).max() / np.abs(sk.coef_).max()}


def row(problem: str, r: dict, ratio_goal: str, syrk: str, mem_goal: str) -> dict:
    return {
        "problem": problem, "ridgekit s": f"{r['t_ours']:.3f}", "sklearn s": f"{r['t_sk']:.3f}",
        "ratio": f"{r['t_ours'] / r['t_sk']:.2f} ({ratio_goal})", "vs syrk X^T X": syrk,
        "peak mem / size(X)": f"ridgekit {r['mem_ours']:.3f}{mem_goal}, "
                              f"sklearn {r['mem_sk']:.2f}",
        "max rel coef diff": f"{r['diff']:.1e}",
    }


def tall(rows: list[dict]) -> None:
    rng = np.random.default_rng(0)
    n, p = 1_000_000, 100
    X = rng.normal(size=(n, p)) + rng.normal(size=p)
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    t_syrk = best_time(lambda: X.T @ X)
    r = compare(X, y)
    rows.append(row("n=1e6, p=100, one alpha", r, "goal <= 0.4",
                    f"{r['t_ours'] / t_syrk:.2f} (syrk {t_syrk:.3f} s; goal <= 1.5)",
                    " (goal <= 0.25)"))


def wide(rows: list[dict]) -> None:
    rng = np.random.default_rng(1)
    n, p = 1_000, 20_000
    X = rng.normal(size=(n, p))
    y = X[:, :50] @ rng.normal(size=50) + rng.normal(size=n)
    rows.append(row("n=1000, p=20000, one alpha", compare(X, y), "goal <= 1", "-", ""))


def main() -> None:
    rows: list[dict] = []
    tall(rows)
    wide(rows)
    print(f"Machine: {machine()}\n")
    print(table(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
