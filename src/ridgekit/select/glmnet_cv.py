"""``cv.glmnet(alpha = 0)`` reproduced exactly, from per-fold moments.

glmnet refits every training fold on its own y scale: for the gaussian family it scales
y by its population standard deviation on *that fold's* training rows, so glmnet's λ is,
on fold k, the ridge penalty

.. math:: \\alpha_k(\\lambda) = \\frac{S_k\\,\\lambda}{s_{y,k}}, \\qquad
          S_k = \\sum_{i \\in \\text{train}_k} w_i, \\quad
          s_{y,k} = \\sqrt{\\textstyle\\sum_{\\text{train}_k} w_i (y_i - \\bar y_k)^2 / S_k}

(:func:`ridgekit.conventions.glmnet_lambda_to_ridge_alpha` per fold; :math:`S_k = n_k`
without weights). One α grid shared by the folds cannot reproduce ``cv.glmnet``; one λ
grid mapped fold by fold does. The held-out errors then come from each fold's own
moments (:class:`~ridgekit.select.kfold.FoldCurve`), and ``cvm``/``cvsd`` are
:func:`~ridgekit.select.kfold.summarize_folds` (glmnet's weighted mean over folds and
:math:`\\sqrt{\\mathrm{wvar}/(K-1)}`); ``lambda.min`` is the largest λ attaining the
minimum, ``lambda.1se`` the largest λ within one ``cvsd`` of it.
"""

from __future__ import annotations

import numpy as np

from ridgekit.moments import FoldMoments
from ridgekit.select._selection import Selection, one_standard_error_index
from ridgekit.select.kfold import FoldCurve, summarize_folds

__all__ = ["cv_glmnet"]


def cv_glmnet(X, y, lambdas, foldid, weights=None, fit_intercept: bool = True,
              rule: str = "min") -> Selection:
    """``cv.glmnet(x, y, alpha = 0, standardize = FALSE, lambda = lambdas, foldid,
    weights)``, exactly.

    Pass the λ sequence to ``cv.glmnet`` as ``lambda =`` (e.g. glmnet's own,
    ``glmnet(x, y, alpha = 0, standardize = FALSE)$lambda``): every fold is then fitted at
    exactly those λ, and this function returns the same curves. Without ``lambda =``,
    ``cv.glmnet`` fits each fold on a λ sequence of its own and interpolates the fold
    coefficients linearly to the master λ (its ``alignment = "lambda"``), which is not
    a ridge fit at any λ; that variant is not reproduced here.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)
    lambdas : array-like of shape (L,)
        glmnet's λ sequence (``fit$lambda``; decreasing, as glmnet makes it).
    foldid : array-like of shape (n,)
        glmnet's ``foldid`` (any labels).
    weights : array-like of shape (n,), optional
    fit_intercept : bool
        glmnet's ``intercept``.
    rule : {"min", "1se"}
        Which λ becomes ``alpha``: ``lambda.min`` or ``lambda.1se``.

    Returns
    -------
    Selection
        ``alphas`` = ``lambdas`` (glmnet's scale), ``mean`` = ``cvm``, ``se`` = ``cvsd``,
        ``index_min``/``index_1se`` (0-based; glmnet's ``index`` minus 1), ``alpha`` = the
        chosen λ; ``extra["fold_alphas"]`` (K, L) holds each fold's ridge α and
        ``extra["fold_mse"]`` (K, L) the fold errors (glmnet's ``cvraw`` aggregated by fold).
        The final fit on all rows is ``Ridge(alpha = n * lambda / glmnet_sd(y))``.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.ndim != 1:
        raise ValueError("cv_glmnet reproduces the gaussian family for one response y")
    lam = np.asarray(lambdas, dtype=float)
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError("lambdas must be a non-empty 1-D array of finite values >= 0")
    if rule not in ("min", "1se"):
        raise ValueError(f"unknown rule {rule!r}; choose 'min' or '1se'")
    fm = FoldMoments.from_arrays(X, y[:, None], np.asarray(foldid),
                                 None if weights is None else np.asarray(weights, float))
    if fm.n_folds < 3:
        raise ValueError("cv.glmnet needs at least 3 folds")
    mse, fold_weight, fold_alphas = [], [], []
    for held, train in zip(fm.folds, fm.training(), strict=True):
        moments = train if fit_intercept else train.uncentered()
        sd = float(np.sqrt(moments.cyy[0] / moments.weight))
        if sd == 0:
            raise ValueError("y is constant on a training fold: glmnet cannot scale it")
        alphas = train.weight * lam / sd
        curve = FoldCurve(train, held, fit_intercept)
        mse.append(curve.mse(alphas)[:, 0])
        fold_weight.append(held.weight)
        fold_alphas.append(alphas)
    mse, fold_weight = np.array(mse), np.array(fold_weight)
    mean, se = summarize_folds(mse[:, :, None], fold_weight)
    cvm, cvsd = mean[:, 0], se[:, 0]
    at_min = np.flatnonzero(cvm <= cvm.min())
    index_min = int(at_min[np.argmax(lam[at_min])])  # glmnet: max(lambda[cvm <= min])
    index_1se = int(one_standard_error_index(cvm, cvsd, lam))
    chosen = index_min if rule == "min" else index_1se
    return Selection(lam, "cv.glmnet", cvm, cvsd, None, rule, float(lam[chosen]), index_min,
                     index_1se, extra={"fold_alphas": np.array(fold_alphas),
                                       "fold_mse": mse, "fold_weight": fold_weight,
                                       "lambda_min": float(lam[index_min]),
                                       "lambda_1se": float(lam[index_1se])})
