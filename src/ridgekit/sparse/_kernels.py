"""Compiled inner loops of cyclic coordinate descent (numba, cached on disk).

Every kernel runs epochs over a working set ``ws`` of coordinates and applies, for each
coordinate j, the exact one-dimensional minimizer of the elastic-net objective

.. math::

    \\beta_j \\leftarrow \\operatorname{clip}\\Big(
        \\frac{S(z_j, \\lambda_{1j})}{H_j + \\lambda_{2j}}, l_j, u_j\\Big), \\qquad
    z_j = g_j + H_j\\beta_j,

where :math:`g_j = \\tilde x_j^T W r / s` is the (normalized) negative gradient of the loss,
:math:`H_j = \\tilde x_j^T W \\tilde x_j / s` the curvature, :math:`S` the soft threshold and
the clip enforces the box. The 1-D objective is convex, so clipping its unconstrained
minimizer gives the constrained one. An epoch stops the loop when
:math:`\\max_j H_j\\,\\Delta\\beta_j^2 \\le` ``tol`` (glmnet's criterion); the caller then
checks the duality gap and tightens ``tol`` if needed.

Three ways of keeping :math:`g` current:

- ``gram_epochs``: covariance updates on the Gram (n >= p): :math:`g = c - G\\beta`, the
  products kept only over the working set (O(|ws|) per changed coordinate).
- ``dense_epochs`` / ``sparse_epochs``: naive residual updates on X itself (p > n, or
  scipy.sparse CSC). Centering is implicit: with :math:`r = y_c - X\\beta` on the raw X and
  :math:`m = \\bar x^T\\beta`, the centered residual is :math:`r + m` and
  :math:`g_j = x_j^T W r / s + \\bar x_j m`; a sparse column is never densified.

Imported only by :mod:`ridgekit.sparse._jit` on first use, never at ``import ridgekit``.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["gram_epochs", "dense_epochs", "sparse_epochs", "dense_gradient_ws",
           "sparse_gradient_ws", "complement_gram"]

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@numba.njit(inline="always", **_JIT)
def _update(z, h, l1, l2, lo, hi):
    """The exact 1-D minimizer: soft-threshold, scale, clip (shared by every epoch loop
    and the KKT check; inlined into them)."""
    den = h + l2
    if den <= 0.0:
        return np.nan  # a constant column without an L2 part: leave it where it is
    if z > l1:
        b = (z - l1) / den
    elif z < -l1:
        b = (z + l1) / den
    else:
        b = 0.0
    if b < lo:
        b = lo
    elif b > hi:
        b = hi
    return b


@numba.njit(**_JIT)
def gram_epochs(G, c, beta, ws, l1, l2, lo, hi, max_epochs, tol):
    """Covariance-update epochs on the Gram ``G`` (p x p, C order) over ``ws``.

    Returns the number of epochs run. ``beta`` is updated in place.
    """
    k = ws.shape[0]
    q = np.zeros(k)  # q[a] = (G beta)[ws[a]]; beta is zero outside ws
    for a in range(k):
        bj = beta[ws[a]]
        if bj != 0.0:
            row = G[ws[a]]
            for b in range(k):
                q[b] += row[ws[b]] * bj
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        dmax = 0.0
        for a in range(k):
            j = ws[a]
            h = G[j, j]
            bj = beta[j]
            nb = _update(c[j] - q[a] + h * bj, h, l1[j], l2[j], lo[j], hi[j])
            if nb != nb or nb == bj:
                continue
            d = nb - bj
            beta[j] = nb
            row = G[j]
            for b in range(k):
                q[b] += row[ws[b]] * d
            dh = h * d * d
            if dh > dmax:
                dmax = dh
        if dmax <= tol:
            break
    return epoch


@numba.njit(**_JIT)
def dense_epochs(X, w, has_w, xbar, H, r, m, s, beta, ws, l1, l2, lo, hi, max_epochs, tol):
    """Residual-update epochs on a dense X (n x p, Fortran order) over ``ws``.

    ``r`` (n,) is the residual on the raw X and ``m`` a 1-element array holding
    :math:`\\bar x^T\\beta`; both are updated in place with ``beta``.
    """
    n = X.shape[0]
    k = ws.shape[0]
    mm = m[0]
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        dmax = 0.0
        for a in range(k):
            j = ws[a]
            h = H[j]
            acc = 0.0
            if has_w:
                for i in range(n):
                    acc += X[i, j] * w[i] * r[i]
            else:
                for i in range(n):
                    acc += X[i, j] * r[i]
            g = acc / s + xbar[j] * mm
            bj = beta[j]
            nb = _update(g + h * bj, h, l1[j], l2[j], lo[j], hi[j])
            if nb != nb or nb == bj:
                continue
            d = nb - bj
            beta[j] = nb
            for i in range(n):
                r[i] -= X[i, j] * d
            mm += xbar[j] * d
            dh = h * d * d
            if dh > dmax:
                dmax = dh
        if dmax <= tol:
            break
    m[0] = mm
    return epoch


@numba.njit(**_JIT)
def sparse_epochs(data, indices, indptr, w, has_w, xbar, H, r, m, s, beta, ws, l1, l2, lo,
                  hi, max_epochs, tol):
    """Residual-update epochs on a CSC matrix (``data``, ``indices``, ``indptr``): each
    coordinate costs O(nnz of its column); the centering lives in the scalar ``m``."""
    k = ws.shape[0]
    mm = m[0]
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        dmax = 0.0
        for a in range(k):
            j = ws[a]
            h = H[j]
            acc = 0.0
            start, stop = indptr[j], indptr[j + 1]
            if has_w:
                for t in range(start, stop):
                    i = indices[t]
                    acc += data[t] * w[i] * r[i]
            else:
                for t in range(start, stop):
                    acc += data[t] * r[indices[t]]
            g = acc / s + xbar[j] * mm
            bj = beta[j]
            nb = _update(g + h * bj, h, l1[j], l2[j], lo[j], hi[j])
            if nb != nb or nb == bj:
                continue
            d = nb - bj
            beta[j] = nb
            for t in range(start, stop):
                r[indices[t]] -= data[t] * d
            mm += xbar[j] * d
            dh = h * d * d
            if dh > dmax:
                dmax = dh
        if dmax <= tol:
            break
    m[0] = mm
    return epoch


@numba.njit(**_JIT)
def dense_gradient_ws(X, w, has_w, xbar, r, m, s, ws, out):
    """:math:`g_j` for j in ``ws`` only (the working set's sub-gap), into ``out``."""
    n = X.shape[0]
    for a in range(ws.shape[0]):
        j = ws[a]
        acc = 0.0
        if has_w:
            for i in range(n):
                acc += X[i, j] * w[i] * r[i]
        else:
            for i in range(n):
                acc += X[i, j] * r[i]
        out[a] = acc / s + xbar[j] * m[0]


@numba.njit(**_JIT)
def sparse_gradient_ws(data, indices, indptr, w, has_w, xbar, r, m, s, ws, out):
    for a in range(ws.shape[0]):
        j = ws[a]
        acc = 0.0
        if has_w:
            for t in range(indptr[j], indptr[j + 1]):
                i = indices[t]
                acc += data[t] * w[i] * r[i]
        else:
            for t in range(indptr[j], indptr[j + 1]):
                acc += data[t] * r[indices[t]]
        out[a] = acc / s + xbar[j] * m[0]


@numba.njit(**_JIT)
def complement_gram(total, part, scale, u, v, out):
    """``out = (total - part) * scale - u v^T`` in one pass over the p x p arrays: the
    normalized Gram of a training fold from the total co-moments and the held-out
    fold's, without the temporaries of the same expression in numpy."""
    p, q = out.shape
    for i in range(p):
        ui = u[i]
        for j in range(q):
            out[i, j] = (total[i, j] - part[i, j]) * scale - ui * v[j]
    return out

