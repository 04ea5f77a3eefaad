"""The sparse room on its own: designs, duality gap, screening, lazy numba."""

import subprocess
import sys
from pathlib import Path

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

sys.path.insert(0, str(Path(__file__).parent))
from enet_reference import correlated_design, enet_objective  # noqa: E402


def _designs(X, y, w=None):
    m = Moments.from_arrays(X, y, w)
    return [design_from_moments(m), DenseDesign(X, w).set_target(y),
            SparseDesign(sparse.csc_matrix(X), w).set_target(y)]


@pytest.fixture
def data(rng):
    return correlated_design(rng, 70, 15)


PENALTIES = [
    {},
    {"penalty_factor": np.r_[0.0, 0.0, np.linspace(0.5, 2.0, 13)]},
    {"positive": True},
    {"lower_bounds": -0.2, "upper_bounds": 0.3},
    {"penalty_factor": np.r_[0.0, np.ones(14)], "positive": True},
]


@pytest.mark.parametrize("options", PENALTIES)
@pytest.mark.parametrize("l1_ratio", [1.0, 0.4])
def test_gap_bounds_suboptimality(data, rng, options, l1_ratio):
    """P(beta_k) - P* <= gap(beta_k) along a loose solve, with P* from a tight one."""
    X, y = data
    w = rng.uniform(0.5, 2.0, size=y.size)
    pen = make_penalty(X.shape[1], l1_ratio, **options)
    d = design_from_moments(Moments.from_arrays(X, y, w))
    alpha = 0.3 * alpha_max(d, pen)
    best = solve_path(d, pen, [alpha], tol=1e-15, max_iter=100_000, warn=False)
    f = np.asarray(options.get("penalty_factor", np.ones(X.shape[1])))
    mu = w @ X / w.sum()
    Xc, yc = X - mu, y - w @ y / w.sum()
    p_star = enet_objective(Xc, yc, best.coefs[0], 0.0, alpha, l1_ratio, w, f)
    assert best.gaps[0] <= 1e-14 * (w @ yc**2 / w.sum())
    for max_iter in (1, 2, 4):
        loose = solve_path(d, pen, [alpha], tol=1e-15, max_iter=max_iter, warn=False)
        p_k = enet_objective(Xc, yc, loose.coefs[0], 0.0, alpha, l1_ratio, w, f)
        assert loose.primal[0] == pytest.approx(p_k, rel=1e-10)
        assert p_k - p_star <= loose.gaps[0] * (1 + 1e-9) + 1e-14
        assert loose.gaps[0] >= 0


@pytest.mark.parametrize("options", PENALTIES)
def test_three_designs_agree(data, rng, options):
    X, y = data
    w = rng.uniform(0.5, 2.0, size=y.size)
    pen = make_penalty(X.shape[1], 0.7, **options)
    sols = []
    for d in _designs(X, y, w):
        grid = alpha_grid(alpha_max(d, pen), 12)
        sols.append(solve_path(d, pen, grid, tol=1e-14, max_iter=100_000))
    for s in sols[1:]:
        np.testing.assert_allclose(s.coefs, sols[0].coefs, atol=1e-6 * np.abs(sols[0].coefs).max())
        assert np.all(s.gaps <= s.tol)


def test_screening_does_not_change_the_answer(rng):
    X, y = correlated_design(rng, 50, 200)
    d = DenseDesign(X).set_target(y)
    pen = make_penalty(200, 1.0)
    grid = alpha_grid(alpha_max(d, pen), 30)
    a = solve_path(d, pen, grid, tol=1e-13, max_iter=100_000, screening=True)
    b = solve_path(d, pen, grid, tol=1e-13, max_iter=100_000, screening=False)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-6 * np.abs(b.coefs).max())


def test_alpha_max_is_the_zero_threshold(data):
    X, y = data
    for d in _designs(X, y):
        pen = make_penalty(X.shape[1], 0.5)
        amax = alpha_max(d, pen)
        at = solve_path(d, pen, [amax, amax * 0.999], tol=1e-14, max_iter=100_000)
        assert np.all(at.coefs[0] == 0) and np.count_nonzero(at.coefs[1]) >= 1


def test_import_ridgekit_does_not_import_numba():
    code = ("import sys, ridgekit, ridgekit.sparse, ridgekit.linear_model; "
            "ridgekit.ElasticNet; print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_sparse_design_never_densifies_and_handles_offsets(rng):
    """Implicit centering: a sparse X with a big column offset gives the dense answer."""
    # positive entries: every column has a nonzero mean that centering must remove
    X = sparse.random(200, 30, density=0.1, random_state=1, format="csc") * 5.0 + \
        sparse.random(200, 30, density=0.05, random_state=2, format="csc") * 50.0
    y = np.asarray(X @ rng.normal(size=30)).ravel() + rng.normal(size=200) + 3.0
    pen = make_penalty(30, 0.9)
    d_sparse = SparseDesign(X).set_target(y)
    d_dense = DenseDesign(X.toarray()).set_target(y)
    grid = alpha_grid(alpha_max(d_dense, pen), 10)
    a = solve_path(d_sparse, pen, grid, tol=1e-14, max_iter=100_000)
    b = solve_path(d_dense, pen, grid, tol=1e-14, max_iter=100_000)
    assert sparse.issparse(d_sparse.X)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-7 * np.abs(b.coefs).max())
