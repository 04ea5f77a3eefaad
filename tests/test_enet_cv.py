"""ElasticNetCV / LassoCV against scikit-learn and against brute-force refits per fold."""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn import linear_model as sk
from sklearn.model_selection import KFold

from ridgekit.linear_model import ElasticNetCV, LassoCV
from ridgekit.select import GridEdgeWarning, Selection

sys.path.insert(0, str(Path(__file__).parent))
from enet_reference import correlated_design  # noqa: E402

TIGHT = {"tol": 1e-12, "max_iter": 100_000}


@pytest.fixture
def data(rng):
    X, y = correlated_design(rng, 150, 20)
    return X, y + 2.0 * rng.normal(size=y.size)


def _brute_force(X, y, alphas, l1_ratio, splits, w=None):
    """Fold MSE by refitting scikit-learn's ElasticNet per fold and per alpha."""
    out = np.empty((len(splits), alphas.size))
    for k, (tr, te) in enumerate(splits):
        for i, a in enumerate(alphas):
            m = sk.ElasticNet(alpha=a, l1_ratio=l1_ratio, tol=1e-13, max_iter=200_000)
            m.fit(X[tr], y[tr], sample_weight=None if w is None else w[tr])
            r = y[te] - m.predict(X[te])
            out[k, i] = np.average(r**2, weights=None if w is None else w[te])
    return out


@pytest.mark.parametrize("as_sparse", [False, True])
def test_same_alpha_as_sklearn(data, as_sparse):
    X, y = data
    Xi = sparse.csr_matrix(X) if as_sparse else X
    ours = ElasticNetCV(l1_ratio=0.5, cv=5, alphas=40, **TIGHT).fit(Xi, y)
    ref = sk.ElasticNetCV(l1_ratio=0.5, cv=5, alphas=40, **TIGHT).fit(Xi, y)
    np.testing.assert_allclose(ours.alphas_, ref.alphas_, rtol=1e-12)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-6)
    assert np.abs(ours.coef_ - ref.coef_).max() <= 1e-5 * np.abs(ref.coef_).max()
    assert ours.route_ == ("sparse" if as_sparse else "gram")


def test_l1_ratio_list_chosen_jointly(data):
    X, y = data
    ratios = [0.1, 0.5, 0.9, 1.0]
    ours = ElasticNetCV(l1_ratio=ratios, cv=4, alphas=30, **TIGHT).fit(X, y)
    ref = sk.ElasticNetCV(l1_ratio=ratios, cv=4, alphas=30, **TIGHT).fit(X, y)
    assert ours.l1_ratio_ == ref.l1_ratio_
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert ours.alphas_.shape == (4, 30)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-6)
    assert len(ours.selections_) == 4


def test_lasso_cv_p_greater_than_n(rng):
    X, y = correlated_design(rng, 60, 150)
    ours = LassoCV(cv=3, alphas=25, **TIGHT).fit(X, y)
    ref = sk.LassoCV(cv=3, alphas=25, **TIGHT).fit(X, y)
    assert ours.route_ == "dense"
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-6)


@pytest.mark.parametrize("route", ["auto", False])
def test_one_standard_error_rule_equals_brute_force(data, route):
    X, y = data
    splits = list(KFold(5, shuffle=True, random_state=0).split(X))
    ours = ElasticNetCV(l1_ratio=0.7, cv=KFold(5, shuffle=True, random_state=0), alphas=15,
                        rule="1se", precompute=route, **TIGHT).fit(X, y)
    fold_mse = _brute_force(X, y, ours.alphas_, 0.7, splits)
    np.testing.assert_allclose(ours.selection_.extra["fold_mse"], fold_mse, rtol=1e-6)
    sizes = np.array([te.size for _, te in splits], float)
    wn = sizes / sizes.sum()
    mean = wn @ fold_mse
    se = np.sqrt((wn @ (fold_mse - mean) ** 2) / (len(splits) - 1))
    i_min = int(np.argmin(mean))
    within = np.flatnonzero(mean <= mean[i_min] + se[i_min])
    expected = ours.alphas_[within].max()
    assert ours.alpha_ == pytest.approx(expected, rel=1e-12)
    assert ours.selection_.alpha_min == pytest.approx(ours.alphas_[i_min], rel=1e-12)
    assert isinstance(ours.selection_, Selection) and ours.selection_.rule == "1se"


def test_sample_weights_in_folds_and_grid(data, rng):
    X, y = data
    w = rng.uniform(0.3, 3.0, size=y.size)
    splits = list(KFold(4).split(X))
    ours = ElasticNetCV(l1_ratio=0.5, cv=4, alphas=8, **TIGHT).fit(X, y, sample_weight=w)
    # the weighted alpha_max: every coefficient is zero there, not just below it
    top = sk.ElasticNet(alpha=ours.alphas_[0], l1_ratio=0.5, tol=1e-13).fit(X, y,
                                                                             sample_weight=w)
    below = sk.ElasticNet(alpha=ours.alphas_[0] * 0.99, l1_ratio=0.5, tol=1e-13).fit(
        X, y, sample_weight=w)
    assert np.all(top.coef_ == 0) and np.count_nonzero(below.coef_) >= 1
    fold_mse = _brute_force(X, y, ours.alphas_, 0.5, splits, w)
    np.testing.assert_allclose(ours.mse_path_.T, fold_mse, rtol=1e-6)


