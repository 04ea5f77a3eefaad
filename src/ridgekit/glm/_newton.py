r"""Newton's method for the L2-penalized binomial/multinomial likelihood.

Minimizes :math:`F(\Theta) = \sum_i w_i\ell_i(a_i^T\Theta) + \frac{\alpha}{2}\sum_{j,k}
c_j\Theta_{jk}^2` (:math:`c_0 = 0`: the intercept is not penalized) by damped Newton steps
:math:`(H + \alpha C)\,\delta = -\nabla F` with an Armijo backtracking line search done in
the linear predictor (no pass over X per trial step). The Newton system is solved

- ``"exact"``: by a Cholesky factor of the full penalized Hessian
  :math:`A^T D A + \alpha C` (IRLS); used for p (times K) up to a few thousand;
- ``"block"``: by preconditioned conjugate gradients with exact Hessian-vector products,
  preconditioned by the Cholesky factors of the per-class diagonal blocks
  :math:`A^T\mathrm{diag}(w p_k(1-p_k))A + \alpha C` (multinomial, moderate p);
- ``"diag"``: truncated Newton -- CG with a Jacobi preconditioner and an inexact solve
  (forcing term :math:`\min(0.5, \sqrt{\lVert g\rVert/\lVert g_0\rVert})`; for the
  binomial on sparse X Eisenstat-Walker's, :func:`_forcing`, with the Jacobi diagonal
  refreshed every step) for large p and sparse X; each CG step costs two products with
  X and accumulates :math:`A\delta` on the way.

A CG step of the binomial that moves no linear predictor by more than 1 is taken whole,
without a line search: by the self-concordance of the logistic loss (Bach 2010,
:math:`\phi(t+s) \le \phi(t) + \phi'(t)s + \phi''(t)(e^{|s|}-|s|-1)`) and CG's Galerkin
property :math:`\delta^TM\delta = -g^T\delta`, such a step lowers F by at least
:math:`(3-e)\,|g^T\delta|`, far more than Armijo's :math:`10^{-4}|g^T\delta|`. A
Cholesky step, whose Hessian may be lazy or float32, is taken whole on the same grounds
when its curvature :math:`\delta^TH\delta` at the current point, measured, is at most
:data:`SAFE_CURVATURE` times :math:`|g^T\delta|`. Other steps search in η (no pass over
X per trial).

On the Cholesky route the data Hessian (the O(n d²) part of a step) is *lazy*: it is
reused, refactored with the current λ (O(d³)), while each step it drives cuts the
gradient norm by at least ``LAZY_RATIO``, and recomputed otherwise. Along a warm-started
path most steps then cost two passes over X (a chord step), not a Gram; the answer is
unchanged, since convergence is judged on the exact gradient.

Convergence is declared on the gradient, :math:`\lVert\nabla F\rVert_2 \le` ``tol``
(absolute, in the sum-of-losses scaling), or when the Newton decrement has reached
rounding level (:math:`-g^T\delta \le 10^{-13}|F|`), in which case no step can lower F.

Softmax is invariant to adding the same vector to every class's parameters; the Hessian
is singular along those *shift* directions. The gradient is orthogonal to them when the
parameters sum to zero over classes (they start so and every step keeps it), so a
multiple of the shift projector is added to the Newton matrix: it makes it definite and
leaves the step unchanged. Conjugate gradients instead run in the shift-free subspace
(the preconditioned residual is projected onto it), where the Hessian is definite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

#: a Hessian is reused while each step it drives cuts the gradient norm by this factor
LAZY_RATIO = 0.25
#: a binomial step that moves no linear predictor by more than 1 and whose curvature
#: δᵀHδ (at the current point) is at most this times |gᵀδ| lowers F by at least
#: (1 - 1.3(e - 2))|gᵀδ| > 0.066|gᵀδ| > 1e-4|gᵀδ|: it passes Armijo's test unsearched
SAFE_CURVATURE = 1.3

__all__ = ["NewtonResult", "Start", "Factor", "newton", "full_hessian", "penalized_factor"]


@dataclass
class NewtonResult:
    theta: np.ndarray  # (d, K)
    eta: np.ndarray  # (n, K)
    n_iter: int
    grad_norm: float
    converged: bool
    loss: float  # sum_i w_i l_i at theta
    state: object  # family state at theta (for the Hessian at the solution)
    hessian: np.ndarray | None = None  # the (possibly older) data Hessian last used
    data_grad: np.ndarray | None = None  # A^T r(eta) at theta: the loss part of the gradient
    jacobi: np.ndarray | None = None  # the data diagonal of the last Jacobi preconditioner


class Start(NamedTuple):
    r"""What is known at the start point of :func:`newton`, so that its first step needs
    no pass over X for it: :math:`\eta = A\Theta_0`, the data gradient :math:`A^Tr(\eta)`
    (None: unknown), the family state at η (None: computed from η) and ``loss``, a value
    of the loss at or near η that only sets the scale of the rounding-level test (None:
    computed when needed)."""

    eta: np.ndarray
    data_grad: np.ndarray | None
    state: object = None
    loss: float | None = None


class Factor:
    """Cholesky factor of a symmetric positive definite matrix, with solves."""

    def __init__(self, M: np.ndarray):
        self.L = np.linalg.cholesky(M)

    def solve(self, b: np.ndarray) -> np.ndarray:
        # numpy's LAPACK, not scipy's: alternating numpy's and scipy's OpenBLAS thread
        # pools between the Gram products and the solves costs 2-3x (see design.md)
        return np.linalg.solve(self.L.T, np.linalg.solve(self.L, b))


def full_hessian(design, family, state, K: int) -> np.ndarray:
    """Data Hessian :math:`\\nabla^2_\\Theta\\sum_i w_i\\ell_i` (dK x dK), class-major."""
    if K == 1:
        return design.gram(family.block_weights(state, 0))
    d = design.d
    H = np.empty((d * K, d * K))
    for k in range(K):
        for m in range(k, K):
            blk = design.gram(family.pair_weights(state, k, m))
            H[k * d:(k + 1) * d, m * d:(m + 1) * d] = blk
            H[m * d:(m + 1) * d, k * d:(k + 1) * d] = blk.T
    return H


def _shift_scale(H_diag: np.ndarray, d: int, K: int) -> np.ndarray:
    return np.maximum(H_diag.reshape(K, d).mean(axis=0), 1e-300)


def penalized_factor(H: np.ndarray, alpha: float, pen: np.ndarray, K: int) -> Factor:
    """Factor of :math:`H + \\alpha C` (+ the shift projector for K > 1)."""
    d = pen.size
    M = H.copy()
    idx = np.arange(d * K)
    M[idx, idx] += alpha * np.tile(pen, K)
    if K > 1:
        c = _shift_scale(np.diag(H), d, K)
        M += np.kron(np.full((K, K), 1.0 / K), np.diag(c))
    try:
        return Factor(M)
    except np.linalg.LinAlgError:
        # nearly singular (saturated probabilities, alpha = 0): a relative jitter
        M[idx, idx] += 1e-12 * max(float(np.abs(np.diag(M)).max()), 1e-300)
        try:
            return Factor(M)
        except np.linalg.LinAlgError:
            raise np.linalg.LinAlgError(
                "the penalized Hessian is singular: with alpha = 0 (or penalty_factor 0) "
                "the data are separable or X is rank-deficient; use alpha > 0"
            ) from None


def _curvature(D: np.ndarray, estep: np.ndarray, step: np.ndarray, alpha: float,
               pen: np.ndarray) -> float:
    r""":math:`\delta^TH\delta = \sum_iD_i(a_i^T\delta)^2 + \alpha\sum_j\pi_j\delta_j^2`
    of a binomial step (D the IRLS weights at the current point, ``estep`` = Aδ (n, 1)):
    with :math:`M = \max_i|a_i^T\delta| \le 1` and :math:`\ell''(\eta + t) \le
    e^{|t|}\ell''(\eta)` (Bach 2010), :math:`F(\theta+\delta) \le F(\theta) +
    g^T\delta + (e - 2)\,\delta^TH\delta` (see :data:`SAFE_CURVATURE`)."""
    e = estep[:, 0]
    return float(np.einsum("i,i,i->", D, e, e)) + alpha * float(pen @ step[:, 0] ** 2)


def _penalty(theta, alpha, pen) -> float:
    return 0.5 * alpha * float(np.sum(pen[:, None] * theta**2))


def _objective(family, eta, Y, w, theta, alpha, pen) -> tuple[float, float]:
    loss = family.loss(eta, Y, w)
    return loss, loss + _penalty(theta, alpha, pen)


class _Hv:
    """Products with the penalized Hessian at a fixed state; also returns A V.

    On dense X the two products run in float32 on a float32 copy of X (half the time
    of the float64 GEMMs; CG only needs the Newton direction to its forcing tolerance,
    >= 1e-3 relative here, far above float32 rounding) -- the gradient and the step's
    linear predictor stay float64."""

    def __init__(self, design, family, state, alpha, pen):
        self.design, self.family, self.state = design, family, state
        self.apen = alpha * pen[:, None]
        self.X32 = design.float32() if not design.sparse else None
        if self.X32 is not None:
            self.state32 = tuple(np.asarray(a, np.float32) for a in state) \
                if isinstance(state, tuple) else np.asarray(state, np.float32)

    def __call__(self, V):
        if self.X32 is None:
            ev = self.design.eta(V)
            return self.design.rmatvec(self.family.hess_eta(self.state, ev)) + \
                self.apen * V, ev
        fi = self.design.fit_intercept
        V32 = V.astype(np.float32)
        ev = self.X32 @ V32[fi:]
        if fi:
            ev += V32[0]
        U = self.family.hess_eta(self.state32, ev)
        out = np.empty(V.shape)
        out[fi:] = self.X32.T @ U
        if fi:
            out[0] = U.sum(axis=0)
        return out + self.apen * V, None


def _preconditioner(mode, design, family, state, alpha, pen, K):
    if mode == "block":
        facs = [penalized_factor(design.gram(family.block_weights(state, k)), alpha, pen, 1)
                for k in range(K)]
        return lambda R: np.column_stack([f.solve(R[:, k]) for k, f in enumerate(facs)])
    return _jacobi(_data_diag(design, family, state, K), alpha, pen)


def _data_diag(design, family, state, K) -> np.ndarray:
    r""":math:`\mathrm{diag}(A^TD_kA)` per class, (d, K)."""
    return np.column_stack([design.gram_diag(family.block_weights(state, k))
                            for k in range(K)])


def _jacobi(jdiag, alpha, pen):
    diag = jdiag + alpha * pen[:, None]
    diag = np.maximum(diag, 1e-12 * max(float(diag.max()), 1e-300))
    return lambda R: R / diag


def _projected(precond):
    def apply(R):
        Z = precond(R)
        return Z - Z.mean(axis=1, keepdims=True)
    return apply


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    r""":math:`\sum a\circ b` without BLAS: a level-1 BLAS call wakes OpenBLAS's thread
    pool, which on a busy machine costs milliseconds for a 10^5-vector."""
    return float(np.einsum("ij,ij->", a, b))


def _pcg(hv, b, precond, rtol, maxiter):
    """Preconditioned CG on (d, K) arrays; also returns A x (the step in η)."""
    x = np.zeros_like(b)
    ex = None
    r = b.copy()
    z = precond(r)
    p = z
    rz = _dot(r, z)
    stop = rtol**2 * _dot(b, b)
    it = 0
    for it in range(1, maxiter + 1):  # noqa: B007 - read after the loop
        Hp, ep = hv(p)
        pHp = _dot(p, Hp)
        if pHp <= 0:
            break
        a = rz / pHp
        x += a * p
        if ep is not None:
            ex = a * ep if ex is None else ex + a * ep
        r -= a * Hp
        if _dot(r, r) <= stop:
            break
        z = precond(r)
        rz_new = _dot(r, z)
        if rz_new <= 0:  # the residual left the preconditioned subspace: rounding level
            break
        p = z + (rz_new / rz) * p
        rz = rz_new
    return x, ex, it  # ex None: A x not accumulated (float32 products)


def _forcing(prev: float, gnorm: float, last_g: float | None, tol: float) -> float:
    r"""Relative CG tolerance of truncated Newton: Eisenstat and Walker's choice 2,
    :math:`\eta_k = 0.9(\lVert g_k\rVert/\lVert g_{k-1}\rVert)^2`, safeguarded by
    :math:`0.9\eta_{k-1}^2` when that exceeds 0.1, capped at 0.5 -- and never tighter
    than reaching ``tol`` needs (:math:`\eta_k\lVert g_k\rVert \ge \mathrm{tol}/2`: the
    model gradient after the step is the CG residual)."""
    if last_g is None:
        eta = 0.5
    else:
        eta = 0.9 * (gnorm / last_g) ** 2
        if 0.9 * prev**2 > 0.1:
            eta = max(eta, 0.9 * prev**2)
    return min(0.5, max(eta, 0.5 * tol / gnorm))


def newton(design, family, Y, w, alpha: float, pen: np.ndarray, theta0: np.ndarray, *,
           tol: float = 1e-8, max_iter: int = 100, mode: str = "exact",
           hessian0: np.ndarray | None = None, start: tuple | None = None,
           jacobi0: np.ndarray | None = None) -> NewtonResult:
    """Minimize the penalized loss from ``theta0``.

    Parameters
    ----------
    design : Design
    family : Binomial or Multinomial
    Y : ndarray (n, K)
        Encoded response.
    w : ndarray (n,)
        Sample weights (zeros allowed).
    alpha : float
    pen : ndarray (d,)
        Penalty factor per parameter row (0 for the intercept).
    theta0 : ndarray (d, K)
    tol : float
        Stop when :math:`\\lVert\\nabla F\\rVert_2 \\le` ``tol``.
    max_iter : int
        Newton steps at most.
    mode : {"exact", "block", "diag"}
    hessian0 : ndarray, optional
        A data Hessian at or near ``theta0`` (``"exact"`` mode: warm starts along a path
        reuse the one of the previous solution).
    start : Start or tuple (eta, data_grad[, state[, loss]]), optional
        :math:`A\\Theta_0`, :math:`A^Tr(A\\Theta_0)` and what else is known there (a
        warm start from a previous solution at another λ: its data gradient and state
        are this one's, so the first step needs no pass over X; :class:`Start`).
    jacobi0 : ndarray (d, K), optional
        ``"diag"`` mode: the data diagonal :math:`\\mathrm{diag}(A^TDA)` of a nearby
        point, used for the Jacobi preconditioner until a slow CG solve refreshes it.
    """
    K = theta0.shape[1]
    theta = theta0.copy()
    # binomial on dense X by Cholesky: each step's η and the gradient there come from one
    # pass over X (Design.step_rmatvec) instead of two
    fused = mode == "exact" and K == 1 and not design.sparse

    def pass_resid(pass_state):
        def resid(e, rows):  # (each block's state is kept: the next step's, no pass)
            r, pass_state[rows] = family.state(e[:, None], Y[rows], w[rows])
            return r[:, 0]
        return resid

    state = loss_hint = None
    if start is not None:
        eta, gdata, state, loss_hint = Start(*start)
    elif fused:
        eta, state = np.zeros((design.n, 1)), np.empty(design.n)
        gdata = design.step_rmatvec(eta[:, 0], theta[:, 0], pass_resid(state))[:, None]
    else:
        eta, gdata = design.eta(theta), None
    if gdata is None:
        state = None  # (a state without the gradient: not trusted)
    gnorm0 = None
    # sparse binomial: the Jacobi diagonal (one pass) is refreshed after every step -- it saves
    # more CG iterations (two passes each) than it costs; the first step of a warm start
    # reuses the previous solution's. Otherwise: refreshed after a slow solve only.
    per_step = mode == "diag" and design.sparse and K == 1
    jdiag = jacobi0 if per_step else None
    precond, refresh = None, jdiag is None
    H, fac, prev_gnorm = hessian0, None, None
    stalled = 0
    last_g = None
    converged = False
    forcing = 0.5
    fscale = None  # magnitude of F (for the rounding-level test): computed once per call
    it = 0
    while True:
        if gdata is None:
            R, state = family.state(eta, Y, w)
            gdata = design.rmatvec(R)
        elif state is None:
            state = family.state(eta, Y, w)[1]
        g = gdata + alpha * pen[:, None] * theta
        gnorm = float(np.sqrt(_dot(g, g)))
        gnorm0 = gnorm if gnorm0 is None else gnorm0
        if gnorm <= tol:
            converged = True
            break
        if it >= max_iter:
            break
        f0 = None
        if fscale is None and loss_hint is not None:
            fscale = max(abs(loss_hint + _penalty(theta, alpha, pen)), 1.0)
        elif fscale is None:
            f0 = _objective(family, eta, Y, w, theta, alpha, pen)[1]
            fscale = max(abs(f0), 1.0)
        if mode == "exact":
            if H is None or (prev_gnorm is not None and gnorm > LAZY_RATIO * prev_gnorm):
                H, fac = full_hessian(design, family, state, K), None
            if fac is None:
                fac = penalized_factor(H, alpha, pen, K)
            prev_gnorm = gnorm
            step = -fac.solve(g.T.ravel()).reshape(K, -1).T
            if fused:
                eta_new, state_new = eta.copy(), np.empty(design.n)
                g_new = design.step_rmatvec(eta_new[:, 0], step[:, 0],
                                            pass_resid(state_new))[:, None]
                estep = eta_new - eta
            else:
                estep = design.eta(step)
        else:
            if per_step:
                forcing = _forcing(forcing, gnorm, last_g, tol)
            rtol = forcing if per_step else min(0.5, np.sqrt(gnorm / gnorm0)) \
                if mode == "diag" else min(0.1, gnorm / gnorm0)
            hv = _Hv(design, family, state, alpha, pen)
            if refresh or precond is None:
                if mode == "diag":
                    if refresh or jdiag is None:
                        jdiag = _data_diag(design, family, state, K)
                    precond = _jacobi(jdiag, alpha, pen)
                else:
                    precond = _preconditioner(mode, design, family, state, alpha, pen, K)
                if K > 1:  # CG stays in the shift-free subspace, where H is definite
                    precond = _projected(precond)
            step, estep, cg_it = _pcg(hv, -g, precond, rtol, 200 if mode == "diag" else 50)
            refresh = per_step or cg_it > 8
            if cg_it == 0 or not np.any(step):
                break
            if estep is None:
                estep = design.eta(step)
        slope = _dot(g, step)
        if slope >= 0:  # not a descent direction: rounding has won
            converged = gnorm <= max(tol, 1e-6 * gnorm0)
            break
        t = 1.0
        if -slope <= 1e-13 * fscale:
            # decrement below what f can resolve: full step; stop once steps stop helping
            stalled = stalled + 1 if last_g is not None and gnorm > 0.5 * last_g else 0
        elif not (K == 1 and float(np.abs(estep).max()) <= 1.0 and (
                mode != "exact" or _curvature(state, estep, step, alpha, pen)
                <= SAFE_CURVATURE * -slope)):
            # (a binomial step moving no linear predictor by more than 1 lowers F by at
            # least |g^T delta| - (e - 2) delta^T H delta -- self-concordance: for a CG
            # step delta^T H delta = |g^T delta|; a Cholesky step's, from a Hessian that
            # may be lazy, is measured; no search needed)
            if f0 is None:
                f0 = _objective(family, eta, Y, w, theta, alpha, pen)[1]
            for _ in range(60):
                _, f = _objective(family, eta + t * estep, Y, w, theta + t * step, alpha, pen)
                if f <= f0 + 1e-4 * t * slope:
                    break
                t *= 0.5
            else:
                converged = gnorm <= max(tol, 1e-6 * gnorm0)
                break
            fscale = max(abs(f), 1.0)
        last_g = gnorm
        theta = theta + t * step
        if fused and t == 1.0:
            eta, gdata, state = eta_new, g_new, state_new
        else:
            eta, gdata, state = eta + t * estep, None, None
        it += 1
        if stalled >= 3:  # rounding level, and three steps without halving the gradient
            R, state = family.state(eta, Y, w)
            gdata = design.rmatvec(R)
            g = gdata + alpha * pen[:, None] * theta
            gnorm = float(np.sqrt(_dot(g, g)))
            converged = True
            break
    loss = family.loss(eta, Y, w)
    return NewtonResult(theta, eta, it, gnorm, converged, loss, state,
                        H if mode == "exact" else None, gdata, jdiag)
