"""Figures of classifiers: CV curve, coefficient path, calibration plot, confusion matrix.

Each takes a result object: a fitted :class:`~ridgekit.linear_model.LogisticRidgeCV` (its
``selection_`` and ``path_``), a :class:`~ridgekit.glm.LogisticPath`, or
:class:`Predictions` (true labels and predicted probabilities; build it with
:meth:`Predictions.from_model`). The numbers drawn are methods of :class:`Predictions`
(:meth:`~Predictions.calibration`, :meth:`~Predictions.confusion`), so they can be
checked and reused without a figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ridgekit.plot._base import new_figure
from ridgekit.plot.selection import cv_curve
from ridgekit.plot.trace import ridge_trace

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Predictions", "classifier_cv_curve", "coefficient_path", "calibration_plot",
           "confusion_matrix_plot"]

_CRITERION_LABEL = {"deviance": "held-out deviance", "log_loss": "held-out log-loss",
                    "accuracy": "misclassification rate", "roc_auc": "1 − AUC"}


@dataclass
class Predictions:
    """True labels and predicted class probabilities of one data set.

    Attributes
    ----------
    y_true : ndarray (n,)
    proba : ndarray (n, K)
        Columns in ``classes`` order.
    classes : ndarray (K,)
    """

    y_true: np.ndarray
    proba: np.ndarray
    classes: np.ndarray

    @classmethod
    def from_model(cls, model, X, y) -> Predictions:
        """Predictions of a fitted classifier (``predict_proba``, ``classes_``) on (X, y)."""
        return cls(np.asarray(y), np.asarray(model.predict_proba(X)),
                   np.asarray(model.classes_))

    def __post_init__(self):
        self.proba = np.asarray(self.proba, dtype=float)
        self.classes = np.asarray(self.classes)
        self.y_true = np.asarray(self.y_true)
        if self.proba.ndim != 2 or self.proba.shape != (self.y_true.size, self.classes.size):
            raise ValueError(f"proba has shape {self.proba.shape}; expected "
                             f"({self.y_true.size}, {self.classes.size})")
        unknown = ~np.isin(self.y_true, self.classes)
        if unknown.any():
            raise ValueError(f"y_true has labels not in classes, e.g. "
                             f"{self.y_true[unknown][0]!r}")

    @property
    def predicted(self) -> np.ndarray:
        return self.classes[np.argmax(self.proba, axis=1)]

    def calibration(self, cls=None, n_bins: int = 10):
        """Reliability curve of one class: equal-width bins of its predicted probability.

        Returns ``(mean_predicted, fraction_positive, count)`` over the non-empty bins
        (the quantities of :func:`sklearn.calibration.calibration_curve`, uniform bins).
        ``cls`` defaults to the last class (the positive class of a binary problem).
        """
        k = self.classes.size - 1 if cls is None else int(np.flatnonzero(self.classes ==
                                                                         cls)[0])
        p = self.proba[:, k]
        hit = (self.y_true == self.classes[k]).astype(float)
        edges = np.linspace(0.0, 1.0, n_bins + 1)
        b = np.clip(np.searchsorted(edges[1:-1], p, side="right"), 0, n_bins - 1)
        count = np.bincount(b, minlength=n_bins)
        keep = count > 0
        mean_p = np.bincount(b, weights=p, minlength=n_bins)[keep] / count[keep]
        frac = np.bincount(b, weights=hit, minlength=n_bins)[keep] / count[keep]
        return mean_p, frac, count[keep]

    def confusion(self) -> np.ndarray:
        """Counts C[i, j] of true class i predicted as class j (classes order)."""
        K = self.classes.size
        t = np.searchsorted(self.classes, self.y_true) if np.all(
            self.classes[:-1] <= self.classes[1:]) else \
            np.array([np.flatnonzero(self.classes == v)[0] for v in self.y_true])
        pr = np.argmax(self.proba, axis=1)
        return np.bincount(t * K + pr, minlength=K * K).reshape(K, K)


def classifier_cv_curve(model, *, ax=None, title: str | None = None) -> Figure:
    """The cross-validation curve of a fitted ``LogisticRidgeCV`` (its ``selection_``),
    drawn by :func:`ridgekit.plot.cv_curve` with the scoring named on the y axis."""
    sel = model.selection_
    scoring = sel.extra.get("scoring", getattr(model, "scoring", None) or "deviance")
    label = _CRITERION_LABEL.get(scoring, f"−{scoring}") if isinstance(scoring, str) else \
        "− score"
    return cv_curve(sel, ax=ax, ylabel=f"{sel.criterion}: {label}",
                    title=title or f"choice of λ by {sel.criterion} (rule {sel.rule!r})")


def coefficient_path(path, *, cls: int = 0, feature_names=None, mark=None, ax=None,
                     title: str | None = None) -> Figure:
    """Coefficients along a :class:`~ridgekit.glm.LogisticPath` (one class's for the
    multinomial), against λ and -- when the path has df -- against effective df."""
    against = "both" if np.all(np.isfinite(path.df)) and ax is None else "alpha"
    name = "" if path.coefs.ndim == 2 else f" (class '{path.classes[cls]}')"
    return ridge_trace(path, feature_names=feature_names, against=against, target=cls,
                       mark=mark, ax=ax, title=title or f"coefficient path{name}")


def calibration_plot(pred: Predictions, *, cls=None, n_bins: int = 10, ax=None,
                     title: str | None = None) -> Figure:
    """Reliability diagram: observed frequency against mean predicted probability."""
    mean_p, frac, count = pred.calibration(cls, n_bins)
    fig, (axis,) = new_figure(ax)
    axis.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1, label="perfect calibration")
    axis.plot(mean_p, frac, marker="o", color="C0", lw=1.5, label="model")
    for x, y, c in zip(mean_p, frac, count, strict=True):
        axis.annotate(str(int(c)), (x, y), textcoords="offset points", xytext=(4, -10),
                      fontsize="x-small", color="0.4")
    k = pred.classes[-1] if cls is None else cls
    axis.set_xlabel(f"mean predicted probability of '{k}'")
    axis.set_ylabel("observed fraction")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")
    axis.set_title(title or "calibration")
    return fig


def confusion_matrix_plot(pred: Predictions, *, normalize: bool = False, ax=None,
                          title: str | None = None) -> Figure:
    """Confusion matrix (rows: true class, columns: predicted), counts or row fractions."""
    C = pred.confusion().astype(float)
    if normalize:
        C = C / np.maximum(C.sum(axis=1, keepdims=True), 1)
    fig, (axis,) = new_figure(ax)
    im = axis.imshow(C, cmap="Blues")
    K = pred.classes.size
    labels = [str(c) for c in pred.classes]
    axis.set_xticks(range(K), labels)
    axis.set_yticks(range(K), labels)
    for i in range(K):
        for j in range(K):
            axis.text(j, i, f"{C[i, j]:.2f}" if normalize else f"{int(C[i, j])}",
                      ha="center", va="center",
                      color="white" if C[i, j] > 0.6 * C.max() else "black")
    axis.set_xlabel("predicted class")
    axis.set_ylabel("true class")
    fig.colorbar(im, ax=axis, shrink=0.8)
    axis.set_title(title or "confusion matrix")
    return fig
