"""The array-API route widened (sample weights, gcv-mass, hkb, Lawless-Wang, target df)
against the numpy route and against independent references: brute-force weighted refits
(LOO, k-fold, GCV), least squares by ``numpy.linalg.lstsq`` (HKB, Lawless-Wang) and the
eigenvalues of the centered Gram (target df). Also: the shared formulas run unchanged on
array-api-strict, both routes call the same functions, no host transfer in the new paths,
and CuPy (marked ``gpu``) where a CUDA device exists."""

from __future__ import annotations

import numpy as np
import pytest

from ridgekit.linear_model import Ridge, RidgeCV
from ridgekit.select import _formulas as F

torch = pytest.importorskip("torch", reason="torch is not installed")
xps = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")

from _xp_guard import HostTransfer, no_torch_readback  # noqa: E402

from ridgekit.xp._namespace import to_numpy  # noqa: E402

DEVICE1 = xps.Device("device1")
BACKENDS = {"torch": torch.asarray, "strict": lambda a: xps.asarray(a, device=DEVICE1)}
GRID = np.geomspace(1e4, 1e-3, 30)


def _data(rng, n=120, p=8, t=4, dtype=np.float64):
    X = rng.standard_normal((n, p)) @ np.diag(np.linspace(0.3, 2.5, p)) + 1.0
    Y = X @ rng.standard_normal((p, t)) + rng.standard_normal((n, t)) * np.linspace(1, 5, t)
    w = rng.uniform(0.2, 3.0, n)
    w[::17] = 0.0  # zero weights: rows that must count for nothing
    return X.astype(dtype), Y.astype(dtype), w


def _weighted_ridge(X, y, w, alpha):
    """Weighted ridge with an unpenalized intercept by a dense solve (the reference)."""
    mx, my = w @ X / w.sum(), w @ y / w.sum()
    Xc, yc = X - mx, y - my
    beta = np.linalg.solve(Xc.T @ (w[:, None] * Xc) + alpha * np.eye(X.shape[1]),
                           Xc.T @ (w * yc))
    return beta, my - mx @ beta


def _cv_arg(cv, n):
    return np.arange(n) % 5 if cv == "ids" else cv


# ----------------------------------------------------- numpy against brute force
def test_weighted_loo_against_refits(rng):
    X, Y, w = _data(rng, n=40, p=4, t=1)
    y = Y[:, 0]
    grid = np.array([0.1, 3.0, 80.0])
    sel = RidgeCV(grid, cv="loo").fit(X, y, sample_weight=w).selection_
    ref = []
    for a in grid:
        r = np.empty(len(y))
        for i in range(len(y)):
            keep = np.arange(len(y)) != i
            b, b0 = _weighted_ridge(X[keep], y[keep], w[keep], a)
            r[i] = y[i] - X[i] @ b - b0
        ref.append(np.sum(w * r**2) / w.sum())
    np.testing.assert_allclose(sel.mean, ref, rtol=1e-10)


def test_weighted_kfold_against_refits(rng):
    X, Y, w = _data(rng, n=60, p=5, t=1)
    y = Y[:, 0]
    ids = np.arange(len(y)) % 4
    grid = np.array([0.05, 2.0, 50.0])
    sel = RidgeCV(grid, cv=ids).fit(X, y, sample_weight=w).selection_
    for k in range(4):
        test = ids == k
        for j, a in enumerate(grid):
            b, b0 = _weighted_ridge(X[~test], y[~test], w[~test], a)
            r = y[test] - X[test] @ b - b0
            np.testing.assert_allclose(sel.extra["fold_mse"][k, j],
                                       np.sum(w[test] * r**2) / w[test].sum(), rtol=1e-10)


def test_gcv_mass_against_refits(rng):
    X, Y, _ = _data(rng, n=50, p=5, t=1)
    y = Y[:, 0]
    grid = np.array([0.3, 4.0, 60.0])
    sel = RidgeCV(grid, cv="gcv-mass").fit(X, y).selection_
    Xc = X - X.mean(0)
    mu = np.linalg.eigvalsh(Xc.T @ Xc)
    for j, a in enumerate(grid):
        b, b0 = _weighted_ridge(X, y, np.ones(len(y)), a)
        rss = np.sum((y - X @ b - b0) ** 2)
        np.testing.assert_allclose(sel.mean[j], rss / (len(y) - np.sum(mu / (mu + a))) ** 2,
                                   rtol=1e-10)


