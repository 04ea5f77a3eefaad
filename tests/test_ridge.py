"""Ridge against scikit-learn's SVD solver, certified NIST values, and bad input."""

import numpy as np
import pandas as pd
import pytest
from helpers import make_regression
from scipy import sparse
from sklearn.linear_model import Ridge as SkRidge
from sklearn.utils.estimator_checks import check_estimator

from ridgekit import Ridge, ridge_path
from ridgekit.datasets import load_filip, load_longley

SOLVERS = ["auto", "gram", "svd", "precise", "dual"]


def rel(a, b):
    return np.abs(np.asarray(a) - b).max() / max(np.abs(b).max(), 1e-300)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(120, 10, 1), (80, 6, 3), (30, 70, 2)])
def test_matches_sklearn_svd(rng, solver, weighted, fit_intercept, shape):
    n, p, t = shape
    X, Y = make_regression(rng, n, p, t)
    y = Y[:, 0] if t == 1 else Y
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    ours = Ridge(alpha=2.5, fit_intercept=fit_intercept, solver=solver).fit(X, y, w)
    ref = SkRidge(alpha=2.5, fit_intercept=fit_intercept, solver="svd").fit(X, y, w)
    assert ours.coef_.shape == ref.coef_.shape
    assert rel(ours.coef_, ref.coef_) < 1e-8
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(200, 15, 1), (40, 90, 2)])
def test_sparse_matches_sklearn_dense_svd(rng, weighted, fit_intercept, shape):
    n, p, t = shape
    dense = rng.normal(size=(n, p)) * (rng.uniform(size=(n, p)) < 0.3) + 0.0
    Xs = sparse.csr_matrix(dense)
    Y = dense @ rng.normal(size=(p, t)) + 2 + rng.normal(size=(n, t))
    y = Y[:, 0] if t == 1 else Y
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    ours = Ridge(alpha=1.7, fit_intercept=fit_intercept).fit(Xs, y, w)
    ref = SkRidge(alpha=1.7, fit_intercept=fit_intercept, solver="svd").fit(dense, y, w)
    assert ours.solver_ == "lsqr"
    assert rel(ours.coef_, ref.coef_) < 1e-8
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.predict(Xs), ref.predict(dense), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("Xkind", ["dense", "sparse", "wide"])
def test_per_target_alpha_equals_separate_fits(rng, Xkind):
    n, p = (40, 80) if Xkind == "wide" else (100, 8)
    X, Y = make_regression(rng, n, p, t=3)
    Xin = sparse.csr_matrix(X) if Xkind == "sparse" else X
    alphas = np.array([0.1, 5.0, 300.0])
    ours = Ridge(alpha=alphas).fit(Xin, Y)
    for j, a in enumerate(alphas):
        ref = SkRidge(alpha=a, solver="svd").fit(X, Y[:, j])
        assert rel(ours.coef_[j], ref.coef_) < 1e-8
        np.testing.assert_allclose(ours.intercept_[j], ref.intercept_, rtol=1e-8)


def test_wide_p_much_larger_than_n(rng):
    X, Y = make_regression(rng, 50, 3000)
    ours = Ridge(alpha=10.0).fit(X, Y[:, 0])
    ref = SkRidge(alpha=10.0, solver="svd").fit(X, Y[:, 0])
    assert ours.solver_ == "dual"
    assert rel(ours.coef_, ref.coef_) < 1e-8


def lre(estimate, certified):
    err = np.abs(estimate - certified) / np.abs(certified)
    return float(np.min(-np.log10(np.maximum(err, 1e-16))))


@pytest.mark.parametrize(("loader", "bound"), [(load_longley, 10.0), (load_filip, 7.0)])
def test_nist_least_squares_accuracy(loader, bound):
    data = loader()
    model = Ridge(alpha=0.0).fit(data.X, data.y)
    got = np.r_[model.intercept_, model.coef_]
    assert model.solver_ == "precise"
    assert lre(got, data.certified_coef) >= bound
    rss = np.sum((data.y - model.predict(data.X)) ** 2)
    assert abs(rss - data.certified_rss) / data.certified_rss < 1e-6


def test_float32_follows_input(rng):
    X, Y = make_regression(rng, 60, 4)
    model = Ridge(alpha=1.0).fit(X.astype(np.float32), Y[:, 0].astype(np.float32))
    assert model.coef_.dtype == np.float32
    ref = SkRidge(alpha=1.0, solver="svd").fit(X, Y[:, 0])
    assert rel(model.coef_, ref.coef_) < 1e-5


