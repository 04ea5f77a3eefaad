"""Every selection criterion against a brute-force refit per fold and per λ."""

import warnings

import numpy as np
import pytest
from helpers import dense_ridge, make_regression
from sklearn.linear_model import RidgeCV as SkRidgeCV
from sklearn.model_selection import GroupKFold, KFold, RepeatedKFold, ShuffleSplit

from ridgekit import RidgeCV
from ridgekit.datasets import load_longley, load_prostate
from ridgekit.decompose import build_spectrum
from ridgekit.select import (
    GridEdgeWarning,
    alpha_for_df,
    as_splits,
    default_alphas,
    discrepancy,
    evidence,
    gcv,
    hkb,
    kfold_from_arrays,
    lawless_wang,
    lcurve,
    log_evidence,
    loo,
    target_df,
)

GRID = np.logspace(-2, 3, 12)


def brute_fold_mse(X, Y, w, splits, alphas, fit_intercept):
    """Refit on each training set for each λ with a dense solve; weighted held-out MSE."""
    w = np.ones(X.shape[0]) if w is None else w
    out = np.empty((len(splits), alphas.size, Y.shape[1]))
    for k, (train, test) in enumerate(splits):
        for j, a in enumerate(alphas):
            coef, b0, _ = dense_ridge(X[train], Y[train], w[train], a, fit_intercept)
            resid = Y[test] - X[test] @ coef.T - b0
            out[k, j] = w[test] @ resid**2 / w[test].sum()
    return out


def brute_loo(X, Y, w, alphas, fit_intercept):
    n = X.shape[0]
    ww = np.ones(n) if w is None else w
    r = np.empty((alphas.size, n, Y.shape[1]))
    for i in range(n):
        keep = np.arange(n) != i
        for j, a in enumerate(alphas):
            coef, b0, _ = dense_ridge(X[keep], Y[keep], ww[keep], a, fit_intercept)
            r[j, i] = Y[i] - X[i] @ coef.T - b0
    return r


CASES = [(True, False, 1), (False, False, 1), (True, True, 1), (True, True, 3), (False, True, 2)]


@pytest.mark.parametrize(("fit_intercept", "weighted", "t"), CASES)
def test_loo_equals_refit_without_each_row(rng, fit_intercept, weighted, t):
    X, Y = make_regression(rng, 30, 5, t)
    w = rng.uniform(0.3, 2.0, 30) if weighted else None
    spec = build_spectrum(X, Y, w, fit_intercept, "svd")
    sel = loo(spec, GRID, warn_edge=False)
    r = brute_loo(X, Y, w, GRID, fit_intercept)
    ww = np.ones(30) if w is None else w
    expected = np.einsum("n,lnt->lt", ww / ww.sum(), r**2)
    np.testing.assert_allclose(np.atleast_2d(sel.mean.T).T if t > 1 else sel.mean,
                               expected if t > 1 else expected[:, 0], rtol=1e-8)


@pytest.mark.parametrize(("fit_intercept", "weighted", "t"), CASES)
def test_gcv_equals_dense_hat_matrix(rng, fit_intercept, weighted, t):
    X, Y = make_regression(rng, 40, 6, t)
    w = rng.uniform(0.3, 2.0, 40) if weighted else None
    ww = np.ones(40) if w is None else w
    spec = build_spectrum(X, Y, w, fit_intercept)
    sel = gcv(spec, GRID, warn_edge=False)
    for j, a in enumerate(GRID):
        coef, b0, A = dense_ridge(X, Y, w, a, fit_intercept)
        P = np.eye(A.shape[1]) * a
        if fit_intercept:
            P[0, 0] = 0
        As = A * np.sqrt(ww)[:, None]
        trace = np.trace(As @ np.linalg.solve(As.T @ As + P, As.T))
        rss = ww @ (Y - X @ coef.T - b0) ** 2 * (40 / ww.sum())
        expected = 40 * rss / (40 - trace) ** 2
        got = sel.mean[j] if t > 1 else sel.mean[j:j + 1]
        np.testing.assert_allclose(got, expected, rtol=1e-8)


SPLITTERS = {
    "kfold": lambda X: KFold(4),
    "shuffled": lambda X: KFold(5, shuffle=True, random_state=3),
    "groups": lambda X: GroupKFold(3),
    "fold-ids": lambda X: np.arange(X.shape[0]) % 3,
    "repeated": lambda X: RepeatedKFold(n_splits=3, n_repeats=2, random_state=0),
    "shufflesplit": lambda X: ShuffleSplit(4, test_size=0.3, random_state=1),
}


