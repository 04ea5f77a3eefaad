r"""Early stopping against L2 for linear least squares trained by gradient descent.

Gradient descent from zero on :math:`\frac{1}{2n}\|y - X\beta\|^2` with step
:math:`\eta` is, in the SVD basis :math:`X = U\,\mathrm{diag}(s)\,V^\top`, a spectral
filter (DESIGN §1):

.. math::

    \beta_t = V\,\mathrm{diag}\!\Big(\frac{f_t(\mu)}{s}\Big) U^\top y, \quad
    f_t(\mu) = 1 - (1 - \eta\mu)^t, \quad \mu = s^2/n,

while ridge on :math:`\frac{1}{2n}\|y - X\beta\|^2 + \frac{\lambda}{2}\|\beta\|^2` has
:math:`f_\lambda(\mu) = \mu/(\mu + \lambda)`. Both damp small-:math:`\mu` directions;
the two filters are close for :math:`\lambda \approx 1/(\eta t)`. The experiment
trains with ``torch.optim.SGD`` on the full batch, records the test error along the
iterations, compares it with the ridge path on a λ grid (closed form, numpy SVD), and
checks the iterates against the filter formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ._common import Result, num_threads

__all__ = ["EarlyStoppingResult", "early_stopping_vs_ridge", "make_regression_problem"]


@dataclass
class EarlyStoppingResult(Result):
    """Test error along gradient-descent iterations and along the ridge path."""

    iterations: list[int]
    gd_test_mse: list[float]
    gd_train_mse: list[float]
    lambdas: list[float]
    ridge_test_mse: list[float]
    best_iteration: int
    best_gd_test_mse: float
    best_lambda: float
    best_ridge_test_mse: float
    lambda_equivalent_of_best_iteration: float
    max_filter_deviation: float
    step_size: float
    config: dict[str, Any] = field(default_factory=dict)
    name: str = "early_stopping_vs_ridge"

    def plot(self):
        from .plots import plot_early_stopping

        return plot_early_stopping(self)


def make_regression_problem(
    n_train: int = 100, n_test: int = 1000, p: int = 80, noise: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, ...]:
    """Correlated Gaussian design with a decaying spectrum and a dense true β."""
    rng = np.random.default_rng(seed)
    scales = 1.0 / np.sqrt(1.0 + np.arange(p))
    Q, _ = np.linalg.qr(rng.standard_normal((p, p)))
    A = Q * scales
    beta = rng.standard_normal(p)

    def draw(n):
        X = rng.standard_normal((n, p)) @ A.T
        return X, X @ beta + noise * rng.standard_normal(n)

    Xtr, ytr = draw(n_train)
    Xte, yte = draw(n_test)
    return Xtr, ytr, Xte, yte, beta


def early_stopping_vs_ridge(
    *,
    n_train: int = 100,
    n_test: int = 1000,
    p: int = 80,
    noise: float = 1.0,
    max_iter: int = 20000,
    n_lambdas: int = 60,
    seed: int = 0,
    threads: int | None = 1,
) -> EarlyStoppingResult:
    """Gradient descent path against the ridge path on one regression problem.

    Parameters
    ----------
    n_train, n_test, p, noise, seed
        The synthetic problem (see :func:`make_regression_problem`).
    max_iter : int
        Gradient-descent iterations (step :math:`\\eta = 1/\\mu_{max}`); the test error
        is recorded at about 60 log-spaced iterations.
    n_lambdas : int
        Size of the ridge λ grid (log-spaced over the range matched by the iterations).

    Returns
    -------
    EarlyStoppingResult
    """
    Xtr, ytr, Xte, yte, _ = make_regression_problem(n_train, n_test, p, noise, seed)
    n = len(ytr)
    U, s, Vt = np.linalg.svd(Xtr, full_matrices=False)
    mu = s**2 / n
    eta = 1.0 / mu.max()
    record = np.unique(np.round(np.logspace(0, np.log10(max_iter), 60)).astype(int))

    with num_threads(threads):
        X = torch.as_tensor(Xtr)
        y = torch.as_tensor(ytr)
        beta = torch.zeros(X.shape[1], dtype=X.dtype, requires_grad=True)
        opt = torch.optim.SGD([beta], lr=eta)
        gd_test, gd_train, dev = [], [], 0.0
        uty = U.T @ ytr
        k = 0
        for t in range(1, max_iter + 1):
            opt.zero_grad()
            loss = 0.5 * ((y - X @ beta) ** 2).mean()
            loss.backward()
            opt.step()
            if k < len(record) and t == record[k]:
                b = beta.detach().numpy()
                gd_test.append(float(np.mean((yte - Xte @ b) ** 2)))
                gd_train.append(float(np.mean((ytr - Xtr @ b) ** 2)))
                f = 1.0 - (1.0 - eta * mu) ** t
                b_ref = Vt.T @ (f * uty / s)
                dev = max(dev, float(np.abs(b - b_ref).max() / max(np.abs(b_ref).max(), 1e-300)))
                k += 1

    lambdas = np.logspace(np.log10(1.0 / (eta * max_iter)) - 1, np.log10(1.0 / eta) + 1, n_lambdas)
    ridge_test = []
    for lam in lambdas:
        b = Vt.T @ ((mu / (mu + lam)) * uty / s)
        ridge_test.append(float(np.mean((yte - Xte @ b) ** 2)))
    i_gd = int(np.argmin(gd_test))
    i_r = int(np.argmin(ridge_test))
    return EarlyStoppingResult(
        iterations=record.tolist(),
        gd_test_mse=gd_test,
        gd_train_mse=gd_train,
        lambdas=lambdas.tolist(),
        ridge_test_mse=ridge_test,
        best_iteration=int(record[i_gd]),
        best_gd_test_mse=gd_test[i_gd],
        best_lambda=float(lambdas[i_r]),
        best_ridge_test_mse=ridge_test[i_r],
        lambda_equivalent_of_best_iteration=float(1.0 / (eta * record[i_gd])),
        max_filter_deviation=dev,
        step_size=float(eta),
        config={"n_train": n_train, "n_test": n_test, "p": p, "noise": noise, "seed": seed},
    )
