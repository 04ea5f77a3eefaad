"""One decomposition of the design, and every filter-factor function of λ on it.

Let :math:`\\tilde X = W^{1/2}(X - 1\\bar x^T)` be the weighted, centered design (not
centered when there is no intercept) and :math:`\\tilde y = W^{1/2}(y - \\bar y)`. With
the thin SVD :math:`\\tilde X = U D V^T`, :math:`\\mu = d^2` and
:math:`u = U^T \\tilde y` (one column per target):

.. math::

    \\beta(\\lambda) = V\\,\\frac{d}{d^2+\\lambda}\\,u, \\qquad
    f(\\lambda) = \\frac{d^2}{d^2+\\lambda}, \\qquad
    \\operatorname{tr} H(\\lambda) = \\sum_j f_j + [\\text{intercept}],

.. math::

    \\mathrm{RSS}(\\lambda) = \\mathrm{RSS}_0 + \\sum_j u_j^2 (1 - f_j)^2, \\qquad
    \\lVert\\beta(\\lambda)\\rVert^2 = \\sum_j \\frac{d_j^2 u_j^2}{(d_j^2+\\lambda)^2},

with :math:`\\mathrm{RSS}_0 = \\lVert \\tilde y - U u\\rVert^2` the part of the targets
outside the column space. So one decomposition answers any number of λ values.

Representations of the same object (built by name in :mod:`ridgekit.decompose`):

``gram``
    eigen-decomposition of the accumulated centered Gram :math:`C_{xx}` (from
    :class:`~ridgekit.moments.Moments`); no U unless the data is at hand.
``svd``
    thin SVD of the centered design (n >= p), U kept.
``dual``
    eigen-decomposition of the n x n kernel :math:`\\tilde X\\tilde X^T` (p > n);
    coefficients through :math:`\\beta = \\tilde X^T U\\,\\mathrm{diag}(1/(d^2+\\lambda))\\,u`.
``precise``
    SVD of the column-scaled design :math:`\\tilde X S^{-1}` for least squares at λ = 0
    (never the Gram, which squares the condition number); the unscaled SVD for λ > 0
    is derived from it exactly.

The ``dual`` builder and its kernel live in :mod:`ridgekit.dual` (re-exported here);
this module imports nothing else of ridgekit. Its dense linear algebra goes through
``numpy.linalg``, the same OpenBLAS as numpy's matrix products: alternating between
numpy's and scipy's separate BLAS thread pools costs 2-3x on small machines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ridgekit.dual import _DualBasis

__all__ = [
    "Spectrum",
    "from_moments",
    "from_svd",
    "from_precise",
    "centered_design",
    "apply_to_stack",
    "as_grid",
    "MatrixBasis",
    "GRAM_CONDITION_LIMIT",
]

_EPS = np.finfo(np.float64).eps
#: largest condition number of X^T X + λI for which the Gram route is trusted
#: (its relative error is about cond * eps, so ~1e-9 at this bound).
GRAM_CONDITION_LIMIT = 1e7
_COLUMN_BLOCK = 2048


def apply_to_stack(apply, coords: np.ndarray) -> np.ndarray:
    """Apply a linear map ``(r, k) -> (m, k)`` to every matrix of a stack of shape
    (..., r, t) with one call, returning (..., m, t)."""
    lead, t = coords.shape[:-2], coords.shape[-1]
    columns = int(np.prod(lead, dtype=np.int64)) * t
    flat = np.moveaxis(coords, -2, 0).reshape(coords.shape[-2], columns)
    out = apply(flat)
    return np.moveaxis(out.reshape((out.shape[0],) + lead + (t,)), 0, -2)


@dataclass
class MatrixBasis:
    """Coefficients ``beta = V @ coords`` for a basis held as a matrix (the right singular
    vectors, or a generalized, non-orthonormal basis W)."""

    V: np.ndarray

    def to_coef(self, coords: np.ndarray) -> np.ndarray:
        return np.einsum("pr,...rt->...pt", self.V, coords, optimize=True)


@dataclass
class Spectrum:
    """The decomposition of a (weighted, centered) design and its targets.

    Use the builders :func:`from_moments`, :func:`from_svd`, :func:`from_dual`,
    :func:`from_precise` (or :func:`build`) rather than the constructor.

    Attributes
    ----------
    d : ndarray of shape (r,)
        Nonzero singular values of the weighted centered design, descending.
    uty : ndarray of shape (r, t)
        :math:`U^T\\tilde y`, the targets in the left singular basis.
    rss0 : ndarray of shape (t,)
        Weighted residual sum of squares of least squares (λ = 0).
    n_samples, weight, n_features : int, float, int
        Rows, sum of weights, columns.
    mean_x, mean_y : ndarray
        Weighted means (zeros without an intercept).
    fit_intercept : bool
    representation : str
        One of :data:`REPRESENTATIONS`.
    U : ndarray of shape (n, r) or None
        Left singular vectors, when the data was at hand.
    sqrt_w : ndarray of shape (n,) or None
        Square roots of the sample weights of the rows behind ``U``.
    resid0 : ndarray of shape (n, t) or None
        :math:`\\tilde y - U u`, the weighted least-squares residuals, with ``U``.
    """

    d: np.ndarray
    uty: np.ndarray
    rss0: np.ndarray
    basis: MatrixBasis | _DualBasis  # the latter from ridgekit.dual
    n_samples: int
    weight: float
    n_features: int
    mean_x: np.ndarray
    mean_y: np.ndarray
    fit_intercept: bool
    representation: str
    U: np.ndarray | None = None
    sqrt_w: np.ndarray | None = None
    resid0: np.ndarray | None = field(default=None, repr=False)
    ols_coef: np.ndarray | None = field(default=None, repr=False)

    # ----------------------------------------------------------------- basics
    @property
    def mu(self) -> np.ndarray:
        """Eigenvalues :math:`\\mu = d^2` of :math:`\\tilde X^T\\tilde X` (nonzero ones)."""
        return self.d**2

    @property
    def rank(self) -> int:
        return self.d.size

    @property
    def n_targets(self) -> int:
        return self.uty.shape[1]

    @property
    def penalized_dim(self) -> int:
        """Number of directions the penalty acts on: p for ridge."""
        return self.n_features

    @property
    def V(self) -> np.ndarray:
        """Right singular vectors (p, r)."""
        return self.basis.V

    @property
    def yy(self) -> np.ndarray:
        """:math:`\\lVert\\tilde y\\rVert^2` per target."""
        return self.rss0 + np.einsum("rt,rt->t", self.uty, self.uty)

    def filter_factors(self, alphas) -> np.ndarray:
        """:math:`f_j(\\lambda) = d_j^2/(d_j^2+\\lambda)`, shape (L, r)
        (:func:`ridgekit.select._formulas.filter_factors`, shared with the device route)."""
        from ridgekit.select._formulas import filter_factors

        return filter_factors(self.mu, as_grid(alphas))

    def df(self, alphas) -> np.ndarray:
        """Effective degrees of freedom :math:`\\operatorname{tr} H = \\sum_j f_j` (+1 for
        the intercept), shape (L,)."""
        return self.filter_factors(alphas).sum(axis=1) + float(self.fit_intercept)

    # ---------------------------------------------------------- coefficients
    def _coords(self, alpha: np.ndarray) -> np.ndarray:
        """Coordinates in V of the coefficients; alpha of shape (..., t) -> (..., r, t)."""
        alpha = np.asarray(alpha, dtype=float)[..., None, :]
        d = self.d[:, None]
        return self.uty * (d / (d * d + alpha))

    def coef(self, alpha) -> np.ndarray:
        """Coefficients at one λ (scalar, or one per target), shape (t, p)."""
        alpha = np.broadcast_to(np.asarray(alpha, dtype=float), (self.n_targets,))
        beta = self.basis.to_coef(self._coords(alpha)).T
        if self.ols_coef is not None and np.any(alpha == 0):
            beta = np.where((alpha == 0)[:, None], self.ols_coef, beta)
        return beta

    def coef_path(self, alphas) -> np.ndarray:
        """Coefficients for every λ of a grid, shape (L, t, p)."""
        a = as_grid(alphas)
        beta = np.swapaxes(
            self.basis.to_coef(self._coords(np.repeat(a[:, None], self.n_targets, 1))), -1, -2
        )
        if self.ols_coef is not None and np.any(a == 0):
            beta[a == 0] = self.ols_coef
        return beta

    def intercept(self, coef: np.ndarray) -> np.ndarray:
        """:math:`\\beta_0 = \\bar y - \\bar x^T\\beta` for coefficients of shape (..., t, p)."""
        return self.mean_y - coef @ self.mean_x

    def predict(self, X, alphas) -> np.ndarray:
        """Predictions for every λ of a grid, shape (L, n, t)."""
        beta = self.coef_path(alphas)  # (L, t, p)
        L, t, p = beta.shape
        flat = np.asarray(X @ beta.reshape(L * t, p).T)  # works for scipy.sparse X too
        return np.moveaxis(flat.reshape(-1, L, t), 1, 0) + self.intercept(beta)[:, None, :]

    # ----------------------------------------------------- criteria over λ
    def rss(self, alphas) -> np.ndarray:
        """Weighted residual sum of squares on the training data, shape (L, t)
        (:func:`ridgekit.select._formulas.rss`)."""
        from ridgekit.select._formulas import rss

        return rss(self.mu, self.uty, self.rss0, as_grid(alphas))

    def coef_norm(self, alphas) -> np.ndarray:
        """:math:`\\lVert\\beta(\\lambda)\\rVert_2`, shape (L, t)."""
        a = as_grid(alphas)
        shrink = (self.d / (self.mu + a[:, None])) ** 2
        return np.sqrt(shrink @ (self.uty**2))

    def condition_number(self, alphas) -> np.ndarray:
        """Condition number :math:`(\\mu_{max}+\\lambda)/(\\mu_{min}+\\lambda)` of
        :math:`\\tilde X^T\\tilde X + \\lambda I`, with :math:`\\mu_{min}=0` when the rank is
        below the number of penalized directions (:attr:`penalized_dim`); shape (L,)."""
        a = as_grid(alphas)
        mu_min = self.mu[-1] if self.rank == self.penalized_dim and self.rank else 0.0
        mu_max = self.mu[0] if self.rank else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 (rank 0, λ = 0): nan
            return (mu_max + a) / (mu_min + a)

    def _require_U(self) -> np.ndarray:
        if self.U is None:
            raise ValueError(
                "this quantity needs the data in memory (left singular vectors U); the "
                f"{self.representation!r} representation was built without them — build it "
                "with from_svd/from_dual/from_precise or attach data with with_data(X)"
            )
        return self.U

    @cached_property
    def _u_squared(self) -> np.ndarray:
        U = self._require_U()
        return U * U

    def leverage(self, alphas) -> np.ndarray:
        """Diagonal of the hat matrix, shape (L, n), counting the intercept:

        .. math:: h_{ii}(\\lambda) = \\frac{w_i}{\\sum_k w_k} + \\sum_j U_{ij}^2 f_j(\\lambda).
        """
        h = self.filter_factors(alphas) @ self._u_squared.T
        if self.fit_intercept:
            h += (self.sqrt_w**2 / self.weight)[None, :]
        return h

    def residuals(self, alphas) -> np.ndarray:
        """Training residuals :math:`y - \\hat y(\\lambda)` in the data's own scale (not
        weighted) for each λ of a grid; shape (L, n, t).

        .. math:: e = W^{-1/2}\\big(r_0 + U\\,(1-f)\\,u\\big), \\qquad
                  r_0 = \\tilde y - U u .

        One matrix product for the whole grid.
        """
        U = self._require_U()
        a = as_grid(alphas)
        shrink = a[None, :, None] / (self.mu[:, None, None] + a[None, :, None])  # (r, L, 1)
        coords = (shrink * self.uty[:, None, :]).reshape(self.rank, -1)  # (r, L*t)
        e = (U @ coords).reshape(U.shape[0], a.size, self.n_targets) + self.resid0[:, None]
        e = np.moveaxis(e, 1, 0)
        if not np.all(self.sqrt_w == 1.0):
            with np.errstate(divide="ignore", invalid="ignore"):
                e = np.where(self.sqrt_w[:, None] > 0, e / self.sqrt_w[:, None], 0.0)
        return e

    def with_data(self, X, Y, sample_weight=None) -> Spectrum:
        """Attach U computed from the data, :math:`U = \\tilde X V D^{-1}`, and the
        least-squares residuals, for leverages and leave-one-out."""
        if self.U is not None:
            return self
        w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
        sqrt_w = np.sqrt(w)
        U = (np.asarray(X @ self.V) - self.mean_x @ self.V) * (sqrt_w[:, None] / self.d)
        Yt = (np.asarray(Y, float).reshape(X.shape[0], -1) - self.mean_y) * sqrt_w[:, None]
        return _replace(self, U=U, sqrt_w=sqrt_w, resid0=Yt - U @ self.uty)


def _replace(spec: Spectrum, **changes) -> Spectrum:
    values = {k: getattr(spec, k) for k in spec.__dataclass_fields__}
    values.update(changes)
    return Spectrum(**values)


def as_grid(alphas) -> np.ndarray:
    """λ values as a 1-D float array (a scalar becomes a grid of one)."""
    return np.atleast_1d(np.asarray(alphas, dtype=float))


def _rank_cut(values: np.ndarray, size: int) -> np.ndarray:
    """Mask of values above the numerical-rank tolerance ``max * size * eps``.

    Apply it to singular values of a data matrix, or to eigenvalues of a Gram/kernel
    matrix (whose rounding noise is ``eps * mu_max``, i.e. ``sqrt(eps) * d_max`` in
    singular-value terms).
    """
    if values.size == 0 or values[0] <= 0:
        return np.zeros(values.shape, bool)
    return values > values[0] * size * _EPS


# ------------------------------------------------------------------ builders
def centered_design(X, Y, sample_weight, fit_intercept):
    """Weighted means and the weighted, centered X and Y (dense).

    Without an intercept and with unit weights X and Y are returned themselves, not
    copies: treat the results as read-only.
    """
    X = np.asarray(X, dtype=float)  # float64 even where no copy is made below
    Y = np.asarray(Y, dtype=float)
    n = X.shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    weight = float(w.sum())
    if fit_intercept:
        mean_x = (w @ X) / weight
        mean_y = (w @ Y) / weight
    else:
        mean_x = np.zeros(X.shape[1])
        mean_y = np.zeros(Y.shape[1])
    sqrt_w = np.sqrt(w)
    weighted = not np.all(w == 1.0)

    def prepare(A, mean):
        if fit_intercept:
            A = A - mean
            if weighted:
                A *= sqrt_w[:, None]
            return A
        return A * sqrt_w[:, None] if weighted else A

    return prepare(X, mean_x), prepare(Y, mean_y), mean_x, mean_y, sqrt_w, weight


def from_moments(moments, fit_intercept: bool = True) -> Spectrum:
    """``gram`` representation: eigen-decomposition of the centered co-moment matrix.

    Parameters
    ----------
    moments : ridgekit.moments.Moments
    fit_intercept : bool
        Without intercept the moments are taken about the origin.
    """
    m = moments if fit_intercept else moments.uncentered()
    mu, V = np.linalg.eigh(m.cxx)
    mu, V = mu[::-1], V[:, ::-1]
    keep = _rank_cut(mu, max(m.n_features, 1))
    d = np.sqrt(mu[keep])
    V = V[:, keep]
    uty = (V.T @ m.cxy) / d[:, None]
    rss0 = np.clip(m.cyy - np.einsum("rt,rt->t", uty, uty), 0.0, None)
    return Spectrum(
        d=d, uty=uty, rss0=rss0, basis=MatrixBasis(V), n_samples=m.n_samples,
        weight=m.weight, n_features=m.n_features, mean_x=m.mean_x, mean_y=m.mean_y,
        fit_intercept=fit_intercept, representation="gram",
    )


def _from_left(U, d, V_basis, Yt, **common) -> Spectrum:
    uty = U.T @ Yt
    resid = Yt - U @ uty
    rss0 = np.einsum("nt,nt->t", resid, resid)
    return Spectrum(d=d, uty=uty, rss0=rss0, basis=V_basis, U=U, resid0=resid, **common)


def from_svd(X, Y, sample_weight=None, fit_intercept: bool = True) -> Spectrum:
    """``svd`` representation: thin SVD of the weighted centered design (copies X)."""
    Xt, Yt, mean_x, mean_y, sqrt_w, weight = centered_design(X, Y, sample_weight, fit_intercept)
    U, d, Vt = np.linalg.svd(Xt, full_matrices=False)
    keep = _rank_cut(d, max(Xt.shape))
    return _from_left(
        U[:, keep], d[keep], MatrixBasis(Vt[keep].T), Yt, n_samples=X.shape[0],
        weight=weight, n_features=X.shape[1], mean_x=mean_x, mean_y=mean_y,
        fit_intercept=fit_intercept, representation="svd", sqrt_w=sqrt_w,
    )


def _pow2_scale(norms: np.ndarray) -> np.ndarray:
    """Powers of two near the column norms: dividing by them is exact (no rounding)."""
    out = np.ldexp(1.0, np.frexp(norms)[1])
    out[norms == 0] = 1.0
    return out


def _raw_residuals_ext(X, Y, coef) -> np.ndarray:
    """:math:`r = y - X\\beta` in extended precision (``numpy.longdouble``; 80-bit on
    x86), in row blocks, so no copy of X in extended precision is ever whole."""
    ext = np.longdouble
    r = np.empty(Y.shape, dtype=ext)
    B = coef.astype(ext)
    for start in range(0, X.shape[0], _COLUMN_BLOCK):
        rows = slice(start, start + _COLUMN_BLOCK)
        r[rows] = Y[rows].astype(ext) - X[rows].astype(ext) @ B
    return r


def _extended_residuals(X, Y, coef, sqrt_w, weight, fit_intercept) -> np.ndarray:
    """Weighted, centered residuals :math:`W^{1/2}(r - \\bar r)` of
    :func:`_raw_residuals_ext`."""
    ext = np.longdouble
    r = _raw_residuals_ext(X, Y, coef)
    w = sqrt_w.astype(ext) ** 2
    if fit_intercept:
        r -= (w @ r) / ext(weight)
    return (r * sqrt_w[:, None].astype(ext)).astype(np.float64)


def _extended_normal_residual(X, Y, coef, sample_weight, fit_intercept) -> np.ndarray:
    """:math:`\\sum_iw_i(x_i - \\bar x)(r_i - \\bar r)` (p, t) with the given weights and X,
    in extended precision, in row blocks: the residual of the (weighted) normal equations
    themselves. The residual refinement of :func:`from_precise` converges to the solution
    for the *rounded* design :math:`\\sqrt w\\,(X - \\bar x)`, which moves an
    ill-conditioned solution; one Newton step on this residual, with the inverse Gram of
    the same SVD, lands on the problem as given (NIST Wampler4: 8.7 -> 11.6 correct
    digits, Wampler5 6.7 -> 9.8, with or without weights)."""
    ext = np.longdouble
    n = X.shape[0]
    w = np.ones(n, dtype=ext) if sample_weight is None else np.asarray(sample_weight).astype(ext)
    r = _raw_residuals_ext(X, Y, coef)
    blocks = [slice(s, s + _COLUMN_BLOCK) for s in range(0, n, _COLUMN_BLOCK)]
    xbar = np.zeros(X.shape[1], dtype=ext)
    if fit_intercept:  # x̄ subtracted explicitly: Σ w x (r - r̄) alone cancels badly
        xbar = sum(w[rows] @ X[rows].astype(ext) for rows in blocks) / w.sum()
        r -= (w @ r) / w.sum()
    g = np.zeros((X.shape[1], Y.shape[1]), dtype=ext)
    for rows in blocks:
        g += (X[rows].astype(ext) - xbar).T @ (w[rows, None] * r[rows])
    return g.astype(np.float64)


#: iterative-refinement steps of the precise least-squares solution
PRECISE_REFINEMENT_STEPS = 2


def from_precise(X, Y, sample_weight=None, fit_intercept: bool = True) -> Spectrum:
    """``precise`` representation for ill-conditioned designs and λ near 0.

    Least squares comes from the SVD of the column-scaled design
    :math:`A = \\tilde X S^{-1}`, S the powers of two nearest above the column norms
    (so the scaling itself rounds nothing), whose condition number can be many orders
    below that of :math:`\\tilde X`. The solution is refined twice,
    :math:`\\beta \\leftarrow \\beta + A^+ r`, with the residuals r of the original data
    accumulated in extended precision, then by one Newton step on the residual of the
    normal equations of X and the weights as given (:func:`_extended_normal_residual`:
    the residual steps alone stop at the solution for the rounded centred design); at a
    rank-deficient design it is the
    minimum-norm least-squares solution (projected onto the row space of
    :math:`\\tilde X`; the scaled solution alone is minimal in the scaled norm only).
    Singular values of A at or below ``max(n, p) * eps * a_max`` are dropped, and the
    same rank r is used for the unscaled SVD for λ > 0, derived exactly from it:
    :math:`\\tilde X = U (D V^T S)` and the SVD of the small r x p matrix :math:`DV^TS`.
    """
    Xt, Yt, mean_x, mean_y, sqrt_w, weight = centered_design(X, Y, sample_weight, fit_intercept)
    scale = _pow2_scale(np.sqrt(np.einsum("np,np->p", Xt, Xt)))
    Ua, da, Vta = np.linalg.svd(Xt / scale, full_matrices=False)
    keep = _rank_cut(da, max(Xt.shape))
    Ua, da, Vta = Ua[:, keep], da[keep], Vta[keep]

    def solve_scaled(R):
        return (Vta.T @ ((Ua.T @ R) / da[:, None])) / scale[:, None]

    ols = solve_scaled(Yt)
    if da.size:
        Xf = np.asarray(X, dtype=float)
        Yf = np.asarray(Y, dtype=float)
        for _ in range(PRECISE_REFINEMENT_STEPS):
            ols += solve_scaled(_extended_residuals(Xf, Yf, ols, sqrt_w, weight, fit_intercept))
        g = _extended_normal_residual(Xf, Yf, ols, sample_weight, fit_intercept)
        ols += (Vta.T @ ((Vta @ (g / scale[:, None])) / (da * da)[:, None])) / scale[:, None]

    U2, d, Vt = np.linalg.svd(da[:, None] * Vta * scale, full_matrices=False)
    keep2 = d > 0  # the r x p matrix has rank r: drop only exact zeros, same rank as above
    V = Vt[keep2].T
    if V.shape[1] < X.shape[1]:  # rank deficient: the minimum-norm least-squares solution
        ols = V @ (V.T @ ols)
    U = Ua @ U2[:, keep2]
    return _from_left(
        U, d[keep2], MatrixBasis(V), Yt, n_samples=X.shape[0], weight=weight,
        n_features=X.shape[1], mean_x=mean_x, mean_y=mean_y, fit_intercept=fit_intercept,
        representation="precise", sqrt_w=sqrt_w, ols_coef=ols.T,
    )


def __getattr__(name: str):
    """``DualKernel``, ``from_dual`` and ``KERNEL_OFFSET_RATIO_LIMIT`` live in
    :mod:`ridgekit.dual`, which builds on this module."""
    if name in ("DualKernel", "from_dual", "KERNEL_OFFSET_RATIO_LIMIT"):
        from ridgekit import dual

        return getattr(dual, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
