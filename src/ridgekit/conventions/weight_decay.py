r"""Exact conversions between the weight-decay conventions of deep-learning libraries.

This module is pure Python arithmetic: it imports neither torch nor numpy, and it uses
no relative imports, so the file is self-contained (see "Importing without torch"
below).

Two families of conventions
---------------------------
Every library setting belongs to one of two families, and conversions *inside* a
family are exact identities:

**Coupled (penalty) family.** The regularizer enters the gradient. Its canonical
quantity is the gradient coefficient :math:`\kappa`: the total gradient seen by the
optimizer is

.. math:: \nabla_W \Big[\tfrac1m \textstyle\sum_i \ell_i\Big] + \kappa\, W .

================  =======================================================  ===================
name              what the number means                                    :math:`\kappa`
================  =======================================================  ===================
``"penalty"``     ridgekit: add :math:`\frac{\lambda}{2m}\sum\|W\|_F^2` to  :math:`\lambda/m`
                  the mean loss (``ridgekit.nn.l2_penalty``; :math:`m` =
                  ``n`` or 1)
``"torch_sgd"``   ``torch.optim.SGD(weight_decay=wd)``, with or without    :math:`wd`
                  momentum (the term is added to the gradient)
``"torch_adam"``  ``torch.optim.Adam(weight_decay=wd)`` (and Adagrad,      :math:`wd`
                  RMSprop...): an L2 gradient term, *not* decoupled decay
``"keras_l2"``    ``keras.regularizers.L2(l2)``: adds :math:`l_2\sum W^2`  :math:`2\,l_2`
                  to the mean loss (no :math:`\tfrac12`)
``"ridge"``       scikit-learn's ``alpha`` on the *summed* loss:            :math:`2\alpha/n`
                  :math:`\sum_i \ell_i + \alpha\sum\|W\|_F^2` (needs ``n``);
                  ``Ridge(alpha)`` when :math:`\ell_i=(y_i-\hat y_i)^2`
``"optax_l2"``    ``optax.add_decayed_weights(wd)`` placed *before* a       :math:`wd`
                  preconditioner (``scale_by_adam``) or as the first
                  transform of an SGD chain: an L2 gradient term
================  =======================================================  ===================

The ``"penalty"`` convention with ``n`` is the textbook (λ/2m)·Σ‖W‖²_F added to the
mean loss over m samples. Multiplying the whole objective by n shows what every coupled
setting means as a penalty on the summed loss: :math:`\sum_i\ell_i +
\tfrac{n\kappa}{2}\sum\|W\|_F^2`, i.e. ridge :math:`\alpha = n\kappa/2` (so
Keras ``l2 = α/n`` and torch ``weight_decay = 2α/n``). For a Keras/torch MSE over k
outputs the mean also runs over the outputs: use ``n·k`` for ``n``.

**Decoupled family.** The weights are shrunk directly, outside the gradient. The
canonical quantity is the lr-coupled rate :math:`\omega`: at a step taken with
learning rate :math:`\eta_t` the weights are multiplied by :math:`1-\eta_t\,\omega`.

=======================  ================================================  =======================
name                     what the number means                             :math:`\omega`
=======================  ================================================  =======================
``"torch_adamw"``        ``torch.optim.AdamW(weight_decay=wd)``:           :math:`wd`
                         :math:`W \leftarrow W(1-\eta_t\,wd)`
``"keras_weight_decay"`` Keras 3 optimizer ``weight_decay=wd``:            :math:`wd`
                         ``variable - variable * wd * lr``
``"optax"``              ``optax.add_decayed_weights(wd)`` placed before   :math:`wd`
                         ``scale_by_learning_rate`` (as in ``optax.adamw``)
``"adamw_paper"``        Loshchilov & Hutter (2019):                       :math:`\lambda_p/\eta_0`
                         :math:`W \leftarrow W - \eta_t^{\rm s}\lambda_p W`
                         with the schedule multiplier
                         :math:`\eta_t^{\rm s}=\eta_t/\eta_0` (ridgekit
                         coupling ``"schedule"``); needs ``lr0``
``"per_step"``           constant shrink :math:`W \leftarrow W(1-\lambda)`  :math:`\lambda/\eta`
                         every step (ridgekit coupling ``"none"``); exact
                         only for a constant learning rate ``lr``
=======================  ================================================  =======================

(ridgekit's decoupled optimizers with coupling ``"lr"`` use the ``"torch_adamw"``
convention.) Caveat for optax: ``add_decayed_weights`` placed *before*
``scale_by_adam`` is an L2 term (``"optax_l2"``, coupled family,
:math:`\kappa = wd`), not decoupled decay.

**Between the families** there is an exact identity only for plain SGD without
momentum, where :math:`W - \eta(g + \kappa W) = W(1-\eta\kappa) - \eta g`, so
:math:`\kappa = \omega`. For Adam, momentum SGD and any preconditioned method the two
families are different algorithms (Loshchilov & Hutter 2019), so :func:`convert`
refuses a cross-family conversion unless ``assume_plain_sgd=True``.

Timescales
----------
Wang & Aitchison (2024) read AdamW's weights as an exponential moving average of
recent updates with timescale :math:`\tau_{\rm iter} = 1/(\eta\,\omega)` iterations,
or :math:`\tau_{\rm epoch} = \tau_{\rm iter}/M` epochs with :math:`M = N/B` iterations
per epoch; see :func:`ema_timescale` and :func:`weight_decay_for_timescale`.
Loshchilov & Hutter's normalized decay :math:`\lambda = \lambda_{\rm norm}
\sqrt{b/(B\,T)}` is in :func:`normalized_weight_decay`.

Importing without torch
-----------------------
This module needs neither torch nor anything else from ridgekit: ``import
ridgekit.conventions`` works on any machine. ``ridgekit.nn.conventions`` re-exports it
for users of ``ridgekit.nn``.
"""

