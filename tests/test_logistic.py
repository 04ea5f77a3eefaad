"""LogisticRidge and logistic_path against scikit-learn, direct gradient conditions, dense
references for df and the conventions; bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import optimize, sparse
from scipy.special import expit, logsumexp, softmax
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from ridgekit import conventions as cv
from ridgekit.linear_model import LogisticRidge, logistic_path


def _binary(rng, n=400, p=8, offset=1.0):
    X = rng.normal(size=(n, p)) + offset * rng.normal(size=p)
    beta = rng.normal(size=p) * 0.7
    eta = (X - X.mean(0)) @ beta + 0.3
    y = (rng.uniform(size=n) < expit(eta)).astype(int)
    return X, y


def _multi(rng, n=450, p=6, K=4):
    X = rng.normal(size=(n, p)) + 0.5
    B = rng.normal(size=(p, K))
    y = np.array([rng.choice(K, p=pr) for pr in softmax(X @ B, axis=1)])
    labels = np.array(["ant", "bee", "cat", "dog", "eel"])[:K]
    return X, labels[y]


def _sk(C, **kw):
    """scikit-learn's Newton-Cholesky at tol 1e-12 (its lbfgs stops ~1e-5 short here)."""
    kw.setdefault("solver", "newton-cholesky")
    return LogisticRegression(C=C, tol=1e-12, max_iter=10_000, **kw)


def _rel(a, b):
    return np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(b)


def _centered(b):
    b = np.asarray(b, float)
    return b - b.mean() if b.size > 1 else b


def _gradient(model, X, y, alpha, w=None, pen=None):
    """Gradient of sum_i w_i l_i + alpha/2 sum c_j beta_j^2, computed from scratch."""
    X = X.toarray() if sparse.issparse(X) else np.asarray(X)
    n = X.shape[0]
    w = np.ones(n) if w is None else w
    pen = np.ones(X.shape[1]) if pen is None else pen
    classes = model.classes_
    if classes.size == 2:
        r = w * (expit(X @ model.coef_[0] + model.intercept_[0]) - (y == classes[1]))
        return np.r_[r.sum(), X.T @ r + alpha * pen * model.coef_[0]]
    Y = (y[:, None] == classes[None, :]).astype(float)
    R = w[:, None] * (softmax(X @ model.coef_.T + model.intercept_, axis=1) - Y)
    return np.r_[R.sum(0), (X.T @ R + alpha * pen[:, None] * model.coef_.T).ravel()]


@pytest.mark.parametrize("alpha", [0.1, 3.0])
def test_binary_equals_sklearn_and_gradient_vanishes(rng, alpha):
    X, y = _binary(rng)
    m = LogisticRidge(alpha=alpha).fit(X, y)
    sk = _sk(1 / alpha, solver="newton-cholesky").fit(X, y)
    assert m.coef_.shape == (1, X.shape[1]) and m.intercept_.shape == (1,)
    assert _rel(m.coef_, sk.coef_) < 1e-6
    assert abs(m.intercept_[0] - sk.intercept_[0]) <= 1e-6 * max(1, abs(sk.intercept_[0]))
    g = _gradient(m, X, y, alpha)
    assert np.linalg.norm(g) <= 1e-8
    assert m.grad_norm_ == pytest.approx(np.linalg.norm(g), abs=1e-9)
    np.testing.assert_allclose(m.predict_proba(X), sk.predict_proba(X), atol=1e-7)
    np.testing.assert_allclose(m.predict_log_proba(X), sk.predict_log_proba(X), atol=1e-6)
    np.testing.assert_allclose(m.decision_function(X), sk.decision_function(X), atol=1e-6)
    np.testing.assert_array_equal(m.predict(X), sk.predict(X))


def test_multinomial_string_labels_equal_sklearn(rng):
    X, y = _multi(rng)
    alpha = 2.0
    m = LogisticRidge(alpha=alpha).fit(X, y)
    sk = _sk(1 / alpha).fit(X, y)
    np.testing.assert_array_equal(m.classes_, sk.classes_)
    assert _rel(m.coef_, sk.coef_) < 1e-6
    assert _rel(m.intercept_, _centered(sk.intercept_)) < 1e-6
    assert abs(m.intercept_.sum()) < 1e-10
    assert np.linalg.norm(_gradient(m, X, y, alpha)) <= 1e-8
    np.testing.assert_allclose(m.predict_proba(X), sk.predict_proba(X), atol=1e-7)
    assert set(m.predict(X)) <= set(m.classes_)


