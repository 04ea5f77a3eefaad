"""The array-API route of Ridge/RidgeCV (ridgekit.xp) against the numpy path on the same
data, on CPU torch and on array-api-strict's non-default device; a brute-force k-fold
reference; no host transfer inside a fit; CUDA tests where a device exists."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import Ridge as SkRidge
from sklearn.model_selection import GroupKFold, KFold

from ridgekit.linear_model import Ridge, RidgeCV
from ridgekit.select import default_alphas
from ridgekit.spectrum import from_svd

torch = pytest.importorskip("torch", reason="torch is not installed")
xps = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")

from _xp_guard import HostTransfer, no_torch_readback  # noqa: E402

from ridgekit.xp import is_xp_input  # noqa: E402
from ridgekit.xp._namespace import to_numpy  # noqa: E402

DEVICE1 = xps.Device("device1")
CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="no CUDA device (torch.cuda.is_available() "
                                "is False): GPU tests skipped")


def _torch(a):
    return torch.asarray(a)


def _strict(a):
    return xps.asarray(a, device=DEVICE1)


def _cuda(a):
    return torch.asarray(a, device="cuda")


BACKENDS = {"torch": _torch, "strict": _strict}


def _data(rng, n=150, p=12, t=6, dtype=np.float64):
    X = rng.standard_normal((n, p)) @ np.diag(np.linspace(0.2, 3.0, p)) + 1.5
    B = rng.standard_normal((p, t))
    Y = X @ B + rng.standard_normal((n, t)) * np.linspace(0.5, 6.0, t) + 2.0
    return X.astype(dtype), Y.astype(dtype)


GRID = np.geomspace(1e4, 1e-3, 40)


def _same_place(out, conv):
    like = conv(np.zeros(1))
    assert type(out) is type(like)
    assert out.device == like.device


@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_equals_numpy(rng, backend, fit_intercept):
    conv = BACKENDS[backend]
    X, Y = _data(rng)
    alpha = np.linspace(0.1, 50.0, Y.shape[1])
    for a, y in ((3.0, Y[:, 0]), (alpha, Y)):
        ref = Ridge(alpha=a, fit_intercept=fit_intercept).fit(X, y)
        got = Ridge(alpha=a, fit_intercept=fit_intercept).fit(conv(X), conv(y))
        _same_place(got.coef_, conv)
        np.testing.assert_allclose(to_numpy(got.coef_), ref.coef_, rtol=0, atol=1e-10)
        np.testing.assert_allclose(to_numpy(got.intercept_), ref.intercept_, rtol=0, atol=1e-10)
        assert to_numpy(got.coef_).shape == ref.coef_.shape


CV_CASES = [
    (None, "min"), (None, "1se"), ("gcv", "min"), (5, "min"), (5, "1se"),
    ("shuffled-ids", "min"), ("groups", "1se"),
]


def _cv(spec, n, rng):
    if spec == "shuffled-ids":
        return rng.permutation(np.arange(n) % 4), None
    if spec == "groups":
        return GroupKFold(3), np.arange(n) // 10
    return spec, None


@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize(("cv", "rule"), CV_CASES)
@pytest.mark.parametrize("per_target", [True, False])
def test_ridgecv_equals_numpy_float64(rng, backend, cv, rule, per_target):
    conv = BACKENDS[backend]
    X, Y = _data(rng)
    cv_arg, groups = _cv(cv, X.shape[0], rng)
    kw = dict(alphas=GRID, cv=cv_arg, rule=rule, alpha_per_target=per_target)
    ref = RidgeCV(**kw).fit(X, Y, groups=groups)
    got = RidgeCV(**kw).fit(conv(X), conv(Y), groups=groups)
    _same_place(got.coef_, conv)
    np.testing.assert_allclose(to_numpy(got.coef_), ref.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(to_numpy(got.intercept_), ref.intercept_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(to_numpy(got.alpha_), ref.alpha_, rtol=1e-10)
    s, r = got.selection_, ref.selection_
    np.testing.assert_allclose(s.alphas, r.alphas, rtol=1e-12)
    np.testing.assert_allclose(s.mean, r.mean, rtol=1e-10)
    if r.se is not None:
        np.testing.assert_allclose(s.se, r.se, rtol=1e-10)
    np.testing.assert_allclose(s.df, r.df, rtol=1e-10)
    np.testing.assert_array_equal(s.index_min, r.index_min)
    np.testing.assert_allclose(s.alpha, r.alpha, rtol=1e-10)
    if "fold_mse" in r.extra:
        np.testing.assert_allclose(s.extra["fold_mse"], r.extra["fold_mse"], rtol=1e-10)
    np.testing.assert_allclose(to_numpy(got.best_score_), ref.best_score_, rtol=1e-10)
    np.testing.assert_allclose(to_numpy(got.df_), ref.df_, rtol=1e-10)
    if r.se is not None:
        np.testing.assert_allclose(s.alpha_1se, r.alpha_1se, rtol=1e-10)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_float32_input_equals_numpy(rng, backend):
    """float32 data: moments accumulated in float64 on these devices, coefficients
    returned in float32; 1e-5 relative against the numpy path on the same float32 data."""
    conv = BACKENDS[backend]
    X, Y = _data(rng, dtype=np.float32)
    for cv in (None, 5):
        ref = RidgeCV(alphas=GRID, cv=cv, alpha_per_target=True).fit(X, Y)
        got = RidgeCV(alphas=GRID, cv=cv, alpha_per_target=True).fit(conv(X), conv(Y))
        coef = to_numpy(got.coef_)
        assert coef.dtype == np.float32
        np.testing.assert_allclose(coef, ref.coef_, rtol=1e-5, atol=1e-5 * np.abs(ref.coef_).max())
        np.testing.assert_allclose(to_numpy(got.alpha_), ref.alpha_, rtol=1e-5)
        np.testing.assert_allclose(got.selection_.mean, ref.selection_.mean, rtol=1e-5)


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_default_grid_matches_numpy(rng, backend):
    """The device default grid equals default_alphas (root-solved df ends) on the
    spectrum from an SVD; on that grid, the curves equal the numpy path's."""
    conv = BACKENDS[backend]
    X, Y = _data(rng)
    ref_grid = default_alphas(from_svd(X, Y), 30)
    got = RidgeCV(alphas=30, cv=5, alpha_per_target=True).fit(conv(X), conv(Y))
    np.testing.assert_allclose(to_numpy(got.alphas_), ref_grid, rtol=1e-10)
    ref = RidgeCV(alphas=to_numpy(got.alphas_), cv=5, alpha_per_target=True).fit(X, Y)
    np.testing.assert_allclose(got.selection_.mean, ref.selection_.mean, rtol=1e-10)


