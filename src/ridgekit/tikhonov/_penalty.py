r"""The penalty: Γ and the penalty factors reduced to a full-row-rank L with
:math:`\lVert L\delta\rVert = \lVert\Gamma\delta\rVert`, its null space N (the
unpenalized directions) and a right inverse :math:`L^\sharp`; the checks of Γ, the
penalty factors and the prior mean :math:`\beta_{prior}`.

Three representations: diagonal Γ (a column scaling), sparse Γ with a nonsingular leading
block (difference operators, :math:`L^\sharp` by a sparse LU) and any other Γ (its
rank-revealing SVD).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import linalg, sparse
from scipy.sparse import linalg as splinalg

_EPS = np.finfo(np.float64).eps


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
