r"""SGD with an L2 penalty equals SGD with ``weight_decay``, step by step.

Three copies of the same network, same minibatches:

* **penalty**: ``torch.optim.SGD`` without decay on
  ``loss + l2_penalty(model, λ)``;
* **torch**: ``torch.optim.SGD(decay_groups(model, λ))`` (torch adds :math:`\lambda W`
  to the gradient);
* **decoupled**: ``ridgekit.nn.SGDW(decay_groups(model, λ), coupling="lr")``
  (:math:`W \leftarrow W(1-\eta\lambda)` outside the momentum buffer).

``penalty`` and ``torch`` agree to rounding for any momentum. ``decoupled`` agrees
with them only without momentum: with momentum the L2 term is accumulated in the
buffer and decoupled decay is not — the SGD version of the distinction between Adam+L2
and AdamW.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..decoupled import SGDW
from ..groups import decay_groups
from ..penalty import l2_penalty
from ._common import Result, digits_tensors, make_mlp, num_threads

__all__ = ["EquivalenceResult", "sgd_l2_equivalence"]


@dataclass
class EquivalenceResult(Result):
    """Per-step maximum absolute parameter differences, per momentum value.

    ``diff_torch[m][t]`` is max |W_penalty − W_torch| after step t+1 with momentum
    ``momenta[m]``; ``diff_decoupled`` the same against SGDW.
    """

    momenta: list[float]
    steps: int
    diff_torch: list[list[float]]
    diff_decoupled: list[list[float]]
    max_diff_torch: list[float]
    max_diff_decoupled: list[float]
    config: dict[str, Any] = field(default_factory=dict)
    name: str = "sgd_l2_equivalence"

    def plot(self):
        from .plots import plot_equivalence

        return plot_equivalence(self)


def _max_diff(a: nn.Module, b: nn.Module) -> float:
    return max(
        float((p.detach() - q.detach()).abs().max())
        for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


def sgd_l2_equivalence(
    *,
    steps: int = 100,
    lam: float = 1e-2,
    lr: float = 0.05,
    momenta=(0.0, 0.9),
    batch_size: int = 64,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    threads: int | None = 1,
) -> EquivalenceResult:
    """Run the three trainings side by side and record their differences.

    Parameters
    ----------
    steps : int
        Optimizer steps (minibatches of digits, LayerNorm MLP with biases).
    lam : float
        λ of the penalty and ``weight_decay`` of both optimizers.
    lr : float
        Learning rate (constant).
    momenta : sequence of float
        Momentum values to try.
    batch_size, seed, dtype, threads
        Minibatch size, seed of initialization and batch order, floating type,
        ``torch.set_num_threads`` (None: unchanged).

    Returns
    -------
    EquivalenceResult
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    with num_threads(threads):
        Xtr, ytr, _, _ = digits_tensors(1000, seed=seed, dtype=dtype)
        diffs_t, diffs_d = [], []
        for mom in momenta:
            models = []
            for _ in range(3):
                torch.manual_seed(seed)
                models.append(make_mlp(hidden=64, norm="layer").to(dtype))
            m_pen, m_torch, m_dec = models
            opt_pen = torch.optim.SGD(m_pen.parameters(), lr=lr, momentum=mom)
            opt_torch = torch.optim.SGD(decay_groups(m_torch, lam), lr=lr, momentum=mom)
            opt_dec = SGDW(decay_groups(m_dec, lam), lr=lr, momentum=mom, coupling="lr")
            g = torch.Generator().manual_seed(seed)
            dt, dd = [], []
            for _ in range(steps):
                idx = torch.randint(0, len(ytr), (batch_size,), generator=g)
                x, y = Xtr[idx], ytr[idx]
                for m, opt, pen in (
                    (m_pen, opt_pen, True),
                    (m_torch, opt_torch, False),
                    (m_dec, opt_dec, False),
                ):
                    opt.zero_grad()
                    loss = nn.functional.cross_entropy(m(x), y)
                    if pen:
                        loss = loss + l2_penalty(m, lam)
                    loss.backward()
                    opt.step()
                dt.append(_max_diff(m_pen, m_torch))
                dd.append(_max_diff(m_pen, m_dec))
            diffs_t.append(dt)
            diffs_d.append(dd)
    return EquivalenceResult(
        momenta=[float(m) for m in momenta],
        steps=steps,
        diff_torch=diffs_t,
        diff_decoupled=diffs_d,
        max_diff_torch=[max(d) for d in diffs_t],
        max_diff_decoupled=[max(d) for d in diffs_d],
        config={"lam": lam, "lr": lr, "batch_size": batch_size, "seed": seed, "dtype": str(dtype)},
    )
