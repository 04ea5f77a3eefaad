r"""Binomial paths of all k-fold training sets at once, sharing every pass over X.

Fold f's training problem is the full design with the weights of its held-out rows set
to zero (no row copies). Its F models advance in lockstep along the λ grid: one GEMM
:math:`X[\beta_1 \dots \beta_F]` gives every fold's linear predictor and one GEMM
:math:`X^T R` every fold's gradient -- a pass over X serves F folds, where separate paths
would read X F times (the products are memory-bound, so F columns cost about what one
does). Each fold keeps its own lazy Hessian (:mod:`ridgekit.glm._newton`), its own
Armijo search in η and its own convergence test; a converged fold takes no further steps.

The search is skipped when no linear predictor moves by more than 1 (:math:`\max_i
|a_i^T\delta| \le 1`): the logistic loss is then below its second-order model with the
curvature scaled by :math:`\psi(1) = e - 2 < 0.72` (Bach's self-concordance bound for the
logistic loss, :math:`\psi(t) = (e^t - t - 1)/t^2`), so a Newton step with the Hessian at
the current point lowers the objective by at least :math:`0.28\,g^TM^{-1}g`; with a
lazily reused Hessian this is a heuristic, and a step that fails shows as a gradient that
did not fall fourfold, which recomputes the Hessian.
"""

from __future__ import annotations

import numpy as np

from ridgekit.glm._newton import LAZY_RATIO, penalized_factor

__all__ = ["fold_paths"]


def _losses(E, y, Wf):
    """Weighted binomial loss of every fold: (F,)."""
    S = np.where(y[:, None] > 0.5, -E, E)
    return np.einsum("nf,fn->f", np.logaddexp(0.0, S), Wf)


def fold_paths(problem, train_masks: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Parameters (F, L, d) of every fold's path (binomial, Cholesky route).

    Parameters
    ----------
    problem : Problem
        The full-data problem (K = 1).
    train_masks : ndarray of bool, shape (F, n)
    alphas : ndarray (L,)
    """
    design, pen, tol = problem.design, problem.pen, problem.tol
    y = problem.Y[:, 0]
    Wf = problem.w[None, :] * train_masks  # (F, n)
    F, L, d = Wf.shape[0], alphas.size, design.d
    out = np.empty((F, L, d))
    Theta = np.zeros((d, F))
    if design.fit_intercept:
        pbar = np.clip((Wf @ y) / Wf.sum(axis=1), 1e-300, 1 - 1e-16)
        Theta[0] = np.log(pbar) - np.log1p(-pbar)
    E = design.eta(Theta)
    H = [None] * F
    fscale = _losses(E, y, Wf)  # magnitude of each fold's objective (rounding test)
    for i in np.argsort(-alphas, kind="stable"):
        alpha = float(alphas[i])
        facs, prev = [None] * F, [None] * F
        stalled = np.zeros(F, int)
        last_g = np.full(F, np.inf)
        done = np.zeros(F, bool)
        for _ in range(problem.max_iter + 1):
            P = 1.0 / (1.0 + np.exp(-E))
            R = Wf.T * (P - y[:, None])
            G = design.rmatvec(R) + alpha * pen[:, None] * Theta
            gn = np.linalg.norm(G, axis=0)
            done |= gn <= tol
            if done.all():
                break
            steps = np.zeros_like(Theta)
            for f in np.flatnonzero(~done):
                if H[f] is None or (prev[f] is not None and gn[f] > LAZY_RATIO * prev[f]):
                    H[f], facs[f] = design.gram(Wf[f] * P[:, f] * (1.0 - P[:, f])), None
                if facs[f] is None:
                    facs[f] = penalized_factor(H[f], alpha, pen, 1)
                prev[f] = gn[f]
                steps[:, f] = -facs[f].solve(G[:, f])
            Es = design.eta(steps)  # linear: A (theta + t step) = eta + t A step
            slope = np.einsum("df,df->f", G, steps)
            t = np.ones(F)
            small = np.abs(Es).max(axis=0) <= 1.0
            for f in np.flatnonzero(~done):
                if -slope[f] <= 1e-13 * max(abs(fscale[f]), 1.0):  # below f's resolution
                    stalled[f] = stalled[f] + 1 if gn[f] > 0.5 * last_g[f] else 0
                    continue
                if small[f]:  # no linear predictor moves by more than 1: full step
                    continue
                f0 = _losses(E[:, f:f + 1], y, Wf[f:f + 1])[0] + \
                    0.5 * alpha * float(pen @ Theta[:, f]**2)
                fscale[f] = f0
                for _ in range(60):
                    th = Theta[:, f] + t[f] * steps[:, f]
                    fv = _losses((E[:, f] + t[f] * Es[:, f])[:, None], y, Wf[f:f + 1])[0] \
                        + 0.5 * alpha * float(pen @ th**2)
                    if fv <= f0 + 1e-4 * t[f] * slope[f]:
                        break
                    t[f] *= 0.5
                else:
                    done[f] = True
                    t[f] = 0.0
            last_g = gn
            t[done] = 0.0
            done |= stalled >= 3
            Theta += t * steps
            E += t * Es
        out[:, i] = Theta.T
    return out
