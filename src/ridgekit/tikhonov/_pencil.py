r"""The ``gsvd`` route: the balanced symmetric-definite pencil on the orthogonal complement
of the null space of Γ, reduced to tridiagonal form once (:mod:`ridgekit._tridiagonal`);
coefficients at any λ > 0 by one tridiagonal solve (Eldén's method), the eigenvalues of T
(bisection for the extreme ones, with the tie and ``sterf`` fallbacks of
:class:`~ridgekit._tridiagonal.Tridiagonal`) for d and df, its eigenvectors only when U'y,
RSS₀ or the basis are asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import linalg
from scipy.linalg import blas, lapack

from ridgekit._scipy_blas import gram_lower, matmul
from ridgekit._tridiagonal import Tridiagonal, tridiagonalize
from ridgekit.spectrum import GRAM_CONDITION_LIMIT, apply_to_stack
from ridgekit.tikhonov._penalty import _EPS, _Penalty
from ridgekit.tikhonov._standard import _UnpenalizedCorrection


@dataclass
class _Complement:
    r"""The orthogonal complement C of span(N) from the Householder QR of N, in compact
    WY form :math:`H_1\cdots H_q = I - Y T Y^T` (so that C is never formed): restricting
    a p x p matrix, a block of vectors, and extending back cost O(p² q)."""

    Y: np.ndarray  # (p, q) unit lower trapezoidal
    T: np.ndarray  # (q, q) upper triangular

    @classmethod
    def of(cls, null: np.ndarray) -> _Complement:
        p, q = null.shape
        if q == 0:
            return cls(np.zeros((p, 0)), np.zeros((0, 0)))
        (packed, tau), _ = linalg.qr(null, mode="raw")
        Y = np.tril(packed, -1) + np.eye(p, q)
        T = np.zeros((q, q))
        for i in range(q):  # LAPACK's larft recurrence, forward and columnwise
            T[i, i] = tau[i]
            T[:i, i] = -tau[i] * (T[:i, :i] @ (Y[:, :i].T @ Y[:, i]))
        return cls(Y, T)

    @property
    def q(self) -> int:
        return self.T.shape[0]

    def restrict(self, S: np.ndarray) -> np.ndarray:
        r""":math:`C^T S C` for a symmetric S of which the lower triangle is read, as the
        symmetric rank-2q update :math:`S - YW^T - WY^T` with
        :math:`W = SYT - \tfrac12 YT^T(Y^TSY)T`; only the lower triangle of the result is
        set (scipy's BLAS throughout)."""
        q = self.q
        if q == 0:
            return S
        Y, T = self.Y, self.T
        SY = blas.dsymm(1.0, S, Y, lower=1)
        W = SY @ T - 0.5 * Y @ (T.T @ (Y.T @ SY) @ T)
        return blas.dsyr2k(-1.0, Y[q:], W[q:], beta=1.0, c=S[q:, q:], lower=1)

    def restrict_rows(self, B: np.ndarray) -> np.ndarray:
        """:math:`C^T B` for B of shape (p, k)."""
        if self.q == 0:
            return B
        return (B - self.Y @ (self.T.T @ (self.Y.T @ B)))[self.q:]

    def extend(self, Z: np.ndarray) -> np.ndarray:
        """:math:`C Z` for Z of shape (p - q, k)."""
        q = self.q
        if q == 0:
            return Z
        out = np.vstack([np.zeros((q, Z.shape[1])), Z])
        return out - self.Y @ (self.T @ (self.Y[q:].T @ Z))


@dataclass
class _Pencil:
    r"""The balanced pencil on the complement C of the null space, tridiagonalized.

    With :math:`G = C^T\bar X^T\bar X C`, :math:`P = C^T\Gamma^T\Gamma C` and
    :math:`s = \operatorname{tr}G/\operatorname{tr}P`: :math:`B = G + sP = LL^T` and
    :math:`L^{-1}(sP)L^{-T} = QTQ^T`. Since :math:`G + \lambda P = LQ\,(I + (a-1)T)\,Q^TL^T`
    with :math:`a = \lambda/s`, the coefficients at any λ > 0 are

    .. math:: \delta(\lambda) = C L^{-T} Q\,(I + (a-1)T)^{-1} c, \qquad
              c = Q^T L^{-1} C^T \bar X^T \bar y,

    one tridiagonal solve per λ (Eldén's method for many λ). The spectrum follows from
    :math:`T = S\,\mathrm{diag}(\theta)\,S^T`: :math:`\nu = \theta/s`,
    :math:`\mu = 1-\theta`, :math:`d = (\mu/\nu)^{1/2}`, :math:`u = S^Tc/\sqrt{\mu}` and
    :math:`W = C L^{-T} Q S\,\nu^{-1/2}` — the eigenvalues in O(m²), S only on demand.
    """

    complement: _Complement
    chol: np.ndarray
    tridiagonal: Tridiagonal
    scale: float
    projected: np.ndarray  # c, shape (m, t)
    yy: np.ndarray  # ‖ȳ‖² per target
    correction: _UnpenalizedCorrection

    def _threshold(self, mu_max: float) -> float:
        """μ at or below this is rounding noise: the data do not determine the direction."""
        return mu_max * max(self.complement.Y.shape[0], 1) * _EPS * 10

    @cached_property
    def keep(self) -> np.ndarray:
        """Directions that the data determine (μ above rounding level)."""
        mu = 1.0 - self.tridiagonal.eigenvalues
        return np.flatnonzero(mu > self._threshold(mu.max(initial=0.0)))

    @cached_property
    def mu(self) -> np.ndarray:
        """:math:`\\mu = 1 - \\theta` on the kept directions."""
        return 1.0 - self.tridiagonal.eigenvalues[self.keep]

    @cached_property
    def full_rank(self) -> bool:
        """Whether every direction is determined by the data, from the two extreme
        eigenvalues of T alone (bisection, O(m)). Only then do the tridiagonal solves
        equal the spectral form: a dropped direction carries rounding noise in c, which a
        solve would amplify by about s/λ."""
        theta = self.tridiagonal.extreme_eigenvalues()
        if theta.size == 0:
            return False
        return bool(1.0 - theta[1] > self._threshold(1.0 - theta[0]))

    @cached_property
    def nu(self) -> np.ndarray:
        return np.maximum(self.tridiagonal.eigenvalues[self.keep], _EPS**2) / self.scale

    @cached_property
    def d(self) -> np.ndarray:
        """Generalized singular values :math:`(\\mu/\\nu)^{1/2}`, descending."""
        return np.sqrt(self.mu / self.nu)

    def back(self, w: np.ndarray) -> np.ndarray:
        r""":math:`\delta = C L^{-T} Q w` with the unpenalized correction, (m, k) -> (p, k)."""
        x = linalg.solve_triangular(self.chol, self.tridiagonal.apply_q(w), lower=True,
                                    trans="T", check_finite=False)
        return self.correction(self.complement.extend(x))

    def coef(self, alphas: np.ndarray) -> np.ndarray:
        """Coefficients δ for λ of shape (..., t), all > 0: shape (..., t, p)."""
        alphas = np.asarray(alphas, dtype=float)
        t = self.projected.shape[1]
        flat = alphas.reshape(-1, t)
        w = np.empty((self.projected.shape[0], flat.shape[0], t))
        for row, lambdas in enumerate(flat):  # one solve per distinct λ, all its targets
            for value in np.unique(lambdas):
                which = lambdas == value
                w[:, row, which] = self.tridiagonal.solve_shifted(
                    1.0, value / self.scale - 1.0, self.projected[:, which]
                )
        beta = self.back(w.reshape(w.shape[0], -1))  # (p, K*t)
        return beta.T.reshape(alphas.shape + (beta.shape[0],))

    def diagonalize(self):
        """(uty, rss0, basis) of the spectrum, from the eigenvectors S of T."""
        S = self.tridiagonal.eigenvectors[:, self.keep]
        uty = (S.T @ self.projected) / np.sqrt(self.mu)[:, None]
        rss0 = np.clip(self.yy - np.einsum("rt,rt->t", uty, uty), 0.0, None)
        return uty, rss0, _PencilBasis(self, S, 1.0 / np.sqrt(self.nu))


@dataclass
class _PencilBasis:
    """The generalized basis :math:`W = C L^{-T} Q S\\,\\nu^{-1/2}` of a :class:`_Pencil`,
    applied to coordinates without forming W (formed on first use of ``V``)."""

    pencil: _Pencil
    S: np.ndarray  # eigenvectors of T, kept directions
    scale: np.ndarray  # ν^{-1/2}

    def _apply(self, coords: np.ndarray) -> np.ndarray:
        return self.pencil.back(self.S @ (coords * self.scale[:, None]))

    def to_coef(self, coords: np.ndarray) -> np.ndarray:
        return apply_to_stack(self._apply, coords)

    @cached_property
    def V(self) -> np.ndarray:
        return self._apply(np.eye(self.scale.size))


def _pencil(Xt, Q_A, Yc, pen: _Penalty, alpha_min: float, gate: bool, correction):
    r"""Build :class:`_Pencil`, or None when B is not positive definite to working
    precision, or when ``gate`` and the estimated relative error
    :math:`\epsilon\,\kappa(B)\max(1, s/\lambda_{min})` exceeds 1/GRAM_CONDITION_LIMIT.

    The whole reduction runs on scipy's BLAS (``syrk``, ``potrf``, ``sygst``, ``sytrd``)
    so that numpy's BLAS threads are not woken in between.
    """
    comp = _Complement.of(pen.null)
    G = gram_lower(Xt)
    if Q_A.shape[1]:  # Gram of (I - Q_A Q_Aᵀ) X̃ as a rank-q downdate
        cross = matmul(Xt.T, Q_A)
        G = blas.dsyrk(-1.0, cross, beta=1.0, c=G, lower=1, overwrite_c=1)
    G = comp.restrict(G)
    P = comp.restrict(pen.gram())
    trace_p = np.trace(P)
    s = np.trace(G) / trace_p if trace_p > 0 else 1.0
    s = s if np.isfinite(s) and s > 0 else 1.0
    P *= s
    B = G + P
    chol, info = lapack.dpotrf(B, lower=1, clean=1)
    if info != 0:  # not positive definite to working precision: the caller falls back
        return None
    if gate:
        lower_abs = np.abs(np.tril(B))  # ‖B‖₁ from the lower triangle
        norm_1 = (lower_abs.sum(axis=0) + lower_abs.sum(axis=1) - np.diag(lower_abs)).max()
        rcond, _ = lapack.dpocon(chol, norm_1, uplo="L")
        ratio = np.inf if alpha_min <= 0 else max(1.0, s / alpha_min)
        if rcond <= 0 or ratio / rcond > GRAM_CONDITION_LIMIT:
            return None
    reduced, info = lapack.dsygst(P, chol, itype=1, lower=1)
    if info != 0:  # pragma: no cover - only for invalid arguments
        raise RuntimeError(f"dsygst failed (info={info})")
    tri = tridiagonalize(reduced, lower=True, overwrite=True)
    forward = linalg.solve_triangular(chol, comp.restrict_rows(matmul(Xt.T, Yc)),
                                      lower=True,
                                      check_finite=False)
    return _Pencil(
        complement=comp, chol=chol, tridiagonal=tri, scale=s,
        projected=tri.apply_qt(forward), yy=np.einsum("nt,nt->t", Yc, Yc),
        correction=correction,
    )
