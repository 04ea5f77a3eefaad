"""Moments against dense numpy computations of the same statistics."""

import numpy as np
import pytest
from helpers import make_regression

from ridgekit.moments import FoldMoments, Moments


def dense_moments(X, Y, w):
    s = w.sum()
    mx = w @ X / s
    my = w @ Y / s
    Xc, Yc = X - mx, Y - my
    return s, mx, my, (Xc * w[:, None]).T @ Xc, (Xc * w[:, None]).T @ Yc, w @ (Yc**2)


def assert_matches_dense(m, X, Y, w, rtol=1e-11):
    """Every statistic of ``m`` against :func:`dense_moments` of the same rows."""
    s, mx, my, cxx, cxy, cyy = dense_moments(X, Y, w)
    assert m.n_samples == X.shape[0]
    np.testing.assert_allclose(m.weight, s, rtol=1e-12)
    np.testing.assert_allclose(m.mean_x, mx, rtol=1e-12)
    np.testing.assert_allclose(m.mean_y, my, rtol=1e-12)
    np.testing.assert_allclose(m.cxx, cxx, rtol=rtol, atol=rtol * np.abs(cxx).max())
    np.testing.assert_allclose(m.cxy, cxy, rtol=rtol, atol=rtol * np.abs(cxy).max())
    np.testing.assert_allclose(m.cyy, cyy, rtol=rtol)


@pytest.mark.parametrize("weighted", [False, True])
def test_blocked_moments_equal_dense(rng, weighted):
    X, Y = make_regression(rng, 1000, 7, t=3, offset=1e4)
    w = rng.uniform(0.1, 3, size=1000) if weighted else np.ones(1000)
    m = Moments.from_arrays(X, Y, w if weighted else None, block_rows=97)
    assert_matches_dense(m, X, Y, w, rtol=1e-9)


def test_merge_is_associative_and_order_free(rng):
    X, Y = make_regression(rng, 300, 4, t=2)
    parts = [Moments.from_block(X[a:b], Y[a:b]) for a, b in [(0, 50), (50, 170), (170, 300)]]
    left = parts[0].merge(parts[1]).merge(parts[2])
    right = parts[0].merge(parts[1].merge(parts[2]))
    shuffled = parts[2].merge(parts[0]).merge(parts[1])
    for other in (right, shuffled):
        np.testing.assert_allclose(left.cxx, other.cxx, rtol=1e-12)
        np.testing.assert_allclose(left.cxy, other.cxy, rtol=1e-12)
        np.testing.assert_allclose(left.mean_x, other.mean_x, rtol=1e-14)


def test_merge_with_empty_is_identity(rng):
    X, Y = make_regression(rng, 20, 3)
    m = Moments.from_block(X, Y)
    e = Moments.empty(3, 1)
    for merged in (m.merge(e), e.merge(m)):
        np.testing.assert_array_equal(merged.cxx, m.cxx)
        assert merged.weight == m.weight


def test_large_offset_keeps_precision(rng):
    """Centering blocks before the GEMM avoids the cancellation of X^T X - n m m^T."""
    X = rng.normal(size=(20000, 2)) + 1e8
    Y = rng.normal(size=(20000, 1))
    m = Moments.from_arrays(X, Y, block_rows=1000)
    Xc = X - X.mean(axis=0)
    # entries of X carry only ~1e-8 absolute precision at 1e8, hence the tolerance
    np.testing.assert_allclose(m.cxx, Xc.T @ Xc, atol=1e-7 * np.diag(Xc.T @ Xc).max())
    naive = X.T @ X - 20000 * np.outer(X.mean(0), X.mean(0))
    assert np.abs(naive - Xc.T @ Xc).max() > np.abs(m.cxx - Xc.T @ Xc).max()


