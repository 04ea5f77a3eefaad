"""glmnet's relaxed fit: refit each α's active set, then mix with the penalized fit.

For the active set :math:`A = \\{j : \\beta_j(\\alpha) \\ne 0\\}` the relaxed coefficients
solve, on the (centered, weighted) normal equations restricted to A,

.. math::

    (G_{AA} + \\mathrm{diag}(\\lambda_{2,A}))\\,\\beta^{r}_A = c_A, \\qquad \\beta^r_{A^c} = 0,

with :math:`\\lambda_2 = 0` for the least-squares refit (``relax=True``, glmnet's) or the
elastic net's own L2 part (``relax="ridge"``), and the model used is
:math:`\\beta_\\gamma = \\gamma\\beta + (1-\\gamma)\\beta^r` (γ = 1: the elastic net, γ = 0:
fully relaxed). A singular :math:`G_{AA}` is solved in the least-squares sense. With
``positive`` or bounds the refit keeps them, :math:`l_A \\le \\beta^r_A \\le u_A` (a bounded
least-squares problem on the active set); the mix of two points of the box stays in it.
"""

from __future__ import annotations

import numpy as np

from ridgekit.sparse import GramDesign

__all__ = ["relaxed_coefs", "relax_mix", "bounded_refit"]


def _cross(design, idx: np.ndarray) -> np.ndarray:
    """:math:`c_A = \\tilde X_A^T W \\tilde y / s`."""
    if isinstance(design, GramDesign):
        return design.c[idx]
    block = design._column_block(idx)
    return np.asarray(block.T @ (design.w * design.yc)).ravel() / design.s


def relaxed_coefs(design, B: np.ndarray, l2: np.ndarray | None = None,
                  lower: np.ndarray | None = None,
                  upper: np.ndarray | None = None) -> np.ndarray:
    """Relaxed coefficients of every row of ``B`` (L, p); ``l2`` (L, p) or None (LS).

    With boxes ``lower <= beta <= upper`` (``positive`` or bounds) the refit on each
    active set is the bounded problem of the module docstring (:func:`bounded_refit`).
    """
    out = np.zeros_like(B)
    p = B.shape[1]
    lo = np.full(p, -np.inf) if lower is None else np.asarray(lower, dtype=float)
    hi = np.full(p, np.inf) if upper is None else np.asarray(upper, dtype=float)
    cache: dict[bytes, np.ndarray] = {}
    for i, beta in enumerate(B):
        A = np.flatnonzero(beta)
        if A.size == 0:
            continue
        key = A.tobytes()
        if l2 is None and key in cache:
            out[i, A] = cache[key]
            continue
        G = design.gram_columns(A)[A]
        if l2 is not None:
            G = G + np.diag(l2[i, A])
        c = _cross(design, A)
        if np.any(np.isfinite(lo[A])) or np.any(np.isfinite(hi[A])):
            sol = bounded_refit(G, c, lo[A], hi[A])
        else:
            try:
                sol = np.linalg.solve(G, c)
            except np.linalg.LinAlgError:
                sol = np.linalg.lstsq(G, c, rcond=None)[0]
        if l2 is None:
            cache[key] = sol
        out[i, A] = sol
    return out


def bounded_refit(H: np.ndarray, c: np.ndarray, lower: np.ndarray,
                  upper: np.ndarray) -> np.ndarray:
    """:math:`\\min_{l\\le b\\le u} \\tfrac12 b^THb - c^Tb` for a positive semidefinite H,
    as the bounded least-squares problem :math:`\\tfrac12\\lVert Mb - d\\rVert^2` with
    :math:`H = V\\Lambda V^T`, :math:`M = \\Lambda^{1/2}V^T`, :math:`d = \\Lambda^{-1/2}V^Tc`
    (directions with :math:`\\Lambda \\approx 0` dropped: the objective is flat along
    them), solved exactly by scipy's bounded-variable least squares."""
    from scipy.optimize import lsq_linear

    e, V = np.linalg.eigh(H)
    keep = e > e.max(initial=0.0) * H.shape[0] * np.finfo(float).eps
    if not np.any(keep):
        return np.clip(0.0, lower, upper)
    root = np.sqrt(e[keep])
    M = root[:, None] * V[:, keep].T
    d = (V[:, keep].T @ c) / root
    res = lsq_linear(M, d, bounds=(lower, upper), method="bvls", tol=1e-14,
                     lsq_solver="exact")
    return np.clip(res.x, lower, upper)


def relax_mix(beta: np.ndarray, relaxed: np.ndarray, gamma: float) -> np.ndarray:
    """:math:`\\gamma\\beta + (1-\\gamma)\\beta^r`."""
    return gamma * beta + (1.0 - gamma) * relaxed
