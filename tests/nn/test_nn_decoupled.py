"""Decoupled weight decay against torch.optim and hand-written reference loops."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from ridgekit.nn import (  # noqa: E402
    COUPLINGS,
    SGDW,
    AdamW,
    conventions,
    decay_groups,
    decouple,
    decoupled,
    is_decoupled,
)


def _train(model, opt, batches, sched=None, closure=False):
    for x, y in batches:
        opt.zero_grad()
        if closure:

            def fn(model=model, x=x, y=y):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(x), y)
                loss.backward()
                return loss

            opt.step(fn)
        else:
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        if sched is not None:
            sched.step()


# ------------------------------------------------------------------ coupling "lr"
@pytest.mark.parametrize("foreach", [True, False])
def test_coupling_lr_equals_torch_adamw(make_cnn, batches, param_diff, foreach):
    lam, lr = 0.1, 3e-3
    m_t, m_o = make_cnn(), make_cnn()
    opt_t = torch.optim.AdamW(decay_groups(m_t, lam), lr=lr, foreach=foreach)
    opt_o = AdamW(decay_groups(m_o, lam), lr=lr, coupling="lr", foreach=foreach)
    _train(m_t, opt_t, batches)
    _train(m_o, opt_o, batches)
    assert param_diff(m_t, m_o) < 1e-6


def test_coupling_lr_equals_torch_adamw_with_scheduler_and_all_params(
    make_cnn, batches, param_diff
):
    lam, lr = 0.05, 2e-3
    m_t, m_o = make_cnn(), make_cnn()
    opt_t = torch.optim.AdamW(m_t.parameters(), lr=lr, weight_decay=lam)
    opt_o = AdamW(m_o.parameters(), lr=lr, weight_decay=lam, coupling="lr")
    s_t = torch.optim.lr_scheduler.CosineAnnealingLR(opt_t, T_max=len(batches))
    s_o = torch.optim.lr_scheduler.CosineAnnealingLR(opt_o, T_max=len(batches))
    _train(m_t, opt_t, batches, s_t)
    _train(m_o, opt_o, batches, s_o)
    assert param_diff(m_t, m_o) < 1e-6


# ------------------------------------------------------------- coupling "schedule"
def _warmup_cosine(total):
    def f(t):
        if t < 10:
            return (t + 1) / 10
        return 0.5 * (1 + math.cos(math.pi * (t - 10) / (total - 10)))

    return f


def test_coupling_schedule_differs_from_torch_adamw_exactly_by_lr0(make_cnn, batches, param_diff):
    """Ours(λ, 'schedule') == torch AdamW(λ / lr0) under a warm-up + cosine schedule."""
    lam, lr0 = 1e-3, 4e-3
    sched = _warmup_cosine(len(batches))
    m_o, m_match, m_naive = make_cnn(), make_cnn(), make_cnn()
    opt_o = AdamW(decay_groups(m_o, lam), lr=lr0)  # paper coupling is the default
    wd_torch = conventions.convert(lam, "adamw_paper", "torch_adamw", lr0=lr0)
    assert wd_torch == pytest.approx(lam / lr0)
    opt_match = torch.optim.AdamW(decay_groups(m_match, wd_torch), lr=lr0)
    opt_naive = torch.optim.AdamW(decay_groups(m_naive, lam), lr=lr0)
    factors = []
    for m, opt in ((m_o, opt_o), (m_match, opt_match), (m_naive, opt_naive)):
        s = torch.optim.lr_scheduler.LambdaLR(opt, sched)
        for x, y in batches:
            if opt is opt_o:
                factors.append(opt.decay_factors()[0])
            opt.zero_grad()
            nn.functional.cross_entropy(m(x), y).backward()
            opt.step()
            s.step()
    assert param_diff(m_o, m_match) < 1e-6
    assert param_diff(m_o, m_naive) > 1e-3  # same number, torch's convention: different
    # the shrink per step followed the schedule multiplier, not the learning rate
    expected = [lam * sched(t) for t in range(len(batches))]
    assert factors == pytest.approx(expected, rel=1e-12)


def test_schedule_without_scheduler_is_constant_decay_none(make_cnn, batches, param_diff):
    lam, lr = 2e-3, 1e-3
    m_s, m_n, m_t = make_cnn(), make_cnn(), make_cnn()
    _train(m_s, AdamW(decay_groups(m_s, lam), lr=lr, coupling="schedule"), batches[:40])
    _train(m_n, AdamW(decay_groups(m_n, lam), lr=lr, coupling="none"), batches[:40])
    wd = conventions.convert(lam, "per_step", "torch_adamw", lr=lr)
    _train(m_t, torch.optim.AdamW(decay_groups(m_t, wd), lr=lr), batches[:40])
    assert param_diff(m_s, m_n) < 1e-12
    assert param_diff(m_n, m_t) < 1e-6


# ------------------------------------------------------------ Adam+L2 vs AdamW
def _two_block_run(scale, make_opt, steps=150):
    """Two identical blocks; block b's loss is multiplied by ``scale``."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(64, 6, generator=g, dtype=torch.float64)
    y = torch.randn(64, generator=g, dtype=torch.float64)
    w0 = torch.randn(6, generator=g, dtype=torch.float64)
    wa = nn.Parameter(w0.clone())
    wb = nn.Parameter(w0.clone())
    opt = make_opt([wa, wb])
    for _ in range(steps):
        opt.zero_grad()
        la = ((X @ wa - y) ** 2).mean()
        lb = ((X @ wb - y) ** 2).mean()
        (la + scale * lb).backward()
        opt.step()
    return wa.detach(), wb.detach()


