"""Issue 10, selection side: per-target scoring, self-refining default grid, cv iterables,
rules by name, GCV forms, one df convention, lazy import, summary, warning location.

Every check is against an independent reference: scikit-learn, a brute-force refit loop,
dense hat matrices, closed forms."""

from __future__ import annotations

import code
import contextlib
import io
import subprocess
import sys
import warnings

import numpy as np
import pytest
from helpers import make_regression
from scipy.optimize import minimize_scalar
from sklearn.datasets import load_diabetes
from sklearn.linear_model import BayesianRidge
from sklearn.linear_model import Ridge as SkRidge
from sklearn.linear_model import RidgeCV as SkRidgeCV
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold

from ridgekit import RidgeCV
from ridgekit.datasets import load_prostate
from ridgekit.decompose import build_spectrum
from ridgekit.select import (
    GridEdgeWarning,
    degrees_of_freedom,
    discrepancy,
    evidence,
    gcv,
    hkb,
    lawless_wang,
    lcurve,
    loo,
    select_by_name,
    target_df,
)


def _three_targets(rng):
    """Targets that prefer very different penalties (signal shrinking from strong to none)."""
    X = rng.normal(size=(80, 10))
    beta = rng.normal(size=10)
    Y = np.column_stack([X @ beta * s + rng.normal(size=80) for s in (3.0, 0.3, 0.0)])
    return X, Y


def _dense_hat(X, alpha):
    """Hat matrix of ridge with an unpenalized intercept, and of the centered design."""
    Xc = X - X.mean(axis=0)
    Hc = Xc @ np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T)
    return Hc + 1.0 / X.shape[0], Hc


def _dense_loo(X, y, alpha):
    H, _ = _dense_hat(X, alpha)
    r = (y - H @ y) / (1 - np.diag(H))
    return np.mean(r**2)


# ------------------------------------------------------------------ item 2: per target
@pytest.mark.parametrize("scoring", ["r2", "neg_mean_absolute_error"])
def test_per_target_scoring_matches_sklearn(rng, scoring):
    X, Y = _three_targets(rng)
    ours = RidgeCV(alphas=(1, 100, 1000), alpha_per_target=True, scoring=scoring).fit(X, Y)
    ref = SkRidgeCV(alphas=(1, 100, 1000), alpha_per_target=True, scoring=scoring).fit(X, Y)
    np.testing.assert_array_equal(ours.alpha_, ref.alpha_)
    assert len(set(ours.alpha_)) > 1
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)


def test_per_target_scored_kfold_against_refit_loop(rng):
    X, Y = _three_targets(rng)
    grid = np.array([0.1, 1.0, 10.0, 100.0, 1000.0])
    ours = RidgeCV(grid, cv=KFold(4), alpha_per_target=True, scoring="r2").fit(X, Y)
    scores = np.zeros((grid.size, 3))
    for train, test in KFold(4).split(X):
        for i, a in enumerate(grid):
            pred = SkRidge(alpha=a).fit(X[train], Y[train]).predict(X[test])
            scores[i] += [r2_score(Y[test, j], pred[:, j]) for j in range(3)]
    np.testing.assert_array_equal(ours.alpha_, grid[np.argmax(scores, axis=0)])


def test_scorer_that_needs_all_targets_raises(rng):
    X, Y = _three_targets(rng)

    def needs_2d(estimator, X_, y_):
        if np.ndim(y_) != 2:
            raise ValueError("this scorer needs every target at once")
        return -np.mean((estimator.predict(X_) - y_) ** 2)

    with pytest.raises(ValueError, match="one target at a time"):
        RidgeCV((1, 10), alpha_per_target=True, scoring=needs_2d).fit(X, Y)
    # pooled over targets it works, and matches the pooled sklearn choice
    m = RidgeCV((1, 10, 100), scoring=needs_2d).fit(X, Y)
    ref = SkRidgeCV((1, 10, 100), scoring="neg_mean_squared_error").fit(X, Y)
    assert m.alpha_ == ref.alpha_


