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
