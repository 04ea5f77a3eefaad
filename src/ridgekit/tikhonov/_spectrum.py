"""The result: :class:`TikhonovSpectrum`, a :class:`~ridgekit.spectrum.Spectrum` that
counts the unpenalized directions, adds the offset, and on the ``gsvd`` route answers
coefficients by tridiagonal solves and defers d, U'y, RSS₀ and the basis to first access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ridgekit.spectrum import Spectrum, as_grid

if TYPE_CHECKING:
    from ridgekit.tikhonov._pencil import _Pencil

__all__ = ["TikhonovSpectrum"]

#: the parts of a pencil-route spectrum computed on first access: d from the eigenvalues
#: of T, the others from its eigenvectors (coefficients at λ > 0 need neither)
_DEFERRED = ("d", "uty", "rss0", "basis")


@dataclass
class TikhonovSpectrum(Spectrum):
    """The spectrum of a general-form Tikhonov problem (see :mod:`ridgekit.tikhonov`).

    ``d``, ``uty`` and ``rss0`` are those of the standard-form problem
    :math:`(\\bar X, \\bar y)`: d are the generalized singular values of
    :math:`(\\tilde X, \\Gamma)` on the penalized, identifiable directions. ``V`` is the
    generalized basis W (not orthonormal). ``coef_norm`` is the penalized norm
    :math:`\\lVert\\Gamma(\\beta-\\beta_{prior})\\rVert`; ``condition_number`` is that of
    the standard form :math:`\\bar X^T\\bar X + \\lambda I` (of
    :math:`\\tilde X^T\\tilde X + \\lambda\\Gamma^T\\Gamma` on the penalized directions, in
    the metric of Γ); ``df`` and ``leverage`` count the q
    unpenalized directions like the intercept; ``yy`` (inherited, ``rss0 + Σ uty²``) is
    :math:`\\lVert\\bar y\\rVert^2`, the RSS as λ → ∞ (the unpenalized fit's residual).

    Attributes (beyond :class:`~ridgekit.spectrum.Spectrum`)
    ----------
    offset : ndarray of shape (t, p)
        :math:`\\beta_{prior} + N R_A^{-1}Q_A^T\\tilde y`, the coefficients as λ → ∞.
    null_basis : ndarray of shape (p, q)
        Orthonormal basis N of the unpenalized directions (null space of Γ).
    null_left : ndarray of shape (n, q)
        :math:`Q_A`, orthonormal basis of :math:`\\tilde X N` (weighted centered rows).
    null_uty : ndarray of shape (q, t)
        :math:`Q_A^T\\tilde y`.
    penalized_dim : int
        Rank k' of Γ.
    method : str
        ``"gsvd"`` (pencil) or ``"standard"`` (Eldén standard form); the decomposition of
        the standard form is in ``representation``.
    data : ndarray of shape (n, p)
        X, held by reference, for U on first use.
    targets : ndarray of shape (n, t)
        :math:`\\bar y = (I - Q_AQ_A^T)(\\tilde y - \\tilde X\\beta_{prior})`.
    pencil : _Pencil or None
        The tridiagonalized pencil of the ``gsvd`` route. Coefficients at λ > 0 come from
        it by tridiagonal solves; ``d`` (from the eigenvalues of T) and ``uty``, ``rss0``
        and the basis (from its eigenvectors) are computed on first access (pass None).
    """

    offset: np.ndarray | None = None
    null_basis: np.ndarray | None = None
    null_left: np.ndarray | None = None
    null_uty: np.ndarray | None = None
    penalized_dim: int = 0
    method: str = "standard"
    data: np.ndarray | None = field(default=None, repr=False)
    targets: np.ndarray | None = field(default=None, repr=False)
    pencil: _Pencil | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.pencil is not None:
            for name in _DEFERRED:
                if getattr(self, name) is None:
                    delattr(self, name)  # __getattr__ fills it on first access

    def __getattr__(self, name: str):
        # reached only when ordinary lookup fails: a part deferred by the pencil route
        if name in _DEFERRED and self.__dict__.get("pencil") is not None:
            if name == "d":
                self.d = self.pencil.d
            else:
                self.uty, self.rss0, self.basis = self.pencil.diagonalize()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def n_targets(self) -> int:
        return self.offset.shape[0]

    def _solvable(self, alphas: np.ndarray) -> bool:
        """Whether the pencil's tridiagonal solves answer these λ: all finite and > 0, and
        every penalized direction determined by the data (else the spectral form, which
        drops the undetermined ones)."""
        return (
            self.pencil is not None and alphas.size > 0
            and bool(np.all((alphas > 0) & np.isfinite(alphas))) and self.pencil.full_rank
        )

    @property
    def n_unpenalized(self) -> int:
        """q, the number of unpenalized directions (dimension of the null space of Γ)."""
        return self.null_basis.shape[1]

    def df(self, alphas) -> np.ndarray:
        """:math:`\\sum_j f_j + q + [\\text{intercept}]`, shape (L,)."""
        return super().df(alphas) + float(self.n_unpenalized)

    def coef(self, alpha) -> np.ndarray:
        """Coefficients at one λ (scalar or one per target), shape (t, p)."""
        alpha = np.broadcast_to(np.asarray(alpha, dtype=float), (self.n_targets,))
        if self._solvable(alpha):
            return self.pencil.coef(alpha) + self.offset
        return super().coef(alpha) + self.offset

    def coef_path(self, alphas) -> np.ndarray:
        """Coefficients for every λ of a grid, shape (L, t, p)."""
        a = as_grid(alphas)
        if self._solvable(a):
            grid = np.repeat(a[:, None], self.n_targets, axis=1)
            return self.pencil.coef(grid) + self.offset[None]
        return super().coef_path(a) + self.offset[None]

    def _left(self) -> np.ndarray:
        """U (and the least-squares residuals) from the data on first use:
        :math:`U = \\tilde X W D^{-1}` (= :math:`\\bar X V D^{-1}`)."""
        if self.U is None:
            if self.data is None:
                raise ValueError("leverage needs the data; build with tikhonov_spectrum(X, ...)")
            W = self.V
            self.U = ((self.data @ W) - self.mean_x @ W) * self.sqrt_w[:, None] / self.d
        if self.resid0 is None:
            self.resid0 = self.targets - self.U @ self.uty
        return self.U

    def with_data(self, *args, **kwargs) -> TikhonovSpectrum:
        """U is computed from the data on first use; nothing to attach."""
        return self

    def leverage(self, alphas) -> np.ndarray:
        """Diagonal of the hat matrix, shape (L, n): intercept, unpenalized part, filter.

        .. math:: h_{ii} = \\frac{w_i}{\\sum_k w_k} + \\lVert (Q_A)_{i\\cdot}\\rVert^2
                  + \\sum_j U_{ij}^2 f_j(\\lambda)
        """
        self._left()
        h = super().leverage(alphas)
        return h + np.einsum("nq,nq->n", self.null_left, self.null_left)[None, :]

    def residuals(self, alphas) -> np.ndarray:
        """Training residuals :math:`y - \\hat y(\\lambda)` (data scale), shape (L, n, t)."""
        self._left()
        return super().residuals(alphas)
