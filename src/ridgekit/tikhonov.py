"""General-form Tikhonov regularization reduced to one :class:`~ridgekit.spectrum.Spectrum`.

Per target, with sample weights :math:`w_i` and an unpenalized intercept :math:`\\beta_0`,

.. math::

    \\min_{\\beta_0,\\beta}\\; \\sum_i w_i (y_i - x_i^T\\beta - \\beta_0)^2
    + \\lambda\\,\\lVert \\Gamma(\\beta - \\beta_{prior})\\rVert_2^2,

with :math:`\\Gamma` any k x p matrix (dense or scipy.sparse), rank-deficient ones such as
the difference operators of :func:`difference_operator` included. Per-feature penalty
factors :math:`c_j \\ge 0` (glmnet's ``penalty.factor``, *not* rescaled to sum to p) scale
the columns: :math:`\\Gamma \\to \\Gamma\\,\\mathrm{diag}(\\sqrt{c})`; without Γ that is
:math:`\\lambda\\sum_j c_j(\\beta_j-\\beta_{prior,j})^2`, and :math:`c_j = 0` leaves
:math:`\\beta_j` unpenalized. The closed form on the weighted centered data
:math:`\\tilde X, \\tilde y` is :math:`(\\tilde X^T\\tilde X + \\lambda\\Gamma^T\\Gamma)\\beta
= \\tilde X^T\\tilde y + \\lambda\\Gamma^T\\Gamma\\beta_{prior}`.

**Reduction.** Write :math:`\\delta = \\beta - \\beta_{prior}` and
:math:`\\tilde y \\leftarrow \\tilde y - \\tilde X\\beta_{prior}`. Let N (p x q) be an
orthonormal basis of the null space of Γ (the unpenalized directions) and
:math:`A = \\tilde X N = Q_A R_A`. Like the intercept, the unpenalized part is fit by least
squares and projected out (Eldén's standard form):

.. math::

    \\bar X = (I - Q_AQ_A^T)\\,\\tilde X\\,\\Gamma^\\sharp, \\qquad
    \\bar y = (I - Q_AQ_A^T)\\,\\tilde y, \\qquad
    \\Gamma^\\sharp_A = (I - N R_A^{-1}Q_A^T\\tilde X)\\,\\Gamma^\\sharp,

with :math:`\\Gamma^\\sharp` any right inverse of (a full-row-rank reduction of) Γ. The
problem becomes plain ridge :math:`\\min_\\theta \\lVert\\bar y - \\bar X\\theta\\rVert^2 +
\\lambda\\lVert\\theta\\rVert^2` with :math:`\\delta = \\Gamma^\\sharp_A\\theta + N R_A^{-1}
Q_A^T\\tilde y`. With the SVD :math:`\\bar X = U D V^T` (d are the generalized singular
values of the pair :math:`(\\tilde X, \\Gamma)`) and :math:`W = \\Gamma^\\sharp_A V`
(:math:`W^T\\tilde X^T\\tilde X W = D^2`, :math:`W^T\\Gamma^T\\Gamma W = I`):

.. math::

    \\beta(\\lambda) = \\beta_{prior} + N R_A^{-1}Q_A^T\\tilde y
        + W\\,\\frac{d}{d^2+\\lambda}\\,U^T\\bar y, \\qquad
    \\operatorname{tr}H = \\sum_j \\frac{d_j^2}{d_j^2+\\lambda} + q + [\\text{intercept}],

.. math::

    h_{ii} = \\frac{w_i}{\\sum_k w_k} + \\lVert (Q_A)_{i\\cdot}\\rVert^2
        + \\sum_j U_{ij}^2 f_j, \\qquad
    \\lVert\\Gamma(\\beta-\\beta_{prior})\\rVert^2
        = \\sum_j \\frac{d_j^2 u_j^2}{(d_j^2+\\lambda)^2},

and RSS is the formula of :class:`~ridgekit.spectrum.Spectrum` unchanged. So the result is a
:class:`TikhonovSpectrum`, and every rule that asks a Spectrum questions works on it.

**Solvers.** ``gsvd`` solves the symmetric-definite pencil
:math:`(s\\,C^T\\Gamma^T\\Gamma C,\\; C^T\\bar G C + s\\,C^T\\Gamma^T\\Gamma C)` with
:math:`\\bar G = \\tilde X^T(I-Q_AQ_A^T)\\tilde X` on the orthogonal complement C of N
(one p x p Gram, a Cholesky factor and a tridiagonal reduction, Gram accuracy): the
coefficients at λ > 0 come from one tridiagonal solve each (Eldén's method), the
eigenvectors of the tridiagonal matrix only when a quantity needs U or
:math:`U^T\\bar y` (see :class:`_Pencil`); the other names
build the standard form :math:`\\bar X` and decompose it with that representation of
:mod:`ridgekit.decompose` (``svd``/``precise`` for ill-posed problems, ``dual`` for p > n).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from math import comb

import numpy as np
from scipy import linalg, sparse
from scipy.linalg import blas, lapack
from scipy.sparse import linalg as splinalg

from ridgekit._scipy_blas import gram_lower, matmul
from ridgekit._tridiagonal import Tridiagonal, tridiagonalize
from ridgekit.decompose import REPRESENTATIONS, build_spectrum
from ridgekit.spectrum import (
    GRAM_CONDITION_LIMIT,
    MatrixBasis,
    Spectrum,
    apply_to_stack,
    as_grid,
    centered_design,
)

__all__ = [
    "TIKHONOV_SOLVERS",
    "TikhonovSpectrum",
    "difference_operator",
    "first_difference",
    "second_difference",
    "tikhonov_spectrum",
]

_EPS = np.finfo(np.float64).eps
#: the parts of a pencil-route spectrum computed on first access: d from the eigenvalues
#: of T, the others from its eigenvectors (coefficients at λ > 0 need neither)
_DEFERRED = ("d", "uty", "rss0", "basis")
#: names accepted by :func:`tikhonov_spectrum` (``solver``)
TIKHONOV_SOLVERS = ("auto", "gsvd", *REPRESENTATIONS)


# ------------------------------------------------------------------ operators
def difference_operator(n_features: int, order: int = 1) -> sparse.csr_array:
    """Forward difference operator of the given order, shape (p - order, p), sparse.

    Row i holds :math:`(-1)^{order-m}\\binom{order}{m}` at column i + m, so
    :math:`(\\Gamma\\beta)_i = \\Delta^{order}\\beta_i`; the null space is the polynomials of
    degree < order (constants for order 1, straight lines for order 2).
    """
    if not isinstance(order, (int, np.integer)) or order < 0:
        raise ValueError(f"order must be a non-negative integer, got {order!r}")
    if not isinstance(n_features, (int, np.integer)) or n_features <= order:
        raise ValueError(
            f"n_features must be an integer > order={order}, got {n_features!r}"
        )
    k = n_features - order
    coefs = [(-1) ** (order - m) * comb(order, m) for m in range(order + 1)]
    diags = [np.full(k, float(c)) for c in coefs]
    return sparse.csr_array(sparse.diags(diags, list(range(order + 1)), shape=(k, n_features)))


def first_difference(n_features: int) -> sparse.csr_array:
    """:math:`(\\Gamma\\beta)_i = \\beta_{i+1} - \\beta_i`, shape (p - 1, p)."""
    return difference_operator(n_features, 1)


def second_difference(n_features: int) -> sparse.csr_array:
    """:math:`(\\Gamma\\beta)_i = \\beta_i - 2\\beta_{i+1} + \\beta_{i+2}`, shape (p - 2, p)."""
    return difference_operator(n_features, 2)


# ------------------------------------------------------------------ the penalty
@dataclass
class _Penalty:
    """A full-row-rank reduction L of Γ (‖Lδ‖ = ‖Γδ‖), its null space and right inverse.

    ``right_inverse(Z)`` maps (k', m) -> (p, m) with L·right_inverse(Z) = Z;
    ``rows_times_right_inverse(Y)`` maps (m, p) -> (m, k'), i.e. Y L♯.
    """

    null: np.ndarray
    rank: int
    right_inverse: Callable[[np.ndarray], np.ndarray]
    rows_times_right_inverse: Callable[[np.ndarray], np.ndarray]
    gram: Callable[[], np.ndarray]
    diagonal: bool


def _diagonal_penalty(g: np.ndarray) -> _Penalty:
    on = g > 0
    gp = g[on]

    def right_inverse(Z):
        out = np.zeros((g.size,) + Z.shape[1:])
        out[on] = Z / gp.reshape((-1,) + (1,) * (Z.ndim - 1))
        return out

    return _Penalty(
        null=np.eye(g.size)[:, ~on], rank=int(on.sum()), right_inverse=right_inverse,
        rows_times_right_inverse=lambda Y: Y[:, on] / gp,
        gram=lambda: np.diag(g * g), diagonal=True,
    )


def _dense_penalty(gamma: np.ndarray) -> _Penalty:
    """Rank-revealing SVD Γ = U S Vᵀ: L = S V₁ᵀ, L♯ = V₁ S⁻¹, null space V₂."""
    p = gamma.shape[1]
    if gamma.shape[0] == 0:
        s, Vt = np.zeros(0), np.eye(p)
    else:
        _, s, Vt = linalg.svd(gamma, full_matrices=True, check_finite=False)
    k = int(np.sum(s > s[0] * max(gamma.shape) * _EPS)) if s.size and s[0] > 0 else 0
    V1, s1 = Vt[:k].T, s[:k]
    return _Penalty(
        null=Vt[k:].T, rank=k, right_inverse=lambda Z: V1 @ (Z / s1[:, None]),
        rows_times_right_inverse=lambda Y: (Y @ V1) / s1,
        gram=lambda: (V1 * s1**2) @ V1.T, diagonal=False,
    )


def _sparse_penalty(gamma) -> _Penalty | None:
    """Γ = [L₁ L₂] with a nonsingular sparse leading k x k block (difference operators):
    L♯ = [L₁⁻¹; 0], null space spanned by [-L₁⁻¹L₂; I]. None when that block does not
    qualify (the caller falls back to the dense SVD)."""
    k, p = gamma.shape
    if k == 0 or k > p:
        return None
    gamma = sparse.csc_array(gamma)
    lead = gamma[:, :k]
    try:
        lu = splinalg.splu(sparse.csc_matrix(lead))
    except RuntimeError:  # exactly singular
        return None
    inv = splinalg.LinearOperator(
        (k, k), matvec=lu.solve, rmatvec=lambda v: lu.solve(v, trans="T"), dtype=float
    )
    rcond = 1.0 / (splinalg.onenormest(inv) * splinalg.norm(lead, 1))
    if not np.isfinite(rcond) or rcond < 1e3 * _EPS:  # numerically singular block
        return None
    tail = gamma[:, k:].toarray()
    null = np.vstack([-lu.solve(tail) if p > k else np.zeros((k, 0)), np.eye(p - k)])
    null = linalg.qr(null, mode="economic")[0] if p > k else null

    def right_inverse(Z):
        return np.vstack([lu.solve(np.asfortranarray(Z)), np.zeros((p - k,) + Z.shape[1:])])

    def rows_times_right_inverse(Y):
        return lu.solve(np.asfortranarray(Y[:, :k].T), trans="T").T

    return _Penalty(
        null=null, rank=k, right_inverse=right_inverse,
        rows_times_right_inverse=rows_times_right_inverse,
        gram=lambda: (gamma.T @ gamma).toarray(), diagonal=False,
    )


def _check_gamma(gamma, n_features: int):
    if gamma is None:
        return None
    if sparse.issparse(gamma):
        g = sparse.csr_array(gamma, dtype=float)
        values = g.data
    else:
        try:
            g = np.asarray(gamma, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"gamma must be a numeric matrix, got {type(gamma).__name__}") from exc
        values = g
    if g.ndim != 2:
        raise ValueError(f"gamma must be a 2-D k x p matrix, got shape {g.shape}")
    if g.shape[1] != n_features:
        raise ValueError(
            f"gamma has {g.shape[1]} columns but X has {n_features} features; "
            "Γ must have shape (k, n_features)"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("gamma contains NaN or infinite values")
    return g


def _check_penalty_factor(factor, n_features: int):
    if factor is None:
        return None
    c = np.asarray(factor, dtype=float)
    if c.ndim == 0:
        c = np.full(n_features, float(c))
    if c.shape != (n_features,):
        raise ValueError(
            f"penalty_factor has shape {c.shape}; expected ({n_features},), one per feature"
        )
    if not np.all(np.isfinite(c)):
        raise ValueError("penalty_factor must be finite (use 0 to leave a feature unpenalized)")
    if np.any(c < 0):
        bad = np.flatnonzero(c < 0)[:10].tolist()
        raise ValueError(
            f"penalty_factor must be >= 0 (0 = unpenalized); negative at feature(s) {bad}"
        )
    return c


def _is_diagonal(g) -> bool:
    if g.shape[0] != g.shape[1]:
        return False
    if sparse.issparse(g):
        coo = g.tocoo()
        return bool(np.all((coo.row == coo.col) | (coo.data == 0)))
    return not np.any(g - np.diag(np.diagonal(g)))


def _build_penalty(gamma, penalty_factor, n_features: int) -> _Penalty:
    g = _check_gamma(gamma, n_features)
    c = _check_penalty_factor(penalty_factor, n_features)
    root = None if c is None else np.sqrt(c)
    if g is None:
        return _diagonal_penalty(np.ones(n_features) if root is None else root)
    if root is not None:
        g = sparse.csr_array(g @ sparse.diags(root)) if sparse.issparse(g) else g * root
    if _is_diagonal(g):
        diag = g.diagonal() if sparse.issparse(g) else np.diagonal(g)
        return _diagonal_penalty(np.abs(np.asarray(diag, dtype=float)))
    if sparse.issparse(g):
        pen = _sparse_penalty(g)
        if pen is not None:
            return pen
        g = g.toarray()
    return _dense_penalty(g)


# ------------------------------------------------------------------ the result
@dataclass
class _UnpenalizedCorrection:
    """:math:`W \\mapsto W - N\\,(\\tilde XN)^+\\tilde X\\,W`: makes the penalized directions
    orthogonal, in the data, to the unpenalized ones fit by least squares."""

    null: np.ndarray  # N, (p, q)
    coupling: np.ndarray  # (X̃N)⁺X̃, (q, p)

    def __call__(self, W: np.ndarray) -> np.ndarray:
        return W - self.null @ (self.coupling @ W) if self.null.shape[1] else W


@dataclass
class TikhonovSpectrum(Spectrum):
    """The spectrum of a general-form Tikhonov problem (see the module docstring).

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


# ------------------------------------------------------------------ builders
def _check_prior(prior, n_features: int, n_targets: int) -> np.ndarray:
    if prior is None:
        return np.zeros((n_targets, n_features))
    b = np.asarray(prior, dtype=float)
    if b.ndim == 1:
        b = b[None, :]
    if b.ndim != 2 or b.shape[1] != n_features or b.shape[0] not in (1, n_targets):
        raise ValueError(
            f"coef_prior has shape {np.shape(prior)}; expected ({n_features},) or "
            f"({n_targets}, {n_features})"
        )
    if not np.all(np.isfinite(b)):
        raise ValueError("coef_prior contains NaN or infinite values")
    return np.broadcast_to(b, (n_targets, n_features)).copy()


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


def tikhonov_spectrum(
    X: np.ndarray,
    Y: np.ndarray,
    gamma=None,
    *,
    penalty_factor=None,
    coef_prior=None,
    sample_weight: np.ndarray | None = None,
    fit_intercept: bool = True,
    solver: str = "auto",
    alpha_min: float = 0.0,
) -> TikhonovSpectrum:
    """Decompose a general-form Tikhonov problem once; ask any λ afterwards.

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Dense design (validated by the caller).
    Y : ndarray of shape (n,) or (n, t)
    gamma : array-like or sparse matrix of shape (k, p), optional
        Penalty operator Γ; None means the identity. See :func:`difference_operator`.
    penalty_factor : array-like of shape (p,), optional
        :math:`c_j \\ge 0`; Γ becomes :math:`\\Gamma\\,\\mathrm{diag}(\\sqrt c)`.
    coef_prior : array-like of shape (p,) or (t, p), optional
        :math:`\\beta_{prior}`, the coefficients shrunk toward.
    sample_weight : ndarray of shape (n,), optional
    fit_intercept : bool
    solver : {"auto", "gsvd", "gram", "svd", "dual", "precise"}
        ``auto``: diagonal Γ -> standard form (a column scaling) decomposed by
        :func:`ridgekit.decompose.build_spectrum`'s own ``auto`` rule; otherwise ``gsvd``
        when p <= n and its estimated error
        :math:`\\epsilon\\,\\kappa(B)\\max(1, s/\\lambda_{min})` is below
        1/:data:`~ridgekit.spectrum.GRAM_CONDITION_LIMIT`, else the standard form (``svd``
        when k > n, else ``build_spectrum``'s rule: ``gram`` or, ill-conditioned,
        ``precise``). The standard form's singular values carry an absolute error of about
        eps·d_max; with a smoothing Γ and p >> n, d_max is large (e.g. relative
        coefficient errors ~1e-8 at n = 500, p = 5000, second difference).
    alpha_min : float
        Smallest λ that will be asked (decides the route, as in ``build_spectrum``).

    Returns
    -------
    TikhonovSpectrum

    Raises
    ------
    ValueError
        Γ with the wrong number of columns, negative penalty factors, or an unpenalized
        direction that X does not determine (:math:`X^TX + \\lambda\\Gamma^T\\Gamma` singular).
    """
    if solver not in TIKHONOV_SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {list(TIKHONOV_SOLVERS)}")
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    n, p = X.shape
    pen = _build_penalty(gamma, penalty_factor, p)
    prior = _check_prior(coef_prior, p, Y.shape[1])
    Xt, Yt, mean_x, mean_y, sqrt_w, weight = centered_design(X, Y, sample_weight, fit_intercept)
    if np.any(prior):
        Yt = Yt - matmul(Xt, prior.T)
    Q_A, K = _unpenalized_fit(Xt, pen.null, pen.diagonal, p)
    coupling = K @ matmul(Q_A.T, Xt)  # (X̃N)⁺ X̃, shape (q, p)
    null_uty = Q_A.T @ Yt
    Yc = Yt - Q_A @ null_uty
    offset = prior + (pen.null @ (K @ null_uty)).T

    unpenalized_correction = _UnpenalizedCorrection(pen.null, coupling)

    common = dict(
        n_samples=n, weight=weight, n_features=p, mean_x=mean_x, mean_y=mean_y,
        fit_intercept=fit_intercept, sqrt_w=sqrt_w, offset=offset, null_basis=pen.null,
        null_left=Q_A, null_uty=null_uty, penalized_dim=pen.rank, data=X, targets=Yc,
    )
    if pen.rank == 0:  # nothing penalized: least squares on the unpenalized directions
        return TikhonovSpectrum(
            d=np.zeros(0), uty=np.zeros((0, Y.shape[1])),
            rss0=np.einsum("nt,nt->t", Yc, Yc), basis=MatrixBasis(np.zeros((p, 0))),
            representation="none", method="standard", U=np.zeros((n, 0)), resid0=Yc, **common,
        )
    if solver == "gsvd" or (solver == "auto" and not pen.diagonal and p <= n):
        pencil = _pencil(Xt, Q_A, Yc, pen, alpha_min, solver == "auto", unpenalized_correction)
        if pencil is not None:
            return TikhonovSpectrum(
                d=None, uty=None, rss0=None, basis=None, pencil=pencil,
                representation="gsvd", method="gsvd", **common,
            )
        # the pencil is not positive definite to working precision (e.g. the unpenalized
        # directions already explain the data): the standard form is exact there
        solver = "auto"
    Xbar = pen.rows_times_right_inverse(Xt)
    if pen.null.shape[1]:
        Xbar = Xbar - Q_A @ (Q_A.T @ Xbar)
    if solver == "auto" and not pen.diagonal and pen.rank > n:
        # wide X̄ with the wide range of generalized singular values of a smoothing Γ:
        # the SVD keeps eps·d_max absolute accuracy where the dual kernel would square it
        solver = "svd"
    inner = build_spectrum(Xbar, Yc, None, False, solver, alpha_min=alpha_min)
    V = inner.V  # right singular vectors of X̄, any representation
    W = unpenalized_correction(pen.right_inverse(V))
    ols = None
    if inner.ols_coef is not None:
        ols = unpenalized_correction(pen.right_inverse(inner.ols_coef.T)).T
    return TikhonovSpectrum(
        d=inner.d, uty=inner.uty, rss0=inner.rss0, basis=MatrixBasis(W),
        representation=inner.representation, U=inner.U, resid0=inner.resid0, ols_coef=ols,
        method="standard",
        **common,
    )
