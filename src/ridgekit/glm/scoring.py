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

from ridgekit.glm._family import binomial_log_loss

__all__ = ["BUILTIN_SCORES", "pointwise_error", "pointwise_errors", "set_error"]

BUILTIN_SCORES = ("deviance", "log_loss", "accuracy", "roc_auc")


def pointwise_error(name: str, family, eta: np.ndarray, Y: np.ndarray):
    """Per-sample error (n,), or None when the measure does not split over samples."""
    if name in ("deviance", "log_loss"):
        if Y.shape[1] == 1 and eta.dtype == np.float64:
            ll = binomial_log_loss(eta[:, 0], Y[:, 0])
        else:
            ll = family.pointwise(eta, Y)
        return 2.0 * ll if name == "deviance" else ll
    if name == "accuracy":
        if Y.shape[1] == 1:
            return ((eta[:, 0] > 0) != (Y[:, 0] > 0.5)).astype(float)
        return (np.argmax(eta, axis=1) != np.argmax(Y, axis=1)).astype(float)
    return None


def pointwise_errors(name: str, family, etas: np.ndarray, Y: np.ndarray):
    """:func:`pointwise_error` of each of L sets of linear predictors (L, n, K) -> (L, n),
    or None; the L evaluations are shared among the CPUs (numpy's exp and log1p release
    the GIL; at n = 100,000 and 30 λ they are 30 ms on one core)."""
    from ridgekit._blas_split import blas_workers, split_sum

    L = len(etas)
    first = pointwise_error(name, family, etas[0], Y) if L else None
    if first is None:
        return None
    out = np.empty((L, Y.shape[0]))
    out[0] = first

    def work(a: int, b: int) -> None:  # sets 1 + a .. b of the other L - 1
        for i in range(1 + a, 1 + b):
            out[i] = pointwise_error(name, family, etas[i], Y)

    if L > 1:
        split_sum(work, L - 1, 1, blas_workers() if out.size >= 1 << 20 else 1,
                  lambda a, b: None)
    return out


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
