r"""The unpenalized directions and Eldén's standard form.

The null space N of Γ is fit by least squares on :math:`A = \tilde XN = Q_AS Z^T`
(with a check that X determines it) and projected out of the data, like the intercept;
:class:`_UnpenalizedCorrection` makes the penalized directions orthogonal to it in the
data; :func:`_standard_form` builds and decomposes the plain-ridge problem
:math:`(\bar X, \bar y)` that remains.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ridgekit._scipy_blas import matmul
from ridgekit.decompose import build_spectrum
from ridgekit.tikhonov._penalty import _EPS, _Penalty


@dataclass
class _UnpenalizedCorrection:
    """:math:`W \\mapsto W - N\\,(\\tilde XN)^+\\tilde X\\,W`: makes the penalized directions
    orthogonal, in the data, to the unpenalized ones fit by least squares."""

    null: np.ndarray  # N, (p, q)
    coupling: np.ndarray  # (X̃N)⁺X̃, (q, p)

    def __call__(self, W: np.ndarray) -> np.ndarray:
        return W - self.null @ (self.coupling @ W) if self.null.shape[1] else W


def _unpenalized_fit(Xt, null, pen_diagonal, p):
    """SVD of A = X̃N = Q_A S Zᵀ with an identifiability check naming the undetermined
    directions. Returns Q_A (n, q) and K = Z S⁻¹ (q, q), so that (X̃N)⁺ = K Q_Aᵀ."""
    n, q = Xt.shape[0], null.shape[1]
    if q == 0:
        return np.zeros((n, 0)), np.zeros((0, 0))
    A = matmul(Xt, null)
    Ua, sa, Vta = linalg.svd(A, full_matrices=False, check_finite=False)
    # ‖X̃‖_F without BLAS (no thread pool woken, no copy of an F-ordered X̃)
    scale = max(np.sqrt(np.einsum("ij,ij->", Xt, Xt)), np.finfo(float).tiny)
    tol = max(n, p) * _EPS * scale
    if q > n or sa[-1] <= tol:
        c = Vta[-1] if q <= n else linalg.null_space(A)[:, 0]
        direction = null @ c
        if pen_diagonal:
            which = np.flatnonzero(np.abs(direction) > 1e-8).tolist()
            what = (f"the unpenalized features {which[:10]} (penalty factor 0 / zero diagonal of "
                    "Γ) are collinear" + (" with the intercept" if len(which) == 1 else ""))
        else:
            shown = np.array2string(direction[:6], precision=3, suppress_small=True)
            what = (f"X v = 0 for the unpenalized direction v = {shown}"
                    f"{'...' if p > 6 else ''} (in the null space of Γ)")
        raise ValueError(
            "X^T X + λ Γ^T Γ is singular for every λ: the null space of Γ is not identifiable "
            f"from X ({q} unpenalized direction(s), rank {int(np.sum(sa > tol))}): {what}. "
            "Penalize those directions (change Γ / penalty_factor) or add data."
        )
    return Ua, Vta.T / sa


def _standard_form(Xt, Yc, Q_A, pen: _Penalty, solver: str, alpha_min: float,
                   correction: _UnpenalizedCorrection):
    r"""Eldén's standard form :math:`\bar X = (I - Q_AQ_A^T)\,\tilde X L^\sharp`,
    decomposed by :func:`ridgekit.decompose.build_spectrum` (``solver`` one of its
    representations or ``"auto"``).

    Returns the inner :class:`~ridgekit.spectrum.Spectrum` of :math:`(\bar X, \bar y)`,
    the generalized basis :math:`W = \Gamma^\sharp_A V` and the least-squares
    coefficients mapped back the same way (None where the inner spectrum has none).
    """
    n = Xt.shape[0]
    Xbar = pen.rows_times_right_inverse(Xt)
    if pen.null.shape[1]:
        Xbar = Xbar - Q_A @ (Q_A.T @ Xbar)
    if solver == "auto" and not pen.diagonal and pen.rank > n:
        # wide X̄ with the wide range of generalized singular values of a smoothing Γ:
        # the SVD keeps eps·d_max absolute accuracy where the dual kernel would square it
        solver = "svd"
    inner = build_spectrum(Xbar, Yc, None, False, solver, alpha_min=alpha_min)
    V = inner.V  # right singular vectors of X̄, any representation
    W = correction(pen.right_inverse(V))
    ols = None
    if inner.ols_coef is not None:
        ols = correction(pen.right_inverse(inner.ols_coef.T)).T
    return inner, W, ols
