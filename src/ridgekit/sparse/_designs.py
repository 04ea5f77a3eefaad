"""Three ways to hold the data of one least-squares loss for coordinate descent.

Every design answers the same questions in the normalized scale of scikit-learn's
objective (loss :math:`\\frac{1}{2s}\\sum_i w_i r_i^2`, :math:`s = \\sum_i w_i`, data
centered when there is an intercept):

- ``cd(beta, ws, l1, l2, lo, hi, max_epochs, tol)``: epochs over a working set;
- ``gradient(beta)``: :math:`g = \\tilde X^T W r / s` for all features;
- ``rr(beta, g)``: :math:`\\lVert r\\rVert_W^2 / s`;
- ``gram_columns(idx)``: :math:`\\tilde X^T W \\tilde X_{:,idx} / s`;
- ``H`` (the Gram's diagonal) and ``yy`` (:math:`\\lVert\\tilde y\\rVert_W^2/s`).

:class:`GramDesign` needs only moments (one pass over the data, the moments ridge uses);
:class:`DenseDesign` and :class:`SparseDesign` keep the rows (p > n, scipy.sparse).
"""

from __future__ import annotations

import numpy as np

from ridgekit.sparse._jit import kernels

__all__ = ["GramDesign", "DenseDesign", "SparseDesign", "design_from_moments"]


class GramDesign:
    """Covariance updates: :math:`G = C_{xx}/s`, :math:`c = C_{xy}/s`, :math:`y^Ty = C_{yy}/s`.

    :math:`g = c - G\\beta` and :math:`\\lVert r\\rVert^2/s = y^Ty - c^T\\beta - \\beta^Tg`.
    """

    def __init__(self, G: np.ndarray, c: np.ndarray, yy: float):
        self.G = np.ascontiguousarray(G, dtype=np.float64)
        self.c = np.ascontiguousarray(c, dtype=np.float64)
        self.yy = float(yy)
        self.H = np.ascontiguousarray(np.diag(self.G))
        self.n_features = self.G.shape[0]

    def reset(self, beta: np.ndarray) -> None:
        pass  # no state: the kernel rebuilds G beta over the working set

    def cd(self, beta, ws, l1, l2, lo, hi, max_epochs, tol) -> int:
        return kernels().gram_epochs(self.G, self.c, beta, ws, l1, l2, lo, hi,
                                     int(max_epochs), float(tol))

    def gradient(self, beta: np.ndarray) -> np.ndarray:
        nz = np.flatnonzero(beta)
        if nz.size == 0:
            return self.c.copy()
        if nz.size * 8 < self.n_features:
            return self.c - beta[nz] @ self.G[nz]  # G symmetric: rows = columns
        return self.c - self.G @ beta

    def rr(self, beta: np.ndarray, g: np.ndarray) -> float:
        return self.yy - float(np.einsum("i,i->", self.c + g, beta))

    def gram_columns(self, idx: np.ndarray) -> np.ndarray:
        return self.G[:, idx]


def design_from_moments(moments, target: int = 0) -> GramDesign:
    """The Gram design of one target from :class:`ridgekit.moments.Moments` (centered
    for an intercept; call ``moments.uncentered()`` first for a model without one)."""
    s = moments.weight
    return GramDesign(moments.cxx / s, moments.cxy[:, target] / s, moments.cyy[target] / s)


class _RowDesign:
    """Shared state of the residual designs: weights, means, curvature, the residual."""

    def _setup(self, w, xbar, sq_sum, n):
        self.has_w = w is not None
        self.w = np.ones(n) if w is None else np.ascontiguousarray(w, dtype=np.float64)
        self.s = float(self.w.sum())
        self.xbar = np.ascontiguousarray(xbar, dtype=np.float64)
        self.H = np.maximum(sq_sum / self.s - self.xbar**2, 0.0)
        self.n_features = self.xbar.shape[0]
        self.m = np.zeros(1)
        self._columns: dict[int, np.ndarray] = {}

    def set_target(self, y: np.ndarray) -> _RowDesign:
        """Use target ``y`` (n,): the X-side state is shared by all targets."""
        y = np.asarray(y, dtype=np.float64)
        self.mean_y = float(self.w @ y) / self.s if self.fit_intercept else 0.0
        self.yc = y - self.mean_y
        self.yy = float(self.w @ self.yc**2) / self.s
        self.r = self.yc.copy()
        self.m = np.zeros(1)
        return self

    def reset(self, beta: np.ndarray) -> None:
        self.r = self.yc - self._matvec(beta)
        self.m = np.array([float(self.xbar @ beta)])

    def gradient(self, beta: np.ndarray) -> np.ndarray:
        wr = self.w * self.r if self.has_w else self.r
        return self._rmatvec(wr) / self.s + self.xbar * self.m[0]

    def rr(self, beta: np.ndarray, g: np.ndarray) -> float:
        # einsum, not BLAS dot: a 1-D dot wakes BLAS threads, slow on a busy machine
        wr2 = float(np.einsum("i,i,i->", self.w, self.r, self.r)) if self.has_w else \
            float(np.einsum("i,i->", self.r, self.r))
        return wr2 / self.s - self.m[0] ** 2

    def gram_columns(self, idx: np.ndarray) -> np.ndarray:
        missing = [int(j) for j in idx if int(j) not in self._columns]
        if missing:
            block = self._column_block(np.asarray(missing))  # (n, k) dense
            cross = self._rmatvec(self.w[:, None] * block) / self.s \
                - np.outer(self.xbar, self.xbar[missing])
            for a, j in enumerate(missing):
                self._columns[j] = cross[:, a]
        return np.column_stack([self._columns[int(j)] for j in idx]) if len(idx) else \
            np.zeros((self.n_features, 0))