def test_adam_l2_differs_from_adamw_and_gap_grows_with_gradient_scale_disparity():
    lam, lr = 1.0, 1e-2

    def adam_l2(p):
        return torch.optim.Adam(p, lr=lr, weight_decay=lam, eps=1e-12)

    def adamw(p):
        return AdamW(p, lr=lr, weight_decay=lam, coupling="lr", eps=1e-12)

    asym_l2, asym_w, gaps = [], [], []
    for s in (1.0, 10.0, 100.0, 1000.0):
        a1, b1 = _two_block_run(s, adam_l2)
        a2, b2 = _two_block_run(s, adamw)
        asym_l2.append(float((a1 - b1).norm() / a1.norm()))
        asym_w.append(float((a2 - b2).norm() / a2.norm()))
        gaps.append(float(torch.cat([a1 - a2, b1 - b2]).norm()))
    # AdamW treats both blocks alike whatever their gradient scale (Adam is scale-free)
    assert max(asym_w) < 1e-8
    # Adam+L2: the block with large gradients is barely regularized
    assert asym_l2[0] < 1e-12  # identical blocks at equal scale
    assert all(b > a for a, b in zip(asym_l2, asym_l2[1:], strict=False))
    assert asym_l2[-1] > 0.1
    # and the two algorithms differ at every scale, increasingly so
    assert gaps[0] > 1e-3
    assert all(b > a for a, b in zip(gaps, gaps[1:], strict=False))


# ----------------------------------------------------------------- SGDW
def test_sgdw_with_momentum_matches_hand_written_loop_not_sgd_l2():
    lam, lr, mu = 0.05, 0.1, 0.9
    g = torch.Generator().manual_seed(1)
    X = torch.randn(32, 4, generator=g, dtype=torch.float64)
    y = torch.randn(32, generator=g, dtype=torch.float64)
    w_init = torch.randn(4, generator=g, dtype=torch.float64)

    def grad(w):
        return 2 * X.T @ (X @ w - y) / len(y)

    # reference SGDW (Loshchilov & Hutter, lr-coupled): momentum excludes the decay
    w, buf = w_init.clone(), None
    for _ in range(60):
        gr = grad(w)
        buf = gr.clone() if buf is None else mu * buf + gr
        w = w * (1 - lr * lam) - lr * buf
    p = nn.Parameter(w_init.clone())
    opt = SGDW([p], lr=lr, momentum=mu, weight_decay=lam, coupling="lr")
    q = nn.Parameter(w_init.clone())
    opt_l2 = torch.optim.SGD([q], lr=lr, momentum=mu, weight_decay=lam)
    for _ in range(60):
        for par, o in ((p, opt), (q, opt_l2)):
            o.zero_grad()
            ((X @ par - y) ** 2).mean().backward()
            o.step()
    torch.testing.assert_close(p.detach(), w, rtol=1e-10, atol=1e-12)
    assert float((p.detach() - q.detach()).abs().max()) > 1e-4