def test_uncentered_equals_raw_products(rng):
    X, Y = make_regression(rng, 50, 3, t=2)
    m = Moments.from_arrays(X, Y).uncentered()
    np.testing.assert_allclose(m.cxx, X.T @ X, rtol=1e-12)
    np.testing.assert_allclose(m.cxy, X.T @ Y, rtol=1e-12)
    np.testing.assert_allclose(m.cyy, (Y**2).sum(0), rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_fold_moments_and_training_complements(rng, weighted):
    X, Y = make_regression(rng, 230, 5, t=2)
    w = rng.uniform(0.5, 2, 230) if weighted else None
    folds = rng.integers(0, 4, size=230)
    fm = FoldMoments.from_arrays(X, Y, folds, w, block_rows=17)
    ww = np.ones(230) if w is None else w
    for k, train in zip(fm.labels, fm.training(), strict=True):
        mask = folds != k
        s, mx, _, cxx, cxy, _ = dense_moments(X[mask], Y[mask], ww[mask])
        np.testing.assert_allclose(train.weight, s)
        np.testing.assert_allclose(train.mean_x, mx, rtol=1e-12)
        np.testing.assert_allclose(train.cxx, cxx, rtol=1e-10)
        np.testing.assert_allclose(train.cxy, cxy, rtol=1e-10)
        held = fm.folds[list(fm.labels).index(k)]
        assert held.n_samples == (~mask).sum()
    np.testing.assert_allclose(fm.total().cxx, dense_moments(X, Y, ww)[3], rtol=1e-10)


def test_fold_ids_wrong_length(rng):
    X, Y = make_regression(rng, 10, 2)
    with pytest.raises(ValueError, match="fold_ids"):
        FoldMoments.from_arrays(X, Y, np.zeros(9))


@pytest.mark.parametrize("offset", [0.0, 1e3])
def test_fast_and_careful_paths_agree_with_dense(rng, offset):
    """Small offsets take the syrk-about-origin path, large ones the centered blocks."""
    X = rng.normal(size=(9000, 6)) + offset
    Y = rng.normal(size=(9000, 2)) + 0.5
    m = Moments.from_arrays(X, Y, block_rows=1000)
    s, mx, my, cxx, cxy, cyy = dense_moments(X, Y, np.ones(9000))
    np.testing.assert_allclose(m.mean_x, mx, rtol=1e-13)
    np.testing.assert_allclose(m.cxx, cxx, rtol=1e-11, atol=1e-11 * np.abs(cxx).max())
    np.testing.assert_allclose(m.cxy, cxy, rtol=1e-10, atol=1e-11 * np.abs(cxy).max())
    np.testing.assert_allclose(m.cyy, cyy, rtol=1e-11)


def test_float32_input_accumulates_in_double(rng):
    X = rng.normal(size=(5000, 3)).astype(np.float32)
    Y = rng.normal(size=(5000, 1)).astype(np.float32)
    m = Moments.from_arrays(X, Y, block_rows=700)
    X64 = X.astype(np.float64)
    Xc = X64 - X64.mean(0)
    assert m.cxx.dtype == np.float64
    np.testing.assert_allclose(m.cxx, Xc.T @ Xc, rtol=1e-12)


def test_standardized_equals_moments_of_transformed_data(rng):
    X, Y = make_regression(rng, 300, 4, t=2)
    c, s = rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)
    got = Moments.from_arrays(X, Y).standardized(c, s)
    ref = Moments.from_arrays((X - c) / s, Y)
    np.testing.assert_allclose(got.mean_x, ref.mean_x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got.cxx, ref.cxx, rtol=1e-11)
    np.testing.assert_allclose(got.cxy, ref.cxy, rtol=1e-11)


@pytest.mark.parametrize("t", [1, 3, 6])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_single_pass_over_many_cache_blocks_equals_dense(rng, monkeypatch, t, dtype):
    """The one-pass accumulation (syrk + matrix-vector products per cache block) over
    many blocks, float32 or float64 X, one to many targets, against dense float64."""
    import ridgekit.moments as moments

    monkeypatch.setattr(moments, "CACHE_BLOCK_BYTES", 8 * 5 * 300)  # 300-row blocks
    X, Y = make_regression(rng, 5000, 5, t=t, offset=1.0)
    X = X.astype(dtype)
    m = Moments.from_arrays(X, Y, block_rows=512)
    s, mx, my, cxx, cxy, cyy = dense_moments(X.astype(np.float64), Y, np.ones(5000))
    assert m.cxx.dtype == np.float64
    np.testing.assert_allclose(m.mean_x, mx, rtol=1e-12)
    np.testing.assert_allclose(m.cxx, cxx, rtol=1e-11, atol=1e-11 * np.abs(cxx).max())
    np.testing.assert_allclose(m.cxy, cxy, rtol=1e-11, atol=1e-11 * np.abs(cxy).max())
    np.testing.assert_allclose(m.cyy, cyy, rtol=1e-11)


