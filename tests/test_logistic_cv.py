"""LogisticRidgeCV against brute-force refits (scikit-learn per fold and per λ, per left-out
point), scikit-learn's LogisticRegressionCV on the same folds, and the 1-SE rule by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold

from ridgekit.linear_model import LogisticRidgeCV
from ridgekit.select import GridEdgeWarning


def _problem(rng, n=300, p=20):
    X = rng.normal(size=(n, p))
    beta = rng.normal(size=p) * 0.35
    y = (rng.uniform(size=n) < expit(X @ beta - 0.2)).astype(int)
    return X, y


def _sk_fit(X, y, alpha):
    return LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10_000,
                              solver="newton-cholesky").fit(X, y)


def _brute_kfold(X, y, splits, grid, metric):
    """Held-out metric per fold and λ from scikit-learn refits."""
    out = np.empty((len(splits), grid.size))
    for k, (tr, te) in enumerate(splits):
        for j, a in enumerate(grid):
            out[k, j] = metric(y[te], _sk_fit(X[tr], y[tr], a).predict_proba(X[te]))
    return out


def _glmnet_summary(err, sizes):
    wn = sizes / sizes.sum()
    mean = wn @ err
    se = np.sqrt((wn @ (err - mean) ** 2) / (err.shape[0] - 1))
    return mean, se


def test_alo_within_two_percent_of_exact_loo_and_same_choice(rng):
    X, y = _problem(rng)
    grid = np.geomspace(300, 0.3, 16)
    alo = LogisticRidgeCV(grid, cv="alo", scoring="log_loss").fit(X, y)
    loo = LogisticRidgeCV(grid, cv="loo", scoring="log_loss").fit(X, y)
    rel = np.abs(alo.selection_.mean / loo.selection_.mean - 1)
    assert rel.max() < 0.02
    i_alo = int(np.flatnonzero(grid == alo.alpha_)[0])
    i_loo = int(np.flatnonzero(grid == loo.alpha_)[0])
    assert abs(i_alo - i_loo) <= 1
    assert alo.selection_.criterion == "alo" and loo.selection_.criterion == "loo"


def test_exact_loo_equals_sklearn_refits(rng):
    X, y = _problem(rng, n=40, p=4)
    grid = np.array([10.0, 1.0, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        m = LogisticRidgeCV(grid, cv="loo", store_cv_results=True, rule="1se").fit(X, y)
    ref = np.empty((40, grid.size))
    for i in range(40):
        keep = np.arange(40) != i
        for j, a in enumerate(grid):
            p1 = _sk_fit(X[keep], y[keep], a).predict_proba(X[i:i + 1])[0, 1]
            ref[i, j] = -2 * np.log(p1 if y[i] == 1 else 1 - p1)
    np.testing.assert_allclose(m.cv_results_, ref, rtol=1e-6, atol=1e-9)
    mean, se = _glmnet_summary(ref, np.ones(40))
    np.testing.assert_allclose(m.selection_.mean, mean, rtol=1e-6)
    np.testing.assert_allclose(m.selection_.se, se, rtol=1e-5)


def test_kfold_selects_as_logistic_regression_cv(rng):
    X, y = _problem(rng, n=200, p=8)
    grid = np.geomspace(200, 0.05, 14)
    splits = list(KFold(5, shuffle=True, random_state=0).split(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        sk = LogisticRegressionCV(Cs=1 / grid, cv=splits, scoring="neg_log_loss",
                                  solver="newton-cholesky", tol=1e-10,
                                  max_iter=1000).fit(X, y)
    m = LogisticRidgeCV(grid, cv=splits, scoring="log_loss").fit(X, y)
    assert m.alpha_ == pytest.approx(1 / sk.C_[0], rel=1e-12)
    np.testing.assert_allclose(m.coef_, sk.coef_, rtol=1e-6, atol=1e-8)
    # deviance (the default) is twice the log-loss: same choice
    assert LogisticRidgeCV(grid, cv=splits).fit(X, y).alpha_ == m.alpha_
    # looser fold fits (scikit-learn's default-tolerance equivalent) choose the same; the
    # final fit keeps tol
    loose = LogisticRidgeCV(grid, cv=splits, scoring="log_loss", cv_tol=1e-4 * 160).fit(X, y)
    assert loose.alpha_ == m.alpha_
    np.testing.assert_allclose(loose.coef_, m.coef_, rtol=1e-12)
    np.testing.assert_allclose(loose.selection_.mean, m.selection_.mean, rtol=1e-4)


@pytest.mark.parametrize("scoring", ["deviance", "accuracy", "roc_auc", "neg_brier_score"])
def test_one_standard_error_rule_equals_brute_force(rng, scoring):
    X, y = _problem(rng, n=150, p=6)
    grid = np.geomspace(100, 0.1, 10)
    splits = list(StratifiedKFold(5, shuffle=True, random_state=2).split(X, y))
    metric = {
        "deviance": lambda t, p: 2 * log_loss(t, p, labels=[0, 1]),
        "accuracy": lambda t, p: np.mean((p[:, 1] > 0.5) != t),
        "roc_auc": lambda t, p: 1 - roc_auc_score(t, p[:, 1]),
        "neg_brier_score": lambda t, p: brier_score_loss(t, p[:, 1]),
    }[scoring]
    err = _brute_kfold(X, y, splits, grid, metric)
    mean, se = _glmnet_summary(err, np.array([te.size for _, te in splits], float))
    i_min = np.argmin(mean)
    within = mean <= mean[i_min] + se[i_min]
    alpha_1se = grid[within].max()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        m = LogisticRidgeCV(grid, cv=splits, rule="1se", scoring=scoring,
                            store_cv_results=True).fit(X, y)
    np.testing.assert_allclose(m.cv_results_, err, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(m.selection_.se, se, rtol=1e-5, atol=1e-12)
    assert m.alpha_ == alpha_1se
    assert m.selection_.alpha_min == grid[i_min]
    np.testing.assert_allclose(m.coef_[0], _sk_fit(X, y, alpha_1se).coef_[0], rtol=1e-6)


def test_multinomial_kfold_and_alo_against_refits(rng):
    n, p, K = 180, 5, 3
    X = rng.normal(size=(n, p))
    y = np.array(["x", "y", "z"])[[rng.choice(K, p=pr) for pr in
                                   softmax(X @ rng.normal(size=(p, K)), axis=1)]]
    grid = np.geomspace(50, 0.1, 8)
    splits = list(KFold(4, shuffle=True, random_state=1).split(X))
    err = _brute_kfold(X, y, splits, grid,
                       lambda t, pr: 2 * log_loss(t, pr, labels=["x", "y", "z"]))
    mean, _ = _glmnet_summary(err, np.array([te.size for _, te in splits], float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        m = LogisticRidgeCV(grid, cv=splits).fit(X, y)
        np.testing.assert_allclose(m.selection_.mean, mean, rtol=1e-6)
        alo = LogisticRidgeCV(grid, cv="alo").fit(X, y)
        loo = LogisticRidgeCV(grid[::2], cv="loo").fit(X, y)
    assert np.all(np.abs(alo.selection_.mean[::2] / loo.selection_.mean - 1) < 0.03)
    assert m.predict_proba(X).shape == (n, 3)


def test_grid_edge_warning_and_errors(rng):
    X, y = _problem(rng, n=120, p=5)
    with pytest.warns(GridEdgeWarning):
        LogisticRidgeCV([1e4, 1e5, 1e6], cv=3).fit(X, y)
    with pytest.raises(ValueError, match="1se"):
        LogisticRidgeCV([1.0, 2.0], cv="alo", scoring="roc_auc", rule="1se").fit(X, y)
    with pytest.raises(ValueError, match="Cholesky"):
        LogisticRidgeCV([1.0, 2.0], cv="alo", solver="newton-cg").fit(X, y)
    with pytest.raises(ValueError, match="> 0"):
        LogisticRidgeCV([0.0, 1.0]).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio > 0.*k-fold only"):
        LogisticRidgeCV(l1_ratio=0.3, cv="alo").fit(X, y)


def test_default_grid_int_cv_and_path(rng):
    X, y = _problem(rng, n=200, p=6)
    m = LogisticRidgeCV(alphas=12).fit(X, y)
    assert m.alphas_.size == 12 and m.path_.coefs.shape == (12, 6)
    splits = list(StratifiedKFold(5).split(X, y))
    m2 = LogisticRidgeCV(m.alphas_, cv=splits).fit(X, y)
    assert m2.alpha_ == m.alpha_  # int cv is StratifiedKFold(k), as scikit-learn's
    np.testing.assert_allclose(m.selection_.df, m.path_.df)


def test_weighted_shuffle_split_folds_equal_sklearn_refits(rng):
    """Lockstep fold paths (zero weights on held-out rows) = a refit per training set."""
    from sklearn.model_selection import ShuffleSplit

    X, y = _problem(rng, n=160, p=5)
    w = rng.uniform(0.2, 3.0, size=160)
    grid = np.geomspace(30, 0.3, 6)
    splits = list(ShuffleSplit(4, test_size=0.25, random_state=0).split(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        m = LogisticRidgeCV(grid, cv=splits, store_cv_results=True).fit(X, y, sample_weight=w)
    for k, (tr, te) in enumerate(splits):
        for j, a in enumerate(grid):
            sk = LogisticRegression(C=1 / a, tol=1e-12, max_iter=10_000,
                                    solver="newton-cholesky").fit(X[tr], y[tr], w[tr])
            ref = 2 * log_loss(y[te], sk.predict_proba(X[te]), sample_weight=w[te],
                               labels=[0, 1])
            assert m.cv_results_[k, j] == pytest.approx(ref, rel=1e-7)