@pytest.mark.parametrize("solver", ["newton-cholesky", "newton-cg", "newton-block"])
@pytest.mark.parametrize("kind", ["binary", "multi"])
def test_sample_and_class_weights_equal_sklearn(rng, solver, kind):
    X, y = _binary(rng) if kind == "binary" else _multi(rng, K=3)
    w = rng.uniform(0.1, 3.0, size=y.size)
    w[:20] = 0.0
    cw = {c: 1.0 + i for i, c in enumerate(np.unique(y))}
    m = LogisticRidge(alpha=0.7, class_weight=cw, solver=solver).fit(X, y, sample_weight=w)
    sk = _sk(1 / 0.7, class_weight=cw).fit(X, y, sample_weight=w)
    assert _rel(m.coef_, sk.coef_) < 1e-6
    assert _rel(m.intercept_, _centered(sk.intercept_) if kind == "multi" else
                sk.intercept_) < 1e-6
    eff = w * np.vectorize(cw.get)(y)
    assert np.linalg.norm(_gradient(m, X, y, 0.7, eff)) <= 1e-8


def test_balanced_class_weight_equals_sklearn(rng):
    X, y = _binary(rng)
    y[:300] = 0
    m = LogisticRidge(alpha=1.0, class_weight="balanced").fit(X, y)
    sk = _sk(1.0, class_weight="balanced", solver="newton-cholesky").fit(X, y)
    assert _rel(m.coef_, sk.coef_) < 1e-6


@pytest.mark.parametrize("solver", ["newton-cholesky", "newton-cg"])
@pytest.mark.parametrize("kind", ["binary", "multi"])
def test_sparse_x_equals_sklearn(rng, solver, kind):
    X, y = _binary(rng, offset=0.0) if kind == "binary" else _multi(rng, K=3)
    X = sparse.random(X.shape[0], 30, density=0.2, random_state=3, format="csr") * 3.0
    X = sparse.hstack([X, sparse.csr_matrix(rng.normal(size=(X.shape[0], 2)))]).tocsr()
    m = LogisticRidge(alpha=0.5, solver=solver).fit(X, y)
    sk = _sk(2.0).fit(X, y)
    assert _rel(m.coef_, sk.coef_) < 1e-6
    dense = LogisticRidge(alpha=0.5).fit(X.toarray(), y)
    np.testing.assert_allclose(m.coef_, dense.coef_, rtol=1e-7, atol=1e-9)
    assert np.linalg.norm(_gradient(m, X, y, 0.5)) <= 1e-8


def test_large_p_uses_truncated_newton(rng):
    n, p = 150, 2500
    X = sparse.random(n, p, density=0.02, random_state=1, format="csr")
    y = rng.integers(0, 2, n)
    m = LogisticRidge(alpha=0.3).fit(X, y)
    assert m.solver_ == "diag"
    sk = _sk(1 / 0.3).fit(X, y)
    assert _rel(m.coef_, sk.coef_) < 1e-6
    assert np.linalg.norm(_gradient(m, X, y, 0.3)) <= 1e-8


def test_standardize_and_penalty_factor_against_rescaled_sklearn(rng):
    X, y = _binary(rng)
    X = X * np.linspace(0.1, 20, X.shape[1])
    s = X.std(axis=0)  # population std (unit weights)
    m = LogisticRidge(alpha=2.0, standardize=True).fit(X, y)
    sk = _sk(0.5, solver="newton-cholesky").fit(X / s, y)
    assert _rel(m.coef_, sk.coef_ / s) < 1e-6
    c = np.linspace(0.2, 3.0, X.shape[1])
    m2 = LogisticRidge(alpha=2.0, penalty_factor=c).fit(X, y)
    sk2 = _sk(0.5, solver="newton-cholesky").fit(X / np.sqrt(c), y)
    assert _rel(m2.coef_, sk2.coef_ / np.sqrt(c)) < 1e-6
    assert np.linalg.norm(_gradient(m2, X, y, 2.0, pen=c)) <= 1e-8


