r"""Penalty conventions of L2-penalized logistic and multinomial regression.

Pure arithmetic: imports nothing but ``math``. ridgekit's :class:`~ridgekit.linear_model.
LogisticRidge` minimizes, over coefficients :math:`\beta` (one vector per class in the
multinomial case) and unpenalized intercepts :math:`\beta_0`,

.. math::

    F(\beta_0, \beta) = \sum_i w_i\,\ell_i(\beta_0, \beta)
                        + \frac{\alpha}{2}\sum_k \lVert \beta_k \rVert_2^2,

where :math:`\ell_i` is the negative log-likelihood of sample :math:`i` (the binary
log-loss :math:`\log(1+e^{\eta_i}) - y_i\eta_i`, or the softmax cross-entropy
:math:`\log\sum_k e^{\eta_{ik}} - \eta_{i y_i}`) and :math:`w_i` the sample weights.

scikit-learn
------------
``LogisticRegression(C=C)`` minimizes :math:`\frac12\lVert\beta\rVert^2 + C\sum_i
w_i\ell_i`; dividing by :math:`C` gives ridgekit's objective with

.. math:: \alpha = 1 / C, \qquad C = 1/\alpha .

The same holds for ``LogisticRegressionCV(Cs=...)``: a grid of :math:`\alpha` is the grid
of :math:`C = 1/\alpha`. (:math:`\alpha = 0` is :math:`C = \infty`, no penalty.)

glmnet
------
``glmnet(family="binomial" | "multinomial", alpha=a, lambda=lam)`` minimizes

.. math::

    -\frac{1}{W}\sum_i w_i\,\log L_i
    + \lambda\Big[\frac{1-a}{2}\lVert\beta\rVert_2^2 + a\lVert\beta\rVert_1\Big],
    \qquad W = \sum_i w_i ,

(weights normalized to sum to one: the *1/n loss scaling* with unit weights, :math:`W =
n`). Multiplying by :math:`W` gives ridgekit's objective for :math:`a = 0` with

.. math:: \alpha = W\,\lambda\,(1 - a), \qquad \lambda = \frac{\alpha}{W\,(1-a)} ,

where ``l1_ratio`` :math:`= a` is glmnet's mixing ``alpha``: this is the pure-L2 α that
carries glmnet's ridge part alone. With an elastic net (``LogisticRidge(l1_ratio=ρ)``,
two classes) ridgekit minimizes :math:`\sum_iw_i\ell_i + \alpha[\rho\lVert\beta
\rVert_1 + \frac{1-\rho}{2}\lVert\beta\rVert_2^2]` -- scikit-learn's
``penalty="elasticnet"`` divided by C -- and glmnet's objective times W is that with

.. math:: \alpha = W\lambda, \qquad \rho = a

(:func:`glmnet_lambda_to_enet_alpha`). Two glmnet defaults
change the problem, not the scale: ``standardize=TRUE`` penalizes
:math:`\beta_j s_j` (ridgekit's ``standardize=True``, :math:`s_j` the weighted population
standard deviation of column :math:`j`), and ``penalty.factor`` is rescaled internally to
sum to the number of variables (ridgekit's ``penalty_factor`` is used as given). The
``multinomial`` family penalizes every class's coefficients symmetrically, as ridgekit
does; its ``type.multinomial="grouped"`` only matters for the L1 part.
"""

from __future__ import annotations

import math

__all__ = [
    "alpha_to_glmnet_lambda",
    "alpha_to_sklearn_C",
    "glmnet_lambda_to_alpha",
    "glmnet_lambda_to_enet_alpha",
    "sklearn_C_to_alpha",
]


def _real(value, what: str, positive: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a real number, got {value!r}") from None
    if math.isnan(x):
        raise ValueError(f"{what} must not be NaN")
    if x < 0 or (positive and x == 0):
        raise ValueError(f"{what} must be {'> 0' if positive else '>= 0'}, got {value!r}")
    return x


def _mixing(l1_ratio) -> float:
    a = _real(l1_ratio, "l1_ratio")
    if a >= 1:
        raise ValueError(f"l1_ratio={l1_ratio!r}: with l1_ratio = 1 there is no L2 part to "
                         "convert; give a value in [0, 1)")
    return a


def sklearn_C_to_alpha(C: float) -> float:  # noqa: N802 - scikit-learn's name
    r"""ridgekit's :math:`\alpha` from scikit-learn's ``C``: :math:`\alpha = 1/C`
    (``C = inf`` gives 0)."""
    c = _real(C, "C", positive=True)
    return 0.0 if math.isinf(c) else 1.0 / c


def alpha_to_sklearn_C(alpha: float) -> float:  # noqa: N802 - scikit-learn's name
    r"""scikit-learn's ``C`` from ridgekit's :math:`\alpha`: :math:`C = 1/\alpha`
    (:math:`\alpha = 0` gives ``inf``)."""
    a = _real(alpha, "alpha")
    if math.isinf(a):
        raise ValueError("alpha must be finite")
    return math.inf if a == 0 else 1.0 / a


def glmnet_lambda_to_alpha(lam: float, weight_sum: float, l1_ratio: float = 0.0) -> float:
    r"""ridgekit's :math:`\alpha` from glmnet's binomial/multinomial ``lambda``.

    .. math:: \alpha = W\,\lambda\,(1 - a)

    Parameters
    ----------
    lam : float
        glmnet's ``lambda`` (>= 0).
    weight_sum : float
        :math:`W = \sum_i w_i`: the number of observations for unit weights.
    l1_ratio : float, default 0
        glmnet's mixing ``alpha`` :math:`a \in [0, 1)`.
    """
    return _real(weight_sum, "weight_sum", positive=True) * _real(lam, "lambda") * \
        (1.0 - _mixing(l1_ratio))


def alpha_to_glmnet_lambda(alpha: float, weight_sum: float, l1_ratio: float = 0.0) -> float:
    r"""glmnet's binomial/multinomial ``lambda`` from ridgekit's :math:`\alpha`.

    .. math:: \lambda = \frac{\alpha}{W\,(1 - a)}

    Parameters are those of :func:`glmnet_lambda_to_alpha`.
    """
    return _real(alpha, "alpha") / (_real(weight_sum, "weight_sum", positive=True)
                                    * (1.0 - _mixing(l1_ratio)))


def glmnet_lambda_to_enet_alpha(lam: float, weight_sum: float) -> float:
    r"""ridgekit's elastic-net :math:`lpha` (``LogisticRidge(l1_ratio=a)``) from glmnet's
    binomial ``lambda`` with mixing ``alpha = a``: :math:`lpha = W\lambda`, the same
    ``l1_ratio``; the inverse is :math:`\lambda = lpha/W`."""
    return _real(weight_sum, "weight_sum", positive=True) * _real(lam, "lambda")