# ------------------------------------------------------------------ item 6: the grid
def test_diabetes_loo_optimum_found_with_default_grid():
    X, y = load_diabetes(return_X_y=True, scaled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        model = RidgeCV().fit(X, y)
    ref = minimize_scalar(lambda t: _dense_loo(X, y, np.exp(t)), bounds=(np.log(0.05),
                          np.log(5.0)), method="bounded", options={"xatol": 1e-9})
    assert model.alpha_ == pytest.approx(np.exp(ref.x), rel=1e-4)
    assert 0.45 < model.alpha_ < 0.55
    assert model.selection_.refined
    assert -model.best_score_ == pytest.approx(_dense_loo(X, y, model.alpha_), rel=1e-9)


@pytest.mark.parametrize("cv", ["gcv", 5])
def test_diabetes_gcv_and_kfold_interior_with_default_grid(cv):
    X, y = load_diabetes(return_X_y=True, scaled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        model = RidgeCV(cv=cv).fit(X, y)
    if cv == "gcv":
        def crit(a):
            H, _ = _dense_hat(X, a)
            return len(y) * np.sum((y - H @ y) ** 2) / (len(y) - np.trace(H)) ** 2
    else:
        def crit(a):  # brute-force refit per fold, weighted by fold size as cv.glmnet
            err = [np.sum((y[te] - SkRidge(alpha=a).fit(X[tr], y[tr]).predict(X[te])) ** 2)
                   for tr, te in KFold(5).split(X)]
            return np.sum(err) / len(y)
    ref = minimize_scalar(lambda t: crit(np.exp(t)),
                          bounds=(np.log(model.alpha_) - 1, np.log(model.alpha_) + 1),
                          method="bounded", options={"xatol": 1e-9})
    assert model.alpha_ == pytest.approx(np.exp(ref.x), rel=1e-3)
    assert crit(model.alpha_) <= crit(np.exp(ref.x)) * (1 + 1e-9)


def test_grid_extends_where_minimum_is_on_an_end(rng):
    X, Y = make_regression(rng, 200, 5)  # little noise: LOO wants alpha near 0
    spec = build_spectrum(X, Y).with_data(X, Y)
    sel = loo(spec, None)
    assert sel.alphas.size >= 100
    assert sel.alpha < sel.alphas.max()
    # pure noise: LOO wants alpha -> infinity; extension goes up, stops at its limit, warns
    noise = rng.normal(size=(200, 1))
    spec = build_spectrum(X, noise).with_data(X, noise)
    sel = loo(spec, None, warn_edge=False)
    fine = np.geomspace(sel.alphas.min(), sel.alphas.max(), 3000)
    assert np.min(loo(spec, fine, warn_edge=False).mean) >= np.min(sel.mean) * (1 - 1e-9)


def test_alpha_zero_in_a_full_rank_grid_is_least_squares(rng):
    X, Y = make_regression(rng, 40, 4)
    y = Y[:, 0]
    grid = [0.0, 0.01, 0.1]
    spec = build_spectrum(X, Y).with_data(X, Y)
    sel = loo(spec, grid, warn_edge=False)
    assert sel.mean[0] == pytest.approx(_dense_loo(X, y, 0.0), rel=1e-10)
    H, _ = _dense_hat(X, 0.0)
    ols_gcv = 40 * np.sum((y - H @ y) ** 2) / (40 - np.trace(H)) ** 2
    assert gcv(spec, grid, warn_edge=False).mean[0] == pytest.approx(ols_gcv, rel=1e-10)
    model = RidgeCV([0.0], cv=4).fit(X, y)
    ols = np.linalg.lstsq(np.c_[np.ones(40), X], y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, ols[1:], rtol=1e-9)


# ------------------------------------------------------------------ item 7: inputs
def test_cv_generator_equals_splitter(rng):
    X, Y = make_regression(rng, 60, 5)
    grid = np.geomspace(0.01, 100, 30)
    a = RidgeCV(grid, cv=KFold(4)).fit(X, Y[:, 0])
    b = RidgeCV(grid, cv=KFold(4).split(X)).fit(X, Y[:, 0])
    assert a.alpha_ == b.alpha_
    np.testing.assert_allclose(a.selection_.mean, b.selection_.mean, rtol=1e-12)
    with pytest.raises(TypeError, match=r"\(train, test\)"):
        RidgeCV(grid, cv=iter([1, 2, 3])).fit(X, Y[:, 0])


@pytest.mark.parametrize("alphas", [(1, 1.0, "1"), ["0.5"], np.array(["1", "2"])])
def test_numeric_strings_in_alphas_are_rejected(rng, alphas):
    from ridgekit import Ridge, ridge_path

    X, Y = make_regression(rng, 30, 3)
    with pytest.raises(TypeError, match="not a string|not strings"):
        RidgeCV(alphas).fit(X, Y[:, 0])
    with pytest.raises(TypeError, match="not a string|not strings"):
        ridge_path(X, Y[:, 0], alphas)
    with pytest.raises(TypeError, match="not a string|not strings"):
        Ridge(alpha=["1"]).fit(X, Y[:, 0])


# ------------------------------------------------------------------ item 9: GCV forms
def test_gcv_mass_form_by_name_and_in_summary(rng):
    X, Y = make_regression(rng, 50, 6)
    y = Y[:, 0] + rng.normal(size=50) * 3
    model = RidgeCV(cv="gcv-mass").fit(X, y)

    def mass(a):
        _, Hc = _dense_hat(X, a)
        yc = y - y.mean()
        return np.sum((yc - Hc @ yc) ** 2) / (50 - np.trace(Hc)) ** 2

    ref = minimize_scalar(lambda t: mass(np.exp(t)), bounds=(np.log(model.alpha_) - 1,
                          np.log(model.alpha_) + 1), method="bounded",
                          options={"xatol": 1e-10})
    assert model.alpha_ == pytest.approx(np.exp(ref.x), rel=1e-4)
    text = model.summary()
    assert "gcv (mass form)" in text
    assert "GCV (MASS form, RSS/(n - sum f)^2)" in text
    assert "GCV (Golub-Heath-Wahba form" in text
    assert "HKB estimator (MASS form" in text


# ------------------------------------------------------------------ item 10: df
def test_df_is_one_convention_everywhere(rng):
    from ridgekit import ridge_path

    X, Y = make_regression(rng, 45, 5)
    y = Y[:, 0] + rng.normal(size=45) * 2
    grid = np.geomspace(0.1, 100, 7)
    dense = np.array([np.trace(_dense_hat(X, a)[1]) for a in grid])  # no intercept
    spec = build_spectrum(X, y[:, None]).with_data(X, y[:, None])
    np.testing.assert_allclose(degrees_of_freedom(spec, grid), dense, rtol=1e-10)
    for sel in (loo(spec, grid, warn_edge=False), gcv(spec, grid, warn_edge=False),
                lcurve(spec, grid, warn_edge=False), evidence(spec, grid)):
        np.testing.assert_allclose(sel.df, dense, rtol=1e-10)
    np.testing.assert_allclose(ridge_path(X, y, grid).df, dense, rtol=1e-10)
    m = RidgeCV(grid, cv=5).fit(X, y)
    np.testing.assert_allclose(m.selection_.df, dense, rtol=1e-10)
    assert m.df_ == pytest.approx(np.trace(_dense_hat(X, m.alpha_)[1]), rel=1e-10)


# ------------------------------------------------------------------ item 11: by name
def _noisy(rng, n=60, p=6):
    X, Y = make_regression(rng, n, p)
    return X, Y[:, 0] + rng.normal(size=n) * 2.0


def test_cv_df_is_esl_df5_fit():
    data = load_prostate()
    X = (data.X - data.X.mean(0)) / data.X.std(0, ddof=1)
    tr = data.train
    model = RidgeCV(cv="df", df=5).fit(X[tr], data.y[tr])
    assert np.trace(_dense_hat(X[tr], model.alpha_)[1]) == pytest.approx(5.0, rel=1e-10)
    assert model.df_ == pytest.approx(5.0, rel=1e-10)
    table = [0.420, 0.238, -0.046, 0.162, 0.227, 0.000, 0.040, 0.133]  # ESL Table 3.3
    np.testing.assert_allclose(model.coef_, table, atol=0.005)


def test_cv_hkb_and_lawless_wang_closed_forms(rng):
    X, y = _noisy(rng)
    n, p = X.shape
    A = np.c_[np.ones(n), X]
    b = np.linalg.lstsq(A, y, rcond=None)[0]
    s2 = np.sum((y - A @ b) ** 2) / (n - p - 1)
    assert RidgeCV(cv="hkb").fit(X, y).alpha_ == pytest.approx(
        (p - 2) * s2 / np.sum(b[1:] ** 2), rel=1e-9)
    fit = (X - X.mean(0)) @ b[1:]
    assert RidgeCV(cv="lawless-wang").fit(X, y).alpha_ == pytest.approx(
        (p - 2) * s2 * n / np.sum(fit**2), rel=1e-9)


def test_cv_discrepancy_matches_noise_level(rng):
    X, y = _noisy(rng)
    n, p = X.shape
    a = RidgeCV(cv="discrepancy").fit(X, y).alpha_
    A = np.c_[np.ones(n), X]
    s2 = np.sum((y - A @ np.linalg.lstsq(A, y, rcond=None)[0]) ** 2) / (n - p - 1)
    H, _ = _dense_hat(X, a)
    assert np.sum((y - H @ y) ** 2) == pytest.approx(n * s2, rel=1e-8)


def test_cv_evidence_matches_sklearn_bayesian_ridge(rng):
    X, y = _noisy(rng)
    br = BayesianRidge(alpha_1=0, alpha_2=0, lambda_1=0, lambda_2=0, tol=1e-14,
                       max_iter=100_000).fit(X, y)
    model = RidgeCV(cv="evidence").fit(X, y)
    assert model.alpha_ == pytest.approx(br.lambda_ / br.alpha_, rel=1e-5)
    np.testing.assert_allclose(model.coef_, br.coef_, rtol=1e-5)


@pytest.mark.parametrize("name", ["loo", "gcv", "gcv-mass", "hkb", "lawless-wang", "lcurve",
                                  "discrepancy", "evidence", "df"])
def test_every_name_equals_its_select_function(rng, name):
    X, y = _noisy(rng)
    spec = build_spectrum(X, y[:, None]).with_data(X, y[:, None])
    opts = {"df": 3.5} if name == "df" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        model = RidgeCV(cv=name, **opts).fit(X, y)
        direct = {
            "loo": lambda: loo(spec), "gcv": lambda: gcv(spec),
            "gcv-mass": lambda: gcv(spec, form="mass"), "hkb": lambda: hkb(spec),
            "lawless-wang": lambda: lawless_wang(spec), "lcurve": lambda: lcurve(spec),
            "discrepancy": lambda: discrepancy(spec), "evidence": lambda: evidence(spec),
            "df": lambda: target_df(spec, 3.5),
        }[name]()
        by_name = select_by_name(name, spec, **opts)
    assert model.alpha_ == pytest.approx(float(direct.alpha), rel=1e-10)
    assert float(by_name.alpha) == pytest.approx(float(direct.alpha), rel=1e-12)
    ref = SkRidge(alpha=model.alpha_).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8)


def test_lcurve_by_name_is_the_curvature_maximum():
    from ridgekit.datasets import shaw

    A, b, _ = shaw(64, noise=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)  # the default grid holds the corner
        a = RidgeCV(cv="lcurve", fit_intercept=False).fit(A, b).alpha_

    def point(t):  # dense solve, independent of the spectrum
        beta = np.linalg.solve(A.T @ A + np.exp(t) * np.eye(A.shape[1]), A.T @ b)
        return np.log(np.sum((b - A @ beta) ** 2)), 0.5 * np.log(np.sum(beta**2))

    def kappa(t, h=1e-3):
        (x0, y0), (x1, y1), (x2, y2) = point(t - h), point(t), point(t + h)
        dx, dy = (x2 - x0) / (2 * h), (y2 - y0) / (2 * h)
        ddx, ddy = (x2 - 2 * x1 + x0) / h**2, (y2 - 2 * y1 + y0) / h**2
        return (dx * ddy - ddx * dy) / (dx**2 + dy**2) ** 1.5

    t = np.log(a)
    assert kappa(t) >= max(kappa(t - 0.05), kappa(t + 0.05))


@pytest.mark.parametrize(("kwargs", "msg"), [
    ({"cv": "hkb", "scoring": "r2"}, "scoring applies"),
    ({"cv": "gcv", "rule": "1se"}, "standard errors"),
    ({"cv": "evidence", "rule": "1se"}, "standard errors"),
    ({"cv": "loo", "df": 3}, "df= applies"),
    ({"cv": 5, "df": 3}, "df= applies"),
    ({"cv": "df"}, "needs the target degrees of freedom"),
    ({"cv": "df", "df": 50}, "target df must lie"),
])
def test_rule_misuse_is_named(rng, kwargs, msg):
    X, y = _noisy(rng)
    with pytest.raises(ValueError, match=msg):
        RidgeCV(**kwargs).fit(X, y)


def test_per_target_rules_need_alpha_per_target(rng):
    X, Y = _three_targets(rng)
    with pytest.raises(ValueError, match="alpha_per_target=True"):
        RidgeCV(cv="hkb").fit(X, Y)
    m = RidgeCV(cv="hkb", alpha_per_target=True).fit(X, Y)
    spec = build_spectrum(X, Y)
    np.testing.assert_allclose(m.alpha_, hkb(spec).alpha, rtol=1e-12)


# ------------------------------------------------------------------ item 12: usability
def test_import_is_light_and_subpackages_lazy():
    code_ = ("import sys, ridgekit; heavy = [m for m in ('sklearn', 'matplotlib', 'torch', "
             "'scipy') if m in sys.modules]; print(heavy); "
             "ridgekit.select, ridgekit.conventions, ridgekit.datasets; "
             "print('sklearn' in sys.modules, 'matplotlib' in sys.modules); "
             "ridgekit.plot; print(callable(ridgekit.select.loo), "
             "hasattr(ridgekit.datasets, 'load_prostate'), hasattr(ridgekit.plot, 'ridge_trace'), "
             "hasattr(ridgekit.conventions, 'glmnet_sd'))")
    out = subprocess.run([sys.executable, "-c", code_], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["[]", "False False", "True True True True"]


def test_summary_prints_once_at_the_repl(rng):
    X, y = _noisy(rng)
    console = code.InteractiveConsole({"RidgeCV": RidgeCV, "X": X, "y": y})
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        console.push("m = RidgeCV().fit(X, y)")
        console.push("m.summary()")
    text = buffer.getvalue()
    assert text.count("RidgeCV: loo") == 1
    summary = RidgeCV().fit(X, y).summary()
    assert repr(summary) == str(summary)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert RidgeCV().fit(X, y).summary(print_it=True) is None
    assert buffer.getvalue().count("RidgeCV: loo") == 1


@pytest.mark.parametrize("cv", [None, "gcv", 4])
def test_grid_edge_warning_points_at_the_callers_line(rng, cv):
    X, Y = make_regression(rng, 60, 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        RidgeCV([1e4, 1e5, 1e6], cv=cv).fit(X, Y[:, 0])  # optimum far below the grid
    edge = [w for w in caught if issubclass(w.category, GridEdgeWarning)]
    assert edge and all(w.filename == __file__ for w in edge)
