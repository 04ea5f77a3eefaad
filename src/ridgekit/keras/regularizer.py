r"""``L2Penalty``: Keras' L2 regularizer, built from and explained in any convention.

Keras adds :math:`l_2\sum W^2` (no ½) to the *mean* loss, so one number means
different things to different readers. ``L2Penalty`` stores Keras' own ``l2`` (it is
a ``keras.regularizers.L2``, so Keras computes exactly ``l2 · sum(square(W))``) and,
optionally, the number of samples ``n``; its repr shows the same strength as

* ridge α on the summed loss :math:`\sum_i\ell_i + \alpha\|W\|^2` (``α = n·l2``; with
  the ``"mse"`` loss this is ``ridgekit.Ridge(alpha)``),
* the textbook :math:`\frac{\lambda}{2m}\|W\|^2` with :math:`m = n` (``λ = 2n·l2``),
* ``torch.optim.SGD``/``Adam`` ``weight_decay`` and optax's L2-placed
  ``add_decayed_weights`` (``2·l2``),
* and, equal only under plain SGD without momentum, decoupled weight decay
  (torch/Keras AdamW, optax ``adamw``: ``2·l2``).

All arithmetic is :mod:`ridgekit.conventions`.
"""

from __future__ import annotations

import keras

import ridgekit.conventions as cv

__all__ = ["L2Penalty"]

_LABELS = {
    "ridge": "ridge alpha (summed loss)",
    "penalty": "lambda of (lambda/2m)*sum W^2, m=n",
    "torch_sgd": "torch SGD/Adam weight_decay",
    "optax_l2": "optax add_decayed_weights before scale_by_adam",
    "torch_adamw": "AdamW / Keras / optax weight_decay",
}


@keras.saving.register_keras_serializable(package="ridgekit", name="L2Penalty")
class L2Penalty(keras.regularizers.L2):
    r"""Keras L2 regularizer :math:`l_2\sum W^2` that knows its conventions.

    Parameters
    ----------
    l2 : float
        Keras' factor (≥ 0): the penalty added to the mean loss is
        :math:`l_2\sum W^2`.
    n : float, optional
        Number of training samples (times the number of outputs for a multi-output
        mean loss). Only used to report the summed-loss conventions; it does not
        change the penalty.

    Notes
    -----
    Build one from another convention with the class methods:

    ==============================================  ===============================
    constructor                                     Keras ``l2``
    ==============================================  ===============================
    ``from_ridge(alpha, n)``                        :math:`\alpha/n`
    ``from_lambda_over_2m(lam, m)``                 :math:`\lambda/(2m)`
    ``from_weight_decay(wd, "torch_sgd")``          :math:`wd/2`
    ``from_convention(value, name, **kw)``          :func:`ridgekit.conventions.convert`
    ==============================================  ===============================

    Examples
    --------
    >>> reg = L2Penalty.from_ridge(0.05, n=1000)   # doctest: +SKIP
    >>> reg.l2                                     # doctest: +SKIP
    5e-05
    """

    def __init__(self, l2: float = 0.01, n: float | None = None):
        l2 = cv.keras_l2_to_penalty(l2)  # validates: real, finite, >= 0
        l2 = cv.penalty_to_keras_l2(l2)
        if n is not None:
            n = cv.keras_l2_to_ridge(1.0, n)  # validates n > 0
        super().__init__(l2)
        self.n = n

    # ------------------------------------------------------------- constructors
    @classmethod
    def from_convention(
        cls,
        value: float,
        convention: str,
        *,
        n: float | None = None,
        lr0: float | None = None,
        lr: float | None = None,
        assume_plain_sgd: bool = False,
    ) -> L2Penalty:
        """From a strength in any convention of :data:`ridgekit.conventions.CONVENTIONS`.

        ``n`` is needed for ``"ridge"`` and is the :math:`m` of ``"penalty"``; a
        decoupled convention (AdamW-style) needs ``assume_plain_sgd=True`` because an
        L2 penalty equals decoupled decay only for SGD without momentum.
        """
        l2 = cv.convert(
            value, convention, "keras_l2", n=n, lr0=lr0, lr=lr, assume_plain_sgd=assume_plain_sgd
        )
        return cls(l2, n=n)

    @classmethod
    def from_ridge(cls, alpha: float, n: float) -> L2Penalty:
        r"""Ridge α on the summed loss: :math:`l_2 = \alpha/n`.

        A Dense layer with this kernel regularizer and the ``"mse"`` loss, trained to
        convergence, is ``ridgekit.Ridge(alpha)`` (Keras does not regularize the bias,
        Ridge does not penalize the intercept).
        """
        return cls(cv.ridge_to_keras_l2(alpha, n), n=n)

    @classmethod
    def from_lambda_over_2m(cls, lam: float, m: float) -> L2Penalty:
        r"""The textbook :math:`\frac{\lambda}{2m}\sum\|W\|_F^2` on the mean loss.

        .. math:: l_2 = \frac{\lambda}{2m}
        """
        return cls(cv.penalty_to_keras_l2(lam, m), n=m)

    @classmethod
    def from_weight_decay(
        cls,
        weight_decay: float,
        optimizer: str = "torch_sgd",
        *,
        lr: float | None = None,
        lr0: float | None = None,
        n: float | None = None,
        assume_plain_sgd: bool = False,
    ) -> L2Penalty:
        r"""From an optimizer's ``weight_decay``, named by its convention.

        ``optimizer`` is a convention name: ``"torch_sgd"``/``"torch_adam"``/
        ``"optax_l2"`` (L2 in the gradient: :math:`l_2 = wd/2`, exact for every
        optimizer) or a decoupled one (``"torch_adamw"``, ``"keras_weight_decay"``,
        ``"optax"``: :math:`l_2 = \omega/2`; ``"adamw_paper"`` with ``lr0``:
        :math:`l_2 = \lambda_p/(2\eta_0)`; ``"per_step"`` with ``lr``:
        :math:`l_2 = \lambda/(2\eta)`), which need ``assume_plain_sgd=True``.
        """
        return cls.from_convention(
            weight_decay, optimizer, n=n, lr0=lr0, lr=lr, assume_plain_sgd=assume_plain_sgd
        )

    # ------------------------------------------------------------- conventions
    def equivalents(self) -> dict[str, dict[str, float]]:
        """This strength in every convention (see :func:`ridgekit.conventions.equivalents`)."""
        return cv.equivalents(self.l2, "keras_l2", n=self.n)

    def to(self, convention: str, **kwargs) -> float:
        """This strength in another convention (:func:`ridgekit.conventions.convert`)."""
        kwargs.setdefault("n", self.n)
        return cv.convert(self.l2, "keras_l2", convention, **kwargs)

    def get_config(self) -> dict:
        return {"l2": self.l2, "n": self.n}

    def __repr__(self) -> str:
        eq = self.equivalents()
        same = [
            f"{_LABELS[k]} {eq['same_family'][k]:.6g}"
            for k in ("ridge", "penalty", "torch_sgd", "optax_l2")
            if k in eq["same_family"]
        ]
        if self.n is None:
            same.insert(0, "ridge alpha n*l2 (give n)")
        cross = f"{_LABELS['torch_adamw']} {eq['plain_sgd_only']['torch_adamw']:.6g}"
        n = "" if self.n is None else f", n={self.n:g}"
        return (
            f"L2Penalty(l2={self.l2:.6g}{n}): adds l2*sum(W**2) to the mean loss; "
            + "; ".join(same)
            + f"; plain SGD only: {cross}"
        )

    __str__ = __repr__
