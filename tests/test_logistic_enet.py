"""Elastic-net LogisticRidge (l1_ratio > 0, proximal Newton) against its subgradient
conditions checked directly with numpy, and against scikit-learn's
LogisticRegression(penalty="elasticnet", solver="saga") run to a tiny tolerance."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from ridgekit.linear_model import LogisticRidge, LogisticRidgeCV


def _data(rng, n=200, p=8):
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 3.0, size=p)
    beta = np.r_[1.2, -0.8, 0.5, np.zeros(p - 3)] / X.std(axis=0)
    y = (rng.uniform(size=n) < expit(X @ beta + 0.3)).astype(int)
    return X, y


def _kkt(X, y, w, coef, b, alpha, rho, c1, c2):
    """Largest violation of the subgradient conditions of
    sum w l + alpha (rho sum c1|beta| + (1-rho)/2 sum c2 beta^2), intercept free."""
    X = X.toarray() if sparse.issparse(X) else X
    r = w * (expit(X @ coef + b) - y)
    q = X.T @ r + alpha * (1 - rho) * c2 * coef
    lam = alpha * rho * c1
    active = coef != 0
    viol = np.where(active, np.abs(q + lam * np.sign(coef)), np.maximum(np.abs(q) - lam, 0))
    return max(float(viol.max()), abs(float(r.sum())))


@pytest.mark.parametrize("rho,alpha", [(0.5, 5.0), (0.5, 40.0), (1.0, 8.0), (0.15, 2.0)])
def test_elastic_net_matches_saga_and_kkt(rng, rho, alpha):
    X, y = _data(rng)
    w = rng.uniform(0.5, 2.0, size=y.size)
    m = LogisticRidge(alpha=alpha, l1_ratio=rho).fit(X, y, sample_weight=w)
    assert m.solver_ == "prox-newton"
    ones = np.ones(X.shape[1])
    assert _kkt(X, y, w, m.coef_[0], m.intercept_[0], alpha, rho, ones, ones) <= 1e-7
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = LogisticRegression(penalty="elasticnet", solver="saga", l1_ratio=rho,
                                C=1 / alpha, tol=1e-13, max_iter=500_000)
        sk.fit(X / X.std(axis=0), y, sample_weight=w)  # saga wants scaled columns
    # the same objective in the scaled columns
    ms = LogisticRidge(alpha=alpha, l1_ratio=rho).fit(X / X.std(axis=0), y, sample_weight=w)
    np.testing.assert_allclose(ms.coef_[0], sk.coef_[0], atol=1e-6)
    np.testing.assert_allclose(ms.intercept_, sk.intercept_, atol=1e-6)
    assert np.array_equal(ms.coef_[0] == 0, sk.coef_[0] == 0)


@pytest.mark.parametrize("kind", ["standardize", "penalty_factor", "sparse", "no_intercept"])
def test_elastic_net_kkt_variants(rng, kind):
    X, y = _data(rng, n=150, p=10)
    alpha, rho = 6.0, 0.6
    c = np.ones(X.shape[1])
    kw = {}
    if kind == "standardize":
        kw["standardize"] = True
    if kind == "penalty_factor":
        c = np.r_[0.0, rng.uniform(0.5, 2.0, size=9)]  # first column unpenalized
        kw["penalty_factor"] = c
    if kind == "no_intercept":
        kw["fit_intercept"] = False
    Xf = sparse.csr_matrix(np.where(rng.uniform(size=X.shape) < 0.5, 0.0, X)) \
        if kind == "sparse" else X
    m = LogisticRidge(alpha=alpha, l1_ratio=rho, **kw).fit(Xf, y)
    c1, c2 = c, c
    if kind == "standardize":
        sd = X.std(axis=0)
        c1, c2 = sd, sd**2
    b = m.intercept_[0]
    Xd = Xf.toarray() if sparse.issparse(Xf) else Xf
    r = expit(Xd @ m.coef_[0] + b) - y
    q = Xd.T @ r + alpha * (1 - rho) * c2 * m.coef_[0]
    lam = alpha * rho * c1
    act = m.coef_[0] != 0
    assert np.all(np.abs(q[act] + lam[act] * np.sign(m.coef_[0][act])) <= 1e-7)
    assert np.all(np.abs(q[~act]) <= lam[~act] + 1e-7)
    if kind != "no_intercept":
        assert abs(r.sum()) <= 1e-7
    else:
        assert b == 0.0
    assert 0 < act.sum() < X.shape[1] or kind == "penalty_factor"


def test_elastic_net_zero_solution_and_errors(rng):
    X, y = _data(rng, n=100, p=5)
    m = LogisticRidge(alpha=1e4, l1_ratio=1.0).fit(X, y)  # above alpha_max: all zero
    assert np.all(m.coef_ == 0)
    assert m.intercept_[0] == pytest.approx(np.log(y.mean() / (1 - y.mean())), rel=1e-10)
    wide = rng.normal(size=(100, 700))  # 701 parameters x 3 classes
    with pytest.raises(ValueError, match="at most 2000 parameters"):
        LogisticRidge(l1_ratio=0.5).fit(wide, np.arange(100) % 3)
    with pytest.raises(ValueError, match="at most 2000 parameters"):
        LogisticRidgeCV(l1_ratio=0.5).fit(wide, np.arange(100) % 3)
    with pytest.raises(ValueError, match="k-fold only"):
        LogisticRidgeCV(l1_ratio=0.5, cv="alo").fit(X, y)
    with pytest.raises(ValueError, match=r"must lie in \(0, 1\]"):
        LogisticRidgeCV(l1_ratio=[0.0, 0.5]).fit(X, y)


def test_glmnet_elastic_net_convention(rng):
    from ridgekit.conventions import glmnet_lambda_to_enet_alpha

    X, y = _data(rng, n=120, p=6)
    w = rng.uniform(0.5, 1.5, size=y.size)
    lam, a = 0.08, 0.7
    m = LogisticRidge(alpha=glmnet_lambda_to_enet_alpha(lam, w.sum()), l1_ratio=a)
    m.fit(X, y, sample_weight=w)
    # glmnet's subgradient conditions, in its 1/W scaling
    b = m.coef_[0]
    r = w * (expit(X @ b + m.intercept_[0]) - y) / w.sum()
    q = X.T @ r + lam * (1 - a) * b
    act = b != 0
    assert 0 < act.sum() < b.size
    np.testing.assert_allclose(q[act], -lam * a * np.sign(b[act]), atol=1e-9)
    assert np.all(np.abs(q[~act]) <= lam * a + 1e-9)
