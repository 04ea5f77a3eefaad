"""Plots: every figure renders to a non-blank PNG; the geometry helper against scipy."""

from __future__ import annotations

import io
import types

import matplotlib
import numpy as np
import pytest
from matplotlib.image import imread
from scipy import optimize

from ridgekit import plot, ridge_path
from ridgekit.datasets import load_prostate
from ridgekit.plot import GeometryProblem, lcurve_corner_index, solve_geometry
from ridgekit.select._selection import Selection


def assert_not_blank(fig, min_colors: int = 8):
    """Decode the PNG and require real content: pixel variance and several colours."""
    png = plot.to_png(fig, dpi=60)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"matplotlib.org" not in png
    pixels = imread(io.BytesIO(png), format="png")[..., :3]
    assert pixels.std() > 0.03, "image is (nearly) uniform"
    colors = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colors) >= min_colors, f"only {len(colors)} distinct colours"
    nonwhite = np.mean(np.any(pixels < 0.95, axis=-1))
    assert 0.01 < nonwhite < 0.99


@pytest.fixture(scope="module")
def prostate_path():
    d = load_prostate()
    X = (d.X - d.X.mean(axis=0)) / d.X.std(axis=0)
    return ridge_path(X, d.y, np.geomspace(1e-2, 1e4, 40)), d.feature_names


@pytest.fixture
def kfold_selection():
    alphas = np.geomspace(1e-2, 1e4, 40)
    mean = 0.5 + 0.02 * (np.log(alphas) - 1.0) ** 2
    return Selection.from_curve(alphas, "kfold", mean, se=np.full(40, 0.05),
                                df=np.linspace(9, 1, 40), warn_edge=False)


def test_backend_untouched_and_no_pyplot_figures():
    before = matplotlib.get_backend()
    fig = plot.geometry()
    assert matplotlib.get_backend() == before
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"


@pytest.mark.parametrize("against", ["both", "alpha", "df"])
def test_ridge_trace(prostate_path, against):
    path, names = prostate_path
    fig = plot.ridge_trace(path, feature_names=names, against=against,
                           mark={"λ_min": 0.5, "λ_1se": 20.0})
    assert len(fig.axes) == (2 if against == "both" else 1)
    assert_not_blank(fig)
    labels = fig.axes[-1].get_legend_handles_labels()[1]
    assert "lcavol" in labels and any(lab.startswith("λ_1se") for lab in labels)


def test_ridge_trace_multi_target_and_zero_alpha(rng):
    X = rng.normal(size=(50, 4))
    Y = rng.normal(size=(50, 2))
    path = ridge_path(X, Y, np.r_[0.0, np.geomspace(1e-2, 1e2, 20)])
    assert_not_blank(plot.ridge_trace(path, target=1, against="alpha"))
    with pytest.raises(ValueError, match="3 feature names for 4 coefficients"):
        plot.ridge_trace(path, feature_names=["a", "b", "c"])
    with pytest.raises(ValueError, match="against must be"):
        plot.ridge_trace(path, against="lambda")


def test_ridge_trace_df_marks_use_the_spectrum(prostate_path):
    path, _ = prostate_path
    fig = plot.ridge_trace(path, against="df", mark={"m": 7.0})
    x = fig.axes[0].lines[-1].get_xdata()[0]
    # the path's df convention (intercept not counted): tr H of the centered fit
    assert x == pytest.approx(path.spectrum.df([7.0])[0] - 1.0, rel=1e-12)
    labels = [t.get_text() for t in fig.axes[0].texts]  # the largest are named
    assert len(labels) == 6 and len(set(labels)) == 6


def test_figure_formats_and_residual_plot(rng):
    from ridgekit.plot import to_bytes

    fitted = rng.normal(size=200)
    fig = plot.residual_plot(fitted, 0.3 * fitted**2 + rng.normal(size=200) * 0.1)
    assert_not_blank(fig)
    assert to_bytes(fig, "pdf")[:4] == b"%PDF" and b"<svg" in to_bytes(fig, "svg")[:400]
    with pytest.raises(ValueError, match="jpg"):
        to_bytes(fig, "jpg")
    with pytest.raises(ValueError, match="same non-zero length"):
        plot.residual_plot([1.0, 2.0], [1.0])


