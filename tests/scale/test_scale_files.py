"""Data on disk without a cluster: a directory, a glob or a memmap streamed once through
the same block step as Dask chunks; equal to the in-memory fit on the concatenated rows."""

import numpy as np
import pytest
from scale_reference import brute_force_kfold, make_data

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow", reason="pyarrow reads Parquet and CSV")

from ridgekit.io import DataError  # noqa: E402
from ridgekit.linear_model import RidgeCV  # noqa: E402
from ridgekit.scale import HashFolds  # noqa: E402
from ridgekit.scale.files import expand_paths, fit_files, fold_moments_from_files  # noqa: E402

GRID = np.logspace(-2, 3, 20)
P = 4


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(21)
    X, y = make_data(rng, 1800, P, offset=0.5)
    y = y + 3.0 * rng.normal(size=1800)  # noisy enough for an interior optimum
    w = rng.uniform(0.2, 2.5, 1800)
    cols = [f"x{j}" for j in range(P)]
    df = pd.DataFrame(X, columns=cols).assign(y=y, w=w)
    cuts = [0, 1, 700, 1500, 1800]
    for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        df.iloc[a:b].to_parquet(tmp_path / f"p{i}.parquet", index=False)
        df.iloc[a:b].to_csv(tmp_path / f"c{i}.csv", index=False)
    return tmp_path, X, y, w


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("pattern", ["p*.parquet", "c*.csv"])
def test_glob_streamed_equals_in_memory_and_brute_force(table, pattern):
    d, X, y, w = table
    fit = fit_files(str(d / pattern), "y", weight="w", cv=10, seed=5, alphas=GRID,
                    block_rows=333)
    mem = RidgeCV(GRID, cv=HashFolds(10, seed=5)).fit(X, y, sample_weight=w)
    assert fit.model.alpha_ == mem.alpha_
    assert _rel(fit.model.coef_, mem.coef_) < 1e-10
    assert _rel(fit.model.selection_.mean, mem.selection_.mean) < 1e-10
    mean, _ = brute_force_kfold(X, y, w, HashFolds(10, seed=5).fold_ids(1800), GRID)
    assert _rel(fit.model.selection_.mean, mean) < 1e-10
    assert fit.info.n_samples == 1800 and fit.info.feature_names == [f"x{j}" for j in range(P)]
    assert fit.dashboard_link is None


def test_block_size_does_not_change_the_folds(table):
    d, *_ = table
    a, _ = fold_moments_from_files(str(d / "c*.csv"), "y", weight="w", folds=HashFolds(7),
                                   block_rows=50)
    b, _ = fold_moments_from_files(str(d / "p*.parquet"), "y", weight="w",
                                   folds=HashFolds(7), block_rows=100000)
    for fa, fb in zip(a.folds, b.folds, strict=True):
        assert fa.n_samples == fb.n_samples
        np.testing.assert_allclose(fa.cxx, fb.cxx, rtol=1e-11)


def test_directory_reads_every_data_file_once(table):
    d, *_ = table
    files = expand_paths(d)
    assert [f.name for f in files] == [f"c{i}.csv" for i in range(4)] + \
        [f"p{i}.parquet" for i in range(4)]


def test_gcv_over_files_equals_in_memory(table):
    d, X, y, w = table
    fit = fit_files(str(d / "p*.parquet"), "y", weight="w", cv="gcv", alphas=GRID)
    mem = RidgeCV(GRID, cv="gcv").fit(X, y, sample_weight=w)
    assert abs(fit.model.alpha_ - mem.alpha_) <= 1e-10 * mem.alpha_
    assert _rel(fit.model.coef_, mem.coef_) < 1e-10


def test_npy_memmap(tmp_path):
    rng = np.random.default_rng(2)
    X, y = make_data(rng, 1000, P)
    np.save(tmp_path / "z.npy", np.c_[X, y])
    seen = []
    fit = fit_files(tmp_path / "z.npy", str(P), cv=5, alphas=GRID, block_rows=128,
                    progress=lambda done, total: seen.append((done, total)))
    mem = RidgeCV(GRID, cv=HashFolds(5)).fit(X, y)
    assert fit.model.alpha_ == mem.alpha_ and _rel(fit.model.coef_, mem.coef_) < 1e-10
    assert seen[:2] == [(0, 1000), (128, 1000)] and seen[-1] == (1000, 1000)  # npy header


def test_bad_files(table, tmp_path):
    d, *_ = table
    with pytest.raises(DataError, match="no files match"):
        fit_files(str(d / "nothing*.parquet"), "y")
    with pytest.raises(ValueError, match="needs the rows"):
        fit_files(str(d / "p*.parquet"), "y", cv="loo")
    bad = tmp_path / "bad"
    bad.mkdir()
    pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "y": [1.0, 2.0, 3.0, 4.0]}).to_csv(
        bad / "b.csv", index=False)
    with pytest.raises(DataError, match=r"column 'a' of .*b\.csv has missing values "
                                        r"\(first at row 3\)"):
        fit_files(bad, "y", cv=2)
    pd.DataFrame({"a": ["u", "v"], "y": [1.0, 2.0]}).to_parquet(bad / "s.parquet")
    with pytest.raises(DataError, match="column 'a' .* is not numeric"):
        fit_files(str(bad / "s.parquet"), "y", cv=2)
