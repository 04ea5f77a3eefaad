"""LogisticRidge and LogisticRidgeCV on Dask collections (Dask's local scheduler): equal to
the in-memory fit on the same rows and folds, to scikit-learn, to the optimality condition
checked directly, and to brute-force refits per fold; a handful of passes; bad input."""

import numpy as np
import pytest
from scale_reference import rel_error

da = pytest.importorskip("dask.array", reason="dask is not installed")
dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
pd = pytest.importorskip("pandas")

from sklearn.linear_model import LogisticRegression  # noqa: E402

from ridgekit.linear_model import LogisticRidge, LogisticRidgeCV  # noqa: E402
from ridgekit.scale import HashFolds  # noqa: E402

UNEVEN = (500, 1, 899, 300, 700)  # n = 2400
N, P = 2400, 5


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(N, P)) + np.linspace(-1, 2, P)
    beta = rng.normal(size=P)
    eta = X @ beta - 0.5
    y2 = np.where(eta + rng.logistic(size=N) > 0, "yes", "no")
    y3 = np.digitize(eta + rng.logistic(size=N), [-1.0, 1.0])  # 0, 1, 2
    w = rng.uniform(0.2, 3.0, N)
    return X, y2, y3, w


def _dask(X, y, w):
    return (da.from_array(X, chunks=(UNEVEN, (2, 3))), da.from_array(y, chunks=600),
            da.from_array(w, chunks=(UNEVEN,)))