# -------------------------------------------------------- cautious and L2-SP
def _adam_reference(w, grads_fn, steps, lr, lam, cautious, ref=None, b1=0.9, b2=0.999, eps=1e-8):
    m = torch.zeros_like(w)
    v = torch.zeros_like(w)
    w = w.clone()
    ref = torch.zeros_like(w) if ref is None else ref
    masked = []
    for t in range(1, steps + 1):
        g = grads_fn(w)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        u = (m / (1 - b1**t)) / ((v / (1 - b2**t)).sqrt() + eps)
        d = w - ref
        mask = (u * d >= 0).to(w.dtype) if cautious else torch.ones_like(w)
        masked.append(float(mask.mean()))
        w = w - lr * u - lr * lam * mask * d
    return w, masked


@pytest.mark.parametrize(("cautious", "use_ref"), [(True, False), (False, True), (True, True)])
def test_cautious_and_reference_against_reference_loop(cautious, use_ref):
    lam, lr = 0.5, 2e-2
    g = torch.Generator().manual_seed(2)
    X = torch.randn(40, 10, generator=g, dtype=torch.float64)
    y = torch.randn(40, generator=g, dtype=torch.float64)
    w0 = torch.randn(10, generator=g, dtype=torch.float64)
    ref = torch.randn(10, generator=g, dtype=torch.float64) if use_ref else None

    def grads(w):
        return 2 * X.T @ (X @ w - y) / len(y)

    w_ref, masked = _adam_reference(w0, grads, 50, lr, lam, cautious, ref)
    p = nn.Parameter(w0.clone())
    opt = AdamW(
        [p],
        lr=lr,
        weight_decay=lam,
        coupling="lr",
        cautious=cautious,
        reference=None if ref is None else {p: ref},
    )
    for _ in range(50):
        opt.zero_grad()
        ((X @ p - y) ** 2).mean().backward()
        opt.step()
    torch.testing.assert_close(p.detach(), w_ref, rtol=1e-9, atol=1e-11)
    if cautious:  # the mask was active somewhere and not everywhere
        assert 0.0 < min(masked) and max(masked) <= 1.0 and min(masked) < 1.0


def test_reference_initial_keeps_weights_near_start_and_state_dict_roundtrip(
    make_cnn, batches, param_diff
):
    m1, m2, m_free = make_cnn(), make_cnn(), make_cnn()
    init = [p.detach().clone() for p in m1.parameters()]
    kw = {"lr": 1e-2, "coupling": "lr", "reference": "initial"}
    opt1 = AdamW(decay_groups(m1, 5.0), **kw)
    _train(m1, opt1, batches[:30])
    opt2 = AdamW(decay_groups(m2, 5.0), **kw)
    _train(m2, opt2, batches[:30])
    # resume m2 in a fresh optimizer from the state dict; both continue identically
    opt2b = AdamW(decay_groups(m2, 5.0), lr=1e-2, coupling="lr", reference=None)
    opt2b.load_state_dict(opt2.state_dict())
    _train(m1, opt1, batches[30:60])
    _train(m2, opt2b, batches[30:60])
    assert param_diff(m1, m2) < 1e-12
    _train(m_free, torch.optim.Adam(m_free.parameters(), lr=1e-2), batches[:60])

    def dist(m):
        return sum(
            float((p.detach() - q).norm()) for p, q in zip(m.parameters(), init, strict=True)
        )

    assert dist(m1) < dist(m_free)
    assert "reference tensors" in repr(opt1)


# ------------------------------------------------------ factory and conversion
def test_decouple_instance_equals_class_and_torch(make_cnn, batches, param_diff):
    m_t, m_i = make_cnn(), make_cnn()
    opt_t = torch.optim.AdamW(decay_groups(m_t, 0.1), lr=1e-3)
    base = torch.optim.Adam(decay_groups(m_i, 0.1), lr=1e-3)  # 0.1 would be L2 here
    opt_i = decouple(base, coupling="lr")
    assert opt_i is base and is_decoupled(opt_i) and isinstance(opt_i, torch.optim.Adam)
    _train(m_t, opt_t, batches[:50])
    _train(m_i, opt_i, batches[:50])
    assert param_diff(m_t, m_i) < 1e-6


