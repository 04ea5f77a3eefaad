"""The duality gap of the elastic net with penalty factors and boxes.

Primal (normalized as scikit-learn's objective, data centered):

.. math::

    P(\\beta) = \\frac{1}{2s}\\lVert y - X\\beta\\rVert_W^2 + \\sum_j h_j(\\beta_j),\\qquad
    h_j(b) = \\lambda_{1j}|b| + \\tfrac12\\lambda_{2j}b^2 + \\iota_{[l_j,u_j]}(b).

Fenchel dual, for a dual point u (a residual-like vector of length n):

.. math::

    D(u) = \\frac{u^T W y}{s} - \\frac{\\lVert u\\rVert_W^2}{2s}
           - \\sum_j h_j^*\\!\\Big(\\frac{x_j^T W u}{s}\\Big),\\qquad
    h_j^*(z) = \\sup_{l_j\\le b\\le u_j} zb - \\lambda_{1j}|b| - \\tfrac12\\lambda_{2j}b^2 .

The dual point is the residual :math:`u = t\\,(r - X_U\\delta)`: coordinates that are
free (unpenalized with an unbounded side, where :math:`h_j^*` is finite only at
:math:`z_j = 0`) are projected out by :math:`\\delta = G_{UU}^{+} g_U`, and the scale
:math:`t \\le 1` makes :math:`|z_j| \\le \\lambda_{1j}` wherever :math:`h_j^*` would be
infinite (pure L1 with an unbounded side). Everything needs only
:math:`g = X^TWr/s`, :math:`\\lVert r\\rVert_W^2/s` and :math:`G_{:,U}` (:math:`u^TWy/s =
\\lVert r\\rVert^2/s + \\beta^Tg` before the projection). At the optimum the gap is zero;
any feasible u gives :math:`P(\\beta) - P^\\star \\le P(\\beta) - D(u)`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["duality_gap", "conjugate"]


def conjugate(z, l1, l2, lo, hi) -> np.ndarray:
    """:math:`h_j^*(z_j)` elementwise (``inf`` where unbounded)."""
    out = np.empty_like(z)
    quad = l2 > 0
    if np.any(quad):
        zq, a, b = z[quad], l1[quad], l2[quad]
        bs = np.clip(np.sign(zq) * np.maximum(np.abs(zq) - a, 0.0) / b, lo[quad], hi[quad])
        out[quad] = zq * bs - a * np.abs(bs) - 0.5 * b * bs**2
    lin = ~quad
    if np.any(lin):
        # concave and piecewise linear: the sup is at an end or at the kink (0, clipped)
        zl, a, lol, hil = z[lin], l1[lin], lo[lin], hi[lin]
        b0 = np.clip(0.0, lol, hil)
        best = zl * b0 - a * np.abs(b0)
        with np.errstate(invalid="ignore"):
            up = np.where(np.isinf(hil), np.where(zl - a > 0, np.inf, -np.inf),
                          zl * hil - a * np.abs(hil))
            down = np.where(np.isinf(lol), np.where(zl + a < 0, np.inf, -np.inf),
                            zl * lol - a * np.abs(lol))
        out[lin] = np.maximum(best, np.maximum(up, down))
    return out


def duality_gap(beta, g, rr, l1, l2, lo, hi, gram_columns, return_z: bool = False):
    """(gap, primal) at ``beta`` given the gradient ``g`` and ``rr`` = ‖r‖²_W/s.

    ``gram_columns(idx)`` returns :math:`G_{:,idx}` for the projection of free
    coordinates (called only when there are any). With ``return_z`` also the dual point's
    :math:`z = X^TWu/s` (for gap-safe screening): (gap, primal, z).
    """
    primal = 0.5 * rr + float(l1 @ np.abs(beta)) + 0.5 * float(l2 @ beta**2)
    a = rr + float(beta @ g)   # u^T W y / s
    b = rr                     # ||u||^2_W / s
    z = g
    free = (l1 == 0) & (l2 == 0)
    if np.any(free):
        # a free side: infinite conjugate unless z_j = 0, except at a bound whose
        # gradient points into the box (then h* is finite as it stands)
        at_lo = (beta == lo) & (g <= 0)
        at_hi = (beta == hi) & (g >= 0)
        finite_box = np.isfinite(lo) & np.isfinite(hi)
        U = np.flatnonzero(free & ~finite_box & ~at_lo & ~at_hi)
        if U.size:
            GU = gram_columns(U)
            gU = g[U]
            delta = np.linalg.lstsq(GU[U], gU, rcond=None)[0]
            a -= float(delta @ (gU + GU.T @ beta))
            b -= float(delta @ gU)
            z = g - GU @ delta
            z[U] = 0.0
    # scale so that |z_j| <= l1_j wherever the conjugate is a pure indicator
    lin = l2 == 0
    t = 1.0
    over_hi = lin & np.isinf(hi) & (z > l1)
    over_lo = lin & np.isinf(lo) & (z < -l1)
    if np.any(over_hi):
        t = min(t, float(np.min(l1[over_hi] / z[over_hi])))
    if np.any(over_lo):
        t = min(t, float(np.min(l1[over_lo] / -z[over_lo])))
    t = max(t, 0.0)
    zt = t * z
    # the scaled point sits on |z_j| = l1_j up to rounding: keep it inside
    zt = np.where(lin & np.isinf(hi), np.minimum(zt, l1), zt)
    zt = np.where(lin & np.isinf(lo), np.maximum(zt, -l1), zt)
    hstar = conjugate(zt, l1, l2, lo, hi)
    dual = t * a - 0.5 * t * t * max(b, 0.0) - float(np.sum(hstar))
    if return_z:
        return primal - dual, primal, zt
    return primal - dual, primal
