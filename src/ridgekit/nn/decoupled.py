r"""Decoupled weight decay for any ``torch.optim.Optimizer``.

:func:`decoupled` turns an optimizer class into its decoupled-weight-decay variant;
:func:`decouple` converts an existing optimizer instance in place. At every step, for
every parameter that has a gradient,

.. math::

    W \leftarrow W - c_t\,\lambda\,(W - W_{\rm ref}) + \Delta_t

where :math:`\Delta_t` is the base optimizer's own update (computed with its own
``weight_decay`` switched off), :math:`W` are the *pre-step* weights,
:math:`W_{\rm ref} = 0` unless a reference point is given (L2-SP,
Li et al. 2018), and the coupling :math:`c_t` is

=============  =================================  ===================================
coupling       :math:`c_t`                        used by
=============  =================================  ===================================
``"lr"``       :math:`\eta_t` (current lr)        ``torch.optim.AdamW``, optax, Keras
``"schedule"`` :math:`\eta_t/\eta_0`              Loshchilov & Hutter (2019)
``"none"``     1                                  a constant shrink per step
=============  =================================  ===================================

with :math:`\eta_0` the group's ``initial_lr`` (set by torch LR schedulers, or the lr
at construction). ``"schedule"`` is the paper's rule: the decay follows the schedule
multiplier but not the base learning rate, so the best λ does not move when the base
lr is tuned. Converting: ``wd_torch = λ_schedule / η_0`` (see
:mod:`ridgekit.nn.conventions`).

**Cautious weight decay** (Chen et al. 2025, ``cautious=True``) applies the decay
only on coordinates where the optimizer's update :math:`u_t` (with
:math:`\Delta_t = -\eta_t u_t`) and :math:`W - W_{\rm ref}` agree in sign:

.. math:: W \leftarrow W + \Delta_t - c_t\lambda\,\mathbb 1[u_t \odot (W-W_{\rm ref}) \ge 0]
          \odot (W - W_{\rm ref}).

Implementation notes
--------------------
* The decay is applied to the weights *before* the base step (as
  ``torch.optim.AdamW`` does), which equals decaying the pre-step weights for every
  optimizer whose update does not read the weights (SGD, Adam, RMSprop, Adagrad,
  NAdam, RAdam, Adamax, Lion-type...). The cautious variant needs the update first,
  so it snapshots the weights (one extra copy) and decays afterwards.
* The base optimizer's ``weight_decay`` group entry is set to 0 for the duration of
  its ``step`` and restored afterwards; ``group["weight_decay"]`` is λ of this
  module. Per-group values work, e.g. with :func:`ridgekit.nn.decay_groups`.
* If ``step`` gets a closure it is evaluated first (with grad enabled) and the base
  step is then called without it; optimizers that re-evaluate the closure
  (``LBFGS``) are not supported.
* Parameters without a gradient are neither updated nor decayed, as in torch.
* All arithmetic uses ``torch._foreach_*`` kernels, per (device, dtype) bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
from torch.optim import Optimizer

from .groups import check_param_groups
from .penalty import check_strength

__all__ = ["COUPLINGS", "AdamW", "SGDW", "decouple", "decoupled", "is_decoupled"]

#: Valid values of ``coupling``.
COUPLINGS: tuple[str, ...] = ("lr", "schedule", "none")

_KEYS = ("decay_coupling", "decay_cautious", "decay_reference")


def _check_coupling(coupling: str) -> str:
    if coupling not in COUPLINGS:
        raise ValueError(
            f"unknown coupling {coupling!r}; valid values are: " + ", ".join(map(repr, COUPLINGS))
        )
    return coupling


def _buckets(*lists: list[torch.Tensor]) -> list[tuple[list[torch.Tensor], ...]]:
    """Split aligned tensor lists by (device, dtype) of the first list."""
    if not lists[0]:
        return []
    keys: dict[tuple, int] = {}
    out: list[tuple[list[torch.Tensor], ...]] = []
    for i, p in enumerate(lists[0]):
        k = (p.device, p.dtype)
        j = keys.get(k)
        if j is None:
            j = keys[k] = len(out)
            out.append(tuple([] for _ in lists))
        for lst, dst in zip(lists, out[j], strict=True):
            dst.append(lst[i])
    return out


class _DecoupledWeightDecay:
    """Mixin placed before a ``torch.optim.Optimizer`` subclass in the MRO."""

    _base: type[Optimizer]
    _default_coupling: str = "schedule"

    def __init__(
        self,
        params: Iterable[Any],
        *args: Any,
        weight_decay: float = 0.0,
        coupling: str | None = None,
        cautious: bool = False,
        reference: str | Mapping[torch.Tensor, torch.Tensor] | None = None,
        **kwargs: Any,
    ) -> None:
        self._set_decay_defaults(weight_decay, coupling, cautious, reference)
        super().__init__(params, *args, **kwargs)
        self.defaults.update(
            weight_decay=self._decay_defaults["weight_decay"],
            decay_coupling=self._decay_defaults["decay_coupling"],
            decay_cautious=self._decay_defaults["decay_cautious"],
        )

    # ----------------------------------------------------------------- set-up
    def _set_decay_defaults(self, weight_decay, coupling, cautious, reference) -> None:
        coupling = self._default_coupling if coupling is None else coupling
        if not isinstance(cautious, bool):
            raise TypeError(f"cautious must be True or False, got {cautious!r}")
        if reference is not None and not (
            reference == "initial" if isinstance(reference, str) else isinstance(reference, Mapping)
        ):
            raise ValueError(
                "reference must be None, 'initial' or a mapping {parameter: tensor}, "
                f"got {reference!r}"
            )
        self._decay_defaults = {
            "weight_decay": check_strength(weight_decay, "weight_decay"),
            "decay_coupling": _check_coupling(coupling),
            "decay_cautious": cautious,
        }
        self._decay_reference_rule = reference

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group.get("params")
        if params is None:
            raise TypeError("param_group must have a 'params' entry")
        if isinstance(params, torch.Tensor):
            params = [params]
        params = list(params)
        param_group["params"] = params
        check_param_groups([*self.param_groups, param_group])
        for key, default in self._decay_defaults.items():
            param_group.setdefault(key, default)
        param_group["weight_decay"] = check_strength(param_group["weight_decay"], "weight_decay")
        _check_coupling(param_group["decay_coupling"])
        if not isinstance(param_group["decay_cautious"], bool):
            raise TypeError("decay_cautious must be True or False")
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        if "lr" in group and group["decay_coupling"] == "schedule":
            group.setdefault("initial_lr", group["lr"])
        group["decay_reference"] = self._make_reference(group)

    def _make_reference(self, group: dict[str, Any]) -> list[torch.Tensor | None] | None:
        given = group.get("decay_reference")
        params = group["params"]
        rule = self._decay_reference_rule
        if given is not None:
            refs = list(given)
            if len(refs) != len(params):
                raise ValueError(
                    f"decay_reference has {len(refs)} entries for {len(params)} parameters"
                )
        elif rule is None:
            return None
        elif isinstance(rule, str):  # "initial"
            refs = [p.detach().clone() for p in params]
        else:
            refs = [rule.get(p) for p in params]
        out: list[torch.Tensor | None] = []
        for p, r in zip(params, refs, strict=True):
            if r is None:
                out.append(None)
                continue
            if not isinstance(r, torch.Tensor):
                raise TypeError(f"reference entries must be tensors, got {type(r).__name__}")
            if r.shape != p.shape:
                raise ValueError(
                    f"reference of shape {tuple(r.shape)} for a parameter of shape {tuple(p.shape)}"
                )
            out.append(r.detach().to(device=p.device, dtype=p.dtype))
        return out

    #: the base optimizer's own L2 switch, always off here: ridgekit applies the decay
    _HIDDEN = ("decoupled_weight_decay",)

    def __repr__(self) -> str:
        base = next((c.__name__ for c in type(self).__mro__[1:]
                     if c.__module__.startswith("torch.optim")), "Optimizer")
        lines = [f"{type(self).__name__} (decoupled weight decay on top of torch.optim.{base}: "
                 "the gradient step never sees the decay)"]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.append(f"    decay: {self._describe(g)}")
            for k in sorted(g):
                if k == "params" or k in self._HIDDEN:
                    continue
                v = g[k]
                if k == "decay_reference" and v is not None:
                    v = f"<{sum(r is not None for r in v)} reference tensors>"
                lines.append(f"    {k}: {v}")
        lines.append(")")
        return "\n".join(lines)

    @staticmethod
    def _describe(group) -> str:
        """What the decay does to this group at each step, in words and symbols."""
        lam = group.get("weight_decay", 0.0)
        coupling = group.get("decay_coupling")
        if not lam:
            return "none (weight_decay = 0)"
        target = "θ − θ_ref" if group.get("decay_reference") is not None else "θ"
        shrink = {"lr": f"θ ← θ − lr·λ·({target})  (λ = {lam}, coupled to the learning rate "
                        "as torch.optim.AdamW)",
                  "schedule": f"θ ← θ − (lr_t/lr_0)·λ·({target})  (λ = {lam}, follows the "
                              "schedule, as Loshchilov & Hutter)",
                  "none": f"θ ← θ − λ·({target})  (λ = {lam}, independent of the learning "
                          "rate)"}.get(coupling, f"coupling {coupling!r}, λ = {lam}")
        if group.get("decay_cautious"):
            shrink += "; cautious: only where the update agrees in sign"
        return "decoupled, " + shrink

    # -------------------------------------------------------------- the rule
    def decay_factor(self, group: Mapping[str, Any]) -> float:
        r"""The shrink :math:`c_t\lambda` this group gets at the next step."""
        lam = float(group["weight_decay"])
        if lam == 0.0:
            return 0.0
        coupling = group["decay_coupling"]
        if coupling == "none":
            c = 1.0
        else:
            if "lr" not in group:
                raise ValueError(
                    f"coupling {coupling!r} needs a learning rate, but the parameter group "
                    "has no 'lr'; use coupling='none'"
                )
            lr = float(group["lr"])
            if coupling == "lr":
                c = lr
            else:
                lr0 = float(group.get("initial_lr", lr))
                if lr0 <= 0:
                    raise ValueError(f"coupling 'schedule' needs initial_lr > 0, got {lr0}")
                c = lr / lr0
        f = c * lam
        if not 0.0 <= f <= 1.0:
            raise ValueError(
                f"decay factor c*weight_decay = {f:g} (coupling {coupling!r}) is outside "
                "[0, 1]: the weights would change sign. Is weight_decay in the convention "
                "of this coupling? See ridgekit.nn.conventions"
            )
        return f

    def decay_factors(self) -> list[float]:
        """:meth:`decay_factor` of every parameter group."""
        return [self.decay_factor(g) for g in self.param_groups]

    @staticmethod
    def _split(group) -> tuple[list, list, list, list]:
        """(params, refs) with a gradient, split into no-reference / reference lists."""
        refs = group.get("decay_reference")
        plain, with_ref, ref_vals = [], [], []
        for i, p in enumerate(group["params"]):
            if p.grad is None:
                continue
            r = None if refs is None else refs[i]
            if r is None:
                plain.append(p)
            else:
                with_ref.append(p)
                ref_vals.append(r)
        return plain, with_ref, ref_vals, plain + with_ref

    @torch.no_grad()
    def _decay_now(self, plain, with_ref, refs, f: float) -> None:
        for (ps,) in _buckets(plain):
            torch._foreach_mul_(ps, 1.0 - f)
        for ps, rs in _buckets(with_ref, refs):
            torch._foreach_lerp_(ps, rs, f)  # w + f (w_ref - w)

    @torch.no_grad()
    def _cautious_after(self, snap, f: float) -> None:
        params, olds, refs = snap
        for ps, os_, rs in _buckets(params, olds, refs):
            upd = torch._foreach_sub(os_, ps)  # = -Δ = η u
            if any(r is not None for r in rs):
                d = [o - r if r is not None else o for o, r in zip(os_, rs, strict=True)]
            else:
                d = os_
            mask = torch._foreach_mul(upd, d)
            torch._foreach_sign_(mask)
            torch._foreach_add_(mask, 1.0)
            torch._foreach_clamp_max_(mask, 1.0)  # 1 where u*(w - w_ref) >= 0
            torch._foreach_mul_(d, mask)
            torch._foreach_add_(ps, d, alpha=-f)

    def _base_step(self) -> Any:
        fn = self._base.step
        if getattr(fn, "hooked", False):  # skip torch's hook wrapper: hooks run once, ours
            fn = fn.__wrapped__
        return fn(self)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Decay, then take the base optimizer's step (with its own decay off)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        factors = [self.decay_factor(g) for g in self.param_groups]
        snaps = []
        with torch.no_grad():
            for g, f in zip(self.param_groups, factors, strict=True):
                if f == 0.0:
                    snaps.append(None)
                    continue
                plain, with_ref, refs, allp = self._split(g)
                if g["decay_cautious"]:
                    olds = torch._foreach_mul(allp, 1.0) if allp else []
                    snaps.append((allp, olds, [None] * len(plain) + refs))
                else:
                    self._decay_now(plain, with_ref, refs, f)
                    snaps.append(None)
        saved = [g.get("weight_decay") for g in self.param_groups]
        for g in self.param_groups:
            g["weight_decay"] = 0.0
        try:
            out = self._base_step()
        finally:
            for g, wd in zip(self.param_groups, saved, strict=True):
                g["weight_decay"] = wd
        for snap, f in zip(snaps, factors, strict=True):
            if snap is not None:
                self._cautious_after(snap, f)
        return loss if closure is not None else out


_CACHE: dict[tuple[type, str, str | None], type] = {}


def decoupled(
    base: type[Optimizer], *, coupling: str = "schedule", name: str | None = None
) -> type[Optimizer]:
    r"""Make the decoupled-weight-decay variant of an optimizer class.

    Parameters
    ----------
    base : type
        A subclass of ``torch.optim.Optimizer`` (SGD, Adam, RMSprop, Adagrad, ...).
    coupling : {"schedule", "lr", "none"}, default "schedule"
        Default coupling of the new class (overridable per instance and per group).
    name : str, optional
        Class name; default ``"Decoupled" + base.__name__``.

    Returns
    -------
    type
        A subclass of ``base`` whose constructor takes the base's arguments plus
        ``weight_decay`` (λ ≥ 0, decoupled), ``coupling``, ``cautious`` (bool) and
        ``reference`` (None, ``"initial"`` or ``{param: tensor}``; decay toward
        it). Parameter groups may set ``weight_decay``, ``decay_coupling``,
        ``decay_cautious`` and ``decay_reference`` (a list aligned with
        ``params``). The same class object is returned for the same arguments.

    Raises
    ------
    TypeError
        ``base`` is not an Optimizer subclass, or is already decoupled.
    ValueError
        Unknown coupling.

    Examples
    --------
    >>> RMSpropW = decoupled(torch.optim.RMSprop, coupling="lr")  # doctest: +SKIP
    >>> opt = RMSpropW(decay_groups(model, 0.01), lr=1e-3)  # doctest: +SKIP
    """
    if not (isinstance(base, type) and issubclass(base, Optimizer)):
        raise TypeError(
            f"decoupled() needs a torch.optim.Optimizer subclass, got {base!r}; "
            "to convert an optimizer instance use decouple()"
        )
    if issubclass(base, _DecoupledWeightDecay):
        raise TypeError(f"{base.__name__} already has decoupled weight decay")
    _check_coupling(coupling)
    key = (base, coupling, name)
    cls = _CACHE.get(key)
    if cls is None:
        cls_name = name or f"Decoupled{base.__name__}"
        doc = (
            f"{base.__name__} with decoupled weight decay (default coupling "
            f"{coupling!r}); see :mod:`ridgekit.nn.decoupled`.\n\n"
            "Extra keyword arguments: weight_decay, coupling, cautious, reference."
        )
        cls = type(
            cls_name,
            (_DecoupledWeightDecay, base),
            {
                "_base": base,
                "_default_coupling": coupling,
                "__doc__": doc,
                "__module__": __name__,
                "__qualname__": cls_name,
            },
        )
        _CACHE[key] = cls
    return cls


def is_decoupled(optimizer: Any) -> bool:
    """Whether an optimizer (instance or class) uses ridgekit's decoupled decay."""
    cls = optimizer if isinstance(optimizer, type) else type(optimizer)
    return issubclass(cls, _DecoupledWeightDecay)


