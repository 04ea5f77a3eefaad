"""Work memory of the batched ALO path: huge-page-aligned arrays, and the recycler
(:class:`ridgekit._memory.WorkMemory`, which :meth:`ridgekit.glm._row_split.RowSplit.empty`
draws on) -- memory handed out again only once no array refers to it, checked against
arrays that still see their data; its limit, what it releases and when; the path's
results, and a fit's after another fit, bit for bit against fresh numpy memory."""

from __future__ import annotations

import numpy as np
import pytest

import ridgekit
from ridgekit import _memory
from ridgekit._memory import HUGE_PAGE, WorkMemory, aligned_empty
from ridgekit.glm import _alo_kernels as kern
from ridgekit.glm.alo import _solve_batched
from ridgekit.linear_model import LogisticRidge
from ridgekit.linear_model._logistic import build_problem


@pytest.mark.parametrize("shape", [(3_000_000,), (40_000, 101), (10, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_aligned_empty_is_an_array_of_that_shape_on_a_huge_page(shape, dtype):
    a = aligned_empty(shape, dtype)
    assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous
    assert a.flags.writeable
    a[...] = 1.5
    assert float(a.sum()) == 1.5 * a.size
    if a.nbytes >= 4 * 2**20:
        assert a.ctypes.data % HUGE_PAGE == 0


VIEWS = [lambda a: a[:, 1:], lambda a: a.T, lambda a: a.reshape(-1), lambda a: a[::2],
         lambda a: a[:, 2:3][:, 0:0], lambda a: a.ravel()[5:].reshape(-1, 1)]


@pytest.fixture
def work(monkeypatch):
    """A fresh process work memory (256 MB), so that no earlier test's buffers count."""
    fresh = WorkMemory(256 * 2**20)
    monkeypatch.setattr(_memory, "WORK", fresh)  # (every user looks it up at each call)
    return fresh


@pytest.mark.parametrize("n", [100, 300_000])  # plain and huge-page-aligned buffers
@pytest.mark.parametrize("view", VIEWS)
def test_recycler_reuses_memory_only_when_nothing_refers_to_it(n, view, work):
    rows = kern.RowSplit(n, 1)
    try:
        a = rows.empty((n, 3))
        address = a.ctypes.data
        a[...] = 7.0
        v = view(a)
        del a
        b = rows.empty((n, 3))  # the view keeps the memory busy
        assert not np.shares_memory(b, v) and b.ctypes.data != address
        b[...] = -1.0
        assert np.all(v == 7.0)
        del b, v
        c = rows.empty((n, 2))  # released: handed out again, C-ordered
        assert c.ctypes.data == address and c.shape == (n, 2) and c.flags.c_contiguous
    finally:
        rows.close()


def test_recycler_takes_the_smallest_free_buffer_that_fits(work):
    n = 1000
    rows = kern.RowSplit(n, 1)
    try:
        small, big = rows.empty((n, 3)), rows.empty((n, 6))
        addresses = small.ctypes.data, big.ctypes.data
        del small, big
        d = rows.empty((n, 3))
        assert d.ctypes.data == addresses[0]
        e = rows.empty((n, 5))
        assert e.ctypes.data == addresses[1]
        f = rows.empty((n, 1))  # both busy: new memory
        assert f.ctypes.data not in addresses
        del d, e, f
        g = rows.empty((n, 3), np.float64)  # any dtype from the same bytes
        assert g.dtype == np.float64 and g.ctypes.data == addresses[1]
    finally:
        rows.close()


def test_serial_row_split_keeps_no_memory():
    a = kern.SERIAL.empty((1000, 4))
    a[...] = 3.0
    b = kern.SERIAL.empty((1000, 4))
    assert not np.shares_memory(a, b) and np.all(a == 3.0)


def test_path_on_recycled_memory_equals_the_path_on_fresh_memory(rng, monkeypatch):
    """Bit for bit, with several anchors (new groups, moved columns, takes): a buffer
    handed out while in use would change a result."""
    n, p = 3 * kern._CHUNK + 321, 12
    X = rng.normal(size=(n, p)) * rng.uniform(0.5, 2.0, size=p)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-X @ rng.normal(size=p) * 0.8))).astype(int)
    problem = build_problem(LogisticRidge(), X, y)[0]
    grid = problem.default_alphas(12)

    def run():
        rows = kern.RowSplit(n, 2)
        try:
            return _solve_batched(problem, grid, 1e-5, 0.05, 4, rows)
        finally:
            rows.close()

    recycled = run()
    assert recycled["n_anchors"] > 1
    monkeypatch.setattr(kern.RowSplit, "empty",
                        lambda self, shape, dtype=np.float32: np.empty(shape, dtype))
    fresh = run()
    for key in ("theta", "loo_eta", "df", "loss", "log_loss", "grad_norm", "n_iter"):
        np.testing.assert_array_equal(recycled[key], fresh[key], err_msg=key)


