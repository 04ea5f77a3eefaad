"""The anchored ALO path (glm/alo.py batched, glm/anchor.py sequential) against dense
references: scikit-learn fits at every λ, and leverages, df and ALO predictors from the
exact penalized Hessian solved with numpy at each solution."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from ridgekit.glm import alo as alo_mod
from ridgekit.glm.alo import alo_path
from ridgekit.glm.anchor import anchored_path
from ridgekit.linear_model import LogisticRidge, LogisticRidgeCV
from ridgekit.linear_model._logistic import build_problem


def _data(rng, n, p, sparse_x=False):
    X = rng.normal(size=(n, p))
    if sparse_x:
        X[rng.uniform(size=X.shape) < 0.7] = 0.0
    y = (rng.uniform(size=n) < expit(X @ (rng.normal(size=p) * 0.4) + 0.3)).astype(int)
    return (sparse.csr_matrix(X) if sparse_x else X), y


def _dense_alo(X, y, w, coef, b, alpha, pen):
    """η, η̃ (Rad & Maleki's formula), df and the penalized Hessian M, exact at (b, coef)."""
    A = np.column_stack([np.ones(X.shape[0]), X])
    eta = A @ np.r_[b, coef]
    p = expit(eta)
    D = w * p * (1 - p)
    M = A.T @ (A * D[:, None]) + alpha * np.diag(np.r_[0.0, pen])
    h = np.einsum("ij,ji->i", A, np.linalg.solve(M, A.T))
    g = w * (p - y)
    return eta, eta + g * h / (1 - D * h), float(D @ h), M


def _ll(eta, y, w):
    return float(w @ np.logaddexp(0.0, np.where(y > 0.5, -eta, eta)))


@pytest.mark.parametrize("kind", ["dense", "sparse", "weights"])
def test_anchored_path_matches_dense_alo_and_sklearn(rng, kind):
    X, y = _data(rng, 400, 25, kind == "sparse")
    w = rng.uniform(0.2, 2.0, size=y.size) if kind == "weights" else np.ones(y.size)
    pf = np.r_[np.ones(20), rng.uniform(0.5, 2.0, 5)] if kind == "weights" else None
    est = LogisticRidge(penalty_factor=pf)
    problem = build_problem(est, X, y, w)[0]
    grid = problem.default_alphas(20)
    out = anchored_path(problem, grid)
    assert out["converged"].all() and 1 <= out["n_anchors"] < grid.size
    pen = np.ones(25) if pf is None else pf
    Xd = X.toarray() if sparse.issparse(X) else X
    for j, a in enumerate(grid):
        theta = out["theta"][j, :, 0]
        eta, loo, df, M = _dense_alo(Xd, y, w, theta[1:], theta[0], a, pen)
        # the path solution: ||theta - theta*||_M within the decrement tolerance (1e-4)
        sk = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000, solver="lbfgs")
        sk.fit(Xd * np.sqrt(1.0 / pen), y, sample_weight=w / a)  # penalty factor by scaling
        err = theta - np.r_[sk.intercept_, sk.coef_[0] / np.sqrt(pen)]
        assert np.sqrt(err @ M @ err) <= 2e-4
        corr, ref = out["loo_eta"][j, :, 0] - eta, loo - eta
        # leverages from a stale anchor (anchors renewed at a predicted mean leverage
        # error of 0.5 %): the LOO correction within 10 % per sample, the ALO log-loss
        # within 1e-3
        assert np.all(np.abs(corr - ref) <= 0.1 * np.abs(ref))
        assert _ll(out["loo_eta"][j, :, 0], y, w) == pytest.approx(_ll(loo, y, w), rel=1e-3)
        assert out["df"][j] == pytest.approx(df, rel=0.02)


def test_alo_estimator_refines_the_chosen_fit_to_tol(rng):
    X, y = _data(rng, 300, 10)
    m = LogisticRidgeCV(np.geomspace(100, 0.05, 12), cv="alo").fit(X, y)
    ref = LogisticRegression(C=1 / m.alpha_, tol=1e-12, max_iter=10_000,
                             solver="newton-cholesky").fit(X, y)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-6)
    assert m.grad_norm_ <= 1e-8
    A = np.column_stack([np.ones(300), X])
    g = A.T @ (expit(A @ np.r_[m.intercept_, m.coef_[0]]) - y)
    g[1:] += m.alpha_ * m.coef_[0]
    assert np.linalg.norm(g) <= 1e-8


def _check_against_dense(out, X, y, w, grid, pen, ll_rel, corr_rel):
    A = np.column_stack([np.ones(X.shape[0]), X])
    for j, a in enumerate(grid):
        theta = out["theta"][j, :, 0]
        eta, loo, df, M = _dense_alo(X, y, w, theta[1:], theta[0], a, pen)
        g = A.T @ (w * (expit(eta) - y))
        g[1:] += a * pen * theta[1:]
        assert np.sqrt(g @ np.linalg.solve(M, g)) <= 2e-4  # the Newton decrement, directly
        corr, ref = out["loo_eta"][j, :, 0] - eta, loo - eta
        assert np.sum(np.abs(corr - ref)) <= corr_rel * np.sum(np.abs(ref))
        assert _ll(out["loo_eta"][j, :, 0], y, w) == pytest.approx(_ll(loo, y, w), rel=ll_rel)
        assert out["loss"][j] == pytest.approx(_ll(eta, y, w), rel=1e-6)