@pytest.mark.parametrize("splitter", list(SPLITTERS))
@pytest.mark.parametrize(("fit_intercept", "weighted", "t"), CASES)
def test_kfold_equals_refit_per_fold(rng, splitter, fit_intercept, weighted, t):
    X, Y = make_regression(rng, 60, 5, t)
    w = rng.uniform(0.3, 2.0, 60) if weighted else None
    groups = np.arange(60) % 7
    splits = as_splits(SPLITTERS[splitter](X), X, Y, groups)
    sel = kfold_from_arrays(X, Y, splits, GRID, w, fit_intercept=fit_intercept,
                            warn_edge=False)
    fold = brute_fold_mse(X, Y, w, splits, GRID, fit_intercept)
    fw = np.array([(np.ones(60) if w is None else w)[te].sum() for _, te in splits])
    mean = np.einsum("k,klt->lt", fw / fw.sum(), fold)
    se = np.sqrt(np.einsum("k,klt->lt", fw / fw.sum(), (fold - mean) ** 2) / (len(splits) - 1))
    got_mean = sel.mean if t > 1 else sel.mean[:, None]
    got_se = sel.se if t > 1 else sel.se[:, None]
    np.testing.assert_allclose(got_mean, mean, rtol=1e-8)
    np.testing.assert_allclose(got_se, se, rtol=1e-7)


def test_one_standard_error_rule_by_hand(rng):
    X, Y = make_regression(rng, 80, 8)
    Y += rng.normal(size=Y.shape) * 4
    model = RidgeCV(GRID, cv=KFold(5), rule="1se").fit(X, Y[:, 0])
    sel = model.selection_
    i = np.argmin(sel.mean)
    ok = [a for a, m in zip(GRID, sel.mean, strict=True) if m <= sel.mean[i] + sel.se[i]]
    assert model.alpha_ == max(ok)
    assert sel.alpha_min == GRID[i]
    assert model.alpha_ >= sel.alpha_min


def test_loo_equals_sklearn_loo_errors(rng):
    X, Y = make_regression(rng, 50, 6)
    ours = RidgeCV(GRID, store_cv_results=True).fit(X, Y[:, 0])
    ref = SkRidgeCV(GRID, store_cv_results=True).fit(X, Y[:, 0])
    np.testing.assert_allclose(ours.cv_results_, ref.cv_results_, rtol=1e-8)
    assert ours.alpha_ == ref.alpha_
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kfold_selects_same_alpha_as_sklearn(seed):
    rng = np.random.default_rng(seed)
    X, Y = make_regression(rng, 120, 10)
    Y += rng.normal(size=Y.shape) * 5
    cv = KFold(5, shuffle=True, random_state=seed)
    grid = np.logspace(-3, 4, 30)
    ours = RidgeCV(grid, cv=cv).fit(X, Y[:, 0])
    ref = SkRidgeCV(grid, cv=cv).fit(X, Y[:, 0])
    assert ours.alpha_ == ref.alpha_


def test_alpha_per_target_vectorized(rng):
    X, Y = make_regression(rng, 90, 6, t=4)
    Y[:, 2] += rng.normal(size=90) * 10
    grid = np.logspace(-2, 4, 25)
    model = RidgeCV(grid, cv=KFold(5), alpha_per_target=True).fit(X, Y)
    for j in range(4):
        single = RidgeCV(grid, cv=KFold(5)).fit(X, Y[:, j])
        assert model.alpha_[j] == single.alpha_
        np.testing.assert_allclose(model.coef_[j], single.coef_, rtol=1e-10)
    loo_model = RidgeCV(grid, alpha_per_target=True).fit(X, Y)
    ref = SkRidgeCV(grid, alpha_per_target=True).fit(X, Y)
    np.testing.assert_array_equal(loo_model.alpha_, ref.alpha_)


