r"""The design :math:`A = [\mathbf 1 \mid X]` as an operator, dense or sparse, in row blocks.

Parameters are a (d, K) array :math:`\Theta` whose row 0 holds the intercepts when
``fit_intercept`` (d = p + 1), so :math:`\eta = A\Theta = X\Theta_{1:} + \mathbf 1\Theta_0`.
X is never copied, centered or densified. Weighted Gram matrices
:math:`A^T\mathrm{diag}(h)A` (the data part of a Newton Hessian) are summed over row
blocks: each block gives its piece, the pieces are added -- the blockwise-then-merge shape
a chunked or Dask array needs.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["Design"]

#: rows per block: about 8 MB of float64 per block for the Gram accumulation
_BLOCK_BYTES = 8 * 2**20


class Design:
    """Linear predictor, adjoint and weighted Grams of :math:`[\\mathbf 1 | X]`."""

    def __init__(self, X, fit_intercept: bool = True, *, unchecked: str | None = None):
        self._X = X.tocsr() if sparse.issparse(X) else X
        self.sparse = sparse.issparse(X)
        self.fit_intercept = bool(fit_intercept)
        self.n, self.p = X.shape
        self.d = self.p + self.fit_intercept
        # the estimator whose NaN/inf check of X is still to come (None: done or not asked)
        self._unchecked = unchecked
        self._x32 = None  # the float32 copy, once made

    @property
    def X(self):
        """X itself, after its NaN/inf check when that is still to come."""
        if self._unchecked is not None:
            self.check_finite()
        return self._X

    def check_finite(self) -> None:
        """The NaN/inf check of X that the constructor's ``unchecked`` put off (scikit-learn's
        message, naming that estimator), if it has not happened yet: a fit whose first pass
        over X is its own (:meth:`float32_target`) proves X finite in that pass instead;
        every other use of X runs this check first."""
        if self._unchecked is not None:
            from ridgekit._validation import assert_finite

            assert_finite(self._X, self._unchecked)
            self._unchecked = None

    def float32_target(self) -> tuple[np.ndarray, np.ndarray | None]:
        """``(X32, source)`` for a pass that makes the float32 copy of a dense float64 X
        itself, block by block while it works on them (:func:`ridgekit.glm.anchor._gram32`):
        an empty buffer and X (unchecked), then :meth:`adopt_float32`. ``source`` is None
        when the copy exists already, or X is sparse or float32 (X32 is then the copy)."""
        if self._x32 is not None or self.sparse \
                or self._X.dtype != np.float64:
            return self.float32(), None
        from ridgekit._memory import WORK

        return WORK.empty(self._X.shape, np.float32), self._X

    def adopt_float32(self, X32: np.ndarray, total: float) -> None:
        """Keep X32, filled from :meth:`float32_target`'s source by a caller's pass, as the
        float32 copy; ``total``, a sum that is finite only if every entry is (the trace of
        its Gram, :func:`ridgekit.glm.anchor._gram32`), proves X finite when it is finite.
        Otherwise X is searched (scikit-learn's check, which names a NaN or an inf), and if
        X is finite, so must X32 be: finite values beyond float32's range (3.4e38) are
        refused, since the float32 routes cannot hold them."""
        if not np.isfinite(total):
            self.check_finite()
            if not np.isfinite(X32).all():
                raise ValueError("X has values beyond float32's range (|x| > 3.4e38), which "
                                 "this route computes in; rescale X")
        self._unchecked = None
        self._x32 = X32

    def float32(self) -> np.ndarray:
        """A float32 copy of X (CSR when X is sparse), made once: for Hessian products
        inside CG and the anchored bases of :mod:`ridgekit.glm.anchor` (the batched ALO
        path makes it in its first Gram's pass instead: :meth:`float32_target`)."""
        if self._x32 is None:
            self._x32 = self.X.astype(np.float32) if self.sparse \
                else np.asarray(self.X, dtype=np.float32)
        return self._x32

    def release_float32(self) -> None:
        """Drop the float32 copy (a fitted model that keeps its design for ``path_``
        should not keep half of X's memory again)."""
        self._x32 = None

    def rows(self, idx) -> Design:
        """The design of a subset of rows (a copy of those rows)."""
        return Design(self.X[idx], self.fit_intercept)

    # --------------------------------------------------------------- products
    def eta(self, theta: np.ndarray) -> np.ndarray:
        """:math:`A\\Theta`, shape (n, K)."""
        B = theta[1:] if self.fit_intercept else theta
        if self.sparse and B.shape[1] == 1:  # scipy's single-vector kernel is the faster
            out = np.asarray(self.X @ B[:, 0])[:, None]
        else:
            out = np.asarray(self.X @ B)
        if self.fit_intercept:
            out = out + theta[0]
        return out

    def rmatvec(self, R: np.ndarray) -> np.ndarray:
        """:math:`A^T R`, shape (d, K)."""
        if self.sparse and R.shape[1] == 1:
            g = np.asarray(self.X.T @ R[:, 0])[:, None]
        else:
            g = np.asarray(self.X.T @ R)
        if self.fit_intercept:
            return np.vstack([R.sum(axis=0, keepdims=True), g])
        return g

    def step_rmatvec(self, eta: np.ndarray, step: np.ndarray, resid) -> np.ndarray:
        r""":math:`\eta \leftarrow \eta + A\delta` (in place) and :math:`A^T r(\eta)` in
        one pass over X: dense X in row blocks of ~2 MB, read once from memory and once
        more from cache (2-3x faster than two full passes when memory is the bottleneck).
        ``resid(e, rows)`` returns r for the block's new η (it may run in several threads
        at once, on disjoint rows); ``step`` is (d,) (K = 1)."""
        fi = self.fit_intercept
        if self.sparse:
            eta += np.asarray(self.X @ step[fi:]).ravel() + (step[0] if fi else 0.0)
            r = resid(eta, slice(None))
            g = np.asarray(self.X.T @ r).ravel()
            return np.concatenate([[r.sum()], g]) if fi else g
        from ridgekit._blas_split import blas_pass, split_sum

        bs = max(256, (2 * 2**20) // (8 * max(self.p, 1)))
        B, b0 = step[fi:], (step[0] if fi else 0.0)

        def work(a: int, b: int) -> np.ndarray:
            g = np.zeros(self.d)
            for start in range(a, b, bs):
                rows = slice(start, min(b, start + bs))
                Xb = self.X[rows]
                e = eta[rows]
                e += Xb @ B + b0
                r = resid(e, rows)
                g[fi:] += Xb.T @ r
                if fi:
                    g[0] += r.sum()
            return g

        # one run of row blocks per single-threaded BLAS worker (resid writes its rows only)
        with blas_pass(self.X.nbytes) as workers:
            return split_sum(work, self.n, bs, workers, np.add)

    # ------------------------------------------------------------------ grams
    def gram(self, h: np.ndarray) -> np.ndarray:
        """:math:`A^T\\mathrm{diag}(h)A` (d x d), h >= 0, summed over row blocks."""
        d, p = self.d, self.p
        G = np.zeros((d, d))
        if self.sparse:
            Xh = self.X.multiply(h[:, None]).tocsc()
            G[-p:, -p:] = (self.X.T @ Xh).toarray()
            if self.fit_intercept:
                col = np.asarray(Xh.sum(axis=0)).ravel()
                G[0, 1:] = G[1:, 0] = col
                G[0, 0] = h.sum()
            return G
        step = max(1, _BLOCK_BYTES // (8 * max(p, 1)))
        for start in range(0, self.n, step):
            G += self._block_gram(slice(start, start + step), h)
        return G

    def _block_gram(self, rows: slice, h: np.ndarray) -> np.ndarray:
        """One block's piece; sqrt(h) X^T X sqrt(h) so numpy uses a symmetric product
        (signed weights, the off-diagonal blocks of a multinomial Hessian, use X^T (hX))."""
        hb = h[rows]
        Xb = self.X[rows]
        piece = np.zeros((self.d, self.d))
        if np.any(hb < 0):
            piece[-self.p:, -self.p:] = Xb.T @ (Xb * hb[:, None])
        else:
            Z = Xb * np.sqrt(hb)[:, None]
            piece[-self.p:, -self.p:] = Z.T @ Z
        if self.fit_intercept:
            col = hb @ Xb
            piece[0, 1:] = piece[1:, 0] = col
            piece[0, 0] = hb.sum()
        return piece

    def gram_diag(self, h: np.ndarray) -> np.ndarray:
        """Diagonal of :math:`A^T\\mathrm{diag}(h)A`, shape (d,)."""
        if self.sparse:
            if getattr(self, "_xsq", None) is None:  # X∘X once: CG refreshes reuse it
                X = self.X  # (a 0/1 X is its own square: no copy)
                self._xsq = X if np.all(X.data == 1.0) else X.multiply(X).tocsr()
            sq = np.asarray(self._xsq.T @ h).ravel()
        else:
            sq = np.einsum("ij,ij,i->j", self.X, self.X, h)
        return np.concatenate([[h.sum()], sq]) if self.fit_intercept else sq

    def row_sq_norms(self) -> np.ndarray:
        """:math:`\\lVert a_i\\rVert^2` per row."""
        if self.sparse:
            sq = np.asarray(self.X.multiply(self.X).sum(axis=1)).ravel()
        else:
            sq = np.einsum("ij,ij->i", self.X, self.X)
        return sq + 1.0 if self.fit_intercept else sq

    def dense_rows(self, rows: slice) -> np.ndarray:
        """Rows of A as a dense array (with the column of ones)."""
        Xb = self.X[rows]
        Xb = Xb.toarray() if self.sparse else np.asarray(Xb)
        return np.column_stack([np.ones(Xb.shape[0]), Xb]) if self.fit_intercept else Xb

    def block_slices(self, width: int | None = None):
        step = max(1, _BLOCK_BYTES // (8 * max(width or self.d, 1)))
        return [slice(s, min(s + step, self.n)) for s in range(0, self.n, step)]
