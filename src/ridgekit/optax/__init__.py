r"""Weight-decay masks and conventions for JAX/optax.

Needs JAX and optax (``pip install ridgekit[jax]``; the CPU wheels suffice).
``import ridgekit`` does not import this package.

optax's decay is ``add_decayed_weights(wd, mask)``: it adds :math:`wd\cdot W` to the
*update*. Where it sits in the chain decides what it means:

* before ``scale_by_learning_rate`` and after ``scale_by_adam`` (this is
  ``optax.adamw``): :math:`W \leftarrow W - \eta_t(\hat u + wd\,W)`, decoupled decay
  exactly like ``torch.optim.AdamW(weight_decay=wd)`` -- convention ``"optax"``;
* before ``scale_by_adam`` (or first in an SGD chain): an L2 gradient term like
  ``torch.optim.Adam(weight_decay=wd)`` -- convention ``"optax_l2"``.

Public API
----------
decay_mask
    A pytree of bools for ``mask=``: decay the weight matrices (≥ 2-D leaves), never
    biases or normalization scales/offsets; embeddings only when asked.
weight_decay
    Convert a strength from any convention to optax's ``weight_decay``.
adamw
    ``optax.adamw`` with :func:`decay_mask` and the weight decay given in any
    convention.
"""

from __future__ import annotations

from ridgekit._optional import missing_dependency

try:
    import jax
    import optax
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise missing_dependency("ridgekit.optax", "JAX and optax", "jax", plural=True) from exc

import ridgekit.conventions as cv

__all__ = ["EMBEDDING_NAMES", "adamw", "decay_mask", "weight_decay"]

#: Leaf names treated as embedding tables (flax ``nn.Embed``, haiku ``hk.Embed``).
EMBEDDING_NAMES: frozenset[str] = frozenset({"embedding", "embeddings", "embed"})


def _key_name(entry) -> str:
    for attr in ("key", "name", "idx"):
        if hasattr(entry, attr):
            return str(getattr(entry, attr))
    return str(entry)


def decay_mask(params, *, embeddings: bool = False, exempt=None):
    """Which leaves of a parameter pytree ``optax.add_decayed_weights`` should decay.

    Rule, by array shape first and leaf name only for embeddings:

    1. a leaf with fewer than 2 dimensions is exempt: biases (flax ``bias``, haiku
       ``b``), normalization scales and offsets (``scale``, ``offset``, ``gamma``,
       ``beta`` of LayerNorm/BatchNorm/GroupNorm/RMSNorm), scalars;
    2. a leaf whose own key is in :data:`EMBEDDING_NAMES` is exempt unless
       ``embeddings=True``;
    3. ``exempt(path, leaf) -> bool``, if given, exempts more leaves (``path`` is the
       tuple of key names, e.g. ``("params", "Dense_0", "kernel")``);
    4. every other leaf (kernels, conv filters, haiku ``w``) is decayed.

    Works on flax-style (``{"params": {"Dense_0": {"kernel", "bias"}}}``), haiku-style
    and plain nested dict/list/tuple pytrees; ``None`` leaves stay ``None``.

    Parameters
    ----------
    params : pytree of arrays
    embeddings : bool, default False
    exempt : callable, optional

    Returns
    -------
    pytree of bool
        Same structure as ``params``; pass it (or ``decay_mask`` itself, which optax
        calls with the parameters) as ``mask=``.

    Raises
    ------
    ValueError
        No leaf is decayed (almost always a mistake: wrong tree, or only biases).
    """

    def rule(path, leaf) -> bool:
        names = tuple(_key_name(e) for e in path)
        if getattr(leaf, "ndim", 0) < 2:
            return False
        if not embeddings and names and names[-1] in EMBEDDING_NAMES:
            return False
        return not (exempt is not None and exempt(names, leaf))

    mask = jax.tree_util.tree_map_with_path(rule, params)
    if not any(jax.tree_util.tree_leaves(mask)):
        raise ValueError(
            "decay_mask found no weight matrix to decay (every leaf is 0/1-D, an "
            "embedding or exempted); check the parameter tree"
        )
    return mask


def weight_decay(
    value: float,
    source: str,
    *,
    n: float | None = None,
    lr0: float | None = None,
    lr: float | None = None,
    placement: str = "decoupled",
    assume_plain_sgd: bool = False,
) -> float:
    r"""A strength in any convention → optax ``add_decayed_weights``/``adamw`` weight decay.

    ``placement="decoupled"`` (``optax.adamw``; decay before the learning rate scales
    the update): :math:`wd = \omega`, e.g. equal to ``torch.optim.AdamW``'s and Keras'
    ``weight_decay``, and the AdamW paper's :math:`\lambda_p/\eta_0`.
    ``placement="l2"`` (decay before ``scale_by_adam``): :math:`wd = \kappa`, e.g.
    ``2·l2`` of a Keras L2 regularizer or ``2α/n`` of ridge. See
    :func:`ridgekit.conventions.convert` for ``n``, ``lr0``, ``lr`` and
    ``assume_plain_sgd``.
    """
    targets = {"decoupled": "optax", "l2": "optax_l2"}
    if placement not in targets:
        raise ValueError(f"placement must be 'decoupled' or 'l2', got {placement!r}")
    return cv.convert(
        value,
        source,
        targets[placement],
        n=n,
        lr0=lr0,
        lr=lr,
        assume_plain_sgd=assume_plain_sgd,
    )


def adamw(
    learning_rate,
    weight_decay_value: float,
    source: str = "optax",
    *,
    embeddings: bool = False,
    lr0: float | None = None,
    **adamw_kwargs,
) -> optax.GradientTransformation:
    r"""``optax.adamw`` that decays only what :func:`decay_mask` selects.

    ``weight_decay_value`` is read in convention ``source`` (default ``"optax"``,
    i.e. torch/Keras AdamW's number) and converted with :func:`weight_decay`; the
    other keyword arguments go to ``optax.adamw``.
    """
    wd = weight_decay(weight_decay_value, source, lr0=lr0)
    return optax.adamw(
        learning_rate,
        weight_decay=wd,
        mask=lambda p: decay_mask(p, embeddings=embeddings),
        **adamw_kwargs,
    )