def test_custom_scorer_kfold_matches_brute_force(rng):
    X, Y = make_regression(rng, 60, 4)
    model = RidgeCV(GRID, cv=KFold(3), scoring="neg_mean_absolute_error").fit(X, Y[:, 0])
    splits = list(KFold(3).split(X))
    mae = np.empty((3, GRID.size))
    for k, (tr, te) in enumerate(splits):
        for j, a in enumerate(GRID):
            coef, b0, _ = dense_ridge(X[tr], Y[tr], None, a)
            mae[k, j] = np.abs(Y[te, 0] - X[te] @ coef[0] - b0[0]).mean()
    np.testing.assert_allclose(model.selection_.mean, mae.mean(0), rtol=1e-8)


def test_target_df_is_exact(rng):
    X, Y = make_regression(rng, 50, 7)
    spec = build_spectrum(X, Y)
    for df in (0.5, 3.0, 6.5):
        a = alpha_for_df(spec, df)
        d = np.linalg.svd(X - X.mean(0), compute_uv=False)
        np.testing.assert_allclose(np.sum(d**2 / (d**2 + a)), df, rtol=1e-12)


def test_default_grid_spans_df(rng):
    X, Y = make_regression(rng, 60, 9)
    spec = build_spectrum(X, Y)
    grid = default_alphas(spec)
    assert grid.size == 100
    d = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    df = np.array([np.sum(d**2 / (d**2 + a)) for a in grid])  # intercept not counted
    np.testing.assert_allclose([df.min(), df.max()], [0.5, 9 * (1 - 1e-3)], rtol=1e-9)
    assert np.all(np.diff(np.log(grid)) < 0)


def test_grid_edge_warning(rng):
    X, Y = make_regression(rng, 60, 5)
    with pytest.warns(GridEdgeWarning, match="smallest value of the grid"):
        RidgeCV([1e3, 1e4, 1e5]).fit(X, Y[:, 0])


def test_hkb_and_lawless_wang_formulas_on_longley():
    data = load_longley()
    X, y = data.X, data.y
    n, p = X.shape
    Xc = X - X.mean(0)
    Xs = Xc / np.sqrt((Xc**2).mean(0))  # MASS::lm.ridge scaling
    yc = y - y.mean()
    beta = np.linalg.lstsq(Xs, yc, rcond=None)[0]
    s2 = np.sum((yc - Xs @ beta) ** 2) / (n - p - 1)
    spec = build_spectrum(Xs, y[:, None], representation="precise")
    np.testing.assert_allclose(hkb(spec).alpha, (p - 2) * s2 / (beta @ beta), rtol=1e-9)
    fit = Xs @ beta
    np.testing.assert_allclose(lawless_wang(spec).alpha, (p - 2) * s2 * n / (fit @ fit),
                               rtol=1e-9)
    np.testing.assert_allclose(hkb(spec, "original").alpha, p * s2 / (beta @ beta), rtol=1e-9)
    np.testing.assert_allclose(lawless_wang(spec, "original").alpha, p * s2 / (fit @ fit),
                               rtol=1e-9)


def test_prostate_df5_reproduces_esl_table_3_3():
    data = load_prostate()
    X = (data.X - data.X.mean(0)) / data.X.std(0, ddof=1)
    tr = data.train
    spec = build_spectrum(X[tr], data.y[tr][:, None])
    a = target_df(spec, 5.0).alpha
    coef = spec.coef(a)[0]
    table = [0.420, 0.238, -0.046, 0.162, 0.227, 0.000, 0.040, 0.133]
    np.testing.assert_allclose(coef, table, atol=0.005)
    test_err = np.mean((data.y[~tr] - X[~tr] @ coef - spec.intercept(spec.coef(a))[0]) ** 2)
    assert abs(test_err - 0.492) < 0.01


def test_lcurve_corner_is_max_curvature_by_finite_differences():
    from ridgekit.datasets import shaw

    A, b, _ = shaw(64, noise=1e-3, random_state=0)
    spec = build_spectrum(A, b[:, None], fit_intercept=False, representation="svd")
    grid = np.logspace(-10, 1, 600)
    sel = lcurve(spec, grid, warn_edge=False)
    coefs = spec.coef_path(grid)[:, 0]
    resid = b[:, None] - A @ coefs.T
    x = np.log((resid**2).sum(0))
    y = np.log(np.linalg.norm(coefs, axis=1))
    t = np.log(grid)
    x1, y1 = np.gradient(x, t), np.gradient(y, t)
    kappa = (x1 * np.gradient(y1, t) - np.gradient(x1, t) * y1) / (x1**2 + y1**2) ** 1.5
    inner = slice(5, -5)
    np.testing.assert_allclose(sel.extra["curvature"][inner], kappa[inner], rtol=2e-2,
                               atol=2e-3 * np.abs(kappa).max())
    assert 5 < np.argmax(kappa) < grid.size - 5  # a real corner, inside the grid
    assert abs(np.log(sel.alpha) - t[np.argmax(kappa)]) < 0.05


