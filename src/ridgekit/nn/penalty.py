r"""The L2 penalty as a differentiable loss term.

.. math::

    R(W) = \frac{\lambda}{2m} \sum_{W \in \mathcal{S}} \|W - W_{\rm ref}\|_F^2,
    \qquad m = n \text{ if given, else } 1,

over the selected parameters :math:`\mathcal{S}` (by default everything except
biases, normalization parameters and other ≤1-dimensional tensors, see
:func:`ridgekit.nn.select_parameters`) and :math:`W_{\rm ref} = 0` unless a reference
is given (L2-SP). Its gradient is :math:`\frac{\lambda}{m}(W - W_{\rm ref})`, so
``loss + l2_penalty(model, lam)`` trained with plain or momentum SGD is exactly
``torch.optim.SGD(decay_groups(model, lam))``.

About m: with ``loss`` a mean over a batch, ``m = 1`` makes λ the coefficient of the
per-sample objective (torch's ``weight_decay`` convention); ``n = N`` (the training
set size) gives the per-sample form of the classical ridge objective
:math:`\sum_i \ell_i + \frac{\lambda}{2}\|W\|^2`, divided by N.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import torch
from torch import nn

from .selection import ParamSelection, select_parameters

__all__ = ["check_strength", "l2_penalty"]


def check_strength(value: float, what: str = "weight_decay") -> float:
    """Validate a regularization strength: a finite real number ≥ 0."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{what} must be a scalar, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a real number, got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {value!r}")
    if x < 0:
        raise ValueError(f"{what} must be >= 0, got {value!r}")
    return x


def l2_penalty(
    model: nn.Module | ParamSelection | Iterable[torch.Tensor],
    lam: float,
    n: float | None = None,
    *,
    reference: Mapping[str, torch.Tensor] | None = None,
    **select_kwargs,
) -> torch.Tensor:
    r"""Differentiable L2 penalty :math:`\frac{\lambda}{2m}\sum\|W - W_{\rm ref}\|_F^2`.

    Parameters
    ----------
    model : nn.Module, ParamSelection or iterable of tensors
        A module (parameters chosen by :func:`ridgekit.nn.select_parameters` with
        ``select_kwargs``), a selection already made, or an explicit iterable of
        tensors (all of them penalized).
    lam : float
        λ ≥ 0.
    n : float, optional
        The normalizer :math:`m` (> 0); 1 when omitted.
    reference : mapping of str to Tensor, optional
        Reference point :math:`W_{\rm ref}` by parameter name (e.g. a copy of a
        pretrained ``state_dict()``): the L2-SP penalty. Names missing from the
        mapping use 0. Needs a module or a selection (names are required).
    **select_kwargs
        Passed to :func:`ridgekit.nn.select_parameters` when ``model`` is a module.

    Returns
    -------
    torch.Tensor
        A 0-dimensional tensor (on the device and dtype of the first parameter) that
        carries gradients to the penalized parameters.

    Raises
    ------
    ValueError
        Negative or non-finite ``lam``, non-positive ``n``, reference shape mismatch.
    TypeError
        Wrong argument types, or ``reference`` given with a plain iterable.

    Examples
    --------
    >>> loss = criterion(model(x), y) + l2_penalty(model, 1e-4)  # doctest: +SKIP
    """
    lam = check_strength(lam, "lam")
    if n is None:
        m = 1.0
    else:
        if isinstance(n, bool) or not isinstance(n, (int, float)) or not n > 0:
            raise ValueError(f"n must be a number > 0, got {n!r}")
        if not math.isfinite(float(n)):
            raise ValueError(f"n must be finite, got {n!r}")
        m = float(n)

    if isinstance(model, nn.Module):
        sel = select_parameters(model, **select_kwargs)
        named = [(i.name, i.param) for i in sel.decayed]
    elif isinstance(model, ParamSelection):
        if select_kwargs:
            raise TypeError("selection options cannot be combined with a ParamSelection")
        named = [(i.name, i.param) for i in model.decayed]
    else:
        if select_kwargs:
            raise TypeError("selection options need a torch.nn.Module, got an iterable of tensors")
        if reference is not None:
            raise TypeError("reference needs parameter names: pass the module, not tensors")
        if isinstance(model, torch.Tensor):
            model = [model]
        try:
            params = list(model)
        except TypeError:
            raise TypeError(
                "l2_penalty needs an nn.Module, a ParamSelection or an iterable of "
                f"tensors, got {type(model).__name__}"
            ) from None
        for p in params:
            if not isinstance(p, torch.Tensor):
                raise TypeError(f"l2_penalty got a non-tensor parameter: {type(p).__name__}")
        named = [(None, p) for p in params]

    if not named:
        return torch.zeros(())
    first = named[0][1]
    terms = []
    for name, p in named:
        if reference is not None and name in reference:
            ref = reference[name]
            if tuple(ref.shape) != tuple(p.shape):
                raise ValueError(
                    f"reference for {name!r} has shape {tuple(ref.shape)}, "
                    f"parameter has {tuple(p.shape)}"
                )
            d = p - ref.detach().to(device=p.device, dtype=p.dtype)
        else:
            d = p
        terms.append(d.square().sum())
    total = torch.stack([t.to(first.dtype) for t in terms]).sum()
    return total * (lam / (2.0 * m))
