r"""Elastic-net penalized logistic and multinomial regression by proximal Newton
(glmnet's outer loop).

Minimizes

.. math:: F(\theta) = \sum_i w_i\ell_i(a_i^T\theta)
          + \alpha\sum_j\Big(\rho\,c^{(1)}_j|\theta_j| + \tfrac{1-\rho}{2}c^{(2)}_j\theta_j^2\Big)

(the multinomial sums this over classes, θ_j one class's coefficient;
:math:`c^{(1)} = c^{(2)} = 0` for the intercept and unpenalized columns; ρ =
``l1_ratio``; ``alpha = 1/C`` of scikit-learn's ``penalty="elasticnet"``). Each outer step
forms the data Hessian :math:`H = A^TDA` once (one pass over X) and takes one of two
steps, each followed by an Armijo search on F itself (in η: no further pass over X):

- **proximal Newton** (glmnet, Lee-Sun-Saunders): minimize the quadratic model
  :math:`\tfrac12 z^THz - (H\theta - g)^Tz` plus the penalty exactly by coordinate
  descent -- the free coordinates eliminated (a Schur complement), the rest handed to
  the coordinate-descent room as a :class:`ridgekit.sparse.GramDesign` and
  :func:`ridgekit.sparse._path.solve_path` (compiled covariance updates, working sets,
  duality gap); the search uses the decrease
  :math:`\Delta = g^T\delta + P(\theta+\delta) - P(\theta)` (:math:`\Delta < 0` unless θ
  is optimal);
- **Newton on the support**, when the inactive coordinates already satisfy their
  subgradient condition :math:`|\partial_j f| < \alpha\rho c^{(1)}_j` and the step keeps
  every active coefficient's sign: there F is smooth (the L1 part is linear), so this is
  plain Newton, quadratically convergent to rounding level -- the coordinate-descent
  solution alone is only as exact as its duality gap.

Convergence: the minimum-norm subgradient :math:`\lVert\partial F(\theta)\rVert_2 \le`
``tol`` (the sum-scaled objective above), checked directly.
"""

from __future__ import annotations

import numpy as np

from ridgekit.glm._newton import NewtonResult, full_hessian

__all__ = ["enet_newton", "min_norm_subgradient", "enet_alpha_max", "enet_path"]


def min_norm_subgradient(theta, g, alpha, rho, pen1, pen2) -> np.ndarray:
    """Smallest element of :math:`\\partial F(\\theta)` given the data gradient g."""
    q = g + alpha * (1.0 - rho) * pen2 * theta
    lam = alpha * rho * pen1
    return np.where(theta != 0, q + lam * np.sign(theta),
                    np.sign(q) * np.maximum(np.abs(q) - lam, 0.0))


def _cd_step(H, b, theta, alpha, rho, pen1, pen2, scale, inner_tol):
    """Minimizer of the quadratic model plus the penalty (free coordinates eliminated)."""
    from ridgekit.sparse import GramDesign, Penalty, solve_path

    free = (pen1 == 0) & (pen2 == 0)
    P = np.flatnonzero(~free)
    F = np.flatnonzero(free)
    G, c = H[np.ix_(P, P)], b[P]
    if F.size:
        HFF = H[np.ix_(F, F)]
        HFP = H[np.ix_(F, P)]
        K = np.linalg.solve(HFF, np.column_stack([HFP, b[F]]))
        G = G - HFP.T @ K[:, :-1]
        c = c - HFP.T @ K[:, -1]
    # ||y~||^2 of a least-squares problem with this Gram and X^T y: c^T G^+ c
    mu, V = np.linalg.eigh(G)
    keep = mu > mu.max() * G.shape[0] * np.finfo(float).eps
    yy = float(np.sum((V[:, keep].T @ c) ** 2 / mu[keep]))
    pen = Penalty(rho, pen1[P], pen2[P], np.full(P.size, -np.inf), np.full(P.size, np.inf))
    sol = solve_path(GramDesign(G / scale, c / scale, yy / scale), pen,
                     np.array([alpha / scale]), tol=inner_tol, max_iter=100_000,
                     beta=theta[P], warn=False)
    z = np.empty_like(theta)
    z[P] = sol.coefs[0]
    if F.size:
        z[F] = K[:, -1] - K[:, :-1] @ z[P]
    return z


