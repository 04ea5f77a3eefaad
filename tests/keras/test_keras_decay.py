"""Which variables get L2 / decoupled decay in a real Keras model, checked directly.

The model has every kind of layer the rule distinguishes (Conv2D, BatchNormalization,
Dense, LayerNormalization, Embedding). The decay is observed with zero gradients:
Adam's update is then exactly 0, so whatever changes was changed by the decay term.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

from ridgekit.keras import L2Penalty, exclude_from_decay, regularize, select_variables  # noqa: E402


def _model(keras):
    L = keras.layers
    img = keras.Input((6, 6, 1))
    tok = keras.Input((4,), dtype="int32")
    a = L.Flatten()(L.BatchNormalization()(L.Conv2D(3, 3, name="conv")(img)))
    b = L.Flatten()(L.Embedding(10, 2, name="emb")(tok))
    h = L.LayerNormalization(name="ln")(L.Dense(5, name="d1")(L.Concatenate()([a, b])))
    return keras.Model([img, tok], L.Dense(2, name="d2")(h))


def _kernels(model):
    return {id(model.get_layer(n).kernel) for n in ("conv", "d1", "d2")}


def _zero_grad_steps(model, opt, steps=3):
    before = {id(v): v.numpy().copy() for v in model.trainable_variables}
    zeros = [keras.ops.zeros(v.shape, dtype=v.dtype) for v in model.trainable_variables]
    for _ in range(steps):
        opt.apply(zeros, model.trainable_variables)
    return before


@pytest.mark.parametrize(
    "extra", [{}, {"embeddings": True}, {"normalization": True}, {"biases": True}]
)
def test_adamw_with_exemptions_decays_exactly_the_selection(keras64, extra):
    model = _model(keras64)
    lr, wd, steps = 0.1, 0.3, 3
    opt = keras64.optimizers.AdamW(lr, weight_decay=wd)
    sel = exclude_from_decay(opt, model, **extra)
    expected = set(_kernels(model))
    if extra.get("embeddings"):
        expected.add(id(model.get_layer("emb").embeddings))
    if extra.get("normalization"):
        bn = next(la for la in model.layers if isinstance(la, keras64.layers.BatchNormalization))
        ln = model.get_layer("ln")
        expected |= {id(bn.gamma), id(bn.beta), id(ln.gamma), id(ln.beta)}
    if extra.get("biases"):
        expected |= {id(model.get_layer(n).bias) for n in ("conv", "d1", "d2")}
    assert {id(v) for v in sel.variables} == expected
    before = _zero_grad_steps(model, opt, steps)
    for v in model.trainable_variables:
        w0, w = before[id(v)], v.numpy()
        if id(v) in expected:
            np.testing.assert_allclose(w, w0 * (1 - lr * wd) ** steps, rtol=1e-12, atol=0)
            assert np.abs(w - w0).max() > 0 or np.abs(w0).max() == 0
        else:
            np.testing.assert_array_equal(w, w0, err_msg=v.path)


def test_keras_default_decays_everything(keras64):
    """Why the exemptions matter: without them Keras decays biases and norm scales."""
    model = _model(keras64)
    opt = keras64.optimizers.AdamW(0.1, weight_decay=0.3)
    before = _zero_grad_steps(model, opt, 1)
    ln = model.get_layer("ln")
    np.testing.assert_allclose(ln.gamma.numpy(), before[id(ln.gamma)] * (1 - 0.03), rtol=1e-12)


def test_regularize_penalizes_exactly_the_kernels(keras64):
    model = _model(keras64)
    reg = L2Penalty(0.02)
    sel = regularize(model, reg)
    assert {id(v) for v in sel.variables} == _kernels(model)
    expected = sum(
        0.02 * (model.get_layer(n).kernel.numpy() ** 2).sum() for n in ("conv", "d1", "d2")
    )
    # keras computes float64 products in float32 on the torch backend
    assert float(sum(keras.ops.convert_to_numpy(v) for v in model.losses)) == pytest.approx(
        expected, rel=1e-6
    )
    assert model.get_layer("d1").kernel_regularizer is reg
    assert model.get_layer("d1").bias_regularizer is None
    assert model.get_layer("emb").embeddings_regularizer is None
    exempt = dict((p, r) for p, _, r in sel.exempt)
    assert any("emb" in p and r.startswith("embedding") for p, r in exempt.items())
    assert "exempt" in sel.describe() and "selected" in sel.describe()
    with pytest.raises(ValueError, match="already have a regularizer"):
        regularize(model, L2Penalty(0.1))
    regularize(model, L2Penalty(0.1), overwrite=True, embeddings=True)
    assert model.get_layer("emb").embeddings.regularizer.l2 == 0.1


def test_separable_and_depthwise_kernels_and_custom_types(keras64):
    L = keras64.layers

    class MyLinear(L.Layer):
        def build(self, shape):
            self.kernel = self.add_weight(shape=(shape[-1], 2), name="kernel")

        def call(self, x):
            return x @ self.kernel

    model = keras64.Sequential(
        [
            keras64.Input((8, 8, 2)),
            L.SeparableConv2D(3, 3),
            L.DepthwiseConv2D(3),
            L.Flatten(),
            MyLinear(),
        ]
    )
    sel = select_variables(model)
    sep, dw, _, mine = model.layers
    assert {id(v) for v in sel.variables} == {
        id(sep.depthwise_kernel),
        id(sep.pointwise_kernel),
        id(dw.kernel),
    }
    assert any(r == "not a known layer slot" for _, _, r in sel.exempt)
    sel = select_variables(model, kernel_types=(MyLinear,))
    assert id(mine.kernel) in {id(v) for v in sel.variables}
    regularize(model, 0.5, kernel_types=(MyLinear,))
    assert sep.depthwise_regularizer.l2 == 0.5 and dw.depthwise_regularizer.l2 == 0.5


def test_exclude_from_decay_errors(keras64):
    model = _model(keras64)
    with pytest.raises(ValueError, match="no weight_decay"):
        exclude_from_decay(keras64.optimizers.Adam(0.1), model)
    opt = keras64.optimizers.AdamW(0.1, weight_decay=0.1)
    opt.build(model.trainable_variables)
    with pytest.raises(ValueError, match="already built"):
        exclude_from_decay(opt, model)
    with pytest.raises(TypeError, match="Keras optimizer"):
        exclude_from_decay(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), model)
    with pytest.raises(TypeError, match="regularizer must be"):
        regularize(model, "l2")
