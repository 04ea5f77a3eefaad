"""Figures of the L1 room: what is drawn matches the result objects."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from ridgekit.linear_model import ElasticNetCV, enet_path, ridge_path  # noqa: E402
from ridgekit.plot import enet_cv_curve, enet_trace, grouping_effect  # noqa: E402


@pytest.fixture
def fitted(rng):
    X = rng.normal(size=(120, 8))
    y = X[:, 0] - 2 * X[:, 1] + rng.normal(size=120)
    return X, y, ElasticNetCV(cv=4, alphas=30).fit(X, y)


def test_enet_trace_lines_marks_and_top_axis(fitted):
    X, y, cv = fitted
    fig = enet_trace(cv.path_, cv.selection_, feature_names=[f"f{j}" for j in range(8)])
    axis = fig.axes[0]
    lines = axis.get_lines()
    # 8 coefficient curves, the zero line, λ_min and λ_1se
    assert len(lines) == 8 + 1 + 2
    order = np.argsort(cv.path_.alphas)[::-1]
    np.testing.assert_allclose(lines[1].get_ydata(), cv.path_.coefs[order, 1])
    marks = [ln.get_xdata()[0] for ln in lines[-2:]]
    np.testing.assert_allclose(marks, np.log([cv.selection_.alpha_min,
                                              cv.selection_.alpha_1se]))
    top = fig.axes[1]
    labels = [int(t.get_text()) for t in top.get_xticklabels()]
    nz = np.count_nonzero(cv.path_.coefs[order], axis=1)
    assert labels[0] == nz[0] == 0 and labels[-1] == nz[-1]


def test_enet_cv_curve_matches_selection(fitted):
    _, _, cv = fitted
    fig = enet_cv_curve(cv.selection_, cv.path_)
    pts = fig.axes[0].get_lines()[0]
    order = np.argsort(cv.selection_.alphas)[::-1]
    np.testing.assert_allclose(pts.get_ydata(), cv.selection_.mean[order])


def test_grouping_effect_panels(rng):
    X = rng.normal(size=(80, 6))
    y = X[:, 0] + rng.normal(size=80)
    paths = {"ridge": ridge_path(X, y, np.geomspace(100, 0.1, 20)),
             "lasso": enet_path(X, y, l1_ratio=1.0, n_alphas=20)}
    fig = grouping_effect(paths, [0, 1])
    assert len(fig.axes) == 2
    red = [ln for ln in fig.axes[1].get_lines() if ln.get_color() == "C3"]
    assert len(red) == 2
    with pytest.raises(ValueError, match="group indices"):
        grouping_effect(paths, [10])
    with pytest.raises(ValueError, match="at least one"):
        grouping_effect({}, [0])


def test_enet_trace_labels_of_close_coefficients_do_not_overlap():
    """Two coefficients ending 0.001 apart get labels at least the spacing apart, in the
    order of their values; a lone large one keeps its place."""
    from types import SimpleNamespace

    alphas = np.geomspace(1, 1e-3, 30)
    t = np.linspace(0, 1, 30)[:, None]
    coefs = t * np.array([[2.0, 0.011, 0.010, -0.5]])
    fig = enet_trace(SimpleNamespace(alphas=alphas, coefs=coefs),
                     feature_names=["big", "x5", "x12", "neg"])
    axis = fig.axes[0]
    at = {t.get_text(): t.xy[1] for t in axis.texts}
    lo, hi = axis.get_ylim()
    assert at["x5"] - at["x12"] >= 0.045 * (hi - lo) * (1 - 1e-9)
    assert at["neg"] < at["x12"] < at["x5"] < at["big"]
    assert abs(at["big"] - 2.0) < 0.1 * (hi - lo)


def test_cv_curve_titles_name_both_marks(fitted):
    _, _, cv = fitted
    for fig in (enet_cv_curve(cv.selection_, cv.path_),):
        title = fig.axes[0].get_title()
        assert "λ_min and λ_1se" in title and "λ_min)" in title, title
    from ridgekit.plot import cv_curve

    assert "λ_min and λ_1se" in cv_curve(cv.selection_).axes[0].get_title()
