"""Which Keras variables get L2 (or decoupled decay): one rule, by layer type.

:func:`select_variables` is the single place where ridgekit decides this for Keras;
:func:`regularize` (coupled L2 through ``kernel_regularizer``) and
:func:`exclude_from_decay` (decoupled ``weight_decay`` of an optimizer) both call it,
so the penalty and the decay can never disagree.

Rule, by layer *type* (subclasses included) and the layer's own attribute, never by
variable name:

======================================  ======================  ======================
layer                                   variables               selected
======================================  ======================  ======================
Dense, EinsumDense, Conv1D/2D/3D,       kernel                  always
Conv*Transpose, DepthwiseConv*,
SeparableConv* (depthwise and
pointwise kernels), ``kernel_types``
the same layers                         bias                    ``biases=True``
BatchNormalization, LayerNormalization, gamma/scale, beta       ``normalization=True``
GroupNormalization, RMSNormalization
Embedding                               embeddings              ``embeddings=True``
anything else                           --                      never (reported)
======================================  ======================  ======================

The defaults follow the issue's contract: only kernels. (``ridgekit.nn``'s torch rule
differs in one place: it decays embeddings unless asked not to.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import keras

__all__ = ["VariableSelection", "exclude_from_decay", "regularize", "select_variables"]

L = keras.layers
#: (layer types, [(variable attribute, regularizer attribute), ...]) for kernels
_SEPARABLE = (L.SeparableConv1D, L.SeparableConv2D)
_DEPTHWISE = (L.DepthwiseConv1D, L.DepthwiseConv2D)
_KERNEL_TYPES = (
    L.Dense,
    L.EinsumDense,
    L.Conv1D,
    L.Conv2D,
    L.Conv3D,
    L.Conv1DTranspose,
    L.Conv2DTranspose,
    L.Conv3DTranspose,
)
_NORM_TYPES = tuple(
    t
    for t in (
        getattr(L, name, None)
        for name in (
            "BatchNormalization",
            "LayerNormalization",
            "GroupNormalization",
            "RMSNormalization",
        )
    )
    if t is not None
)
_EMBEDDING_TYPES = (L.Embedding,)


@dataclass
class VariableSelection:
    """Trainable variables of a model split into selected and not selected.

    Attributes
    ----------
    selected : list of (path, variable, kind, regularizer attribute)
        ``kind`` is ``"kernel"``, ``"bias"``, ``"normalization"`` or ``"embedding"``.
    exempt : list of (path, variable, reason)
        Every other trainable variable, with why it was left out.
    """

    selected: list = field(default_factory=list)
    exempt: list = field(default_factory=list)

    @property
    def variables(self) -> list:
        """The selected variables."""
        return [v for _, v, _, _ in self.selected]

    @property
    def exempt_variables(self) -> list:
        """The trainable variables not selected."""
        return [v for _, v, _ in self.exempt]

    def describe(self) -> str:
        """One line per variable: selected or exempt, and why."""
        rows = [f"selected  {p}  ({k})" for p, _, k, _ in self.selected]
        rows += [f"exempt    {p}  ({r})" for p, _, r in self.exempt]
        return "\n".join(rows)


def _variable(layer, attr: str):
    """The layer's own variable behind ``attr`` (``_kernel`` behind a LoRA property)."""
    for name in ("_" + attr, attr):
        v = getattr(layer, name, None)
        if isinstance(v, keras.Variable):
            return v
    return None


def _slots(layer, kernel_types: tuple) -> list[tuple[str, str, str]]:
    """(variable attribute, regularizer attribute, kind) of every known slot."""
    if isinstance(layer, _SEPARABLE):
        slots = [
            ("depthwise_kernel", "depthwise_regularizer", "kernel"),
            ("pointwise_kernel", "pointwise_regularizer", "kernel"),
        ]
    elif isinstance(layer, _DEPTHWISE):
        slots = [("kernel", "depthwise_regularizer", "kernel")]
    elif isinstance(layer, _KERNEL_TYPES + kernel_types):
        slots = [("kernel", "kernel_regularizer", "kernel")]
    elif isinstance(layer, _NORM_TYPES):
        return [
            ("gamma", "gamma_regularizer", "normalization"),
            ("scale", "scale_regularizer", "normalization"),
            ("beta", "beta_regularizer", "normalization"),
        ]
    elif isinstance(layer, _EMBEDDING_TYPES):
        return [("embeddings", "embeddings_regularizer", "embedding")]
    else:
        return []
    return slots + [("bias", "bias_regularizer", "bias")]


def _layers(model) -> list:
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"expected a Keras model or layer, got {type(model).__name__}")
    return list(model._flatten_layers(include_self=True, recursive=True))


