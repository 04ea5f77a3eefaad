"""Pieces of the batched ALO path split over row slices and threads, and the shortcuts
around it, against unsplit or dense references: the split path against the same path in
one slice and against per-λ dense ALO, the float32 Hessian against the float64 Gram, the
null model's η against a product with X, and the leave-one-out summary against
summarize_folds with one fold per sample."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from ridgekit.glm import _alo_kernels as kern
from ridgekit.glm import _row_split
from ridgekit.glm.alo import _solve_batched, alo_path
from ridgekit.glm.anchor import _gram32, float32_hessian
from ridgekit.glm.scoring import pointwise_curve, pointwise_error
from ridgekit.linear_model import LogisticRidge
from ridgekit.linear_model._logistic import build_problem
from ridgekit.select import summarize_folds, summarize_samples


def _problem(rng, n=9000, p=8, **kw):
    X = rng.normal(size=(n, p))
    y = (rng.uniform(size=n) < expit(X @ rng.normal(size=p) * 0.5 - 0.2)).astype(int)
    return build_problem(LogisticRidge(**kw), X, y)[0], X, y


@pytest.mark.parametrize("n, workers", [(3 * 4096 + 17, 2), (100_000, 2), (100_000, 3)])
def test_row_split_covers_rows_in_balanced_slices(n, workers):
    rows = _row_split.RowSplit(n, workers)
    try:
        cuts = [(s.start, s.stop) for s in rows.slices]
        assert cuts[0][0] == 0 and cuts[-1][1] == n and len(cuts) == workers
        assert all(a[1] == b[0] for a, b in zip(cuts[:-1], cuts[1:], strict=True))
        assert all(s.start % _row_split._ALIGN == 0 for s in rows.slices)
        sizes = np.diff([0] + [b for _, b in cuts])
        # the calling thread's slice larger by LEAD, the others equal (to _ALIGN rows)
        expect = n * np.r_[1 + _row_split.LEAD, np.ones(workers - 1)] / (workers + _row_split.LEAD)
        np.testing.assert_allclose(sizes, expect, atol=_row_split._ALIGN)
        assert rows.sum(lambda sl: sl.stop - sl.start) == n
    finally:
        rows.close()
    assert len(_row_split.RowSplit(_row_split.CHUNK + 1, 8).slices) == 1  # too few rows to split


def test_split_path_equals_one_slice_and_dense_alo(rng):
    problem, X, y = _problem(rng)
    grid = problem.default_alphas(8)
    rho = 0.5
    split, single = kern.RowSplit(problem.design.n, 2), kern.RowSplit(problem.design.n, 1)
    try:
        assert len(split.slices) == 2
        a = _solve_batched(problem, grid, 1e-6, rho, 8, split)
        b = _solve_batched(problem, grid, 1e-6, rho, 8, single)
    finally:
        split.close()
    # float32 sums in another order: the same fits to the stopping accuracy
    np.testing.assert_allclose(a["theta"], b["theta"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(a["loo_eta"], b["loo_eta"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(a["df"], b["df"], rtol=1e-4)
    exact = alo_path(problem, grid, method="exact")  # a Gram and a factor per λ
    np.testing.assert_allclose(a["loo_eta"], exact["loo_eta"], rtol=1e-2, atol=1e-3)
    np.testing.assert_allclose(a["df"], exact["df"], rtol=1e-2)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_float32_hessian_is_the_gram_at_theta(rng, fit_intercept):
    problem, X, y = _problem(rng, n=5000, p=6, fit_intercept=fit_intercept)
    theta = rng.normal(size=(problem.design.d, 1)) * 0.3
    H32, eta32, grad, D32 = float32_hessian(problem, theta)
    # references in float64 from X itself: η = Xβ + b, gradient Aᵀw(σ(η) - y), AᵀDA
    eta = X @ theta[-X.shape[1]:] + (theta[0] if fit_intercept else 0.0)
    p = 1.0 / (1.0 + np.exp(-eta[:, 0]))
    r = problem.w * (p - y)
    A = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
    H = A.T @ (A * (problem.w * p * (1.0 - p))[:, None])
    np.testing.assert_allclose(eta32, eta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad[:, 0], A.T @ r, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(D32, problem.w * p * (1.0 - p), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(H32, H, rtol=1e-5, atol=1e-5 * np.abs(H).max())
    # split over rows (a RowSplit) and over blas_pass workers: the same sums
    D = rng.uniform(0.05, 0.25, 5000)
    rows = kern.RowSplit(5000, 2)
    try:
        np.testing.assert_allclose(_gram32(X.astype(np.float32), D, fit_intercept, rows)[0],
                                   _gram32(X.astype(np.float32), D, fit_intercept)[0],
                                   rtol=1e-6, atol=1e-6)
        # with a right-hand side: the same Gram, and A^T rhs from the same blocks
        rhs = rng.normal(size=5000)
        G, product, _ = _gram32(X.astype(np.float32), D, fit_intercept, rows, rhs)
        A = np.column_stack([np.ones(5000), X]) if fit_intercept else X
        np.testing.assert_allclose(G, A.T @ (A * D[:, None]), rtol=1e-5,
                                   atol=1e-5 * np.abs(G).max())
        np.testing.assert_allclose(product, A.T @ rhs, rtol=1e-5,
                                   atol=1e-5 * np.abs(A.T @ rhs).max())
        # filled from float64 X in the same pass: the copy, the same sums, X's total
        for split in (rows, None):
            X32 = np.full(X.shape, np.nan, np.float32)
            G2, product2, total = _gram32(X32, D, fit_intercept, split, rhs, X)
            np.testing.assert_array_equal(X32, X.astype(np.float32))
            np.testing.assert_allclose(G2, G, rtol=1e-6, atol=1e-6 * np.abs(G).max())
            np.testing.assert_allclose(product2, product, rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(total, np.trace(G[-X.shape[1]:, -X.shape[1]:]),
                                       rtol=1e-6)
    finally:
        rows.close()


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_null_eta_is_the_product_with_x(rng, fit_intercept):
    problem, X, y = _problem(rng, n=300, p=4, fit_intercept=fit_intercept)
    theta = problem.null_theta()
    np.testing.assert_allclose(problem.null_eta(), problem.design.eta(theta), rtol=0,
                               atol=1e-15)


def test_leave_one_out_summary_is_summarize_folds_with_one_fold_per_sample(rng):
    E = rng.gamma(2.0, size=(7, 400))
    w = rng.uniform(0.1, 3.0, 400)
    mean, se = summarize_samples(E, w)
    m2, s2 = summarize_folds(E.T[:, :, None], w)
    np.testing.assert_allclose(mean, m2[:, 0], rtol=1e-13)
    np.testing.assert_allclose(se, s2[:, 0], rtol=1e-12)
    # brute force, the cv.glmnet formula written out
    wn = w / w.sum()
    m3 = np.array([np.sum(wn * e) for e in E])
    s3 = np.array([np.sqrt(np.sum(wn * (e - m) ** 2) / (400 - 1)) for e, m in
                   zip(E, m3, strict=True)])
    np.testing.assert_allclose(mean, m3, rtol=1e-13)
    np.testing.assert_allclose(se, s3, rtol=1e-12)


@pytest.mark.parametrize("name", ["deviance", "log_loss", "accuracy", "roc_auc"])
@pytest.mark.parametrize("zeros", [False, True])
def test_pointwise_curve_equals_errors_then_summary(rng, name, zeros):
    problem, X, y = _problem(rng, n=40_000, p=3)
    etas = rng.normal(size=(30, 40_000, 1)) * 2.0  # >= 2**20 values: split over threads
    w = rng.uniform(0.5, 2.0, 40_000)
    if zeros:
        w[::7] = 0.0
    got = pointwise_curve(name, problem.family, etas, problem.Y, w, keep=True)
    if name == "roc_auc":
        assert got is None
        return
    # brute force: one call per set, then the weighted mean and the standard error
    # over the samples of positive weight, written out
    want = np.array([pointwise_error(name, problem.family, e, problem.Y) for e in etas])
    np.testing.assert_array_equal(got[2], want)
    pos = w > 0
    wn = w[pos] / w[pos].sum()
    mean = want[:, pos] @ wn
    se = np.sqrt(((want[:, pos] - mean[:, None]) ** 2 @ wn) / (pos.sum() - 1))
    np.testing.assert_allclose(got[0], mean, rtol=1e-12)
    np.testing.assert_allclose(got[1], se, rtol=1e-10)
    assert pointwise_curve(name, problem.family, etas, problem.Y, w)[2] is None


def test_advance_state_is_the_step_then_the_logistic_state(rng):
    n, m, d = 3 * kern._CHUNK + 123, 5, 7  # several blocks per slice, a short last one
    E = rng.normal(size=(n, m)).astype(np.float32) * 3.0
    dE = rng.normal(size=(n, m)).astype(np.float32)
    t = rng.uniform(0.1, 2.0, m).astype(np.float32)
    w, q, iqa = (rng.uniform(0.5, 2.0, n).astype(np.float32) for _ in range(3))
    y = (rng.uniform(size=n) < 0.4).astype(np.float32)
    basis = rng.normal(size=(n, d)).astype(np.float32)
    e = E.astype(np.float64) + dE.astype(np.float64) * t  # references in float64
    p = expit(e)
    D = w[:, None] * p * (1.0 - p)
    R = w[:, None] * (p - y[:, None])
    rows = kern.RowSplit(n, 2)
    try:
        G, Dk, a, b = kern.advance_state(E, dE, t, w, y, q, iqa, basis, rows)
    finally:
        rows.close()
    np.testing.assert_allclose(E, e, rtol=1e-6, atol=1e-6)  # E moved in place
    np.testing.assert_allclose(G, basis.astype(np.float64).T @ R, rtol=1e-4,
                               atol=1e-5 * np.abs(basis).sum(axis=0).max())
    np.testing.assert_allclose(Dk, D, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(a, q @ D, rtol=1e-5)
    np.testing.assert_allclose(b, iqa @ (D * D), rtol=1e-5)


def test_direction_is_the_product_and_its_curvatures(rng):
    n, d, m = 2 * kern._CHUNK + 77, 7, 4
    U = rng.normal(size=(n, d)).astype(np.float32)
    P = rng.normal(size=(d, m)).astype(np.float32)
    D = rng.uniform(0.0, 0.25, (n, 6)).astype(np.float32)
    cols = np.array([5, 0, 2, 2])  # the columns of D that each direction continues
    rows = kern.RowSplit(n, 2)
    try:
        dE, W, mx = kern.direction(U, P, D, cols, rows)
    finally:
        rows.close()
    assert W.shape == (1, 1, m) and mx.shape == (1, m)
    kap, mx = W[0, 0], mx[0]
    ref = U.astype(np.float64) @ P.astype(np.float64)
    np.testing.assert_allclose(dE, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(kap, np.einsum("ij,ij->j", D[:, cols], ref * ref), rtol=1e-5)
    np.testing.assert_allclose(mx, np.abs(ref).max(axis=0), rtol=1e-5)


def test_basis_rows_and_leverage_rows_against_float64(rng):
    """U = XB + 1bᵀ with its squared row norms in one blocked pass, and (U∘U)F from U
    with the squares formed per block: both against float64 products."""
    n, p, d, m = 2 * kern._CHUNK + 311, 9, 10, 6  # blocks of two slices, a short last one
    X = rng.normal(size=(n, p)).astype(np.float32)
    B = rng.normal(size=(p, d)).astype(np.float32)
    b = rng.normal(size=d)
    F = rng.uniform(0.1, 3.0, (d, m))
    U64 = X.astype(np.float64) @ B.astype(np.float64) + b
    rows = kern.RowSplit(n, 2)
    try:
        U, q = kern.basis_rows(X, B, b, rows)
        H = kern.leverage_rows(U, F, rows)
    finally:
        rows.close()
    assert U.dtype == np.float32 and q.dtype == np.float64 and H.shape == (n, m)
    np.testing.assert_allclose(U, U64, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(q, (U64 ** 2).sum(axis=1), rtol=1e-5)
    np.testing.assert_allclose(H, (U64 ** 2) @ F, rtol=1e-4)


@pytest.mark.parametrize("store", [True, False])
@pytest.mark.parametrize("split_at", [(), (3,), (1, 4, 6)])
def test_finish_is_alo_then_its_sums_in_float64(rng, store, split_at):
    n, L = 2 * kern._CHUNK + 311, 7
    E = rng.normal(scale=2.0, size=(n, L + 3)).astype(np.float32)[:, 2:2 + L]  # a view
    H = rng.uniform(0.0, 0.05, size=(n, L + 2)).astype(np.float32)
    w = rng.uniform(0.5, 2.0, size=n).astype(np.float32)
    v = rng.uniform(0.0, 1.0, size=n).astype(np.float32)
    y = (rng.uniform(size=n) < 0.4).astype(np.float32)
    cols = rng.permutation(L)
    out = np.full((L, n, 1), np.nan) if store else None
    split = kern.RowSplit(n, 2)
    try:
        parts = np.split(E, split_at, axis=1) if split_at else E  # columns side by side
        df, loss, s1, s2 = kern.finish(parts, H[:, 2:2 + L], w, y, v, cols, out, split)
    finally:
        split.close()
    e, h = E.astype(float), H[:, 2:2 + L].astype(float)
    wd, vd, yd = (a.astype(float)[:, None] for a in (w, v, y))
    p = expit(e)
    D, R = wd * p * (1 - p), wd * (p - yd)
    loo = e + R * h / (1.0 - D * h)
    ll = pointwise_error("log_loss", None, loo.T.reshape(-1, 1), np.tile(y, L)[:, None])
    ll = ll.reshape(L, n).T
    train = pointwise_error("log_loss", None, e.T.reshape(-1, 1), np.tile(y, L)[:, None])
    np.testing.assert_allclose(df, (D * h).sum(axis=0), rtol=1e-6)
    np.testing.assert_allclose(loss, (wd * train.reshape(L, n).T).sum(axis=0), rtol=1e-6)
    np.testing.assert_allclose(s1, (vd * ll).sum(axis=0), rtol=1e-6)
    np.testing.assert_allclose(s2, (vd * ll * ll).sum(axis=0), rtol=1e-6)
    if store:
        np.testing.assert_allclose(out[cols, :, 0], loo.T, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("route", ["batched", "sequential", "exact"])
def test_alo_curve_is_the_summary_of_the_alo_predictors(rng, route, monkeypatch):
    problem, X, y = _problem(rng, n=6000)
    grid = problem.default_alphas(6)
    v = rng.uniform(size=y.size)
    v[::7] = 0.0
    if route == "sequential":
        monkeypatch.setattr("ridgekit.glm.alo.batch_fits", lambda design, L: False)
    method = "exact" if route == "exact" else "anchored"
    out = alo_path(problem, grid, method=method, eval_weights=v)
    mean, se, _ = pointwise_curve("log_loss", problem.family, out["loo_eta"], problem.Y, v)
    np.testing.assert_allclose(out["log_loss"], mean, rtol=1e-6)
    np.testing.assert_allclose(out["log_loss_se"], se, rtol=1e-5)
    if route == "batched":  # the same sums without keeping the predictors
        lean = alo_path(problem, grid, eval_weights=v, keep_eta=False)
        assert lean["loo_eta"] is None
        np.testing.assert_allclose(lean["log_loss"], mean, rtol=1e-6)
        np.testing.assert_allclose(lean["df"], out["df"], rtol=1e-6)


@pytest.mark.parametrize("bad, match", [(np.ones(5), "shape"), ("neg", ">= 0"),
                                        ("nan", "finite"), ("zero", "not all 0")])
def test_alo_path_names_bad_eval_weights(rng, bad, match):
    problem, X, y = _problem(rng, n=300)
    v = np.ones(300)
    if isinstance(bad, str):
        v[3] = {"neg": -1.0, "nan": np.nan, "zero": 0.0}[bad]
        if bad == "zero":
            v[:] = 0.0
    else:
        v = bad
    with pytest.raises(ValueError, match=match):
        alo_path(problem, problem.default_alphas(3), eval_weights=v)


def test_take_columns_is_fancy_indexing_and_checks_its_indices(rng):
    n = 3 * kern._CHUNK + 5
    A = rng.normal(size=(n, 9)).astype(np.float32)
    rows = _row_split.RowSplit(n, 2)
    try:
        for cols in ([0, 2, 3, 8], [8, 1, 1], [4], []):
            got = _row_split.take_columns(A, cols, rows)
            assert got.flags.c_contiguous and got.shape == (n, len(cols))
            np.testing.assert_array_equal(got, A[:, cols])
        for bad in ([9], [-1], [0, 12]):  # never wrapped around
            with pytest.raises(IndexError, match="outside"):
                _row_split.take_columns(A, bad, rows)
    finally:
        rows.close()
