"""ridgekit on Dask: RidgeCV(cv=10) over 30 λ vs dask-ml for one λ; one-pass moments on
Dask vs in memory.

Run: ``python benchmarks/bench_dask.py`` (n = 20,000,000, p = 50 on a 2-worker
LocalCluster, data persisted on the workers when it fits in half the memory) or
``--quick`` (n = 400,000). ``--n``/``--p``/``--workers`` override. Prints markdown tables.

1. ``RidgeCV(alphas=30 values, cv=10)``: one pass of per-fold moments, all 30 λ and 10
   folds from it; against dask-ml ``LinearRegression(penalty="l2", solver="lbfgs")`` at the
   λ ridgekit chose (every L-BFGS iteration is a pass). Errors are against the exact
   solution of each objective, computed from moments reduced by Dask's own
   ``X.T @ X`` (an independent route): ridge's ``(X̃ᵀX̃ + λI)β = X̃ᵀỹ``, and dask-glm's
   ``Σ(y − Ãb)² + (1/C)‖b‖²/2`` on ``Ã = [(X − μ)/σ, 1]`` (it standardizes X and
   penalizes the intercept; with σ ≈ 1 and C = 1/(2λ) the two objectives nearly agree).
2. Throughput of one pass of moments (with 10 folds, and without), rows/s: Dask on the
   cluster (data already in worker memory) against ``FoldMoments.from_arrays`` /
   ``Moments.from_arrays`` in this process on the same machine (BLAS on all cores).
   The ratio is what Dask's scheduling and the merge tree cost.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine, table  # noqa: E402


def _make(n, p, chunk, seed=0):
    import dask.array as da

    rs = da.random.RandomState(seed)
    X = rs.standard_normal((n, p), chunks=(chunk, p)) + np.linspace(-1, 1, p)
    beta = np.random.default_rng(seed).normal(size=p)
    y = X @ beta + 2.0 + 3.0 * rs.standard_normal(n, chunks=chunk)
    return X, y


def _exact_moments(X, y):
    """Means and centered Gram by dask's own reductions (not ridgekit's)."""
    import dask

    n = X.shape[0]
    mx, my, G, b, yy = dask.compute(X.mean(axis=0), y.mean(), X.T @ X, X.T @ y, y @ y)
    Cxx = G - n * np.outer(mx, mx)
    Cxy = b - n * mx * my
    return n, mx, float(my), Cxx, Cxy


def _ridge_exact(n, mx, my, Cxx, Cxy, lam):
    coef = np.linalg.solve(Cxx + lam * np.eye(Cxx.shape[0]), Cxy)
    return coef, my - mx @ coef


def _daskglm_exact(n, mx, my, Cxx, Cxy, lamduh):
    """Minimizer of Σ(y − Ãb)² + lamduh‖b‖²/2 with Ã = [(X − μ)/σ, 1], back on X's scale
    (as dask_glm.utils.normalize returns it)."""
    sd = np.sqrt(np.diag(Cxx) / n)
    bn = np.linalg.solve(Cxx / np.outer(sd, sd) + lamduh / 2 * np.eye(len(sd)), Cxy / sd)
    b0 = n * my / (n + lamduh / 2)
    return bn / sd, b0 - np.sum(bn * mx / sd)


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def bench_cv(client, X, y, rows):
    from ridgekit.linear_model import RidgeCV

    n, p = X.shape
    alphas = np.logspace(-2, 6, 30)
    t0 = time.perf_counter()
    fit = RidgeCV(alphas, cv=10).fit(X, y)
    t_rk = time.perf_counter() - t0
    ex = _exact_moments(X, y)
    coef, b0 = _ridge_exact(*ex, fit.alpha_)
    err_rk = _rel(np.r_[fit.coef_, fit.intercept_], np.r_[coef, b0])
    row = {"task": f"RidgeCV(cv=10) 30 λ vs dask-ml 1 λ, n={n:,} p={p}",
           "ridgekit s": f"{t_rk:.2f}", "ridgekit passes": 1,
           "ridgekit rel. error": f"{err_rk:.1e}"}
    try:
        from dask_ml.linear_model import LinearRegression
    except ImportError:
        row.update({"dask-ml s": "n/a (dask-ml not installed: pip install dask-ml)",
                    "ratio": "n/a", "goal": ">= 20x"})
        rows.append(row)
        return
    C = 1.0 / (2.0 * fit.alpha_)
    lr = LinearRegression(penalty="l2", solver="lbfgs", C=C, fit_intercept=True)
    t0 = time.perf_counter()
    lr.fit(X, y)
    t_dm = time.perf_counter() - t0
    mine = np.r_[lr.coef_, lr.intercept_]
    own_coef, own_b0 = _daskglm_exact(*ex, 1.0 / C)
    own = np.r_[own_coef, own_b0]
    row.update({
        "dask-ml s": f"{t_dm:.2f}",
        "dask-ml rel. error (ridge / its own objective)":
            f"{_rel(mine, np.r_[coef, b0]):.1e} / {_rel(mine, own):.1e}",
        "ratio": f"{t_dm / t_rk:.1f}x", "goal": ">= 20x"})
    rows.append(row)


def bench_throughput(client, n, p, chunk, rows, repeat):
    from dask.distributed import wait

    from ridgekit.moments import FoldMoments, Moments
    from ridgekit.scale import HashFolds, dask_fold_moments

    X, y = _make(n, p, chunk, seed=1)
    X, y = client.persist([X, y])
    wait([X, y])
    folds = HashFolds(10)
    Xm = np.random.default_rng(1).standard_normal((n, p))
    ym = Xm[:, 0] + np.random.default_rng(2).standard_normal(n)
    ids = folds.fold_ids(n)
    for label, use in (("10 folds", folds), ("no folds", None)):
        best_d = best_m = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            dask_fold_moments(X, y, folds=use, client=client)
            best_d = min(best_d, time.perf_counter() - t0)
            t0 = time.perf_counter()
            if use is None:
                Moments.from_arrays(Xm, ym)
            else:
                FoldMoments.from_arrays(Xm, ym, ids)
            best_m = min(best_m, time.perf_counter() - t0)
        rows.append({"moments pass": f"{label}, n={n:,} p={p}",
                     "Dask rows/s": f"{n / best_d:,.0f}",
                     "in-memory rows/s": f"{n / best_m:,.0f}",
                     "Dask / in-memory": f"{best_m / best_d:.0%}", "goal": ">= 70%"})
    del X, y


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--p", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    n = args.n or (400_000 if args.quick else 20_000_000)
    p = args.p
    chunk = 250_000 if n >= 2_000_000 else max(n // 16, 1000)
    import psutil
    from dask.distributed import Client, LocalCluster, wait

    threads = max(1, (os.cpu_count() or 2) // args.workers)
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=threads,
                           processes=True, dashboard_address=":0")
    client = Client(cluster)
    print(f"Machine: {machine()}; LocalCluster {args.workers} workers x {threads} threads\n")
    X, y = _make(n, p, chunk)
    fits = n * (p + 1) * 8 < 0.5 * psutil.virtual_memory().available
    if fits:
        X, y = client.persist([X, y])
        wait([X, y])
    print(f"data: {n * (p + 1) * 8 / 2**30:.1f} GiB, "
          f"{'persisted on the workers' if fits else 'regenerated on every pass'}\n")
    rows: list[dict] = []
    bench_cv(client, X, y, rows)
    print(table(rows) + "\n", flush=True)
    del X, y
    tp: list[dict] = []
    n_tp = min(n, 400_000 if args.quick else 4_000_000)
    bench_throughput(client, n_tp, p, max(n_tp // 16, 1000), tp, 1 if args.quick
                     else args.repeat)
    print(table(tp))
    client.close()
    cluster.close()


if __name__ == "__main__":
    main()
