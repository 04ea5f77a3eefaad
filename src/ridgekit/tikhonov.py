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
(one p x p Gram and one generalized eigen-decomposition, Gram accuracy); the other names
build the standard form :math:`\\bar X` and decompose it with that representation of
:mod:`ridgekit.decompose` (``svd``/``precise`` for ill-posed problems, ``dual`` for p > n).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import comb

import numpy as np
from scipy import linalg, sparse
from scipy.linalg import lapack
from scipy.sparse import linalg as splinalg

from ridgekit.decompose import REPRESENTATIONS, build_spectrum
from ridgekit.spectrum import GRAM_CONDITION_LIMIT, Spectrum, centered_design

__all__ = [
    "TIKHONOV_SOLVERS",
    "TikhonovSpectrum",
    "difference_operator",
    "first_difference",
    "second_difference",
    "tikhonov_spectrum",
]

_EPS = np.finfo(np.float64).eps
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
class _MappedBasis:
    """Coefficients ``delta = W @ coords`` for a (non-orthonormal) generalized basis W."""

    W: np.ndarray

    def to_coef(self, coords: np.ndarray) -> np.ndarray:
        return np.einsum("pr,...rt->...pt", self.W, coords, optimize=True)

    @property
    def V(self) -> np.ndarray:
        return self.W


@dataclass
class TikhonovSpectrum(Spectrum):
    """The spectrum of a general-form Tikhonov problem (see the module docstring).

    ``d``, ``uty`` and ``rss0`` are those of the standard-form problem
    :math:`(\\bar X, \\bar y)`: d are the generalized singular values of
    :math:`(\\tilde X, \\Gamma)` on the penalized, identifiable directions. ``V`` is the
    generalized basis W (not orthonormal). ``coef_norm`` is the penalized norm
    :math:`\\lVert\\Gamma(\\beta-\\beta_{prior})\\rVert`; ``df`` and ``leverage`` count the q
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
    """

    offset: np.ndarray | None = None
    null_basis: np.ndarray | None = None
    null_left: np.ndarray | None = None
    null_uty: np.ndarray | None = None
    penalized_dim: int = 0
    method: str = "standard"
    data: np.ndarray | None = field(default=None, repr=False)
    targets: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_unpenalized(self) -> int:
        """q, the number of unpenalized directions (dimension of the null space of Γ)."""
        return self.null_basis.shape[1]

    def df(self, alphas) -> np.ndarray:
        """:math:`\\sum_j f_j + q + [\\text{intercept}]`, shape (L,)."""
        return super().df(alphas) + float(self.n_unpenalized)

    def coef(self, alpha) -> np.ndarray:
        """Coefficients at one λ (scalar or one per target), shape (t, p)."""
        return super().coef(alpha) + self.offset

    def coef_path(self, alphas) -> np.ndarray:
        """Coefficients for every λ of a grid, shape (L, t, p)."""
        return super().coef_path(alphas) + self.offset[None]

    def condition_number(self, alphas) -> np.ndarray:
        """:math:`(\\mu_{max}+\\lambda)/(\\mu_{min}+\\lambda)` of the standard form
        :math:`\\bar X^T\\bar X + \\lambda I` (the condition number of
        :math:`\\tilde X^T\\tilde X + \\lambda\\Gamma^T\\Gamma` on the penalized directions,
        measured in the metric of Γ), shape (L,)."""
        a = np.atleast_1d(np.asarray(alphas, dtype=float))
        mu_min = self.mu[-1] if self.rank and self.rank == self.penalized_dim else 0.0
        mu_max = self.mu[0] if self.rank else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return (mu_max + a) / (mu_min + a)

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
    A = Xt @ null
    Ua, sa, Vta = linalg.svd(A, full_matrices=False, check_finite=False)
    scale = max(np.linalg.norm(Xt), np.finfo(float).tiny)
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


def _complement_ops(null: np.ndarray):
    """Householder QR of N: restrict(S) = Cᵀ S C and extend(Z) = C Z for the orthogonal
    complement C of span(N), at O(p² q) cost."""
    p, q = null.shape
    if q == 0:
        return (lambda S: S), (lambda Z: Z)
    (qr, tau), _ = linalg.qr(null, mode="raw")
    qr = np.asfortranarray(qr)

    def apply(side, trans, C):
        lwork = 64 * max(C.shape) + 64
        out, _, info = lapack.dormqr(side, trans, qr, tau, np.asfortranarray(C), lwork)
        if info != 0:  # pragma: no cover
            raise RuntimeError(f"dormqr failed (info={info})")
        return out

    def restrict(S):
        return apply("R", "N", apply("L", "T", S))[q:, q:]

    def extend(Z):
        return apply("L", "N", np.vstack([np.zeros((q, Z.shape[1])), Z]))

    return restrict, extend


