"""L2Penalty against Keras' own arithmetic, autograd and serialization; bad input."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

import ridgekit.conventions as cv  # noqa: E402
from ridgekit.keras import L2Penalty, regularize, select_variables  # noqa: E402


def _value_and_grad(reg, w: np.ndarray):
    """Keras' penalty value and its autograd gradient, on the backend under test."""
    if keras.backend.backend() == "jax":
        import jax

        val, grad = jax.value_and_grad(lambda t: reg(t))(w)
        return float(val), np.asarray(grad)
    t = torch.tensor(w, requires_grad=True)
    val = reg(t)
    val.backward()
    return float(val.detach()), t.grad.numpy()


def _total(losses) -> float:
    return float(sum(keras.ops.convert_to_numpy(v) for v in losses))


def test_penalty_value_and_gradient_match_every_convention(rng):
    w = rng.standard_normal((6, 3))
    alpha, n = 0.8, 250
    reg = L2Penalty.from_ridge(alpha, n)
    val, grad = _value_and_grad(reg, w)
    # Keras' formula: l2 * sum(W^2), no 1/2; ridge alpha on the summed loss is l2 * n
    assert val == pytest.approx(alpha / n * (w**2).sum(), rel=1e-12)
    assert n * val == pytest.approx(alpha * (w**2).sum(), rel=1e-12)
    # gradient 2 l2 W = torch weight_decay * W
    np.testing.assert_allclose(grad, reg.to("torch_sgd") * w, rtol=1e-12)
    assert reg.to("torch_sgd") == pytest.approx(2 * alpha / n, rel=1e-14)
    # the textbook (lam/2m)*sum W^2 with m = n
    lam = reg.to("penalty")
    assert val == pytest.approx(lam / (2 * n) * (w**2).sum(), rel=1e-12)
    assert L2Penalty.from_lambda_over_2m(lam, n).l2 == pytest.approx(reg.l2, rel=1e-14)


def test_constructors_from_each_convention():
    wd = 5e-4
    assert L2Penalty.from_weight_decay(wd, "torch_sgd").l2 == pytest.approx(wd / 2)
    assert L2Penalty.from_weight_decay(wd, "torch_adam").l2 == pytest.approx(wd / 2)
    assert L2Penalty.from_weight_decay(wd, "optax_l2").l2 == pytest.approx(wd / 2)
    r = L2Penalty.from_weight_decay(wd, "torch_adamw", assume_plain_sgd=True)
    assert r.l2 == pytest.approx(wd / 2)
    r = L2Penalty.from_weight_decay(1e-2, "per_step", lr=0.1, assume_plain_sgd=True)
    assert r.l2 == pytest.approx(0.1 / 2)  # shrink 1e-2 per step at lr 0.1: kappa = 0.1
    r = L2Penalty.from_weight_decay(1e-5, "adamw_paper", lr0=1e-3, assume_plain_sgd=True)
    assert r.l2 == pytest.approx(1e-2 / 2)
    assert L2Penalty.from_convention(3.0, "ridge", n=30).l2 == pytest.approx(0.1)


def test_repr_states_every_convention():
    r = L2Penalty.from_ridge(0.05, n=1000)
    text = repr(r)
    for piece in (
        "l2=5e-05",
        "n=1000",
        "ridge alpha (summed loss) 0.05",
        "m=n 0.1",
        "torch SGD/Adam weight_decay 0.0001",
        "plain SGD only",
    ):
        assert piece in text, text
    assert "give n" in repr(L2Penalty(1e-3))


def test_serialization_round_trip_and_saved_model(tmp_path, keras64):
    r = L2Penalty.from_ridge(0.3, n=40)
    back = keras.regularizers.deserialize(keras.regularizers.serialize(r))
    assert type(back) is L2Penalty and back.l2 == r.l2 and back.n == 40
    assert L2Penalty.from_config(r.get_config()).get_config() == r.get_config()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    regularize(model, r)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    regs = [la.kernel_regularizer for la in loaded.layers]
    assert all(type(g) is L2Penalty and g.l2 == r.l2 and g.n == 40 for g in regs)
    assert [la.kernel.regularizer.l2 for la in loaded.layers] == [r.l2, r.l2]
    assert all(la.bias.regularizer is None for la in loaded.layers)
    np.testing.assert_allclose(_total(loaded.losses), _total(model.losses), rtol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        L2Penalty(-1e-3)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        L2Penalty.from_ridge(-1.0, n=10)
    with pytest.raises(ValueError, match="n is required"):
        L2Penalty.from_convention(1.0, "ridge")
    with pytest.raises(ValueError, match="n must be"):
        L2Penalty(1e-3, n=0)
    with pytest.raises(ValueError, match="unknown source convention 'pytorch'.*torch_sgd"):
        L2Penalty.from_weight_decay(1e-4, "pytorch")
    with pytest.raises(ValueError, match="plain SGD"):
        L2Penalty.from_weight_decay(1e-4, "torch_adamw")
    with pytest.raises(TypeError, match="real number"):
        L2Penalty("a lot")


def test_model_without_kernels_and_unbuilt_model(keras64):
    only_norm = keras.Sequential([keras.Input((4,)), keras.layers.LayerNormalization()])
    with pytest.raises(ValueError, match="no kernel to regularize.*LayerNormalization"):
        regularize(only_norm, L2Penalty(1e-3))
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not built"):
        select_variables(unbuilt)
    with pytest.raises(TypeError, match="Keras model"):
        select_variables(object())


def test_round_trip_through_every_coupled_convention():
    r = L2Penalty.from_ridge(0.7, n=90)
    for name in cv.COUPLED:
        back = L2Penalty.from_convention(r.to(name), name, n=90)
        assert back.l2 == pytest.approx(r.l2, rel=1e-14), name