from __future__ import annotations

import math

__all__ = [
    "CONVENTIONS",
    "COUPLED",
    "DECOUPLED",
    "convert",
    "ema_timescale",
    "equivalents",
    "keras_l2_to_penalty",
    "keras_l2_to_ridge",
    "normalized_weight_decay",
    "normalized_weight_decay_from",
    "paper_to_torch_adamw",
    "penalty_to_keras_l2",
    "penalty_to_torch_weight_decay",
    "ridge_to_keras_l2",
    "ridge_to_torch_weight_decay",
    "torch_adamw_to_paper",
    "torch_weight_decay_to_penalty",
    "torch_weight_decay_to_ridge",
    "weight_decay_for_timescale",
]

#: Conventions whose value enters the gradient (an L2 penalty).
COUPLED: tuple[str, ...] = (
    "penalty",
    "torch_sgd",
    "torch_adam",
    "keras_l2",
    "ridge",
    "optax_l2",
)
#: Conventions whose value shrinks the weights directly (decoupled weight decay).
DECOUPLED: tuple[str, ...] = (
    "torch_adamw",
    "keras_weight_decay",
    "optax",
    "adamw_paper",
    "per_step",
)
#: All convention names understood by :func:`convert`.
CONVENTIONS: tuple[str, ...] = COUPLED + DECOUPLED


