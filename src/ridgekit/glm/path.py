r"""A warm-started path of penalized logistic/multinomial fits over a λ grid.

The grid is solved from the largest λ down, each fit starting from the previous
solution (the first from the null model: intercepts only, :math:`\beta = 0`, the limit
:math:`\lambda\to\infty`). On the Cholesky route the data Hessian at each solution is
formed once and used three times: for the effective degrees of freedom, for approximate
leave-one-out (:mod:`ridgekit.glm.alo`) and as the first Newton matrix of the next λ.

Effective degrees of freedom are the trace of the penalized hat matrix of the final
IRLS step,

.. math:: \mathrm{df}(\lambda) = \mathrm{tr}\big[(H + \lambda C)^{-1} H\big],
          \qquad H = A^T D A ,

counting the intercept (and any unpenalized column) as one each.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ridgekit.glm._newton import penalized_factor
from ridgekit.glm._problem import EXACT_LIMIT, Problem

__all__ = ["LogisticPath", "fit_path", "ConvergenceWarning"]


class ConvergenceWarning(UserWarning):
    """Newton's method stopped at ``max_iter`` before the gradient reached ``tol``."""


def fit_path(problem: Problem, alphas: np.ndarray, theta0: np.ndarray | None = None,
             on_solution: Callable | None = None, stats: bool = True) -> dict:
    """Solve ``problem`` at every λ of ``alphas`` (any order), warm-started from the largest.

    Parameters
    ----------
    problem : Problem
    alphas : ndarray (L,)
    theta0 : ndarray (d, K), optional
        Start for the largest λ (default: the null model).
    on_solution : callable(i, alpha, result, factor, hessian), optional
        Called at each solution; ``factor``/``hessian`` are None off the Cholesky route.
    stats : bool
        Compute df (exact Hessians: on the Cholesky route, or while d·K <= 2000; NaN
        otherwise).

    Returns
    -------
    dict with ``theta`` (L, d, K), ``n_iter``, ``grad_norm``, ``converged``, ``loss``
    (:math:`\\sum w_i\\ell_i`), ``df`` -- all in the order of ``alphas``.
    """
    L = alphas.size
    d, K = problem.design.d, problem.K
    out = {"theta": np.empty((L, d, K)), "n_iter": np.zeros(L, int),
           "grad_norm": np.empty(L), "converged": np.zeros(L, bool), "loss": np.empty(L),
           "df": np.full(L, np.nan)}
    theta = problem.null_theta() if theta0 is None else theta0
    hess = None
    exact = problem.mode == "exact"
    # df needs the exact Hessian at each solution; off the Cholesky route (the
    # multinomial's default) it is formed for that alone while d·K <= EXACT_LIMIT
    full = (exact or (stats and d * K <= EXACT_LIMIT)) and (stats or on_solution is not None)
    for i in np.argsort(-alphas, kind="stable"):
        res = problem.solve(alphas[i], theta, hess)
        theta = res.theta
        fac = None
        if full:  # for df and ALO (and the next λ's first step)
            hess = problem.hessian(res)
        elif exact:  # the last (lazy) Hessian starts the next λ
            hess = res.hessian
        if full:
            fac = penalized_factor(hess, float(alphas[i]), problem.pen, K)
            if stats:
                out["df"][i] = float(np.trace(fac.solve(hess)))
        out["theta"][i] = theta
        out["n_iter"][i] = res.n_iter
        out["grad_norm"][i] = res.grad_norm
        out["converged"][i] = res.converged
        out["loss"][i] = res.loss
        if on_solution is not None:
            on_solution(i, float(alphas[i]), res, fac if exact else None,
                        hess if exact else None)
    return out