def test_strong_signal_renews_anchors_and_stays_accurate(rng):
    X = rng.normal(size=(3000, 12))
    y = (rng.uniform(size=3000) < expit(X @ rng.normal(size=12) * 1.5)).astype(int)
    problem = build_problem(LogisticRidge(), X, y)[0]
    grid = problem.default_alphas(15)
    out = alo_path(problem, grid)
    assert out["converged"].all() and out["n_anchors"] >= 3
    _check_against_dense(out, X, y, np.ones(3000), grid, np.ones(12), 1e-3, 0.03)


def test_zero_weights_and_sequential_fallback_agree(rng, monkeypatch):
    X, y = _data(rng, 500, 8)
    w = rng.uniform(0.5, 2.0, size=500)
    w[::7] = 0.0  # rows that do not count: no correction, D_a = 0 in the anchor
    problem = build_problem(LogisticRidge(), X, y, w)[0]
    grid = problem.default_alphas(12)
    out = alo_path(problem, grid)
    _check_against_dense(out, X, y, w, grid, np.ones(8), 1e-3, 0.03)
    eta = np.column_stack([np.ones(500), X]) @ out["theta"][:, :, 0].T
    np.testing.assert_allclose(out["loo_eta"][:, ::7, 0], eta[::7].T, rtol=1e-5, atol=1e-5)
    monkeypatch.setattr(alo_mod, "_BATCH_BYTES", 0)  # too big: the sequential route
    seq = alo_path(problem, grid)
    _check_against_dense(seq, X, y, w, grid, np.ones(8), 1e-3, 0.1)
    np.testing.assert_allclose(seq["df"], out["df"], rtol=0.02)


def test_exact_route_is_rad_maleki_at_each_exact_hessian(rng):
    X, y = _data(rng, 200, 6)
    problem = build_problem(LogisticRidge(), X, y)[0]
    grid = problem.default_alphas(8)
    ex = alo_path(problem, grid, method="exact")
    w = np.ones(200)
    for j, a in enumerate(grid):
        theta = ex["theta"][j, :, 0]
        eta, loo, df, _ = _dense_alo(X, y, w, theta[1:], theta[0], a, np.ones(6))
        np.testing.assert_allclose(ex["loo_eta"][j, :, 0], loo, rtol=1e-9, atol=1e-12)
        assert ex["df"][j] == pytest.approx(df, rel=1e-9)
    assert ex["grad_norm"].max() <= problem.tol
    with pytest.raises(ValueError, match="method"):
        alo_path(problem, grid, method="fast")


def test_anchored_and_exact_routes_choose_the_same_alpha(rng):
    X = rng.normal(size=(4000, 30))
    y = (rng.uniform(size=4000) < expit(X @ rng.normal(size=30) * 0.15)).astype(int)
    problem = build_problem(LogisticRidge(), X, y)[0]
    grid = problem.default_alphas(25)
    fast, ex = alo_path(problem, grid), alo_path(problem, grid, method="exact")
    dev = [np.mean(_ll_rows(o["loo_eta"][:, :, 0], y), axis=1) for o in (fast, ex)]
    assert np.argmin(dev[0]) == np.argmin(dev[1])
    np.testing.assert_allclose(dev[0], dev[1], rtol=1e-4)


def _ll_rows(eta, y):
    return np.logaddexp(0.0, np.where(y > 0.5, -eta, eta))


@pytest.mark.parametrize("scoring", ["deviance", "log_loss"])
def test_alo_curve_summed_on_the_path_equals_the_kept_predictors(rng, scoring):
    X, y = _data(rng, 3000, 10)
    sw = rng.uniform(0.2, 2.0, size=y.size)
    sw[::9] = 0.0
    grid = np.geomspace(300, 0.1, 10)
    kw = dict(cv="alo", scoring=scoring, class_weight={0: 1.0, 1: 2.0})
    lean = LogisticRidgeCV(grid, **kw).fit(X, y, sample_weight=sw)
    kept = LogisticRidgeCV(grid, store_cv_results=True, **kw).fit(X, y, sample_weight=sw)
    assert lean.alpha_ == kept.alpha_
    np.testing.assert_allclose(lean.selection_.mean, kept.selection_.mean, rtol=1e-6)
    np.testing.assert_allclose(lean.selection_.se, kept.selection_.se, rtol=1e-5)
    # the curve is the sample-weighted mean of the pointwise errors (class weights only
    # in the fit)
    scale = 2.0 if scoring == "deviance" else 1.0
    direct = kept.cv_results_.T @ sw / sw.sum()
    np.testing.assert_allclose(lean.selection_.mean, direct, rtol=1e-6)
    problem = build_problem(LogisticRidge(class_weight={0: 1.0, 1: 2.0}), X, y, sw)[0]
    eta = alo_path(problem, grid)["loo_eta"][:, :, 0]
    np.testing.assert_allclose(lean.selection_.mean,
                               scale * np.array([_ll(e, y, sw) for e in eta]) / sw.sum(),
                               rtol=1e-6)