def test_no_intercept_equals_sklearn(rng):
    X, y = _binary(rng)
    m = LogisticRidge(alpha=1.0, fit_intercept=False).fit(X, y)
    sk = _sk(1.0, fit_intercept=False, solver="newton-cholesky").fit(X, y)
    assert _rel(m.coef_, sk.coef_) < 1e-6
    assert m.intercept_[0] == 0.0


def test_warm_start_restarts_at_the_solution(rng):
    X, y = _binary(rng)
    m = LogisticRidge(alpha=1.0, warm_start=True).fit(X, y)
    first = m.coef_.copy()
    assert m.n_iter_ > 0
    m.fit(X, y)
    assert m.n_iter_ == 0
    np.testing.assert_array_equal(m.coef_, first)
    m.set_params(alpha=0.5).fit(X, y)
    cold = LogisticRidge(alpha=0.5).fit(X, y)
    np.testing.assert_allclose(m.coef_, cold.coef_, rtol=1e-8, atol=1e-10)


def test_separable_data_finite_with_penalty_and_error_without(rng):
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    m = LogisticRidge(alpha=1e-3).fit(X, y)
    assert np.all(np.isfinite(m.coef_))
    assert np.linalg.norm(_gradient(m, X, y, 1e-3)) <= 1e-8
    with pytest.raises(ValueError, match="separable"):
        LogisticRidge(alpha=0.0).fit(X, y)
    # non-separable data: alpha = 0 is the maximum-likelihood fit
    Xn, yn = _binary(rng)
    m0 = LogisticRidge(alpha=0.0).fit(Xn, yn)
    sk0 = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000,
                             solver="newton-cholesky").fit(Xn, yn)
    assert _rel(m0.coef_, sk0.coef_) < 1e-6


