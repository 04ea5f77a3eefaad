"""Regression tests of issue 10's numerical items against independent references:
minimum-norm least squares at λ = 0 (item 1), BayesianRidge's covariance at a tiny
weight precision (item 3), the gsvd Tikhonov route on small and wide designs (item 4)."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from ridgekit import Ridge

ALPHA0_SOLVERS = ["auto", "precise", "svd", "gram", "dual"]


def rank_deficient(rng, n=60, p=5, t=1):
    X = rng.normal(size=(n, p)) + rng.normal(size=p) * 3
    X[:, 2] = 3.0 * X[:, 0]  # a column = 3 x another
    Y = rng.normal(size=(n, t)) + X[:, :1] * 2.0
    return X, Y


def min_norm_reference(X, Y, w, fit_intercept):
    """lstsq on the weighted, centered data: the minimum-norm least-squares slopes."""
    w = np.ones(X.shape[0]) if w is None else w
    if fit_intercept:
        mx, my = w @ X / w.sum(), w @ Y / w.sum()
    else:
        mx, my = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    sw = np.sqrt(w)[:, None]
    coef = np.linalg.lstsq((X - mx) * sw, (Y - my) * sw, rcond=None)[0].T
    return coef, my - coef @ mx


@pytest.mark.parametrize("solver", ALPHA0_SOLVERS)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("t", [1, 2])
def test_alpha0_rank_deficient_is_minimum_norm(rng, solver, fit_intercept, weighted, t):
    X, Y = rank_deficient(rng, t=t)
    w = rng.uniform(0.5, 2.0, X.shape[0]) if weighted else None
    y = Y[:, 0] if t == 1 else Y
    m = Ridge(alpha=0.0, solver=solver, fit_intercept=fit_intercept).fit(X, y, w)
    coef, intercept = min_norm_reference(X, Y, w, fit_intercept)
    np.testing.assert_allclose(np.reshape(m.coef_, coef.shape), coef, rtol=0, atol=1e-10)
    np.testing.assert_allclose(np.reshape(m.intercept_, (-1,)), intercept, atol=1e-9)


def test_alpha0_auto_matches_linear_regression(rng):
    """The issue's case: auto chooses precise, and must agree with LinearRegression."""
    X, Y = rank_deficient(rng, n=200, p=4)
    m = Ridge(alpha=0.0).fit(X, Y[:, 0])
    ref = LinearRegression().fit(X, Y[:, 0])
    assert m.solver_ == "precise"
    np.testing.assert_allclose(m.coef_, ref.coef_, atol=1e-10)
    np.testing.assert_allclose(m.intercept_, ref.intercept_, atol=1e-9)


def test_alpha0_rank_deficient_path_is_continuous(rng):
    """β(λ) → the minimum-norm solution as λ → 0 (on the same spectrum)."""
    from ridgekit import ridge_path

    X, Y = rank_deficient(rng)
    path = ridge_path(X, Y[:, 0], [0.0, 1e-8], solver="precise")
    np.testing.assert_allclose(path.coefs[0], path.coefs[1], atol=1e-7)


def test_alpha0_rank_deficient_wide_dual(rng):
    """p > n at λ = 0: every solver that accepts it gives lstsq's minimum-norm solution."""
    X = rng.normal(size=(12, 30))
    y = rng.normal(size=12)
    coef, intercept = min_norm_reference(X, y[:, None], None, True)
    for solver in ("auto", "dual", "svd", "precise"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = Ridge(alpha=0.0, solver=solver).fit(X, y)
        np.testing.assert_allclose(m.coef_, coef[0], atol=1e-9, err_msg=solver)
