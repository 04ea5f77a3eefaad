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

__all__ = ["cv_glmnet", "glmnet_lambda_sequence"]


def cv_glmnet(X, y, lambdas, foldid, weights=None, fit_intercept: bool = True,
              rule: str = "min", fold_lambdas: str = "given", nlambda: int = 100,
              lambda_min_ratio: float | None = None) -> Selection:
    """``cv.glmnet(x, y, alpha = 0, standardize = FALSE, lambda = lambdas, foldid,
    weights)``, exactly.

    ``fold_lambdas="given"``: ``cv.glmnet`` was called with ``lambda = lambdas``, so every
    fold is fitted at exactly those λ. ``fold_lambdas="own"``: the default call without
    ``lambda =`` (``lambdas`` is then ``cv.glmnet``'s ``$lambda``): glmnet fits each fold
    on a λ sequence of its own — :func:`glmnet_lambda_sequence` of the fold, its first
    solution all zeros, the path stopped early as glmnet stops it — and interpolates the
    fold coefficients linearly in λ to the master λ (``alignment = "lambda"``); this is
    reproduced step by step. (glmnet's own fits are coordinate descent: with a tiny
    ``lambda.min.ratio`` they may not converge at the small-λ end, and then their early
    stop falls elsewhere than the exact fits' here.)

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
    fold_lambdas : {"given", "own"}
        How ``cv.glmnet`` was called (see above).
    nlambda, lambda_min_ratio
        glmnet's, for ``fold_lambdas="own"`` (defaults as glmnet's: 100, and 1e-4 when
        the fold has more rows than columns, else 0.01).

    Returns
    -------
    Selection
        ``alphas`` = ``lambdas`` (glmnet's scale), ``mean`` = ``cvm``, ``se`` = ``cvsd``,
        ``index_min``/``index_1se`` (0-based; glmnet's ``index`` minus 1), ``alpha`` = the
        chosen λ; ``extra["fold_alphas"]`` (K arrays) holds each fold's ridge α (for
        ``"own"``: of the fold's own λ sequence) and
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
    if fold_lambdas not in ("given", "own"):
        raise ValueError(f"fold_lambdas must be 'given' or 'own'; got {fold_lambdas!r}")
    if fold_lambdas == "own" and not fit_intercept:
        raise ValueError("fold_lambdas='own' is reproduced for intercept = TRUE only")
    mse, fold_weight, fold_alphas = [], [], []
    ids = np.asarray(foldid)
    labels = np.unique(ids)
    for k, (held, train) in enumerate(zip(fm.folds, fm.training(), strict=True)):
        moments = train if fit_intercept else train.uncentered()
        sd = float(np.sqrt(moments.cyy[0] / moments.weight))
        if sd == 0:
            raise ValueError("y is constant on a training fold: glmnet cannot scale it")
        if fold_lambdas == "given":
            alphas = train.weight * lam / sd
            mse.append(FoldCurve(train, held, fit_intercept).mse(alphas)[:, 0])
        else:
            n_rows = int(np.sum(ids != labels[k]))
            ratio = lambda_min_ratio if lambda_min_ratio is not None else \
                (1e-4 if n_rows > X.shape[1] else 1e-2)
            own, coef, intercept = _own_path(train, nlambda, ratio)
            alphas = train.weight * own / sd
            c, b0 = _interpolate(own, coef, intercept, lam)
            mse.append(_held_mse(held, c, b0))
        fold_weight.append(held.weight)
        fold_alphas.append(alphas)
    fold_weight = np.array(fold_weight)
    mse = np.array(mse)
    mean, se = summarize_folds(mse[:, :, None], fold_weight)
    cvm, cvsd = mean[:, 0], se[:, 0]
    at_min = np.flatnonzero(cvm <= cvm.min())
    index_min = int(at_min[np.argmax(lam[at_min])])  # glmnet: max(lambda[cvm <= min])
    index_1se = int(one_standard_error_index(cvm, cvsd, lam))
    chosen = index_min if rule == "min" else index_1se
    return Selection(lam, "cv.glmnet", cvm, cvsd, None, rule, float(lam[chosen]), index_min,
                     index_1se, extra={"fold_alphas": fold_alphas,
                                       "fold_mse": mse, "fold_weight": fold_weight,
                                       "lambda_min": float(lam[index_min]),
                                       "lambda_1se": float(lam[index_1se])})


#: glmnet.control defaults: minimum fractional change in deviance explained, its maximum,
#: and the fewest path steps before stopping early
_FDEV, _DEVMAX, _MNLAM = 1e-5, 0.999, 5


def glmnet_lambda_sequence(moments, nlambda: int = 100, lambda_min_ratio: float = 1e-4,
                           alpha_glmnet: float = 0.0) -> np.ndarray:
    r"""glmnet's own λ sequence for centered, weighted moments of (X, y), gaussian family,
    ``standardize = FALSE``, before early stopping:

    .. math:: \lambda_2 = \rho\,\frac{\max_j |g_j|}{\max(a, 10^{-3})}\,s_y, \quad
              \lambda_m = \lambda_2\,\rho^{m-2}, \quad
              \lambda_1 = \lambda_2^2/\lambda_3,

    with :math:`\rho` = ``lambda_min_ratio`` :math:`^{1/(L-1)}`,
    :math:`g_j = \sum_i \tilde w_i (x_{ij} - \bar x_j)(y_i - \bar y)/s_y` (weights
    normalized to sum 1) and :math:`\lambda_1` glmnet's extrapolated first value (its
    first solution is computed at λ = ∞: all coefficients zero).
    """
    if nlambda < 3:
        raise ValueError("nlambda must be >= 3")
    sd = float(np.sqrt(moments.cyy[0] / moments.weight))
    g = np.abs(moments.cxy[:, 0]) / moments.weight / sd
    rho = lambda_min_ratio ** (1.0 / (nlambda - 1))
    lam = rho * g.max() / max(alpha_glmnet, 1e-3) * sd * rho ** np.arange(nlambda - 1)
    return np.r_[lam[0] ** 2 / lam[1], lam]


def _own_path(train, nlambda, ratio):
    """A fold's own glmnet ridge path: λ, coefficients (m, p) and intercepts (m,), with
    glmnet's early stop (deviance explained changes by < 1e-5 of itself, or exceeds
    0.999, from the 5th λ on)."""
    from ridgekit.spectrum import from_moments

    lam = glmnet_lambda_sequence(train, nlambda, ratio)
    sd = float(np.sqrt(train.cyy[0] / train.weight))
    spec = from_moments(train, True)
    coef = np.zeros((lam.size, train.n_features))
    coef[1:] = spec.coef_path(train.weight * lam[1:] / sd)[:, 0]
    rsq = np.r_[0.0, 1.0 - spec.rss(train.weight * lam[1:] / sd)[:, 0] / train.cyy[0]]
    stop = lam.size
    for m in range(1, lam.size):
        if m + 1 >= min(_MNLAM, lam.size) and (rsq[m] - rsq[m - 1] < _FDEV * rsq[m]
                                                 or rsq[m] > _DEVMAX):
            stop = m + 1
            break
    coef = coef[:stop]
    return lam[:stop], coef, train.mean_y[0] - coef @ train.mean_x


def _interpolate(lam, coef, intercept, s):
    """glmnet's ``lambda.interp``: coefficients at ``s`` by linear interpolation in λ
    between the neighbouring path values (clamped to the ends of the path)."""
    frac_path = (lam[0] - lam) / (lam[0] - lam[-1])
    sfrac = np.clip((lam[0] - s) / (lam[0] - lam[-1]), frac_path.min(), frac_path.max())
    coord = np.interp(sfrac, frac_path, np.arange(lam.size))
    left, right = np.floor(coord).astype(int), np.ceil(coord).astype(int)
    denom = frac_path[left] - frac_path[right]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (sfrac - frac_path[right]) / denom
    f = np.where((left == right) | (np.abs(denom) < np.finfo(float).eps), 1.0, f)
    c = f[:, None] * coef[left] + (1 - f)[:, None] * coef[right]
    return c, f * intercept[left] + (1 - f) * intercept[right]


def _held_mse(held, coef, intercept):
    r"""Weighted mean squared error on a fold of coefficients (L, p) and intercepts (L,),
    from the fold's moments: :math:`(C_{yy} - 2b^TC_{xy} + b^TC_{xx}b
    + s(\bar y - b_0 - \bar x^Tb)^2)/s`."""
    quad = np.einsum("lp,pq,lq->l", coef, held.cxx, coef)
    shift = held.mean_y[0] - intercept - coef @ held.mean_x
    sse = held.cyy[0] - 2 * coef @ held.cxy[:, 0] + quad + held.weight * shift**2
    return np.maximum(sse, 0.0) / held.weight
