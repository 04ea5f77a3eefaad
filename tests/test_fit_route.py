"""The lean fit route of issue 10 item 13: the blocked moments pass and the dual kernel
split over single-threaded BLAS workers, and NaN/inf found on the Gram's diagonal.

References: dense numpy products and solves in float64 (centered explicitly), and the
serial (unsplit) pass."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import ridgekit._blas_split as bs
import ridgekit.moments as moments
from ridgekit import Ridge
from ridgekit.moments import Moments
from ridgekit.spectrum import DualKernel


def dense_moments(X, Y, w=None):
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    w = np.ones(len(X)) if w is None else w
    s = w.sum()
    mx, my = w @ X / s, w @ Y / s
    Xc, Yc = (X - mx) * np.sqrt(w)[:, None], (Y - my) * np.sqrt(w)[:, None]
    return mx, my, Xc.T @ Xc, Xc.T @ Yc, np.einsum("ij,ij->j", Yc, Yc)


def dense_ridge(X, y, alpha, w=None):
    """(XcᵀWXc + αI)⁻¹ XcᵀW yc and the intercept, by numpy.linalg.solve."""
    mx, my, cxx, cxy, _ = dense_moments(X, y, w)
    coef = np.linalg.solve(cxx + alpha * np.eye(cxx.shape[0]), cxy)[:, 0]
    return coef, my[0] - mx @ coef


def numpy_blas_threads():
    return [i["num_threads"] for i in threadpool_info()
            if i["user_api"] == "blas" and "numpy" in i["filepath"]]


@pytest.fixture
def forced_split(monkeypatch):
    """Split every pass (no size threshold) over 3 workers, with 256-row cache blocks."""
    monkeypatch.setattr(bs, "MIN_SPLIT_BYTES", 0)
    monkeypatch.setattr(bs, "blas_workers", lambda: 3)
    monkeypatch.setattr(moments, "CACHE_BLOCK_BYTES", 8 * 256 * 7)  # 256 rows at p = 7


# ------------------------------------------------------------------ split_sum itself
@pytest.mark.parametrize("size", [1, 5, 255, 256, 257, 1000, 4097])
@pytest.mark.parametrize("workers", [1, 2, 3, 5])
def test_split_sum_covers_every_index_once_on_unit_boundaries(size, workers):
    got = bs.split_sum(lambda a, b: [(a, b)], size, 256, workers, lambda x, y: x + y)
    assert got[0][0] == 0 and got[-1][1] == size
    assert all(left[1] == right[0] for left, right in zip(got, got[1:], strict=False))
    assert all(a % 256 == 0 and a < b for a, b in got)
    assert len(got) == min(workers, -(-size // 256))


def test_blas_pass_single_threads_numpy_blas_and_restores(monkeypatch):
    if bs.blas_workers() < 2:
        pytest.skip("numpy's BLAS runs one thread here (or is not a pthreads OpenBLAS)")
    before, expected = numpy_blas_threads(), bs.blas_workers()
    seen = []
    with bs.blas_pass(bs.MIN_SPLIT_BYTES) as workers:
        assert workers == expected
        seen.append(numpy_blas_threads())
        # a second pass while this one runs (another thread) takes one worker, no limit
        other = []

        def in_thread():
            with bs.blas_pass(bs.MIN_SPLIT_BYTES) as w:
                other.append(w)

        t = threading.Thread(target=in_thread)
        t.start()
        t.join()
        assert other == [1]
    assert workers >= 2 and seen == [[1] * len(before)]
    assert numpy_blas_threads() == before
    with pytest.raises(RuntimeError, match="boom"), bs.blas_pass(bs.MIN_SPLIT_BYTES):
        raise RuntimeError("boom")
    assert numpy_blas_threads() == before
    with bs.blas_pass(bs.MIN_SPLIT_BYTES - 1) as small:  # below the size threshold
        assert small == 1 and numpy_blas_threads() == before


def test_user_thread_limit_is_respected():
    with threadpool_limits(limits=1, user_api="blas"):
        assert bs.blas_workers() == 1
        with bs.blas_pass(10 * bs.MIN_SPLIT_BYTES) as workers:
            assert workers == 1


def test_worker_error_propagates(forced_split):
    before = numpy_blas_threads()

    def work(a, b):
        if a > 0:
            raise ArithmeticError("slice failed")
        return 0

    with pytest.raises(ArithmeticError, match="slice failed"), bs.blas_pass(1) as w:
        bs.split_sum(work, 2000, 256, w, lambda x, y: x)
    assert numpy_blas_threads() == before


# ------------------------------------------------------- blocked, split moments pass
@pytest.mark.parametrize("n", [2 * 256 + 1, 4096 + 3 * 256, 4096 + 11 * 256 + 37])
@pytest.mark.parametrize("t", [1, 2, 6])
@pytest.mark.parametrize("order", ["C", "F"])
def test_split_pass_equals_dense_across_block_boundaries(rng, monkeypatch, forced_split, n, t,
                                                         order):
    X = np.asarray(rng.normal(size=(n, 7)) + rng.normal(size=7), order=order)
    Y = rng.normal(size=(n, t)) + 0.3
    slices = []
    raw = moments._raw_products
    monkeypatch.setattr(moments, "_raw_products",
                        lambda *a: slices.append(a[2:4]) or raw(*a))
    m = Moments.from_arrays(X, Y)
    assert len(slices) == min(3, -(-(n - 4096) // 256)) if n > 4096 else not slices
    mx, my, cxx, cxy, cyy = dense_moments(X, Y)
    np.testing.assert_allclose(m.mean_x, mx, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(m.cxx, cxx, rtol=1e-12, atol=1e-12 * np.abs(cxx).max())
    np.testing.assert_allclose(m.cxy, cxy, rtol=1e-12, atol=1e-12 * np.abs(cxy).max())
    np.testing.assert_allclose(m.cyy, cyy, rtol=1e-12)
    assert m.n_samples == n and m.weight == n


def test_split_pass_float32_weights_and_large_offsets(rng, forced_split):
    n = 4096 + 9 * 256 + 101
    X = rng.normal(size=(n, 7)) + 0.5
    Y = rng.normal(size=(n, 2))
    X32 = X.astype(np.float32)
    m32 = Moments.from_arrays(X32, Y)  # float32 blocks cast into float64 buffers
    mx, _, cxx, cxy, _ = dense_moments(X32, Y)
    assert m32.cxx.dtype == np.float64
    np.testing.assert_allclose(m32.cxx, cxx, rtol=1e-12, atol=1e-12 * np.abs(cxx).max())
    np.testing.assert_allclose(m32.cxy, cxy, rtol=1e-12, atol=1e-12 * np.abs(cxy).max())
    w = rng.uniform(0, 2, size=n)
    w[rng.choice(n, 50, replace=False)] = 0.0
    mw = Moments.from_arrays(X, Y, w, block_rows=300)  # centered blocks, merged per worker
    mx, my, cxx, cxy, cyy = dense_moments(X, Y, w)
    np.testing.assert_allclose(mw.mean_x, mx, rtol=1e-12)
    np.testing.assert_allclose(mw.cxx, cxx, rtol=1e-12, atol=1e-12 * np.abs(cxx).max())
    np.testing.assert_allclose(mw.cyy, cyy, rtol=1e-12)
    far = X + 1e4  # offsets far beyond the spread: centered blocks, split and merged
    mf = Moments.from_arrays(far, Y, block_rows=300)
    _, _, cxx, cxy, _ = dense_moments(far - 1e4, Y)  # the exact centered products
    np.testing.assert_allclose(mf.cxx, cxx, rtol=1e-9, atol=1e-9 * np.abs(cxx).max())


def test_split_and_serial_fits_agree_with_dense_solve(rng, monkeypatch):
    X = rng.normal(size=(60_000, 12)) + rng.normal(size=12)  # 5.8 MB
    y = X @ rng.normal(size=12) + rng.normal(size=60_000)
    monkeypatch.setattr(bs, "MIN_SPLIT_BYTES", 1 << 62)
    serial = Ridge(alpha=3.0).fit(X, y)
    monkeypatch.setattr(bs, "MIN_SPLIT_BYTES", 0)
    split = Ridge(alpha=3.0).fit(X, y)
    coef, b0 = dense_ridge(X, y, 3.0)
    for fit in (serial, split):
        assert fit.solver_ == "gram"
        np.testing.assert_allclose(fit.coef_, coef, rtol=1e-11)
        np.testing.assert_allclose(fit.intercept_, b0, rtol=1e-11)


# ----------------------------------------------------------------- wide: dual kernel
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("weighted", [False, True])
def test_split_kernel_fit_equals_dense_solve(rng, forced_split, order, weighted):
    n, p = 60, 1500
    X = np.asarray(rng.normal(size=(n, p)) + 0.2, order=order)
    y = X[:, :5] @ rng.normal(size=5) + rng.normal(size=n)
    w = rng.uniform(0.2, 2.0, size=n) if weighted else None
    np.testing.assert_allclose(bs.row_gram(X), X @ X.T, rtol=1e-12,
                               atol=1e-12 * np.abs(X @ X.T).max())
    fit = Ridge(alpha=2.5).fit(X, y, sample_weight=w)
    assert fit.solver_ == "dual"
    coef, b0 = dense_ridge(X, y, 2.5, w)
    np.testing.assert_allclose(fit.coef_, coef, rtol=1e-10, atol=1e-12 * np.abs(coef).max())
    np.testing.assert_allclose(fit.intercept_, b0, rtol=1e-10)


def test_kernel_float32_goes_through_float64(rng, forced_split):
    X = (rng.normal(size=(40, 900)) + 0.1).astype(np.float32)
    y = rng.normal(size=40)
    kern = DualKernel.from_arrays(X, y[:, None])
    Xc = X.astype(np.float64) - X.astype(np.float64).mean(0)
    np.testing.assert_allclose(kern.K, Xc @ Xc.T, rtol=1e-12, atol=1e-12 * np.abs(kern.K).max())
    fit = Ridge(alpha=1.0).fit(X, y)
    coef, _ = dense_ridge(X, y, 1.0)
    np.testing.assert_allclose(fit.coef_, coef, rtol=1e-5)  # coef_ is float32
    assert fit.coef_.dtype == np.float32


# ------------------------------------------------------ non-finite X, found for free
TALL, WIDE = (900, 6), (30, 400)


@pytest.mark.parametrize("shape", [TALL, WIDE], ids=["tall", "wide"])
@pytest.mark.parametrize("value, msg", [(np.nan, "NaN"), (np.inf, "infinity"),
                                        (-np.inf, "infinity")])
@pytest.mark.parametrize("where", ["first", "last", "middle", "block edge"])
@pytest.mark.parametrize("solver", ["auto", "gram", "dual"])
def test_non_finite_x_raises_naming_it(rng, forced_split, shape, value, msg, where, solver):
    n, p = shape
    X = rng.normal(size=shape)
    y = rng.normal(size=n)
    i, j = {"first": (0, 0), "last": (n - 1, p - 1), "middle": (n // 2, p // 3),
            "block edge": (min(256, n - 1), p - 1)}[where]
    X[i, j] = value
    with pytest.raises(ValueError, match=msg):
        Ridge(solver=solver).fit(X, y)


@pytest.mark.parametrize("shape", [TALL, WIDE], ids=["tall", "wide"])
def test_non_finite_row_with_zero_weight_still_raises(rng, shape):
    n, p = shape
    X = rng.normal(size=shape)
    X[3, 1] = np.nan
    w = np.ones(n)
    w[3] = 0.0
    with pytest.raises(ValueError, match="NaN"):
        Ridge().fit(X, rng.normal(size=n), sample_weight=w)


@pytest.mark.parametrize("shape", [TALL, WIDE], ids=["tall", "wide"])
def test_huge_finite_values_fit_or_raise_overflow(rng, shape):
    """Scaled by s, the ridge solution at α s² is the unscaled one divided by s: 1e150
    still fits (sums of squares ~1e303), 1e160 overflows them and says so."""
    n, p = shape
    X = rng.normal(size=shape) + 0.1
    y = X[:, :3] @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=n)
    coef, b0 = dense_ridge(X, y, 2.0)
    s = 1e150
    fit = Ridge(alpha=2.0 * s * s).fit(X * s, y)
    np.testing.assert_allclose(fit.coef_ * s, coef, rtol=1e-9, atol=1e-12 * np.abs(coef).max())
    np.testing.assert_allclose(fit.intercept_, b0, rtol=1e-9)
    with pytest.raises(ValueError, match="overflow"):
        Ridge().fit(X * 1e160, y)


def test_solvers_without_deferral_still_check_upfront(rng):
    X = rng.normal(size=TALL)
    X[5, 2] = np.nan
    for solver in ("svd", "precise", "lsqr"):
        with pytest.raises(ValueError, match="NaN"):
            Ridge(solver=solver).fit(X, rng.normal(size=TALL[0]))
    with pytest.raises(ValueError, match="NaN"):
        Ridge(positive=True).fit(X, rng.normal(size=TALL[0]))


def test_first_pass_in_a_worker_thread_leaves_the_main_thread_in_control():
    """threadpoolctl lets one Python thread set OpenBLAS's count; a pass run first in
    another thread must hand that back, so the main thread's limits still work after."""
    if bs.blas_workers() < 2:
        pytest.skip("numpy's BLAS runs one thread here (or is not a pthreads OpenBLAS)")
    before = numpy_blas_threads()
    got = []

    def in_thread():
        with bs.blas_pass(bs.MIN_SPLIT_BYTES) as w:
            got.append((w, numpy_blas_threads()))

    t = threading.Thread(target=in_thread)
    t.start()
    t.join()
    assert got == [(bs.blas_workers(), [1] * len(before))]
    with bs.blas_pass(bs.MIN_SPLIT_BYTES) as workers:
        assert workers >= 2 and numpy_blas_threads() == [1] * len(before)
    with threadpool_limits(limits=1, user_api="blas"):
        assert numpy_blas_threads() == [1] * len(before)
    assert numpy_blas_threads() == before


