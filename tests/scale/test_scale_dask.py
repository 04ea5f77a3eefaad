"""Ridge, RidgeCV and Tikhonov on Dask collections (Dask's local scheduler) equal the
in-memory fit on the same rows and folds, and a brute-force / dense-solve reference."""

import numpy as np
import pytest
from scale_reference import brute_force_kfold, dense_ridge, make_data

da = pytest.importorskip("dask.array", reason="dask is not installed")
dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
pd = pytest.importorskip("pandas")

from ridgekit.linear_model import Ridge, RidgeCV, Tikhonov  # noqa: E402
from ridgekit.scale import HashFolds, options  # noqa: E402

UNEVEN = (700, 1, 1299, 400, 600)  # n = 3000
GRID = np.logspace(-2, 3, 25)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    X, y = make_data(rng, 3000, 6)
    w = rng.uniform(0.2, 3.0, 3000)
    return X, y, w


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def test_ridge_on_uneven_chunks_equals_dense_solve_and_in_memory_fit(data):
    X, y, w = data
    Xd = da.from_array(X, chunks=(UNEVEN, (2, 4)))
    got = Ridge(alpha=3.0).fit(Xd, da.from_array(y, chunks=500),
                               sample_weight=da.from_array(w, chunks=1000))
    coef, b0 = dense_ridge(X, y, w, 3.0)
    assert _rel(got.coef_, coef[0]) < 1e-10
    assert abs(got.intercept_ - b0[0]) < 1e-10 * abs(b0[0])
    mem = Ridge(alpha=3.0, solver="gram").fit(X, y, sample_weight=w)
    assert _rel(got.coef_, mem.coef_) < 1e-10
    assert got.n_features_in_ == 6 and got.solver_ == "gram"
    np.testing.assert_allclose(got.predict(X), mem.predict(X), rtol=1e-10)


def test_ridgecv_kfold_1se_equals_brute_force_and_in_memory(data):
    X, y, w = data
    Xd = da.from_array(X, chunks=(UNEVEN, -1))
    got = RidgeCV(GRID, cv=10, rule="1se").fit(Xd, da.from_array(y, chunks=(UNEVEN,)),
                                               sample_weight=da.from_array(w, chunks=777))
    ids = HashFolds(10, seed=0).fold_ids(3000)  # what cv=10 means on Dask
    mean, se = brute_force_kfold(X, y, w, ids, GRID)
    assert _rel(got.selection_.mean, mean) < 1e-10
    assert _rel(got.selection_.se, se) < 1e-9
    i_min = int(np.argmin(mean))
    within = np.flatnonzero(mean <= mean[i_min] + se[i_min])
    assert got.alpha_ == GRID[within.max()]  # the 1-SE rule, by hand
    mem = RidgeCV(GRID, cv=HashFolds(10), rule="1se").fit(X, y, sample_weight=w)
    assert got.alpha_ == mem.alpha_
    assert _rel(got.selection_.mean, mem.selection_.mean) < 1e-10
    assert _rel(got.coef_, mem.coef_) < 1e-10
    coef, _ = dense_ridge(X, y, w, got.alpha_)
    assert _rel(got.coef_, coef[0]) < 1e-10


def test_folds_follow_positions_not_chunks(data):
    X, y, _ = data
    a = RidgeCV(GRID, cv=HashFolds(5, seed=3)).fit(
        da.from_array(X, chunks=(UNEVEN, -1)), da.from_array(y, chunks=(UNEVEN,)))
    b = RidgeCV(GRID, cv=HashFolds(5, seed=3)).fit(
        da.from_array(X, chunks=(1000, 3)), da.from_array(y, chunks=250))  # y chunked apart
    mem = RidgeCV(GRID, cv=HashFolds(5, seed=3)).fit(X, y)
    for fit in (a, b):
        assert fit.alpha_ == mem.alpha_
        assert _rel(fit.selection_.mean, mem.selection_.mean) < 1e-10
        assert _rel(fit.coef_, mem.coef_) < 1e-10


def test_kfold_without_shuffle_equals_the_in_memory_default(data):
    """cv=KFold(5) on Dask is scikit-learn's contiguous KFold, as cv=5 in memory."""
    from sklearn.model_selection import KFold

    X, y, _ = data
    got = RidgeCV(GRID, cv=KFold(5)).fit(da.from_array(X, chunks=(UNEVEN, -1)),
                                         da.from_array(y, chunks=(UNEVEN,)))
    mem = RidgeCV(GRID, cv=5).fit(X, y)
    assert got.alpha_ == mem.alpha_
    assert _rel(got.selection_.mean, mem.selection_.mean) < 1e-10
    assert _rel(got.coef_, mem.coef_) < 1e-10


def test_gcv_and_moment_rules_equal_in_memory(data):
    X, y, w = data
    Xd = da.from_array(X, chunks=(UNEVEN, -1))
    yd = da.from_array(y, chunks=(UNEVEN,))
    for cv in ("gcv", "evidence", "hkb"):
        got = RidgeCV(GRID, cv=cv).fit(Xd, yd, sample_weight=da.from_array(w, chunks=600))
        mem = RidgeCV(GRID, cv=cv).fit(X, y, sample_weight=w)
        assert abs(got.alpha_ - mem.alpha_) <= 1e-10 * mem.alpha_, cv
        assert _rel(got.coef_, mem.coef_) < 1e-10, cv
    # GCV by its definition: n RSS / (n - tr H)^2 with tr H counting the intercept
    got = RidgeCV(GRID, cv="gcv").fit(Xd, yd)
    n = X.shape[0]
    A = np.c_[np.ones(n), X]
    curve = []
    for a in GRID:
        P = a * np.eye(7)
        P[0, 0] = 0
        H = A @ np.linalg.solve(A.T @ A + P, A.T)
        r = y - H @ y
        curve.append(n * (r @ r) / (n - np.trace(H)) ** 2)
    assert _rel(got.selection_.mean, curve) < 1e-9


