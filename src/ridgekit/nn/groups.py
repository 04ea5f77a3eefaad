r"""Optimizer parameter groups that decay weights and exempt the rest.

``decay_groups(model, wd)`` returns plain ``torch.optim`` parameter groups::

    [{"params": [...decayed...], "weight_decay": wd},
     {"params": [...exempt...],  "weight_decay": 0.0}]

usable with any optimizer (``torch.optim.SGD(decay_groups(model, 1e-4), lr=0.1)``).
What the optimizer does with ``weight_decay`` is the optimizer's convention (L2 for
SGD/Adam, lr-coupled decoupled decay for ``torch.optim.AdamW``, see
:mod:`ridgekit.nn.conventions`); the parameter choice is the one of
:func:`ridgekit.nn.select_parameters`, shared with :func:`ridgekit.nn.l2_penalty`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import nn

from .penalty import check_strength
from .selection import ParamSelection, select_parameters

__all__ = ["ParamGroups", "check_param_groups", "decay_groups"]


class ParamGroups(list):
    """A list of parameter-group dicts that also remembers how it was made.

    It is an ordinary ``list`` (pass it to any optimizer); in addition
    :attr:`selection` holds the :class:`~ridgekit.nn.selection.ParamSelection` and
    :meth:`describe` prints what is decayed and what is not.
    """

    selection: ParamSelection

    def describe(self, *, max_names: int = 20) -> str:
        """Report of decayed and exempt parameters, with tensor and element counts."""
        head = ", ".join(
            f"group {i}: {len(g['params'])} tensors, weight_decay={g['weight_decay']:g}"
            for i, g in enumerate(self)
        )
        return head + "\n" + self.selection.describe(max_names=max_names)


def decay_groups(
    model: nn.Module,
    weight_decay: float,
    *,
    exempt_weight_decay: float = 0.0,
    exempt_bias: bool = True,
    exempt_norm: bool = True,
    exempt_1d: bool = True,
    exempt_embeddings: bool = False,
    norm_types: Iterable[type] = (),
    exempt: str | Iterable[str] | None = None,
    decay: str | Iterable[str] | None = None,
    group_options: Mapping[str, Any] | None = None,
) -> ParamGroups:
    r"""Split a model's trainable parameters into a decayed and an exempt group.

    Parameters
    ----------
    model : torch.nn.Module
    weight_decay : float
        ``weight_decay`` of the decayed group (≥ 0).
    exempt_weight_decay : float, default 0.0
        ``weight_decay`` of the exempt group.
    exempt_bias, exempt_norm, exempt_1d, exempt_embeddings, norm_types, exempt, decay
        The selection rule; see :func:`ridgekit.nn.select_parameters`. Defaults
        exempt biases, all normalization layers (by type) and 0/1-dimensional
        tensors, and decay embeddings.
    group_options : mapping, optional
        Extra keys copied into both groups (e.g. ``{"lr": 1e-3}``).

    Returns
    -------
    ParamGroups
        One or two groups (empty groups are dropped), decayed first. Frozen
        parameters are in neither.

    Raises
    ------
    ValueError
        Negative or non-finite decay, a parameter matched by both an ``exempt`` and a
        ``decay`` pattern, or no trainable parameters at all.
    """
    wd = check_strength(weight_decay, "weight_decay")
    wd0 = check_strength(exempt_weight_decay, "exempt_weight_decay")
    extra = dict(group_options or {})
    for key in ("params", "weight_decay"):
        if key in extra:
            raise ValueError(f"group_options may not set {key!r}")
    sel = select_parameters(
        model,
        exempt_bias=exempt_bias,
        exempt_norm=exempt_norm,
        exempt_1d=exempt_1d,
        exempt_embeddings=exempt_embeddings,
        norm_types=tuple(norm_types),
        exempt=exempt,
        decay=decay,
    )
    groups = ParamGroups()
    if sel.decayed:
        groups.append({"params": sel.decayed_params, "weight_decay": wd, **extra})
    if sel.exempt:
        groups.append({"params": sel.exempt_params, "weight_decay": wd0, **extra})
    if not groups:
        raise ValueError("the model has no trainable parameters")
    groups.selection = sel
    return groups


def check_param_groups(groups: Iterable[Mapping[str, Any]]) -> None:
    """Raise ``ValueError`` if a tensor appears twice across (or within) groups.

    Parameters
    ----------
    groups : iterable of mapping
        Parameter groups, each with a ``"params"`` entry.

    Raises
    ------
    ValueError
        Naming the group indices and the position of the repeated tensor.
    TypeError
        A group without ``"params"`` or a non-tensor entry.
    """
    seen: dict[int, tuple[int, int]] = {}
    for gi, group in enumerate(groups):
        if not isinstance(group, Mapping) or "params" not in group:
            raise TypeError(f"parameter group {gi} must be a dict with a 'params' entry")
        params = group["params"]
        if isinstance(params, torch.Tensor):
            params = [params]
        for pi, p in enumerate(params):
            if isinstance(p, tuple) and len(p) == 2:
                p = p[1]
            if not isinstance(p, torch.Tensor):
                raise TypeError(f"group {gi} entry {pi} is not a tensor: {type(p).__name__}")
            if id(p) in seen:
                g0, p0 = seen[id(p)]
                raise ValueError(
                    f"a parameter (shape {tuple(p.shape)}) is in two groups: "
                    f"group {g0} entry {p0} and group {gi} entry {pi}"
                )
            seen[id(p)] = (gi, pi)
