"""Ridge on scipy.sparse designs without densifying: LSQR on an implicitly centered
operator.

With :math:`\\tilde X = W^{1/2}(X - 1\\bar x^T)` applied as a linear operator,

.. math::

    \\tilde X v = W^{1/2}(Xv - (\\bar x^T v)\\,1), \\qquad
    \\tilde X^T u = X^T W^{1/2} u - \\bar x\\,(1^T W^{1/2} u),

so sparsity is kept. LSQR (Paige & Saunders 1982) with damping
:math:`\\sqrt\\lambda` minimizes :math:`\\lVert\\tilde y - \\tilde X\\beta\\rVert^2 +
\\lambda\\lVert\\beta\\rVert^2` without forming :math:`X^TX`.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator, lsqr

__all__ = ["centered_operator", "ridge_lsqr", "ridge_sparse_dual"]


def centered_operator(X, mean_x: np.ndarray, sqrt_w: np.ndarray) -> LinearOperator:
    """The weighted, centered design :math:`W^{1/2}(X - 1\\bar x^T)` as an operator."""
    n, p = X.shape

    def matvec(v):
        v = np.ravel(v)
        return sqrt_w * (X @ v - mean_x @ v)

    def rmatvec(u):
        u = sqrt_w * np.ravel(u)
        return X.T @ u - mean_x * u.sum()

    return LinearOperator((n, p), matvec=matvec, rmatvec=rmatvec, dtype=np.float64)


def _weighted_means(X, Y: np.ndarray, sample_weight, fit_intercept: bool):
    """Weights (ones when None) and the weighted means :math:`\\bar x = X^Tw / 1^Tw`,
    :math:`\\bar y` (zeros without an intercept), by one sparse product with X."""
    n, p = X.shape
    w = np.ones(n) if sample_weight is None else sample_weight
    weight = w.sum()
    mean_x = np.asarray(X.T @ w).ravel() / weight if fit_intercept else np.zeros(p)
    mean_y = (w @ Y) / weight if fit_intercept else np.zeros(Y.shape[1])
    return w, mean_x, mean_y


def ridge_lsqr(
    X,
    Y: np.ndarray,
    alpha: np.ndarray,
    sample_weight: np.ndarray | None = None,
    fit_intercept: bool = True,
    tol: float = 1e-12,
    max_iter: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve ridge for each target of a sparse (or dense) X by damped LSQR.

    Parameters
    ----------
    X : sparse matrix of shape (n, p)
    Y : ndarray of shape (n, t)
    alpha : ndarray of shape (t,)
        Penalty per target.
    sample_weight : ndarray of shape (n,), optional
    fit_intercept : bool
    tol : float
        LSQR's ``atol`` and ``btol``.
    max_iter : int, optional

    Returns
    -------
    coef : ndarray of shape (t, p)
    intercept : ndarray of shape (t,)
    n_iter : ndarray of shape (t,)
    """
    n, p = X.shape
    w, mean_x, mean_y = _weighted_means(X, Y, sample_weight, fit_intercept)
    sqrt_w = np.sqrt(w)
    op = centered_operator(X, mean_x, sqrt_w)
    Yt = (Y - mean_y) * sqrt_w[:, None]
    coef = np.empty((Y.shape[1], p))
    n_iter = np.empty(Y.shape[1], dtype=int)
    for j in range(Y.shape[1]):
        result = lsqr(op, Yt[:, j], damp=np.sqrt(alpha[j]), atol=tol, btol=tol,
                      conlim=1e20, iter_lim=max_iter)
        coef[j], n_iter[j] = result[0], result[2]
    return coef, mean_y - coef @ mean_x, n_iter


def ridge_sparse_dual(X, Y: np.ndarray, alpha: np.ndarray,
                      sample_weight: np.ndarray | None = None,
                      fit_intercept: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Ridge through the n x n kernel of a scipy.sparse X, centered algebraically.

    .. math::

        \\tilde K = S\\,(XX^T - v1^T - 1v^T + (\\bar x^T\\bar x)\\,11^T)\\,S, \\quad
        v = X\\bar x, \\quad S = W^{1/2},

    then :math:`a = (\\tilde K + \\alpha I)^{-1}\\tilde y` (Cholesky; the minimum-norm
    least-squares solution via the pseudo-inverse at α = 0) and
    :math:`\\beta = \\tilde X^T a = X^T S a - \\bar x\\,(1^T S a)`. The sparse product
    :math:`XX^T` is the only contact with X; worthwhile when n is small beside p.
    """
    n, p = X.shape
    w, mean_x, mean_y = _weighted_means(X, Y, sample_weight, fit_intercept)
    s = np.sqrt(w)
    K = np.asarray((X @ X.T).todense(), dtype=np.float64)
    v = np.asarray(X @ mean_x).ravel()
    K -= v[:, None] + v[None, :] - float(mean_x @ mean_x)
    K *= s[:, None] * s[None, :]
    Yt = (Y - mean_y) * s[:, None]
    coef = np.empty((Y.shape[1], p))
    for a in np.unique(alpha):
        cols = np.flatnonzero(alpha == a)
        if a > 0:
            dual = np.linalg.solve(K + a * np.eye(n), Yt[:, cols])
        else:
            dual = np.linalg.lstsq(K, Yt[:, cols], rcond=None)[0]
        sd = dual * s[:, None]
        coef[cols] = (np.asarray(X.T @ sd) - np.outer(mean_x, sd.sum(axis=0))).T
    return coef, mean_y - coef @ mean_x
