"""Analytic views against dense formulas, Monte Carlo, scikit-learn and running GD."""

import numpy as np
import pytest
from helpers import make_regression
from sklearn.linear_model import LinearRegression

from ridgekit import Ridge
from ridgekit.analysis import (
    bias_variance,
    condition_curve,
    gradient_descent_filter,
    ridge_trace,
    ridge_vif,
)
from ridgekit.decompose import build_spectrum
from ridgekit.tikhonov import second_difference, tikhonov_spectrum


def _design(rng, n=40, p=5):
    return rng.normal(size=(n, p)) @ rng.normal(size=(p, p)) + rng.normal(size=p)


@pytest.mark.parametrize("weighted", [False, True])
def test_bias_variance_dense_formulas(rng, weighted):
    X = _design(rng)
    w = rng.uniform(0.5, 2, 40) if weighted else np.ones(40)
    beta = rng.normal(size=5)
    grid = np.array([0.0, 0.3, 5.0, 100.0])
    bv = bias_variance(X, beta, 0.7, grid, sample_weight=w if weighted else None)
    Xc = (X - w @ X / w.sum()) * np.sqrt(w)[:, None]
    G = Xc.T @ Xc
    for k, lam in enumerate(grid):
        inv = np.linalg.inv(G + lam * np.eye(5))
        bias = inv @ G @ beta - beta
        var = 0.7 * np.trace(inv @ G @ inv)
        np.testing.assert_allclose(bv.bias2[k], bias @ bias, rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(bv.variance[k], var, rtol=1e-8)
    np.testing.assert_allclose(bv.ols_mse, bv.mse[0], rtol=1e-10)


def test_bias_variance_monte_carlo(rng):
    X = _design(rng, 30, 4)
    beta = rng.normal(size=4)
    sigma = 1.5
    R = 20_000
    Y = (X @ beta + 3.0)[:, None] + sigma * rng.normal(size=(30, R))
    spec = build_spectrum(X, Y, None, True, "svd")
    grid = np.array([0.0, 2.0, 40.0])
    bv = bias_variance(X, beta, sigma**2, grid)
    for k, lam in enumerate(grid):
        C = spec.coef(lam)  # (R, p): one fit per replicate
        err2 = np.sum((C - beta) ** 2, axis=1)
        assert abs(err2.mean() - bv.mse[k]) < 4.5 * err2.std() / np.sqrt(R)
        var_hat = C.var(axis=0, ddof=1).sum()
        assert abs(var_hat / bv.variance[k] - 1) < 4.5 * np.sqrt(2 / R) * 2  # p=4 correlated
        bias2_hat = np.sum((C.mean(axis=0) - beta) ** 2) - var_hat / R  # unbiased
        assert abs(bias2_hat - bv.bias2[k]) < 4.5 * np.sqrt(4 * bv.bias2[k] * bv.variance[k] / R
                                                            + 2 * (bv.variance[k] / R) ** 2)


def test_hoerl_kennard(rng):
    X = _design(rng, 25, 6)
    beta = rng.normal(size=6)
    bv = bias_variance(X, beta, 2.0, np.geomspace(1e-6, 1e3, 400))
    V = np.linalg.svd(X - X.mean(axis=0))[2]
    np.testing.assert_allclose(bv.hk_bound, 2.0 / np.max((V @ beta) ** 2), rtol=1e-10)
    inside = bv.alphas < bv.hk_bound
    assert inside.any() and np.all(bv.beats_ols[inside])
    assert bv.mse.min() < bv.ols_mse and bv.alpha_best > 0
    # rank-deficient design (p > n): least squares is min-norm, ridge still wins near 0
    wide = bias_variance(rng.normal(size=(8, 12)), rng.normal(size=12), 1.0,
                         [1e-8, 1e-4, 1e-2])
    assert np.all(wide.mse < wide.ols_mse)


def test_condition_curve(rng):
    X = _design(rng)
    cc = condition_curve(X, [0.0, 0.1, 10.0])
    Xc = X - X.mean(axis=0)
    for k, lam in enumerate(cc.alphas):
        np.testing.assert_allclose(cc.condition[k], np.linalg.cond(Xc.T @ Xc + lam * np.eye(5)),
                                   rtol=1e-8)
    assert np.all(np.diff(cc.condition) < 0)


def test_ridge_vif(rng):
    X = _design(rng, 50, 4)
    vif = ridge_vif(X, [0.0, 0.05, 1.0])
    for k in range(4):
        others = np.delete(X, k, axis=1)
        r2 = LinearRegression().fit(others, X[:, k]).score(others, X[:, k])
        np.testing.assert_allclose(vif.vif[0, k], 1 / (1 - r2), rtol=1e-9)
    R = np.corrcoef(X, rowvar=False)
    for i, lam in enumerate(vif.alphas):
        inv = np.linalg.inv(R + lam * np.eye(4))
        np.testing.assert_allclose(vif.vif[i], np.diag(inv @ R @ inv), rtol=1e-9)
    collinear = np.c_[X, X[:, 0] + X[:, 1]]
    v = ridge_vif(collinear, [0.0, 0.1])
    assert np.all(np.isinf(v.vif[0, [0, 1, 4]])) and np.all(np.isfinite(v.vif[1]))
    with pytest.raises(ValueError, match="constant column"):
        ridge_vif(np.c_[X, np.ones(50)], [0.1])


def test_ridge_trace_over_alpha_and_df(rng):
    X, Y = make_regression(rng, 40, 6)
    spec = build_spectrum(X, Y, None, True, "svd")
    trace = ridge_trace(spec, [0.1, 1.0, 10.0])
    for k, lam in enumerate(trace.alphas):
        ref = Ridge(alpha=lam, solver="svd").fit(X, Y[:, 0])
        np.testing.assert_allclose(trace.coefs[k], ref.coef_, rtol=1e-9)
        np.testing.assert_allclose(trace.coef_norm[k], np.linalg.norm(ref.coef_), rtol=1e-9)
    by_df = ridge_trace(spec, df=[1.5, 3.0, 6.5, 7.0])
    np.testing.assert_allclose(by_df.df, [1.5, 3.0, 6.5, 7.0], rtol=1e-10)
    assert by_df.alphas[-1] == 0.0 and np.all(np.diff(by_df.alphas) < 0)
    with pytest.raises(ValueError, match="df must lie"):
        ridge_trace(spec, df=[8.0])


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gradient_descent_is_a_filter(rng, fit_intercept):
    X, Y = make_regression(rng, 30, 5, t=2)
    spec = build_spectrum(X, Y, None, fit_intercept, "svd")
    steps = [0, 1, 3, 20, 200]
    es = gradient_descent_filter(spec, steps, learning_rate=0.9 / spec.mu[0])
    Xc = X - X.mean(axis=0) if fit_intercept else X
    Yc = Y - Y.mean(axis=0) if fit_intercept else Y
    B = np.zeros((5, 2))
    for k in range(201):  # the actual iteration
        if k in steps:
            got = es.coefs[steps.index(k)].T
            assert np.abs(got - B).max() <= 1e-10 * max(np.abs(B).max(), 1.0)
        B = B + es.learning_rate * Xc.T @ (Yc - Xc @ B)
    moved = es.steps > 0
    np.testing.assert_allclose(spec.df(es.alpha_df[moved]), es.df[moved], rtol=1e-10)
    np.testing.assert_allclose(es.alpha_approx[moved], 1 / (es.learning_rate * es.steps[moved]))
    assert np.isinf(es.alpha_df[0]) and np.isinf(es.alpha_filter[0])
    mu = spec.mu
    for i in np.flatnonzero(moved):
        def dist(lam, i=i):
            return np.sum((es.filter_factors[i] - mu / (mu + lam)) ** 2)
        best = es.alpha_filter[i]
        assert dist(best) <= min(dist(best * 1.001), dist(best / 1.001), dist(es.alpha_df[i]))


def test_bad_inputs(rng):
    X, Y = make_regression(rng, 30, 5)
    spec = build_spectrum(X, Y, None, True, "svd")
    with pytest.raises(ValueError, match="learning_rate"):
        gradient_descent_filter(spec, [5], learning_rate=2.5 / spec.mu[0])
    with pytest.raises(ValueError, match="non-negative integers"):
        gradient_descent_filter(spec, [1.5])
    with pytest.raises(ValueError, match="coef_true"):
        bias_variance(X, np.ones(4), 1.0, [1.0])
    tik = tikhonov_spectrum(X, Y, second_difference(5))
    with pytest.raises(TypeError, match="plain ridge spectrum"):
        gradient_descent_filter(tik, [3])
