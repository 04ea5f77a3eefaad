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


# ------------------------------------------------------------------------- item 3
def _mp_posterior(X, lam, beta):
    """inv(λI + βXᵀX) in 40-digit arithmetic (mpmath), the product XᵀX formed exactly."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    XM = mpmath.matrix(X.tolist())
    A = lam * mpmath.eye(X.shape[1]) + beta * (XM.T * XM)
    return A**-1, XM


@pytest.mark.parametrize("solver", ["auto", "gram", "svd", "precise"])
def test_bayes_covariance_at_tiny_weight_precision(solver):
    from sklearn.datasets import make_regression

    from ridgekit.linear_model import BayesianRidge

    X, y = make_regression(20, 10, random_state=42)
    m = BayesianRidge(fit_intercept=False, solver=solver).fit(X, y)
    lam, beta = m.weight_precision_, m.noise_precision_
    assert lam < 1e-3  # the regime of the issue: a tiny weight precision
    Ainv, XM = _mp_posterior(X, lam, beta)
    ref = np.array(Ainv.tolist(), dtype=float)
    cov = m.coef_covariance()
    assert np.abs(cov - ref).max() / np.abs(ref).max() < 1e-10
    # predictive std: 1/β + xᵀ Σ x (no intercept), at training and new points
    Xnew = np.r_[X[:5], np.random.default_rng(0).normal(size=(3, 10))]
    _, std = m.predict(Xnew, return_std=True)
    import mpmath

    ref_std = np.array([float(mpmath.sqrt(1 / mpmath.mpf(beta) + (x.T * Ainv * x)[0]))
                        for x in (mpmath.matrix(r.tolist()) for r in Xnew)])
    np.testing.assert_allclose(std, ref_std, rtol=1e-10)
    # credible intervals: half-width z·sqrt(Σ_jj), up to the rounding of coef ± width
    lo, hi = m.coef_interval(0.95)
    z = 1.959963984540054
    width = z * np.sqrt(np.diag(ref))
    tol = 4 * np.finfo(float).eps * np.abs(m.coef_) + 1e-10 * width
    assert np.all(np.abs((hi - lo) / 2 - width) <= tol)


def test_bayes_covariance_rank_deficient_matches_dense_inverse(rng):
    """p > n: the complement of the data's directions carries the prior alone."""
    from ridgekit.linear_model import BayesianRidge

    X = rng.normal(size=(8, 15))
    y = rng.normal(size=8)
    m = BayesianRidge(fit_intercept=False, alpha=1e-6, sigma2=0.5).fit(X, y)
    lam, beta = m.weight_precision_, m.noise_precision_
    ref = np.array(_mp_posterior(X, lam, beta)[0].tolist(), dtype=float)
    np.testing.assert_allclose(m.coef_covariance(), ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


def test_bayes_float32_outputs_are_float32():
    from sklearn.datasets import make_regression

    from ridgekit.linear_model import BayesianRidge

    X, y = make_regression(40, 6, noise=5.0, random_state=0)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    m = BayesianRidge().fit(X32, y32)
    mean, std = m.predict(X32, return_std=True)
    lo, hi = m.coef_interval()
    assert m.coef_.dtype == mean.dtype == std.dtype == np.float32
    assert m.coef_covariance().dtype == lo.dtype == hi.dtype == np.float32
    ref = BayesianRidge().fit(X, y)  # same answers as the float64 fit, to float32 precision
    np.testing.assert_allclose(std, ref.predict(X, return_std=True)[1], rtol=1e-4)
    np.testing.assert_allclose(m.coef_covariance(), ref.coef_covariance(), rtol=1e-3,
                               atol=1e-6 * np.abs(ref.coef_covariance()).max())