def test_bad_input_is_named(rng):
    X, y = _binary(rng, n=50)
    with pytest.raises(ValueError, match="only one class"):
        LogisticRidge().fit(X, np.zeros(50))
    w = np.ones(50)
    w[y == 1] = 0.0
    with pytest.raises(ValueError, match="zero total sample_weight"):
        LogisticRidge().fit(X, y, sample_weight=w)
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LogisticRidge().fit(Xn, y)
    Xn[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        LogisticRidge().fit(Xn, y)
    with pytest.raises(ValueError, match="alpha"):
        LogisticRidge(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        LogisticRidge(l1_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="penalty_factor"):
        LogisticRidge(penalty_factor=np.ones(3)).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRidge().fit(X, np.linspace(0, 1, 50))


def test_check_estimator_passes():
    from sklearn.utils.estimator_checks import check_estimator

    from ridgekit.linear_model import LogisticRidgeCV

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for est in (LogisticRidge(), LogisticRidgeCV(alphas=5)):
            failed = [r for r in check_estimator(est, on_fail=None) if r["status"] == "failed"]
            assert not failed, [(r["check_name"], str(r["exception"])[:200]) for r in failed]


# ----------------------------------------------------------------------------- path
def _dense_df(X, model, alpha, K):
    """tr[(H + alpha C)^{-1} H] with H = A^T D A, built densely from scratch."""
    n = X.shape[0]
    A = np.c_[np.ones(n), X]
    d = A.shape[1]
    if K == 1:
        p1 = expit(A @ np.r_[model.intercept_, model.coef_[0]])
        H = A.T @ ((p1 * (1 - p1))[:, None] * A)
        P = np.diag(np.r_[0.0, np.ones(d - 1)])
        return np.trace(np.linalg.pinv(H + alpha * P) @ H)
    P = softmax(X @ model.coef_.T + model.intercept_, axis=1)
    H = np.zeros((d * K, d * K))
    for k in range(K):
        for m in range(K):
            h = P[:, k] * ((k == m) - P[:, m])
            H[k * d:(k + 1) * d, m * d:(m + 1) * d] = A.T @ (h[:, None] * A)
    pen = np.tile(np.r_[0.0, np.ones(d - 1)], K)
    return np.trace(np.linalg.pinv(H + alpha * np.diag(pen)) @ H)


@pytest.mark.parametrize("kind", ["binary", "multi"])
def test_path_matches_fits_df_and_deviance(rng, kind):
    X, y = _binary(rng, n=200) if kind == "binary" else _multi(rng, n=240, K=3)
    grid = np.array([0.05, 50.0, 1.0, 8.0])
    path = logistic_path(X, y, grid)
    K = 1 if kind == "binary" else 3
    assert path.coefs.shape == ((4, X.shape[1]) if K == 1 else (4, 3, X.shape[1]))
    for j, a in enumerate(grid):
        sk = _sk(1 / a).fit(X, y)
        ref = sk.coef_[0] if K == 1 else sk.coef_
        assert _rel(path.coef(a), ref) < 1e-6
        assert _rel(path.coefs[j], ref) < 1e-6
        np.testing.assert_allclose(path.predict_proba(X, a), sk.predict_proba(X), atol=1e-7)
        assert path.deviance[j] == pytest.approx(2 * log_loss(y, sk.predict_proba(X),
                                                              normalize=False), rel=1e-8)
        assert path.df[j] == pytest.approx(_dense_df(X, sk, a, K), rel=1e-6)
    assert path.converged.all() and np.all(path.grad_norm <= 1e-8)
    # off the grid: an exact refit
    sk = _sk(1 / 3.3).fit(X, y)
    assert _rel(path.coef(3.3), sk.coef_[0] if K == 1 else sk.coef_) < 1e-6
    np.testing.assert_array_equal(path.predict(X, 3.3), sk.predict(X))


def test_default_grid_spans_df(rng):
    X, y = _binary(rng, n=300, p=10)
    path = logistic_path(X, y, n_alphas=12)
    assert path.alphas.size == 12 and np.all(np.diff(path.alphas) < 0)
    assert path.df[0] < 2.0 and path.df[-1] > 9.0  # intercept + ~half a df .. near full
    assert np.all(np.diff(path.deviance) <= 1e-9)


# ----------------------------------------------------------------------- conventions
def test_conventions_against_sklearn_and_a_direct_glmnet_objective(rng):
    X, y = _binary(rng, n=120, p=4)
    C = 0.37
    m = LogisticRidge(alpha=cv.sklearn_C_to_alpha(C)).fit(X, y)
    assert _rel(m.coef_, _sk(C, solver="newton-cholesky").fit(X, y).coef_) < 1e-6
    assert cv.alpha_to_sklearn_C(cv.sklearn_C_to_alpha(C)) == pytest.approx(C)
    assert cv.alpha_to_sklearn_C(0.0) == np.inf and cv.sklearn_C_to_alpha(np.inf) == 0.0
    # glmnet: (1/W) sum w_i l_i + lam/2 ||beta||^2, minimized directly
    w = rng.uniform(0.5, 2.0, size=y.size)
    lam = 0.05

    def glmnet_obj(t):
        eta = X @ t[1:] + t[0]
        ll = np.logaddexp(0, eta) - y * eta
        return (w @ ll) / w.sum() + 0.5 * lam * t[1:] @ t[1:]

    ref = optimize.minimize(glmnet_obj, np.zeros(5), method="BFGS", options={"gtol": 1e-12})
    a = cv.glmnet_lambda_to_alpha(lam, w.sum())
    mg = LogisticRidge(alpha=a).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(mg.coef_[0], ref.x[1:], rtol=1e-5, atol=1e-7)
    assert cv.alpha_to_glmnet_lambda(a, w.sum()) == pytest.approx(lam)
    assert cv.glmnet_lambda_to_alpha(lam, 10, l1_ratio=0.25) == pytest.approx(10 * lam * 0.75)
    with pytest.raises(ValueError, match="l1_ratio"):
        cv.glmnet_lambda_to_alpha(lam, 10, l1_ratio=1.0)
    with pytest.raises(ValueError, match=">= 0"):
        cv.alpha_to_sklearn_C(-1)


def test_multinomial_loss_reference(rng):
    """The multinomial objective our fit minimizes is the softmax cross-entropy."""
    X, y = _multi(rng, n=100, K=3)
    m = LogisticRidge(alpha=1.0).fit(X, y)
    Y = (y[:, None] == m.classes_[None, :])
    eta = X @ m.coef_.T + m.intercept_

    def obj(shift):
        e = eta + shift
        return np.sum(logsumexp(e, axis=1) - (Y * e).sum(1))

    assert obj(0.0) == pytest.approx(log_loss(y, m.predict_proba(X), normalize=False))
