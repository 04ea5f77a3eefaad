"""glmnet's relaxed fit: refit each α's active set, then mix with the penalized fit.

For the active set :math:`A = \\{j : \\beta_j(\\alpha) \\ne 0\\}` the relaxed coefficients
solve, on the (centered, weighted) normal equations restricted to A,

.. math::

    (G_{AA} + \\mathrm{diag}(\\lambda_{2,A}))\\,\\beta^{r}_A = c_A, \\qquad \\beta^r_{A^c} = 0,

with :math:`\\lambda_2 = 0` for the least-squares refit (``relax=True``, glmnet's) or the
elastic net's own L2 part (``relax="ridge"``), and the model used is
:math:`\\beta_\\gamma = \\gamma\\beta + (1-\\gamma)\\beta^r` (γ = 1: the elastic net, γ = 0:
fully relaxed). A singular :math:`G_{AA}` is solved in the least-squares sense.
"""

from __future__ import annotations

import numpy as np

from ridgekit.sparse import GramDesign

__all__ = ["relaxed_coefs", "relax_mix"]


def _cross(design, idx: np.ndarray) -> np.ndarray:
    """:math:`c_A = \\tilde X_A^T W \\tilde y / s`."""
    if isinstance(design, GramDesign):
        return design.c[idx]
    block = design._column_block(idx)
    return np.asarray(block.T @ (design.w * design.yc)).ravel() / design.s


def relaxed_coefs(design, B: np.ndarray, l2: np.ndarray | None = None) -> np.ndarray:
    """Relaxed coefficients of every row of ``B`` (L, p); ``l2`` (L, p) or None (LS)."""
    out = np.zeros_like(B)
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
        try:
            sol = np.linalg.solve(G, c)
        except np.linalg.LinAlgError:
            sol = np.linalg.lstsq(G, c, rcond=None)[0]
        if l2 is None:
            cache[key] = sol
        out[i, A] = sol
    return out


def relax_mix(beta: np.ndarray, relaxed: np.ndarray, gamma: float) -> np.ndarray:
    """:math:`\\gamma\\beta + (1-\\gamma)\\beta^r`."""
    return gamma * beta + (1.0 - gamma) * relaxed
