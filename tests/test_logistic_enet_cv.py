"""LogisticRidgeCV with the elastic-net penalty (l1_ratio > 0): every fitted λ's
subgradient conditions checked directly with numpy; the fold errors, the minimum and the
1-SE choice against a brute-force loop of independent refits from scratch per fold and
per λ (scipy's L-BFGS-B on the split-variable form); the chosen α against scikit-learn's
LogisticRegressionCV(penalty="elasticnet", solver="saga") on the same folds and the same
grid as C = 1/α."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import KFold

from ridgekit.linear_model import LogisticRidge, LogisticRidgeCV
from ridgekit.select import GridEdgeWarning


def _data(rng, n=200, p=6):
    X = rng.normal(size=(n, p))
    X = (X - X.mean(0)) / X.std(0)  # unit columns: saga converges
    beta = np.r_[1.0, -0.7, 0.4, np.zeros(p - 3)]
    y = (rng.uniform(size=n) < expit(X @ beta + 0.3)).astype(int)
    return X, y


def _violation(X, y, coef, b, alpha, rho, w=None):
    """Largest violation of the subgradient conditions of
    sum w l + alpha (rho |beta|_1 + (1-rho)/2 |beta|^2), intercept free."""
    w = np.ones(y.size) if w is None else w
    r = w * (expit(X @ coef + b) - y)
    q = X.T @ r + alpha * (1 - rho) * coef
    lam = alpha * rho
    viol = np.where(coef != 0, np.abs(q + lam * np.sign(coef)), np.maximum(np.abs(q) - lam, 0))
    return max(float(viol.max()), abs(float(r.sum())))


def _split_variable_fit(X, y, alpha, rho):
    """Independent reference: beta = u - v with u, v >= 0 makes the objective smooth,
    sum l + alpha rho sum(u + v) + alpha (1 - rho)/2 |u - v|^2, solved by scipy's
    L-BFGS-B to its tightest tolerances (saga stops early when the coefficients sit at 0,
    leaving the intercept unconverged)."""
    from scipy.optimize import minimize

    p = X.shape[1]

    def fun(z):
        b, u, v = z[0], z[1:p + 1], z[p + 1:]
        beta = u - v
        e = X @ beta + b
        r = expit(e) - y
        f = np.sum(np.logaddexp(0.0, np.where(y > 0.5, -e, e))) + alpha * rho * np.sum(u + v) \
            + 0.5 * alpha * (1 - rho) * beta @ beta
        gb = X.T @ r + alpha * (1 - rho) * beta
        return f, np.r_[r.sum(), gb + alpha * rho, -gb + alpha * rho]

    res = minimize(fun, np.zeros(2 * p + 1), jac=True, method="L-BFGS-B",
                   bounds=[(None, None)] + [(0, None)] * (2 * p),
                   options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 100_000, "maxcor": 30})
    z = res.x
    return z[1:p + 1] - z[p + 1:], z[0]


def _log_loss(X, y, coef, b):
    e = X @ coef + b
    return float(np.mean(np.logaddexp(0.0, np.where(y > 0.5, -e, e))))


@pytest.mark.parametrize("rho", [0.5, 1.0])
def test_every_lambda_meets_kkt(rng, rho):
    X, y = _data(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        m = LogisticRidgeCV(l1_ratio=rho, alphas=15, cv=KFold(4)).fit(X, y)
    path = m.path_
    assert path.converged.all()
    for i, a in enumerate(path.alphas):
        assert _violation(X, y, path.coefs[i], path.intercepts[i], a, rho) <= 1e-7
    # glmnet's grid: all zero at the largest α, some coefficient nonzero just below it
    assert np.all(path.coefs[0] == 0) and path.df[0] == 0
    below = LogisticRidge(alpha=path.alphas[0] * 0.99, l1_ratio=rho).fit(X, y)
    assert np.count_nonzero(below.coef_) >= 1
    np.testing.assert_array_equal(path.df, np.count_nonzero(path.coefs, axis=1))
    assert _violation(X, y, m.coef_[0], m.intercept_[0], m.alpha_, rho) <= 1e-7
    assert m.solver_ == "prox-newton" and m.l1_ratio_ == rho
    off = float(np.sqrt(path.alphas[3] * path.alphas[4]))  # off the grid: an enet refit
    assert _violation(X, y, path.coef(off), path.intercept(off), off, rho) <= 1e-7
    import pickle

    again = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(again.path_.coef(off), path.coef(off))


def test_fold_errors_min_and_1se_equal_brute_force_refits(rng):
    X, y = _data(rng)
    rho = 0.5
    grid = np.geomspace(60.0, 0.3, 10)
    folds = list(KFold(5).split(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        err = np.empty((len(folds), grid.size))
        for k, (tr, te) in enumerate(folds):
            for j, a in enumerate(grid):
                coef, b = _split_variable_fit(X[tr], y[tr], a, rho)
                assert _violation(X[tr], y[tr], coef, b, a, rho) <= 1e-5  # the reference
                err[k, j] = 2 * _log_loss(X[te], y[te], coef, b)
    mean = err.mean(axis=0)  # equal fold sizes: cv.glmnet's weighted mean is the mean
    se = np.sqrt(((err - mean) ** 2).mean(axis=0) / (len(folds) - 1))
    i_min = int(np.argmin(mean))
    i_1se = int(np.flatnonzero(mean <= mean[i_min] + se[i_min])[0])  # grid descending
    assert i_1se < i_min  # the test distinguishes the two rules
    for rule, i in (("min", i_min), ("1se", i_1se)):
        m = LogisticRidgeCV(grid, l1_ratio=rho, cv=folds, rule=rule).fit(X, y)
        np.testing.assert_allclose(m.selection_.mean, mean, rtol=1e-6)
        np.testing.assert_allclose(m.selection_.se, se, rtol=1e-4)
        assert m.alpha_ == grid[i]


def test_chosen_alpha_equals_sklearn_logistic_regression_cv(rng):
    X, y = _data(rng, n=200, p=6)
    rho = 0.7
    grid = np.geomspace(50.0, 0.2, 12)
    folds = list(KFold(5).split(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegressionCV(Cs=1 / grid, cv=folds, penalty="elasticnet", solver="saga",
                                  l1_ratios=[rho], scoring="neg_log_loss", tol=1e-12,
                                  max_iter=200_000).fit(X, y)
    m = LogisticRidgeCV(grid, l1_ratio=rho, cv=folds, scoring="log_loss").fit(X, y)
    assert m.alpha_ == pytest.approx(1 / sk.C_[0], rel=1e-12)
    sk_mean = -sk.scores_[1].mean(axis=0)[:, 0]  # (folds, Cs, l1_ratios)
    # saga leaves the intercept of an all-zero fit unconverged: agreement to ~1e-3 only
    np.testing.assert_allclose(m.selection_.mean, sk_mean, rtol=2e-3)


def test_l1_ratio_list_chosen_jointly(rng):
    X, y = _data(rng)
    ratios = [0.2, 0.6, 1.0]
    folds = list(KFold(4).split(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        joint = LogisticRidgeCV(l1_ratio=ratios, alphas=12, cv=folds).fit(X, y)
        single = [LogisticRidgeCV(l1_ratio=r, alphas=12, cv=folds).fit(X, y) for r in ratios]
    best = int(np.argmin([s.selection_.mean.min() for s in single]))
    assert joint.l1_ratio_ == ratios[best]
    assert joint.alpha_ == single[best].alpha_
    np.testing.assert_allclose(joint.coef_, single[best].coef_, rtol=1e-10, atol=1e-12)
    for s, sel in zip(single, joint.selections_, strict=True):
        np.testing.assert_allclose(sel.mean, s.selection_.mean, rtol=1e-12)


def test_grid_edge_warning_when_the_null_model_wins(rng):
    X = rng.normal(size=(120, 5))
    y = rng.integers(0, 2, 120)  # no signal: the largest α (all zero) is best
    with pytest.warns(GridEdgeWarning):
        m = LogisticRidgeCV(l1_ratio=1.0, alphas=[50.0, 20.0, 10.0], cv=KFold(4)).fit(X, y)
    assert np.all(m.coef_ == 0)