def test_cv_curve(kfold_selection):
    fig = plot.cv_curve(kfold_selection)
    assert_not_blank(fig)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any("λ_min" in lab for lab in labels) and any("λ_1se" in lab for lab in labels)
    # the marked lines sit exactly at the selection's choices
    xs = sorted(line.get_xdata()[0] for line in fig.axes[0].lines
                if line.get_label().startswith("λ"))
    assert xs == sorted([kfold_selection.alpha_min, kfold_selection.alpha_1se])


def test_cv_curve_without_se_and_multi_target():
    alphas = np.geomspace(1e-3, 1e3, 30)
    mean = np.column_stack([(np.log(alphas) - k) ** 2 for k in (0.0, 2.0)])
    sel = Selection.from_curve(alphas, "gcv", mean, warn_edge=False)
    assert_not_blank(plot.cv_curve(sel, target=1))
    empty = Selection(alphas, "hkb", None, None, None, "hkb", 1.0)
    with pytest.raises(ValueError, match="no criterion curve"):
        plot.cv_curve(empty)


def test_l_curve(prostate_path):
    path, _ = prostate_path
    alphas = path.alphas
    log_rss, log_norm = np.log(path.rss), np.log(path.coef_norm)
    curvature = -((np.arange(alphas.size) - 17.0) ** 2)
    sel = Selection(alphas, "lcurve", None, None, None, "corner", alphas[17],
                    extra={"log_rss": log_rss, "log_norm": log_norm, "curvature": curvature})
    fig = plot.l_curve(sel)
    assert len(fig.axes) == 2
    assert_not_blank(fig)
    assert lcurve_corner_index(sel) == 17
    raw = Selection(alphas, "lcurve", None, None, None, "corner", alphas[5],
                    extra={"rss": path.rss, "norm": path.coef_norm})
    assert lcurve_corner_index(raw) == 5
    fig = plot.l_curve(raw)
    assert len(fig.axes) == 1 and fig.axes[0].get_xscale() == "log"
    assert_not_blank(fig)
    with pytest.raises(ValueError, match="needs selection.extra with 'log_rss'"):
        plot.l_curve(Selection(alphas, "lcurve", None, None, None, "corner", 1.0))


def test_filter_factors(prostate_path):
    path, _ = prostate_path
    fig = plot.filter_factors(path.spectrum, [0.1, 10.0, 1000.0])
    assert_not_blank(fig)
    # the plotted curves are d²/(d²+λ)
    mu = path.spectrum.d ** 2
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), mu / (mu + 10.0))


def test_bias_variance():
    alphas = np.geomspace(1e-2, 1e2, 30)
    bias2 = alphas**2 / (1 + alphas) ** 2
    variance = 1 / (1 + alphas) ** 2
    result = types.SimpleNamespace(alphas=alphas, bias2=bias2, variance=variance,
                                   mse=bias2 + variance, ols_mse=1.0)
    assert_not_blank(plot.bias_variance(result))
    result.mse = result.mse[:-1]
    with pytest.raises(ValueError, match=r"result.mse has shape \(29,\)"):
        plot.bias_variance(result)


def test_weight_decay_heatmap(rng):
    values = rng.uniform(0.1, 2.0, size=(4, 5))
    values[0, 0] = np.nan
    fig = plot.weight_decay_heatmap(values, [1e-4, 1e-3, 1e-2, 1e-1],
                                    [0.0, 1e-4, 1e-3, 1e-2, 1e-1], title="AdamW",
                                    log_color=True)
    assert_not_blank(fig)
    assert fig.axes[0].get_title() == "AdamW"
    with pytest.raises(ValueError, match=r"expected \(4, 4\)"):
        plot.weight_decay_heatmap(values, [1, 2, 3, 4], [1, 2, 3, 4], title="x")
    with pytest.raises(ValueError, match="every value is NaN"):
        plot.weight_decay_heatmap(np.full((2, 2), np.nan), [1, 2], [1, 2], title="x")