def enet_newton(problem, alpha: float, rho: float, pen1: np.ndarray, theta0: np.ndarray,
                *, inner_tol: float = 1e-12) -> NewtonResult:
    """Solve the elastic-net penalized binomial or multinomial problem.

    The multinomial's parameters (d, K) are handled as one vector, class-major, with the
    full Hessian (:func:`ridgekit.glm._newton.full_hessian`); every class's coefficients
    carry the penalty. The softmax is invariant to shifting a free row (the intercepts,
    an unpenalized column) across classes: a multiple of the shift projector on those
    coordinates is added to the Hessian -- definite, and the steps unchanged (the
    gradient and the start are shift-free), so such rows stay centered over classes.

    Parameters
    ----------
    problem : Problem
        ``problem.pen`` is :math:`c^{(2)}` (0 for the intercept), ``problem.tol`` the
        tolerance on the minimum-norm subgradient, ``problem.max_iter`` the outer steps.
    alpha : float
    rho : float in (0, 1]
    pen1 : ndarray (d,)
        :math:`c^{(1)}` (0 for the intercept).
    theta0 : ndarray (d, K)
    inner_tol : float
        Duality-gap tolerance of the coordinate-descent subproblems (relative).
    """
    design, w, Y, family = problem.design, problem.w, problem.Y, problem.family
    d, K = design.d, problem.K
    p1, p2 = np.tile(pen1, K), np.tile(problem.pen, K)  # class-major, like the Hessian
    l1 = alpha * rho * p1
    l2 = alpha * (1.0 - rho) * p2
    scale = float(w.sum())
    free_rows = np.flatnonzero((pen1 == 0) & (problem.pen == 0)) if K > 1 else np.array([])

    def unflat(v):
        return v.reshape(K, d).T

    theta = theta0.T.ravel().astype(float)  # copy
    eta = design.eta(unflat(theta))

    def penalty(th):
        return float(l1 @ np.abs(th) + 0.5 * l2 @ th**2)

    def objective(e, th):
        return family.loss(e, Y, w) + penalty(th)

    it, converged = 0, False
    while True:
        R, state = family.state(eta, Y, w)
        g = design.rmatvec(R).T.ravel()
        v = min_norm_subgradient(theta, g, alpha, rho, p1, p2)
        vnorm = float(np.linalg.norm(v))
        if vnorm <= problem.tol:
            converged = True
            break
        if it >= problem.max_iter:
            break
        H = full_hessian(design, family, state, K)
        for j in free_rows:  # shift projector on the free rows' K coordinates
            idx = j + d * np.arange(K)
            H[np.ix_(idx, idx)] += max(float(np.mean(H[idx, idx])), 1e-300) / K
        f0 = objective(eta, theta)
        step = _support_step(H, g, theta, l1, l2, p1, p2)
        if step is not None:
            slope = float((g + l2 * theta + l1 * np.sign(theta)) @ step)
        else:
            z = _cd_step(H, H @ theta - g, theta, alpha, rho, p1, p2, scale, inner_tol)
            step = z - theta
            slope = float(g @ step) + penalty(z) - penalty(theta)
        if slope >= 0:  # no decrease left to find: rounding level
            converged = vnorm <= max(problem.tol, 1e-6 * (1.0 + abs(f0)))
            break
        estep = design.eta(unflat(step))
        t = 1.0
        # a decrease below what F can resolve: Armijo cannot tell, and halving would
        # shrink the step to nothing; the (smooth-on-the-support) step is taken whole
        resolvable = -slope > 1e-13 * max(abs(f0), 1.0)
        for _ in range(60 if resolvable else 0):
            if objective(eta + t * estep, theta + t * step) <= f0 + 1e-4 * t * slope:
                break
            t *= 0.5
        else:
            if resolvable:
                converged = vnorm <= max(problem.tol, 1e-6 * (1.0 + abs(f0)))
                break
        theta = theta + t * step
        eta = eta + t * estep
        it += 1
    loss = family.loss(eta, Y, w)
    return NewtonResult(unflat(theta).copy(), eta, it, vnorm, converged, loss, None)