def decouple(
    optimizer: Optimizer,
    *,
    weight_decay: float | None = None,
    coupling: str = "schedule",
    cautious: bool = False,
    reference: str | Mapping[torch.Tensor, torch.Tensor] | None = None,
) -> Optimizer:
    r"""Convert an optimizer instance to decoupled weight decay, in place.

    The object's class becomes ``decoupled(type(optimizer))``; its state, hooks and
    parameter groups are kept. Each group's existing ``weight_decay`` is
    reinterpreted as the decoupled λ unless ``weight_decay`` is given.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
    weight_decay : float, optional
        If given, set as every group's λ.
    coupling : {"schedule", "lr", "none"}, default "schedule"
    cautious : bool, default False
    reference : None, "initial" or mapping {param: tensor}

    Returns
    -------
    torch.optim.Optimizer
        The same object.

    Raises
    ------
    TypeError
        Not an optimizer (e.g. an object without ``param_groups``), or already
        decoupled.
    """
    if not hasattr(optimizer, "param_groups"):
        raise TypeError(
            f"decouple() needs a torch.optim.Optimizer; {type(optimizer).__name__} has no "
            "param_groups"
        )
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"decouple() needs a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if is_decoupled(optimizer):
        raise TypeError("this optimizer already has decoupled weight decay")
    cls = decoupled(type(optimizer), coupling=coupling)
    groups = optimizer.param_groups
    check_param_groups(groups)
    lam = None if weight_decay is None else check_strength(weight_decay, "weight_decay")
    # validate everything before mutating anything
    for g in groups:
        check_strength(g.get("weight_decay", 0.0) if lam is None else lam, "weight_decay")
    optimizer.__class__ = cls
    optimizer._set_decay_defaults(0.0 if lam is None else lam, coupling, cautious, reference)
    for g in groups:
        g["weight_decay"] = float(g.get("weight_decay", 0.0)) if lam is None else lam
        g["decay_coupling"] = coupling
        g["decay_cautious"] = cautious
        if "lr" in g and coupling == "schedule":
            g.setdefault("initial_lr", g["lr"])
        g.pop("decay_reference", None)
        g["decay_reference"] = optimizer._make_reference(g)
    optimizer.defaults.update(decay_coupling=coupling, decay_cautious=cautious)
    optimizer._patch_step_function()
    return optimizer


#: Loshchilov & Hutter's SGDW: ``torch.optim.SGD`` with decoupled decay, coupling
#: ``"schedule"`` by default (decay multiplied by lr_t/lr_0, not by lr_t).
SGDW = decoupled(torch.optim.SGD, coupling="schedule", name="SGDW")
#: Loshchilov & Hutter's AdamW: ``torch.optim.Adam`` with decoupled decay, coupling
#: ``"schedule"`` by default. With ``coupling="lr"`` it equals ``torch.optim.AdamW``.
AdamW = decoupled(torch.optim.Adam, coupling="schedule", name="AdamW")
