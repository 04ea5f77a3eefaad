"""General-form Tikhonov against Ridge, rescaled ridge, dense solves and dense hat matrices."""

import numpy as np
import pytest
from helpers import make_regression, rel
from scipy import sparse
from sklearn.utils.estimator_checks import check_estimator

from ridgekit import Ridge
from ridgekit.linear_model._tikhonov import Tikhonov, tikhonov_path
from ridgekit.tikhonov import (
    TIKHONOV_SOLVERS,
    difference_operator,
    first_difference,
    second_difference,
    tikhonov_spectrum,
)


def dense_tikhonov(X, Y, w, G, alpha, fit_intercept, prior=None):
    """Reference: one dense solve with an explicit unpenalized intercept column.

    Returns coef (t, p), intercept (t,), and the hat matrix of the weighted problem."""
    n, p = X.shape
    A = np.c_[np.ones(n), X] if fit_intercept else X
    o = int(fit_intercept)
    P = np.zeros((A.shape[1],) * 2)
    P[o:, o:] = G.T @ G
    sw = np.sqrt(w)
    As = A * sw[:, None]
    M = As.T @ As + alpha * P
    rhs = As.T @ (sw[:, None] * Y)
    if prior is not None:
        rhs[o:] += alpha * (G.T @ G) @ np.atleast_2d(prior).T
    sol = np.linalg.solve(M, rhs)
    H = As @ np.linalg.solve(M, As.T)
    b0 = sol[0] if fit_intercept else np.zeros(Y.shape[1])
    return sol[o:].T, b0, H


