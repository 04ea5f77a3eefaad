"""L2 logistic regression: ridgekit's path/CV against scikit-learn, side by side.

Run: ``.venv/bin/python benchmarks/bench_logistic.py`` (``--quick`` for a small smoke run,
``--threads N`` to cap BLAS threads for both sides; default: the machine's setting).

1. binary k-fold: 10 folds x 30 λ, n = 100,000, p = 100 -- ``LogisticRidgeCV`` (a warm-
   started path per fold, lazy Hessians) vs ``LogisticRegressionCV(solver=
   "newton-cholesky")`` on the same folds and the same grid as C = 1/α; both at their
   default tolerances; the chosen α must agree.
2. ALO over the same 30 λ (one full-data path + leverages per λ) vs one default
   ``LogisticRegression`` fit at the chosen C.
3. multinomial, 10 classes, n = 50,000, p = 200: ``LogisticRidge`` vs
   ``LogisticRegression(solver="lbfgs")`` at equal tolerance: scikit-learn's tol bounds
   the max-norm of the gradient of its objective divided by n; ridgekit's tol bounds the
   2-norm of the sum-scaled gradient, so ridgekit runs with tol·n (no looser). The final
   gradient norms of both solutions, measured the same way, are printed.
4. sparse binary, n = 50,000, p = 100,000, density 0.05 %, 20 λ: ``logistic_path``
   (truncated Newton) vs a warm-started loop of ``LogisticRegression(solver="lbfgs")``
   over C (scikit-learn's public path), and liblinear (which penalizes its intercept).

Ratios are reported as peer time / ridgekit time (> 1: ridgekit faster); each side is
timed once at full size (best of 2 with ``--quick``).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
from _common import machine, table
from scipy import sparse
from scipy.special import expit, softmax

COMMAND = ".venv/bin/python benchmarks/bench_logistic.py"


def _time(fn, repeat=1):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _binary(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = (rng.uniform(size=n) < expit(X @ (rng.normal(size=p) * 0.1))).astype(int)
    return X, y


def _grad_sum_norm(X, y, coef, intercept, alpha, classes):
    Y = (y[:, None] == classes[None, :]).astype(float)
    R = softmax(X @ coef.T + intercept, axis=1) - Y
    return float(np.linalg.norm(np.r_[R.sum(0), (X.T @ R + alpha * coef.T).ravel()]))


def case_kfold_and_alo(n, p, folds, n_alphas, repeat):
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    from ridgekit.linear_model import LogisticRidge, LogisticRidgeCV
    from ridgekit.linear_model._logistic import build_problem

    X, y = _binary(n, p)
    grid = build_problem(LogisticRidge(), X, y)[0].default_alphas(n_alphas)
    splits = list(StratifiedKFold(folds).split(X, y))
    t_ours, ours = _time(lambda: LogisticRidgeCV(grid, cv=splits).fit(X, y), repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sk, sk = _time(lambda: LogisticRegressionCV(
            Cs=1 / grid, cv=splits, solver="newton-cholesky", scoring="neg_log_loss").fit(X, y),
            repeat)
    same = bool(np.isclose(ours.alpha_, 1 / sk.C_[0], rtol=1e-9))
    # equal tolerance: scikit-learn's default tol=1e-4 bounds the mean-scaled max-norm
    cv_tol = 1e-4 * n * (folds - 1) / folds
    t_eq, eq = _time(lambda: LogisticRidgeCV(grid, cv=splits, cv_tol=cv_tol).fit(X, y), repeat)
    same_eq = bool(np.isclose(eq.alpha_, 1 / sk.C_[0], rtol=1e-9))
    rows = [{"case": f"binary {folds}-fold x {n_alphas} λ, n={n:,}, p={p}",
             "ridgekit s": f"{t_ours:.2f}", "peer": "LogisticRegressionCV newton-cholesky",
             "peer s": f"{t_sk:.2f}", "ratio": f"{t_sk / t_ours:.1f}x",
             "note": f"folds at tol 1e-8; same α: {same} ({ours.alpha_:.4g} vs "
                     f"{1 / sk.C_[0]:.4g})"},
            {"case": "  same, folds at equal tolerance", "ridgekit s": f"{t_eq:.2f}",
             "peer": "", "peer s": f"{t_sk:.2f}", "ratio": f"{t_sk / t_eq:.1f}x",
             "note": f"cv_tol={cv_tol:.3g}; same α: {same_eq}"}]
    t_alo, alo = _time(lambda: LogisticRidgeCV(grid, cv="alo").fit(X, y), repeat)
    t_one, _ = _time(lambda: LogisticRegression(C=1 / alo.alpha_).fit(X, y), repeat)
    rows.append({"case": f"ALO x {n_alphas} λ, n={n:,}, p={p}", "ridgekit s": f"{t_alo:.2f}",
                 "peer": "one LogisticRegression() fit", "peer s": f"{t_one:.2f}",
                 "ratio": f"{t_one / t_alo:.2f}x",
                 "note": f"ALO/one fit = {t_alo / t_one:.1f} (goal <= 3); α_alo "
                         f"{alo.alpha_:.4g}"})
    return rows


def case_multinomial(n, p, K, repeat, tol=1e-6):
    from sklearn.linear_model import LogisticRegression

    from ridgekit.linear_model import LogisticRidge

    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, p))
    P = softmax(X @ (rng.normal(size=(p, K)) * 0.2), axis=1)
    y = (P.cumsum(1) > rng.uniform(size=(n, 1))).argmax(1)
    alpha = 1.0
    t_ours, ours = _time(lambda: LogisticRidge(alpha=alpha, tol=tol * n).fit(X, y), repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_sk, sk = _time(lambda: LogisticRegression(C=1 / alpha, tol=tol,
                                                    max_iter=10_000).fit(X, y), repeat)
    g_ours = _grad_sum_norm(X, y, ours.coef_, ours.intercept_, alpha, ours.classes_)
    g_sk = _grad_sum_norm(X, y, sk.coef_, sk.intercept_, alpha, sk.classes_)
    return [{"case": f"multinomial K={K}, n={n:,}, p={p}", "ridgekit s": f"{t_ours:.2f}",
             "peer": f"LogisticRegression lbfgs tol={tol:g}", "peer s": f"{t_sk:.2f}",
             "ratio": f"{t_sk / t_ours:.1f}x",
             "note": f"‖∇F‖ ridgekit {g_ours:.1e} ({ours.solver_}, {ours.n_iter_} steps), "
                     f"sklearn {g_sk:.1e}"}]


def case_sparse(n, p, density, n_alphas, repeat):
    from sklearn.linear_model import LogisticRegression

    from ridgekit.linear_model import logistic_path

    rng = np.random.default_rng(2)
    k = max(1, round(density * p))  # nonzeros per row (sparse.random wants n*p memory)
    X = sparse.csr_matrix((np.ones(n * k), rng.integers(0, p, size=n * k),
                           np.arange(0, n * k + 1, k)), shape=(n, p))
    X.sum_duplicates()
    X.data[:] = 1.0
    beta = rng.normal(size=p)
    y = (rng.uniform(size=n) < expit(X @ beta - 0.5)).astype(int)
    grid = np.geomspace(100.0, 0.1, n_alphas)
    t_ours, path = _time(lambda: logistic_path(X, y, grid), repeat)

    def sk_path(solver):
        m = LogisticRegression(solver=solver, warm_start=solver == "lbfgs", max_iter=10_000)
        for a in grid:
            m.set_params(C=1 / a).fit(X, y)
        return m

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_lb, _ = _time(lambda: sk_path("lbfgs"), repeat)
        t_ll, _ = _time(lambda: sk_path("liblinear"), repeat)
    eq_tol = 1e-4 * n  # scikit-learn's default tol on the mean-scaled max-norm
    t_eq, path_eq = _time(lambda: logistic_path(X, y, grid, tol=eq_tol), repeat)
    return [{"case": f"sparse binary n={n:,}, p={p:,}, density {density:.2%}, {n_alphas} λ",
             "ridgekit s": f"{t_ours:.2f}", "peer": "warm lbfgs loop / liblinear loop",
             "peer s": f"{t_lb:.2f} / {t_ll:.2f}",
             "ratio": f"{t_lb / t_ours:.1f}x / {t_ll / t_ours:.1f}x",
             "note": f"ridgekit tol 1e-8 (‖∇F‖ max {path.grad_norm.max():.1e}), sklearn "
                     "default tol 1e-4"},
            {"case": "  same, ridgekit at equal tolerance", "ridgekit s": f"{t_eq:.2f}",
             "peer": "", "peer s": f"{t_lb:.2f} / {t_ll:.2f}",
             "ratio": f"{t_lb / t_eq:.1f}x / {t_ll / t_eq:.1f}x",
             "note": f"tol={eq_tol:g} on ‖∇F‖₂ (sum scaling); "
                     f"{int(path_eq.n_iter.sum())} Newton steps"}]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--only", nargs="*", default=None,
                    help="subset of: kfold multinomial sparse")
    args = ap.parse_args(argv)
    only = set(args.only or ["kfold", "multinomial", "sparse"])
    limiter = None
    if args.threads:
        from threadpoolctl import threadpool_limits

        limiter = threadpool_limits(args.threads)
    q = args.quick
    rows = []

    def progress():
        print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)

    if "kfold" in only:
        rows += case_kfold_and_alo(10_000 if q else 100_000, 20 if q else 100, 10,
                                   10 if q else 30, 2 if q else 1)
        progress()
    if "multinomial" in only:
        rows += case_multinomial(5_000 if q else 50_000, 20 if q else 200, 10, 2 if q else 1)
        progress()
    if "sparse" in only:
        rows += case_sparse(5_000 if q else 50_000, 10_000 if q else 100_000, 0.0005 * (4 if q
                            else 1), 5 if q else 20, 2 if q else 1)
        progress()
    print(f"# bench_logistic ({'quick' if q else 'full'}; threads="
          f"{args.threads or 'default'})\n\n{machine()}\n\n`{COMMAND}"
          f"{' --quick' if q else ''}`\n")
    print(table(rows))
    if limiter is not None:
        limiter.unregister()
    return 0


if __name__ == "__main__":
    sys.exit(main())
