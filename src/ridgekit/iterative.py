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

__all__ = ["centered_operator", "ridge_lsqr"]


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
    w = np.ones(n) if sample_weight is None else sample_weight
    weight = w.sum()
    mean_x = np.asarray(X.T @ w).ravel() / weight if fit_intercept else np.zeros(p)
    mean_y = (w @ Y) / weight if fit_intercept else np.zeros(Y.shape[1])
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