def _gsvd_parts(Xc, Yc, pen: _Penalty, alpha_min: float, gate: bool):
    """Pencil route on the complement of the null space: returns (d, uty, rss0, W) or None
    when ``gate`` and the estimated relative error exceeds 1/GRAM_CONDITION_LIMIT."""
    p = Xc.shape[1]
    restrict, extend = _complement_ops(pen.null)
    G = restrict(Xc.T @ Xc)
    P = restrict(pen.gram())
    G = (G + G.T) / 2
    P = (P + P.T) / 2
    s = np.trace(G) / np.trace(P) if np.trace(P) > 0 else 1.0
    s = s if np.isfinite(s) and s > 0 else 1.0
    B = G + s * P
    try:
        R = linalg.cholesky(B, check_finite=False)
    except linalg.LinAlgError:
        if gate:
            return None
        raise ValueError(
            "solver='gsvd': the pencil X^T X + s Γ^T Γ is not positive definite to working "
            "precision; use solver='precise' (standard form)"
        ) from None
    if gate:
        rcond, _ = lapack.dpocon(R, np.abs(B).sum(axis=0).max())
        ratio = np.inf if alpha_min <= 0 else max(1.0, s / alpha_min)
        if rcond <= 0 or ratio / rcond > GRAM_CONDITION_LIMIT:
            return None
    theta, Z = linalg.eigh(s * P, B, driver="gvd", check_finite=False)
    mu = 1.0 - theta
    keep = mu > mu.max(initial=0.0) * max(p, 1) * _EPS * 10
    mu, theta, Z = mu[keep], theta[keep], Z[:, keep]
    nu = np.maximum(theta, _EPS**2) / s
    W = extend(Z) / np.sqrt(nu)
    z = W.T @ (Xc.T @ Yc)  # = diag(√(μ/ν)) · uty
    d = np.sqrt(mu / nu)
    uty = z / d[:, None]
    rss0 = np.clip(np.einsum("nt,nt->t", Yc, Yc) - np.einsum("rt,rt->t", uty, uty), 0.0, None)
    return d, uty, rss0, W


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
    Yt = Yt - Xt @ prior.T
    Q_A, K = _unpenalized_fit(Xt, pen.null, pen.diagonal, p)
    coupling = K @ (Q_A.T @ Xt)  # (X̃N)⁺ X̃, shape (q, p)
    null_uty = Q_A.T @ Yt
    Yc = Yt - Q_A @ null_uty
    offset = prior + (pen.null @ (K @ null_uty)).T

    def unpenalized_correction(W):
        return W - pen.null @ (coupling @ W) if pen.null.shape[1] else W

    common = dict(
        n_samples=n, weight=weight, n_features=p, mean_x=mean_x, mean_y=mean_y,
        fit_intercept=fit_intercept, sqrt_w=sqrt_w, offset=offset, null_basis=pen.null,
        null_left=Q_A, null_uty=null_uty, penalized_dim=pen.rank, data=X, targets=Yc,
    )
    if pen.rank == 0:  # nothing penalized: least squares on the unpenalized directions
        return TikhonovSpectrum(
            d=np.zeros(0), uty=np.zeros((0, Y.shape[1])),
            rss0=np.einsum("nt,nt->t", Yc, Yc), basis=_MappedBasis(np.zeros((p, 0))),
            representation="none", method="standard", U=np.zeros((n, 0)), resid0=Yc, **common,
        )
    if solver == "gsvd" or (solver == "auto" and not pen.diagonal and p <= n):
        Xc = Xt - Q_A @ (Q_A.T @ Xt) if pen.null.shape[1] else Xt
        parts = _gsvd_parts(Xc, Yc, pen, alpha_min, gate=solver == "auto")
        if parts is not None:
            d, uty, rss0, W = parts
            return TikhonovSpectrum(
                d=d, uty=uty, rss0=rss0, basis=_MappedBasis(unpenalized_correction(W)),
                representation="gsvd", method="gsvd", **common,
            )
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
        d=inner.d, uty=inner.uty, rss0=inner.rss0, basis=_MappedBasis(W),
        representation=inner.representation, U=inner.U, resid0=inner.resid0, ols_coef=ols,
        method="standard",
        **common,
    )