def test_factory_works_for_other_optimizers_and_is_cached(make_cnn, batches, param_diff):
    RMSpropW = decoupled(torch.optim.RMSprop, coupling="lr")
    assert RMSpropW is decoupled(torch.optim.RMSprop, coupling="lr")
    assert issubclass(RMSpropW, torch.optim.RMSprop)
    m1, m2 = make_cnn(), make_cnn()
    opt1 = RMSpropW(decay_groups(m1, 0.2), lr=1e-3)
    _train(m1, opt1, batches[:20])
    # reference: RMSprop without decay plus a manual pre-step shrink
    opt2 = torch.optim.RMSprop(decay_groups(m2, 0.0), lr=1e-3)
    decayed = decay_groups(m2, 0.2)[0]["params"]
    for x, y in batches[:20]:
        opt2.zero_grad()
        nn.functional.cross_entropy(m2(x), y).backward()
        with torch.no_grad():
            for p in decayed:
                p.mul_(1 - 1e-3 * 0.2)
        opt2.step()
    assert param_diff(m1, m2) < 1e-10


def test_hooks_run_once_closure_and_grad_none(make_cnn, batches):
    torch.optim.Adam([nn.Parameter(torch.zeros(1))])  # make sure Adam.step is hooked
    model = make_cnn()
    frozen_in_practice = nn.Parameter(torch.ones(3, 3, dtype=torch.float64))
    opt = AdamW(
        [{"params": list(model.parameters())}, {"params": [frozen_in_practice]}],
        lr=1e-3,
        weight_decay=0.5,
    )
    calls = []
    opt.register_step_pre_hook(lambda *a: calls.append("pre"))
    opt.register_step_post_hook(lambda *a: calls.append("post"))
    _train(model, opt, batches[:3], closure=True)
    assert calls == ["pre", "post"] * 3
    # a parameter that never had a gradient is neither updated nor decayed
    assert torch.equal(frozen_in_practice.detach(), torch.ones(3, 3, dtype=torch.float64))


def test_closure_step_equals_plain_step(make_cnn, batches, param_diff):
    m1, m2 = make_cnn(), make_cnn()
    _train(m1, AdamW(decay_groups(m1, 1e-3), lr=1e-3), batches[:10], closure=True)
    _train(m2, AdamW(decay_groups(m2, 1e-3), lr=1e-3), batches[:10])
    assert param_diff(m1, m2) < 1e-14


# ----------------------------------------------------------------- bad input
def test_bad_input(make_cnn):
    model = make_cnn()
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        AdamW(model.parameters(), weight_decay=-1e-2)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        SGDW([{"params": list(model.parameters()), "weight_decay": -1.0}], lr=0.1)
    with pytest.raises(ValueError, match="unknown coupling 'paper'.*'lr', 'schedule', 'none'"):
        AdamW(model.parameters(), coupling="paper")
    assert COUPLINGS == ("lr", "schedule", "none")
    with pytest.raises(TypeError, match="cautious"):
        AdamW(model.parameters(), cautious="yes")
    with pytest.raises(ValueError, match="reference must be"):
        AdamW(model.parameters(), reference="start")
    with pytest.raises(ValueError, match="shape"):
        p = nn.Parameter(torch.zeros(3))
        AdamW([p], reference={p: torch.zeros(4)})

    class NotAnOptimizer:
        pass

    with pytest.raises(TypeError, match="has no param_groups"):
        decouple(NotAnOptimizer())
    with pytest.raises(TypeError, match="Optimizer subclass"):
        decoupled(torch.optim.Adam([nn.Parameter(torch.zeros(1))]))
    with pytest.raises(TypeError, match="already"):
        decoupled(SGDW)
    with pytest.raises(TypeError, match="already"):
        decouple(AdamW(model.parameters()))
    lin = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="two groups"):
        AdamW([{"params": [lin.weight]}, {"params": [lin.weight, lin.bias]}])


def test_decay_factor_above_one_is_refused():
    p = nn.Parameter(torch.ones(2))
    opt = AdamW([p], lr=1e-3, weight_decay=2.0)  # schedule coupling: shrink 2 per step
    p.grad = torch.ones(2)
    with pytest.raises(ValueError, match="outside \\[0, 1\\].*conventions"):
        opt.step()
    assert torch.equal(p.detach(), torch.ones(2))  # nothing was applied
