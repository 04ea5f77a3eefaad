"""Second-difference Tikhonov over a λ grid: one decomposition against a loop of dense solves.

Run: ``.venv/bin/python benchmarks/bench_tikhonov.py`` (prints a markdown table);
``--quick`` runs a small smoke size (n = p = 600, 30 λ) in a few seconds.

Both sides start from (X, y) and produce all 100 coefficient vectors. ridgekit's
``gsvd`` route tridiagonalizes the balanced pencil once and solves one tridiagonal
system per λ (the eigenvectors are not needed for coefficients). The dense loop
forms XᵀX, ΓᵀΓ and Xᵀy once, then calls ``scipy.linalg.solve`` per λ (default arguments,
and again with ``assume_a="pos"``, the fastest dense option for this SPD system).
"""

from __future__ import annotations

import sys

import numpy as np
from _common import best_time, machine, table
from scipy import linalg

from ridgekit.linear_model._tikhonov import tikhonov_path
from ridgekit.select import gcv
from ridgekit.tikhonov import second_difference

COMMAND = ".venv/bin/python benchmarks/bench_tikhonov.py"


def problem(n: int = 2000, p: int = 2000, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    t = np.linspace(0, 1, p)
    beta = np.sin(2 * np.pi * t) + 0.5 * t
    y = X @ beta + rng.normal(size=n)
    return X, y


def ours(X, y, G, alphas):
    path = tikhonov_path(X, y, alphas, gamma=G, fit_intercept=False)
    return path.coefs, path.spectrum


def ours_with_gcv(X, y, G, alphas):
    """The path plus GCV over the grid: GCV needs Uᵀy, i.e. the eigenvectors of T."""
    path = tikhonov_path(X, y, alphas, gamma=G, fit_intercept=False)
    return path.coefs, gcv(path.spectrum, alphas)


def dense_loop(X, y, G, alphas, assume_a=None):
    XtX, P, Xty = X.T @ X, (G.T @ G).toarray(), X.T @ y
    out = np.empty((alphas.size, X.shape[1]))
    for k, a in enumerate(alphas):
        out[k] = linalg.solve(XtX + a * P, Xty, assume_a=assume_a)
    return out


def main(quick: bool = False) -> None:
    n = p = 600 if quick else 2000
    X, y = problem(n, p)
    G = second_difference(p)
    alphas = np.logspace(-1, 5, 30 if quick else 100)
    coefs, spec = ours(X, y, G, alphas)
    t_ours = best_time(lambda: ours(X, y, G, alphas))
    rows = []
    for label, assume in (("scipy.linalg.solve (default)", None),
                          ('scipy.linalg.solve(assume_a="pos")', "pos")):
        ref = dense_loop(X, y, G, alphas, assume)
        t_ref = best_time(lambda assume=assume: dense_loop(X, y, G, alphas, assume))
        diff = np.max(np.abs(coefs - ref).max(axis=1) / np.abs(ref).max(axis=1))
        rows.append({
            "problem": f"n=p={n}, second difference, {alphas.size} λ in [1e-1, 1e5]",
            "baseline": f"loop of {label}",
            "baseline s": f"{t_ref:.2f}",
            f"ridgekit s ({spec.method})": f"{t_ours:.2f}",
            "speedup": f"{t_ref / t_ours:.1f}x (goal >= 20x)",
            "max rel diff": f"{diff:.1e}",
        })
    print(f"Command: `{COMMAND}{' --quick' if quick else ''}` (best of 3)\n")
    print(f"Machine: {machine()}\n")
    print(table(rows))
    t_gcv = best_time(lambda: ours_with_gcv(X, y, G, alphas))
    print(f"\nWith GCV over the same grid (needs the eigenvectors of T): {t_gcv:.2f} s.")
    sys.stdout.flush()


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
