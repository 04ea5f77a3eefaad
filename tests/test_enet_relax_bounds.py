"""The relaxed refit under ``positive`` / bounds: on each active set a bounded least-squares
(or ridge) problem. References: scipy's lsq_linear on the raw (centered, weighted) rows of
the active set, and brute force over which coordinates sit at a bound."""

import itertools

import numpy as np
import pytest
from scipy.optimize import lsq_linear
from sklearn.model_selection import KFold

from ridgekit.linear_model import ElasticNetCV, enet_path
from ridgekit.linear_model._enet_relax import bounded_refit

TIGHT = {"tol": 1e-12, "max_iter": 100_000}


def _data(rng, n=120, p=8, beta=(1.5, -2.0, 0.7, 0.0, -0.4, 0.0, 0.3, 0.0)):
    X = rng.normal(size=(n, p))
    X[:, 1] += 0.8 * X[:, 0]
    beta = np.asarray(beta)[:p]
    return X, X @ beta + 0.5 * rng.normal(size=n)


def _brute_force(H, c, lo, hi):
    """min 1/2 b'Hb - c'b over the box: every pattern of free / at-lower / at-upper."""
    k = c.size
    best, arg = np.inf, None
    for pattern in itertools.product((0, 1, 2), repeat=k):
        pat = np.array(pattern)
        b = np.where(pat == 1, lo, np.where(pat == 2, hi, 0.0))
        if np.any(~np.isfinite(b[pat > 0])):
            continue
        F = np.flatnonzero(pat == 0)
        if F.size:
            fixed = pat > 0
            rhs = c[F] - H[np.ix_(F, np.flatnonzero(fixed))] @ b[fixed]
            b[F] = np.linalg.lstsq(H[np.ix_(F, F)], rhs, rcond=None)[0]
            if np.any(b[F] < lo[F] - 1e-12) or np.any(b[F] > hi[F] + 1e-12):
                continue
        val = 0.5 * b @ H @ b - c @ b
        if val < best - 1e-14:
            best, arg = val, b
    return arg


def test_bounded_refit_equals_brute_force(rng):
    for _ in range(5):
        A = rng.normal(size=(30, 4))
        H, c = A.T @ A / 30, rng.normal(size=4)
        lo = np.array([0.0, -0.2, -np.inf, 0.1])
        hi = np.array([np.inf, 0.3, 0.5, 2.0])
        np.testing.assert_allclose(bounded_refit(H, c, lo, hi), _brute_force(H, c, lo, hi),
                                   atol=1e-10)


@pytest.mark.parametrize("options", [{"positive": True},
                                     {"lower_bounds": -0.5, "upper_bounds": 1.0}])
@pytest.mark.parametrize("weighted", [False, True])
def test_relaxed_cv_fit_with_bounds_against_lsq_linear(rng, options, weighted):
    """gamma = 0: the final coefficients are the bounded least-squares fit, with a free
    intercept, on the active set of the chosen alpha -- lsq_linear on the raw rows."""
    # x3 is x0 plus a little noise with the opposite effect: the elastic net's grouping
    # effect gives it x0's sign, its refit does not -- the bound binds
    X, y = _data(rng)
    X[:, 3] = X[:, 0] + 0.3 * rng.normal(size=y.size)
    y = 2.0 * X[:, 0] - 0.6 * X[:, 3] + 0.7 * X[:, 2] + 0.5 * rng.normal(size=y.size)
    w = rng.uniform(0.5, 2.0, size=y.size) if weighted else None
    cv = ElasticNetCV(l1_ratio=0.3, cv=3, alphas=15, relax=True, gammas=[0.0], **options,
                      **TIGHT).fit(X, y, sample_weight=w)
    lo = np.full(X.shape[1], options.get("lower_bounds", 0.0 if "positive" in options
                                                     else -np.inf))
    hi = np.full(X.shape[1], options.get("upper_bounds", np.inf))
    assert np.all(cv.coef_ >= lo - 1e-12) and np.all(cv.coef_ <= hi + 1e-12)
    A = np.flatnonzero(cv.path_.coef(cv.alpha_))
    sw = np.sqrt(np.ones(y.size) if w is None else w)
    D = np.c_[np.ones(y.size), X[:, A]] * sw[:, None]
    ref = lsq_linear(D, y * sw, bounds=(np.r_[-np.inf, lo[A]], np.r_[np.inf, hi[A]]),
                     method="bvls", tol=1e-14)
    expected = np.zeros(X.shape[1])
    expected[A] = ref.x[1:]
    assert np.any(np.isclose(expected[A], lo[A]) | np.isclose(expected[A], hi[A]))
    np.testing.assert_allclose(cv.coef_, expected, atol=1e-8)
    assert cv.intercept_ == pytest.approx(ref.x[0], abs=1e-8)


def test_relaxed_fold_errors_with_bounds_against_brute_force(rng):
    """Every fold, every alpha, every gamma: held-out MSE of gamma*enet + (1-gamma)*bounded
    refit, the refit by brute force over the box on the fold's active set."""
    X, y = _data(rng, n=90, p=6)
    lo, hi = np.full(6, -0.3), np.full(6, 1.2)
    gammas = (0.0, 0.5, 1.0)
    cv = ElasticNetCV(l1_ratio=0.8, cv=KFold(3), alphas=8, relax=True, gammas=gammas,
                      lower_bounds=-0.3, upper_bounds=1.2, **TIGHT).fit(X, y)
    errs = np.empty((len(gammas), 3, cv.alphas_.size))
    for f, (tr, te) in enumerate(KFold(3).split(X)):
        path = enet_path(X[tr], y[tr], l1_ratio=0.8, alphas=cv.alphas_, lower_bounds=-0.3,
                         upper_bounds=1.2, **TIGHT)
        Xc, yc = X[tr] - X[tr].mean(0), y[tr] - y[tr].mean()
        for i, (b, b0) in enumerate(zip(path.coefs, path.intercepts, strict=True)):
            A = np.flatnonzero(b)
            rel = np.zeros(6)
            if A.size:
                H, c = Xc[:, A].T @ Xc[:, A] / tr.size, Xc[:, A].T @ yc / tr.size
                rel[A] = _brute_force(H, c, lo[A], hi[A])
            rel0 = y[tr].mean() - X[tr].mean(0) @ rel
            for g, gamma in enumerate(gammas):
                bg, b0g = gamma * b + (1 - gamma) * rel, gamma * b0 + (1 - gamma) * rel0
                errs[g, f, i] = np.mean((y[te] - X[te] @ bg - b0g) ** 2)
    g_best = int(np.argmin(errs.mean(axis=1).min(axis=1)))
    assert cv.gamma_ == gammas[g_best]
    np.testing.assert_allclose(cv.selection_.extra["fold_mse"], errs[g_best], rtol=1e-7)
