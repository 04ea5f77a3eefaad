"""ridgekit.nn.conventions against autograd, simulated decay and hand computation."""

from __future__ import annotations

import itertools
import math

import pytest

torch = pytest.importorskip("torch")

from ridgekit import conventions as cv  # noqa: E402
from ridgekit.nn import l2_penalty  # noqa: E402


def _grad_coefficient(loss_fn) -> float:
    """κ such that ∇ loss_fn(W) = κ W, measured by autograd on a random W."""
    w = torch.randn(7, 3, dtype=torch.float64, requires_grad=True)
    loss_fn(w).backward()
    ratio = w.grad / w.detach()
    assert torch.allclose(ratio, ratio.flatten()[0].expand_as(ratio), rtol=1e-12)
    return float(ratio.flatten()[0])


def test_penalty_torch_keras_gradients_match_conversions():
    lam, n = 0.37, 12
    kappa_pen = _grad_coefficient(lambda w: l2_penalty([w], lam, n))
    assert cv.convert(lam, "penalty", "torch_sgd", n=n) == pytest.approx(kappa_pen, rel=1e-12)
    assert cv.penalty_to_torch_weight_decay(lam, n) == pytest.approx(kappa_pen, rel=1e-12)
    l2 = cv.convert(lam, "penalty", "keras_l2", n=n)
    # Keras L2 adds l2 * sum(w**2): same gradient as the penalty
    kappa_keras = _grad_coefficient(lambda w: l2 * (w**2).sum())
    assert kappa_keras == pytest.approx(kappa_pen, rel=1e-12)
    assert cv.penalty_to_keras_l2(lam, n) == pytest.approx(l2)
    assert cv.keras_l2_to_penalty(l2, n) == pytest.approx(lam)
    assert cv.torch_weight_decay_to_penalty(kappa_pen, n) == pytest.approx(lam)


def test_ridge_convention_is_alpha_on_the_summed_loss():
    """(1/n)(Σ r² + α‖W‖²): the penalty's gradient is κ W with κ = convert(α, ridge)."""
    alpha, n = 2.5, 40
    kappa = _grad_coefficient(lambda w: alpha * (w**2).sum() / n)
    assert cv.convert(alpha, "ridge", "torch_sgd", n=n) == pytest.approx(kappa, rel=1e-12)
    assert cv.ridge_to_torch_weight_decay(alpha, n) == pytest.approx(kappa, rel=1e-12)
    l2 = cv.ridge_to_keras_l2(alpha, n)
    assert _grad_coefficient(lambda w: l2 * (w**2).sum()) == pytest.approx(kappa, rel=1e-12)
    assert cv.convert(alpha, "ridge", "keras_l2", n=n) == pytest.approx(l2, rel=1e-14)
    assert cv.keras_l2_to_ridge(l2, n) == pytest.approx(alpha, rel=1e-14)
    assert cv.torch_weight_decay_to_ridge(kappa, n) == pytest.approx(alpha, rel=1e-12)
    # the textbook (lam/2m) with m = n is lam = 2 alpha
    assert cv.convert(alpha, "ridge", "penalty", n=n) == pytest.approx(2 * alpha)
    assert cv.convert(alpha, "ridge", "optax_l2", n=n) == pytest.approx(kappa, rel=1e-12)
    with pytest.raises(ValueError, match="n is required.*ridge"):
        cv.convert(alpha, "ridge", "keras_l2")
    with pytest.raises(ValueError, match="n is required"):
        cv.ridge_to_keras_l2(alpha, None)


