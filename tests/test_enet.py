"""ElasticNet / Lasso / enet_path against scikit-learn and the KKT conditions."""

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn import linear_model as sk

from ridgekit.linear_model import ElasticNet, Lasso, enet_path, lasso_path

sys.path.insert(0, str(Path(__file__).parent))
from enet_reference import correlated_design, enet_objective, kkt_violation  # noqa: E402

TIGHT = {"tol": 1e-14, "max_iter": 200_000}
KKT_TOL = 1e-7


def _rel(a, b):
    return np.abs(np.asarray(a) - np.asarray(b)).max() / max(np.abs(b).max(), 1e-300)


@pytest.fixture
def data(rng):
    return correlated_design(rng, 90, 24)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("as_sparse", [False, True])
@pytest.mark.parametrize("precompute", ["auto", False])
def test_matches_sklearn_and_kkt(data, rng, fit_intercept, weighted, as_sparse, precompute):
    X, y = data
    w = rng.uniform(0.2, 3.0, size=X.shape[0]) if weighted else None
    Xi = sparse.csr_matrix(X) if as_sparse else X
    ours = ElasticNet(0.07, l1_ratio=0.6, fit_intercept=fit_intercept, precompute=precompute,
                      **TIGHT).fit(Xi, y, sample_weight=w)
    ref = sk.ElasticNet(alpha=0.07, l1_ratio=0.6, fit_intercept=fit_intercept, tol=1e-14,
                        max_iter=200_000).fit(Xi, y, sample_weight=w)
    assert _rel(ours.coef_, ref.coef_) < 1e-6
    assert abs(ours.intercept_ - ref.intercept_) <= 1e-6 * max(1.0, abs(ref.intercept_))
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, 0.07, 0.6, w,
                         fit_intercept) < KKT_TOL
    assert ours.route_ == ("sparse" if as_sparse else "gram" if precompute == "auto"
                           else "dense")


@pytest.mark.parametrize("precompute", ["auto", False])
def test_lasso_positive_matches_sklearn(data, precompute):
    X, y = data
    ours = Lasso(0.02, positive=True, precompute=precompute, **TIGHT).fit(X, y)
    ref = sk.Lasso(alpha=0.02, positive=True, tol=1e-14, max_iter=200_000).fit(X, y)
    assert np.all(ours.coef_ >= 0)
    assert _rel(ours.coef_, ref.coef_) < 1e-6
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, 0.02, 1.0, lower=0.0) < KKT_TOL


def test_p_greater_than_n_dense_and_sparse(rng):
    X, y = correlated_design(rng, 40, 120)
    ref = sk.Lasso(alpha=0.05, tol=1e-14, max_iter=200_000).fit(X, y)
    for Xi in (X, sparse.csc_matrix(X)):
        ours = Lasso(0.05, **TIGHT).fit(Xi, y)
        assert ours.route_ in ("dense", "sparse")
        assert _rel(ours.coef_, ref.coef_) < 1e-6
        assert kkt_violation(X, y, ours.coef_, ours.intercept_, 0.05, 1.0) < KKT_TOL


def test_multi_target_each_its_own(data, rng):
    X, y = data
    Y = np.c_[y, X[:, 3] - 2 * X[:, 5] + rng.normal(size=y.size)]
    ours = ElasticNet(0.05, l1_ratio=0.8, **TIGHT).fit(X, Y)
    assert ours.coef_.shape == (2, X.shape[1])
    for k in range(2):
        ref = sk.ElasticNet(alpha=0.05, l1_ratio=0.8, tol=1e-14, max_iter=200_000).fit(X, Y[:, k])
        assert _rel(ours.coef_[k], ref.coef_) < 1e-6
        assert abs(ours.intercept_[k] - ref.intercept_) < 1e-6 * max(1, abs(ref.intercept_))
    assert ours.predict(X).shape == Y.shape


def test_ridge_limit_l1_ratio_zero(data):
    X, y = data
    ours = ElasticNet(0.3, l1_ratio=0.0, **TIGHT).fit(X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    n = X.shape[0]
    direct = np.linalg.solve(Xc.T @ Xc / n + 0.3 * np.eye(X.shape[1]), Xc.T @ yc / n)
    assert _rel(ours.coef_, direct) < 1e-6
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, 0.3, 0.0) < KKT_TOL


