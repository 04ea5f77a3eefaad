"""BayesianRidge against scikit-learn, dense Gaussian densities and Monte Carlo."""

import numpy as np
import pytest
from helpers import make_regression
from scipy import stats
from sklearn.linear_model import BayesianRidge as SkBayesianRidge
from sklearn.utils.estimator_checks import check_estimator

from ridgekit import Ridge
from ridgekit.decompose import build_spectrum
from ridgekit.linear_model._bayes import BayesianRidge, fit_evidence, log_evidence


def _problem(rng, n=60, p=6, noise=1.0):
    X = rng.normal(size=(n, p)) + rng.normal(size=p)
    y = X @ (0.5 * rng.normal(size=p)) + 2.0 + noise * rng.normal(size=n)
    return X, y


def _sklearn(prior, **kw):
    return SkBayesianRidge(alpha_1=prior, alpha_2=prior, lambda_1=prior, lambda_2=prior,
                           tol=1e-14, max_iter=100_000, **kw)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weights", [None, "integer", "real"])
@pytest.mark.parametrize("prior", [0.0, 1e-6])
def test_matches_sklearn(rng, fit_intercept, weights, prior):
    X, y = _problem(rng)
    w = {None: None, "integer": rng.integers(1, 4, 60).astype(float),
         "real": rng.uniform(0.3, 3.0, 60)}[weights]
    ref = _sklearn(prior, fit_intercept=fit_intercept).fit(X, y, w)
    ours = BayesianRidge(noise_shape=prior, noise_rate=prior, weight_shape=prior,
                         weight_rate=prior, fit_intercept=fit_intercept).fit(X, y, w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.noise_precision_, ref.alpha_, rtol=1e-6)
    np.testing.assert_allclose(ours.weight_precision_, ref.lambda_, rtol=1e-6)
    np.testing.assert_allclose(ours.alpha_, ref.lambda_ / ref.alpha_, rtol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_evidence_equals_dense_gaussian_density(rng, fit_intercept):
    X, y = _problem(rng, n=40, p=5)
    model = BayesianRidge(fit_intercept=fit_intercept).fit(X, y)
    Xc = X - X.mean(axis=0) if fit_intercept else X
    yc = y - y.mean() if fit_intercept else y
    for lam, s2 in [(model.alpha_, model.sigma2_), (0.3, 2.0), (50.0, 0.7)]:
        cov = s2 * np.eye(40) + (s2 / lam) * Xc @ Xc.T
        dense = stats.multivariate_normal(np.zeros(40), cov).logpdf(yc)
        np.testing.assert_allclose(model.log_evidence([lam], s2)[0], dense, rtol=1e-12)
    np.testing.assert_allclose(model.log_evidence_, model.log_evidence([model.alpha_],
                                                                       model.sigma2_)[0])


def test_evidence_with_integer_weights_is_density_of_repeated_rows(rng):
    X, y = _problem(rng, n=25, p=4)
    w = rng.integers(1, 4, 25)
    model = BayesianRidge().fit(X, y, w.astype(float))
    Xr, yr = np.repeat(X, w, axis=0), np.repeat(y, w)
    Xc, yc = Xr - Xr.mean(axis=0), yr - yr.mean()
    lam, s2 = model.alpha_, model.sigma2_
    cov = s2 * np.eye(yr.size) + (s2 / lam) * Xc @ Xc.T
    dense = stats.multivariate_normal(np.zeros(yr.size), cov).logpdf(yc)
    np.testing.assert_allclose(model.log_evidence_, dense, rtol=1e-12)


def test_fit_is_the_maximum_of_the_evidence(rng):
    X, y = _problem(rng)
    model = BayesianRidge().fit(X, y)
    lam, s2 = model.alpha_, model.sigma2_
    best = model.log_evidence([lam], s2)[0]
    for factor in (0.999, 1.001):
        assert model.log_evidence([lam * factor], s2)[0] < best
        assert model.log_evidence([lam], s2 * factor)[0] < best
    grid = np.logspace(-4, 4, 400) * lam
    assert np.max(model.log_evidence(grid)) <= best + 1e-9  # profile over σ² too
    # fixing σ² instead: the λ maximizes the evidence at that σ²
    fixed = BayesianRidge(sigma2=2 * s2).fit(X, y)
    curve = model.log_evidence(grid, 2 * s2)
    assert abs(np.log(grid[np.argmax(curve)] / fixed.alpha_)) < 0.03
    # fixing λ: σ² is the closed-form maximizer Q(λ)/n
    at = BayesianRidge(alpha=3.0).fit(X, y)
    assert at.alpha_ == 3.0
    rss = np.sum((y - at.predict(X)) ** 2)
    np.testing.assert_allclose(at.sigma2_, (rss + 3.0 * at.coef_ @ at.coef_) / 60, rtol=1e-10)


def test_posterior_mean_is_ridge_and_multitarget(rng):
    X, Y = make_regression(rng, 50, 5, t=3)
    model = BayesianRidge().fit(X, Y)
    ref = Ridge(alpha=model.alpha_, solver="svd").fit(X, Y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10)
    for j in range(3):
        single = BayesianRidge().fit(X, Y[:, j])
        np.testing.assert_allclose(single.coef_, model.coef_[j], rtol=1e-10)
        np.testing.assert_allclose(single.alpha_, model.alpha_[j], rtol=1e-10)


@pytest.mark.parametrize("shape", [(40, 5), (15, 30)])
def test_posterior_covariance_intervals_and_samples(rng, shape):
    n, p = shape
    X, y = _problem(rng, n, p)
    model = BayesianRidge(alpha=2.0, sigma2=0.8).fit(X, y)
    Xc = X - X.mean(axis=0)
    dense = 0.8 * np.linalg.inv(Xc.T @ Xc + 2.0 * np.eye(p))
    cov = model.coef_covariance()
    np.testing.assert_allclose(cov, dense, rtol=1e-9, atol=1e-12)
    lower, upper = model.coef_interval(0.9)
    half = stats.norm.ppf(0.95) * np.sqrt(np.diag(dense))
    np.testing.assert_allclose(upper - model.coef_, half, rtol=1e-9)
    np.testing.assert_allclose(model.coef_ - lower, half, rtol=1e-9)
    draws = model.sample_coef(20_000, random_state=0)
    assert draws.shape == (20_000, p)
    N = draws.shape[0]
    sd = np.sqrt(np.diag(dense))
    assert np.all(np.abs(draws.mean(axis=0) - model.coef_) < 4.5 * sd / np.sqrt(N))
    emp = np.cov(draws, rowvar=False)
    se = np.sqrt((np.outer(sd**2, sd**2) + dense**2) / N)
    assert np.all(np.abs(emp - dense) < 5 * se)


def test_predictive_std_dense_and_monte_carlo(rng):
    X, y = _problem(rng, 30, 4)
    model = BayesianRidge().fit(X, y)
    Xnew = rng.normal(size=(3, 4)) + X.mean(axis=0)
    mean, std = model.predict(Xnew, return_std=True)
    s2, Sigma = model.sigma2_, model.coef_covariance()
    xc = Xnew - X.mean(axis=0)
    dense = np.sqrt(s2 + np.einsum("np,pq,nq->n", xc, Sigma, xc) + s2 / 30)
    np.testing.assert_allclose(std, dense, rtol=1e-10)
    # Monte Carlo: β from the posterior, β0 | β from its flat-prior posterior, new noise
    N = 40_000
    draws = model.sample_coef(N, random_state=1)
    mc_rng = np.random.default_rng(2)
    b0 = y.mean() - draws @ X.mean(axis=0) + np.sqrt(s2 / 30) * mc_rng.standard_normal(N)
    ynew = draws @ Xnew.T + b0[:, None] + np.sqrt(s2) * mc_rng.standard_normal((N, 3))
    assert np.all(np.abs(ynew.mean(axis=0) - mean) < 4.5 * std / np.sqrt(N))
    assert np.all(np.abs(ynew.std(axis=0) / std - 1) < 4.5 / np.sqrt(2 * N))
    # without an intercept scikit-learn's formula is the same
    no_b0 = BayesianRidge(fit_intercept=False).fit(X, y)
    ref = _sklearn(0.0, fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(no_b0.predict(Xnew, return_std=True)[1],
                               ref.predict(Xnew, return_std=True)[1], rtol=1e-6)


def test_functions_on_a_spectrum(rng):
    X, y = _problem(rng)
    spec = build_spectrum(X, y[:, None], None, True, "svd")
    fit = fit_evidence(spec)
    curve = log_evidence(spec, [fit.alpha[0]])
    np.testing.assert_allclose(curve[0], fit.log_evidence, rtol=1e-12)
    assert not fit.on_boundary[0]
    Xw, yw = _problem(rng, 20, 40)
    wide = build_spectrum(Xw, yw[:, None], None, True, "dual")
    assert fit_evidence(wide).on_boundary[0]  # interpolating design: σ² → 0


def test_check_estimator():
    check_estimator(BayesianRidge())


def test_bad_input(rng):
    X, y = _problem(rng)
    with pytest.raises(ValueError, match="alpha"):
        BayesianRidge(alpha=0.0).fit(X, y)
    with pytest.raises(ValueError, match="sigma2"):
        BayesianRidge(sigma2=-1.0).fit(X, y)
    model = BayesianRidge().fit(X, y)
    with pytest.raises(ValueError, match="level"):
        model.coef_interval(1.5)
    with pytest.raises(ValueError, match="alphas > 0"):
        model.log_evidence([0.0])
