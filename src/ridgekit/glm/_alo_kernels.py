"""Fused row loops of the batched ALO path (:mod:`ridgekit.glm.alo`), compiled by numba.

Each loop makes one pass over an (n, m) float32 block of linear predictors -- m λ values
side by side -- where numpy would make one pass per operation and allocate a temporary
each time. Per-column sums are accumulated per chunk of rows (one chunk per thread
iteration) and added afterwards, so the parallel loop has no shared accumulator.
Imported only when the batched path runs (``import ridgekit`` does not import numba).
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["state", "curvature", "finish", "losses"]

_JIT = {"cache": True, "nogil": True, "fastmath": True, "parallel": True,
        "error_model": "numpy"}
_CHUNK = 4096


@numba.njit(**_JIT)
def _state(E, dE, t, w, y, q, iqa, R, D, acc):
    n, m = E.shape
    nc = acc.shape[0]
    for c in numba.prange(nc):
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            wi, yi, qi, ii = w[i], y[i], q[i], iqa[i]
            for j in range(m):
                e = E[i, j] + t[j] * dE[i, j]
                E[i, j] = e
                p = 1.0 / (1.0 + math.exp(-e))
                R[i, j] = wi * (p - yi)
                dd = wi * p * (1.0 - p)
                D[i, j] = dd
                acc[c, 0, j] += qi * dd
                acc[c, 1, j] += ii * dd * dd


def state(E, dE, t, w, y, q, iqa, R, D):
    r"""In place :math:`E \leftarrow E + dE\,\mathrm{diag}(t)`, then
    :math:`R = w(\sigma(E) - y)`, :math:`D = w\sigma(E)(1-\sigma(E))` and the column sums
    :math:`a_j = \sum_iq_iD_{ij}`, :math:`b_j = \sum_i(q_i/D_{a,i})D_{ij}^2`."""
    n, m = E.shape
    acc = np.zeros(((n + _CHUNK - 1) // _CHUNK, 2, m))
    _state(E, dE, t, w, y, q, iqa, R, D, acc)
    s = acc.sum(axis=0)
    return s[0], s[1]


@numba.njit(**_JIT)
def _curvature(D, dE, acc):
    n, m = D.shape
    nc = acc.shape[0]
    for c in numba.prange(nc):
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            for j in range(m):
                v = dE[i, j]
                acc[c, 0, j] += D[i, j] * v * v
                a = abs(v)
                if a > acc[c, 1, j]:
                    acc[c, 1, j] = a


def curvature(D, dE):
    r""":math:`\kappa_j = \sum_iD_{ij}\,dE_{ij}^2` and :math:`\max_i|dE_{ij}|` per column."""
    n, m = D.shape
    acc = np.zeros(((n + _CHUNK - 1) // _CHUNK, 2, m))
    _curvature(D, dE, acc)
    return acc[:, 0].sum(axis=0), acc[:, 1].max(axis=0)


@numba.njit(**_JIT)
def _finish(E, R, D, H, w, y, out, acc):
    n, m = E.shape
    nc = acc.shape[0]
    for c in numba.prange(nc):
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            wi, yi = w[i], y[i]
            for j in range(m):
                e = np.float64(E[i, j])
                h = np.float64(H[i, j])
                out[j, i] = e + R[i, j] * h / (1.0 - D[i, j] * h)
                z = e if yi > 0.5 else -e  # -log σ(z), stably
                acc[c, j] += wi * (math.log1p(math.exp(-abs(z))) + max(-z, 0.0))


def finish(E, R, D, H, w, y):
    r"""ALO predictors :math:`\tilde\eta_{-i} = \eta_i + R_ih_i/(1 - D_ih_i)` (m, n)
    float64 and the training losses :math:`\sum_iw_i\ell_i` per column."""
    n, m = E.shape
    out = np.empty((m, n))
    acc = np.zeros(((n + _CHUNK - 1) // _CHUNK, m))
    _finish(E, R, D, H, w, y, out, acc)
    return out, acc.sum(axis=0)


@numba.njit(**_JIT)
def _losses(E, dE, t, cols, w, y, acc):
    n = E.shape[0]
    m = cols.size
    nc = acc.shape[0]
    for c in numba.prange(nc):
        for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
            wi, sg = w[i], 1.0 if y[i] > 0.5 else -1.0
            for k in range(m):
                j = cols[k]
                e0 = sg * np.float64(E[i, j])
                e1 = e0 + sg * t[k] * np.float64(dE[i, j])
                acc[c, 0, k] += wi * (math.log1p(math.exp(-abs(e0))) + max(-e0, 0.0))
                acc[c, 1, k] += wi * (math.log1p(math.exp(-abs(e1))) + max(-e1, 0.0))


def losses(E, dE, t, cols, w, y):
    r""":math:`\sum_iw_i\ell_i` at E and at E + t dE, for the columns ``cols`` (float64
    sums of float64 per-sample terms)."""
    n = E.shape[0]
    acc = np.zeros(((n + _CHUNK - 1) // _CHUNK, 2, cols.size))
    _losses(E, dE, np.asarray(t, np.float64), cols, w, y, acc)
    s = acc.sum(axis=0)
    return s[0], s[1]
