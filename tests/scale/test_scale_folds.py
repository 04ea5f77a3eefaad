"""Position-based folds and the shared block step (no Dask needed)."""

import numpy as np
import pytest
from scale_reference import make_data

from ridgekit.moments import Moments
from ridgekit.scale import ContiguousFolds, HashFolds, block_moments, merge_parts
from ridgekit.scale.blocks import BlockSpec, check_gram_size, finish_parts
from ridgekit.scale.folds import splitmix64


def test_splitmix64_matches_scalar_reference():
    # the published SplitMix64 output for state 0 after one increment by the golden gamma
    def ref(x, seed):
        mask = (1 << 64) - 1
        z = (x + (seed + 1) * 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    assert ref(0, 0) == 0xE220A8397B1DCDAF  # first output of splitmix64 seeded with 0
    xs = np.array([0, 1, 2, 12345, 2**40 + 7], dtype=np.uint64)
    for seed in (0, 3):
        got = splitmix64(xs, seed)
        assert [int(v) for v in got] == [ref(int(x), seed) for x in xs]


@pytest.mark.parametrize("k,n", [(10, 1003), (3, 7), (5, 5)])
def test_hash_folds_balanced_and_a_permutation_per_group(k, n):
    ids = HashFolds(k, seed=4).fold_ids(n)
    counts = np.bincount(ids, minlength=k)
    assert counts.max() - counts.min() <= 1 and counts.sum() == n
    full = n // k * k
    groups = ids[:full].reshape(-1, k)
    assert np.all(np.sort(groups, axis=1) == np.arange(k))  # one row per fold per group
    tail = ids[full:]
    assert np.unique(tail).size == tail.size


def test_hash_folds_do_not_depend_on_chunking(rng):
    folds = HashFolds(7, seed=11)
    n = 2000
    ids = folds.fold_ids(n)
    cuts = np.sort(rng.choice(np.arange(1, n), size=40, replace=False))
    pieces = [folds.ids(a, b) for a, b in zip(np.r_[0, cuts], np.r_[cuts, n], strict=True)]
    np.testing.assert_array_equal(np.concatenate(pieces), ids)
    other = HashFolds(7, seed=12).fold_ids(n)
    assert np.mean(other != ids) > 0.5  # the seed matters
    # shuffled: not the round-robin 0, 1, ..., k-1 of each group
    assert np.mean(ids[:1995].reshape(-1, 7) == np.arange(7)) < 0.5


def test_contiguous_folds_equal_sklearn_kfold():
    from sklearn.model_selection import KFold

    n, k = 103, 10
    ours = list(ContiguousFolds(k, n).split(np.zeros((n, 1))))
    theirs = list(KFold(k).split(np.zeros((n, 1))))
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_bad_fold_arguments():
    with pytest.raises(ValueError, match="at least 2 folds"):
        HashFolds(1)
    with pytest.raises(TypeError, match="n_splits must be an int"):
        HashFolds(2.5)
    with pytest.raises(ValueError, match="at least as many rows"):
        HashFolds(10).fold_ids(5)


def _direct_moments(X, Y, w):
    """Weighted means and centered co-moments by their definitions."""
    s = w.sum()
    mx, my = w @ X / s, w @ Y / s
    xc, yc = X - mx, Y - my
    return s, mx, my, (xc * w[:, None]).T @ xc, (xc * w[:, None]).T @ yc


def test_block_moments_merged_equal_the_moments_of_each_fold(rng):
    X, y = make_data(rng, 900, 4)
    w = rng.uniform(0.2, 2.0, 900)
    folds = HashFolds(5, seed=2)
    spec = BlockSpec(folds)
    cuts = [0, 1, 300, 301, 777, 900]
    parts = merge_parts(*[block_moments(X[a:b], y[a:b], w[a:b], a, spec)
                          for a, b in zip(cuts[:-1], cuts[1:], strict=True)])
    ids = folds.fold_ids(900)
    for k in range(5):
        r = ids == k
        s, mx, my, cxx, cxy = _direct_moments(X[r], y[r, None], w[r])
        m = parts[k]
        assert m.n_samples == r.sum()
        np.testing.assert_allclose(m.weight, s, rtol=1e-13)
        np.testing.assert_allclose(m.mean_x, mx, rtol=1e-12)
        np.testing.assert_allclose(m.mean_y, my, rtol=1e-12)
        np.testing.assert_allclose(m.cxx, cxx, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(m.cxy, cxy, rtol=1e-10, atol=1e-9)
    fm = finish_parts(parts)
    assert fm.n_folds == 5
    total = Moments.from_arrays(X, y, w)
    np.testing.assert_allclose(fm.total().cxx, total.cxx, rtol=1e-11)


def test_block_step_names_nan_column_and_global_row(rng):
    X, y = make_data(rng, 50, 3)
    X[17, 2] = np.nan
    spec = BlockSpec(None, ("a", "b", "c"))
    with pytest.raises(ValueError, match=r"NaN in column 'c' at row 117 \(chunk 3"):
        block_moments(X, y, None, 100, spec, where="chunk 3")
    X[17, 2] = np.inf
    with pytest.raises(ValueError, match="non-finite value inf in column 'c' at row 117"):
        block_moments(X, y, None, 100, spec)
    X[17, 2] = 0.0
    w = np.ones(50)
    w[4] = -1.0
    with pytest.raises(ValueError, match="sample_weight has an invalid value -1.0 at row 104"):
        block_moments(X, y, w, 100, spec)
    with pytest.raises(ValueError, match="not numeric"):
        block_moments(np.array([["a"]] * 3), y[:3], None, 0, spec)


def test_gram_size_limit_names_the_limit_and_the_way_out():
    check_gram_size(100, 1, 10)  # fine
    with pytest.raises(ValueError, match=r"p = 20000 features.*limit of 2\.0 GiB.*"
                                         r"about p <= 5181.*reduce p"):
        check_gram_size(20000, 1, 10)
    check_gram_size(20000, 1, 10, max_bytes=40 * 2**30)


class _IdsOnly:
    """A fold rule with nothing but ``ids`` and ``n_splits`` (the generic path)."""

    n_splits = 4

    def ids(self, start, stop):
        return (np.arange(start, stop) * 7 + 3) % 4


@pytest.mark.parametrize("rule", [HashFolds(10, seed=3), HashFolds(7), ContiguousFolds(10, 1003),
                                  _IdsOnly()])
def test_rows_by_fold_is_the_stable_sort_by_fold_id(rule):
    from ridgekit.scale.folds import rows_by_fold

    for a, b in [(0, 1003), (3, 997), (5, 6), (10, 20), (990, 1003), (4, 4)]:
        ids = np.asarray(rule.ids(a, b))
        rows, bounds = rows_by_fold(rule, a, b)
        rows = np.arange(b - a) if rows is None else rows
        np.testing.assert_array_equal(rows, np.argsort(ids, kind="stable"))
        np.testing.assert_array_equal(np.diff(bounds),
                                      np.bincount(ids, minlength=rule.n_splits))


def _longdouble_moments(X, Y, w):
    """Weighted means and two-pass centered co-moments in extended precision."""
    X, Y, w = (np.asarray(v, dtype=np.longdouble) for v in (X, Y, w))
    s = w.sum()
    mx, my = w @ X / s, w @ Y / s
    xc, yc = X - mx, Y - my
    return s, mx, my, (xc * w[:, None]).T @ xc, (xc * w[:, None]).T @ yc


@pytest.mark.parametrize("contiguous", [False, True])
@pytest.mark.parametrize("layout", ["slices of one [X | y] chunk", "fortran", "weights",
                                    "slices of a wide array"])
def test_block_moments_exact_when_the_block_head_is_far_from_the_folds(rng, layout,
                                                                     contiguous):
    # rows 0..4095 (the shift the block is summed about) sit 1e4 standard deviations away
    # from the rest: contiguous folds past them are summed again about their own mean
    # (without that, cancellation would cost ~1e-8); each fold must match
    # extended-precision two-pass moments
    n, p = 9000, 5
    X = rng.normal(size=(n, p)) + 3.0
    X[4096:] += 1e4
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    w = rng.uniform(0.0, 2.0, n) if layout == "weights" else None
    if w is not None:
        w[::7] = 0.0
    if layout in ("slices of one [X | y] chunk", "weights"):
        Z = np.c_[X, y]
        Xb, yb = Z[:, :p], Z[:, p]
    elif layout == "slices of a wide array":
        Z = np.c_[rng.normal(size=(n, 40)), y, X]
        Xb, yb = Z[:, 41:], Z[:, 40]
    else:
        Xb, yb = np.asfortranarray(X), y
    folds = ContiguousFolds(3, 500 + n) if contiguous else HashFolds(6, seed=1)
    parts = block_moments(Xb, yb, w, 500, BlockSpec(folds))
    ids = folds.ids(500, 500 + n)
    ww = np.ones(n) if w is None else w
    for k in range(folds.n_splits):
        r = ids == k
        s, mx, my, cxx, cxy = _longdouble_moments(X[r], y[r, None], ww[r])
        m = parts[k]
        assert m.n_samples == r.sum()
        np.testing.assert_allclose(m.weight, float(s), rtol=1e-13)
        np.testing.assert_allclose(m.mean_x, mx.astype(float), rtol=1e-13)
        np.testing.assert_allclose(m.cxx, cxx.astype(float), rtol=1e-11,
                                   atol=1e-11 * float(np.abs(cxx).max()))
        np.testing.assert_allclose(m.cxy, cxy.astype(float), rtol=1e-11,
                                   atol=1e-11 * float(np.abs(cxy).max()))


def _unaligned(a: np.ndarray) -> np.ndarray:
    """A copy of ``a`` at an odd address (numpy's ``aligned`` flag False), as a chunk
    received over the network can be."""
    raw = bytearray(a.nbytes + 1)
    out = np.frombuffer(raw, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    out[...] = a
    return out


@pytest.mark.parametrize("folds", [None, HashFolds(4, seed=3)])
def test_block_moments_of_unaligned_chunks(rng, folds):
    # no folds goes through the in-memory pass (Moments.from_arrays); the block's head is
    # far from its other rows, so that pass must centre block by block, not about 0
    from ridgekit.scale.blocks import as_float_block

    n, p = 7000, 6
    X = rng.normal(size=(n, p)) + 5.0
    X[4096:] += 1e3
    y = X @ rng.normal(size=p) + rng.normal(size=n)
    Xu, yu = _unaligned(X), _unaligned(y)
    assert not Xu.flags.aligned
    got = as_float_block(Xu, "X")
    assert got.flags.aligned and np.array_equal(got, X)
    spec = BlockSpec(folds)
    parts = block_moments(Xu, yu, None, 0, spec)
    ids = np.zeros(n, int) if folds is None else folds.ids(0, n)
    for k, m in enumerate(parts):
        r = ids == k
        s, mx, my, cxx, cxy = _longdouble_moments(X[r], y[r, None], np.ones(r.sum()))
        assert m.n_samples == r.sum()
        np.testing.assert_allclose(m.mean_x, mx.astype(float), rtol=1e-13)
        np.testing.assert_allclose(m.cxx, cxx.astype(float), rtol=1e-11,
                                   atol=1e-11 * float(np.abs(cxx).max()))
        np.testing.assert_allclose(m.cxy, cxy.astype(float), rtol=1e-11,
                                   atol=1e-11 * float(np.abs(cxy).max()))
