"""Gap-safe screening: every coordinate the sphere test removes during the solve is zero
at the solution computed without any screening, and satisfies the strict KKT condition
|x_j'W r / s| < lambda_1j there (checked with numpy on the raw data). On the Gram, the
dense-rows and the CSC routes, with penalty factors, sample weights and positivity."""

import numpy as np
import pytest
from scipy import sparse

from ridgekit.moments import Moments
from ridgekit.sparse import (
    DenseDesign,
    SparseDesign,
    alpha_grid,
    alpha_max,
    design_from_moments,
    make_penalty,
    solve_path,
)


def _problem(rng, n, p, unpenalized):
    X = rng.normal(size=(n, p))
    X[:, 1:] += 0.5 * X[:, :-1]
    beta = np.zeros(p)
    beta[:6] = [2.0, -1.5, 1.0, 0.8, -0.6, 0.4]
    y = X @ beta + rng.normal(size=n)
    w = rng.uniform(0.2, 3.0, size=n)
    f = rng.uniform(0.5, 2.0, size=p)
    if unpenalized:  # a free coordinate: the dual point is projected (Python driver)
        f[3] = 0.0   # and it is never screened; else the compiled whole-path loop runs
    return X, y, w, f


def _design(route, X, y, w):
    if route == "gram":
        return design_from_moments(Moments.from_arrays(X, y[:, None], w))
    if route == "dense":
        return DenseDesign(X, w, True).set_target(y)
    return SparseDesign(sparse.csc_matrix(X), w, True).set_target(y)


@pytest.mark.parametrize("route, n, p", [("gram", 200, 40), ("dense", 60, 120),
                                         ("sparse", 60, 120)])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("unpenalized", [False, True])
def test_screened_features_are_zero_at_the_unscreened_solution(rng, route, n, p, positive,
                                                               unpenalized):
    X, y, w, f = _problem(rng, n, p, unpenalized)
    if route == "sparse":
        X[rng.uniform(size=X.shape) < 0.6] = 0.0
    penalty = make_penalty(p, 0.7, penalty_factor=f, positive=positive)
    grid = alpha_grid(alpha_max(_design(route, X, y, w), penalty), 25, 1e-2)
    # a tight tolerance: the gap is checked (and the sphere test run) several times per α
    screened = solve_path(_design(route, X, y, w), penalty, grid, tol=1e-13,
                          max_iter=100_000).screened
    ref = solve_path(_design(route, X, y, w), penalty, grid, tol=1e-14, max_iter=100_000,
                     screening=False).coefs
    assert screened.sum() > 0  # the test fired
    assert not (unpenalized and np.any(screened[:, 3]))
    s = w.sum()
    Xc = X - w @ X / s
    yc = y - w @ y / s
    for k, a in enumerate(grid):
        out = np.flatnonzero(screened[k])
        assert np.all(ref[k, out] == 0.0)
        g = Xc.T @ (w * (yc - Xc @ ref[k])) / s
        lam1 = a * 0.7 * f
        if positive:  # zero at the optimum iff g_j <= lambda_1j
            assert np.all(g[out] < lam1[out])
        else:
            assert np.all(np.abs(g[out]) < lam1[out])
