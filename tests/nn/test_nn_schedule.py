"""Scheduled weight decay."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from ridgekit.nn import (  # noqa: E402
    AdamW,
    WeightDecayScheduler,
    cosine_factor,
    decay_groups,
    linear_factor,
)


def test_scheduler_sets_every_group_and_drives_the_decay():
    lin = nn.Linear(4, 4)
    opt = AdamW(decay_groups(lin, 0.01), lr=1e-3, coupling="none")
    sched = WeightDecayScheduler(opt, cosine_factor(10))
    assert sched.get_last_weight_decay() == [0.01, 0.0]
    seen = []
    for _ in range(12):
        seen.append(opt.decay_factors()[0])
        sched.step()
    expected = [0.01 * 0.5 * (1 + math.cos(math.pi * min(t, 10) / 10)) for t in range(12)]
    assert seen == pytest.approx(expected, abs=1e-15)
    # a fresh scheduler restored from the state dict continues where it was
    state = sched.state_dict()
    sched2 = WeightDecayScheduler(opt, cosine_factor(10))
    sched2.load_state_dict(state)
    assert sched2.get_last_weight_decay() == sched.get_last_weight_decay()


def test_scheduled_decay_applies_in_training():
    """With coupling 'none' and zero gradients, W_T = W_0 · Π (1 − λ_t)."""
    p = nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = AdamW([p], lr=1e-3, weight_decay=0.05, coupling="none")
    sched = WeightDecayScheduler(opt, linear_factor(5, start=1.0, end=0.2))
    prod = 1.0
    for t in range(8):
        prod *= 1 - 0.05 * (1.0 + (0.2 - 1.0) * min(t, 5) / 5)
        p.grad = torch.zeros_like(p)
        opt.step()
        sched.step()
    torch.testing.assert_close(p.detach(), torch.full((3,), prod, dtype=torch.float64))


def test_works_with_torch_optimizers_too():
    lin = nn.Linear(3, 3)
    opt = torch.optim.AdamW(lin.parameters(), lr=1e-3, weight_decay=0.1)
    sched = WeightDecayScheduler(opt, lambda t: 0.5**t)
    sched.step()
    sched.step()
    assert opt.param_groups[0]["weight_decay"] == pytest.approx(0.025)


def test_bad_input():
    with pytest.raises(TypeError, match="no param_groups"):
        WeightDecayScheduler(object(), cosine_factor(3))
    lin = nn.Linear(2, 2)
    opt = torch.optim.SGD(lin.parameters(), lr=0.1, weight_decay=0.1)
    with pytest.raises(TypeError, match="callable"):
        WeightDecayScheduler(opt, 3.0)
    with pytest.raises(ValueError, match="factor must be >= 0"):
        WeightDecayScheduler(opt, lambda t: -1.0)
    with pytest.raises(ValueError, match="total_steps"):
        cosine_factor(0)
    with pytest.raises(ValueError, match="end must be >= 0"):
        linear_factor(3, end=-1)
