"""l2_penalty: value, gradient, and step-by-step equivalence with SGD weight_decay."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from ridgekit.nn import SGDW, decay_groups, l2_penalty, select_parameters  # noqa: E402


def _numpy_penalty(model, lam, m, names):
    sd = {k: v.detach().numpy() for k, v in model.named_parameters()}
    return lam / (2 * m) * sum(float(np.sum(sd[k] ** 2)) for k in names)


def test_value_matches_numpy_sum_over_weights_only(make_cnn):
    model = make_cnn()
    lam, n = 0.3, 50
    got = l2_penalty(model, lam, n).item()
    # independent reference: the weights of conv/linear layers only, by hand
    expected = _numpy_penalty(model, lam, n, ["conv.weight", "fc1.weight", "fc2.weight"])
    assert got == pytest.approx(expected, rel=1e-12)
    assert l2_penalty(model, lam).item() == pytest.approx(expected * n, rel=1e-12)


def test_gradient_is_lambda_over_m_times_w_and_zero_on_exempt(make_cnn):
    model = make_cnn()
    lam, n = 0.7, 4
    l2_penalty(model, lam, n).backward()
    for name, p in model.named_parameters():
        if name in ("conv.weight", "fc1.weight", "fc2.weight"):
            torch.testing.assert_close(p.grad, lam / n * p.detach(), rtol=1e-12, atol=0)
        else:
            assert p.grad is None, name


def test_accepts_selection_and_iterable_and_reference(make_cnn):
    model = make_cnn()
    sel = select_parameters(model)
    a = l2_penalty(model, 0.1)
    b = l2_penalty(sel, 0.1)
    c = l2_penalty(sel.decayed_params, 0.1)
    assert a.item() == b.item() == c.item()
    ref = {k: v.detach().clone() for k, v in model.named_parameters()}
    assert l2_penalty(model, 0.1, reference=ref).item() == 0.0
    with torch.no_grad():
        model.fc2.weight.add_(1.0)
    # only fc2.weight moved, by 1 per entry: (λ/2)·numel
    assert l2_penalty(model, 0.1, reference=ref).item() == pytest.approx(
        0.05 * model.fc2.weight.numel()
    )


def test_empty_selection_is_zero():
    model = nn.Sequential(nn.LayerNorm(4))
    assert l2_penalty(model, 1.0).item() == 0.0


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_plus_penalty_equals_torch_sgd_weight_decay(make_cnn, batches, param_diff, momentum):
    """100 steps on a CNN with BatchNorm and LayerNorm, float64: equal to 1e-6."""
    lam, lr = 5e-3, 0.05
    m_pen, m_wd = make_cnn(), make_cnn()
    opt_pen = torch.optim.SGD(m_pen.parameters(), lr=lr, momentum=momentum)
    opt_wd = torch.optim.SGD(decay_groups(m_wd, lam), lr=lr, momentum=momentum)
    worst = 0.0
    for x, y in batches:
        opt_pen.zero_grad()
        (nn.functional.cross_entropy(m_pen(x), y) + l2_penalty(m_pen, lam)).backward()
        opt_pen.step()
        opt_wd.zero_grad()
        nn.functional.cross_entropy(m_wd(x), y).backward()
        opt_wd.step()
        worst = max(worst, param_diff(m_pen, m_wd))
    assert worst < 1e-6
    # and the decay did something: an undecayed run ends elsewhere
    m_free = make_cnn()
    opt = torch.optim.SGD(m_free.parameters(), lr=lr, momentum=momentum)
    for x, y in batches:
        opt.zero_grad()
        nn.functional.cross_entropy(m_free(x), y).backward()
        opt.step()
    assert param_diff(m_free, m_wd) > 1e-3


def test_penalty_with_n_equals_weight_decay_lambda_over_n(make_cnn, batches, param_diff):
    lam, n = 0.5, 100
    m_pen, m_wd = make_cnn(), make_cnn()
    opt_pen = torch.optim.SGD(m_pen.parameters(), lr=0.05)
    opt_wd = torch.optim.SGD(decay_groups(m_wd, lam / n), lr=0.05)
    for x, y in batches[:30]:
        for m, opt, pen in ((m_pen, opt_pen, True), (m_wd, opt_wd, False)):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(x), y)
            if pen:
                loss = loss + l2_penalty(m, lam, n)
            loss.backward()
            opt.step()
    assert param_diff(m_pen, m_wd) < 1e-10


def test_l2_sp_penalty_equals_decoupled_reference_for_plain_sgd(make_cnn, batches, param_diff):
    """SGD on loss + (λ/2)‖W − W0‖² ≡ SGDW(coupling='lr', reference='initial'), no momentum."""
    lam, lr = 0.2, 0.05
    m_pen, m_dec = make_cnn(), make_cnn()
    ref = {k: v.detach().clone() for k, v in m_pen.named_parameters()}
    opt_pen = torch.optim.SGD(m_pen.parameters(), lr=lr)
    opt_dec = SGDW(decay_groups(m_dec, lam), lr=lr, coupling="lr", reference="initial")
    for x, y in batches[:50]:
        opt_pen.zero_grad()
        loss = nn.functional.cross_entropy(m_pen(x), y) + l2_penalty(m_pen, lam, reference=ref)
        loss.backward()
        opt_pen.step()
        opt_dec.zero_grad()
        nn.functional.cross_entropy(m_dec(x), y).backward()
        opt_dec.step()
    assert param_diff(m_pen, m_dec) < 1e-10


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"lam": -1.0}, ValueError, "lam must be >= 0"),
        ({"lam": float("nan")}, ValueError, "finite"),
        ({"lam": "big"}, TypeError, "real number"),
        ({"lam": 1.0, "n": 0}, ValueError, "n must be"),
        ({"lam": 1.0, "n": -3}, ValueError, "n must be"),
    ],
)
def test_bad_input(make_cnn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        l2_penalty(make_cnn(), **kwargs)


def test_bad_reference_and_types(make_cnn):
    model = make_cnn()
    with pytest.raises(ValueError, match="shape"):
        l2_penalty(model, 1.0, reference={"fc2.weight": torch.zeros(3)})
    with pytest.raises(TypeError, match="names"):
        l2_penalty(list(model.parameters()), 1.0, reference={})
    with pytest.raises(TypeError):
        l2_penalty(42, 1.0)
    with pytest.raises(TypeError, match="nn.Module"):
        l2_penalty(list(model.parameters()), 1.0, exempt_bias=False)
