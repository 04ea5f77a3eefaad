"""Figures of classifiers: CV curve, coefficient path, calibration plot, confusion matrix.

Each takes a result object: a fitted :class:`~ridgekit.linear_model.LogisticRidgeCV` (its
``selection_`` and ``path_``), a :class:`~ridgekit.glm.LogisticPath`, or
:class:`Predictions` (true labels and predicted probabilities; build it with
:meth:`Predictions.from_model`). The numbers drawn are methods of :class:`Predictions`
(:meth:`~Predictions.calibration`, :meth:`~Predictions.confusion`), so they can be
checked and reused without a figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from ridgekit.plot._base import cv_title, new_figure
from ridgekit.plot.enet import enet_trace
from ridgekit.plot.selection import cv_curve
from ridgekit.plot.trace import ridge_trace

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Predictions", "classifier_cv_curve", "coefficient_path", "logistic_trace",
           "calibration_plot", "confusion_matrix_plot", "criterion_label",
           "df_without_intercepts"]

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


def criterion_label(scoring) -> str:
    """What a LogisticRidgeCV's CV curve measures, by its ``scoring`` (None: deviance);
    lower is better for each."""
    scoring = "deviance" if scoring is None else scoring
    return _CRITERION_LABEL.get(scoring, f"−{scoring}") if isinstance(scoring, str) else \
        "− score"


def classifier_cv_curve(model, *, ax=None, title: str | None = None) -> Figure:
    """The cross-validation curve of a fitted ``LogisticRidgeCV`` (its ``selection_``),
    drawn by :func:`ridgekit.plot.cv_curve` with the scoring named on the y axis; the df
    in the marks' labels without the intercepts (as :func:`df_without_intercepts`) when
    the model has ``classes_``."""
    import dataclasses

    sel = model.selection_
    label = criterion_label(sel.extra.get("scoring", getattr(model, "scoring", None)))
    classes = getattr(model, "classes_", None)
    sparse = (getattr(model, "l1_ratio_", None) or 0) > 0 or \
        _is_sparse(getattr(model, "path_", None))  # df: the nonzero count, no intercepts
    if sel.df is not None and classes is not None and getattr(model, "fit_intercept", True) \
            and not sparse and dataclasses.is_dataclass(sel):  # marks' df w/o intercepts
        k = len(classes)
        sel = dataclasses.replace(sel, df=np.asarray(sel.df, float) - (1 if k == 2 else k - 1))
    return cv_curve(sel, ax=ax, ylabel=f"{sel.criterion}: {label}",
                    title=title or cv_title(sel))


def df_without_intercepts(path) -> np.ndarray:
    r"""Effective df of a :class:`~ridgekit.glm.LogisticPath`, the intercepts not counted
    (ridgekit's convention, as ESL and glmnet).

    ``path.df`` is :math:`\mathrm{tr}[(H + \lambda C)^{-1} H]` over all parameters. The
    unpenalized intercepts span a subspace on which that operator is the identity, so
    they add exactly their rank to the trace at every λ: 1 for the binomial, K − 1 for K
    softmax classes (their Hessian block has rank K − 1). That is subtracted here; the
    rest is :math:`\mathrm{tr}[(H_c + \lambda I)^{-1} H_c]` with :math:`H_c` the
    Hessian of the (weighted-)centered features.
    """
    df = np.asarray(path.df, dtype=float)
    if not getattr(path, "fit_intercept", True) or _is_sparse(path):
        return df  # an elastic-net path's df counts nonzero coefficients (glmnet's)
    coefs = np.asarray(path.coefs)
    return df - (1.0 if coefs.ndim == 2 else float(coefs.shape[1] - 1))


def _is_sparse(path) -> bool:
    """An elastic-net logistic path (``l1_ratio`` > 0), whose df is the nonzero count."""
    return (getattr(path, "l1_ratio", None) or 0) > 0


def _df_view(path):
    """The path with its df as :func:`df_without_intercepts` (for the trace figures)."""
    return SimpleNamespace(alphas=path.alphas, coefs=path.coefs,
                           df=df_without_intercepts(path))


def coefficient_path(path, *, cls: int = 0, feature_names=None, mark=None, ax=None,
                     title: str | None = None) -> Figure:
    """Coefficients along a :class:`~ridgekit.glm.LogisticPath` (one class's for the
    multinomial), against λ and -- when the path has df -- against effective df
    (intercepts not counted, :func:`df_without_intercepts`)."""
    against = "both" if np.all(np.isfinite(path.df)) and ax is None else "alpha"
    name = "" if path.coefs.ndim == 2 else f" (class '{path.classes[cls]}')"
    return ridge_trace(_df_view(path), feature_names=feature_names, against=against,
                       target=cls, mark=mark, ax=ax, title=title or f"coefficient path{name}")


def logistic_trace(path, selection=None, *, cls: int | None = None, feature_names=None,
                   label_top: int = 8, title: str | None = None) -> Figure:
    """glmnet's ``plot(fit, xvar = "lambda")`` for an L2 logistic path: coefficients
    against log λ (largest λ on the left), the effective df (intercepts not counted) on
    the top axis, λ_min and λ_1se of ``selection`` marked (:func:`enet_trace` per panel).

    An elastic-net path (``LogisticRidgeCV(l1_ratio=...)``, ``path.l1_ratio`` > 0) gets
    each class's number of nonzero coefficients on the top axis instead, as glmnet's.

    Parameters
    ----------
    path : LogisticPath
        E.g. ``LogisticRidgeCV().path_`` or :func:`ridgekit.linear_model.logistic_path`.
    selection : Selection, optional
        ``LogisticRidgeCV().selection_``: its λ_min and λ_1se are drawn.
    cls : int, optional
        Multinomial: the class (index into ``path.classes``) to draw; default every class,
        one panel each (three to a row). Binomial: one panel, the log-odds of
        ``path.classes[1]``.
    feature_names : sequence of str, optional
        Names of the ``label_top`` largest coefficients at the smallest λ (spread apart).
    label_top : int, default=8
    title : str, optional
        Figure title (default: one title per panel naming the class).
    """
    sparse = _is_sparse(path)
    view = path if sparse else _df_view(path)
    classes = [str(c) for c in np.asarray(path.classes)]
    multi = np.asarray(path.coefs).ndim == 3
    if not multi:
        shown = [0]
    elif cls is None:
        shown = list(range(len(classes)))
    else:
        if not -len(classes) <= int(cls) < len(classes):
            raise ValueError(f"cls={cls} is out of range for {len(classes)} classes")
        shown = [int(cls) % len(classes)]
    ncols = min(3, len(shown))
    nrows = math.ceil(len(shown) / ncols)
    fig, axes = new_figure(ncols=ncols, nrows=nrows,
                           figsize=(6.4 if ncols == 1 else 5.4 * ncols, 4.8 * nrows))
    for k, axis in zip(shown, axes, strict=False):
        name = f"log-odds of '{classes[-1]}'" if not multi else f"class '{classes[k]}'"
        kind = f"l1_ratio {path.l1_ratio:g}, " if sparse else ""
        enet_trace(view, selection, target=k, feature_names=feature_names,
                   label_top=label_top, ax=axis, top="nonzero" if sparse else "df",
                   title=f"logistic coefficient path ({kind}{name})")
    for axis in axes[len(shown):]:
        axis.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


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