def _support_step(H, g, theta, l1, l2, pen1, pen2):
    """Newton step on the support with the signs fixed, or None when it does not apply
    (an inactive coordinate violates its subgradient bound, or a sign would change)."""
    free = (pen1 == 0) & (pen2 == 0)
    S = free | (theta != 0)
    q = g + l2 * theta
    if np.any(~S & (np.abs(q) >= l1)):
        return None
    idx = np.flatnonzero(S)
    M = H[np.ix_(idx, idx)]
    M[np.diag_indices_from(M)] += l2[idx]
    grad = q[idx] + l1[idx] * np.sign(theta[idx])
    try:
        d = -np.linalg.solve(M, grad)
    except np.linalg.LinAlgError:
        return None
    new = theta[idx] + d
    pen_idx = ~free[idx]
    if np.any(np.sign(new[pen_idx]) != np.sign(theta[idx][pen_idx])):
        return None
    step = np.zeros_like(theta)
    step[idx] = d
    return step


def enet_alpha_max(problem, rho: float, pen1: np.ndarray) -> float:
    r"""The smallest α at which every penalized coefficient is zero (glmnet's λ_max):

    .. math:: \alpha_{max} = \max_j \frac{|\partial_j f(\theta_0)|}{\rho\,c^{(1)}_j}

    over the columns with :math:`c^{(1)}_j > 0`, with :math:`\theta_0` the null model --
    the intercept and any unpenalized column fitted, the rest zero (the L2 part of the
    penalty vanishes at zero, so only the gradient there matters).
    """
    design = problem.design
    pen_l1 = pen1 > 0
    if not pen_l1.any():
        raise ValueError("every l1 penalty factor is zero: no α sets the coefficients to 0")
    free = (pen1 == 0) & (problem.pen == 0)
    theta = problem.null_theta()
    if np.any(free[design.fit_intercept:]):
        # fit the free columns: the penalized ones stay zero for α at or above α_max
        a = 1.0
        for _ in range(60):
            a *= 10.0
            theta = enet_newton(problem, a, rho, pen1, theta).theta
            if not np.any(theta[pen_l1 | (problem.pen > 0)]):
                break
    R, _ = problem.family.state(design.eta(theta), problem.Y, problem.w)
    g = design.rmatvec(R)  # (d, K)
    amax = float(np.max(np.abs(g[pen_l1]) / pen1[pen_l1][:, None])) / rho
    if not amax > 0:
        raise ValueError("the null model's gradient is zero: nothing to penalize")
    return amax


def enet_path(problem, alphas: np.ndarray, rho: float, pen1: np.ndarray,
              theta0: np.ndarray | None = None) -> dict:
    """Elastic-net binomial fits over ``alphas`` (any order), solved from the largest
    down, each warm-started from the previous solution (the first from ``theta0``, by
    default the null model).

    Returns
    -------
    dict with ``theta`` (L, d, K), ``n_iter``, ``grad_norm`` (minimum-norm subgradient),
    ``converged``, ``loss`` (:math:`\\sum w_i\\ell_i`) and ``df`` (nonzero coefficients
    over all classes, the intercepts not counted -- glmnet's df for two classes) in the
    order of ``alphas``.
    """
    L, d = alphas.size, problem.design.d
    fi = problem.design.fit_intercept
    out = {"theta": np.empty((L, d, problem.K)), "n_iter": np.zeros(L, int),
           "grad_norm": np.empty(L), "converged": np.zeros(L, bool), "loss": np.empty(L),
           "df": np.empty(L)}
    theta = problem.null_theta() if theta0 is None else theta0
    for i in np.argsort(-alphas, kind="stable"):
        res = enet_newton(problem, float(alphas[i]), rho, pen1, theta)
        theta = res.theta
        out["theta"][i] = theta
        out["n_iter"][i] = res.n_iter
        out["grad_norm"][i] = res.grad_norm
        out["converged"][i] = res.converged
        out["loss"][i] = res.loss
        out["df"][i] = float(np.count_nonzero(theta[fi:]))
    return out
