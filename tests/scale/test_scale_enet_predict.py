"""ElasticNet(CV)/Lasso(CV) on Dask equal the in-memory fit on the same folds, brute-force
refits by scikit-learn and scikit-learn's own fit; predictions on Dask stay lazy and equal
numpy's."""

import warnings

import numpy as np
import pytest
from scale_reference import make_data, rel_error

da = pytest.importorskip("dask.array", reason="dask is not installed")
dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
pd = pytest.importorskip("pandas")

from sklearn import linear_model as sk  # noqa: E402

from ridgekit.linear_model import (  # noqa: E402
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LogisticRidge,
    Ridge,
    RidgeCV,
)
from ridgekit.scale import HashFolds  # noqa: E402
from ridgekit.scale.predict import lazy  # noqa: E402

UNEVEN = (700, 1, 1299, 400, 600)  # n = 3000
N, P = 3000, 8


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    X, _ = make_data(rng, N, P)
    beta = np.r_[rng.normal(size=4), np.zeros(4)]
    y = X @ beta + 1.0 + rng.normal(size=N)
    w = rng.uniform(0.2, 3.0, N)
    return X, y, w


def test_enet_cv_on_uneven_chunks_equals_in_memory_and_sklearn_refits(data):
    X, y, w = data
    grid = np.logspace(0, -3, 12)
    Xd = da.from_array(X, chunks=(UNEVEN, (3, 5)))
    kw = dict(alphas=grid, l1_ratio=[0.3, 0.9], tol=1e-10, rule="1se")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # grid edge
        got = ElasticNetCV(cv=5, **kw).fit(Xd, da.from_array(y, chunks=500),
                                          sample_weight=da.from_array(w, chunks=900))
        mem = ElasticNetCV(cv=HashFolds(5), **kw).fit(X, y, sample_weight=w)
    assert got.alpha_ == mem.alpha_ and got.l1_ratio_ == mem.l1_ratio_
    assert rel_error(got.mse_path_, mem.mse_path_) < 1e-10
    assert rel_error(got.selection_.se, mem.selection_.se) < 1e-9
    assert rel_error(got.coef_, mem.coef_) < 1e-10
    # brute force: scikit-learn refits on each fold's training rows
    ids = HashFolds(5).fold_ids(N)
    for f in (0, 3):
        tr, te = ids != f, ids == f
        for j in (2, 9):
            ref = sk.ElasticNet(alpha=grid[j], l1_ratio=0.9, tol=1e-12, max_iter=100_000).fit(
                X[tr], y[tr], sample_weight=w[tr])
            mse = np.sum(w[te] * (y[te] - ref.predict(X[te])) ** 2) / w[te].sum()
            assert abs(got.mse_path_[1, j, f] - mse) < 1e-8 * mse


def test_lasso_cv_dataframe_with_weight_column(data):
    X, y, w = data
    cols = [f"c{j}" for j in range(P)]
    df = pd.DataFrame(X, columns=cols).assign(t=y, w=w)
    ddf = dd.from_pandas(df, npartitions=3)
    got = LassoCV(cv=HashFolds(4, seed=2), alphas=20).fit(ddf[cols], ddf["t"],
                                                          sample_weight=ddf["w"])
    mem = LassoCV(cv=HashFolds(4, seed=2), alphas=20).fit(df[cols], y, sample_weight=w)
    np.testing.assert_allclose(got.alphas_, mem.alphas_, rtol=1e-12)
    assert abs(got.alpha_ - mem.alpha_) <= 1e-12 * mem.alpha_
    assert rel_error(got.coef_, mem.coef_) < 1e-10
    assert list(got.feature_names_in_) == cols


def test_enet_and_lasso_equal_sklearn(data):
    X, y, w = data
    Xd = da.from_array(X, chunks=(UNEVEN, -1))
    Y = np.c_[y, 2 * y - X[:, 0]]
    for est, ref in ((ElasticNet(alpha=0.05, l1_ratio=0.4, tol=1e-12),
                      sk.ElasticNet(alpha=0.05, l1_ratio=0.4, tol=1e-12, max_iter=100_000)),
                     (Lasso(alpha=0.1, tol=1e-12), sk.Lasso(alpha=0.1, tol=1e-12,
                                                            max_iter=100_000))):
        got = est.fit(Xd, da.from_array(Y, chunks=(UNEVEN, -1)),
                      sample_weight=da.from_array(w, chunks=1000))
        ref.fit(X, Y, sample_weight=w)
        assert rel_error(got.coef_, ref.coef_) < 1e-8
        assert rel_error(got.intercept_, ref.intercept_) < 1e-8
        assert got.coef_.shape == (2, P) and got.route_ == "gram"
    with pytest.raises(ValueError, match="precompute=False"):
        Lasso(precompute=False).fit(Xd, da.from_array(y, chunks=(UNEVEN,)))


def test_enet_bad_input_named_during_the_pass(data):
    X, y, _ = data
    Xn = X.copy()
    Xn[2222, 5] = np.nan
    with pytest.raises(ValueError, match=r"X has NaN in column x5 at row 2222 "
                                         r"\(block 3, rows 2000..2399\)"):
        ElasticNetCV(cv=3).fit(da.from_array(Xn, chunks=(UNEVEN, -1)),
                               da.from_array(y, chunks=(UNEVEN,)))
    df = pd.DataFrame(X[:, :2], columns=["a", "b"]).assign(c=["x"] * N)
    with pytest.raises(ValueError, match="column 'c' of the Dask data frame is not numeric"):
        Lasso().fit(dd.from_pandas(df, npartitions=2), y)


# ------------------------------------------------------------------- predict
def test_predict_on_dask_stays_lazy_and_equals_numpy(data):
    X, y, _ = data
    calls = []

    def source(block):  # records each time a block of X is computed
        calls.append(block.shape[0])
        return block

    Xd = da.from_array(X, chunks=(UNEVEN, (3, 5))).map_blocks(source, dtype=float,
                                                              meta=np.empty((0, 0)))
    labels = np.array(["lo", "mid", "hi"])[np.digitize(y, np.quantile(y, [0.3, 0.7]))]
    fitted = [Ridge(alpha=2.0).fit(X, y), RidgeCV().fit(X, np.c_[y, -y]),
              ElasticNet(alpha=0.1).fit(X, y), LogisticRidge().fit(X, labels)]
    for est in fitted:
        methods = ("predict", "predict_proba", "decision_function") \
            if hasattr(est, "classes_") else ("predict",)
        for method in methods:
            out = lazy(est, Xd, method)
            assert isinstance(out, da.Array) and not calls  # nothing computed yet
            ref = getattr(est, method)(X)
            assert out.shape == ref.shape and out.dtype == ref.dtype
            got = out.compute()
            assert calls  # computed by the blocks, one task each
            calls.clear()
            if ref.dtype.kind in "US":
                assert np.array_equal(got, ref)
            else:
                np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_predict_on_a_dataframe_checks_the_columns(data):
    X, y, _ = data
    cols = [f"c{j}" for j in range(P)]
    df = pd.DataFrame(X, columns=cols)
    est = RidgeCV().fit(df, y)
    ddf = dd.from_pandas(df, npartitions=4)
    np.testing.assert_allclose(lazy(est, ddf).compute(), est.predict(df), rtol=1e-12)
    with pytest.raises(ValueError, match="fitted with"):
        lazy(est, ddf.rename(columns={"c0": "z"}))
    with pytest.raises(ValueError, match="X has 3 features, but the estimator was fitted "
                                         "with 8"):
        lazy(Ridge().fit(X, y), da.from_array(X[:, :3], chunks=500))