def test_work_memory_keeps_buffers_within_its_limit_least_recently_used_first():
    mb = 2**20
    work = WorkMemory(20 * mb)
    a = work.empty((2 * mb,), np.uint8)  # small (< 4 MB): no padding
    b = work.empty((5 * mb,), np.uint8)  # padded to a huge page: 7 MB
    assert work.nbytes == 9 * mb and b.ctypes.data % HUGE_PAGE == 0
    too_big = work.empty((13 * mb,), np.uint8)  # 15 MB more: over the limit, not kept
    assert work.nbytes == 9 * mb
    address_a = a.ctypes.data
    del a, too_big
    c = work.empty((1 * mb,), np.uint8)  # the free 2 MB buffer, handed out again
    assert c.ctypes.data == address_a and work.nbytes == 9 * mb
    del c
    d = work.empty((4 * mb,), np.uint8)  # 6 MB: 15 MB held, within the limit
    assert work.nbytes == 15 * mb
    e = work.empty((5 * mb,), np.uint8)  # 7 MB: room only by releasing the free 2 MB
    assert work.nbytes == 20 * mb and e.ctypes.data != address_a
    del d
    f = work.empty((3 * mb,), np.uint8)  # the 6 MB buffer (smallest free that fits)
    assert work.nbytes == 20 * mb
    assert work.free() == 0  # b, e and f are busy: nothing to release
    del b
    assert work.free() == 7 * mb and work.nbytes == 13 * mb
    del e, f
    assert work.free() == 13 * mb and work.nbytes == 0


def test_a_lower_limit_releases_free_buffers_and_zero_keeps_none(monkeypatch):
    mb = 2**20
    work = WorkMemory(64 * mb)
    keep = work.empty((8 * mb,), np.uint8)
    gone = work.empty((8 * mb,), np.uint8)
    del gone
    assert work.nbytes == 20 * mb
    work.limit = 12 * mb  # the free one goes, the busy one stays
    assert work.nbytes == 10 * mb
    work.limit = 0
    assert work.nbytes == 10 * mb  # still in use
    del keep
    x = work.empty((8 * mb,), np.uint8)  # nothing kept at 0
    assert work.nbytes <= 10 * mb
    del x
    work.free()
    assert work.nbytes == 0
    with pytest.raises(ValueError, match=">= 0"):
        work.limit = -1


def test_the_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(_memory.ENV_LIMIT, "12.5")
    assert WorkMemory().limit == int(12.5 * 2**20)
    monkeypatch.delenv(_memory.ENV_LIMIT)
    assert WorkMemory().limit == _memory.DEFAULT_LIMIT_MB * 2**20
    for bad in ("lots", "-3", "nan"):
        monkeypatch.setenv(_memory.ENV_LIMIT, bad)
        with pytest.raises(ValueError, match=_memory.ENV_LIMIT):
            _ = WorkMemory().limit


def test_public_controls_act_on_the_process_work_memory(work):
    a = work.empty((6 * 2**20,), np.uint8)
    del a
    assert ridgekit.free_work_memory() == 8 * 2**20 and work.nbytes == 0
    ridgekit.set_work_memory(1.5)
    assert work.limit == int(1.5 * 2**20)
    with pytest.raises(ValueError, match="limit_mb"):
        ridgekit.set_work_memory(-2)


def test_a_fit_after_a_fit_on_kept_memory_equals_one_on_fresh_memory(rng, work):
    """Bit for bit: the second fit runs on the first one's buffers (the float32 copy of
    X, the basis, the work blocks); a buffer handed out while in use would change it."""
    from ridgekit.linear_model import LogisticRidgeCV

    n, p = 5 * kern._CHUNK + 77, 15
    X = rng.normal(size=(n, p))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-X @ rng.normal(size=p) * 0.5))).astype(int)
    X2 = rng.normal(size=(n, p))  # other data, the same sizes
    first = LogisticRidgeCV(alphas=15, cv="alo").fit(X2, y)
    assert work.nbytes > 0
    kept = LogisticRidgeCV(alphas=15, cv="alo").fit(X, y)
    work.limit = 0
    work.free()
    fresh = LogisticRidgeCV(alphas=15, cv="alo").fit(X, y)
    for name in ("coef_", "intercept_", "alpha_"):
        np.testing.assert_array_equal(getattr(kept, name), getattr(fresh, name))
    np.testing.assert_array_equal(kept.path_.df, fresh.path_.df)
    np.testing.assert_array_equal(kept.selection_.mean, fresh.selection_.mean)
    assert not np.array_equal(first.coef_, kept.coef_)