def _gradient(X, Y, w, coef, intercept, alpha):
    """Gradient of sum_i w_i l_i + alpha/2 ||B||^2 in (intercept, B), by hand."""
    eta = X @ coef.T + intercept
    if Y.shape[1] == 1:
        P_ = 1.0 / (1.0 + np.exp(-eta))
    else:
        E = np.exp(eta - eta.max(axis=1, keepdims=True))
        P_ = E / E.sum(axis=1, keepdims=True)
    R = w[:, None] * (P_ - Y)
    return np.r_[R.sum(axis=0)[None], X.T @ R + alpha * coef.T]


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_logistic_equals_in_memory_sklearn_and_the_optimality_condition(data, kind):
    X, y2, y3, w = data
    y = y2 if kind == "binary" else y3
    got = LogisticRidge(alpha=3.0, tol=1e-10).fit(*_dask(X, y, w)[:2],
                                                  sample_weight=_dask(X, y, w)[2])
    mem = LogisticRidge(alpha=3.0, tol=1e-10).fit(X, y, sample_weight=w)
    assert np.array_equal(got.classes_, mem.classes_)
    assert rel_error(got.coef_, mem.coef_) < 1e-10
    assert rel_error(got.intercept_, mem.intercept_) < 1e-10
    classes, codes = np.unique(y, return_inverse=True)
    Y = (codes == 1).astype(float)[:, None] if classes.size == 2 else np.eye(3)[codes]
    g = _gradient(X, Y, w, got.coef_, got.intercept_, 3.0)
    assert np.linalg.norm(g) < 1e-7 * np.sum(w)  # stationary (relative to the loss scale)
    sk = LogisticRegression(C=1 / 3.0, tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
    assert rel_error(got.coef_, sk.coef_) < 1e-5
    assert got.n_passes_ <= 12  # labels + null model + Newton steps: a handful
    assert got.solver_ == "exact" and got.n_features_in_ == P


def test_class_weight_standardize_and_a_dataframe_weight_column(data):
    X, y2, _, w = data
    cols = [f"f{j}" for j in range(P)]
    df = pd.DataFrame(X, columns=cols).assign(label=y2, w=w)
    ddf = dd.from_pandas(df, npartitions=4)
    kw = dict(alpha=0.5, class_weight="balanced", standardize=True, tol=1e-10,
              penalty_factor=[1.0, 0.5, 2.0, 1.0, 0.0])
    got = LogisticRidge(**kw).fit(ddf[cols], ddf["label"], sample_weight=ddf["w"])
    mem = LogisticRidge(**kw).fit(df[cols], y2, sample_weight=w)
    assert rel_error(got.coef_, mem.coef_) < 1e-10
    assert rel_error(got.intercept_, mem.intercept_) < 1e-10
    assert list(got.feature_names_in_) == cols
    # class weights as a dict, integer labels, no intercept
    y01 = (y2 == "yes").astype(int)
    kw = dict(alpha=2.0, class_weight={0: 3.0, 1: 0.5}, fit_intercept=False, tol=1e-10)
    got = LogisticRidge(**kw).fit(da.from_array(X, chunks=700), da.from_array(y01, chunks=700))
    mem = LogisticRidge(**kw).fit(X, y01)
    assert rel_error(got.coef_, mem.coef_) < 1e-10 and np.all(got.intercept_ == 0)


def _brute_force_deviance(X, y, w, ids, alphas):
    """Held-out deviance per fold and alpha, one in-memory refit each."""
    err = np.empty((ids.max() + 1, len(alphas)))
    for f in range(err.shape[0]):
        tr, te = ids != f, ids == f
        for j, a in enumerate(alphas):
            fit = LogisticRidge(alpha=a, tol=1e-10).fit(X[tr], y[tr], sample_weight=w[tr])
            P_ = fit.predict_proba(X[te])
            codes = np.searchsorted(fit.classes_, y[te])
            err[f, j] = -2 * np.sum(w[te] * np.log(P_[np.arange(te.sum()), codes])) / w[te].sum()
    return err


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_logistic_cv_equals_in_memory_and_brute_force_refits(data, kind):
    X, y2, y3, w = data
    y = y2 if kind == "binary" else y3
    grid = np.logspace(-1, 3, 6)
    Xd, yd, wd = _dask(X, y, w)
    got = LogisticRidgeCV(grid, cv=4, tol=1e-10, rule="1se", store_cv_results=True).fit(
        Xd, yd, sample_weight=wd)
    mem = LogisticRidgeCV(grid, cv=HashFolds(4), tol=1e-10, rule="1se").fit(
        X, y, sample_weight=w)
    assert got.alpha_ == mem.alpha_
    assert rel_error(got.selection_.mean, mem.selection_.mean) < 1e-10
    assert rel_error(got.selection_.se, mem.selection_.se) < 1e-8
    assert rel_error(got.coef_, mem.coef_) < 1e-10
    if kind == "binary":  # df = tr[(H + alpha C)^-1 H] at each solution, by hand
        A = np.c_[np.ones(N), X]
        for j, a in enumerate(grid):
            p_ = 1 / (1 + np.exp(-(A @ np.r_[got.path_.intercepts[j], got.path_.coefs[j]])))
            H = A.T @ (A * (w * p_ * (1 - p_))[:, None])
            df = np.trace(np.linalg.solve(H + a * np.diag(np.r_[0.0, np.ones(P)]), H))
            assert abs(got.path_.df[j] - df) < 1e-10 * df
    brute = _brute_force_deviance(X, y, w, HashFolds(4).fold_ids(N), grid)
    assert rel_error(got.cv_results_, brute) < 1e-9
    assert got.n_passes_ <= 2 + 6 * 8  # labels, null models, a few rounds per alpha
    # off the grid: a refit by Newton passes on the same collections
    assert rel_error(got.path_.coef(7.0), LogisticRidge(alpha=7.0, tol=1e-10).fit(
        X, y, sample_weight=w).coef_.squeeze()) < 1e-9


def test_logistic_cv_default_grid_and_accuracy_scoring(data):
    X, y2, _, w = data
    Xd, yd, wd = _dask(X, y2, w)
    got = LogisticRidgeCV(cv=HashFolds(3, seed=4), alphas=5, scoring="accuracy",
                          tol=1e-10).fit(Xd, yd, sample_weight=wd)
    mem = LogisticRidgeCV(cv=HashFolds(3, seed=4), alphas=5, scoring="accuracy",
                          tol=1e-10).fit(X, y2, sample_weight=w)
    np.testing.assert_allclose(got.alphas_, mem.alphas_, rtol=1e-12)
    np.testing.assert_allclose(got.selection_.mean, mem.selection_.mean, rtol=1e-12)
    assert abs(got.best_score_ - mem.best_score_) < 1e-12


# ----------------------------------------------------------------- bad input
def test_one_class_missing_and_continuous_labels(data):
    X, _, _, _ = data
    Xd = da.from_array(X, chunks=600)
    with pytest.raises(ValueError, match="only one class"):
        LogisticRidge().fit(Xd, da.from_array(np.full(N, "a"), chunks=600))
    y = np.ones(N)
    y[:1000] = 0
    y[1234] = np.nan
    with pytest.raises(ValueError, match=r"missing label .* at row 1234 \(block 2"):
        LogisticRidge().fit(Xd, da.from_array(y, chunks=600))
    with pytest.raises(ValueError, match="continuous"):
        LogisticRidge().fit(Xd, da.from_array(X[:, 0], chunks=600))
    s = pd.Series(np.where(X[:, 0] > 0, "p", "q"), dtype=object)
    s[17] = None
    with pytest.raises(ValueError, match="missing label .* at row 17"):
        LogisticRidge().fit(dd.from_pandas(pd.DataFrame(X), npartitions=2),
                            dd.from_pandas(s, npartitions=2))


def test_nan_in_a_chunk_and_non_numeric_column_are_named(data):
    X, y2, _, _ = data
    Xn = X.copy()
    Xn[1500, 3] = np.nan
    with pytest.raises(ValueError, match=r"X has NaN in column x3 at row 1500 \(block 2"):
        LogisticRidge().fit(da.from_array(Xn, chunks=600), da.from_array(y2, chunks=600))
    df = pd.DataFrame(X, columns=list("abcde")).assign(e=np.where(X[:, 4] > 0, "u", "v"))
    with pytest.raises(ValueError, match="column 'e' of the Dask data frame is not numeric"):
        LogisticRidge().fit(dd.from_pandas(df, npartitions=2), y2)
    with pytest.raises(ValueError, match="newton-cg.*full Hessian"):
        LogisticRidge(solver="newton-cg").fit(da.from_array(X, chunks=600), y2)
    with pytest.raises(ValueError, match="cv='alo' needs each row"):
        LogisticRidgeCV(cv="alo").fit(da.from_array(X, chunks=600), y2)
    with pytest.raises(ValueError, match="Hessian.* over the limit"):
        from ridgekit.scale import options

        with options(max_gram_bytes=100):
            LogisticRidge().fit(da.from_array(X, chunks=600), y2)