@pytest.mark.parametrize("layout", ["contiguous", "shuffled"])
@pytest.mark.parametrize("weighted", [False, True])
def test_fold_moments_split_over_workers_equal_dense(rng, monkeypatch, layout, weighted):
    """The pass cut into one slice of fold-ordered rows per worker (folds cut by a slice
    boundary merged from their pieces), against dense moments of each fold's rows."""
    import ridgekit._blas_split as bs

    monkeypatch.setattr(bs, "MIN_SPLIT_BYTES", 0)
    monkeypatch.setattr(bs, "blas_workers", lambda: 3)
    n = 1003
    X, Y = make_regression(rng, n, 6, t=2, offset=3.0)
    w = rng.uniform(0.2, 2.0, n) if weighted else None
    ids = np.repeat(np.arange(4), [250, 301, 199, 253])
    if layout == "shuffled":
        ids = rng.permutation(ids)
    fm = FoldMoments.from_arrays(X, Y, ids + 10, w, block_rows=64)
    ww = np.ones(n) if w is None else w
    assert list(fm.labels) == [10, 11, 12, 13]
    for k, got in enumerate(fm.folds):
        rows = ids == k
        assert_matches_dense(got, X[rows], Y[rows], ww[rows])


def test_fold_total_equals_dense_with_an_empty_weight_fold(rng):
    """The K-part merge of :meth:`FoldMoments.total` against dense moments of all rows;
    a fold of zero weight counts its rows but changes no statistic."""
    X, Y = make_regression(rng, 400, 5, t=3, offset=2.0)
    w = rng.uniform(0.5, 2.0, 400)
    ids = rng.integers(0, 5, 400)
    w[ids == 3] = 0.0
    assert_matches_dense(FoldMoments.from_arrays(X, Y, ids, w).total(), X, Y, w)


@pytest.mark.parametrize("ids_kind", ["negative ints", "uint64", "strings", "sparse ids"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fold_moments_in_row_blocks_equal_dense(rng, monkeypatch, ids_kind, dtype):
    """Dense float64 X goes through the block step (row blocks over workers, each block
    gathered fold by fold); float32 X through the fold-ordered slices. Both, with blocks
    and slices far smaller than the data and any kind of fold label, against dense
    moments of each fold's rows; labels as np.unique gives them."""
    import ridgekit._blas_split as bs
    import ridgekit.moments as moments

    monkeypatch.setattr(bs, "MIN_SPLIT_BYTES", 0)
    monkeypatch.setattr(bs, "blas_workers", lambda: 3)
    monkeypatch.setattr(moments, "FOLD_BLOCK_ROWS", 128)
    n = 2111
    X, Y = make_regression(rng, n, 5, t=2, offset=4.0)
    X = X.astype(dtype)
    w = rng.uniform(0.0, 2.0, n)
    w[::9] = 0.0
    codes = rng.integers(0, 6, n)
    ids = {"negative ints": codes - 3, "uint64": codes.astype(np.uint64) * 7,
           "strings": np.array(["a", "bb", "c", "dd", "e", "f"])[codes],
           "sparse ids": codes * 10_000_000}[ids_kind]
    fm = FoldMoments.from_arrays(X, Y, ids, w, block_rows=64)
    labels = np.unique(ids)
    np.testing.assert_array_equal(fm.labels, labels)
    assert fm.labels.dtype == labels.dtype
    for k, got in enumerate(fm.folds):
        rows = ids == labels[k]
        assert got.n_samples == rows.sum()
        assert_matches_dense(got, X[rows].astype(np.float64), Y[rows], w[rows])