def test_relaxed_fit_against_brute_force(data):
    X, y = data
    splits = list(KFold(3).split(X))
    gammas = (0.0, 0.5, 1.0)
    ours = LassoCV(cv=3, alphas=10, relax=True, gammas=gammas, **TIGHT).fit(X, y)
    alphas = ours.alphas_
    errs = np.empty((len(gammas), 3, alphas.size))
    for k, (tr, te) in enumerate(splits):
        for i, a in enumerate(alphas):
            m = sk.Lasso(alpha=a, tol=1e-13, max_iter=200_000).fit(X[tr], y[tr])
            A = np.flatnonzero(m.coef_)
            b_rel = np.zeros(X.shape[1])
            b0_rel = y[tr].mean()
            if A.size:
                D = np.c_[np.ones(tr.size), X[tr][:, A]]
                sol = np.linalg.lstsq(D, y[tr], rcond=None)[0]
                b_rel[A], b0_rel = sol[1:], sol[0]
            for g, gamma in enumerate(gammas):
                b = gamma * m.coef_ + (1 - gamma) * b_rel
                b0 = gamma * m.intercept_ + (1 - gamma) * b0_rel
                errs[g, k, i] = np.mean((y[te] - X[te] @ b - b0) ** 2)
    mean = errs.mean(axis=1)
    g_best = int(np.argmin(mean.min(axis=1)))
    assert ours.gamma_ == gammas[g_best]
    assert ours.alpha_ == pytest.approx(alphas[int(np.argmin(mean[g_best]))], rel=1e-12)
    np.testing.assert_allclose(ours.selection_.extra["fold_mse"], errs[g_best], rtol=1e-6)


def test_grid_edge_warning(data):
    X, y = data
    with pytest.warns(GridEdgeWarning):
        ElasticNetCV(cv=3, alphas=[100.0, 50.0, 20.0]).fit(X, y)


def test_multi_target_alpha_per_target(data, rng):
    X, y = data
    Y = np.c_[y, X[:, 0] + 0.1 * rng.normal(size=y.size)]
    ours = ElasticNetCV(cv=3, alphas=12, **TIGHT).fit(X, Y)
    assert ours.alpha_.shape == (2,) and ours.coef_.shape == (2, X.shape[1])
    for k in range(2):
        single = ElasticNetCV(cv=3, alphas=ours.alphas_, **TIGHT).fit(X, Y[:, k])
        assert single.alpha_ == pytest.approx(ours.alpha_[k])


@pytest.mark.parametrize("kwargs, message", [
    ({"l1_ratio": [0.5, 1.2]}, "l1_ratio"),
    ({"alphas": [1.0, -1.0]}, "> 0"),
    ({"gammas": [2.0], "relax": True}, "gammas"),
])
def test_bad_input(data, kwargs, message):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=message):
            ElasticNetCV(cv=3, **kwargs).fit(X, y)


def test_relax_ridge_refit_on_active_set(data):
    """gamma = 0 with relax="ridge": the final coefficients are the ridge fit (the elastic
    net's own L2 part) on the active set of the chosen alpha, from a dense solve."""
    X, y = data
    cv = ElasticNetCV(l1_ratio=0.5, cv=3, alphas=10, relax="ridge", gammas=[0.0],
                      **TIGHT).fit(X, y)
    A = np.flatnonzero(cv.path_.coef(cv.alpha_))
    Xc, yc = X - X.mean(0), y - y.mean()
    n = X.shape[0]
    lam2 = cv.alpha_ * 0.5
    sol = np.linalg.solve(Xc[:, A].T @ Xc[:, A] / n + lam2 * np.eye(A.size),
                          Xc[:, A].T @ yc / n)
    expected = np.zeros(X.shape[1])
    expected[A] = sol
    np.testing.assert_allclose(cv.coef_, expected, rtol=1e-8, atol=1e-10)
    assert cv.intercept_ == pytest.approx(y.mean() - X.mean(0) @ expected)


def test_fit_moments_equals_fit(data):
    """From fold moments alone (as the streamed command line fit would) = from arrays."""
    from ridgekit.moments import FoldMoments

    X, y = data
    ids = np.repeat(np.arange(5), 30)
    a = ElasticNetCV(l1_ratio=[0.5, 1.0], cv=ids, alphas=20, **TIGHT).fit(X, y)
    b = ElasticNetCV(l1_ratio=[0.5, 1.0], alphas=20, **TIGHT).fit_moments(
        FoldMoments.from_arrays(X, y, ids))
    assert a.alpha_ == b.alpha_ and a.l1_ratio_ == b.l1_ratio_
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.predict(X), a.predict(X), rtol=1e-10)