class LogisticPath:
    """Penalized logistic (or multinomial) fits over a grid, queryable at any λ.

    Attributes
    ----------
    alphas : ndarray (L,)
        The grid, in the order given.
    classes : ndarray
    coefs : ndarray (L, p) binary or (L, K, p) multinomial
    intercepts : ndarray (L,) or (L, K)
    df : ndarray (L,)
        :math:`\\mathrm{tr}[(H+\\lambda C)^{-1}H]` (NaN off the Cholesky route when d·K > 2000).
    deviance : ndarray (L,)
        Training deviance :math:`2\\sum_i w_i\\ell_i`.
    null_deviance : float
    n_iter, grad_norm, converged : ndarray (L,)

    ``coef(alpha)`` / ``predict_proba(X, alpha)`` on the grid read the stored fit; off
    the grid they refit exactly, warm-started from the nearest grid solution (the path
    keeps a reference to the training problem for that).
    """

    def __init__(self, problem: Problem, alphas: np.ndarray, result: dict, classes,
                 null_deviance: float):
        self._problem = problem
        self.alphas = alphas
        self.classes = np.asarray(classes)
        self._theta = result["theta"]
        self.df = result["df"]
        self.deviance = 2.0 * result["loss"]
        self.null_deviance = float(null_deviance)
        self.n_iter = result["n_iter"]
        self.grad_norm = result["grad_norm"]
        self.converged = result["converged"]
        self.fit_intercept = problem.design.fit_intercept

    # ---------------------------------------------------------------- access
    @property
    def family(self) -> str:
        return self._problem.family.name

    def _split(self, theta):
        coef = theta[1:] if self.fit_intercept else theta
        icpt = theta[0] if self.fit_intercept else np.zeros(theta.shape[1])
        return coef.T, icpt  # (K, p), (K,)

    def _squeeze(self, a):
        return a[..., 0, :] if self._problem.K == 1 and a.ndim >= 2 else a

    @property
    def coefs(self) -> np.ndarray:
        c = np.stack([self._split(t)[0] for t in self._theta])
        return c[:, 0] if self._problem.K == 1 else c

    @property
    def intercepts(self) -> np.ndarray:
        c = np.stack([self._split(t)[1] for t in self._theta])
        return c[:, 0] if self._problem.K == 1 else c

    def theta(self, alpha: float) -> np.ndarray:
        """Parameters (d, K) at ``alpha``: stored on the grid, refitted off it."""
        alpha = float(alpha)
        if not np.isfinite(alpha) or alpha < 0:
            raise ValueError(f"alpha must be finite and >= 0; got {alpha!r}")
        hit = np.flatnonzero(np.isclose(self.alphas, alpha, rtol=1e-12, atol=0))
        if hit.size:
            return self._theta[hit[0]]
        near = int(np.argmin(np.abs(np.log(self.alphas + 1e-300) - np.log(alpha + 1e-300))))
        res = self._problem.solve(alpha, self._theta[near])
        if not res.converged:
            warnings.warn(f"refit at alpha={alpha:.3g} stopped after {res.n_iter} Newton "
                          f"steps with gradient norm {res.grad_norm:.2e}",
                          ConvergenceWarning, stacklevel=2)
        return res.theta

    def coef(self, alpha: float) -> np.ndarray:
        """Coefficients at ``alpha``: (p,) binary or (K, p) multinomial."""
        c, _ = self._split(self.theta(alpha))
        return c[0] if self._problem.K == 1 else c

    def intercept(self, alpha: float):
        _, b = self._split(self.theta(alpha))
        return float(b[0]) if self._problem.K == 1 else b

    def _eta(self, X, alpha):
        p = self._problem.design.p
        if getattr(X, "ndim", 2) != 2 or X.shape[1] != p:
            raise ValueError(f"X has shape {getattr(X, 'shape', None)}; expected (n, {p})")
        coef, b = self._split(self.theta(alpha))
        return np.asarray(X @ coef.T) + b

    def decision_function(self, X, alpha: float) -> np.ndarray:
        eta = self._eta(X, alpha)
        return eta[:, 0] if self._problem.K == 1 else eta

    def predict_proba(self, X, alpha: float) -> np.ndarray:
        """Class probabilities (n, n_classes) at ``alpha``."""
        return self._problem.family.proba(self._eta(X, alpha))

    def predict(self, X, alpha: float) -> np.ndarray:
        return self.classes[np.argmax(self.predict_proba(X, alpha), axis=1)]
