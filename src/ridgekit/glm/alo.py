r"""Approximate leave-one-out for penalized GLMs (Rad & Maleki, 2020), from the Newton factor.

Leaving sample i out and taking one Newton step from the full-data solution
:math:`\hat\Theta` gives

.. math:: \Theta_{-i} \approx \hat\Theta + (H - A_i^T D_i A_i)^{-1} A_i^T g_i ,

with :math:`H` the penalized Hessian at :math:`\hat\Theta`, :math:`A_i` the map from
parameters to sample i's linear predictor, :math:`g_i = w_i\nabla_\eta\ell_i` and
:math:`D_i = w_i\nabla^2_\eta\ell_i`. By the push-through identity the left-out linear
predictor needs only the K x K matrix :math:`S_i = A_iH^{-1}A_i^T`:

.. math:: \tilde\eta_{-i} = \hat\eta_i + S_i (I - D_i S_i)^{-1} g_i ,

which for the binomial (K = 1) is :math:`\hat\eta_i + g_i h_i/(1 - D_i h_i)` with the
leverage :math:`h_i = a_i^TH^{-1}a_i`. All :math:`S_i` come from one triangular inverse
of the Cholesky factor already computed for the fit: :math:`S_i = Z_i^TZ_i`,
:math:`Z_i = L^{-1}A_i^T`, i.e. :math:`O(n\,d^2K^2)` per λ and no refit. (Rad, K. &
Maleki, A. (2020), "A scalable estimate of the out-of-sample prediction error via
approximate leave-one-out cross-validation", JRSS B 82(4).)
"""

from __future__ import annotations

import numpy as np

__all__ = ["alo_eta"]


def alo_eta(problem, result, factor) -> np.ndarray:
    """Approximate leave-one-out linear predictors (n, K) at one solution.

    Parameters
    ----------
    problem : Problem
    result : NewtonResult
        The full-data solution (its ``eta`` and family ``state``).
    factor : Factor
        Cholesky factor of the penalized Hessian at that solution.
    """
    design, family = problem.design, problem.family
    K, d = problem.K, design.d
    Linv = np.linalg.inv(factor.L)  # (dK, dK), lower triangular
    eta = result.eta
    R, _ = family.state(eta, problem.Y, problem.w)  # g_i, rows
    out = np.empty_like(eta)
    for rows in design.block_slices(d * K):
        Ab = design.dense_rows(rows)  # (nb, d)
        if K == 1:
            Z = Ab @ Linv.T
            h = np.einsum("ij,ij->i", Z, Z)
            D = family.block_weights(result.state, 0)[rows]
            g = R[rows, 0]
            out[rows, 0] = eta[rows, 0] + g * h / (1.0 - D * h)
            continue
        Z = [Ab @ Linv[:, k * d:(k + 1) * d].T for k in range(K)]  # each (nb, dK)
        S = np.empty((Ab.shape[0], K, K))
        for k in range(K):
            for m in range(k, K):
                S[:, k, m] = S[:, m, k] = np.einsum("ij,ij->i", Z[k], Z[m])
        w, P = result.state
        wb, Pb = w[rows], P[rows]
        Dm = wb[:, None, None] * (Pb[:, :, None] * np.eye(K) - Pb[:, :, None] * Pb[:, None, :])
        M = np.eye(K) - Dm @ S
        u = np.linalg.solve(M, R[rows][:, :, None])
        out[rows] = eta[rows] + (S @ u)[:, :, 0]
    return out
