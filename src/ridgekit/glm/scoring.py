r"""Held-out error of classifiers from linear predictors, lower is better.

===============  ===================================================  ============
name             error of a set of samples (weights :math:`w_i`)      per sample
===============  ===================================================  ============
``"deviance"``   :math:`2\sum w_i\ell_i/\sum w_i` (cv.glmnet's)       yes
``"log_loss"``   :math:`\sum w_i\ell_i/\sum w_i`                      yes
``"accuracy"``   misclassification rate :math:`1-\mathrm{accuracy}`   yes
``"roc_auc"``    :math:`1-\mathrm{AUC}` (one-vs-rest, macro, for K>2)  no
===============  ===================================================  ============

:math:`\ell_i` is the negative log-likelihood (log-loss) of sample i.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BUILTIN_SCORES", "pointwise_error", "set_error"]

BUILTIN_SCORES = ("deviance", "log_loss", "accuracy", "roc_auc")


def _binomial_log_loss(eta: np.ndarray, y: np.ndarray) -> np.ndarray:
    r""":math:`\ell = \log(1 + e^{-|z|}) + \max(-z, 0)`, :math:`z = \pm\eta` (+ for
    y = 1): the same value as ``-log_expit(z)``, in place with numpy's vectorized exp and
    log1p (about 6x faster, which matters at n x L values)."""
    z = np.where(y > 0.5, eta, -eta)
    out = np.abs(z)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    np.negative(z, out=z)
    np.maximum(z, 0.0, out=z)
    out += z
    return out


def pointwise_error(name: str, family, eta: np.ndarray, Y: np.ndarray):
    """Per-sample error (n,), or None when the measure does not split over samples."""
    if name in ("deviance", "log_loss"):
        if Y.shape[1] == 1 and eta.dtype == np.float64:
            ll = _binomial_log_loss(eta[:, 0], Y[:, 0])
        else:
            ll = family.pointwise(eta, Y)
        return 2.0 * ll if name == "deviance" else ll
    if name == "accuracy":
        if Y.shape[1] == 1:
            return ((eta[:, 0] > 0) != (Y[:, 0] > 0.5)).astype(float)
        return (np.argmax(eta, axis=1) != np.argmax(Y, axis=1)).astype(float)
    return None


def set_error(name: str, family, eta: np.ndarray, Y: np.ndarray, w: np.ndarray) -> float:
    """Weighted error of a set of samples."""
    e = pointwise_error(name, family, eta, Y)
    if e is not None:
        return float(e @ w / w.sum())
    from sklearn.metrics import roc_auc_score

    if Y.shape[1] == 1:
        return 1.0 - float(roc_auc_score(Y[:, 0], eta[:, 0], sample_weight=w))
    return 1.0 - float(roc_auc_score(np.argmax(Y, axis=1), family.proba(eta),
                                     sample_weight=w, multi_class="ovr",
                                     labels=np.arange(Y.shape[1])))
