"""Ridge fit: ridgekit against scikit-learn side by side in one process.

Run: ``.venv/bin/python benchmarks/bench_ridge.py`` (prints a markdown table).
"""

from __future__ import annotations

import sys

import numpy as np
from _common import best_time, machine, peak_extra_bytes, table
from sklearn.linear_model import Ridge as SkRidge

from ridgekit import Ridge


def tall(rows: list[dict]) -> None:
    rng = np.random.default_rng(0)
    n, p = 1_000_000, 100
    X = rng.normal(size=(n, p)) + rng.normal(size=p)
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    t_syrk = best_time(lambda: X.T @ X)
    t_ours = best_time(lambda: Ridge(alpha=1.0).fit(X, y))
    t_sk = best_time(lambda: SkRidge(alpha=1.0).fit(X, y))
    m_ours = peak_extra_bytes(lambda: Ridge(alpha=1.0).fit(X, y))
    m_sk = peak_extra_bytes(lambda: SkRidge(alpha=1.0).fit(X, y))
    ours, sk = Ridge(alpha=1.0).fit(X, y), SkRidge(alpha=1.0).fit(X, y)
    diff = np.abs(ours.coef_ - sk.coef_).max() / np.abs(sk.coef_).max()
    rows.append({
        "problem": "n=1e6, p=100, one alpha", "ridgekit s": f"{t_ours:.3f}",
        "sklearn s": f"{t_sk:.3f}", "ratio": f"{t_ours / t_sk:.2f} (goal <= 0.4)",
        "vs syrk X^T X": f"{t_ours / t_syrk:.2f} (syrk {t_syrk:.3f} s; goal <= 1.5)",
        "peak mem / size(X)": f"ridgekit {m_ours / X.nbytes:.3f} (goal <= 0.25), "
                              f"sklearn {m_sk / X.nbytes:.2f}",
        "max rel coef diff": f"{diff:.1e}",
    })


def wide(rows: list[dict]) -> None:
    rng = np.random.default_rng(1)
    n, p = 1_000, 20_000
    X = rng.normal(size=(n, p))
    y = X[:, :50] @ rng.normal(size=50) + rng.normal(size=n)
    t_ours = best_time(lambda: Ridge(alpha=1.0).fit(X, y))
    t_sk = best_time(lambda: SkRidge(alpha=1.0).fit(X, y))
    m_ours = peak_extra_bytes(lambda: Ridge(alpha=1.0).fit(X, y))
    m_sk = peak_extra_bytes(lambda: SkRidge(alpha=1.0).fit(X, y))
    ours, sk = Ridge(alpha=1.0).fit(X, y), SkRidge(alpha=1.0).fit(X, y)
    diff = np.abs(ours.coef_ - sk.coef_).max() / np.abs(sk.coef_).max()
    rows.append({
        "problem": "n=1000, p=20000, one alpha", "ridgekit s": f"{t_ours:.3f}",
        "sklearn s": f"{t_sk:.3f}", "ratio": f"{t_ours / t_sk:.2f} (goal <= 1)",
        "vs syrk X^T X": "-",
        "peak mem / size(X)": f"ridgekit {m_ours / X.nbytes:.3f}, sklearn {m_sk / X.nbytes:.2f}",
        "max rel coef diff": f"{diff:.1e}",
    })


def main() -> None:
    rows: list[dict] = []
    tall(rows)
    wide(rows)
    print(f"Machine: {machine()}\n")
    print(table(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