def test_dataframe_with_weight_column(data):
    X, y, w = data
    cols = [f"f{j}" for j in range(6)]
    df = pd.DataFrame(X, columns=cols).assign(y=y, w=w)
    ddf = dd.from_pandas(df, npartitions=4).repartition(divisions=[0, 5, 1700, 2999])
    got = RidgeCV(GRID, cv=10).fit(ddf[cols], ddf["y"], sample_weight=ddf["w"])
    mem = RidgeCV(GRID, cv=HashFolds(10)).fit(X, y, sample_weight=w)
    assert got.alpha_ == mem.alpha_
    assert _rel(got.selection_.mean, mem.selection_.mean) < 1e-10
    assert _rel(got.coef_, mem.coef_) < 1e-10
    assert list(got.feature_names_in_) == cols


def test_multi_target_per_target_alpha(data):
    X, _, _ = data
    rng = np.random.default_rng(3)
    Y = np.c_[X @ rng.normal(size=6), X[:, 0] * 0.1] + rng.normal(size=(3000, 2))
    got = RidgeCV(GRID, cv=4, alpha_per_target=True).fit(
        da.from_array(X, chunks=(UNEVEN, -1)), da.from_array(Y, chunks=(500, 2)))
    mem = RidgeCV(GRID, cv=HashFolds(4), alpha_per_target=True).fit(X, Y)
    np.testing.assert_array_equal(got.alpha_, mem.alpha_)
    assert _rel(got.coef_, mem.coef_) < 1e-10


def test_tikhonov_equals_dense_solve_and_in_memory(data):
    from ridgekit.tikhonov import second_difference

    X, y, w = data
    G = second_difference(6)
    prior = np.linspace(-1, 1, 6)
    got = Tikhonov(2.0, gamma=G, coef_prior=prior).fit(
        da.from_array(X, chunks=(UNEVEN, -1)), da.from_array(y, chunks=(UNEVEN,)),
        sample_weight=da.from_array(w, chunks=(UNEVEN,)))
    Gd = G.toarray()
    coef, b0 = dense_ridge(X, y, w, 2.0, P=Gd.T @ Gd, prior=prior)
    assert _rel(got.coef_, coef[0]) < 1e-10
    assert abs(got.intercept_ - b0[0]) < 1e-9 * abs(b0[0])
    mem = Tikhonov(2.0, gamma=G, coef_prior=prior).fit(X, y, sample_weight=w)
    assert _rel(got.coef_, mem.coef_) < 1e-10
    assert got.n_unpenalized_ == mem.n_unpenalized_ == 2


def test_no_compute_or_asarray_of_X_on_the_client(data, monkeypatch):
    X, y, _ = data
    Xd = da.from_array(X, chunks=(UNEVEN, -1))

    def refuse(*args, **kwargs):
        raise AssertionError("X was pulled to the client")

    monkeypatch.setattr(da.Array, "compute", refuse)
    monkeypatch.setattr(da.Array, "__array__", refuse)
    RidgeCV(GRID, cv=5).fit(Xd, da.from_array(y, chunks=(UNEVEN,)))


@pytest.mark.filterwarnings("ignore::ridgekit.select.GridEdgeWarning")
def test_progress_over_blocks(data):
    X, y, _ = data
    seen = []
    with options(progress=lambda done, total: seen.append((done, total))):
        RidgeCV(np.logspace(-4, 3, 9), cv=3).fit(da.from_array(X, chunks=(UNEVEN, -1)),
                                                 da.from_array(y, chunks=(UNEVEN,)))
    assert seen[-1] == (5, 5) and [d for d, _ in seen] == [1, 2, 3, 4, 5]


def test_bad_input_on_dask(data):
    X, y, _ = data
    Xd = da.from_array(X, chunks=(UNEVEN, -1))
    yd = da.from_array(y, chunks=(UNEVEN,))
    with pytest.raises(ValueError, match="leave-one-out|leverage"):
        RidgeCV(GRID).fit(Xd, yd)
    with pytest.raises(ValueError, match="scoring"):
        RidgeCV(GRID, cv=5, scoring="r2").fit(Xd, yd)
    from sklearn.model_selection import ShuffleSplit

    with pytest.raises(ValueError, match="global position"):
        RidgeCV(GRID, cv=ShuffleSplit(3)).fit(Xd, yd)
    with pytest.raises(ValueError, match="needs X in memory"):
        Ridge(solver="svd").fit(Xd, yd)
    with pytest.raises(ValueError, match="y has 2999 rows but X has 3000"):
        Ridge().fit(Xd, yd[:-1])
    Xn = X.copy()
    Xn[2100, 4] = np.nan
    with pytest.raises(ValueError, match=r"NaN in column x4 at row 2100 \(block 3, "
                                         r"rows 2000\.\.2399\)"):
        Ridge().fit(da.from_array(Xn, chunks=(UNEVEN, -1)), yd)
    df = pd.DataFrame(X[:, :2], columns=["a", "b"]).assign(c=["u"] * 3000)
    ddf = dd.from_pandas(df, npartitions=3)
    with pytest.raises(ValueError, match="feature column 'c' .* not numeric"):
        Ridge().fit(ddf, yd)
    wide = da.zeros((20, 20000), chunks=(10, 20000))
    with pytest.raises(ValueError, match=r"p = 20000 features.*max_gram_bytes"):
        RidgeCV(GRID, cv=10).fit(wide, da.zeros(20, chunks=10))
    with options(max_gram_bytes=100), pytest.raises(ValueError, match="p = 6 features"):
        Ridge().fit(Xd, yd)