def test_discrepancy_solves_rss_equation(rng):
    X, Y = make_regression(rng, 70, 6)
    spec = build_spectrum(X, Y)
    sel = discrepancy(spec, sigma2=1.3)
    coef, b0, _ = dense_ridge(X, Y, None, sel.alpha)
    rss = np.sum((Y - X @ coef.T - b0) ** 2)
    np.testing.assert_allclose(rss, 70 * 1.3, rtol=1e-10)
    with pytest.raises(ValueError, match="below the least-squares RSS"):
        discrepancy(spec, sigma2=1e-6)


def test_evidence_equals_dense_gaussian_log_density(rng):
    from scipy.stats import multivariate_normal

    X, Y = make_regression(rng, 25, 4)
    spec = build_spectrum(X, Y, fit_intercept=False)
    for lam, s2 in [(0.5, 1.0), (3.0, 0.7)]:
        cov = s2 * (np.eye(25) + X @ X.T / lam)
        dense = multivariate_normal(np.zeros(25), cov).logpdf(Y[:, 0])
        np.testing.assert_allclose(log_evidence(spec, [lam], s2)[0, 0], dense, rtol=1e-10)
    sel = evidence(spec, GRID)
    # continuous optimum: no grid value beats it, and it is a stationary point
    best = log_evidence(spec, [sel.alpha])[0, 0]
    assert best >= log_evidence(spec, GRID).max() - 1e-12
    h = 1e-4
    up = log_evidence(spec, [sel.alpha * np.exp(h)])[0, 0]
    down = log_evidence(spec, [sel.alpha * np.exp(-h)])[0, 0]
    assert up <= best + 1e-9 and down <= best + 1e-9


def test_summary_lists_every_rule(rng):
    X, Y = make_regression(rng, 60, 6)
    Y += rng.normal(size=Y.shape) * 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        text = RidgeCV(cv=5, rule="1se").fit(X, Y[:, 0]).summary(print_it=False)
    for needle in ("HKB", "L-W", "GCV", "L-curve", "discrepancy", "evidence", "alpha_1se"):
        assert needle in text


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [({"alphas": []}, "empty"), ({"alphas": [1.0, -1.0]}, ">= 0"),
     ({"alphas": [1.0, np.nan]}, "NaN"),
     ({"cv": 100}, "more folds than samples"), ({"cv": 1}, "at least 2 folds"),
     ({"cv": "gcv", "rule": "1se"}, "standard errors")],
)
def test_bad_input(rng, kwargs, msg):
    X, Y = make_regression(rng, 20, 3)
    with pytest.raises(ValueError, match=msg):
        RidgeCV(**kwargs).fit(X, Y[:, 0])


@pytest.mark.parametrize("cv", [None, "gcv", 4])
def test_alpha_zero_needs_full_rank(rng, cv):
    X, Y = make_regression(rng, 20, 3)
    X = np.column_stack([X, 3 * X[:, 0]])
    with pytest.raises(ValueError, match="rank 3 < 4"):
        RidgeCV([0.0, 1.0], cv=cv).fit(X, Y[:, 0])


def test_empty_fold_and_single_fold_ids(rng):
    X, Y = make_regression(rng, 20, 3)
    with pytest.raises(ValueError, match="single fold"):
        RidgeCV(cv=np.zeros(20, dtype=int)).fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="no samples"):
        RidgeCV(cv=[(np.arange(10), np.array([], dtype=int)),
                    (np.arange(10, 20), np.arange(10))]).fit(X, Y[:, 0])


def test_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(RidgeCV())
        # k-fold splits rows, not weight: a row repeated w times lands in several folds,
        # so weights and repeats give different (equally valid) folds
        check_estimator(RidgeCV(cv=3, rule="1se"), expected_failed_checks={
            "check_sample_weight_equivalence_on_dense_data": "folds split rows, not weight",
            "check_sample_weight_equivalence_on_sparse_data": "folds split rows, not weight"})
        for cv in ("gcv", "gcv-mass"):
            check_estimator(RidgeCV(cv=cv))
        # one alpha per target by nature: a multi-target y needs alpha_per_target=True.
        # ("discrepancy" refuses the checks' noise-only data, where no alpha reaches
        # n s^2, and "df" fits too little to pass the fit-quality checks: both by design.)
        for cv in ("hkb", "lawless-wang", "lcurve", "evidence"):
            check_estimator(RidgeCV(cv=cv), expected_failed_checks={
                "check_regressor_multioutput": "one alpha per target by nature"})


