"""A one-Dense Keras model with L2Penalty.from_ridge(alpha, n) and the MSE loss,
trained full batch to convergence, is ridgekit.Ridge(alpha) (and the dense solve).

Keras minimizes (1/(n k)) Σ r² + l2 ‖W‖² (mean over samples and k outputs, no ½, bias
not regularized); times n k this is Ridge's Σ r² + α ‖W‖² with an unpenalized
intercept when l2 = α / (n k). Training is heavy-ball SGD (Keras' momentum SGD) with
the step and momentum tuned to the extreme eigenvalues of the Hessian, so it converges
linearly to the optimum; Keras' float32 arithmetic (it computes float64 products in
float32 on the torch backend) limits the agreement to about 1e-7.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
pytest.importorskip("torch")

import ridgekit  # noqa: E402
from ridgekit.keras import L2Penalty  # noqa: E402


def _heavy_ball(X, l2, k):
    """Optimal heavy-ball step and momentum for Keras' objective in (W, b).

    Per output the Hessian of (1/(n k)) Σ r² + l2‖w‖² in (w, b) is
    (2/(n k)) [X 1]ᵀ[X 1] + 2 l2 diag(1, …, 1, 0).
    """
    n, p = X.shape
    Xa = np.hstack([X, np.ones((n, 1))])
    H = 2 / (n * k) * Xa.T @ Xa + 2 * l2 * np.diag(np.r_[np.ones(p), 0.0])
    lo, hi = np.sqrt(np.linalg.eigvalsh(H)[[0, -1]])
    return 4 / (lo + hi) ** 2, ((hi - lo) / (hi + lo)) ** 2


def _train(keras, X, y, alpha, epochs=400):
    n, p = X.shape
    k = y.shape[1]
    reg = L2Penalty.from_ridge(alpha, n * k)
    lr, momentum = _heavy_ball(X, reg.l2, k)
    model = keras.Sequential(
        [
            keras.Input((p,)),
            keras.layers.Dense(k, kernel_regularizer=reg, kernel_initializer="zeros"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(lr, momentum=momentum), loss="mse")
    model.fit(X, y, batch_size=n, epochs=epochs, shuffle=False, verbose=0)
    dense = model.layers[0]
    return dense.kernel.numpy().T, dense.bias.numpy()


@pytest.mark.parametrize("k", [1, 2])
def test_one_dense_layer_converges_to_ridge(keras64, k):
    g = np.random.default_rng(11)
    n, p, alpha = 120, 6, 25.0
    cov = 0.5 ** np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    X = g.standard_normal((n, p)) @ np.linalg.cholesky(cov).T + 1.5  # not centered
    Y = X @ g.standard_normal((p, k)) + 3.0 + 0.5 * g.standard_normal((n, k))
    coef, intercept = _train(keras64, X, Y, alpha)

    ridge = ridgekit.Ridge(alpha=alpha).fit(X, Y if k > 1 else Y[:, 0])
    ref_coef = np.atleast_2d(ridge.coef_)
    np.testing.assert_allclose(coef, ref_coef, atol=1e-5, rtol=0)
    np.testing.assert_allclose(intercept, np.atleast_1d(ridge.intercept_), atol=1e-5, rtol=0)
    # the dense solve on centered data, independent of ridgekit
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    beta = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(p), Xc.T @ Yc)
    np.testing.assert_allclose(coef, beta.T, atol=1e-5, rtol=0)
    # a factor-of-2 or factor-of-n slip would be far off
    assert np.abs(ridgekit.Ridge(alpha=2 * alpha).fit(X, Y).coef_ - coef).max() > 1e-3


def test_example_script_runs_and_agrees():
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).parents[2] / "examples" / "keras_ridge_bridge.py"
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONWARNINGS="ignore")
    r = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env
    )
    assert r.returncode == 0, r.stderr
    diff = float(re.search(r"max \|keras - Ridge\(alpha\)\| = (\S+)", r.stdout).group(1))
    assert diff < 1e-5
    assert "exempt    sequential/dense/bias" in r.stdout
