"""Ridge fit: ridgekit against one syrk of X and against scikit-learn, side by side.

Run: ``.venv/bin/python benchmarks/bench_ridge.py`` (full size, about a minute) or
``--quick`` (small sizes, a smoke run); ``--repeat N`` rounds (default 5). Prints a
markdown table.

Goals (issue 10, item 13):

- tall, n = 1,000,000, p = 100: the fit within 1.15x one syrk of X on the BLAS ridgekit
  uses. ridgekit's every product runs on numpy's OpenBLAS (scipy's separate pool is never
  called on this route); its moments pass calls that BLAS single-threaded from one worker
  thread per core, each on its own slice of rows (``ridgekit._blas_split``). The table
  gives the fit against numpy's own ``X.T @ X`` (numpy's BLAS, its threads), against
  scipy's ``dsyrk`` (scipy's pool), and against the same row-split syrk calls ridgekit
  makes without the rest of the fit (what the pass adds to its syrk);
- wide, n = 1,000, p = 20,000: within 0.8x scikit-learn's ``Ridge``.

Method: the contenders are interleaved (A B C D, A B C D, ...) with a pause before each
call, so that one contender's BLAS threads, which spin ~0.1 s after a call, do not run
into the next one, and load that comes and goes hits all of them alike. The first round
is reported separately (first call); the others give the best time. The load average is
printed: on a shared machine only the ratios mean something, and under load the threaded
BLAS calls (numpy's syrk, scipy's, scikit-learn) suffer far more than single-threaded
ones.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from _common import machine, peak_extra_bytes, table
from scipy.linalg import blas
from sklearn.linear_model import Ridge as SkRidge

import ridgekit.moments as moments
from ridgekit import Ridge
from ridgekit._blas_split import blas_pass, blas_workers, row_gram, split_sum

PAUSE_S = 0.2


def interleaved(contenders: dict, rounds: int) -> dict[str, tuple[float, float]]:
    """``name -> (first call, best of the other rounds)`` in seconds, ABAB order."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            time.sleep(PAUSE_S)
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: (t[0], min(t[1:])) for name, t in times.items()}


def split_syrk_rows(X) -> np.ndarray:
    """The syrk calls of ridgekit's moments pass alone: cache blocks of rows, one slice
    of them per worker, single-threaded BLAS."""
    rows = moments._cache_block_rows(X.shape[1])

    def work(a, b):
        out = np.zeros((X.shape[1], X.shape[1]))
        for s in range(a, b, rows):
            Xb = X[s:min(s + rows, b)]
            out += Xb.T @ Xb
        return out

    with blas_pass(X.nbytes) as workers:
        return split_sum(work, X.shape[0], rows, workers, lambda u, v: u + v)


def contenders(X, y, tall: bool) -> dict:
    if tall:
        return {"ridgekit": lambda: Ridge(alpha=1.0).fit(X, y),
                "numpy syrk": lambda: X.T @ X,  # numpy's BLAS recognizes Xᵀ X as syrk
                "scipy dsyrk": lambda: blas.dsyrk(1.0, X.T, trans=0, lower=1),
                "split syrk": lambda: split_syrk_rows(X),
                "sklearn": lambda: SkRidge(alpha=1.0).fit(X, y)}
    return {"ridgekit": lambda: Ridge(alpha=1.0).fit(X, y),
            "numpy syrk": lambda: X @ X.T,
            "scipy dsyrk": lambda: blas.dsyrk(1.0, X.T, trans=1, lower=1),
            "split syrk": lambda: row_gram(X),
            "sklearn": lambda: SkRidge(alpha=1.0).fit(X, y)}


def measure(problem: str, X, y, tall: bool, rounds: int) -> dict:
    t = interleaved(contenders(X, y, tall), rounds)
    ours, sk = Ridge(alpha=1.0).fit(X, y), SkRidge(alpha=1.0).fit(X, y)
    mem_ours = peak_extra_bytes(lambda: Ridge(alpha=1.0).fit(X, y)) / X.nbytes
    mem_sk = peak_extra_bytes(lambda: SkRidge(alpha=1.0).fit(X, y)) / X.nbytes
    best = {k: v[1] for k, v in t.items()}
    r = best["ridgekit"]
    goal = "goal <= 1.15" if tall else "goal <= 0.8 of sklearn"
    return {
        "problem": problem,
        "ridgekit s (first)": f"{r:.3f} ({t['ridgekit'][0]:.3f})",
        "numpy syrk s": f"{best['numpy syrk']:.3f}",
        "scipy dsyrk s": f"{best['scipy dsyrk']:.3f}",
        "split syrk s": f"{best['split syrk']:.3f}",
        "sklearn s (first)": f"{best['sklearn']:.3f} ({t['sklearn'][0]:.3f})",
        "ridgekit / numpy syrk": f"**{r / best['numpy syrk']:.2f}**"
                                 + (f" ({goal})" if tall else ""),
        "/ scipy dsyrk": f"{r / best['scipy dsyrk']:.2f}",
        "/ split syrk": f"{r / best['split syrk']:.2f}",
        "/ sklearn": f"**{r / best['sklearn']:.2f}**" + ("" if tall else f" ({goal})"),
        "peak mem / size(X)": f"ridgekit {mem_ours:.3f}, sklearn {mem_sk:.2f}",
        "max rel coef diff": f"{np.abs(ours.coef_ - sk.coef_).max() / np.abs(sk.coef_).max():.1e}",
        "solver": ours.solver_,
    }


def tall_data(n: int, p: int):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, p)) + rng.normal(size=p)
    return X, X @ rng.normal(size=p) + rng.normal(size=n)


def wide_data(n: int, p: int):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, p))
    return X, X[:, :50] @ rng.normal(size=50) + rng.normal(size=n)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds of the interleaved contenders (the first is the first call)")
    args = parser.parse_args(argv)
    rounds = max(args.repeat, 4 if not args.quick else 3)
    tall_size, wide_size = ((50_000, 50), (200, 4_000)) if args.quick else \
        ((1_000_000, 100), (1_000, 20_000))
    load = os.getloadavg()[0]
    rows = []
    X, y = tall_data(*tall_size)
    rows.append(measure(f"n={tall_size[0]:,}, p={tall_size[1]}, one alpha", X, y, True, rounds))
    del X, y
    X, y = wide_data(*wide_size)
    rows.append(measure(f"n={wide_size[0]:,}, p={wide_size[1]:,}, one alpha", X, y, False,
                        rounds))
    print(f"Machine: {machine()}; ridgekit's moments pass splits over {blas_workers()} "
          f"worker(s)\n")
    print(f"Best of {rounds - 1} interleaved rounds after a first one; load average "
          f"{load:.2f} before, {os.getloadavg()[0]:.2f} after"
          + (" (UNDER LOAD: ratios noisy)" if max(load, os.getloadavg()[0]) > 0.5 else "")
          + "\n")
    print(table(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