@pytest.mark.parametrize("case", ["no intercept", "far offsets", "per-target alphas"])
def test_dual_direct_solve_against_dense(rng, case):
    """The direct dual solve (one gemv over X, intercept from X x̄ = K0 w / s) without an
    intercept, with offsets that force the centered column blocks (means formed), and with
    a few distinct alphas per target — each against numpy solves of the primal system."""
    n, p = 50, 700
    X = rng.normal(size=(n, p)) + (1e3 * rng.normal(size=p) if case == "far offsets" else 0.3)
    Y = X[:, :4] @ rng.normal(size=(4, 3)) + rng.normal(size=(n, 3))
    w = rng.uniform(0.5, 1.5, size=n)
    alpha = np.array([0.5, 7.0, 0.5]) if case == "per-target alphas" else 3.0
    fit_intercept = case != "no intercept"
    fit = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, Y, sample_weight=w)
    assert fit.solver_ == "dual"
    alphas = np.broadcast_to(alpha, (3,))
    for k in range(3):
        if fit_intercept:
            coef, b0 = dense_ridge(X, Y[:, k], alphas[k], w)
        else:
            Xw = X * np.sqrt(w)[:, None]
            coef = np.linalg.solve(Xw.T @ Xw + alphas[k] * np.eye(p), Xw.T @ (np.sqrt(w) * Y[:, k]))
            b0 = 0.0
        scale = np.abs(coef).max()
        np.testing.assert_allclose(fit.coef_[k], coef, rtol=1e-8, atol=1e-10 * scale)
        np.testing.assert_allclose(fit.intercept_[k], b0, rtol=1e-8, atol=1e-8)


