r"""Scheduled weight decay: change λ over training like an LR scheduler changes lr.

:class:`WeightDecayScheduler` sets, for every parameter group,

.. math:: \lambda_t = \lambda_0 \cdot s(t),

where :math:`\lambda_0` is the group's ``weight_decay`` when the scheduler was
created (kept in ``group["initial_weight_decay"]``) and :math:`s(t) \ge 0` a
user-given factor of the scheduler's step count :math:`t` (0 at creation). It works
with any optimizer that reads ``group["weight_decay"]`` (torch's and ridgekit's).

Note that with ridgekit's decoupled optimizers the coupling already ties the decay to
the LR schedule (``"lr"``: :math:`\eta_t\lambda`, ``"schedule"``:
:math:`\eta_t/\eta_0\cdot\lambda`); a weight-decay schedule multiplies on top.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .penalty import check_strength

__all__ = ["WeightDecayScheduler", "cosine_factor", "linear_factor"]


class WeightDecayScheduler:
    """Multiply every group's initial weight decay by ``factor(t)``.

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
        Anything with ``param_groups`` holding a ``weight_decay`` entry.
    factor : callable
        ``factor(t) -> float ≥ 0`` for the step count ``t = 0, 1, 2, ...``.

    Raises
    ------
    TypeError
        ``optimizer`` has no ``param_groups`` or ``factor`` is not callable.
    ValueError
        A group without ``weight_decay`` or a negative/non-finite factor.

    Examples
    --------
    >>> sched = WeightDecayScheduler(opt, cosine_factor(1000))  # doctest: +SKIP
    >>> for batch in data:  # doctest: +SKIP
    ...     opt.step(); sched.step()
    """

    def __init__(self, optimizer: Any, factor: Callable[[int], float]) -> None:
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(
                f"WeightDecayScheduler needs an optimizer; {type(optimizer).__name__} has "
                "no param_groups"
            )
        if not callable(factor):
            raise TypeError("factor must be callable: factor(step) -> float")
        for i, g in enumerate(optimizer.param_groups):
            if "weight_decay" not in g:
                raise ValueError(f"parameter group {i} has no 'weight_decay' entry")
            g.setdefault("initial_weight_decay", check_strength(g["weight_decay"]))
        self.optimizer = optimizer
        self.factor = factor
        self.last_step = 0
        self._apply()

    def _apply(self) -> None:
        s = check_strength(self.factor(self.last_step), "weight-decay schedule factor")
        for g in self.optimizer.param_groups:
            g["weight_decay"] = g["initial_weight_decay"] * s

    def step(self) -> None:
        """Advance the step count by one and update every group's ``weight_decay``."""
        self.last_step += 1
        self._apply()

    def get_last_weight_decay(self) -> list[float]:
        """Current ``weight_decay`` of every group."""
        return [g["weight_decay"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {"last_step": self.last_step}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.last_step = int(state["last_step"])
        self._apply()


def cosine_factor(total_steps: int, final: float = 0.0) -> Callable[[int], float]:
    r"""Cosine factor from 1 to ``final`` over ``total_steps``, then constant.

    .. math:: s(t) = f + (1-f)\,\tfrac12\big(1+\cos(\pi\,\min(t,T)/T)\big)
    """
    if not isinstance(total_steps, int) or total_steps <= 0:
        raise ValueError(f"total_steps must be a positive integer, got {total_steps!r}")
    f = check_strength(final, "final")

    def factor(t: int) -> float:
        u = min(t, total_steps) / total_steps
        return f + (1.0 - f) * 0.5 * (1.0 + math.cos(math.pi * u))

    return factor


def linear_factor(total_steps: int, start: float = 1.0, end: float = 0.0) -> Callable[[int], float]:
    r"""Linear factor from ``start`` to ``end`` over ``total_steps``, then constant.

    .. math:: s(t) = a + (b-a)\,\min(t,T)/T
    """
    if not isinstance(total_steps, int) or total_steps <= 0:
        raise ValueError(f"total_steps must be a positive integer, got {total_steps!r}")
    a = check_strength(start, "start")
    b = check_strength(end, "end")

    def factor(t: int) -> float:
        return a + (b - a) * min(t, total_steps) / total_steps

    return factor
