"""The ``dual`` representation (p > n): the n x n kernel and its eigen-decomposition.

With :math:`\\tilde X` the weighted, centered design, the kernel
:math:`K = \\tilde X\\tilde X^T` has the eigen-decomposition :math:`K = U D^2 U^T`; the
coefficients are :math:`\\beta = \\tilde X^T U\\,\\mathrm{diag}(1/(d^2+\\lambda))\\,u`.
X is held by reference and never copied whole; one syrk of X (split over column slices
by :func:`ridgekit._blas_split.row_gram`) makes the kernel, centered algebraically.

Imports of ridgekit: the core :mod:`ridgekit.spectrum` and the leaf helpers
:mod:`ridgekit._blas_split` and :mod:`ridgekit._validation` (numpy only).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ridgekit._blas_split import row_gram
from ridgekit._validation import check_finite_products
from ridgekit.spectrum import _COLUMN_BLOCK, Spectrum, _from_left, _rank_cut, apply_to_stack

__all__ = ["DualKernel", "from_dual", "KERNEL_OFFSET_RATIO_LIMIT"]

#: largest squared row offset / centered squared row norm for which the dual kernel is
#: centered algebraically after one syrk of X (the rule of ``moments.OFFSET_RATIO_LIMIT``)
KERNEL_OFFSET_RATIO_LIMIT = 10.0


@dataclass
class _DualBasis:
    """Coefficients ``beta = Xt^T U (coords / d)`` with ``Xt`` the weighted centered X."""

    kernel: DualKernel
    U: np.ndarray
    d: np.ndarray

    def to_coef(self, coords: np.ndarray) -> np.ndarray:
        a = np.einsum("nr,...rt->...nt", self.U, coords / self.d[:, None], optimize=True)
        return apply_to_stack(self.kernel.to_coef, a)

    @property
    def V(self) -> np.ndarray:
        """Right singular vectors :math:`V = \\tilde X^T U D^{-1}` (p, r)."""
        return self.to_coef(np.eye(self.d.size))


@dataclass
class DualKernel:
    """The weighted, centered n x n kernel :math:`K = \\tilde X\\tilde X^T` and what maps
    a dual solution back to coefficients (X is held by reference).

    The means of X are computed on first use (:attr:`mean_x`), or on the way by the
    first :meth:`to_coef`, in the same pass as :math:`X^T a`.
    """

    K: np.ndarray
    Yt: np.ndarray
    X: np.ndarray
    mean_y: np.ndarray
    sqrt_w: np.ndarray
    weight: float
    fit_intercept: bool
    _mean_x: np.ndarray | None = field(default=None, repr=False)
    _x_mean: np.ndarray | None = field(default=None, repr=False)  # X x̄, from the kernel

    @property
    def mean_x(self) -> np.ndarray:
        """Weighted column means of X (zeros without an intercept)."""
        if self._mean_x is None:
            if self.fit_intercept:
                self._mean_x = np.asarray((self.sqrt_w**2) @ self.X, dtype=float) / self.weight
            else:
                self._mean_x = np.zeros(self.X.shape[1])
        return self._mean_x

    @classmethod
    def from_arrays(cls, X, Y, sample_weight=None, fit_intercept: bool = True) -> DualKernel:
        """The kernel from one syrk of X, centered algebraically, never copying X.

        With :math:`K_0 = XX^T`, :math:`k = K_0 w / s` (= X x̄, so no pass for the
        means) and :math:`c = w^T k / s`, the centered kernel is
        :math:`K_0 - k1^T - 1k^T + c\\,11^T`, then scaled by :math:`W^{1/2}` on both
        sides. Its rounding is about eps times :math:`\\max_i (K_0)_{ii}/(K_c)_{ii}`;
        where that ratio exceeds ``1 +`` :data:`KERNEL_OFFSET_RATIO_LIMIT` (rows far from
        the mean) the kernel is accumulated instead from column blocks centered into one
        reused buffer. X in float32 goes through float64 column blocks.
        """
        n, p = X.shape
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        weight = float(w.sum())
        sqrt_w = np.sqrt(w)
        weighted = not np.all(w == 1.0)
        mean_y = (w @ Y) / weight if fit_intercept else np.zeros(Y.shape[1])
        Yt = (Y - mean_y) * sqrt_w[:, None]
        K = None
        if X.dtype == np.float64 and (X.flags.c_contiguous or X.flags.f_contiguous):
            with np.errstate(over="ignore", invalid="ignore"):  # reported just below
                K = row_gram(X)  # syrk(s)
            check_finite_products(X, np.diagonal(K))  # NaN/inf in X: no pass of its own
            if fit_intercept:
                k = (K @ w) / weight
                c = float(w @ k) / weight
                raw_diag = np.diag(K).copy()
                K -= k[:, None]
                K -= k[None, :]
                K += c
                centered_diag = np.diag(K)
                if not np.all(raw_diag <= (1.0 + KERNEL_OFFSET_RATIO_LIMIT) * centered_diag):
                    K = None  # large offsets: center before multiplying
            if K is not None and weighted:
                K *= sqrt_w[:, None]
                K *= sqrt_w[None, :]
        kern = cls(K, Yt, X, mean_y, sqrt_w, weight, fit_intercept)
        if K is not None and fit_intercept:
            kern._x_mean = k
        if K is None:
            with np.errstate(invalid="ignore", over="ignore"):
                kern.K = kern._centered_blocks()
            check_finite_products(X, np.diagonal(kern.K))
        return kern

    def _centered_blocks(self) -> np.ndarray:
        """The kernel over blocks of columns, each centered and weighted into one reused
        float64 buffer."""
        X, mean_x, sqrt_w = self.X, self.mean_x, self.sqrt_w
        n, p = X.shape
        K = np.zeros((n, n))
        buffer = np.empty((n, min(p, _COLUMN_BLOCK)))
        for start in range(0, p, _COLUMN_BLOCK):
            cols = slice(start, start + _COLUMN_BLOCK)
            block = np.subtract(X[:, cols], mean_x[cols], out=buffer[:, : mean_x[cols].size])
            block *= sqrt_w[:, None]
            K += block @ block.T
        return K

    def to_coef(self, dual: np.ndarray) -> np.ndarray:
        """:math:`\\beta = \\tilde X^T a` for dual vectors ``a`` (n, k) -> (p, k), with
        algebraic centering :math:`X^T(\\sqrt w a) - \\bar x (\\sqrt w^T a)`; the first call
        also yields the means, :math:`X^T w / s`, from the same product."""
        a = dual * self.sqrt_w[:, None]
        if self._mean_x is None and self.fit_intercept:
            both = self.X.T @ np.c_[a, self.sqrt_w**2]
            self._mean_x = both[:, -1] / self.weight
            return both[:, :-1] - np.outer(self._mean_x, a.sum(axis=0))
        return self.X.T @ a - np.outer(self.mean_x, a.sum(axis=0))

    def solve(self, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients (t, p) and intercepts (t,) for one λ > 0 per target by a direct
        solve with :math:`K + \\lambda I` (one factorization per distinct λ: cheaper than
        the eigen-decomposition when only a few λ are wanted).

        The centering folds into one vector per target, :math:`v = W^{1/2}a - w\\,
        (\\sqrt w^T a)/s`, so :math:`\\beta = X^Tv` reads X once (a matrix-vector
        product) and :math:`\\beta_0 = \\bar y - \\bar x^T\\beta = \\bar y - (X\\bar x)^Tv`
        takes :math:`X\\bar x = K_0w/s` from the kernel: the means of X are never formed.
        """
        K, n = self.K, self.K.shape[0]
        dual = np.empty_like(self.Yt)
        diagonal = K.diagonal().copy()
        try:
            for a in np.unique(alpha):
                cols = alpha == a
                K.flat[:: n + 1] = diagonal + a  # shifted in place: solve copies it anyway
                dual[:, cols] = np.linalg.solve(K, self.Yt[:, cols])
        finally:
            K.flat[:: n + 1] = diagonal
        v = dual * self.sqrt_w[:, None]
        if not self.fit_intercept:
            return v.T @ self.X, np.zeros(v.shape[1])
        v -= np.outer(self.sqrt_w**2 / self.weight, v.sum(axis=0))
        coef = v.T @ self.X
        if self._x_mean is not None:
            return coef, self.mean_y - self._x_mean @ v
        return coef, self.mean_y - coef @ self.mean_x


def from_dual(X, Y, sample_weight=None, fit_intercept: bool = True) -> Spectrum:
    """``dual`` representation (p > n): eigen of the n x n kernel, X held by reference."""
    kern = DualKernel.from_arrays(X, Y, sample_weight, fit_intercept)
    n, p = X.shape
    mu, U = np.linalg.eigh(kern.K)
    mu, U = mu[::-1], U[:, ::-1]
    keep = _rank_cut(mu, n)
    U, d = U[:, keep], np.sqrt(mu[keep])
    return _from_left(
        U, d, _DualBasis(kern, U, d), kern.Yt, n_samples=n, weight=kern.weight,
        n_features=p, mean_x=kern.mean_x, mean_y=kern.mean_y, fit_intercept=fit_intercept,
        representation="dual", sqrt_w=kern.sqrt_w,
    )