def test_difference_operators():
    D1, D2 = first_difference(6).toarray(), second_difference(6).toarray()
    assert D1.shape == (5, 6) and D2.shape == (4, 6)
    np.testing.assert_array_equal(D1[0], [-1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(D2[1], [0, 1, -2, 1, 0, 0])
    np.testing.assert_array_equal(difference_operator(7, 3).toarray()[0], [-1, 3, -3, 1, 0, 0, 0])
    t = np.arange(6.0)
    np.testing.assert_allclose(D1 @ np.ones(6), 0)
    np.testing.assert_allclose(D2 @ (2 + 3 * t), 0, atol=1e-12)
    assert np.abs(D2 @ t**2).min() > 1  # quadratics are penalized
    with pytest.raises(ValueError, match="n_features"):
        difference_operator(2, 2)


@pytest.mark.parametrize("solver", ["auto", "gram", "svd", "precise"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_identity_gamma_equals_ridge(rng, solver, fit_intercept):
    X, Y = make_regression(rng, 50, 7, t=2)
    w = rng.uniform(0.3, 2.0, 50)
    ours = Tikhonov(alpha=[0.7, 3.0], gamma=np.eye(7), fit_intercept=fit_intercept,
                    solver=solver).fit(X, Y, w)
    ref = Ridge(alpha=[0.7, 3.0], fit_intercept=fit_intercept, solver="svd").fit(X, Y, w)
    assert rel(ours.coef_, ref.coef_) < 1e-10
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-10)
    plain = Tikhonov(alpha=[0.7, 3.0], fit_intercept=fit_intercept).fit(X, Y, w)  # Γ = None
    assert rel(plain.coef_, ref.coef_) < 1e-10


def test_diagonal_gamma_equals_ridge_on_rescaled_features(rng):
    X, Y = make_regression(rng, 60, 6)
    g = np.array([0.5, 1.0, 2.0, 3.0, 0.1, 7.0])
    for gamma in (np.diag(g), sparse.diags(g)):
        ours = Tikhonov(alpha=2.0, gamma=gamma).fit(X, Y[:, 0])
        ref = Ridge(alpha=2.0, solver="svd").fit(X / g, Y[:, 0])
        assert rel(ours.coef_, ref.coef_ / g) < 1e-10
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10)
    # penalty factors c act as Γ = diag(√c)
    by_factor = Tikhonov(alpha=2.0, penalty_factor=g**2).fit(X, Y[:, 0])
    assert rel(by_factor.coef_, ref.coef_ / g) < 1e-10


def _operators(p, rng):
    return {
        "second_difference": second_difference(p),
        "first_difference_dense": first_difference(p).toarray(),
        "wide_random": rng.normal(size=(p - 3, p)),
        "tall_random": rng.normal(size=(p + 2, p)),
        "rank_deficient_square": np.vstack([second_difference(p).toarray(), np.zeros((2, p))]),
        "second_difference_with_factors": (second_difference(p), np.r_[0.0, np.ones(p - 1)]),
    }


@pytest.mark.parametrize("solver", TIKHONOV_SOLVERS)
@pytest.mark.parametrize("shape", [(45, 9), (20, 30)])
def test_general_gamma_equals_dense_solve(rng, solver, shape):
    n, p = shape
    X, Y = make_regression(rng, n, p, t=2)
    w = rng.uniform(0.5, 2.0, n)
    for name, op in _operators(p, rng).items():
        G, factor = op if isinstance(op, tuple) else (op, None)
        Gd = G.toarray() if sparse.issparse(G) else G
        if factor is not None:
            Gd = Gd * np.sqrt(factor)
        for fit_intercept in (True, False):
            spec = tikhonov_spectrum(X, Y, G, penalty_factor=factor, sample_weight=w,
                                     fit_intercept=fit_intercept, solver=solver, alpha_min=0.1)
            for alpha in (0.1, 4.0, 300.0):
                beta, b0, _ = dense_tikhonov(X, Y, w, Gd, alpha, fit_intercept)
                got = spec.coef(alpha)
                assert rel(got, beta) < 1e-9, (name, fit_intercept, alpha, spec.method)
                np.testing.assert_allclose(spec.intercept(got), b0, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("solver", ["auto", "gsvd", "svd", "dual"])
def test_prior_mean_and_multi_target(rng, solver):
    n, p = 40, 8
    X, Y = make_regression(rng, n, p, t=3)
    G = second_difference(p).toarray()
    prior = rng.normal(size=(3, p))
    w = np.ones(n)
    model = Tikhonov(alpha=[0.5, 5.0, 50.0], gamma=G, coef_prior=prior, solver=solver).fit(X, Y)
    for k, a in enumerate([0.5, 5.0, 50.0]):
        beta, b0, _ = dense_tikhonov(X, Y[:, [k]], w, G, a, True, prior[k])
        assert rel(model.coef_[k], beta[0]) < 1e-9
        np.testing.assert_allclose(model.intercept_[k], b0[0], rtol=1e-9)
    # as λ → ∞ the penalized part of β equals the prior: Γ(β - β_prior) → 0
    far = Tikhonov(alpha=1e12, gamma=G, coef_prior=prior[0]).fit(X, Y[:, 0])
    assert np.abs(G @ (far.coef_ - prior[0])).max() < 1e-8


@pytest.mark.parametrize("solver", ["gsvd", "svd", "gram", "dual", "precise"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_df_rss_leverage_norm_against_dense_hat_matrix(rng, solver, fit_intercept):
    n, p = 36, 8
    X, Y = make_regression(rng, n, p, t=2)
    w = rng.uniform(0.4, 2.5, n)
    G = second_difference(p).toarray()
    prior = rng.normal(size=p)
    spec = tikhonov_spectrum(X, Y, G, coef_prior=prior, sample_weight=w,
                             fit_intercept=fit_intercept, solver=solver)
    assert spec.n_unpenalized == 2
    grid = np.array([0.2, 3.0, 80.0])
    df, rss, lev = spec.df(grid), spec.rss(grid), spec.leverage(grid)
    norms, preds = spec.coef_norm(grid), spec.predict(X[:4], grid)
    for k, a in enumerate(grid):
        beta, b0, H = dense_tikhonov(X, Y, w, G, a, fit_intercept, prior)
        resid = Y - X @ beta.T - b0
        np.testing.assert_allclose(df[k], np.trace(H), rtol=1e-10)
        np.testing.assert_allclose(lev[k], np.diag(H), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(rss[k], w @ resid**2, rtol=1e-9)
        np.testing.assert_allclose(norms[k], np.linalg.norm((beta - prior) @ G.T, axis=1),
                                   rtol=1e-9)
        np.testing.assert_allclose(preds[k], X[:4] @ beta.T + b0, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(spec.residuals([a])[0], resid, rtol=1e-9, atol=1e-9)
    # yy is the RSS as λ → ∞: least squares on the intercept and the null space of Γ
    A0 = np.c_[np.ones(n), X @ np.c_[np.ones(p), np.arange(p)]] if fit_intercept else \
        X @ np.c_[np.ones(p), np.arange(p)]
    e = Y - X @ prior[:, None]
    sw = np.sqrt(w)[:, None]
    coef0 = np.linalg.lstsq(A0 * sw, e * sw, rcond=None)[0]
    np.testing.assert_allclose(spec.yy, w @ (e - A0 @ coef0) ** 2, rtol=1e-9)
    np.testing.assert_allclose(spec.rss([1e14])[0], spec.yy, rtol=1e-9)


def test_zero_penalty_factor_is_least_squares_on_that_direction(rng):
    n, p = 50, 6
    X, Y = make_regression(rng, n, p)
    y = Y[:, 0]
    factor = np.array([1.0, 0.0, 1.0, 2.0, 0.5, 1.0])
    for alpha in (0.5, 50.0):
        m = Tikhonov(alpha=alpha, penalty_factor=factor).fit(X, y)
        resid = y - m.predict(X)
        xc = X[:, 1] - X[:, 1].mean()
        # normal equation of the unpenalized coefficient: residual ⟂ its column
        assert abs(xc @ resid) < 1e-9 * np.linalg.norm(xc) * np.linalg.norm(y)
        assert m.n_unpenalized_ == 1
    huge = Tikhonov(alpha=1e13, penalty_factor=factor).fit(X, y)
    slope = np.polyfit(X[:, 1], y, 1)[0]  # least squares on that direction alone
    np.testing.assert_allclose(huge.coef_[1], slope, rtol=1e-7)
    assert np.abs(np.delete(huge.coef_, 1)).max() < 1e-8


def test_auto_routes(rng):
    X, Y = make_regression(rng, 80, 10)
    G = second_difference(10)
    assert tikhonov_spectrum(X, Y, G, alpha_min=1.0).method == "gsvd"
    assert tikhonov_spectrum(X, Y, G, alpha_min=0.0).method == "standard"
    assert tikhonov_spectrum(X, Y, np.diag(np.arange(1.0, 11)), alpha_min=1.0).method == \
        "standard"
    Xw, Yw = make_regression(rng, 20, 40)
    assert tikhonov_spectrum(Xw, Yw, second_difference(40), alpha_min=1.0).representation \
        == "svd"
    assert tikhonov_spectrum(Xw, Yw, penalty_factor=np.r_[0.0, np.ones(39)]).representation \
        == "dual"


def test_path_and_estimator_agree_off_grid(rng):
    X, Y = make_regression(rng, 60, 12, t=2)
    G = second_difference(12)
    path = tikhonov_path(X, Y, np.logspace(-2, 3, 9), gamma=G)
    for a in (0.037, 2.5, 700.0):
        m = Tikhonov(alpha=a, gamma=G).fit(X, Y)
        assert rel(path.coef(a), m.coef_) < 1e-9
        np.testing.assert_allclose(path.predict(X[:3], a), m.predict(X[:3]), rtol=1e-9)
    assert np.all(np.diff(path.df) < 0) and np.all(path.df > 3)  # intercept + 2 unpenalized


def test_check_estimator():
    check_estimator(Tikhonov())
    check_estimator(Tikhonov(alpha=0.5, penalty_factor=0.5, solver="gsvd"))


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        (dict(gamma=np.eye(4)), "gamma has 4 columns but X has 5 features"),
        (dict(gamma=np.ones(5)), "2-D"),
        (dict(gamma=np.full((2, 5), np.nan)), "NaN"),
        (dict(penalty_factor=[1, -1, 1, 1, 1]), r"penalty_factor must be >= 0.*\[1\]"),
        (dict(penalty_factor=[1, 1]), "one per feature"),
        (dict(coef_prior=np.ones(3)), "coef_prior has shape"),
    ],
)
def test_bad_input_names_the_problem(rng, kwargs, msg):
    X, Y = make_regression(rng, 30, 5)
    with pytest.raises(ValueError, match=msg):
        Tikhonov(**kwargs).fit(X, Y[:, 0])


def test_unidentifiable_null_space_is_a_clear_error(rng):
    X, Y = make_regression(rng, 30, 5)
    X[:, 3] = X[:, 2]  # two unpenalized, identical columns
    with pytest.raises(ValueError, match=r"not identifiable.*features \[2, 3\]"):
        Tikhonov(penalty_factor=[1, 1, 0, 0, 1]).fit(X, Y[:, 0])
    Z = X - X.mean(axis=1, keepdims=True)  # every row sums to 0: Z·1 = 0
    with pytest.raises(ValueError, match="null space of Γ is not identifiable"):
        Tikhonov(gamma=first_difference(5), fit_intercept=False).fit(Z, Y[:, 0])


def test_selection_rules_work_on_tikhonov(rng):
    from ridgekit.select import discrepancy, gcv, lcurve, loo_errors

    n, p = 24, 8
    X, Y = make_regression(rng, n, p)
    w = rng.uniform(0.5, 2.0, n)
    G = second_difference(p)
    spec = tikhonov_spectrum(X, Y, G, sample_weight=w, solver="gsvd")
    grid = np.array([0.05, 1.0, 30.0])
    loo = loo_errors(spec, grid)
    for i in range(n):  # brute force: refit without row i
        keep = np.arange(n) != i
        for k, a in enumerate(grid):
            m = Tikhonov(alpha=a, gamma=G).fit(X[keep], Y[keep, 0], w[keep])
            np.testing.assert_allclose(loo[k, i, 0], Y[i, 0] - m.predict(X[i:i + 1])[0],
                                       rtol=1e-8, atol=1e-10)
    sel = gcv(spec, grid, warn_edge=False)
    for k, a in enumerate(grid):
        beta, b0, H = dense_tikhonov(X, Y, w, G.toarray(), a, True)
        rss = w @ (Y - X @ beta.T - b0) ** 2 * n / w.sum()
        np.testing.assert_allclose(sel.mean[k], n * rss[0] / (n - np.trace(H)) ** 2, rtol=1e-9)
    corner = lcurve(spec, np.logspace(-3, 3, 30), warn_edge=False)
    assert 1e-3 <= corner.alpha <= 1e3
    target = 1.3 * spec.rss([0.0])[0, 0]
    d = discrepancy(spec, sigma2=target / w.sum())
    np.testing.assert_allclose(spec.rss([d.alpha])[0, 0], target, rtol=1e-9)


@pytest.mark.parametrize("make", ["phillips", "shaw"])
def test_ill_posed_problems_against_stacked_least_squares(make):
    from ridgekit import datasets

    A, b, x_true = getattr(datasets, make)(64, noise=0.01, random_state=0)
    G = second_difference(64).toarray()
    grid = np.array([1e-6, 1e-3, 1.0])
    spec = tikhonov_spectrum(A, b, second_difference(64), fit_intercept=False,
                             alpha_min=grid.min())
    assert spec.method == "standard"  # the pencil would be too inaccurate here
    for a in grid:
        # backward-stable reference that never forms AᵀA: min ‖[A; √λΓ]x − [b; 0]‖
        ref = np.linalg.lstsq(np.vstack([A, np.sqrt(a) * G]), np.r_[b, np.zeros(62)],
                              rcond=None)[0]
        assert rel(spec.coef(a)[0], ref) < 1e-8
    x = spec.coef(1.0)[0]  # a reasonable λ for 1 % noise recovers the solution
    assert np.linalg.norm(x - x_true) < 0.3 * np.linalg.norm(x_true)


def test_pencil_path_without_eigenvectors_matches_dense_and_spectral(rng):
    n, p = 60, 14
    X, Y = make_regression(rng, n, p, t=3)
    w = rng.uniform(0.5, 2.0, n)
    G = second_difference(p)
    Gd = G.toarray()
    spec = tikhonov_spectrum(X, Y, G, sample_weight=w, solver="gsvd")
    grid = np.array([0.05, 1.0, 40.0, 2e3])
    path = spec.coef_path(grid)
    per_target = spec.coef(np.array([0.05, 40.0, 0.05]))
    # coefficients come from tridiagonal solves: the eigenvectors were never needed
    assert not {"d", "uty", "basis"} & set(spec.__dict__)
    for k, a in enumerate(grid):
        assert rel(path[k], dense_tikhonov(X, Y, w, Gd, a, True)[0]) < 1e-9
    for j, a in enumerate([0.05, 40.0, 0.05]):
        beta = dense_tikhonov(X, Y[:, [j]], w, Gd, a, True)[0][0]
        assert rel(per_target[j], beta) < 1e-9
    # the spectral form, built on first use, gives the same path
    spectral = super(type(spec), spec).coef_path(grid) + spec.offset[None]
    assert "uty" in spec.__dict__
    assert rel(spectral, path) < 1e-9
    # λ = 0 is answered by the spectral form: least squares (X has full column rank)
    A = np.c_[np.ones(n), X] * np.sqrt(w)[:, None]
    ls = np.linalg.lstsq(A, Y * np.sqrt(w)[:, None], rcond=None)[0][1:].T
    assert rel(spec.coef_path(np.r_[0.0, grid])[0], ls) < 1e-8


def test_pencil_with_undetermined_directions_keeps_spectral_accuracy(rng):
    # p > n: the data leave directions undetermined; the tridiagonal solves would amplify
    # their rounding noise by s/λ, so coefficients come from the spectral form instead
    n, p = 20, 40
    X = 100 * rng.standard_normal((n, p))
    y = rng.standard_normal(n)
    G = second_difference(p)
    spec = tikhonov_spectrum(X, y, G, solver="gsvd")
    assert not spec.pencil.full_rank
    Xt, yt = X - X.mean(0), y - y.mean()
    for lam in (1e-6, 1e-4, 1.0):
        stacked = np.vstack([Xt, np.sqrt(lam) * G.toarray()])
        ref = np.linalg.lstsq(stacked, np.r_[yt, np.zeros(p - 2)], rcond=None)[0]
        assert rel(spec.coef(lam)[0], ref) < 1e-8, lam


def test_pencil_spectrum_pickles_and_answers_infinite_lambda(rng):
    import pickle

    X, Y = make_regression(rng, 50, 12, t=2)
    spec = tikhonov_spectrum(X, Y, second_difference(12), solver="gsvd")
    before = pickle.loads(pickle.dumps(spec))
    np.testing.assert_allclose(before.coef(1.0), spec.coef(1.0), rtol=1e-14)
    grid = [0.5, 5.0]
    after = pickle.loads(pickle.dumps(spec.with_data(X, Y)))  # deferred parts filled
    np.testing.assert_allclose(after.rss(grid), spec.rss(grid), rtol=1e-14)
    np.testing.assert_allclose(after.V, spec.V, rtol=1e-14)
    # λ = ∞: the coefficients as λ → ∞ (the least-squares fit of the unpenalized part)
    np.testing.assert_allclose(spec.coef(np.inf), spec.offset)
    np.testing.assert_allclose(spec.coef(1e15), spec.offset, atol=1e-9)


def test_nothing_penalized_or_nothing_to_fit(rng):
    X = rng.standard_normal((30, 3))
    y = rng.standard_normal(30)
    ls = np.linalg.lstsq(np.c_[np.ones(30), X], y, rcond=None)[0][1:]
    for kwargs in ({"gamma": np.zeros((2, 3))}, {"penalty_factor": 0.0}):
        np.testing.assert_allclose(tikhonov_spectrum(X, y, **kwargs).coef(1.0)[0], ls,
                                   rtol=1e-10)
    np.testing.assert_allclose(Tikhonov(penalty_factor=0).fit(X, y).coef_, ls, rtol=1e-10)
    constant = tikhonov_spectrum(np.ones((30, 3)), y, 2 * np.eye(3))  # X̃ = 0 after centering
    np.testing.assert_array_equal(constant.coef(1.0), np.zeros((1, 3)))
