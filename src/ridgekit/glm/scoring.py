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

__all__ = ["BUILTIN_SCORES", "pointwise_curve", "pointwise_error", "set_error"]

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


def pointwise_curve(name: str, family, etas: np.ndarray, Y: np.ndarray,
                    weights: np.ndarray, keep: bool = False):
    """Mean and standard error of :func:`pointwise_error` over the samples of positive
    weight (:func:`ridgekit.select.summarize_samples`) for each of L sets of linear
    predictors (L, n, K): ``(mean, se, E)``, E the (L, n) errors when ``keep`` (else
    None); None when the measure does not split over samples. Each set is summarized
    while its errors are in cache, and the L sets are shared among the CPUs (numpy's exp
    and log1p release the GIL; at n = 100,000 and 30 λ they are 30 ms on one core)."""
    from ridgekit._blas_split import blas_workers, split_sum
    from ridgekit.select.kfold import summarize_samples

    L = len(etas)
    if name in ("deviance", "log_loss") and Y.shape[1] == 1 and L * Y.shape[0] >= 1 << 20 \
            and etas.dtype == np.float64:  # all sets at once (numba row loops)
        from ridgekit.glm import _alo_kernels as kern

        rows = kern.RowSplit(Y.shape[0], blas_workers())
        try:
            E = kern.binomial_nll(etas[:, :, 0], Y[:, 0], rows)
        finally:
            rows.close()
        scale = 2.0 if name == "deviance" else 1.0
        pos = weights > 0
        every = bool(pos.all())
        mean, se = summarize_samples(E if every else E[:, pos], weights[pos],
                                     overwrite=not keep or not every)
        if keep:
            E *= scale
        return scale * mean, scale * se, E if keep else None
    first = pointwise_error(name, family, etas[0], Y) if L else None
    if first is None:
        return None
    pos = weights > 0
    every = bool(pos.all())
    mean, se = np.empty(L), np.empty(L)
    E = np.empty((L, Y.shape[0])) if keep else None

    def one(i: int, e: np.ndarray) -> None:
        mean[i], se[i] = (v[0] for v in summarize_samples(
            e[None] if every else e[None, pos], weights if every else weights[pos]))
        if keep:
            E[i] = e

    one(0, first)

    def work(a: int, b: int) -> None:  # sets 1 + a .. b of the other L - 1
        for i in range(1 + a, 1 + b):
            one(i, pointwise_error(name, family, etas[i], Y))

    if L > 1:
        split_sum(work, L - 1, 1, blas_workers() if L * Y.shape[0] >= 1 << 20 else 1,
                  lambda a, b: None)
    return mean, se, E


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