_QUIET_SCRIPT = r"""
import json, os, threading
import numpy as np
import scipy.linalg
import ridgekit._blas_split as bs

def native_threads():
    return len(os.listdir("/proc/self/task"))

rng = np.random.default_rng(0)
A = rng.normal(size=(500, 500))
out = {"shutdowns": len(bs._openblas_shutdowns()), "workers": bs.blas_workers(),
       "cpus": len(os.sched_getaffinity(0))}
A @ A  # starts numpy's OpenBLAS pool
out["running"] = native_threads()
out["quiet"] = bs.quiet_blas_workers()
out["after"] = native_threads()
ref = np.einsum("ij,jk->ik", A, A)
out["product_err"] = float(np.abs(A @ A - ref).max())
from scipy.linalg import blas as scipy_blas  # scipy's own OpenBLAS, quieted too
out["scipy_err"] = float(np.abs(scipy_blas.dgemm(1.0, A, A) - ref).max())
out["restarted"] = native_threads()
stop = threading.Event()
t = threading.Thread(target=stop.wait)
t.start()
out["with_thread"] = bs.quiet_blas_workers()
out["with_thread_count"] = native_threads()
stop.set()
t.join()
print(json.dumps(out))
"""


def test_quiet_blas_workers_stops_the_pool_only_when_alone():
    """Run in a fresh interpreter (pytest-xdist keeps threads of its own): the idle
    OpenBLAS workers are joined (fewer native threads, counted in /proc), the next
    product starts them again and is still right (against einsum), and nothing is done
    while another Python thread is alive."""
    import json
    import os
    import subprocess
    import sys

    if not os.path.isdir("/proc/self/task") or bs.blas_workers() < 2:
        pytest.skip("needs Linux and a multi-threaded pthreads OpenBLAS under numpy")
    # OpenBLAS also reads OMP_NUM_THREADS (set by some libraries for their workers)
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    res = subprocess.run([sys.executable, "-c", _QUIET_SCRIPT], capture_output=True,
                         text=True, env=env, timeout=120, check=True)
    got = json.loads(res.stdout.strip().splitlines()[-1])
    if not got["shutdowns"]:
        pytest.skip("this OpenBLAS exports no blas_thread_shutdown_")
    if got["workers"] < 2:
        pytest.skip(f"numpy's BLAS runs one thread in a fresh interpreter here ({got})")
    assert got["quiet"] is True
    assert got["after"] < got["running"]
    assert got["restarted"] > got["after"]  # the pool exists again
    assert got["product_err"] < 1e-10 and got["scipy_err"] < 1e-10
    assert got["with_thread"] is False
    assert got["with_thread_count"] == got["restarted"] + 1
