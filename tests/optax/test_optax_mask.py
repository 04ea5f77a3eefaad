"""decay_mask and the optax conventions against optax's own updates and torch.optim."""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")

import jax.numpy as jnp  # noqa: E402

import ridgekit.conventions as cv  # noqa: E402
from ridgekit.optax import adamw, decay_mask, weight_decay  # noqa: E402


def _flax_params(g):
    """The parameter dict a flax.linen model with these modules would have."""
    r = lambda *s: jnp.asarray(g.standard_normal(s))  # noqa: E731
    return {
        "params": {
            "Conv_0": {"kernel": r(3, 3, 1, 4), "bias": r(4)},
            "BatchNorm_0": {"scale": r(4), "bias": r(4)},
            "Dense_0": {"kernel": r(16, 8), "bias": r(8)},
            "LayerNorm_0": {"scale": r(8), "bias": r(8)},
            "Embed_0": {"embedding": r(10, 8)},
            "Dense_1": {"kernel": r(8, 2), "bias": r(2)},
        }
    }


FLAX_DECAYED = {"Conv_0/kernel", "Dense_0/kernel", "Dense_1/kernel"}


def _flat(tree) -> dict:
    leaves = jax.tree_util.tree_leaves_with_path(tree)
    return {
        "/".join(str(getattr(k, "key", getattr(k, "idx", k))) for k in path[-2:]): v
        for path, v in leaves
    }


def test_flax_mask_exempts_biases_scales_and_embeddings():
    params = _flax_params(np.random.default_rng(0))
    mask = _flat(decay_mask(params))
    assert {k for k, v in mask.items() if v} == FLAX_DECAYED
    mask = _flat(decay_mask(params, embeddings=True))
    assert {k for k, v in mask.items() if v} == FLAX_DECAYED | {"Embed_0/embedding"}
    mask = _flat(decay_mask(params, exempt=lambda path, leaf: path[-2] == "Dense_1"))
    assert {k for k, v in mask.items() if v} == FLAX_DECAYED - {"Dense_1/kernel"}


@pytest.mark.parametrize("embeddings", [False, True])
def test_adamw_with_mask_decays_exactly_the_kernels(embeddings):
    """optax.adamw with zero gradients: Adam's part is 0, the update is -lr·wd·W on
    the decayed leaves and exactly 0 elsewhere."""
    params = _flax_params(np.random.default_rng(1))
    lr, wd = 0.1, 0.3
    tx = adamw(lr, wd, embeddings=embeddings)
    state = tx.init(params)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    updates, _ = tx.update(zeros, state, params)
    decayed = FLAX_DECAYED | ({"Embed_0/embedding"} if embeddings else set())
    flat_p, flat_u = _flat(params), _flat(updates)
    for name, u in flat_u.items():
        if name in decayed:
            np.testing.assert_allclose(u, -lr * wd * flat_p[name], rtol=1e-14)
        else:
            np.testing.assert_array_equal(u, 0.0, err_msg=name)
    # without the mask optax.adamw would decay everything
    plain = optax.adamw(lr, weight_decay=wd)
    u_all, _ = plain.update(zeros, plain.init(params), params)
    ln = u_all["params"]["LayerNorm_0"]["scale"]
    np.testing.assert_allclose(ln, -lr * wd * params["params"]["LayerNorm_0"]["scale"])


def test_haiku_and_plain_pytrees():
    g = np.random.default_rng(2)
    haiku = {
        "mlp/~/linear_0": {"w": jnp.ones((3, 4)), "b": jnp.ones(4)},
        "layer_norm": {"scale": jnp.ones(4), "offset": jnp.zeros(4)},
    }
    assert decay_mask(haiku) == {
        "mlp/~/linear_0": {"w": True, "b": False},
        "layer_norm": {"scale": False, "offset": False},
    }
    plain = [(jnp.asarray(g.standard_normal((2, 2))), jnp.zeros(2)), {"t": jnp.float64(1.0)}]
    assert decay_mask(plain) == [(True, False), {"t": False}]
    with pytest.raises(ValueError, match="no weight matrix"):
        decay_mask({"bias": jnp.zeros(3), "scale": jnp.ones(3)})


def test_optax_adamw_follows_torch_adamw_groups():
    """Convention "optax" = torch AdamW's weight_decay, on a real trajectory."""
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(3)
    X, y = g.standard_normal((40, 5)), g.standard_normal(40)
    W0, b0 = g.standard_normal(5), 0.3
    lr, wd, steps = 0.05, 0.4, 100

    def loss(p):
        return jnp.mean((X @ p["w2d"][:, 0] + p["b"] - y) ** 2)

    params = {"w2d": jnp.asarray(W0[:, None]), "b": jnp.float64(b0)}
    tx = optax.adamw(lr, weight_decay=weight_decay(wd, "torch_adamw"), mask=decay_mask)
    state = tx.init(params)
    for _ in range(steps):
        updates, state = tx.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)

    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.AdamW(
        [{"params": [w], "weight_decay": wd}, {"params": [b], "weight_decay": 0.0}], lr=lr
    )
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        ((Xt @ w + b - yt) ** 2).mean().backward()
        opt.step()
    np.testing.assert_allclose(np.asarray(params["w2d"][:, 0]), w.detach().numpy(), atol=1e-10)
    assert float(params["b"]) == pytest.approx(float(b.detach()), abs=1e-10)


def test_optax_l2_placement_follows_torch_adam_weight_decay():
    """add_decayed_weights before scale_by_adam is an L2 term: torch Adam's weight_decay."""
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(4)
    X, y, W0 = g.standard_normal((30, 4)), g.standard_normal(30), g.standard_normal((4, 1))
    lr, alpha, n = 0.05, 3.0, 30
    wd = weight_decay(alpha, "ridge", n=n, placement="l2")
    assert wd == pytest.approx(cv.ridge_to_torch_weight_decay(alpha, n))
    tx = optax.chain(
        optax.add_decayed_weights(wd, mask=decay_mask), optax.scale_by_adam(), optax.scale(-lr)
    )
    params = {"kernel": jnp.asarray(W0)}
    state = tx.init(params)
    grad = jax.grad(lambda p: jnp.mean((X @ p["kernel"][:, 0] - y) ** 2))
    for _ in range(50):
        updates, state = tx.update(grad(params), state, params)
        params = optax.apply_updates(params, updates)
    w = torch.tensor(W0[:, 0], requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr, weight_decay=wd)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(50):
        opt.zero_grad()
        ((Xt @ w - yt) ** 2).mean().backward()
        opt.step()
    np.testing.assert_allclose(np.asarray(params["kernel"][:, 0]), w.detach().numpy(), atol=1e-10)


def test_weight_decay_conversions_and_errors():
    assert weight_decay(1e-4, "adamw_paper", lr0=1e-3) == pytest.approx(0.1)
    assert weight_decay(0.01, "keras_weight_decay") == 0.01
    assert weight_decay(5e-5, "keras_l2", placement="l2") == pytest.approx(1e-4)
    with pytest.raises(ValueError, match="plain SGD"):
        weight_decay(5e-5, "keras_l2")
    with pytest.raises(ValueError, match="placement must be"):
        weight_decay(0.1, "optax", placement="before")
    with pytest.raises(ValueError, match="unknown source convention 'adam'"):
        weight_decay(0.1, "adam")
    with pytest.raises(ValueError, match="value must be >= 0"):
        weight_decay(-0.1, "optax")