def test_equivalents_agree_with_convert():
    kw = {"n": 50.0, "lr0": 1e-3, "lr": 1e-2}
    for source in cv.CONVENTIONS:
        eq = cv.equivalents(0.2, source, **kw)
        assert set(eq["same_family"]) | set(eq["plain_sgd_only"]) == set(cv.CONVENTIONS)
        for fam, values in eq.items():
            for name, v in values.items():
                assert (name in cv.COUPLED) == (source in cv.COUPLED) or fam == "plain_sgd_only"
                ref = cv.convert(0.2, source, name, assume_plain_sgd=True, **kw)
                assert v == pytest.approx(ref, rel=1e-14)
    assert "ridge" not in cv.equivalents(0.2, "keras_l2")["same_family"]
    assert "adamw_paper" not in cv.equivalents(0.2, "torch_adamw")["same_family"]


def test_torch_sgd_weight_decay_gradient_is_kappa():
    """torch.optim.SGD(weight_decay=wd) moves W exactly like an L2 gradient wd*W."""
    wd, lr = 0.3, 0.1
    w = torch.nn.Parameter(torch.randn(5, dtype=torch.float64))
    w0 = w.detach().clone()
    opt = torch.optim.SGD([w], lr=lr, weight_decay=wd)
    w.grad = torch.zeros_like(w)
    opt.step()
    kappa = cv.convert(wd, "torch_sgd", "torch_adam")
    torch.testing.assert_close(w.detach(), w0 - lr * kappa * w0)


def test_decoupled_family_against_simulated_shrink():
    """Every decoupled convention gives the same per-step shrink as torch AdamW."""
    lr0, lr_t = 2e-3, 5e-4
    wd = 0.1  # torch AdamW
    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = torch.optim.AdamW([w], lr=lr_t, weight_decay=wd)
    w.grad = torch.zeros_like(w)
    opt.step()  # zero gradient: Adam's update is 0, only the decay acts
    shrink = 1 - float(w.detach()[0])
    assert shrink == pytest.approx(lr_t * wd, rel=1e-12)
    lam_p = cv.convert(wd, "torch_adamw", "adamw_paper", lr0=lr0)
    assert (lr_t / lr0) * lam_p == pytest.approx(shrink, rel=1e-12)
    assert cv.torch_adamw_to_paper(wd, lr0) == pytest.approx(lam_p)
    assert cv.paper_to_torch_adamw(lam_p, lr0) == pytest.approx(wd)
    for name in ("keras_weight_decay", "optax"):
        assert lr_t * cv.convert(wd, "torch_adamw", name) == pytest.approx(shrink)
    per_step = cv.convert(wd, "torch_adamw", "per_step", lr=lr_t)
    assert per_step == pytest.approx(shrink)


def test_round_trips_within_families():
    kw = {"n": 7.0, "lr0": 3e-3, "lr": 1e-3}
    for fam in (cv.COUPLED, cv.DECOUPLED):
        for a, b in itertools.product(fam, fam):
            v = 0.123
            assert cv.convert(cv.convert(v, a, b, **kw), b, a, **kw) == pytest.approx(v, rel=1e-14)
    # and across the families, where plain SGD makes them one
    for a, b in itertools.product(cv.COUPLED, cv.DECOUPLED):
        there = cv.convert(0.123, a, b, assume_plain_sgd=True, **kw)
        back = cv.convert(there, b, a, assume_plain_sgd=True, **kw)
        assert back == pytest.approx(0.123, rel=1e-14)


def test_cross_family_needs_plain_sgd_flag():
    with pytest.raises(ValueError, match="plain SGD"):
        cv.convert(0.1, "torch_adam", "torch_adamw")
    # for plain SGD, L2 coefficient == lr-coupled decoupled rate
    assert cv.convert(0.1, "torch_sgd", "torch_adamw", assume_plain_sgd=True) == 0.1
    assert cv.convert(
        1e-4, "adamw_paper", "penalty", lr0=1e-2, n=10, assume_plain_sgd=True
    ) == pytest.approx(1e-4 / 1e-2 * 10)


