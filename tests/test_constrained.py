"""Constrained ridge: the root-found λ meets the norm, against dense solves and Ridge."""

import numpy as np
import pytest
from helpers import dense_ridge, make_regression
from sklearn.utils.estimator_checks import check_estimator

from ridgekit import Ridge
from ridgekit.decompose import build_spectrum
from ridgekit.linear_model._constrained import ConstrainedRidge, alpha_for_norm
from ridgekit.tikhonov import second_difference, tikhonov_spectrum


def test_budget_is_met_for_many_targets(rng):
    n, p, t = 80, 12, 400
    X = rng.normal(size=(n, p))
    Y = X @ rng.normal(size=(p, t)) + rng.normal(size=(n, t)) * rng.uniform(0.1, 10, t)
    spec = build_spectrum(X, Y, None, True, "svd")
    ols = np.linalg.norm(spec.coef(0.0), axis=1)
    budget = (ols * rng.uniform(0.01, 0.99, t)) ** 2
    sol = alpha_for_norm(spec, budget)
    assert sol.alpha.shape == (t,) and np.all(sol.alpha > 0)
    got = np.linalg.norm(spec.coef(sol.alpha), axis=1) ** 2  # from the coefficients themselves
    np.testing.assert_allclose(got, budget, rtol=1e-10)
    np.testing.assert_allclose(sol.ols_norm, ols, rtol=1e-10)
    assert sol.n_iter < 20


def test_dense_solve_at_found_alpha_has_the_norm(rng):
    X, Y = make_regression(rng, 50, 6, t=3)
    w = rng.uniform(0.5, 2, 50)
    spec = build_spectrum(X, Y, w, True, "gram")
    sol = alpha_for_norm(spec, fraction=[0.2, 0.5, 0.9])
    for j in range(3):
        beta, _, _ = dense_ridge(X, Y[:, [j]], w, sol.alpha[j])
        ols, _, _ = dense_ridge(X, Y[:, [j]], w, 0.0)
        ratio = np.linalg.norm(beta) / np.linalg.norm(ols)
        np.testing.assert_allclose(ratio, [0.2, 0.5, 0.9][j], rtol=1e-10)


def test_fraction_table_and_trivial_budgets(rng):
    X, Y = make_regression(rng, 40, 5, t=4)
    spec = build_spectrum(X, Y, None, False, "svd")
    fracs = np.array([[0.001], [0.3], [0.999], [1.0], [2.0]])
    sol = alpha_for_norm(spec, fraction=fracs)
    assert sol.alpha.shape == (5, 4)
    np.testing.assert_allclose(sol.coef_norm / sol.ols_norm, np.minimum(fracs, 1.0) + 0 * sol.alpha,
                               rtol=1e-10)
    assert np.all(sol.alpha[3:] == 0) and np.all(np.diff(sol.alpha[:3], axis=0) < 0)
    big = alpha_for_norm(spec, budget=(sol.ols_norm * 1.5) ** 2)  # budget >= OLS norm
    assert np.all(big.alpha == 0)


def test_tikhonov_constraint_is_on_the_penalized_norm(rng):
    X, Y = make_regression(rng, 60, 10)
    G = second_difference(10).toarray()
    prior = rng.normal(size=10)
    spec = tikhonov_spectrum(X, Y, G, coef_prior=prior)
    sol = alpha_for_norm(spec, budget=0.05)
    beta = spec.coef(sol.alpha)[0]
    np.testing.assert_allclose(np.sum((G @ (beta - prior)) ** 2), 0.05, rtol=1e-10)


def test_estimator_equals_ridge_at_its_alpha(rng):
    X, Y = make_regression(rng, 70, 8, t=2)
    m = ConstrainedRidge(budget=[0.3, 1.2]).fit(X, Y)
    ref = Ridge(alpha=m.alpha_, solver="svd").fit(X, Y)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(m.intercept_, ref.intercept_, rtol=1e-9)
    np.testing.assert_allclose(np.sum(m.coef_**2, axis=1), [0.3, 1.2], rtol=1e-10)
    single = ConstrainedRidge(fraction=0.4).fit(X, Y[:, 0])
    assert isinstance(single.alpha_, float)
    np.testing.assert_allclose(np.linalg.norm(single.coef_), 0.4 * single.ols_norm_, rtol=1e-10)
    free = ConstrainedRidge().fit(X, Y[:, 0])  # no constraint: least squares
    assert free.alpha_ == 0.0


def test_check_estimator():
    check_estimator(ConstrainedRidge())
    check_estimator(ConstrainedRidge(fraction=0.6))


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        (dict(budget=0.0), "budget"),
        (dict(budget=-1.0), "budget"),
        (dict(fraction=0.0), "fraction"),
        (dict(budget=1.0, fraction=0.5), "not both"),
        (dict(budget=[1.0, 2.0, 3.0]), "one per target"),
    ],
)
def test_bad_budgets(rng, kwargs, msg):
    X, Y = make_regression(rng, 30, 4, t=2)
    with pytest.raises(ValueError, match=msg):
        ConstrainedRidge(**kwargs).fit(X, Y)


def test_bad_budget_in_function(rng):
    X, Y = make_regression(rng, 30, 4)
    spec = build_spectrum(X, Y, None, True, "svd")
    with pytest.raises(ValueError, match="budget must be > 0"):
        alpha_for_norm(spec, budget=-2.0)
    with pytest.raises(ValueError, match="finite"):
        alpha_for_norm(spec, fraction=np.nan)
    with pytest.raises(ValueError, match="exactly one"):
        alpha_for_norm(spec)