def test_kfold_curve_against_brute_force_refits(rng):
    """Independent reference: each fold refitted by scikit-learn's Ridge at each λ."""
    X, Y = _data(rng, n=60, p=5, t=3)
    grid = np.geomspace(100, 0.01, 7)
    got = RidgeCV(alphas=grid, cv=4, alpha_per_target=True).fit(_torch(X), _torch(Y))
    mse = np.empty((4, grid.size, Y.shape[1]))
    for k, (tr, te) in enumerate(KFold(4).split(X)):
        for i, a in enumerate(grid):
            pred = SkRidge(alpha=a).fit(X[tr], Y[tr]).predict(X[te])
            mse[k, i] = ((Y[te] - pred) ** 2).mean(axis=0)
    np.testing.assert_allclose(got.selection_.extra["fold_mse"], mse, rtol=1e-9)
    best = grid[np.argmin(mse.mean(axis=0), axis=0)]
    np.testing.assert_allclose(to_numpy(got.alpha_), best)


def test_loo_curve_against_brute_force_refits(rng):
    X, Y = _data(rng, n=25, p=4, t=2)
    grid = np.geomspace(100, 0.01, 5)
    got = RidgeCV(alphas=grid, alpha_per_target=True).fit(_strict(X), _strict(Y))
    sq = np.empty((25, grid.size, 2))
    for i in range(25):
        keep = np.arange(25) != i
        for j, a in enumerate(grid):
            sq[i, j] = (Y[i] - SkRidge(alpha=a).fit(X[keep], Y[keep]).predict(X[i:i + 1])[0]) ** 2
    np.testing.assert_allclose(got.selection_.mean, sq.mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(got.selection_.se, sq.std(axis=0, ddof=1) / 5.0, rtol=1e-9)


def test_guard_catches_a_transfer():
    with no_torch_readback(), pytest.raises(HostTransfer):
        float(torch.ones(()))
    with no_torch_readback(), pytest.raises(HostTransfer):
        np.asarray(torch.ones(3))
    with no_torch_readback(), pytest.raises(HostTransfer):
        if torch.ones(()) > 0:
            pass


@pytest.mark.parametrize("cv", [None, "gcv", 5, "ids"])
def test_torch_fit_makes_no_host_transfer(rng, cv):
    X, Y = _data(rng)
    Xt, Yt = _torch(X), _torch(Y)
    cv_arg = np.arange(X.shape[0]) % 3 if cv == "ids" else cv
    est = RidgeCV(cv=cv_arg, alpha_per_target=True, rule="1se" if cv != "gcv" else "min")
    with no_torch_readback():
        est.fit(Xt, Yt)
        Ridge(alpha=np.linspace(1, 5, Y.shape[1])).fit(Xt, Yt)
    assert est.selection_.mean.shape == (100, Y.shape[1])  # readable after the fit


@pytest.mark.parametrize("cv", [None, "gcv", 4])
def test_strict_non_default_device_stays_there(rng, cv):
    """array-api-strict raises on any op mixing device1 with the CPU device and on any
    conversion of a device1 array to numpy: a fit that completes stayed on device1."""
    X, Y = _data(rng)
    est = RidgeCV(cv=cv, alpha_per_target=True).fit(_strict(X), _strict(Y))
    assert est.coef_.device == DEVICE1 and est.alpha_.device == DEVICE1
    with pytest.raises(RuntimeError):
        np.asarray(est.coef_)
    with pytest.raises(ValueError):
        _strict(np.ones(2)) + xps.asarray(np.ones(2))


def test_numpy_input_keeps_numpy_path(rng):
    X, Y = _data(rng)
    assert not is_xp_input(X) and not is_xp_input(X.tolist())
    assert is_xp_input(_torch(X)) and is_xp_input(_strict(X))
    est = RidgeCV(alphas=GRID, cv=5).fit(X, Y)
    assert isinstance(est.coef_, np.ndarray) and hasattr(est, "spectrum_")


def test_bad_input_is_named(rng):
    X, Y = _data(rng)
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        Ridge().fit(_torch(X), _torch(Y), sample_weight=_torch(np.ones(X.shape[0] - 1)))
    with pytest.raises(ValueError, match="sample_weight"):
        Ridge().fit(_torch(X), _torch(Y), sample_weight=-np.ones(X.shape[0]))
    with pytest.raises(TypeError, match="same namespace"):
        Ridge().fit(_torch(X), _strict(Y))
    for rule in ("lcurve", "discrepancy", "evidence"):
        with pytest.raises(ValueError, match="host"):
            RidgeCV(cv=rule, alpha_per_target=True).fit(_torch(X), _torch(Y))
    with pytest.raises(ValueError, match="host callable"):
        RidgeCV(scoring="r2").fit(_torch(X), _torch(Y))
    with pytest.raises(ValueError, match="alpha_per_target"):
        RidgeCV(cv="hkb").fit(_torch(X), _torch(Y))
    with pytest.raises(ValueError, match="rows"):
        Ridge().fit(_torch(X), _torch(Y[:-1]))
    with pytest.raises(ValueError, match="alphas > 0"):
        RidgeCV(alphas=[0.0, 1.0]).fit(_torch(X), _torch(Y))
    with pytest.raises(ValueError, match="partition"):
        from sklearn.model_selection import ShuffleSplit

        RidgeCV(cv=ShuffleSplit(3, random_state=0)).fit(_torch(X), _torch(Y))


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize(("cv", "rule"), [(None, "min"), (5, "1se"), ("gcv", "min")])
def test_cuda_equals_numpy(rng, cv, rule):
    X, Y = _data(rng)
    ref = RidgeCV(alphas=GRID, cv=cv, rule=rule, alpha_per_target=True).fit(X, Y)
    got = RidgeCV(alphas=GRID, cv=cv, rule=rule, alpha_per_target=True).fit(_cuda(X), _cuda(Y))
    assert got.coef_.is_cuda
    np.testing.assert_allclose(to_numpy(got.coef_), ref.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(got.selection_.mean, ref.selection_.mean, rtol=1e-10)
    np.testing.assert_allclose(to_numpy(got.alpha_), ref.alpha_, rtol=1e-10)


@pytest.mark.gpu
@needs_cuda
def test_cuda_float32_without_readback(rng):
    """float32 on CUDA (float64 accumulation) within 1e-5 of numpy, the fit run with every
    Python-side device-to-host read-back patched to raise. (torch.linalg.eigh's own C++
    check of cuSOLVER's info flag is not visible to this guard: one small read-back per
    decomposition, K + 1 per k-fold fit.)"""
    X, Y = _data(rng, dtype=np.float32)
    ref = RidgeCV(alphas=GRID, cv=5, alpha_per_target=True).fit(X, Y)
    Xc, Yc = _cuda(X), _cuda(Y)
    with no_torch_readback():
        got = RidgeCV(alphas=GRID, cv=5, alpha_per_target=True).fit(Xc, Yc)
    assert got.coef_.dtype == torch.float32 and got.coef_.is_cuda
    np.testing.assert_allclose(to_numpy(got.coef_), ref.coef_, rtol=1e-5,
                               atol=1e-5 * np.abs(ref.coef_).max())
