"""The multinomial elastic net (LogisticRidge / LogisticRidgeCV with l1_ratio > 0 and
three classes): subgradient conditions checked directly with numpy; coefficients against
an independent solve of the split-variable form (B = U - V, U, V >= 0: a smooth
bound-constrained problem) by scipy's L-BFGS-B; the CV fold errors, minimum and 1-SE
choice against brute-force refits of that reference per fold and per λ."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import softmax
from sklearn.model_selection import KFold

from ridgekit.linear_model import LogisticRidge, LogisticRidgeCV
from ridgekit.select import GridEdgeWarning

K = 3


def _data(rng, n=180, p=5):
    X = rng.normal(size=(n, p))
    B = np.zeros((p, K))
    B[0], B[1] = [1.0, -1.0, 0.0], [0.0, 0.8, -0.8]
    P = softmax(X @ B + [0.2, 0.0, -0.2], axis=1)
    y = (P.cumsum(1) > rng.uniform(size=(n, 1))).argmax(1)
    return X, y


def _violation(X, y, coef, b, alpha, rho, w, c=None):
    """Largest violation of the subgradient conditions of
    sum w l + alpha sum_k (rho sum c|B_k| + (1-rho)/2 sum c B_k^2), intercepts free."""
    c = np.ones(X.shape[1]) if c is None else c
    Y = np.eye(K)[y]
    R = w[:, None] * (softmax(X @ coef.T + b, axis=1) - Y)
    q = X.T @ R + alpha * (1 - rho) * c[:, None] * coef.T
    lam = alpha * rho * c[:, None]
    v = np.where(coef.T != 0, np.abs(q + lam * np.sign(coef.T)), np.maximum(np.abs(q) - lam, 0))
    return max(float(v.max()), float(np.abs(R.sum(0)).max()))


def _reference(X, y, alpha, rho, w):
    n, p = X.shape
    Y = np.eye(K)[y]
    m = p * K

    def fun(z):
        b, U, V = z[:K], z[K:K + m].reshape(p, K), z[K + m:].reshape(p, K)
        B = U - V
        E = X @ B + b
        f = w @ (np.logaddexp.reduce(E, axis=1) - (Y * E).sum(1)) \
            + alpha * rho * (U.sum() + V.sum()) + 0.5 * alpha * (1 - rho) * (B**2).sum()
        R = w[:, None] * (softmax(E, axis=1) - Y)
        gB = X.T @ R + alpha * (1 - rho) * B
        return f, np.r_[R.sum(0), (gB + alpha * rho).ravel(), (-gB + alpha * rho).ravel()]

    res = minimize(fun, np.zeros(K + 2 * m), jac=True, method="L-BFGS-B",
                   bounds=[(None, None)] * K + [(0, None)] * (2 * m),
                   options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 100_000, "maxcor": 30})
    z = res.x
    coef = (z[K:K + m] - z[K + m:]).reshape(p, K).T
    return coef, z[:K] - z[:K].mean()


@pytest.mark.parametrize("rho,alpha", [(0.5, 4.0), (1.0, 6.0), (0.2, 1.5)])
def test_multinomial_enet_kkt_and_reference(rng, rho, alpha):
    X, y = _data(rng)
    w = rng.uniform(0.5, 2.0, size=y.size)
    m = LogisticRidge(alpha=alpha, l1_ratio=rho).fit(X, y, sample_weight=w)
    assert m.coef_.shape == (K, X.shape[1]) and m.solver_ == "prox-newton"
    assert _violation(X, y, m.coef_, m.intercept_, alpha, rho, w) <= 1e-7
    assert abs(m.intercept_.sum()) <= 1e-10  # centered over classes
    coef, b = _reference(X, y, alpha, rho, w)
    assert _violation(X, y, coef, b, alpha, rho, w) <= 1e-5  # the reference converged
    np.testing.assert_allclose(m.coef_, coef, atol=1e-6)
    np.testing.assert_allclose(m.intercept_, b, atol=1e-6)
    assert 0 < np.count_nonzero(m.coef_) < m.coef_.size


def test_multinomial_enet_unpenalized_column_and_predictions(rng):
    X, y = _data(rng)
    c = np.r_[0.0, np.ones(X.shape[1] - 1)]
    m = LogisticRidge(alpha=5.0, l1_ratio=0.7, penalty_factor=c).fit(X, y)
    w = np.ones(y.size)
    assert _violation(X, y, m.coef_, m.intercept_, 5.0, 0.7, w, c) <= 1e-7
    assert abs(m.coef_[:, 0].sum()) <= 1e-10  # the free row stays centered
    proba = softmax(X @ m.coef_.T + m.intercept_, axis=1)
    np.testing.assert_allclose(m.predict_proba(X), proba, rtol=1e-12)


def test_multinomial_enet_cv_equals_brute_force(rng):
    X, y = _data(rng, n=150)
    rho = 0.5
    grid = np.geomspace(40.0, 0.5, 8)
    folds = list(KFold(5).split(X))
    ones = np.ones(y.size)
    err = np.empty((len(folds), grid.size))
    for k, (tr, te) in enumerate(folds):
        for j, a in enumerate(grid):
            coef, b = _reference(X[tr], y[tr], a, rho, ones[tr])
            E = X[te] @ coef.T + b
            err[k, j] = 2 * np.mean(np.logaddexp.reduce(E, axis=1) - E[np.arange(te.size),
                                                                       y[te]])
    mean = err.mean(axis=0)
    se = np.sqrt(((err - mean) ** 2).mean(axis=0) / (len(folds) - 1))
    i_min = int(np.argmin(mean))
    i_1se = int(np.flatnonzero(mean <= mean[i_min] + se[i_min])[0])
    for rule, i in (("min", i_min), ("1se", i_1se)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GridEdgeWarning)
            m = LogisticRidgeCV(grid, l1_ratio=rho, cv=folds, rule=rule).fit(X, y)
        np.testing.assert_allclose(m.selection_.mean, mean, rtol=1e-6)
        assert m.alpha_ == grid[i]
    for j, a in enumerate(grid):  # every fitted λ of the full-data path
        assert _violation(X, y, m.path_.coefs[j], m.path_.intercepts[j], a, rho, ones) <= 1e-7