def test_penalty_factor_zero_leaves_coefficient_unpenalized(data):
    X, y = data
    f = np.ones(X.shape[1])
    f[[2, 7]] = 0.0
    alpha = 50.0  # so large that every penalized coefficient is zero
    ours = ElasticNet(alpha, l1_ratio=0.5, penalty_factor=f, **TIGHT).fit(X, y)
    assert np.all(ours.coef_[f > 0] == 0)
    # least squares on the two free columns alone
    A = np.c_[np.ones(X.shape[0]), X[:, [2, 7]]]
    ls = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(ours.coef_[[2, 7]], ls[1:], rtol=1e-6)
    # a moderate alpha: KKT with the factors
    mid = ElasticNet(0.05, l1_ratio=0.5, penalty_factor=f, **TIGHT).fit(X, y)
    assert kkt_violation(X, y, mid.coef_, mid.intercept_, 0.05, 0.5, penalty_factor=f) < KKT_TOL


def test_penalty_factor_two_equals_rescaled_column_lasso(data):
    """A factor c on column j is the same lasso as column j divided by c (coef scaled)."""
    X, y = data
    f = np.ones(X.shape[1])
    f[4] = 2.0
    ours = Lasso(0.03, penalty_factor=f, **TIGHT).fit(X, y)
    Xs = X.copy()
    Xs[:, 4] /= 2.0
    ref = sk.Lasso(alpha=0.03, tol=1e-14, max_iter=200_000).fit(Xs, y)
    expected = ref.coef_.copy()
    expected[4] /= 2.0
    assert _rel(ours.coef_, expected) < 1e-6
    assert kkt_violation(X, y, ours.coef_, ours.intercept_, 0.03, 1.0, penalty_factor=f) \
        < KKT_TOL


def test_penalty_factor_two_elastic_net_against_scipy(data):
    """Doubling one column's penalty (L1 and L2 parts) against a direct scipy solve."""
    from scipy.optimize import minimize

    X, y = data
    X = X[:, :6]
    f = np.ones(6)
    f[1] = 2.0
    alpha, rho = 0.08, 0.5
    ours = ElasticNet(alpha, l1_ratio=rho, penalty_factor=f, **TIGHT).fit(X, y)
    # smooth reformulation b = u - v, u, v >= 0 with L-BFGS-B, intercept free
    n = X.shape[0]

    def fun(z):
        b0, u, v = z[0], z[1:7], z[7:]
        b = u - v
        r = y - X @ b - b0
        val = 0.5 * r @ r / n + alpha * rho * f @ (u + v) + 0.5 * alpha * (1 - rho) * f @ b**2
        gb = -(X.T @ r) / n + alpha * (1 - rho) * f * b
        return val, np.r_[-r.sum() / n, gb + alpha * rho * f, -gb + alpha * rho * f]

    res = minimize(fun, np.zeros(13), jac=True, method="L-BFGS-B",
                   bounds=[(None, None)] + [(0, None)] * 12,
                   options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 20000})
    b_ref = res.x[1:7] - res.x[7:]
    np.testing.assert_allclose(ours.coef_, b_ref, atol=1e-5)
    assert enet_objective(X, y, ours.coef_, ours.intercept_, alpha, rho, penalty_factor=f) \
        <= res.fun + 1e-12


def test_bounds_hold_exactly_and_kkt(data):
    X, y = data
    p = X.shape[1]
    lower = np.full(p, -0.3)
    upper = np.full(p, 0.4)
    lower[0], upper[0] = 0.1, 0.2  # a box excluding zero
    for precompute in ("auto", False):
        m = ElasticNet(0.01, l1_ratio=0.7, lower_bounds=lower, upper_bounds=upper,
                       precompute=precompute, **TIGHT).fit(X, y)
        assert np.all(m.coef_ >= lower) and np.all(m.coef_ <= upper)
        assert np.any(m.coef_ == upper) or np.any(m.coef_ == lower)
        assert kkt_violation(X, y, m.coef_, m.intercept_, 0.01, 0.7, lower=lower,
                             upper=upper) < KKT_TOL


def test_standardize_equals_fit_on_standardized_columns(data, rng):
    X, y = data
    w = rng.uniform(0.5, 2.0, size=X.shape[0])
    m = ElasticNet(0.05, l1_ratio=0.5, standardize=True, **TIGHT).fit(X, y, sample_weight=w)
    mu = w @ X / w.sum()
    sd = np.sqrt(w @ (X - mu) ** 2 / w.sum())
    ref = sk.ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-14, max_iter=200_000).fit(
        (X - mu) / sd, y, sample_weight=w)
    assert _rel(m.coef_, ref.coef_ / sd) < 1e-6
    assert abs(m.intercept_ - (ref.intercept_ - (mu / sd) @ ref.coef_)) < 1e-6


