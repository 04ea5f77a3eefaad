"""Ridge(positive=True) against scikit-learn and the KKT conditions; every solver on
scipy.sparse X against scikit-learn's dense SVD solution (issue 10, item 7)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import make_regression
from scipy import sparse
from sklearn.linear_model import Ridge as SkRidge
from sklearn.utils.estimator_checks import check_estimator

from ridgekit import Ridge


def _kkt(X, y, w, alpha, coef, intercept, fit_intercept=True):
    """Gradient of sum w (y - Xb - b0)^2 + alpha |b|^2 at the solution, checked directly."""
    w = np.ones(len(y)) if w is None else w
    r = y - X @ coef - intercept
    grad = -2 * X.T @ (w * r) + 2 * alpha * coef
    scale = np.abs(2 * X.T @ (w * y)).max()
    active = coef > 1e-10 * np.abs(coef).max()
    assert np.all(coef >= 0)
    np.testing.assert_allclose(grad[active], 0, atol=1e-9 * scale)
    assert np.all(grad[~active] >= -1e-9 * scale)
    if fit_intercept:
        assert abs(np.sum(w * r)) <= 1e-9 * np.abs(w * y).sum()


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.5, 30.0])
def test_positive_matches_sklearn_and_kkt(rng, fit_intercept, weighted, alpha):
    X, Y = make_regression(rng, 60, 8)
    y = Y[:, 0] - X @ np.r_[np.ones(4), -np.ones(4)] + rng.normal(size=60)  # some < 0
    w = rng.uniform(0.5, 2, 60) if weighted else None
    ours = Ridge(alpha, positive=True, fit_intercept=fit_intercept).fit(X, y, w)
    assert ours.solver_ == "nnls"
    assert np.any(ours.coef_ == 0) and np.any(ours.coef_ > 0)
    _kkt(X, y, w, alpha, ours.coef_, ours.intercept_, fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SkRidge(alpha, positive=True, fit_intercept=fit_intercept, tol=1e-12,
                      solver="lbfgs").fit(X, y, w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5 * np.abs(ref.coef_).max())


def test_positive_multi_target_sparse_and_rank_deficient(rng):
    X, Y = make_regression(rng, 50, 6, t=2)
    Y[:, 1] = -Y[:, 1]
    alpha = np.array([1.0, 10.0])
    dense = Ridge(alpha, positive=True).fit(X, Y)
    sp = Ridge(alpha, positive=True).fit(sparse.csr_matrix(X), Y)
    np.testing.assert_allclose(sp.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    for j in range(2):
        _kkt(X, Y[:, j], None, alpha[j], dense.coef_[j], dense.intercept_[j])
    Xd = np.column_stack([X, 3 * X[:, 0]])  # alpha = 0, singular Gram: still a KKT point
    m = Ridge(0.0, positive=True).fit(Xd, Y[:, 0])
    _kkt(Xd, Y[:, 0], None, 0.0, m.coef_, m.intercept_)


def test_positive_needs_auto_solver(rng):
    X, Y = make_regression(rng, 20, 3)
    with pytest.raises(ValueError, match="positive=True"):
        Ridge(positive=True, solver="svd").fit(X, Y[:, 0])


@pytest.mark.parametrize("solver", ["auto", "gram", "svd", "dual", "precise", "lsqr"])
@pytest.mark.parametrize("shape", [(80, 12), (25, 60)])
@pytest.mark.parametrize("weighted", [False, True])
def test_every_solver_takes_sparse_x(rng, solver, shape, weighted):
    n, p = shape
    Xs = sparse.random(n, p, density=0.2, random_state=1, format="csr") * 3
    y = rng.normal(size=n) + 2
    w = rng.uniform(0.5, 2, n) if weighted else None
    ours = Ridge(0.7, solver=solver).fit(Xs, y, w)
    ref = SkRidge(0.7, solver="svd").fit(Xs.toarray(), y, w)
    tol = 1e-8 if solver == "lsqr" or (solver == "auto") else 1e-10
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=tol, atol=tol)
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=tol, abs=tol)
    np.testing.assert_allclose(ours.predict(Xs), ref.predict(Xs.toarray()), rtol=1e-8)


def test_sparse_dual_at_alpha_zero_is_minimum_norm(rng):
    Xs = sparse.random(15, 40, density=0.3, random_state=2, format="csr")
    y = rng.normal(size=15)
    ours = Ridge(0.0, solver="dual").fit(Xs, y)
    Xc = Xs.toarray() - Xs.toarray().mean(axis=0)
    ref = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]  # minimum-norm solution
    np.testing.assert_allclose(ours.coef_, ref, rtol=1e-8, atol=1e-10)


def test_tags_say_sparse_and_check_estimator_positive():
    assert Ridge().__sklearn_tags__().input_tags.sparse
    check_estimator(Ridge(positive=True))
    for solver in ("gram", "dual", "svd", "precise"):
        check_estimator(Ridge(solver=solver))
