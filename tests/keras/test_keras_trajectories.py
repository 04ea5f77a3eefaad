"""Keras with converted settings follows torch.optim's trajectory step for step.

A two-layer MLP (tanh) is built in Keras and copied into torch; both take the same
100 full-batch steps. The Keras side is the real ``model.fit`` path (its mean loss plus
``model.losses``); the torch side is ``torch.optim`` with ``weight_decay`` on the
weight matrices only (a parameter group), the independent reference.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

import ridgekit.conventions as cv  # noqa: E402
from ridgekit.keras import L2Penalty, exclude_from_decay, regularize  # noqa: E402

STEPS = 100


@pytest.fixture
def data():
    g = np.random.default_rng(7)
    X = g.standard_normal((64, 5))
    y = np.tanh(X @ g.standard_normal((5, 1))) + 0.1 * g.standard_normal((64, 1))
    return X, y


def _keras_mlp(keras):
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(1),
        ]
    )


def _torch_copy(model):
    d1, d2 = model.layers
    net = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    net = net.double()
    with torch.no_grad():
        for lin, dense in ((net[0], d1), (net[2], d2)):
            lin.weight.copy_(torch.tensor(np.asarray(dense.kernel.numpy()).T))
            lin.bias.copy_(torch.tensor(np.asarray(dense.bias.numpy())))
    return net


def _torch_run(net, opt, X, y, steps=STEPS):
    X, y = torch.tensor(X), torch.tensor(y)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(X), y).backward()
        opt.step()


def _groups(net, wd):
    weights = [net[0].weight, net[2].weight]
    biases = [net[0].bias, net[2].bias]
    return [{"params": weights, "weight_decay": wd}, {"params": biases, "weight_decay": 0.0}]


def _max_diff(model, net) -> float:
    d1, d2 = model.layers
    pairs = [
        (d1.kernel, net[0].weight.T),
        (d1.bias, net[0].bias),
        (d2.kernel, net[2].weight.T),
        (d2.bias, net[2].bias),
    ]
    return max(float(np.abs(k.numpy() - t.detach().numpy()).max()) for k, t in pairs)


def _fit(model, opt, X, y, steps=STEPS):
    model.compile(optimizer=opt, loss="mse")
    model.fit(X, y, batch_size=len(X), epochs=steps, shuffle=False, verbose=0)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_keras_sgd_with_l2_follows_torch_sgd_weight_decay(keras64, data, momentum):
    X, y = data
    wd, lr = 0.05, 0.1
    model = _keras_mlp(keras64)
    net = _torch_copy(model)
    regularize(model, L2Penalty.from_weight_decay(wd, "torch_sgd"))
    _fit(model, keras64.optimizers.SGD(lr, momentum=momentum), X, y)
    _torch_run(net, torch.optim.SGD(_groups(net, wd), lr=lr, momentum=momentum), X, y)
    assert _max_diff(model, net) < 1e-6
    # the penalty is not negligible: without it the trajectories part
    free = _keras_mlp(keras64)
    _fit(free, keras64.optimizers.SGD(lr, momentum=momentum), X, y)
    assert _max_diff(free, net) > 1e-3


def test_keras_adam_with_l2_follows_torch_adam_weight_decay(keras64, data):
    """Adam + L2 is a coupled penalty in both (tiny eps: the two place eps differently)."""
    X, y = data
    wd, lr = 0.1, 1e-2
    model = _keras_mlp(keras64)
    net = _torch_copy(model)
    regularize(model, L2Penalty.from_weight_decay(wd, "torch_adam"))
    _fit(model, keras64.optimizers.Adam(lr, epsilon=1e-14), X, y)
    _torch_run(net, torch.optim.Adam(_groups(net, wd), lr=lr, eps=1e-14), X, y)
    assert _max_diff(model, net) < 1e-6


def test_keras_adamw_with_exemptions_follows_torch_adamw_groups(keras64, data):
    X, y = data
    wd, lr = 0.5, 1e-2
    model = _keras_mlp(keras64)
    net = _torch_copy(model)
    opt = keras64.optimizers.AdamW(
        lr, weight_decay=cv.convert(wd, "torch_adamw", "keras_weight_decay"), epsilon=1e-14
    )
    exclude_from_decay(opt, model)
    _fit(model, opt, X, y)
    _torch_run(net, torch.optim.AdamW(_groups(net, wd), lr=lr, eps=1e-14), X, y)
    assert _max_diff(model, net) < 1e-6


def test_keras_sgd_weight_decay_is_torch_sgd_only_without_momentum(keras64, data):
    """Keras' optimizer weight_decay is decoupled: equal to torch's coupled SGD decay
    for plain SGD (which is why convert needs assume_plain_sgd), not with momentum."""
    X, y = data
    wd, lr = 0.05, 0.1
    kwd = cv.convert(wd, "torch_sgd", "keras_weight_decay", assume_plain_sgd=True)
    with pytest.raises(ValueError, match="plain SGD"):
        cv.convert(wd, "torch_sgd", "keras_weight_decay")
    diffs = {}
    for momentum in (0.0, 0.9):
        model = _keras_mlp(keras64)
        net = _torch_copy(model)
        opt = keras64.optimizers.SGD(lr, momentum=momentum, weight_decay=kwd)
        exclude_from_decay(opt, model)
        _fit(model, opt, X, y)
        _torch_run(net, torch.optim.SGD(_groups(net, wd), lr=lr, momentum=momentum), X, y)
        diffs[momentum] = _max_diff(model, net)
    assert diffs[0.0] < 1e-6
    assert diffs[0.9] > 1e-3
