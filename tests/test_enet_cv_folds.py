"""The fold data of ElasticNetCV's Gram route (training Grams as the total minus the fold,
or as merges of the others; splits that do not partition the rows; no intercept) against
scikit-learn's ElasticNet refitted on each fold's rows; per-α tolerances of the path
solver against the duality gaps they promise; NaN/inf found without a pass over X."""

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.model_selection import KFold, PredefinedSplit, ShuffleSplit

from ridgekit.linear_model import ElasticNet, ElasticNetCV, enet_path
from ridgekit.moments import Moments
from ridgekit.sparse import DenseDesign, alpha_grid, alpha_max, make_penalty, solve_path
from ridgekit.sparse._designs import design_from_moments

sys.path.insert(0, str(Path(__file__).parent))
from enet_reference import correlated_design  # noqa: E402

TIGHT = {"tol": 1e-12, "max_iter": 100_000}


def _refits(X, y, alphas, l1_ratio, splits, fit_intercept, w):
    """Held-out weighted MSE of scikit-learn's ElasticNet refitted per split and α."""
    out = np.empty((alphas.size, len(splits)))
    for k, (tr, te) in enumerate(splits):
        for i, a in enumerate(alphas):
            m = sk.ElasticNet(alpha=a, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                              tol=1e-13, max_iter=200_000)
            m.fit(X[tr], y[tr], sample_weight=w[tr])
            out[i, k] = np.average((y[te] - m.predict(X[te])) ** 2, weights=w[te])
    return out


@pytest.mark.parametrize("cv", ["kfold", "shuffle_split", "unequal"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gram_route_fold_errors_equal_refits(rng, cv, fit_intercept):
    X, y = correlated_design(rng, 160, 12)
    X = X + 1.5  # offsets: the centering (or its absence) matters
    y = y + 2.0 * rng.normal(size=y.size) + 3.0
    w = rng.uniform(0.5, 2.0, size=y.size)
    if cv == "kfold":  # a partition, every fold under half the weight: total minus fold
        splitter = KFold(4, shuffle=True, random_state=0)
    elif cv == "shuffle_split":  # test sets overlap: each split's own moments
        splitter = ShuffleSplit(3, test_size=0.3, random_state=0)
    else:  # a partition with a fold over half the weight: merges of the others
        splitter = PredefinedSplit(np.r_[np.zeros(110, int), np.ones(50, int)])
    splits = list(splitter.split(X))
    ours = ElasticNetCV(l1_ratio=0.6, cv=splits, alphas=6, fit_intercept=fit_intercept,
                        **TIGHT).fit(X, y, sample_weight=w)
    assert ours.route_ == "gram"
    ref = _refits(X, y, ours.alphas_, 0.6, splits, fit_intercept, w)
    np.testing.assert_allclose(ours.mse_path_, ref, rtol=1e-6)


def _gram_problem(rng, unpenalized=False):
    X, y = correlated_design(rng, 300, 25)
    y = y + rng.normal(size=y.size)
    design = design_from_moments(Moments.from_arrays(X, y[:, None]))
    f = np.ones(25)
    if unpenalized:
        f[4] = 0.0  # a free coordinate: the Python driver (projected dual point)
    penalty = make_penalty(25, 0.7, penalty_factor=f)
    return X, y, design, penalty, alpha_grid(alpha_max(design, penalty), 30, 1e-3)


@pytest.mark.parametrize("route", ["gram", "gram_free", "dense"])
def test_per_alpha_tolerances_bound_each_gap(rng, route):
    X, y, design, penalty, grid = _gram_problem(rng, unpenalized=route == "gram_free")
    if route == "dense":
        design = DenseDesign(X, None, True).set_target(y)
    tols = np.full(grid.size, 1e-3)
    tols[10:16] = 1e-9
    sol = solve_path(design, penalty, grid, tol=1e-3, tols=tols)
    assert np.all(sol.gaps <= tols * design.yy)
    assert sol.tol == pytest.approx(1e-3 * design.yy)
    # the tight stretch is the tight solution: against a path solved to 1e-12 throughout
    ref = solve_path(design, penalty, grid, tol=1e-12, max_iter=100_000).coefs
    scale = np.abs(ref).max()
    assert np.abs(sol.coefs[10:16] - ref[10:16]).max() <= 1e-4 * scale
    assert np.abs(sol.coefs[:10] - ref[:10]).max() > 1e-7 * scale  # loose elsewhere
    with pytest.raises(ValueError, match="tols"):
        solve_path(design, penalty, grid, tols=tols[:-1])


@pytest.mark.parametrize("fit", [
    lambda X, y: ElasticNetCV(cv=3, alphas=5).fit(X, y),
    lambda X, y: ElasticNet(alpha=0.1).fit(X, y),
    lambda X, y: enet_path(X, y, n_alphas=5),
])
@pytest.mark.parametrize("bad, message", [(np.nan, "NaN"), (np.inf, "infinity")])
@pytest.mark.parametrize("shape", [(60, 5), (10, 30)])  # gram route, dense rows route
def test_nan_and_inf_in_x_are_named(rng, fit, bad, message, shape):
    X = rng.normal(size=shape)
    y = rng.normal(size=shape[0])
    X[3, 2] = bad
    with pytest.raises(ValueError, match=message):
        fit(X, y)