@pytest.mark.parametrize("solver", ["svd", "precise"])
def test_float32_input_is_computed_in_double(rng, solver):
    # the float32 values are exact doubles: the fit must be as accurate as on float64 data
    X = (rng.standard_normal((200, 20)) * np.logspace(0, -5, 20)).astype(np.float32)
    y = X.astype(float) @ rng.standard_normal(20) + 1e-3 * rng.standard_normal(200)
    ref = np.linalg.lstsq(X.astype(float), y, rcond=None)[0]
    got = Ridge(alpha=0.0, fit_intercept=False, solver=solver).fit(X, y).coef_
    assert rel(got, ref) < 1e-6


def test_constant_and_duplicate_columns_just_work(rng):
    X, Y = make_regression(rng, 50, 4)
    Xb = np.c_[X, np.full(50, 7.0), X[:, 0]]
    for alpha in (0.0, 1.0):
        model = Ridge(alpha=alpha).fit(Xb, Y[:, 0])
        ref = SkRidge(alpha=alpha, solver="svd").fit(Xb, Y[:, 0])
        assert abs(model.coef_[4]) < 1e-10
        np.testing.assert_allclose(model.coef_[0], model.coef_[5], rtol=1e-8)
        np.testing.assert_allclose(model.predict(Xb), ref.predict(Xb), rtol=1e-8)


def test_feature_names(rng):
    X, Y = make_regression(rng, 30, 3)
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    model = Ridge().fit(df, Y[:, 0])
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    assert model.n_features_in_ == 3


def test_check_estimator():
    check_estimator(Ridge())


def test_ridge_path_answers_any_alpha_of_grid(rng):
    X, Y = make_regression(rng, 70, 6, t=2)
    grid = np.logspace(-2, 3, 7)
    path = ridge_path(X, Y, grid)
    assert path.coefs.shape == (7, 2, 6)
    for a in grid[[0, 3, 6]]:
        ref = SkRidge(alpha=a, solver="svd").fit(X, Y)
        assert rel(path.coef(a), ref.coef_) < 1e-8
        np.testing.assert_allclose(path.predict(X, a), ref.predict(X), rtol=1e-8)
        np.testing.assert_allclose(path.intercept(a), ref.intercept_, rtol=1e-8)
    single = ridge_path(X, Y[:, 0], grid)
    assert single.coef(grid[2]).shape == (6,)
    assert np.all(np.diff(single.df) < 0)


BAD = {
    "nan in X": (lambda X, y: (np.where(np.eye(*X.shape, dtype=bool), np.nan, X), y), "NaN"),
    "inf in X": (lambda X, y: (np.where(np.eye(*X.shape, dtype=bool), np.inf, X), y), "infinity"),
    "nan in y": (lambda X, y: (X, np.r_[np.nan, y[1:]]), "NaN"),
    "inf in y": (lambda X, y: (X, np.r_[np.inf, y[1:]]), "infinity"),
    "lengths": (lambda X, y: (X, y[:-1]), "inconsistent numbers of samples"),
    "empty": (lambda X, y: (X[:0], y[:0]), "0 sample"),
    "single": (lambda X, y: (X[:1], y[:1]), "1 sample"),
    "non-numeric": (lambda X, y: (np.array([["a", "b"]] * len(y), dtype=object), y), "float"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_data_errors_name_the_problem(rng, case):
    X, Y = make_regression(rng, 10, 2)
    make, msg = BAD[case]
    Xb, yb = make(X, Y[:, 0])
    with pytest.raises(ValueError, match=msg):
        Ridge().fit(Xb, yb)


@pytest.mark.parametrize(
    ("alpha", "msg"),
    [(-1.0, "alpha"), (np.nan, "alpha"), (np.inf, "alpha"), ([1.0, 2.0], "one per target"),
     ([1.0, -2.0, 3.0], ">= 0")],
)
def test_bad_alpha(rng, alpha, msg):
    X, Y = make_regression(rng, 20, 2, t=3)
    with pytest.raises(ValueError, match=msg):
        Ridge(alpha=alpha).fit(X, Y)


def test_negative_sample_weight(rng):
    X, Y = make_regression(rng, 20, 2)
    w = np.ones(20)
    w[3] = -1
    with pytest.raises(ValueError, match="Negative values.*sample_weight"):
        Ridge().fit(X, Y[:, 0], sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight has 5 values"):
        Ridge().fit(X, Y[:, 0], sample_weight=np.ones(5))


def test_bad_grid_for_path(rng):
    X, Y = make_regression(rng, 20, 2)
    for grid, msg in [([], "empty"), ([1.0, np.nan], "NaN"), ([-1.0], ">= 0")]:
        with pytest.raises(ValueError, match=msg):
            ridge_path(X, Y, grid)
