"""Householder tridiagonal reduction :math:`A = QTQ^T` with Q kept in factored form.

LAPACK's symmetric eigensolver is three steps: the reduction to tridiagonal form
(``sytrd``, :math:`\\tfrac43 m^3` flops), the eigen-decomposition of T, and the
back-transformation :math:`V = QS` (:math:`2m^3`). For a family of shifted systems the
last two are not needed at all (Eldén 1977): with :math:`A = QTQ^T`,

.. math::

    (\\alpha I + \\beta A)^{-1} b = Q\\,(\\alpha I + \\beta T)^{-1} Q^T b,

one O(m) tridiagonal solve per (α, β) and two O(m²) applications of Q per block of
right-hand sides. The eigenvalues of T come in O(m²) (``sterf``) and its eigenvectors S
only when asked (MRRR, ``stemr``), still without forming QS.

Everything here runs through ``scipy.linalg.lapack`` (one BLAS thread pool for the
whole reduction; see :mod:`ridgekit.spectrum` on mixing pools).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import linalg
from scipy.linalg import lapack

__all__ = ["Tridiagonal", "tridiagonalize"]


@dataclass
class Tridiagonal:
    """:math:`A = QTQ^T` with T symmetric tridiagonal and Q as Householder reflectors.

    Attributes
    ----------
    diagonal : ndarray of shape (m,)
    offdiagonal : ndarray of shape (m - 1,)
    reflectors : ndarray of shape (m - 1, m - 1), Fortran order
        The Householder vectors of ``sytrd`` (lower storage, shifted by one row):
        :math:`Q = \\mathrm{diag}(1, H_1\\cdots H_{m-1})`.
    tau : ndarray of shape (m - 1,)
    """

    diagonal: np.ndarray
    offdiagonal: np.ndarray
    reflectors: np.ndarray
    tau: np.ndarray

    @property
    def size(self) -> int:
        return self.diagonal.size

    def _apply_q(self, C: np.ndarray, trans: str) -> np.ndarray:
        out = np.array(C, dtype=float, order="F", copy=True)
        if self.size > 1 and out.shape[1]:
            part, _, info = lapack.dormqr(
                "L", trans, self.reflectors, self.tau, out[1:], max(1, 64 * out.shape[1]),
                overwrite_c=1,
            )
            if info != 0:  # pragma: no cover - LAPACK argument errors only
                raise RuntimeError(f"dormqr failed (info={info})")
            out[1:] = part
        return out

    def apply_q(self, C: np.ndarray) -> np.ndarray:
        """:math:`QC` for C of shape (m, k)."""
        return self._apply_q(C, "N")

    def apply_qt(self, C: np.ndarray) -> np.ndarray:
        """:math:`Q^TC` for C of shape (m, k)."""
        return self._apply_q(C, "T")

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of T (= of A), ascending, O(m²)."""
        if self.size <= 1:
            return self.diagonal.copy()
        return lapack.dsterf(self.diagonal, self.offdiagonal)[0]

    def extreme_eigenvalues(self) -> np.ndarray:
        """The smallest and the largest eigenvalue of T by bisection (``stebz``), O(m)
        each; shape (2,), or (0,) for an empty T.

        Bisection by index can fail inside a cluster of (nearly) equal eigenvalues —
        ``stebz`` then reports info = 2 or 3, or returns the whole tie — as happens
        whenever the data leave several directions undetermined (p > n). A tie is read
        off the returned values; on failure all eigenvalues come from ``sterf`` (O(m²),
        exact to the same accuracy).
        """
        if self.size <= 1:
            return np.repeat(self.diagonal, 2)
        out = []
        for index in (1, self.size):
            m, w, _, _, info = lapack.dstebz(
                self.diagonal, self.offdiagonal, 3, 0.0, 0.0, index, index, 0.0, "E"
            )
            if info != 0 or m < 1:
                values = self.eigenvalues
                return np.array([values[0], values[-1]])
            found = w[:m]
            out.append(found.min() if index == 1 else found.max())
        return np.array(out)

    @cached_property
    def eigenvectors(self) -> np.ndarray:
        """S with :math:`T = S\\,\\mathrm{diag}(w)\\,S^T` (columns ordered as
        :attr:`eigenvalues`); the eigenvectors of A are :math:`QS` (:meth:`apply_q`)."""
        if self.size <= 1:
            return np.ones((self.size, self.size))
        return linalg.eigh_tridiagonal(self.diagonal, self.offdiagonal, check_finite=False)[1]

    def solve_shifted(self, alpha: float, beta: float, c: np.ndarray) -> np.ndarray:
        """:math:`(\\alpha I + \\beta T)^{-1} c` for c of shape (m, k), in O(m k).

        ``ptsv`` (LDLᵀ) when the shifted matrix is positive definite, else ``gtsv``
        (partial pivoting); a singular one raises ``numpy.linalg.LinAlgError``.
        """
        d = alpha + beta * self.diagonal
        e = beta * self.offdiagonal
        if self.size <= 1:
            if self.size and d[0] == 0:
                raise np.linalg.LinAlgError("the shifted 1 x 1 system is singular")
            return c / d[:, None]
        _, _, w, info = lapack.dptsv(d, e, c)
        if info == 0:
            return w
        _, _, _, w, info = lapack.dgtsv(e, d, e, c)
        if info != 0:
            raise np.linalg.LinAlgError(
                f"the shifted tridiagonal system is singular (alpha={alpha}, beta={beta})"
            )
        return w


def tridiagonalize(A: np.ndarray, lower: bool = False, overwrite: bool = False) -> Tridiagonal:
    """Reduce a symmetric matrix, of which one triangle is read, to tridiagonal form.

    Parameters
    ----------
    A : ndarray of shape (m, m)
        Only the upper (``lower=False``) or lower triangle is referenced.
    lower : bool
    overwrite : bool
        Allow A to be destroyed (saves a copy when A is Fortran-ordered and ``lower``).

    Returns
    -------
    Tridiagonal
    """
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square matrix, got shape {A.shape}")
    m = A.shape[0]
    if m == 0:
        return Tridiagonal(np.zeros(0), np.zeros(0), np.zeros((0, 0), order="F"), np.zeros(0))
    # the referenced triangle always goes in as the lower one: one storage convention
    source = A if lower else A.T
    in_place = overwrite and source.dtype == np.float64 and source.flags.f_contiguous
    a = source if in_place else np.array(source, dtype=float, order="F", copy=True)
    lwork, _ = lapack.dsytrd_lwork(m, lower=1)
    packed, diag, offdiag, tau, info = lapack.dsytrd(
        a, lower=1, lwork=max(1, int(lwork)), overwrite_a=1
    )
    if info != 0:  # pragma: no cover
        raise RuntimeError(f"dsytrd failed (info={info})")
    return Tridiagonal(
        diagonal=diag, offdiagonal=offdiag,
        reflectors=np.asfortranarray(packed[1:, : m - 1]), tau=tau[: m - 1],
    )