def select_variables(
    model,
    *,
    biases: bool = False,
    normalization: bool = False,
    embeddings: bool = False,
    kernel_types: Sequence[type] = (),
) -> VariableSelection:
    """Split a built Keras model's trainable variables into selected and exempt.

    Parameters
    ----------
    model : keras.Model or keras.layers.Layer
        Must be built (its variables exist): call it once or give it an ``Input``.
    biases, normalization, embeddings : bool, default False
        Also select the biases of kernel layers, the scales and offsets of
        normalization layers, the embedding matrices.
    kernel_types : sequence of type
        Extra layer classes whose ``kernel`` (and ``bias``) follow the kernel rule.

    Returns
    -------
    VariableSelection

    Raises
    ------
    TypeError
        ``model`` is not a Keras layer/model.
    ValueError
        The model is not built, or it has no kernel to select.
    """
    layers = _layers(model)
    if not model.built:
        raise ValueError(
            "the model is not built, so its variables do not exist yet: call it on a "
            "batch or start it with keras.Input(shape) first"
        )
    want = {"kernel": True, "bias": biases, "normalization": normalization, "embedding": embeddings}
    sel = VariableSelection()
    known: dict[int, str] = {}
    chosen: set[int] = set()
    for layer in layers:
        for attr, reg_attr, kind in _slots(layer, tuple(kernel_types)):
            v = _variable(layer, attr)
            if v is None or not v.trainable or id(v) in chosen:
                continue
            if want[kind]:
                chosen.add(id(v))
                sel.selected.append((v.path, v, kind, reg_attr))
            else:
                known.setdefault(id(v), f"{kind}; pass {_flag(kind)}=True to include")
    if not any(kind == "kernel" for _, _, kind, _ in sel.selected):
        kinds = sorted({type(la).__name__ for la in layers})
        raise ValueError(
            "the model has no kernel to regularize: no Dense/EinsumDense/Conv layer "
            f"(layers found: {', '.join(kinds)}); pass kernel_types=(YourLayer,) for "
            "custom layers with a `kernel`"
        )
    for v in model.trainable_variables:
        if id(v) not in chosen:
            sel.exempt.append((v.path, v, known.get(id(v), "not a known layer slot")))
    return sel


def _flag(kind: str) -> str:
    return {"bias": "biases", "normalization": "normalization", "embedding": "embeddings"}[kind]


def regularize(
    model,
    regularizer,
    *,
    biases: bool = False,
    normalization: bool = False,
    embeddings: bool = False,
    kernel_types: Sequence[type] = (),
    overwrite: bool = False,
) -> VariableSelection:
    """Put ``regularizer`` on exactly the variables :func:`select_variables` selects.

    Both the layer's ``*_regularizer`` attribute (so the model's config and saved
    file carry it) and the existing variable's ``regularizer`` (so ``model.losses``
    and training see it at once) are set. Keras adds each regularizer's value to the
    mean loss it minimizes.

    Parameters
    ----------
    model : keras.Model
        A built model.
    regularizer : keras.regularizers.Regularizer or float
        Typically an :class:`~ridgekit.keras.L2Penalty`; a float is read as Keras'
        ``l2`` (``L2Penalty(value)``).
    biases, normalization, embeddings, kernel_types
        As in :func:`select_variables`.
    overwrite : bool, default False
        Replace regularizers already set on selected variables instead of raising.

    Returns
    -------
    VariableSelection
        What was regularized and what was left out.
    """
    from ridgekit.keras.regularizer import L2Penalty

    if isinstance(regularizer, (int, float)) and not isinstance(regularizer, bool):
        regularizer = L2Penalty(regularizer)
    if not callable(regularizer):
        raise TypeError(
            f"regularizer must be a Keras regularizer or a float l2, got {regularizer!r}"
        )
    sel = select_variables(
        model,
        biases=biases,
        normalization=normalization,
        embeddings=embeddings,
        kernel_types=kernel_types,
    )
    if not overwrite:
        taken = [p for p, v, _, _ in sel.selected if v.regularizer is not None]
        if taken:
            raise ValueError(
                "these variables already have a regularizer (pass overwrite=True to "
                "replace it): " + ", ".join(taken)
            )
    owners = {}
    for layer in _layers(model):
        for attr, reg_attr, _ in _slots(layer, tuple(kernel_types)):
            v = _variable(layer, attr)
            if v is not None:
                owners.setdefault(id(v), (layer, reg_attr))
    for _, v, _, _ in sel.selected:
        layer, reg_attr = owners[id(v)]
        setattr(layer, reg_attr, regularizer)
        v.regularizer = regularizer
    return sel


def exclude_from_decay(
    optimizer,
    model,
    *,
    biases: bool = False,
    normalization: bool = False,
    embeddings: bool = False,
    kernel_types: Sequence[type] = (),
) -> VariableSelection:
    r"""Make an optimizer's decoupled ``weight_decay`` skip every unselected variable.

    Keras optimizers (``AdamW``, and any optimizer given ``weight_decay=``) shrink
    *every* trainable variable by :math:`1 - \eta_t\,wd` before the update unless it
    is excluded. This calls ``optimizer.exclude_from_weight_decay(var_list=...)``
    with the exempt variables of :func:`select_variables` -- the variables
    themselves, not name patterns -- so exactly the selected ones (by default the
    kernels) are decayed.

    Must be called before the optimizer is built (before the first step / ``fit``);
    it replaces any earlier ``exclude_from_weight_decay`` setting.

    Returns
    -------
    VariableSelection
        ``selected`` are decayed, ``exempt`` are not.
    """
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise TypeError(f"expected a Keras optimizer, got {type(optimizer).__name__}")
    if getattr(optimizer, "built", False):
        raise ValueError(
            "the optimizer is already built; call exclude_from_decay before the first "
            "training step (or on a fresh optimizer)"
        )
    if optimizer.weight_decay is None:
        raise ValueError(
            f"{type(optimizer).__name__} has no weight_decay set, so there is nothing "
            "to exclude from; pass weight_decay=... to the optimizer"
        )
    sel = select_variables(
        model,
        biases=biases,
        normalization=normalization,
        embeddings=embeddings,
        kernel_types=kernel_types,
    )
    optimizer.exclude_from_weight_decay(var_list=sel.exempt_variables)
    return sel