def test_warm_start_reaches_same_solution(data):
    X, y = data
    m = ElasticNet(0.2, warm_start=True, **TIGHT).fit(X, y)
    m.set_params(alpha=0.05).fit(X, y)
    cold = ElasticNet(0.05, **TIGHT).fit(X, y)
    assert _rel(m.coef_, cold.coef_) < 1e-7


def test_path_gap_below_tol_everywhere_and_matches_sklearn(data):
    X, y = data
    path = enet_path(X, y, l1_ratio=0.5, n_alphas=50)
    assert np.all(path.gaps <= path.tol[0])
    n = X.shape[0]
    yc = y - y.mean()
    assert path.tol[0] == pytest.approx(1e-4 * yc @ yc / n)
    Xc = X - X.mean(0)
    amax = np.abs(Xc.T @ yc).max() / (n * 0.5)
    assert path.alphas[0] == pytest.approx(amax, rel=1e-12)
    assert np.all(path.coefs[0] == 0) and np.count_nonzero(path.coefs[1]) > 0
    tight = enet_path(X, y, l1_ratio=0.5, alphas=path.alphas, **TIGHT)
    _, ref, _ = sk.enet_path(Xc, yc, l1_ratio=0.5, alphas=path.alphas, tol=1e-14,
                             max_iter=200_000)
    assert _rel(tight.coefs, ref.T) < 1e-6
    # at α_max scikit-learn's own rounding of Xᵀr can leave a coefficient of ~1e-16 (seen
    # with OpenBLAS on SkylakeX): nonzeros are counted above the rounding level of the path
    ref_nonzero = np.abs(ref.T) > 1e-12 * np.abs(ref).max()
    np.testing.assert_array_equal(tight.df, np.count_nonzero(ref_nonzero, axis=1))
    for k in (5, 25, 49):
        assert kkt_violation(X, y, tight.coefs[k], tight.intercepts[k], path.alphas[k],
                             0.5) < KKT_TOL


def test_path_queries_on_and_off_grid(data):
    X, y = data
    path = lasso_path(X, y, n_alphas=20, **TIGHT)
    a = path.alphas[7]
    np.testing.assert_array_equal(path.coef(a), path.coefs[7])
    off = 0.5 * (path.alphas[7] + path.alphas[8])
    direct = Lasso(off, **TIGHT).fit(X, y)
    assert _rel(path.coef(off), direct.coef_) < 1e-7
    np.testing.assert_allclose(path.predict(X, off), direct.predict(X), rtol=1e-7, atol=1e-8)


def test_sample_weight_in_alpha_grid(data, rng):
    X, y = data
    w = rng.uniform(0.1, 5.0, size=X.shape[0])
    path = lasso_path(X, y, sample_weight=w, n_alphas=5, **TIGHT)
    a0 = path.alphas[0]
    assert np.all(Lasso(a0, **TIGHT).fit(X, y, sample_weight=w).coef_ == 0)
    assert np.count_nonzero(Lasso(a0 * 0.999, **TIGHT).fit(X, y, sample_weight=w).coef_) >= 1


def test_multi_target_path(data):
    X, y = data
    Y = np.c_[y, -2 * y + X[:, 0]]
    path = enet_path(X, Y, l1_ratio=0.9, n_alphas=10, **TIGHT)
    assert path.coefs.shape == (10, 2, X.shape[1])
    assert path.df.shape == (10, 2)
    for k in range(2):
        single = enet_path(X, Y[:, k], l1_ratio=0.9, alphas=path.alphas, **TIGHT)
        assert _rel(path.coefs[:, k], single.coefs) < 1e-9


@pytest.mark.parametrize("kwargs, message", [
    ({"l1_ratio": 1.5}, "l1_ratio"),
    ({"l1_ratio": -0.1}, "l1_ratio"),
    ({"alpha": -1.0}, "alpha"),
    ({"penalty_factor": -1.0}, "penalty_factor"),
    ({"penalty_factor": 0.0}, "all penalty factors are zero"),
    ({"lower_bounds": 1.0, "upper_bounds": 0.5}, "lower bound > upper bound"),
    ({"penalty_factor": [1.0, 2.0]}, "one value per feature"),
    ({"precompute": "yes"}, "precompute"),
])
def test_bad_input(data, kwargs, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        ElasticNet(**kwargs).fit(X, y)


def test_bad_grid(data):
    X, y = data
    with pytest.raises(ValueError, match="> 0"):
        enet_path(X, y, alphas=[1.0, 0.0])
    with pytest.raises(ValueError, match="l1_ratio"):
        enet_path(X, y, l1_ratio=2)
    with pytest.raises(ValueError, match="NaN"):
        enet_path(X, y, alphas=[np.nan])