def test_unknown_names_and_bad_values():
    with pytest.raises(ValueError, match="unknown source convention 'pytorch'.*torch_adamw"):
        cv.convert(0.1, "pytorch", "torch_adamw")
    with pytest.raises(ValueError, match="unknown target convention.*valid names are: penalty"):
        cv.convert(0.1, "torch_adamw", "adamw")
    with pytest.raises(ValueError, match="value must be >= 0"):
        cv.convert(-0.1, "torch_sgd", "keras_l2")
    with pytest.raises(ValueError, match="finite"):
        cv.convert(float("nan"), "torch_sgd", "keras_l2")
    with pytest.raises(ValueError, match="lr0 is required"):
        cv.convert(0.1, "adamw_paper", "torch_adamw")
    with pytest.raises(ValueError, match="lr0 must be"):
        cv.paper_to_torch_adamw(0.1, 0.0)
    with pytest.raises(ValueError, match="n must be"):
        cv.penalty_to_torch_weight_decay(1.0, n=-5)
    with pytest.raises(TypeError, match="real number"):
        cv.penalty_to_keras_l2("x")


def test_ema_timescale_against_simulated_decay():
    """The weights forget an initial value with e-folding time ≈ 1/(ηλ)."""
    lr, wd, n, b = 1e-3, 0.5, 10_000, 100
    tau = cv.ema_timescale(lr, wd, n_samples=n, batch_size=b)
    assert tau["iterations"] == pytest.approx(2000.0)
    assert tau["epochs"] == pytest.approx(2000.0 / (n / b))
    # simulate w <- w (1 - lr wd) and count the steps to reach 1/e
    w, t = 1.0, 0
    while w > math.exp(-1):
        w *= 1 - lr * wd
        t += 1
    assert abs(t - tau["iterations"]) <= 1 + 0.5 * lr * wd * tau["iterations"]
    assert cv.weight_decay_for_timescale(lr, tau_iter=tau["iterations"]) == pytest.approx(wd)
    assert cv.weight_decay_for_timescale(
        lr, tau_epoch=tau["epochs"], n_samples=n, batch_size=b
    ) == pytest.approx(wd)
    # Wang & Aitchison: constant tau_epoch -> optimal wd falls as 1/N
    wd_n = cv.weight_decay_for_timescale(lr, tau_epoch=5, n_samples=n, batch_size=b)
    wd_2n = cv.weight_decay_for_timescale(lr, tau_epoch=5, n_samples=2 * n, batch_size=b)
    assert wd_2n == pytest.approx(0.5 * wd_n)
    with pytest.raises(ValueError, match="exactly one"):
        cv.weight_decay_for_timescale(lr)
    with pytest.raises(ValueError, match="both n_samples and batch_size"):
        cv.ema_timescale(lr, wd, n_samples=n)


def test_normalized_weight_decay_hand_computed():
    # lambda_norm 0.05, b = 128, B = 50_000, T = 100 epochs
    lam = cv.normalized_weight_decay(0.05, batch_size=128, n_samples=50_000, epochs=100)
    assert lam == pytest.approx(0.05 * math.sqrt(128 / 5_000_000))
    assert lam == pytest.approx(2.5298e-4, rel=1e-4)
    back = cv.normalized_weight_decay_from(lam, batch_size=128, n_samples=50_000, epochs=100)
    assert back == pytest.approx(0.05)
    # doubling the epochs divides lambda by sqrt(2)
    lam2 = cv.normalized_weight_decay(0.05, batch_size=128, n_samples=50_000, epochs=200)
    assert lam / lam2 == pytest.approx(math.sqrt(2))


def test_module_source_imports_no_torch():
    """Every module of the package imports only math, or its siblings by absolute name."""
    import ast
    from pathlib import Path

    files = sorted(Path(cv.__file__).parent.glob("*.py"))
    assert len(files) >= 2
    for path in files:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: conventions must not use relative imports"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                ok = name in {"__future__", "math"} or name.startswith("ridgekit.conventions")
                assert ok, f"{path.name} imports {name}"
