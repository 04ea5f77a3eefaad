"""Every spectral quantity against a dense solve per λ."""

import numpy as np
import pytest
from helpers import dense_ridge, make_regression

from ridgekit.decompose import REPRESENTATIONS, build_spectrum
from ridgekit.moments import Moments
from ridgekit.spectrum import from_moments

ALPHAS = np.array([0.0, 1e-3, 0.5, 3.0, 100.0])


@pytest.mark.parametrize("rep", list(REPRESENTATIONS))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("shape", [(60, 8), (25, 40)])
def test_quantities_equal_dense_reference(rng, rep, fit_intercept, shape):
    n, p = shape
    X, Y = make_regression(rng, n, p, t=3)
    w = rng.uniform(0.3, 2.0, n)
    spec = REPRESENTATIONS[rep](X, Y, w, fit_intercept)
    grid = ALPHAS[1:] if p > n else ALPHAS
    coefs = spec.coef_path(grid)
    rss = spec.rss(grid)
    norms = spec.coef_norm(grid)
    df = spec.df(grid)
    preds = spec.predict(X[:5], grid)
    for k, a in enumerate(grid):
        beta, b0, A = dense_ridge(X, Y, w, a, fit_intercept)
        np.testing.assert_allclose(coefs[k], beta, rtol=1e-7, atol=1e-9 * np.abs(beta).max())
        np.testing.assert_allclose(spec.intercept(coefs[k]), b0, rtol=1e-7, atol=1e-8)
        resid = Y - X @ beta.T - b0
        np.testing.assert_allclose(rss[k], w @ resid**2, rtol=1e-7, atol=1e-10 * (w @ Y**2).max())
        np.testing.assert_allclose(norms[k], np.linalg.norm(beta, axis=1), rtol=1e-7)
        np.testing.assert_allclose(preds[k], X[:5] @ beta.T + b0, rtol=1e-7, atol=1e-8)
        # hat matrix of the weighted problem, the intercept unpenalized
        P = np.eye(A.shape[1]) * a
        if fit_intercept:
            P[0, 0] = 0
        sw = np.sqrt(w)
        As = A * sw[:, None]
        H = As @ np.linalg.pinv(As.T @ As + P) @ As.T
        np.testing.assert_allclose(df[k], np.trace(H), rtol=1e-7)
        if spec.U is not None:
            np.testing.assert_allclose(spec.leverage([a])[0], np.diag(H), rtol=1e-6, atol=1e-10)
            np.testing.assert_allclose(spec.residuals([a])[0], resid, rtol=1e-6,
                                       atol=1e-8 * np.abs(Y).max())
        Xc = X - (w @ X) / w.sum() if fit_intercept else X
        S = np.linalg.svd(Xc * sw[:, None], compute_uv=False)
        ev = np.r_[S**2, np.zeros(max(0, p - S.size))]
        cond = (ev.max() + a) / (ev.min() + a) if (ev.min() + a) > 1e-9 else np.inf
        got = spec.condition_number([a])[0]
        if np.isfinite(cond) and cond < 1e8:
            np.testing.assert_allclose(got, cond, rtol=1e-6)


def test_filter_factors_closed_form(rng):
    X, Y = make_regression(rng, 40, 5)
    spec = REPRESENTATIONS["svd"](X, Y, None, True)
    d = np.linalg.svd(X - X.mean(0), compute_uv=False)
    f = spec.filter_factors([2.0])[0]
    np.testing.assert_allclose(f, d**2 / (d**2 + 2.0), rtol=1e-12)


def test_with_data_gives_leverage_of_svd(rng):
    X, Y = make_regression(rng, 80, 6)
    gram = from_moments(Moments.from_arrays(X, Y)).with_data(X, Y)
    svd = REPRESENTATIONS["svd"](X, Y, None, True)
    np.testing.assert_allclose(gram.leverage([0.7]), svd.leverage([0.7]), rtol=1e-9)
    np.testing.assert_allclose(gram.residuals([0.7]), svd.residuals([0.7]), rtol=1e-8, atol=1e-10)


def test_leverage_needs_data(rng):
    X, Y = make_regression(rng, 30, 3)
    spec = from_moments(Moments.from_arrays(X, Y))
    with pytest.raises(ValueError, match="needs the data"):
        spec.leverage([1.0])


def test_auto_rule(rng):
    X, Y = make_regression(rng, 50, 5)
    assert build_spectrum(X, Y).representation == "gram"
    X2, Y2 = make_regression(rng, 10, 30)
    assert build_spectrum(X2, Y2).representation == "dual"
    bad = np.c_[X[:, :2], X[:, :2] @ [1.0, 1.0] + 1e-9 * rng.normal(size=50)]
    assert build_spectrum(bad, Y, alpha_min=0.0).representation == "precise"
    with pytest.raises(ValueError, match="unknown solver"):
        build_spectrum(X, Y, representation="cholesky")


@pytest.mark.parametrize("offset", [0.0, 2.0, 1e4])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_dual_kernel_equals_dense_centered_kernel(rng, offset, weighted, fit_intercept):
    """One syrk of X centered algebraically (small offsets) or centered column blocks
    (large offsets): both equal the kernel of the explicitly centered, weighted X."""
    from ridgekit.spectrum import DualKernel

    n, p = 40, 300
    X = rng.normal(size=(n, p)) + offset * rng.normal(size=p)
    Y = rng.normal(size=(n, 2))
    w = rng.uniform(0.2, 3.0, n) if weighted else np.ones(n)
    kern = DualKernel.from_arrays(X, Y, w if weighted else None, fit_intercept)
    mx = w @ X / w.sum() if fit_intercept else np.zeros(p)
    Xt = (X - mx) * np.sqrt(w)[:, None]
    ref = Xt @ Xt.T
    np.testing.assert_allclose(kern.K, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    np.testing.assert_allclose(kern.mean_x, mx, rtol=1e-12, atol=1e-12)
    a = rng.normal(size=(n, 3))
    np.testing.assert_allclose(kern.to_coef(a), Xt.T @ a, rtol=1e-10,
                               atol=1e-10 * np.abs(Xt.T @ a).max())
    fresh = DualKernel.from_arrays(X, Y, w if weighted else None, fit_intercept)
    np.testing.assert_allclose(fresh.to_coef(a), Xt.T @ a, rtol=1e-10,  # means on the way
                               atol=1e-10 * np.abs(Xt.T @ a).max())
    np.testing.assert_allclose(fresh.mean_x, mx, rtol=1e-12, atol=1e-12)