def test_fit_moments_streaming_equals_kfold_on_arrays(rng):
    from ridgekit.scale import fold_moments_from_blocks

    X, Y = make_regression(rng, 3000, 6)
    Y += rng.normal(size=Y.shape) * 2
    blocks = [(X[i:i + 700], Y[i:i + 700, 0], None) for i in range(0, 3000, 700)]
    folds = fold_moments_from_blocks(blocks, n_folds=5, random_state=1)
    grid = np.logspace(-2, 4, 20)
    streamed = RidgeCV(grid, rule="1se").fit_moments(folds, feature_names=list("abcdef"))
    # the same folds: the stream's default rule is hashed positions, HashFolds(5, seed)
    from ridgekit.scale import HashFolds

    fold_ids = HashFolds(5, 1).ids(0, 3000)
    assert np.ptp(np.bincount(fold_ids)) <= 1
    in_memory = RidgeCV(grid, cv=fold_ids, rule="1se").fit(X, Y[:, 0])
    assert streamed.alpha_ == in_memory.alpha_
    np.testing.assert_allclose(streamed.coef_, in_memory.coef_, rtol=1e-9)
    np.testing.assert_allclose(streamed.selection_.mean, in_memory.selection_.mean, rtol=1e-9)
    assert list(streamed.feature_names_in_) == list("abcdef")


@pytest.mark.parametrize("cv", [None, "gcv", 4])
def test_sparse_x_equals_dense(rng, cv):
    from scipy import sparse

    X = rng.normal(size=(150, 6)) * (rng.uniform(size=(150, 6)) < 0.4)
    y = X @ rng.normal(size=6) + rng.normal(size=150)
    dense = RidgeCV(GRID, cv=cv).fit(X, y)
    sp = RidgeCV(GRID, cv=cv).fit(sparse.csr_matrix(X), y)
    assert sp.alpha_ == dense.alpha_
    np.testing.assert_allclose(sp.coef_, dense.coef_, rtol=1e-9)
    np.testing.assert_allclose(sp.selection_.mean, dense.selection_.mean, rtol=1e-9)


def test_kfold_partial_fractions_equal_the_direct_product(rng):
    """numpy's partial-fraction form of the fold's quadratic term equals the direct
    product ||A (g ∘ S)||² wherever its rounding check accepts a λ, and the check rejects
    the rows where the split cancels (high signal-to-noise near λ = 0)."""
    from ridgekit.moments import FoldMoments
    from ridgekit.select import _formulas as F
    from ridgekit.select.kfold import FoldCurve

    seen = set()
    for snr in (0.05, 30.0):
        X = rng.standard_normal((300, 40)) @ np.diag(np.logspace(0, 1.5, 40)) + 2.0
        Y = X @ rng.standard_normal((40, 30)) * snr + rng.standard_normal((300, 30))
        fm = FoldMoments.from_arrays(X, Y, np.arange(300) % 5)
        curve = FoldCurve(next(iter(fm.training())), fm.folds[0])
        P = curve._pieces
        grid = np.geomspace(P["mu"][-1] * 1e-6, P["mu"][0] * 1e4, 25)
        G = 1.0 / (P["mu"][:, None] + grid[None, :])
        cross = (P["BS"].T @ G).T
        shift = P["dy"][None, :] - (P["GS"].T @ G).T
        quad, ok = F._quad_partial_fractions(P, G, cross, shift)
        direct = F._quad_direct(np, P["A"], P["scaled"], G, F.FOLD_BLOCK_BYTES)
        sse = P["cyy"] - 2 * cross + direct + P["s"] * shift**2
        np.testing.assert_allclose((quad - direct)[ok] / sse[ok], 0.0, atol=1e-11)
        seen |= set(ok.tolist())
        # the curve itself (with the fallback) equals the direct evaluation
        np.testing.assert_allclose(curve.mse(grid), np.maximum(sse, 0) / P["s"], rtol=1e-10)
    assert seen == {True, False}
