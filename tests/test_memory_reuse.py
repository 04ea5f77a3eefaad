"""Work memory of the batched ALO path: huge-page-aligned arrays, and the path's recycler
(:meth:`ridgekit.glm._row_split.RowSplit.empty`) -- memory handed out again only once
no array refers to it, checked against arrays that still see their data, and the path's
results bit for bit against the same path on fresh numpy memory."""

from __future__ import annotations

import numpy as np
import pytest

from ridgekit._memory import HUGE_PAGE, aligned_empty
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


@pytest.mark.parametrize("n", [100, 300_000])  # plain and huge-page-aligned buffers
@pytest.mark.parametrize("view", VIEWS)
def test_recycler_reuses_memory_only_when_nothing_refers_to_it(n, view):
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


def test_recycler_takes_the_smallest_free_buffer_that_fits():
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
        assert rows.empty((n, 3), np.float64).dtype == np.float64  # not a float32 one
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