def test_geometry_figure():
    fig = plot.geometry(GeometryProblem.example())
    assert_not_blank(fig)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any(lab.startswith("ridge") for lab in labels)
    assert any(lab.startswith("lasso") for lab in labels)


def _reference(problem, norm_order):
    """Independent reference: SLSQP on the constrained problem."""
    t = problem.budget
    if norm_order == 2:
        cons = {"type": "ineq", "fun": lambda b: t**2 - b @ b}
        return optimize.minimize(problem.loss, np.zeros(2), method="SLSQP",
                                 constraints=[cons], options={"ftol": 1e-15}).x
    # L1 ball via the split b = u - v, u, v >= 0, sum(u + v) <= t
    def loss(z):
        return problem.loss(z[:2] - z[2:])
    cons = {"type": "ineq", "fun": lambda z: t - z.sum()}
    z = optimize.minimize(loss, np.full(4, 0.01), method="SLSQP", bounds=[(0, None)] * 4,
                          constraints=[cons], options={"ftol": 1e-15, "maxiter": 500}).x
    return z[:2] - z[2:]


@pytest.mark.parametrize("seed", range(6))
def test_solve_geometry_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    L = rng.normal(size=(2, 2))
    A = L @ L.T + 0.2 * np.eye(2)
    problem = GeometryProblem(A, rng.normal(size=2) * 2.0, float(rng.uniform(0.3, 1.5)))
    sol = solve_geometry(problem)
    ridge_ref, lasso_ref = _reference(problem, 2), _reference(problem, 1)
    assert problem.loss(sol.ridge) <= problem.loss(ridge_ref) + 1e-9
    assert problem.loss(sol.lasso) <= problem.loss(lasso_ref) + 1e-9
    np.testing.assert_allclose(sol.ridge, ridge_ref, atol=1e-5)
    np.testing.assert_allclose(sol.lasso, lasso_ref, atol=1e-4)
    assert np.linalg.norm(sol.ridge) <= problem.budget * (1 + 1e-12)
    assert np.abs(sol.lasso).sum() <= problem.budget * (1 + 1e-12)
    # the L2 solution is ridge with the multiplier as penalty
    ridge = np.linalg.solve(A + sol.ridge_multiplier * np.eye(2), A @ problem.center)
    np.testing.assert_allclose(sol.ridge, ridge, rtol=1e-10, atol=1e-12)


def test_geometry_slack_constraint_and_validation():
    problem = GeometryProblem(np.eye(2), np.array([0.1, -0.2]), 1.0)
    sol = solve_geometry(problem)
    np.testing.assert_array_equal(sol.ridge, problem.center)
    np.testing.assert_array_equal(sol.lasso, problem.center)
    assert sol.ridge_multiplier == 0.0
    example = solve_geometry(GeometryProblem.example())
    assert example.lasso[1] == 0.0 and example.ridge[1] > 0  # lasso hits a corner
    with pytest.raises(ValueError, match="positive definite"):
        GeometryProblem(np.array([[1.0, 2.0], [2.0, 1.0]]), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="budget"):
        GeometryProblem(np.eye(2), np.zeros(2), 0.0)


def test_spread_labels_keeps_order_gap_and_centre():
    from ridgekit.plot._base import spread_labels

    rng = np.random.default_rng(1)
    for _ in range(50):
        values = rng.normal(size=rng.integers(1, 9)) * rng.choice([0.01, 1.0])
        gap = 0.1
        ys = spread_labels(values, gap)
        order = np.argsort(values, kind="stable")
        assert np.all(np.diff(ys[order]) >= gap - 1e-12)  # apart, in the values' order
        assert ys.mean() == pytest.approx(values.mean())
    far = np.array([0.0, 1.0, -3.0])
    np.testing.assert_allclose(spread_labels(far, 0.1), far)  # nothing to move
