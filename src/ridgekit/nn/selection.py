r"""Which parameters get L2 regularization: one rule shared by penalty and groups.

:func:`select_parameters` is the single place where ridgekit decides whether a
parameter is decayed. :func:`ridgekit.nn.l2_penalty` and
:func:`ridgekit.nn.decay_groups` both call it, so the penalty and the optimizer
parameter groups can never disagree.

Default rule, applied in this order to every trainable parameter (frozen parameters,
``requires_grad=False``, are skipped and reported separately):

1. a user pattern in ``exempt`` (regular expression, ``re.search`` on the qualified
   name) → exempt; a user pattern in ``decay`` → decayed (a name matching both is an
   error);
2. owned by a normalization layer, by module type: BatchNorm*, SyncBatchNorm,
   InstanceNorm* (all ``torch.nn.modules.batchnorm._NormBase``), LayerNorm,
   GroupNorm, RMSNorm, their subclasses, and any type in ``norm_types`` → exempt
   (``"norm"``);
3. the last component of the name is ``bias`` → exempt (``"bias"``);
4. owned by ``nn.Embedding``/``nn.EmbeddingBag`` and ``exempt_embeddings=True`` →
   exempt (``"embedding"``);
5. 0- or 1-dimensional → exempt (``"ndim<=1"``; catches the scales and shifts of
   custom normalization layers, LayerScale, learned temperatures);
6. otherwise decayed (``"weight"``).

A parameter shared between modules (weight tying) appears once, under the first name
``model.named_parameters()`` gives it, and is exempt if *any* owner is a
normalization (or, with the option, embedding) layer.

How this compares with common rules (documented by tests in ``tests/nn``):

* timm ``param_groups_weight_decay``: exempt if ``ndim <= 1`` or the name ends in
  ``.bias``. Same as ours except for parameters of ≥2 dims inside normalization
  layers (none in torch.nn).
* nanoGPT ``configure_optimizers``: decay iff ``dim() >= 2``. Differs from ours on
  ≥2-dimensional parameters named ``bias``.
* Hugging Face ``Trainer``: exempt parameters inside ``nn.LayerNorm`` and names
  containing ``bias``/``layernorm``/``rmsnorm``. Differs from ours on BatchNorm or
  GroupNorm layers and custom norms whose attribute names lack those words (HF
  decays them), and on names that merely contain ``bias`` (e.g. ``attn_bias_table``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn.modules.batchnorm import _NormBase

__all__ = [
    "NORM_TYPES",
    "ParamInfo",
    "ParamSelection",
    "select_parameters",
]


def _norm_types() -> tuple[type, ...]:
    types: list[type] = [_NormBase, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm]
    rms = getattr(nn, "RMSNorm", None)  # torch >= 2.4
    if rms is not None:
        types.append(rms)
    return tuple(types)


#: Module types whose parameters are exempt by default (subclasses included).
NORM_TYPES: tuple[type, ...] = _norm_types()
EMBEDDING_TYPES: tuple[type, ...] = (nn.Embedding, nn.EmbeddingBag)


@dataclass(frozen=True)
class ParamInfo:
    """One trainable parameter and the rule that classified it.

    Attributes
    ----------
    name : str
        Qualified name as in ``model.named_parameters()``.
    param : torch.nn.Parameter
    decay : bool
        Whether the parameter is regularized.
    reason : str
        ``"weight"``, ``"bias"``, ``"norm"``, ``"embedding"``, ``"ndim<=1"``,
        ``"pattern"`` (a user ``exempt`` pattern) or ``"forced"`` (a user ``decay``
        pattern).
    owners : tuple of str
        Class names of the modules that hold the parameter.
    """

    name: str
    param: torch.Tensor = field(repr=False)
    decay: bool
    reason: str
    owners: tuple[str, ...] = ()

    @property
    def numel(self) -> int:
        return self.param.numel()


@dataclass(frozen=True)
class ParamSelection:
    """Result of :func:`select_parameters`.

    Attributes
    ----------
    decayed : tuple of ParamInfo
    exempt : tuple of ParamInfo
    frozen : tuple of str
        Names of parameters with ``requires_grad=False`` (left out entirely).
    """

    decayed: tuple[ParamInfo, ...]
    exempt: tuple[ParamInfo, ...]
    frozen: tuple[str, ...] = ()

    @property
    def decayed_params(self) -> list[torch.Tensor]:
        return [i.param for i in self.decayed]

    @property
    def exempt_params(self) -> list[torch.Tensor]:
        return [i.param for i in self.exempt]

    @property
    def decayed_names(self) -> list[str]:
        return [i.name for i in self.decayed]

    @property
    def exempt_names(self) -> list[str]:
        return [i.name for i in self.exempt]

    def counts(self) -> dict[str, dict[str, int]]:
        """Number of tensors and of scalar elements per reason.

        Returns
        -------
        dict
            ``{reason: {"tensors": k, "elements": e}}`` for every reason present,
            plus ``"decayed"``, ``"exempt"`` and ``"frozen"`` totals.
        """
        out: dict[str, dict[str, int]] = {}
        for info in self.decayed + self.exempt:
            c = out.setdefault(info.reason, {"tensors": 0, "elements": 0})
            c["tensors"] += 1
            c["elements"] += info.numel
        out["decayed"] = {
            "tensors": len(self.decayed),
            "elements": sum(i.numel for i in self.decayed),
        }
        out["exempt"] = {
            "tensors": len(self.exempt),
            "elements": sum(i.numel for i in self.exempt),
        }
        out["frozen"] = {"tensors": len(self.frozen), "elements": -1}
        return out

    def describe(self, *, max_names: int = 20) -> str:
        """A plain-text report of what is decayed and what is not, with counts."""
        lines = []
        tot = self.counts()
        d, e = tot["decayed"], tot["exempt"]
        lines.append(f"decayed: {d['tensors']} tensors, {d['elements']:,} elements")
        for info in self.decayed[:max_names]:
            lines.append(f"  + {info.name}  {tuple(info.param.shape)}")
        if len(self.decayed) > max_names:
            lines.append(f"  ... {len(self.decayed) - max_names} more")
        lines.append(f"not decayed: {e['tensors']} tensors, {e['elements']:,} elements")
        reasons = sorted({i.reason for i in self.exempt})
        for r in reasons:
            items = [i for i in self.exempt if i.reason == r]
            n_el = sum(i.numel for i in items)
            lines.append(f"  [{r}] {len(items)} tensors, {n_el:,} elements")
            for info in items[:max_names]:
                lines.append(f"    - {info.name}  {tuple(info.param.shape)}")
            if len(items) > max_names:
                lines.append(f"    ... {len(items) - max_names} more")
        if self.frozen:
            lines.append(f"frozen (skipped): {len(self.frozen)} tensors")
            for name in self.frozen[:max_names]:
                lines.append(f"    . {name}")
        return "\n".join(lines)

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.describe()


def _compile(patterns: str | re.Pattern | Iterable[str | re.Pattern] | None, what: str):
    if patterns is None:
        return ()
    if isinstance(patterns, (str, re.Pattern)):
        patterns = (patterns,)
    out = []
    for p in patterns:
        if isinstance(p, re.Pattern):
            out.append(p)
        elif isinstance(p, str):
            try:
                out.append(re.compile(p))
            except re.error as exc:
                raise ValueError(f"invalid regular expression in {what}: {p!r} ({exc})") from None
        else:
            raise TypeError(f"{what} must hold strings or compiled patterns, got {p!r}")
    return tuple(out)


def select_parameters(
    model: nn.Module,
    *,
    exempt_bias: bool = True,
    exempt_norm: bool = True,
    exempt_1d: bool = True,
    exempt_embeddings: bool = False,
    norm_types: Sequence[type] = (),
    exempt: str | Iterable[str] | None = None,
    decay: str | Iterable[str] | None = None,
) -> ParamSelection:
    r"""Split a model's trainable parameters into decayed and exempt.

    Parameters
    ----------
    model : torch.nn.Module
    exempt_bias : bool, default True
        Exempt parameters whose name ends in ``bias`` (last dotted component).
    exempt_norm : bool, default True
        Exempt parameters of normalization layers, recognized by module type
        (:data:`NORM_TYPES` and ``norm_types``, subclasses included).
    exempt_1d : bool, default True
        Exempt 0- and 1-dimensional parameters.
    exempt_embeddings : bool, default False
        Exempt ``nn.Embedding``/``nn.EmbeddingBag`` weights.
    norm_types : sequence of type
        Extra module classes to treat as normalization layers.
    exempt, decay : str or iterable of str, optional
        Regular expressions (``re.search`` on the qualified name) that force a
        parameter to be exempt or decayed, overriding the rules above.

    Returns
    -------
    ParamSelection

    Raises
    ------
    TypeError
        ``model`` is not an ``nn.Module``.
    ValueError
        A parameter name matches both an ``exempt`` and a ``decay`` pattern.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"select_parameters needs a torch.nn.Module, got {type(model).__name__}")
    for t in norm_types:
        if not isinstance(t, type):
            raise TypeError(f"norm_types must hold classes, got {t!r}")
    norms = NORM_TYPES + tuple(norm_types)
    ex_pats = _compile(exempt, "exempt")
    de_pats = _compile(decay, "decay")

    owners: dict[int, list[nn.Module]] = {}
    for module in model.modules():
        for p in module.parameters(recurse=False):
            owners.setdefault(id(p), []).append(module)

    decayed: list[ParamInfo] = []
    exempted: list[ParamInfo] = []
    frozen: list[str] = []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            frozen.append(name)
            continue
        mods = owners.get(id(p), [])
        owner_names = tuple(type(m).__name__ for m in mods)
        in_ex = any(pat.search(name) for pat in ex_pats)
        in_de = any(pat.search(name) for pat in de_pats)
        if in_ex and in_de:
            raise ValueError(
                f"parameter {name!r} matches both an 'exempt' and a 'decay' pattern; "
                "it cannot be in both groups"
            )
        if in_ex:
            reason, dec = "pattern", False
        elif in_de:
            reason, dec = "forced", True
        elif exempt_norm and any(isinstance(m, norms) for m in mods):
            reason, dec = "norm", False
        elif exempt_bias and name.rsplit(".", 1)[-1] == "bias":
            reason, dec = "bias", False
        elif exempt_embeddings and any(isinstance(m, EMBEDDING_TYPES) for m in mods):
            reason, dec = "embedding", False
        elif exempt_1d and p.ndim <= 1:
            reason, dec = "ndim<=1", False
        else:
            reason, dec = "weight", True
        info = ParamInfo(name=name, param=p, decay=dec, reason=reason, owners=owner_names)
        (decayed if dec else exempted).append(info)
    return ParamSelection(tuple(decayed), tuple(exempted), tuple(frozen))
