"""glmnet and MASS conventions against R's own numbers (tests/reference/glmnet_ridge.json,
written by tests/reference/glmnet_ridge.R; R is not needed to run these tests)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import ElasticNet, Lasso

from ridgekit import Ridge
from ridgekit import conventions as cv
from ridgekit.decompose import build_spectrum
from ridgekit.select import cv_glmnet, gcv, hkb, lawless_wang

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "glmnet_ridge.json").read_text())
X, y = np.array(REF["X"]), np.array(REF["y"])
W, FOLDID = np.array(REF["weights"]), np.array(REF["foldid"])
N = y.size


def test_glmnet_sd_is_population_sd():
    assert cv.glmnet_sd(y) == pytest.approx(np.std(y, ddof=0), rel=1e-14)
    mean = np.average(y, weights=W)
    assert cv.glmnet_sd(y, W) == pytest.approx(
        math.sqrt(np.average((y - mean) ** 2, weights=W)), rel=1e-14)


@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_alpha_reproduces_glmnet_ridge(weighted):
    w = W if weighted else None
    sd = cv.glmnet_sd(y, w)
    n = W.sum() if weighted else N  # ridgekit's weighted objective: n -> sum of weights
    coefs = REF["ridge_coef_weighted" if weighted else "ridge_coef"]
    for lam, ref in zip(REF["ridge_lambda"], coefs, strict=True):
        alpha = cv.glmnet_lambda_to_ridge_alpha(lam, n, sd)
        model = Ridge(alpha=alpha).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(model.coef_, ref[1:], rtol=2e-6, atol=1e-7)
        assert model.intercept_ == pytest.approx(ref[0], rel=1e-7)
        assert cv.ridge_alpha_to_glmnet_lambda(alpha, n, sd) == pytest.approx(lam, rel=1e-14)
    # alpha = n * lambda is the common mistake: it misses by the factor s_y
    wrong = Ridge(alpha=N * REF["ridge_lambda"][1]).fit(X, y).coef_
    assert np.max(np.abs(wrong - np.array(REF["ridge_coef"][1][1:]))) > 1e-3


def test_enet_and_lasso_conversions_reproduce_glmnet():
    sd = cv.glmnet_sd(y)
    a_glm = REF["enet_alpha"]
    for lam, ref_en, ref_l1 in zip(REF["enet_lambda"], REF["enet_coef"], REF["lasso_coef"],
                                   strict=True):
        alpha, l1_ratio = cv.glmnet_to_sklearn_enet(lam, a_glm, sd)
        en = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-14, max_iter=100_000).fit(X, y)
        np.testing.assert_allclose(en.coef_, ref_en[1:], rtol=1e-5, atol=1e-6)
        back = cv.sklearn_enet_to_glmnet(alpha, l1_ratio, sd)
        assert back == pytest.approx((lam, a_glm), rel=1e-13)
        a1, r1 = cv.glmnet_to_sklearn_enet(lam, 1.0, sd)
        assert (a1, r1) == pytest.approx((lam, 1.0))  # lasso: no s_y
        lasso = Lasso(alpha=a1, tol=1e-14, max_iter=100_000).fit(X, y)
        np.testing.assert_allclose(lasso.coef_, ref_l1[1:], rtol=1e-5, atol=1e-6)


def test_ridge_limit_of_enet_conversion_matches_ridge_alpha():
    sd = 2.7
    alpha, l1_ratio = cv.glmnet_to_sklearn_enet(0.3, 0.0, sd)
    assert l1_ratio == 0.0
    assert N * alpha == pytest.approx(cv.glmnet_lambda_to_ridge_alpha(0.3, N, sd), rel=1e-15)


def test_conversions_reject_bad_values():
    with pytest.raises(ValueError, match="mixing"):
        cv.glmnet_to_sklearn_enet(0.1, 1.5)
    with pytest.raises(ValueError, match="sd_y"):
        cv.glmnet_lambda_to_ridge_alpha(0.1, 10, 0.0)
    with pytest.raises(ValueError, match="lambda"):
        cv.glmnet_lambda_to_ridge_alpha(-1.0, 10, 1.0)


@pytest.mark.parametrize("weighted", [False, True])
def test_cv_glmnet_reproduced_exactly(weighted):
    key = "cvw_" if weighted else "cv_"
    sel = cv_glmnet(X, y, REF[key + "lambda"], FOLDID, weights=W if weighted else None)
    np.testing.assert_allclose(sel.mean, REF[key + "cvm"], rtol=1e-6)
    np.testing.assert_allclose(sel.se, REF[key + "cvsd"], rtol=1e-6)
    assert sel.index_min + 1 == REF[key + "index_min"][0]  # R is 1-based
    assert sel.index_1se + 1 == REF[key + "index_1se"][0]
    assert sel.alpha == sel.extra["lambda_min"]
    # each fold has its own ridge alpha for the same lambda: n_k * lambda / s_{y,k}
    k0 = FOLDID != FOLDID.min()
    ws = W[k0] if weighted else np.ones(k0.sum())
    sd0 = cv.glmnet_sd(y[k0], ws)
    np.testing.assert_allclose(sel.extra["fold_alphas"][0],
                               ws.sum() * np.array(REF[key + "lambda"]) / sd0, rtol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_default_cv_glmnet_call_reproduced(weighted):
    """cv.glmnet(x, y, alpha = 0, standardize = FALSE, foldid) without lambda =: each
    fold on its own lambda sequence, coefficients interpolated to the master lambdas."""
    key = "cvdw_" if weighted else "cvd_"
    w = W if weighted else None
    sel = cv_glmnet(X, y, REF[key + "lambda"], FOLDID, weights=w, fold_lambdas="own")
    np.testing.assert_allclose(sel.mean, REF[key + "cvm"], rtol=1e-6)
    np.testing.assert_allclose(sel.se, REF[key + "cvsd"], rtol=1e-6)
    assert sel.index_min + 1 == REF[key + "index_min"][0]
    assert sel.index_1se + 1 == REF[key + "index_1se"][0]
    # the master sequence is glmnet's own for all rows (first value extrapolated)
    from ridgekit.moments import Moments
    from ridgekit.select import glmnet_lambda_sequence

    own = glmnet_lambda_sequence(Moments.from_arrays(X, y[:, None], w))
    np.testing.assert_allclose(own, REF[key + "lambda"], rtol=1e-10)
    # treating the folds as fitted at the master lambdas is measurably different
    given = cv_glmnet(X, y, REF[key + "lambda"], FOLDID, weights=w)
    assert np.max(np.abs(given.mean / np.array(REF[key + "cvm"]) - 1)) > 1e-4


def test_cv_glmnet_1se_rule_and_bad_input():
    sel = cv_glmnet(X, y, REF["cv_lambda"], FOLDID, rule="1se")
    assert sel.alpha == pytest.approx(REF["cv_lambda_1se"][0], rel=1e-14)
    with pytest.raises(ValueError, match="at least 3 folds"):
        cv_glmnet(X, y, REF["cv_lambda"], np.arange(N) % 2)
    with pytest.raises(ValueError, match="lambdas"):
        cv_glmnet(X, y, [-1.0], FOLDID)


def _mass_spectrum():
    Xl, yl = np.array(REF["longley_X"]), np.array(REF["longley_y"])
    Xc = Xl - Xl.mean(axis=0)
    Xs = Xc / np.sqrt((Xc**2).mean(axis=0))  # MASS scales by the root mean square
    return Xs, yl, build_spectrum(Xs, yl[:, None])


def test_mass_gcv_hkb_lw_reproduce_lm_ridge():
    Xs, yl, spec = _mass_spectrum()
    lam = np.array(REF["mass_lambda"])  # starts at 0: Longley has full rank
    sel = gcv(spec, lam, form="mass", warn_edge=False)
    np.testing.assert_allclose(sel.mean, REF["mass_gcv"], rtol=1e-9)
    assert sel.alpha == pytest.approx(REF["mass_select_gcv"][0])
    assert sel.extra["form"] == "mass"
    assert hkb(spec).alpha == pytest.approx(REF["mass_kHKB"][0], rel=1e-9)
    assert lawless_wang(spec).alpha == pytest.approx(REF["mass_kLW"][0], rel=1e-9)


def test_mass_gcv_against_dense_formula():
    Xs, yl, spec = _mass_spectrum()
    n, p = Xs.shape
    yc = yl - yl.mean()
    for lam in (0.0, 0.004, 0.05):
        H = Xs @ np.linalg.solve(Xs.T @ Xs + lam * np.eye(p), Xs.T)
        rss = np.sum((yc - H @ yc) ** 2)
        mass = rss / (n - np.trace(H)) ** 2
        ghw = n * rss / (n - np.trace(H) - 1) ** 2  # tr H of the whole fit counts the 1
        assert gcv(spec, [lam], form="mass", warn_edge=False).mean[0] == pytest.approx(
            mass, rel=1e-8)
        assert gcv(spec, [lam], warn_edge=False).mean[0] == pytest.approx(ghw, rel=1e-8)


def _rscript_with_glmnet() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(["Rscript", "-e", "library(glmnet); library(MASS)"],
                           capture_output=True, timeout=120)
    return probe.returncode == 0


@pytest.mark.skipif(not _rscript_with_glmnet(), reason="Rscript with glmnet and MASS absent")
def test_reference_fixture_reproduces_from_r():
    """Re-run the R script: the committed fixture is what R computes."""
    out = subprocess.run(["Rscript", str(REF_DIR / "glmnet_ridge.R")], capture_output=True,
                         text=True, timeout=600, check=True).stdout
    fresh = json.loads(out)
    for key, value in REF.items():
        if isinstance(value, str):
            continue
        np.testing.assert_allclose(np.array(fresh[key], dtype=float),
                                   np.array(value, dtype=float), rtol=1e-7, err_msg=key)


def test_glmnet_module_is_pure_math():
    code = ("import sys, ridgekit.conventions.glmnet as g; "
            "print(g.glmnet_lambda_to_ridge_alpha(1.0, 10, 2.0)); "
            "print(any(m in sys.modules for m in ('numpy', 'torch', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["5.0", "False"]
