r"""Exact conversions between glmnet's penalty convention and scikit-learn's / ridgekit's.

Pure Python arithmetic (``math`` only, absolute imports only), like every module of
:mod:`ridgekit.conventions`.

The three objectives
--------------------
**glmnet** (``family = "gaussian"``), with mixing :math:`a \in [0, 1]` (its ``alpha``)
and weights normalized to sum to n:

.. math:: \frac{1}{2n}\sum_i w_i (y_i - \beta_0 - x_i^T\beta)^2
          + \lambda\Big[\frac{1-a}{2}\lVert\beta\rVert_2^2 + a\lVert\beta\rVert_1\Big],

but glmnet *first scales y to unit variance*: it fits :math:`y/s_y` with
:math:`s_y = \sqrt{\sum_i w_i (y_i - \bar y)^2 / \sum_i w_i}` (the population, ddof = 0,
weighted standard deviation), with the penalty :math:`\lambda/s_y` on that scale, and
reports the coefficients and λ on the scale of y. Substituting
:math:`\beta = s_y b` turns the fit it reports into

.. math:: \frac{1}{2n}\lVert y - \beta_0 - X\beta\rVert^2 + a\lambda\lVert\beta\rVert_1
          + \frac{(1-a)\lambda}{2 s_y}\lVert\beta\rVert_2^2 :

the L1 part is unaffected by the scaling, the L2 part is divided by :math:`s_y`.
(``standardize = TRUE`` scales the *columns* of X as well; that is a different matter,
see :mod:`ridgekit.sparse` penalty factors. These formulas hold for
``standardize = FALSE``, or for X already standardized by glmnet's population sd.)

**scikit-learn** ``ElasticNet(alpha=A, l1_ratio=r)`` / ``Lasso(alpha=A)``:

.. math:: \frac{1}{2n}\lVert y - \beta_0 - X\beta\rVert^2 + A r\lVert\beta\rVert_1
          + \frac{A(1-r)}{2}\lVert\beta\rVert_2^2 .

**ridgekit / scikit-learn** ``Ridge(alpha=α)``:
:math:`\lVert y - \beta_0 - X\beta\rVert^2 + \alpha\lVert\beta\rVert_2^2`
(with weights: :math:`\sum_i w_i(\cdot)^2`, so n becomes :math:`\sum_i w_i`).

The conversions
---------------
========================================  ==============================================
ridge (a = 0)                             :math:`\alpha = n\lambda / s_y`,
                                          :math:`\lambda = \alpha s_y / n`
elastic net (glmnet → scikit-learn)       :math:`A = a\lambda + (1-a)\lambda/s_y`,
                                          :math:`r = a\lambda / A`
elastic net (scikit-learn → glmnet)       :math:`\lambda = Ar + A(1-r)s_y`,
                                          :math:`a = Ar/\lambda`
lasso (a = 1)                             :math:`A = \lambda` (no :math:`s_y`)
========================================  ==============================================

For families other than gaussian glmnet does not scale y: pass ``sd_y=1``.

One λ sequence is not one α grid under cross-validation: ``cv.glmnet`` refits each
training fold with its own n and :math:`s_y`, so fold k's ridge penalty is
:math:`n_k\lambda/s_{y,k}`. :func:`ridgekit.select.cv_glmnet` reproduces it exactly.
"""

from __future__ import annotations

import math

__all__ = [
    "glmnet_sd",
    "glmnet_lambda_to_ridge_alpha",
    "ridge_alpha_to_glmnet_lambda",
    "glmnet_to_sklearn_enet",
    "sklearn_enet_to_glmnet",
]


def glmnet_sd(y, weights=None) -> float:
    """glmnet's :math:`s_y`: the population (ddof = 0) standard deviation of y,
    weighted when ``weights`` are given, :math:`\\sqrt{\\sum w(y-\\bar y)^2/\\sum w}`."""
    ys = [float(v) for v in y]
    ws = [1.0] * len(ys) if weights is None else [float(v) for v in weights]
    if len(ws) != len(ys) or not ys:
        raise ValueError("y and weights must be non-empty and of the same length")
    total = math.fsum(ws)
    if total <= 0:
        raise ValueError("weights must have a positive sum")
    mean = math.fsum(w * v for w, v in zip(ws, ys, strict=True)) / total
    return math.sqrt(math.fsum(w * (v - mean) ** 2 for w, v in zip(ws, ys, strict=True)) / total)


def _check(name: str, value: float, positive: bool = False) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'> 0' if positive else '>= 0'} and finite; "
                         f"got {value}")
    return value


def glmnet_lambda_to_ridge_alpha(lam: float, n: float, sd_y: float) -> float:
    """Ridge α (ridgekit, scikit-learn ``Ridge``) of glmnet's gaussian ridge
    (``alpha = 0``) at ``lambda``: :math:`\\alpha = n\\lambda/s_y`.

    Parameters
    ----------
    lam : float
        glmnet's λ.
    n : float
        Number of rows (with weights: their sum, in ridgekit's weighted objective).
    sd_y : float
        :func:`glmnet_sd` of y (1 for non-gaussian families).
    """
    return _check("n", n, True) * _check("lambda", lam) / _check("sd_y", sd_y, True)


def ridge_alpha_to_glmnet_lambda(alpha: float, n: float, sd_y: float) -> float:
    """glmnet's λ (``alpha = 0``, gaussian) of ridge α: :math:`\\lambda = \\alpha s_y/n`."""
    return _check("alpha", alpha) * _check("sd_y", sd_y, True) / _check("n", n, True)


def glmnet_to_sklearn_enet(lam: float, alpha_glmnet: float, sd_y: float = 1.0
                           ) -> tuple[float, float]:
    """scikit-learn ``ElasticNet``'s ``(alpha, l1_ratio)`` of glmnet's ``(lambda, alpha)``.

    :math:`A = a\\lambda + (1-a)\\lambda/s_y`, :math:`r = a\\lambda/A` (see the module
    docstring). ``alpha_glmnet = 1`` gives ``Lasso(alpha=lambda)``; ``0`` gives
    ``l1_ratio = 0``, i.e. ``Ridge(alpha = n * A)``.
    """
    lam, a = _check("lambda", lam), _check("alpha_glmnet", alpha_glmnet)
    if a > 1:
        raise ValueError(f"alpha_glmnet (the mixing) must lie in [0, 1]; got {a}")
    big_a = a * lam + (1.0 - a) * lam / _check("sd_y", sd_y, True)
    return big_a, (a * lam / big_a if big_a > 0 else a)


def sklearn_enet_to_glmnet(alpha: float, l1_ratio: float, sd_y: float = 1.0
                           ) -> tuple[float, float]:
    """glmnet's ``(lambda, alpha)`` of scikit-learn ``ElasticNet(alpha, l1_ratio)``:
    :math:`\\lambda = Ar + A(1-r)s_y`, :math:`a = Ar/\\lambda`."""
    big_a, r = _check("alpha", alpha), _check("l1_ratio", l1_ratio)
    if r > 1:
        raise ValueError(f"l1_ratio must lie in [0, 1]; got {r}")
    lam = big_a * r + big_a * (1.0 - r) * _check("sd_y", sd_y, True)
    return lam, (big_a * r / lam if lam > 0 else r)
