"""Keras' L2 and ridge regression are one model: the bridge, with the numbers.

A Keras model that is one Dense layer with ``kernel_regularizer=L2Penalty.from_ridge(
alpha, n)`` and the ``"mse"`` loss, trained full batch to convergence, is
``ridgekit.Ridge(alpha)``: Keras minimizes (1/n)·Σr² + l2·‖w‖² (mean loss, no ½, bias
not regularized), which is Ridge's Σr² + α‖w‖² (intercept not penalized) divided by n
when l2 = α/n. Copying α itself into Keras would be a penalty n times too strong.

Run:  KERAS_BACKEND=torch python examples/keras_ridge_bridge.py
(needs ``pip install ridgekit[keras,torch]``; a few seconds on a laptop CPU)
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # keras reads it at import

import keras  # noqa: E402
import numpy as np  # noqa: E402

import ridgekit  # noqa: E402
from ridgekit.datasets import load_prostate  # noqa: E402
from ridgekit.keras import L2Penalty, exclude_from_decay  # noqa: E402

keras.config.set_floatx("float64")
keras.utils.set_random_seed(0)

data = load_prostate()
X, y = np.asarray(data.X, dtype=float), np.asarray(data.y, dtype=float)
X = (X - X.mean(0)) / X.std(0)
n, p = X.shape
alpha = 10.0

# 1. The regularizer, in every convention at once.
reg = L2Penalty.from_ridge(alpha, n)
print(reg, "\n")

# 2. Train: heavy-ball SGD with step and momentum from the Hessian's extreme
#    eigenvalues, (2/n)[X 1]^T[X 1] + 2 l2 diag(1..1, 0), converges linearly.
Xa = np.hstack([X, np.ones((n, 1))])
H = 2 / n * Xa.T @ Xa + 2 * reg.l2 * np.diag(np.r_[np.ones(p), 0.0])
lo, hi = np.sqrt(np.linalg.eigvalsh(H)[[0, -1]])
model = keras.Sequential([keras.Input((p,)), keras.layers.Dense(1, kernel_regularizer=reg)])
model.compile(
    optimizer=keras.optimizers.SGD(4 / (lo + hi) ** 2, momentum=((hi - lo) / (hi + lo)) ** 2),
    loss="mse",
)
model.fit(X, y, batch_size=n, epochs=500, shuffle=False, verbose=0)
w, b = model.layers[0].kernel.numpy()[:, 0], float(model.layers[0].bias.numpy()[0])

# 3. The closed form at the converted alpha.
ridge = ridgekit.Ridge(alpha=alpha).fit(X, y)
wrong = ridgekit.Ridge(alpha=reg.l2).fit(X, y)  # the classic slip: l2 read as alpha
print(f"{'feature':>10} {'keras':>10} {'Ridge':>10} {'Ridge(l2)':>10}")
for name, a, r, s in zip(data.feature_names, w, ridge.coef_, wrong.coef_, strict=True):
    print(f"{name:>10} {a:10.6f} {r:10.6f} {s:10.6f}")
print(f"{'intercept':>10} {b:10.6f} {ridge.intercept_:10.6f}")
print(f"\nmax |keras - Ridge(alpha)| = {np.abs(w - ridge.coef_).max():.1e} "
      "(Keras does products in float32 on the torch backend)")

# 4. Decoupled decay instead (AdamW): the same exemptions, by variable.
opt = keras.optimizers.AdamW(1e-2, weight_decay=reg.to("torch_adamw", assume_plain_sgd=True))
sel = exclude_from_decay(opt, model)
print("\nAdamW decays:\n" + sel.describe())
