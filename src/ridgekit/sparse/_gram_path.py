"""The whole path on a Gram in one compiled call (no Python between α values).

Same algorithm as :func:`ridgekit.sparse._path.solve_path` -- strong rule, working set,
KKT check on the full gradient, gap-safe screening, convergence on the duality gap --
for the common case
without free coordinates (every coordinate penalized, or boxed on both sides), where the
dual point needs no projection. With p = 500 and 100 α the Python driver spends more
time between kernel calls than in them; this loop removes that overhead.

One difference: the gap-safe test runs only after a gap check that fails, not also at
the start of each α with the previous solution. Here the whole gradient is kept
current, so the strong rule and the KKT check cost O(p) and the sequential test -- a
full duality gap plus a pass of sphere tests per α -- removed no coordinate from the
working set on the benchmark paths while costing about an eighth of the path.
Imported only through :mod:`ridgekit.sparse._jit`.
"""

from __future__ import annotations

import numba
import numpy as np

from ridgekit.sparse._kernels import _JIT, _update

__all__ = ["gram_path", "safe_zero"]

#: the gradient, kept current by axpy updates, is recomputed exactly every this many α
#: (a recompute costs about one epoch; the drift in between is at rounding level)
_REFRESH = 10


@numba.njit(**_JIT)
def _conj(z, l1, l2, lo, hi):
    """h*(z) of one coordinate (see :mod:`ridgekit.sparse._gap`)."""
    if l2 > 0.0:
        a = abs(z) - l1
        b = 0.0 if a <= 0.0 else (a / l2 if z > 0 else -a / l2)
        b = min(max(b, lo), hi)
        return z * b - l1 * abs(b) - 0.5 * l2 * b * b
    b0 = min(max(0.0, lo), hi)
    best = z * b0 - l1 * abs(b0)
    if np.isfinite(hi):
        best = max(best, z * hi - l1 * abs(hi))
    elif z - l1 > 0.0:
        return np.inf
    if np.isfinite(lo):
        best = max(best, z * lo - l1 * abs(lo))
    elif z + l1 < 0.0:
        return np.inf
    return best


@numba.njit(**_JIT)
def _gap(beta, g, rr, l1, l2, lo, hi):
    p = beta.shape[0]
    primal = 0.5 * rr
    a = rr
    for j in range(p):
        primal += l1[j] * abs(beta[j]) + 0.5 * l2[j] * beta[j] * beta[j]
        a += beta[j] * g[j]
    t = 1.0
    for j in range(p):
        if l2[j] == 0.0:
            if np.isinf(hi[j]) and g[j] > l1[j]:
                t = min(t, l1[j] / g[j])
            if np.isinf(lo[j]) and g[j] < -l1[j]:
                t = min(t, -l1[j] / g[j])
    hs = 0.0
    for j in range(p):
        z = t * g[j]
        if l2[j] == 0.0:
            if np.isinf(hi[j]):
                z = min(z, l1[j])
            if np.isinf(lo[j]):
                z = max(z, -l1[j])
        hs += _conj(z, l1[j], l2[j], lo[j], hi[j])
    dual = t * a - 0.5 * t * t * max(rr, 0.0) - hs
    return primal - dual, primal, t


@numba.njit(**_JIT)
def safe_zero(z, radius2, h, l1, lo, hi):
    """Gap-safe sphere test (Fercoq, Gramfort & Salmon 2015) of one coordinate.

    The dual is (1/s)-strongly concave in the W-norm, so its maximizer lies within
    :math:`\\lVert u - u^\\star\\rVert_W \\le \\sqrt{2s\\,\\mathrm{gap}}` of the dual point u,
    hence :math:`|z_j^\\star - z_j| \\le \\sqrt{2\\,\\mathrm{gap}\\,H_j}` (``radius2`` = 2 gap).
    :math:`\\beta_j^\\star = 0` whenever :math:`z_j^\\star` lies inside
    :math:`\\partial h_j(0) = [-\\lambda_{1j}, \\lambda_{1j}] + N_{[l_j,u_j]}(0)` for sure.
    """
    if lo > 0.0 or hi < 0.0:
        return False
    r = np.sqrt(radius2 * h) * (1.0 + 1e-9) + 1e-13 * l1  # margin: rounding of z
    return (hi == 0.0 or z + r < l1) and (lo == 0.0 or z - r > -l1)


@numba.njit(**_JIT)
def _epochs_full(G, c, beta, g, ws, l1, l2, lo, hi, max_epochs, tol):
    """Covariance-update epochs keeping the *whole* gradient g = c - G beta current
    (glmnet's covariance updates): each change is one contiguous, vectorized axpy with a
    row of G, and the KKT check afterwards needs no product."""
    p = beta.shape[0]
    k = ws.shape[0]
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        dmax = 0.0
        for a in range(k):
            j = ws[a]
            h = G[j, j]
            bj = beta[j]
            nb = _update(g[j] + h * bj, h, l1[j], l2[j], lo[j], hi[j])
            if nb != nb or nb == bj:
                continue
            d = nb - bj
            beta[j] = nb
            row = G[j]
            for i in range(p):
                g[i] -= row[i] * d
            dh = h * d * d
            if dh > dmax:
                dmax = dh
        if dmax <= tol:
            break
    return epoch


