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


@pytest.mark.parametrize("weighted", [False, True])
def test_alpha0_rank_deficient_lsqr_dense_and_sparse(rng, weighted):
    """LSQR started at zero converges to the minimum-norm solution too."""
    from scipy import sparse

    X, Y = rank_deficient(rng)
    w = rng.uniform(0.5, 2.0, X.shape[0]) if weighted else None
    coef, intercept = min_norm_reference(X, Y, w, True)
    for data in (X, sparse.csr_matrix(X)):
        m = Ridge(alpha=0.0, solver="lsqr").fit(data, Y[:, 0], w)
        np.testing.assert_allclose(m.coef_, coef[0], atol=1e-9)
        np.testing.assert_allclose(m.intercept_, intercept[0], atol=1e-8)


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


# ------------------------------------------------------------------------- item 4
def _dense_tikhonov(X, y, gamma, alpha, w, fit_intercept):
    """Reference: the weighted normal equations with an unpenalized intercept column."""
    n, p = X.shape
    gamma = gamma.toarray() if hasattr(gamma, "toarray") else np.asarray(gamma)
    w = np.ones(n) if w is None else w
    A = np.c_[np.ones(n), X] if fit_intercept else X
    P = np.zeros((A.shape[1], A.shape[1]))
    P[-p:, -p:] = gamma.T @ gamma
    sol = np.linalg.solve(A.T @ (w[:, None] * A) + alpha * P, A.T @ (w * y))
    return (sol[1:], sol[0]) if fit_intercept else (sol, 0.0)


def _gammas(p):
    from ridgekit.tikhonov import first_difference, second_difference

    return {"identity": np.eye(p), "D1": first_difference(p), "D2": second_difference(p)}


@pytest.mark.parametrize("gamma_name", ["identity", "D1", "D2"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gsvd_issue_case_random_state_78(gamma_name, fit_intercept):
    from ridgekit.linear_model import Tikhonov

    rng = np.random.RandomState(78)
    X, y = rng.standard_normal((4, 11)), rng.standard_normal(4)
    gamma = _gammas(11)[gamma_name]
    for alpha in (1e-3, 1.0, 100.0):
        m = Tikhonov(alpha=alpha, gamma=gamma, solver="gsvd",
                     fit_intercept=fit_intercept).fit(X, y)
        coef, intercept = _dense_tikhonov(X, y, gamma, alpha, None, fit_intercept)
        np.testing.assert_allclose(m.coef_, coef, rtol=1e-8, atol=1e-9 * np.abs(coef).max())
        np.testing.assert_allclose(m.intercept_, intercept, atol=1e-8)


def test_extreme_eigenvalues_on_a_tie_match_all_eigenvalues():
    """The tridiagonal of the seed-0 3 x 7 second-difference case: bisection by index
    fails inside the cluster at 1 (dstebz info = 2); the extremes must still be exact."""
    from ridgekit._tridiagonal import Tridiagonal

    diag = np.array([1.0, 1.0000000000000018, 0.9999999999999998, 1.0, 0.9999999999999997])
    off = np.array([-4.1947252933405598e-16, 4.0702383236614505e-16,
                    -1.5492134858089180e-16, -2.7280898341099134e-16])
    tri = Tridiagonal(diag, off, np.zeros((4, 4), order="F"), np.zeros(4))
    T = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
    ref = np.linalg.eigvalsh(T)
    np.testing.assert_allclose(tri.extreme_eigenvalues(), [ref[0], ref[-1]], rtol=0,
                               atol=4 * np.finfo(float).eps)


def test_gsvd_randomized_sweep_against_dense_solve():
    """Small shapes n < p, n = p, n > p, every Γ, with and without intercept and weights:
    the gsvd route never crashes and agrees with the dense normal equations."""
    from ridgekit.linear_model import Tikhonov

    rng = np.random.RandomState(2026)
    shapes = [(3, 7), (4, 11), (5, 12), (4, 4), (6, 6), (3, 3), (8, 3), (12, 5), (5, 9),
              (7, 20)]
    checked = 0
    for n, p in shapes:
        for trial in range(4):
            X = rng.standard_normal((n, p))
            y = rng.standard_normal(n)
            w = rng.uniform(0.5, 2.0, n) if trial % 2 else None
            for name, gamma in _gammas(p).items():
                for fit_intercept in (True, False):
                    null_dim = {"identity": 0, "D1": 1, "D2": 2}[name]
                    if n - int(fit_intercept) < null_dim:
                        continue  # the unpenalized directions are not determined: no answer
                    for alpha in (1e-2, 3.0):
                        m = Tikhonov(alpha=alpha, gamma=gamma, solver="gsvd",
                                     fit_intercept=fit_intercept).fit(X, y, w)
                        coef, b0 = _dense_tikhonov(X, y, gamma, alpha, w, fit_intercept)
                        scale = max(np.abs(coef).max(), 1.0)
                        np.testing.assert_allclose(
                            m.coef_, coef, rtol=0, atol=1e-8 * scale,
                            err_msg=f"{n}x{p} {name} icpt={fit_intercept} a={alpha}")
                        np.testing.assert_allclose(m.intercept_, b0, atol=1e-8 * scale)
                        checked += 1
    assert checked > 300