def test_closed_forms_against_least_squares(rng):
    X, Y, _ = _data(rng, n=70, p=6, t=3)
    n, p = X.shape
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    B = np.linalg.lstsq(Xc, Yc, rcond=None)[0]
    s2 = np.sum((Yc - Xc @ B) ** 2, axis=0) / (n - p - 1)
    hkb = RidgeCV(cv="hkb", alpha_per_target=True).fit(X, Y).alpha_
    lw = RidgeCV(cv="lawless-wang", alpha_per_target=True).fit(X, Y).alpha_
    np.testing.assert_allclose(hkb, (p - 2) * s2 / np.sum(B**2, axis=0), rtol=1e-10)
    np.testing.assert_allclose(lw, (p - 2) * s2 * n / np.sum((Xc @ B) ** 2, axis=0),
                               rtol=1e-10)
    a = RidgeCV(cv="df", df=2.5).fit(X, Y[:, 0]).alpha_
    mu = np.linalg.eigvalsh(Xc.T @ Xc)
    np.testing.assert_allclose(np.sum(mu / (mu + a)), 2.5, rtol=1e-12)


# ------------------------------------------------------- device against numpy
CASES = [("loo", True), ("gcv", True), ("gcv-mass", False), (5, True), ("ids", True),
         ("hkb", True), ("lawless-wang", True), ("df", False)]


def _kw(cv, n, per_target):
    kw = dict(cv=_cv_arg(cv, n), alpha_per_target=per_target)
    if cv not in ("hkb", "lawless-wang", "df"):
        kw["alphas"] = GRID
    if cv == "df":
        kw["df"] = 3.5
    return kw


def _compare(got, ref, rtol, atol):
    np.testing.assert_allclose(to_numpy(got.coef_), ref.coef_, rtol=rtol, atol=atol)
    np.testing.assert_allclose(to_numpy(got.intercept_), ref.intercept_, rtol=rtol,
                               atol=atol * 10)
    np.testing.assert_allclose(to_numpy(got.alpha_), ref.alpha_, rtol=max(rtol, 1e-10))
    s, r = got.selection_, ref.selection_
    np.testing.assert_allclose(s.alpha, r.alpha, rtol=max(rtol, 1e-10))
    if r.mean is not None:
        np.testing.assert_allclose(s.mean, r.mean, rtol=rtol)
        np.testing.assert_array_equal(s.index_min, r.index_min)
    if r.se is not None:
        np.testing.assert_allclose(s.se, r.se, rtol=rtol)
    if "fold_mse" in r.extra:
        np.testing.assert_allclose(s.extra["fold_mse"], r.extra["fold_mse"], rtol=rtol)
    if ref.best_score_ is None:
        assert got.best_score_ is None
    else:
        np.testing.assert_allclose(to_numpy(got.best_score_), ref.best_score_, rtol=rtol)
    np.testing.assert_allclose(to_numpy(got.df_), ref.df_, rtol=max(rtol, 1e-10))


@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize(("cv", "per_target"), CASES)
@pytest.mark.parametrize("weighted", [False, True])
def test_device_equals_numpy_float64(rng, backend, cv, per_target, weighted):
    conv = BACKENDS[backend]
    X, Y, w = _data(rng)
    sw = w if weighted else None
    kw = _kw(cv, X.shape[0], per_target)
    ref = RidgeCV(**kw).fit(X, Y, sample_weight=sw)
    got = RidgeCV(**kw).fit(conv(X), conv(Y), sample_weight=sw)
    _compare(got, ref, 1e-10, 1e-10)


@pytest.mark.parametrize("cv", ["loo", 5, "hkb"])
def test_device_weights_equal_host_weights(rng, cv):
    X, Y, w = _data(rng)
    kw = _kw(cv, X.shape[0], True)
    ref = RidgeCV(**kw).fit(X, Y, sample_weight=w)
    got = RidgeCV(**kw).fit(torch.asarray(X), torch.asarray(Y), sample_weight=torch.asarray(w))
    _compare(got, ref, 1e-10, 1e-10)
    r = Ridge(alpha=2.0).fit(X, Y, sample_weight=w)
    g = Ridge(alpha=2.0).fit(torch.asarray(X), torch.asarray(Y), sample_weight=torch.asarray(w))
    np.testing.assert_allclose(to_numpy(g.coef_), r.coef_, rtol=0, atol=1e-10)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_invalid_device_weights_are_never_used(rng, backend):
    """A negative device weight is not read back during the fit: it makes the fit NaN,
    or, where the namespace's eigh refuses NaN (torch), a ValueError naming the weights."""
    conv = BACKENDS[backend]
    X, Y, w = _data(rng)
    w[3] = -1.0
    try:
        got = RidgeCV(GRID, cv=5).fit(conv(X), conv(Y[:, 0]), sample_weight=conv(w))
    except ValueError as exc:
        assert "sample_weight" in str(exc)
    else:
        assert np.all(np.isnan(to_numpy(got.coef_)))


