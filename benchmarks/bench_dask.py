"""ridgekit on Dask: RidgeCV(cv=10) over 30 λ vs dask-ml for one λ; LogisticRidge vs dask-ml's
Newton and L-BFGS; one-pass moments on Dask vs in memory.

Run: ``python benchmarks/bench_dask.py`` (n = 20,000,000, p = 50 on a 2-worker
LocalCluster, about 8 GB of data) or ``--quick`` (n = 400,000). ``--n``/``--p``/
``--workers``/``--logistic-n`` override. Prints markdown. The ridge benchmark runs both
libraries on the same data in two settings (``--data``): every chunk regenerated from its
seed whenever a pass reads it (as data re-read from disk would be), and the chunks
persisted once in worker memory (skipped when over 40 % of the RAM). Besides wall times
it reports CPU seconds (workers + client + scheduler; far steadier on a shared machine)
of each fit and of a pass that only reads the data, so the ratio splits into its terms:
dask-ml's passes x its cost per pass (the read plus its own work) over ridgekit's one
pass (the read plus ours); "ratio if ridgekit's own work were free" is the ceiling the
data source leaves. ``--profile`` prints the compute seconds per task kind of both fits.

Data: ``[X | y]`` chunk b of 250,000 rows is made on the worker by
``default_rng([seed, b])`` (X normal with column offsets in [-1, 1]; y linear plus noise,
or a logistic draw). Every time a pass reads a chunk, a counter in the worker process
goes up: **passes = chunks made / chunks**, counted the same way for every library.

1. ``RidgeCV(alphas=30 values, cv=10)``: one pass of per-fold moments serves all 30 λ and
   10 folds; against dask-ml ``LinearRegression(penalty="l2", solver="lbfgs")`` at the λ
   ridgekit chose. Errors against exact solutions computed independently of both: per
   chunk ``Zᵀ Z`` of ``Z = [X − c, 1, y − c_y]`` in float64 (c the generator's offsets),
   summed over chunks in ``longdouble``, centred in ``longdouble``, solved with one step
   of iterative refinement on a ``longdouble`` residual -- ridge's
   ``(X̃ᵀX̃ + λI)β = X̃ᵀỹ`` and dask-glm's own objective ``Σ(y − Ãb)² + (1/C)‖b‖²/2`` on
   ``Ã = [(X − μ)/σ, 1]`` (it standardizes X and penalizes the intercept; with σ ≈ 1 and
   C = 1/(2λ) the two objectives nearly agree).
2. ``LogisticRidge(alpha)`` on Dask (Newton, one pass per step) against dask-ml
   ``LogisticRegression(penalty="l2", C=1/alpha)`` with ``solver="lbfgs"`` and
   ``solver="newton"`` (which drops the penalty: dask-ml issue 240). Errors against
   scikit-learn's ``newton-cholesky`` in memory (tol 1e-12) on the same rows, for
   ridgekit's objective and for dask-glm's (standardized X, penalized intercept).
3. Throughput of one pass of moments (10 folds, and none), rows/s: Dask on the cluster
   with the data persisted in worker memory, against ``FoldMoments.from_arrays`` /
   ``Moments.from_arrays`` in this process on the same rows (BLAS on all cores).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine, table  # noqa: E402

CHUNK = 250_000


# ------------------------------------------------------------------ the data
def _chunk(block_id, rows, p, seed, kind):
    """Rows [X | y] of chunk ``block_id``, from its own seed; counts itself."""
    import sys as _sys

    _sys.ridgekit_bench_chunks = getattr(_sys, "ridgekit_bench_chunks", 0) + 1
    rng = np.random.default_rng([seed, block_id])
    Z = np.empty((rows, p + 1))
    X = np.add(rng.standard_normal((rows, p)), np.linspace(-1.0, 1.0, p), out=Z[:, :p])
    beta = np.random.default_rng(seed).normal(size=p)
    if kind == "linear":
        Z[:, p] = X @ beta + 2.0 + 3.0 * rng.standard_normal(rows)
    else:
        Z[:, p] = X @ (beta / np.sqrt(p)) - 0.3 + rng.logistic(size=rows) > 0
    return Z


def _read(Z):
    """A pass reading a persisted chunk: counted like a regenerated one, no copy."""
    import sys as _sys

    _sys.ridgekit_bench_chunks = getattr(_sys, "ridgekit_bench_chunks", 0) + 1
    return Z


def make(n, p, chunk=CHUNK, seed=0, kind="linear", persist=None):
    """Lazy X (n, p) and y (n,) as slices of one generated [X | y] array; with a client as
    ``persist``, the [X | y] chunks are made once and held on the workers, and every pass
    reads them through one counting task per chunk."""
    import dask.array as da
    from dask import delayed

    rows = [min(chunk, n - s) for s in range(0, n, chunk)]
    parts = [da.from_delayed(delayed(_chunk, pure=True)(b, r, p, seed, kind),
                             shape=(r, p + 1), dtype=float) for b, r in enumerate(rows)]
    Z = da.concatenate(parts)
    if persist is not None:
        from dask.distributed import wait

        Z = persist.persist(Z)
        wait(Z)
        Z = Z.map_blocks(_read, dtype=float)
    return Z[:, :p], Z[:, p], len(rows)


def read_pass(client, X) -> tuple[float, float]:
    """(seconds, CPU seconds) of a pass that only makes (or reads) every chunk: the data
    source's cost, shared by every library, and Dask's floor for one pass."""
    import dask.array as da

    c0 = cpu_seconds(client)
    t0 = time.perf_counter()
    da.map_blocks(lambda b: b[:1, :1], X, chunks=((1,) * X.numblocks[0], (1,)),
                  dtype=float).sum().compute()
    return time.perf_counter() - t0, cpu_seconds(client) - c0


def task_profile(client, fn):
    """(result, {task kind: seconds of compute summed over workers}) of ``fn()``."""
    from dask.distributed import get_task_stream

    with get_task_stream(client) as ts:
        out = fn()
    from dask.utils import key_split

    kinds: dict[str, float] = {}
    for task in ts.data:
        kind = key_split(task["key"])
        for ss in task.get("startstops", ()):
            if ss["action"] == "compute":
                kinds[kind] = kinds.get(kind, 0.0) + ss["stop"] - ss["start"]
    return out, kinds


def made(client) -> int:
    return sum(client.run(lambda: getattr(sys, "ridgekit_bench_chunks", 0)).values())


def worker_gib(client) -> float:
    """Resident memory of the largest worker process."""
    import psutil

    return max(client.run(lambda: psutil.Process().memory_info().rss).values()) / 2**30


def _used() -> float:
    import psutil

    t = psutil.Process().cpu_times()
    return t.user + t.system


def cpu_seconds(client, here: bool = True) -> float:
    """CPU seconds used so far by the workers (and, ``here``, by this process: client and
    scheduler): what a pass costs, whatever else shares the cores."""
    return sum(client.run(_used).values()) + (_used() if here else 0.0)


def counted(client, n_chunks, fn, cpu=None):
    """(result, seconds, passes) of ``fn()``; its CPU seconds in ``cpu["s"]`` if given."""
    before, c0, h0 = made(client), cpu_seconds(client, False), _used()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    here = _used() - h0
    used = cpu_seconds(client, False) - c0 + here
    passes = (made(client) - before) / n_chunks
    if cpu is not None:
        cpu["s"], cpu["here"] = used, here
    print(f"  {type(out).__module__.split('.')[0]} {type(out).__name__}: {dt:.1f} s "
          f"({used:.1f} CPU s, {here:.1f} of them in the client and scheduler), "
          f"{passes:g} passes, worker memory now "
          f"{worker_gib(client):.1f} GiB", flush=True)
    return out, dt, passes


# --------------------------------------------------------- exact references
def _chunk_gram(Z, shift):
    A = np.c_[Z[:, :-1] - shift[:-1], np.ones(Z.shape[0]), Z[:, -1] - shift[-1]]
    return A.T @ A


def exact_moments(X, y, p):
    """Centered moments of all rows: float64 per chunk, summed and centered in longdouble."""
    import dask
    import dask.array as da

    Z = da.concatenate([X, y[:, None]], axis=1).rechunk({1: -1})
    shift = np.r_[np.linspace(-1.0, 1.0, p), 0.0]
    shift[-1] = 2.0 + np.random.default_rng(0).normal(size=p) @ shift[:-1]
    grams = dask.compute(*[dask.delayed(_chunk_gram)(b, shift)
                           for b in Z.to_delayed().ravel()])
    S = np.sum(np.array(grams, dtype=np.longdouble), axis=0)
    n = S[p, p]
    s1 = np.r_[S[:p, p], S[p + 1, p]]  # sums of the shifted [X, y]
    idx = list(range(p)) + [p + 1]
    M = S[np.ix_(idx, idx)] - np.outer(s1, s1) / n  # centred co-moments
    mean = s1 / n + np.asarray(shift, dtype=np.longdouble)
    return n, mean[:p], mean[p], M[:p, :p], M[:p, p]


def _refined_solve(A, b):
    """Solve in float64, then one step of refinement on a longdouble residual."""
    x = np.linalg.solve(np.asarray(A, float), np.asarray(b, float))
    r = b - A @ x.astype(np.longdouble)
    return x + np.linalg.solve(np.asarray(A, float), np.asarray(r, float))


def ridge_exact(ex, lam):
    n, mx, my, Cxx, Cxy = ex
    coef = _refined_solve(Cxx + lam * np.eye(Cxx.shape[0]), Cxy)
    return coef, float(my - mx @ coef)


def daskglm_exact(ex, lamduh):
    """Minimizer of Σ(y − Ãb)² + lamduh‖b‖²/2 with Ã = [(X − μ)/σ, 1], on X's scale (as
    dask_glm.utils.normalize returns it)."""
    n, mx, my, Cxx, Cxy = ex
    sd = np.sqrt(np.diag(Cxx) / n)
    bn = _refined_solve(Cxx / np.outer(sd, sd) + lamduh / 2 * np.eye(len(sd)), Cxy / sd)
    b0 = n * my / (n + lamduh / 2)
    return np.asarray(bn / sd, float), float(b0 - np.sum(bn * mx / sd))


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# ----------------------------------------------------------------- 1. ridge
def _fmt_kinds(kinds: dict[str, float]) -> str:
    total = sum(kinds.values()) or 1.0
    top = sorted(kinds.items(), key=lambda kv: -kv[1])[:5]
    return ", ".join(f"{k} {v:.1f} s ({v / total:.0%})" for k, v in top)


def bench_cv(client, n, p, rows, terms, data="regenerate", profile=False):
    """RidgeCV(cv=10, 30 λ) vs dask-ml for one λ on the same lazy (or persisted) data."""
    from ridgekit.linear_model import RidgeCV

    X, y, nc = make(n, p, persist=client if data == "persist" else None)
    alphas = np.logspace(-2, 6, 30)
    timed = (lambda f: task_profile(client, f)) if profile else (lambda f: (f(), None))
    # first call separately: this VM charges ~3.4 s/GB the first time a worker touches
    # fresh memory, which would otherwise land on whoever runs first (ridgekit)
    cpu_first: dict = {}
    cpu_rk: dict = {}
    _, t_first, _ = counted(client, nc, lambda: RidgeCV(alphas, cv=10).fit(X, y), cpu_first)
    (fit, t_rk, k_rk), prof_rk = timed(
        lambda: counted(client, nc, lambda: RidgeCV(alphas, cv=10).fit(X, y), cpu_rk))
    t_read, c_read = min(read_pass(client, X) for _ in range(2))
    ex = exact_moments(X, y, p)
    coef, b0 = ridge_exact(ex, fit.alpha_)
    t_best = min(t_rk, t_first)
    label = "regenerated per pass" if data == "regenerate" else "persisted on the workers"
    row = {"task": f"RidgeCV(cv=10) 30 λ vs dask-ml 1 λ, n={n:,} p={p}, data {label}",
           "ridgekit s": f"{t_best:.2f} (first {t_first:.2f})",
           "ridgekit passes": f"{k_rk:g}",
           "ridgekit rel. error": f"{_rel(np.r_[fit.coef_, fit.intercept_], np.r_[coef, b0]):.1e}"}
    c_rk = min(cpu_rk["s"], cpu_first["s"])
    term = {"data": label,
            "pass that only reads the data: s / CPU s": f"{t_read:.2f} / {c_read:.2f}",
            "ridgekit CPU s (beyond the read)": f"{c_rk:.2f} ({c_rk - c_read:+.2f})"}
    if prof_rk is not None:
        print("  ridgekit task time: " + _fmt_kinds(prof_rk), flush=True)
    try:
        from dask_ml.linear_model import LinearRegression
    except ImportError:
        row.update({"dask-ml s": "n/a (pip install dask-ml)", "dask-ml passes": "-",
                    "dask-ml rel. error (ridge / own objective)": "-", "ratio": "n/a"})
        rows.append(row)
        return
    C = 1.0 / (2.0 * fit.alpha_)
    cpu_dm: dict = {}
    (lr, t_dm, k_dm), prof_dm = timed(lambda: counted(client, nc, lambda: LinearRegression(
        penalty="l2", solver="lbfgs", C=C, fit_intercept=True).fit(X, y), cpu_dm))
    if prof_dm is not None:
        print("  dask-ml task time: " + _fmt_kinds(prof_dm), flush=True)
    mine = np.r_[lr.coef_, lr.intercept_]
    own_coef, own_b0 = daskglm_exact(ex, 1.0 / C)
    own = np.r_[own_coef, own_b0]
    row.update({"dask-ml s": f"{t_dm:.2f}", "dask-ml passes": f"{k_dm:g}",
                "dask-ml rel. error (ridge / own objective)":
                    f"{_rel(mine, np.r_[coef, b0]):.1e} / {_rel(mine, own):.1e}",
                "ratio": f"{t_dm / t_best:.1f}x (goal >= 20x)"})
    rows.append(row)
    c_dm = cpu_dm["s"]
    per = c_dm / max(k_dm, 1)
    term.update({"dask-ml CPU s per pass (beyond the read)": f"{per:.2f} ({per - c_read:+.2f})",
                 "dask-ml client + scheduler CPU s": f"{cpu_dm['here']:.2f}",
                 "CPU-time ratio": f"{c_dm / c_rk:.1f}x",
                 "CPU-time ratio if ridgekit's own work were free": f"{c_dm / c_read:.1f}x"})
    terms.append(term)


# -------------------------------------------------------------- 2. logistic
def bench_logistic(client, n, p, alpha, rows):
    from sklearn.linear_model import LogisticRegression

    from ridgekit.linear_model import LogisticRidge

    X, y, nc = make(n, p, seed=5, kind="logistic")
    fit, t_rk, k_rk = counted(client, nc, lambda: LogisticRidge(alpha=alpha).fit(X, y))
    Xm, ym = X.compute(), y.compute()  # n x p in memory once, for the references
    ref = LogisticRegression(C=1 / alpha, solver="newton-cholesky", tol=1e-12,
                             max_iter=1000).fit(Xm, ym)
    target = np.r_[ref.coef_.ravel(), ref.intercept_]
    mu, sd = Xm.mean(axis=0), Xm.std(axis=0)
    own = LogisticRegression(C=1 / alpha, solver="newton-cholesky", tol=1e-12, max_iter=1000,
                             fit_intercept=False).fit(np.c_[(Xm - mu) / sd, np.ones(n)], ym)
    b = own.coef_.ravel()
    own_target = np.r_[b[:p] / sd, b[p] - np.sum(b[:p] * mu / sd)]
    del Xm
    rows.append({"fit": f"LogisticRidge(alpha={alpha:g}), n={n:,} p={p}", "s": f"{t_rk:.1f}",
                 "passes": f"{k_rk:g}",
                 "rel. error (ridgekit's objective / dask-glm's)":
                     f"{_rel(np.r_[fit.coef_.ravel(), fit.intercept_], target):.1e} / -",
                 "time vs ridgekit": "1"})
    try:
        from dask_ml.linear_model import LogisticRegression as DaskLogistic
    except ImportError:
        return
    for solver in ("lbfgs", "newton"):
        dm, t_dm, k_dm = counted(client, nc, lambda s=solver: DaskLogistic(
            penalty="l2", C=1 / alpha, solver=s).fit(X, y))
        coef = np.r_[np.ravel(dm.coef_), dm.intercept_]
        rows.append({"fit": f"dask-ml LogisticRegression(solver={solver!r})",
                     "s": f"{t_dm:.1f}", "passes": f"{k_dm:g}",
                     "rel. error (ridgekit's objective / dask-glm's)":
                         f"{_rel(coef, target):.1e} / {_rel(coef, own_target):.1e}"
                         + (" (penalty dropped)" if solver == "newton" else ""),
                     "time vs ridgekit": f"{t_dm / t_rk:.1f}x"})


# ------------------------------------------------------------ 3. throughput
def bench_throughput(client, n, p, rows, repeat):
    import dask
    from dask.distributed import wait

    from ridgekit.moments import FoldMoments, Moments
    from ridgekit.scale import HashFolds, dask_fold_moments

    X, y, _ = make(n, p, chunk=max(n // 16, 1000), seed=1)
    # the same rows in this process, generated here: computing the persisted X would copy
    # its chunks between the workers (the ones on the worker that gathers them for the
    # client), which changes the very placement the Dask pass is timed on
    Xm, ym = dask.compute(X, y, scheduler="threads")
    X, y = client.persist([X, y])
    wait([X, y])
    folds = HashFolds(10)
    for label, use in (("10 folds", folds), ("no folds", None)):
        best_d = best_m = np.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            dask_fold_moments(X, y, folds=use, client=client)
            best_d = min(best_d, time.perf_counter() - t0)
            t0 = time.perf_counter()
            if use is None:
                Moments.from_arrays(Xm, ym)
            else:  # the fold ids are timed on both sides: the Dask pass hashes them too
                FoldMoments.from_arrays(Xm, ym, folds.fold_ids(n))
            best_m = min(best_m, time.perf_counter() - t0)
        rows.append({"moments pass": f"{label}, n={n:,} p={p}",
                     "Dask rows/s": f"{n / best_d:,.0f}",
                     "in-memory rows/s": f"{n / best_m:,.0f}",
                     "Dask / in-memory": f"{best_m / best_d:.0%} (goal >= 70%)"})
    del X, y, Xm, ym


def warm_up(client, p):
    """Every fit once on a small set, so that imports on the workers are not timed."""
    from ridgekit.linear_model import LogisticRidge, RidgeCV

    X, y, _ = make(20_000, p, chunk=10_000)
    RidgeCV(np.logspace(-2, 6, 5), cv=10).fit(X, y)
    Xl, yl, _ = make(20_000, p, chunk=10_000, kind="logistic")
    LogisticRidge().fit(Xl, yl)
    try:
        from dask_ml.linear_model import LinearRegression, LogisticRegression
    except ImportError:
        return
    LinearRegression(solver="lbfgs").fit(X, y)
    LogisticRegression(solver="lbfgs").fit(Xl, yl)


def _ram_gib() -> float:
    import psutil

    return psutil.virtual_memory().total / 2**30


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--p", type=int, default=50)
    ap.add_argument("--logistic-n", type=int, default=None)
    ap.add_argument("--alpha", type=float, default=10.0, help="logistic penalty")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="auto",
                    help="per worker (e.g. 4GiB): dask-ml holds every chunk of a pass at "
                         "once (about 13 GiB of 16 at n = 2e7 before it was stopped); a "
                         "limit makes it spill instead of taking a shared machine's memory")
    ap.add_argument("--data", default="both", choices=("regenerate", "persist", "both"),
                    help="ridge benchmark: chunks regenerated from their seeds on every "
                         "pass (as data re-read from disk), persisted in worker memory "
                         "once (skipped above 40%% of the RAM), or both")
    ap.add_argument("--profile", action="store_true",
                    help="print the compute seconds of each task kind of both fits")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", nargs="*", default=(), choices=("ridge", "logistic", "throughput"))
    args = ap.parse_args(argv)
    n = args.n or (400_000 if args.quick else 20_000_000)
    n_log = args.logistic_n or (200_000 if args.quick else 2_000_000)
    p = args.p
    from dask.distributed import Client, LocalCluster

    threads = max(1, (os.cpu_count() or 2) // args.workers)
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=threads,
                           processes=True, dashboard_address=":0",
                           memory_limit=args.memory_limit)
    client = Client(cluster)
    print(f"Machine: {machine()}; LocalCluster {args.workers} workers x {threads} threads; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    warm_up(client, p)
    if "ridge" not in args.skip:
        gib = n * (p + 1) * 8 / 2**30
        modes = ("regenerate", "persist") if args.data == "both" else (args.data,)
        if "persist" in modes and gib > 0.4 * _ram_gib():
            print(f"persisted data skipped: {gib:.1f} GiB is over 40% of the RAM\n")
            modes = tuple(m for m in modes if m != "persist")
        print(f"data: {gib:.1f} GiB\n")
        rows: list[dict] = []
        terms: list[dict] = []
        for mode in modes:
            bench_cv(client, n, p, rows, terms, mode, args.profile)
            client.run(__import__("gc").collect)
        print(table(rows) + "\n", flush=True)
        if terms:
            print("Where the time goes, in CPU seconds of workers + client (stable under "
                  "load; the ratio is dask-ml passes x its cost per pass / ridgekit's one "
                  "pass):\n")
            print(table(terms) + "\n", flush=True)
    if "logistic" not in args.skip:
        rows = []
        bench_logistic(client, n_log, p, args.alpha, rows)
        print(table(rows) + "\n", flush=True)
    if "throughput" not in args.skip:
        rows = []
        n_tp = min(n, 400_000 if args.quick else 4_000_000)
        bench_throughput(client, n_tp, p, rows, 1 if args.quick else args.repeat)
        print(table(rows), flush=True)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    client.close()
    cluster.close()


if __name__ == "__main__":
    main()