class DenseDesign(_RowDesign):
    """Residual updates on a dense X, copied once into Fortran order and centered there
    (so no offset term is needed and the residual keeps full accuracy)."""

    def __init__(self, X, w=None, fit_intercept: bool = True):
        X = np.asarray(X, dtype=np.float64)
        self.fit_intercept = fit_intercept
        if fit_intercept:
            self.mean_x = (X.T @ w / w.sum()) if w is not None else X.mean(axis=0)
            self.X = np.asfortranarray(X - self.mean_x)
        else:
            self.mean_x = np.zeros(X.shape[1])
            self.X = np.asfortranarray(X)
        sq = (w @ self.X**2) if w is not None else np.einsum("ij,ij->j", self.X, self.X)
        self._setup(w, np.zeros(X.shape[1]), sq, X.shape[0])

    def _matvec(self, beta):
        return self.X @ beta

    def _rmatvec(self, v):
        return self.X.T @ v

    def _column_block(self, idx):
        return self.X[:, idx]

    def gradient_ws(self, ws: np.ndarray) -> np.ndarray:
        out = np.empty(ws.size)
        kernels().dense_gradient_ws(self.X, self.w, self.has_w, self.xbar, self.r, self.m,
                                    self.s, ws, out)
        return out

    def cd(self, beta, ws, l1, l2, lo, hi, max_epochs, tol) -> int:
        return kernels().dense_epochs(self.X, self.w, self.has_w, self.xbar, self.H, self.r,
                                      self.m, self.s, beta, ws, l1, l2, lo, hi,
                                      int(max_epochs), float(tol))


class SparseDesign(_RowDesign):
    """Residual updates on a CSC matrix; centering stays implicit (never densified)."""

    def __init__(self, X, w=None, fit_intercept: bool = True):
        X = X.tocsc().astype(np.float64, copy=False)
        X.sort_indices()
        self.X = X
        self.fit_intercept = fit_intercept
        s = float(w.sum()) if w is not None else float(X.shape[0])
        if fit_intercept:
            xbar = np.asarray(X.T @ w).ravel() / s if w is not None else \
                np.asarray(X.mean(axis=0)).ravel()
        else:
            xbar = np.zeros(X.shape[1])
        sq = X.multiply(X)
        sq = np.asarray(sq.T @ w).ravel() if w is not None else np.asarray(sq.sum(axis=0)).ravel()
        self._setup(w, xbar, sq, X.shape[0])
        self.mean_x = self.xbar
        self.indptr = X.indptr.astype(np.int64)
        self.indices = X.indices.astype(np.int64)

    def _matvec(self, beta):
        return self.X @ beta

    def _rmatvec(self, v):
        return self.X.T @ v

    def _column_block(self, idx):
        return self.X[:, idx].toarray()

    def gradient_ws(self, ws: np.ndarray) -> np.ndarray:
        out = np.empty(ws.size)
        kernels().sparse_gradient_ws(self.X.data, self.indices, self.indptr, self.w,
                                     self.has_w, self.xbar, self.r, self.m, self.s, ws, out)
        return out

    def cd(self, beta, ws, l1, l2, lo, hi, max_epochs, tol) -> int:
        return kernels().sparse_epochs(self.X.data, self.indices, self.indptr, self.w,
                                       self.has_w, self.xbar, self.H, self.r, self.m, self.s,
                                       beta, ws, l1, l2, lo, hi, int(max_epochs), float(tol))