# --------------------------------------------------------------------------- checks
def _nonneg(value: float, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a real number, got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {value!r}")
    if x < 0:
        raise ValueError(f"{what} must be >= 0, got {value!r}")
    return x


def _positive(value: float | None, what: str, needed_for: str = "") -> float:
    if value is None:
        extra = f" (needed for {needed_for})" if needed_for else ""
        raise ValueError(f"{what} is required{extra}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a real number, got {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{what} must be a finite number > 0, got {value!r}")
    return x


def _m(n: float | None) -> float:
    """Normalizer m of the penalty (lambda/2m)·Σ‖W‖²: n if given, else 1."""
    return 1.0 if n is None else _positive(n, "n")


def _check_name(name: str, role: str) -> str:
    if not isinstance(name, str) or name not in CONVENTIONS:
        raise ValueError(
            f"unknown {role} convention {name!r}; valid names are: " + ", ".join(CONVENTIONS)
        )
    return name


# ------------------------------------------------------------- named conversions
def penalty_to_torch_weight_decay(lam: float, n: float | None = None) -> float:
    r"""Penalty λ → ``weight_decay`` of ``torch.optim.SGD`` / ``Adam`` (L2 form).

    .. math:: wd = \frac{\lambda}{m}, \qquad m = n \text{ if given, else } 1,

    because :math:`\nabla_W \frac{\lambda}{2m}\|W\|_F^2 = \frac{\lambda}{m} W` and
    torch adds :math:`wd\,W` to the gradient of the (mean) loss.

    Parameters
    ----------
    lam : float
        λ of the penalty :math:`\frac{\lambda}{2m}\sum\|W\|_F^2`, λ ≥ 0.
    n : float, optional
        The normalizer :math:`m` (e.g. the number of training samples when the data
        loss is a mean and the penalty is that of a sum-of-losses objective).

    Returns
    -------
    float
        The torch ``weight_decay``.
    """
    return _nonneg(lam, "lam") / _m(n)


def torch_weight_decay_to_penalty(weight_decay: float, n: float | None = None) -> float:
    r"""``weight_decay`` of ``torch.optim.SGD`` / ``Adam`` → penalty λ.

    .. math:: \lambda = m \cdot wd

    Inverse of :func:`penalty_to_torch_weight_decay`.
    """
    return _nonneg(weight_decay, "weight_decay") * _m(n)


def penalty_to_keras_l2(lam: float, n: float | None = None) -> float:
    r"""Penalty λ → ``keras.regularizers.L2(l2)``.

    Keras adds :math:`l_2 \sum W^2` (no ½) to the mean loss, so

    .. math:: l_2 = \frac{\lambda}{2m}.
    """
    return _nonneg(lam, "lam") / (2.0 * _m(n))


def keras_l2_to_penalty(l2: float, n: float | None = None) -> float:
    r"""``keras.regularizers.L2(l2)`` → penalty λ.

    .. math:: \lambda = 2\,m\,l_2
    """
    return 2.0 * _m(n) * _nonneg(l2, "l2")


def _n_ridge(n: float | None) -> float:
    return _positive(n, "n", "the 'ridge' convention (the number of samples)")


def ridge_to_keras_l2(alpha: float, n: float) -> float:
    r"""Ridge α on the summed loss → ``keras.regularizers.L2(l2)``.

    Keras minimizes :math:`\frac1n\sum_i\ell_i + l_2\sum W^2`; multiplied by
    :math:`n` this is :math:`\sum_i\ell_i + n\,l_2\sum W^2`, hence

    .. math:: l_2 = \frac{\alpha}{n}.

    With Keras' ``"mse"`` loss (:math:`\ell_i = (y_i-\hat y_i)^2`, no ½) on one
    output this is scikit-learn's ``Ridge(alpha)`` exactly (the bias is not
    regularized, like Ridge's intercept). For k outputs pass ``n = n_samples · k``.
    """
    return _nonneg(alpha, "alpha") / _n_ridge(n)


def keras_l2_to_ridge(l2: float, n: float) -> float:
    r"""``keras.regularizers.L2(l2)`` → ridge α on the summed loss: :math:`\alpha = n\,l_2`."""
    return _nonneg(l2, "l2") * _n_ridge(n)


def ridge_to_torch_weight_decay(alpha: float, n: float) -> float:
    r"""Ridge α on the summed loss → ``weight_decay`` of ``torch.optim.SGD``/``Adam``.

    The gradient of :math:`\frac1n(\sum_i\ell_i + \alpha\|W\|^2)` carries
    :math:`\frac{2\alpha}{n}W`, so

    .. math:: wd = \frac{2\alpha}{n}.
    """
    return 2.0 * _nonneg(alpha, "alpha") / _n_ridge(n)


def torch_weight_decay_to_ridge(weight_decay: float, n: float) -> float:
    r"""torch ``weight_decay`` (L2 form) → ridge α: :math:`\alpha = n\,wd/2`."""
    return 0.5 * _nonneg(weight_decay, "weight_decay") * _n_ridge(n)


def paper_to_torch_adamw(lam_paper: float, lr0: float) -> float:
    r"""AdamW paper's λ → ``torch.optim.AdamW(weight_decay=...)``.

    The paper shrinks by :math:`\eta_t^{\rm sched}\lambda_p` with the schedule
    multiplier :math:`\eta_t^{\rm sched} = \eta_t/\eta_0`; torch shrinks by
    :math:`\eta_t\,wd`. Equal shrinkage at every step requires

    .. math:: wd = \frac{\lambda_p}{\eta_0},

    where :math:`\eta_0` is the base (initial) learning rate. E.g. λ_p = 1e-4 at
    lr0 = 1e-3 is torch's wd = 0.1.
    """
    return _nonneg(lam_paper, "lam_paper") / _positive(lr0, "lr0")


def torch_adamw_to_paper(weight_decay: float, lr0: float) -> float:
    r"""``torch.optim.AdamW(weight_decay=...)`` → the AdamW paper's λ.

    .. math:: \lambda_p = \eta_0 \cdot wd
    """
    return _nonneg(weight_decay, "weight_decay") * _positive(lr0, "lr0")


# ----------------------------------------------------------------- generic convert
def _to_canonical(value: float, name: str, n, lr0, lr) -> float:
    v = _nonneg(value, "value")
    if name == "penalty":
        return v / _m(n)
    if name in ("torch_sgd", "torch_adam", "optax_l2"):
        return v
    if name == "keras_l2":
        return 2.0 * v
    if name == "ridge":
        return 2.0 * v / _n_ridge(n)
    if name in ("torch_adamw", "keras_weight_decay", "optax"):
        return v
    if name == "adamw_paper":
        return v / _positive(lr0, "lr0", "the 'adamw_paper' convention")
    if name == "per_step":
        return v / _positive(lr, "lr", "the 'per_step' convention")
    raise AssertionError(name)  # pragma: no cover - names are checked before


def _from_canonical(c: float, name: str, n, lr0, lr) -> float:
    if name == "penalty":
        return c * _m(n)
    if name in ("torch_sgd", "torch_adam", "optax_l2"):
        return c
    if name == "keras_l2":
        return c / 2.0
    if name == "ridge":
        return 0.5 * c * _n_ridge(n)
    if name in ("torch_adamw", "keras_weight_decay", "optax"):
        return c
    if name == "adamw_paper":
        return c * _positive(lr0, "lr0", "the 'adamw_paper' convention")
    if name == "per_step":
        return c * _positive(lr, "lr", "the 'per_step' convention")
    raise AssertionError(name)  # pragma: no cover


def convert(
    value: float,
    source: str,
    target: str,
    *,
    n: float | None = None,
    lr0: float | None = None,
    lr: float | None = None,
    assume_plain_sgd: bool = False,
) -> float:
    r"""Convert a regularization strength from one convention to another.

    The value is mapped to its family's canonical quantity and back:
    :math:`\kappa` (gradient coefficient) for the coupled family and :math:`\omega`
    (lr-coupled decay rate) for the decoupled family, with

    ============================  ====================================================
    convention                    canonical value
    ============================  ====================================================
    penalty (λ, m)                :math:`\kappa = \lambda/m`
    torch_sgd, torch_adam,        :math:`\kappa = wd`
    optax_l2 (wd)
    keras_l2 (l2)                 :math:`\kappa = 2\,l_2`
    ridge (α on the summed loss)  :math:`\kappa = 2\alpha/n`
    torch_adamw, keras_weight_    :math:`\omega = wd`
    decay, optax (wd)
    adamw_paper (λ_p, η_0)        :math:`\omega = \lambda_p/\eta_0`
    per_step (λ, constant η)      :math:`\omega = \lambda/\eta`
    ============================  ====================================================

    Parameters
    ----------
    value : float
        The strength in the ``source`` convention (≥ 0).
    source, target : str
        Convention names; see :data:`CONVENTIONS`.
    n : float, optional
        The normalizer :math:`m` of the ``"penalty"`` convention (default 1); the
        number of samples for ``"ridge"`` (required there).
    lr0 : float, optional
        Base learning rate :math:`\eta_0`, required by ``"adamw_paper"``.
    lr : float, optional
        The (constant) learning rate, required by ``"per_step"``.
    assume_plain_sgd : bool, default False
        Allow a conversion between the coupled and the decoupled family. It is exact
        only for SGD without momentum (:math:`\kappa=\omega`); for Adam or momentum
        SGD L2 and decoupled decay are different algorithms.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Unknown convention name (the message lists the valid ones), a negative or
        non-finite value, a missing ``lr0``/``lr``, or a cross-family conversion
        without ``assume_plain_sgd=True``.

    Examples
    --------
    >>> convert(1e-4, "adamw_paper", "torch_adamw", lr0=1e-3)
    0.1
    >>> convert(0.01, "torch_sgd", "keras_l2")
    0.005
    """
    _check_name(source, "source")
    _check_name(target, "target")
    if (source in COUPLED) != (target in COUPLED) and not assume_plain_sgd:
        fam = {True: "coupled (L2 penalty)", False: "decoupled (weight decay)"}
        raise ValueError(
            f"cannot convert {source!r} ({fam[source in COUPLED]}) to {target!r} "
            f"({fam[target in COUPLED]}): the two are equivalent only for plain SGD "
            "without momentum; pass assume_plain_sgd=True if that is your optimizer"
        )
    return _from_canonical(_to_canonical(value, source, n, lr0, lr), target, n, lr0, lr)


def equivalents(
    value: float,
    source: str,
    *,
    n: float | None = None,
    lr0: float | None = None,
    lr: float | None = None,
) -> dict[str, dict[str, float]]:
    r"""The same strength in every convention that the given arguments determine.

    Returns ``{"same_family": {...}, "plain_sgd_only": {...}}``: the values of
    :func:`convert` into every convention of ``source``'s family, and into the other
    family (equal only for SGD without momentum, see :func:`convert`). Conventions
    whose extra argument is missing (``n`` for ``"ridge"``, ``lr0`` for
    ``"adamw_paper"``, ``lr`` for ``"per_step"``) are left out; ``"penalty"`` is
    reported with :math:`m = n` (or 1).
    """
    _check_name(source, "source")
    out: dict[str, dict[str, float]] = {"same_family": {}, "plain_sgd_only": {}}
    for name in CONVENTIONS:
        if (
            (name == "ridge" and n is None)
            or (name == "adamw_paper" and lr0 is None)
            or (name == "per_step" and lr is None)
        ):
            continue
        key = "same_family" if (name in COUPLED) == (source in COUPLED) else "plain_sgd_only"
        out[key][name] = convert(
            value, source, name, n=n, lr0=lr0, lr=lr, assume_plain_sgd=True
        )
    return out


# --------------------------------------------------------------------- timescales
def ema_timescale(
    lr: float,
    weight_decay: float,
    *,
    n_samples: float | None = None,
    batch_size: float | None = None,
) -> dict[str, float]:
    r"""EMA timescale of decoupled weight decay (Wang & Aitchison, 2024).

    With the lr-coupled convention (``torch.optim.AdamW``: shrink
    :math:`1-\eta\,\omega` per step) the weights are an exponential moving average of
    recent updates with timescale

    .. math::

        \tau_{\rm iter} = \frac{1}{\eta\,\omega}, \qquad
        \tau_{\rm epoch} = \frac{\tau_{\rm iter}}{M}, \quad M = \frac{N}{B},

    where :math:`M` is the number of iterations per epoch, :math:`N` the dataset size
    and :math:`B` the batch size. (The exact e-folding time of the factor
    :math:`(1-\eta\omega)^t` is :math:`-1/\ln(1-\eta\omega)`, which agrees to first
    order; the paper's :math:`1/(\eta\omega)` is used.)

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta` (> 0).
    weight_decay : float
        :math:`\omega` in the ``"torch_adamw"`` convention (> 0); convert other
        conventions with :func:`convert` first.
    n_samples, batch_size : float, optional
        Both needed for the timescale in epochs.

    Returns
    -------
    dict
        ``{"iterations": τ_iter}`` plus ``"epochs": τ_epoch`` when ``n_samples`` and
        ``batch_size`` are given.
    """
    eta = _positive(lr, "lr")
    wd = _positive(weight_decay, "weight_decay")
    out = {"iterations": 1.0 / (eta * wd)}
    if (n_samples is None) != (batch_size is None):
        raise ValueError("give both n_samples and batch_size for the timescale in epochs")
    if n_samples is not None:
        m = _positive(n_samples, "n_samples") / _positive(batch_size, "batch_size")
        out["epochs"] = out["iterations"] / m
    return out


def weight_decay_for_timescale(
    lr: float,
    *,
    tau_iter: float | None = None,
    tau_epoch: float | None = None,
    n_samples: float | None = None,
    batch_size: float | None = None,
) -> float:
    r"""Weight decay (``torch_adamw`` convention) that gives a target EMA timescale.

    .. math::

        \omega = \frac{1}{\eta\,\tau_{\rm iter}}, \qquad
        \tau_{\rm iter} = \tau_{\rm epoch}\,\frac{N}{B}.

    Wang & Aitchison (2024) find the optimal :math:`\tau_{\rm epoch}` roughly constant
    across model and dataset sizes, so at fixed :math:`\eta` the optimal
    :math:`\omega` falls as :math:`1/N`.

    Parameters
    ----------
    lr : float
        Learning rate :math:`\eta`.
    tau_iter : float, optional
        Target timescale in iterations. Give exactly one of ``tau_iter`` and
        ``tau_epoch``.
    tau_epoch : float, optional
        Target timescale in epochs; needs ``n_samples`` and ``batch_size``.
    n_samples, batch_size : float, optional
        Dataset size :math:`N` and batch size :math:`B`.

    Returns
    -------
    float
    """
    eta = _positive(lr, "lr")
    if (tau_iter is None) == (tau_epoch is None):
        raise ValueError("give exactly one of tau_iter and tau_epoch")
    if tau_iter is not None:
        t = _positive(tau_iter, "tau_iter")
    else:
        t = (
            _positive(tau_epoch, "tau_epoch")
            * _positive(n_samples, "n_samples", "tau_epoch")
            / _positive(batch_size, "batch_size", "tau_epoch")
        )
    return 1.0 / (eta * t)


def normalized_weight_decay(
    lam_norm: float, *, batch_size: float, n_samples: float, epochs: float
) -> float:
    r"""Loshchilov & Hutter's normalized weight decay → the paper's λ.

    .. math:: \lambda = \lambda_{\rm norm} \sqrt{\frac{b}{B\,T}}

    with batch size :math:`b`, number of training points :math:`B` and total number
    of epochs :math:`T` (Loshchilov & Hutter 2019, Appendix). The result is in the
    ``"adamw_paper"`` convention (schedule-coupled); use :func:`convert` with ``lr0``
    for torch's AdamW.
    """
    return _nonneg(lam_norm, "lam_norm") * math.sqrt(
        _positive(batch_size, "batch_size")
        / (_positive(n_samples, "n_samples") * _positive(epochs, "epochs"))
    )


def normalized_weight_decay_from(
    lam: float, *, batch_size: float, n_samples: float, epochs: float
) -> float:
    r"""The paper's λ → normalized weight decay.

    .. math:: \lambda_{\rm norm} = \lambda \sqrt{\frac{B\,T}{b}}

    Inverse of :func:`normalized_weight_decay`.
    """
    return _nonneg(lam, "lam") * math.sqrt(
        _positive(n_samples, "n_samples")
        * _positive(epochs, "epochs")
        / _positive(batch_size, "batch_size")
    )
