"""Classification figures: the numbers they draw against scikit-learn's, figures render."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402

from ridgekit.linear_model import LogisticRidgeCV  # noqa: E402
from ridgekit.plot import (  # noqa: E402
    Predictions,
    calibration_plot,
    classifier_cv_curve,
    coefficient_path,
    confusion_matrix_plot,
    to_png,
)
from ridgekit.select import GridEdgeWarning  # noqa: E402


@pytest.fixture
def fitted(rng):
    X = rng.normal(size=(240, 4))
    y = np.array(["no", "yes", "maybe"])[np.argmax(X[:, :3] + rng.normal(size=(240, 3)), 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        m = LogisticRidgeCV(alphas=8, cv=4, scoring="accuracy").fit(X, y)
    return m, X, y


def test_calibration_and_confusion_numbers_match_sklearn(fitted):
    m, X, y = fitted
    pred = Predictions.from_model(m, X, y)
    for cls in m.classes_:
        mean_p, frac, _ = pred.calibration(cls, n_bins=6)
        k = int(np.flatnonzero(m.classes_ == cls)[0])
        frac_ref, mean_ref = calibration_curve(y == cls, pred.proba[:, k], n_bins=6)
        np.testing.assert_allclose(mean_p, mean_ref, rtol=1e-12)
        np.testing.assert_allclose(frac, frac_ref, rtol=1e-12)
    np.testing.assert_array_equal(pred.confusion(),
                                  confusion_matrix(y, m.predict(X), labels=m.classes_))


def test_figures_render(fitted):
    m, X, y = fitted
    pred = Predictions.from_model(m, X, y)
    for fig in (classifier_cv_curve(m), coefficient_path(m.path_, cls=1),
                calibration_plot(pred), confusion_matrix_plot(pred, normalize=True)):
        assert to_png(fig)[:4] == b"\x89PNG"
    assert "misclassification" in classifier_cv_curve(m).axes[0].get_ylabel()


def test_predictions_checks_shapes(fitted):
    m, X, y = fitted
    with pytest.raises(ValueError, match="shape"):
        Predictions(y, np.ones((3, 3)), m.classes_)
    with pytest.raises(ValueError, match="not in classes"):
        Predictions(np.concatenate([y[:-1], ["other"]]), m.predict_proba(X), m.classes_)


def _centered_df(X, coef, b0, alpha):
    """tr[(H_c + αI)⁻¹ H_c] with H_c the Hessian of the weighted-centered features: the
    df of a binomial fit with the free intercept not counted (scikit-learn's fit)."""
    mu = 1 / (1 + np.exp(-(X @ coef + b0)))
    w = mu * (1 - mu)
    Xc = X - (w @ X) / w.sum()
    H = Xc.T @ (w[:, None] * Xc)
    return float(np.trace(np.linalg.solve(H + alpha * np.eye(X.shape[1]), H)))


def test_df_without_intercepts_against_the_centered_hessian(rng):
    from sklearn.linear_model import LogisticRegression

    from ridgekit.linear_model import logistic_path
    from ridgekit.plot import df_without_intercepts

    X = rng.normal(size=(300, 4))
    y = (X[:, 0] - X[:, 2] + rng.normal(size=300) > 0).astype(int)
    grid = np.array([100.0, 10.0, 1.0, 0.1])
    got = df_without_intercepts(logistic_path(X, y, grid))
    for a, d in zip(grid, got, strict=True):
        sk = LogisticRegression(C=1 / a, tol=1e-12, max_iter=10_000).fit(X, y)
        assert d == pytest.approx(_centered_df(X, sk.coef_[0], sk.intercept_[0], a),
                                  rel=1e-6)
    # multinomial: 0 when everything is shrunk, (K - 1) p without penalty
    labels = np.array(["a", "b", "c"])[np.argmax(X[:, :3] + rng.normal(size=(300, 3)), 1)]
    ends = df_without_intercepts(logistic_path(X, labels, [1e9, 1e-9]))
    np.testing.assert_allclose(ends, [0.0, 2 * 4], atol=1e-5)


def test_logistic_trace_draws_the_path_df_and_marks(fitted):
    from ridgekit.plot import df_without_intercepts, logistic_trace

    m, X, y = fitted
    fig = logistic_trace(m.path_, m.selection_, feature_names=["a", "b", "c", "d"])
    panels = [a for a in fig.axes if a.get_visible() and a.get_xlabel() == "log λ (alpha)"]
    assert len(panels) == len(m.classes_) == 3
    order = np.argsort(m.path_.alphas)[::-1]
    for k, axis in enumerate(panels):
        assert f"class '{m.classes_[k]}'" in axis.get_title()
        lines = axis.get_lines()
        for j in range(4):
            np.testing.assert_allclose(lines[j].get_ydata(), m.path_.coefs[order, k, j])
        marks = [ln.get_xdata()[0] for ln in lines[-2:]]
        np.testing.assert_allclose(marks, np.log([m.selection_.alpha_min,
                                                  m.selection_.alpha_1se]))
    top = [a for a in fig.axes if "degrees of freedom" in a.get_xlabel()]
    assert len(top) == 3
    df = df_without_intercepts(m.path_)[order]
    labels = [float(t.get_text()) for t in top[0].get_xticklabels()]
    assert labels[0] == pytest.approx(df[0], abs=0.051)
    assert labels[-1] == pytest.approx(df[-1], abs=0.051)
    assert to_png(fig)[:4] == b"\x89PNG"
    one = logistic_trace(m.path_, cls=1)
    assert sum(a.get_visible() and a.get_xlabel() == "log λ (alpha)" for a in one.axes) == 1
    with pytest.raises(ValueError, match="out of range"):
        logistic_trace(m.path_, cls=5)


def test_classifier_cv_curve_marks_df_without_intercepts(fitted):
    from ridgekit.plot import df_without_intercepts

    m, X, y = fitted
    labels = classifier_cv_curve(m).axes[0].get_legend_handles_labels()[1]
    mark = next(lab for lab in labels if lab.startswith("λ_min"))
    i = int(m.selection_.index_min)
    assert f"(df {df_without_intercepts(m.path_)[i]:.2f})" in mark, mark


def test_logistic_trace_of_an_elastic_net_path_counts_nonzeros(rng):
    from ridgekit.plot import df_without_intercepts, logistic_trace

    X = rng.normal(size=(200, 5))
    y = np.where(X[:, 0] - X[:, 1] + rng.normal(size=200) > 0, "b", "a")
    m = LogisticRidgeCV(alphas=10, cv=3, l1_ratio=1.0).fit(X, y)
    np.testing.assert_array_equal(df_without_intercepts(m.path_), m.path_.df)  # as is
    fig = logistic_trace(m.path_, m.selection_)
    top = next(a for a in fig.axes if a.get_xlabel() == "number of nonzero coefficients")
    order = np.argsort(m.path_.alphas)[::-1]
    nz = np.count_nonzero(m.path_.coefs[order], axis=1)
    labels = [int(t.get_text()) for t in top.get_xticklabels()]
    assert labels[0] == nz[0] and labels[-1] == nz[-1]
    assert "l1_ratio 1" in fig.axes[0].get_title()