@numba.njit(**_JIT)
def _gradient(G, c, beta, g):
    p = beta.shape[0]
    for i in range(p):
        g[i] = c[i]
    for j in range(p):
        bj = beta[j]
        if bj != 0.0:
            row = G[j]
            for i in range(p):
                g[i] -= row[i] * bj


@numba.njit(**_JIT)
def _moves(j, g, beta, H, l1, l2, lo, hi):
    """Whether the exact update would change coordinate j (the KKT check)."""
    nb = _update(g[j] + H[j] * beta[j], H[j], l1[j], l2[j], lo[j], hi[j])
    return nb == nb and nb != beta[j]


@numba.njit(**_JIT)
def _screen(G, g, beta, forced, safe, inW, t, radius2, H, l1, lo, hi):
    """Mark the coordinates that pass the gap-safe test (dual point scaled by t); a
    nonzero one is set to zero at once, with its gradient update."""
    p = beta.shape[0]
    for j in range(p):
        if not forced[j] and not safe[j] and \
                safe_zero(t * g[j], radius2, H[j], l1[j], lo[j], hi[j]):
            safe[j] = True
            inW[j] = False
            bj = beta[j]
            if bj != 0.0:  # provably zero at this α: set it there now
                beta[j] = 0.0
                row = G[j]
                for i in range(p):
                    g[i] += row[i] * bj


@numba.njit(**_JIT)
def gram_path(G, c, yy, alphas, rho, l1w, l2w, lo, hi, forced, beta, tol_abs, tol_rel,
              max_iter, screening, coefs, gaps, primal, n_iter, screened):
    """Fill ``coefs`` (L, p), ``gaps``, ``primal``, ``n_iter`` (L,) and ``screened``
    (L, p): the coordinates the gap-safe test removed at each α; returns the number of α
    values left above the gap tolerance. ``tol_abs`` and ``tol_rel`` (L,) are the gap
    tolerance and the first inner threshold of each α (tighter on a stretch of the
    path that a caller needs more accurately)."""
    p = beta.shape[0]
    H = np.empty(p)
    for j in range(p):
        H[j] = G[j, j]
    g = np.empty(p)
    _gradient(G, c, beta, g)
    ever = forced.copy()
    for j in range(p):
        if beta[j] != 0.0:
            ever[j] = True
    l1 = np.empty(p)
    l2 = np.empty(p)
    l1_prev = np.empty(p)
    inW = np.empty(p, dtype=np.bool_)
    safe = np.empty(p, dtype=np.bool_)
    unconverged = 0
    for k in range(alphas.shape[0]):
        alpha = alphas[k]
        for j in range(p):
            l1[j] = alpha * rho * l1w[j]
            l2[j] = alpha * (1.0 - rho) * l2w[j]
        if k > 0 and k % _REFRESH == 0:
            _gradient(G, c, beta, g)  # exact again now and then: no drift from the axpys
        for j in range(p):
            safe[j] = False
            if ever[j]:
                inW[j] = True
            elif screening and k > 0:
                inW[j] = abs(g[j]) >= 2.0 * l1[j] - l1_prev[j]
            else:
                inW[j] = _moves(j, g, beta, H, l1, l2, lo, hi)
        inner = tol_rel[k]
        used = 0
        gap = np.inf
        prim = 0.0
        while True:
            nw = 0
            for j in range(p):
                if inW[j]:
                    nw += 1
            ws = np.empty(nw, dtype=np.int64)
            nw = 0
            for j in range(p):
                if inW[j]:
                    ws[nw] = j
                    nw += 1
            if nw > 0:
                used += _epochs_full(G, c, beta, g, ws, l1, l2, lo, hi,
                                     max(max_iter - used, 1), inner * yy)
            else:
                used += 1
            added = False
            if used < max_iter:
                for j in range(p):
                    if not inW[j] and not safe[j] and _moves(j, g, beta, H, l1, l2, lo, hi):
                        inW[j] = True
                        added = True
            if added:
                continue
            rr = yy
            for j in range(p):
                rr -= (c[j] + g[j]) * beta[j]
            gap, prim, t = _gap(beta, g, rr, l1, l2, lo, hi)
            if gap <= tol_abs[k] or used >= max_iter:
                break
            if screening:
                _screen(G, g, beta, forced, safe, inW, t, 2.0 * gap, H, l1, lo, hi)
            inner *= min(max(tol_abs[k] / gap, 1e-3), 0.25)
        if gap > tol_abs[k]:
            unconverged += 1
        for j in range(p):
            coefs[k, j] = beta[j]
            screened[k, j] = safe[j]
            if beta[j] != 0.0:
                ever[j] = True
            l1_prev[j] = l1[j]
        gaps[k] = gap
        primal[k] = prim
        n_iter[k] = used
    return unconverged
