"""The floor of approximate leave-one-out over a grid, measured piece by piece.

Run: ``.venv/bin/python benchmarks/bench_alo_floor.py`` (``--quick``: n = 10,000, p = 20;
``--threads N`` caps BLAS threads).

Whatever the algorithm, ALO at every λ of a binary logistic path needs (i) one weighted
Gram AᵀDA (n d² multiply-adds: the leverages are quadratic forms in an inverse of it),
(ii) the quadratic forms themselves, U = AT (another n d²), (iii) the fits at all λ: at
least one batched Newton iteration -- one GEMM for η = UC and one for UᵀR over the
grid, plus the row-wise logistic state -- and (iv) the leverages (U∘U)F (one more GEMM
over the grid) and the ALO predictors. Each piece is timed here as
:func:`ridgekit.glm.alo.alo_path` runs it (float32, numba row loops), best of
``--repeat``; the sum with one iteration is the floor, next to one scikit-learn
``LogisticRegression()`` fit and to ``alo_path`` itself (which needs about 3.5 iterations'
worth of columns at n = 100,000, p = 100 and 30 λ).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from _common import machine, table


def main(argv=None) -> int:
    from bench_logistic import _binary
    from sklearn.linear_model import LogisticRegression

    from ridgekit.glm import _alo_kernels as kern
    from ridgekit.glm.alo import alo_path
    from ridgekit.glm.anchor import _gram32
    from ridgekit.linear_model import LogisticRidge
    from ridgekit.linear_model._logistic import build_problem

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    limiter = None
    if args.threads:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(args.threads)
    n, p, L = (10_000, 20, 10) if args.quick else (100_000, 100, 30)
    X, y = _binary(n, p)
    problem = build_problem(LogisticRidge(), X, y)[0]
    grid = problem.default_alphas(L)
    d = p + 1
    rng = np.random.default_rng(0)
    X32 = X.astype(np.float32)
    D = np.full(n, 0.25)
    T = rng.normal(size=(p, d)).astype(np.float32)
    U = np.ascontiguousarray(X32 @ T)
    B = rng.normal(size=(d, L)).astype(np.float32)
    E = (U @ B).astype(np.float32)
    w32, y32 = np.ones(n, np.float32), y.astype(np.float32)
    cols = np.arange(L)

    def best(fn):
        fn()
        ts = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        return min(ts)

    pieces = {
        "float32 copy of X": lambda: X.astype(np.float32),
        "(i) Gram AᵀDA (float32)": lambda: _gram32(X32, D, True),
        "(ii) U = AT and its row norms": lambda: kern.basis_rows(X32, T, np.zeros(d)),
        "(iii) one iteration: η = UC": lambda: U @ B,
        "(iii) one iteration: state and UᵀR": lambda: kern.advance_state(
            E, E, np.zeros(L, np.float32), w32, y32, w32, w32, U),
        "(iv) leverages (U∘U)F": lambda: kern.leverage_rows(U, B),
        "(iv) ALO predictors, df, losses": lambda: kern.finish(E, E, w32, y32, w32, cols, None),
    }
    rows = [{"piece": k, "s": f"{best(f):.4f}"} for k, f in pieces.items()]
    floor = sum(float(r["s"]) for r in rows)
    sk = best(lambda: LogisticRegression().fit(X, y))
    ours = best(lambda: alo_path(problem, grid, keep_eta=False))  # as LogisticRidgeCV
    rows += [{"piece": "floor (sum, one iteration)", "s": f"{floor:.4f}"},
             {"piece": "alo_path (anchored, batched; the curve's sums, no predictors "
                       "kept)", "s": f"{ours:.4f}"},
             {"piece": "one LogisticRegression() fit", "s": f"{sk:.4f}"},
             {"piece": "floor / sklearn fit", "s": f"{floor / sk:.2f}"},
             {"piece": "alo_path / sklearn fit", "s": f"{ours / sk:.2f}"}]
    print(f"# ALO floor, binary n={n:,}, p={p}, {L} λ (threads="
          f"{args.threads or 'default'}; best of {args.repeat})\n\n{machine()}\n\n"
          f"`.venv/bin/python benchmarks/bench_alo_floor.py{' --quick' if args.quick else ''}`"
          "\n")
    print(table(rows))
    if limiter is not None:
        limiter.unregister()
    return 0


if __name__ == "__main__":
    sys.exit(main())