@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize("cv", ["loo", 5, "gcv-mass", "hkb"])
def test_device_float32_within_1e5(rng, backend, cv):
    conv = BACKENDS[backend]
    X, Y, w = _data(rng, dtype=np.float32)
    kw = _kw(cv, X.shape[0], True)
    ref = RidgeCV(**kw).fit(X.astype(float), Y.astype(float), sample_weight=w)
    got = RidgeCV(**kw).fit(conv(X), conv(Y), sample_weight=w)
    assert to_numpy(got.coef_).dtype == np.float32
    np.testing.assert_allclose(to_numpy(got.coef_), ref.coef_, rtol=1e-5,
                               atol=1e-5 * np.abs(ref.coef_).max())
    np.testing.assert_allclose(to_numpy(got.alpha_), ref.alpha_, rtol=1e-5)


# ------------------------------------------------------------ no host transfer
@pytest.mark.parametrize(("cv", "per_target"), CASES)
def test_new_paths_make_no_host_transfer(rng, cv, per_target):
    X, Y, w = _data(rng)
    Xt, Yt, wt = torch.asarray(X), torch.asarray(Y), torch.asarray(w)
    kw = _kw(cv, X.shape[0], per_target)
    kw.pop("alphas", None)  # the default grid, built on the device
    with no_torch_readback():
        est = RidgeCV(**kw).fit(Xt, Yt, sample_weight=wt)
        RidgeCV(**kw).fit(Xt, Yt, sample_weight=w)  # host weights: host -> device only
        Ridge(alpha=1.0).fit(Xt, Yt, sample_weight=wt)
    assert np.all(np.isfinite(to_numpy(est.coef_)))


def test_guard_sees_a_transfer():
    with no_torch_readback(), pytest.raises(HostTransfer):
        bool(torch.ones(()) > 0)


# -------------------------------------------------- one implementation, any namespace
def test_formulas_run_unchanged_on_strict(rng):
    """The shared formulas on array-api-strict arrays (which reject anything outside the
    standard) give numpy's values on numpy arrays."""
    mean = rng.standard_normal((20, 3))
    mean[4, 1] = mean[2, 1]  # a tie: resolved to the larger alpha
    se = np.abs(rng.standard_normal((20, 3)))
    alphas = np.geomspace(1e3, 1e-2, 20)
    mse = np.abs(rng.standard_normal((4, 20, 3)))
    weights = np.array([10.0, 11.0, 9.0, 12.0])
    mu = np.sort(np.abs(rng.standard_normal(7)))[::-1] + 0.1
    s = lambda a: xps.asarray(a, device=DEVICE1)  # noqa: E731
    cases = [
        (F.tie_argmin, (mean, alphas)),
        (F.one_se_index, (mean, se, alphas)),
        (F.summarize_folds, (mse, weights)),
        (F.alphas_for_df, (mu, np.array([0.5, 6.5]))),
        (F.filter_factors, (mu, alphas)),
    ]
    for fn, args in cases:
        ref = fn(*args)
        got = fn(*[s(a) for a in args])
        for r, g in zip(ref if isinstance(ref, tuple) else (ref,),
                        got if isinstance(got, tuple) else (got,), strict=True):
            np.testing.assert_allclose(np.asarray(g.to_device(xps.Device("CPU_DEVICE"))), r,
                                       rtol=1e-13)


@pytest.mark.parametrize("cv", ["loo", "gcv", 4, "hkb"])
def test_both_routes_run_the_same_formulas(rng, cv, monkeypatch):
    """numpy and torch inputs both go through the shared formula of their rule."""
    name = {"loo": "loo_curve", "gcv": "gcv_curve", 4: "fold_mse", "hkb": "hkb_alpha"}[cv]
    seen = []
    original = getattr(F, name)

    def spy(*args, **kwargs):
        flat = [v for a in args for v in (a.values() if isinstance(a, dict) else [a])]
        first = next(a for a in flat if hasattr(a, "shape"))
        seen.append(type(first).__module__.split(".")[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(F, name, spy)
    X, Y, _ = _data(rng)
    kw = _kw(cv, X.shape[0], True)
    RidgeCV(**kw).fit(X, Y)
    RidgeCV(**kw).fit(torch.asarray(X), torch.asarray(Y))
    assert "numpy" in seen and "torch" in seen


# ------------------------------------------------------------------------ CuPy
def _cupy_device():
    try:
        import cupy

        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:
        return None


CUPY = _cupy_device()


@pytest.mark.gpu
@pytest.mark.skipif(CUPY is None, reason="CuPy with a CUDA device is not available: CuPy "
                    "tests skipped")
@pytest.mark.parametrize(("cv", "per_target"), [("loo", True), (5, True), ("gcv-mass", False),
                                                ("hkb", False)])
def test_cupy_equals_numpy(rng, cv, per_target):
    X, Y, w = _data(rng)
    kw = _kw(cv, X.shape[0], per_target)
    ref = RidgeCV(**kw).fit(X, Y, sample_weight=w)
    got = RidgeCV(**kw).fit(CUPY.asarray(X), CUPY.asarray(Y), sample_weight=CUPY.asarray(w))
    assert isinstance(got.coef_, CUPY.ndarray)
    _compare(got, ref, 1e-10, 1e-10)
