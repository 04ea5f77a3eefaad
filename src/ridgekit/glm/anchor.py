r"""Binomial paths on an *anchored* eigenbasis: chord-Newton steps, leverages and df at
every λ for O(n d) each, with a Gram and a basis change only when the weights have moved.

At an anchor state (IRLS weights :math:`D_a`, penalty :math:`\lambda_a`) one Gram
:math:`H_a = A^TD_aA` and one symmetric eigenproblem give a basis :math:`T` with

.. math:: T^T(H_a + \lambda_aC)T = I,\qquad T^TCT = \mathrm{diag}(\nu),\qquad
          0 \le \lambda_a\nu \le 1

(:math:`L L^T = H_a + \lambda_aC`, :math:`L^{-1}CL^{-T} = Q\,\mathrm{diag}(\nu)Q^T`,
:math:`T = L^{-T}Q`). The Hessian at a later state is modelled as :math:`sH_a` with the
scalar :math:`s = \sum_iD_iq_i/\sum_iD_{a,i}q_i` (:math:`q_i = a_i^T(H_a+\lambda_aC)^{-1}
a_i`: the ratio of traces :math:`\mathrm{tr}[(H_a+\lambda_aC)^{-1}H]/\mathrm{tr}[\dots
H_a]`), and then for any λ

.. math:: (sH_a + \lambda C)^{-1} = T\,\mathrm{diag}(f)\,T^T,\qquad
          f_j = 1/\big(s(1 - \lambda_a\nu_j) + \lambda\nu_j\big),

so a Newton (chord) step costs O(d²), and with :math:`U = AT` stored once per anchor the
leverages :math:`h_i = a_i^T(sH_a+\lambda C)^{-1}a_i = \sum_jU_{ij}^2f_j` cost O(n d) per
λ instead of a Gram and a triangular solve of all of X (O(n d²)) each.

*Accuracy.* With :math:`r_i = D_i/(sD_{a,i}) - 1`, :math:`(1-\max|r|)\,sH_a \preceq H
\preceq (1+\max|r|)\,sH_a`, so every leverage (and df) is within a relative
:math:`\max|r|/(1-\max|r|)` of its exact value; the anchor is renewed (a Gram at the
current state) whenever :math:`\max_i|r_i|` exceeds ``refresh``. That bound is a worst
case (at the default ``refresh = 0.5`` it allows 100 %): the scalar s is chosen so that
the first-order error of :math:`\sum_iD_ih_i` vanishes, and the weights change mostly
along one direction of η. Measured: at n = 20,000, p = 100 leverages 1 to 4 grid steps
from their anchor are within 0.1 % on average, 2 % at worst; at n = 400, p = 25
(``tests/test_logistic_anchor.py``) every leave-one-out correction is within 7 % and the
ALO log-loss within 2.5e-4 relative of the exact-Hessian value -- about a hundredth of
ALO's own distance from exact leave-one-out (1-2 % there). The chord steps converge to
the exact solution (the gradient is exact); only their rate depends on the anchor.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit

__all__ = ["Anchor", "anchored_path", "float32_hessian"]

#: rows per float32 product of :func:`_gram32` (in a core's L2 cache at p ~ 100)
_GRAM_BLOCK = 2048

#: largest U = A T (n x d) stored per anchor; beyond it leverages are recomputed per λ in
#: row blocks
_U_BYTES = 512 * 2**20


class Anchor:
    """Eigenbasis of the pencil :math:`(H_a + \\lambda_aC, C)` at one IRLS state."""

    def __init__(self, design, pen: np.ndarray, D: np.ndarray, lam_a: float,
                 leverages: bool, X32=None, keep_u: bool = False, rows=None,
                 rhs: np.ndarray | None = None, source: np.ndarray | None = None):
        self._rows = rows  # a RowSplit of the batched path (glm/_row_split.py), or None
        #: A^T rhs from the pass that forms the Gram (float32 X; dense only), else None
        self.rhs_product = None
        if isinstance(X32, np.ndarray):
            # (with source: X32 is filled from it in the same pass, and X proven finite;
            # Design.float32_target)
            H, self.rhs_product, total = _gram32(X32, D, design.fit_intercept, rows, rhs,
                                                 source)
            if source is not None:
                design.adopt_float32(X32, total)
        else:
            H = design.gram(D)
        M = H.copy()
        idx = np.arange(pen.size)
        M[idx, idx] += lam_a * pen
        try:
            L = np.linalg.cholesky(M)
        except np.linalg.LinAlgError:
            M[idx, idx] += 1e-12 * max(float(np.abs(np.diag(M)).max()), 1e-300)
            try:
                L = np.linalg.cholesky(M)
            except np.linalg.LinAlgError:
                raise np.linalg.LinAlgError(
                    "the penalized Hessian is singular: with alpha = 0 (or penalty_factor "
                    "0) the data are separable or X is rank-deficient; use alpha > 0"
                ) from None
        self.M = M  # T^{-1} = T^T M
        Li = np.linalg.solve(L, np.eye(pen.size))
        nu, Q = np.linalg.eigh((Li * pen) @ Li.T)
        self.nu = np.clip(nu, 0.0, None if lam_a <= 0 else 1.0 / lam_a)
        self.T = Li.T @ Q
        self.lam_a = float(lam_a)
        self.D = D.copy()
        self._design = design
        self.S = self.U = None
        self._keep_u = keep_u
        if leverages and design.n * design.d * 4 <= _U_BYTES:
            self.S, self.q = self._squares(X32)
        elif leverages:
            self.q = self._rows_lev(np.ones_like(self.nu))
        else:  # no leverages wanted: weight the trace ratio by the row norms instead
            self.q = design.row_sq_norms()
        self._Dq = float(self.D @ self.q)
        # h_i <= q_i max_j f_j: bounds |a_i^T step| without a pass (inf: unknown)
        self.hmax = float(self.q.max()) if leverages else np.inf

    def _squares(self, X32) -> tuple[np.ndarray | None, np.ndarray]:
        """:math:`U\\circ U` (float32, half the memory and time of the GEMM) and the
        anchor's leverages q; with ``keep_u`` U is kept instead of its squares (the batched
        path forms them per block of rows where it needs them:
        :func:`ridgekit.glm._alo_kernels.leverage_rows`), and U and q come from one pass.
        The float32 product is checked against the identity
        :math:`\\sum_iD_{a,i}q_i = \\mathrm{tr}[(H_a+\\lambda_aC)^{-1}H_a] =
        \\sum_j(1-\\lambda_a\nu_j)` and redone in float64 if off by more than 1e-5
        (an ill-conditioned basis)."""
        design, T = self._design, self.T
        want = float(np.sum(1.0 - self.lam_a * self.nu))
        if X32 is not None:
            from ridgekit.glm._alo_kernels import SERIAL, basis_rows, matmul_rows, squares

            B = T[-design.p:].astype(np.float32)
            b = T[0] if design.fit_intercept else np.zeros(T.shape[1])
            dense = isinstance(X32, np.ndarray)
            rows = self._rows if dense and self._rows is not None else SERIAL
            if self._keep_u and dense:
                U, q = basis_rows(X32, B, b, rows)
                S = None
            else:
                U = matmul_rows(X32, B, rows) if dense else np.ascontiguousarray(X32 @ B)
                S, q = squares(U, b, rows)
            if abs(float(self.D @ q) - want) <= 1e-5 * max(want, 1.0):
                if self._keep_u:
                    self.U = U
                return S, q
        U = design.eta(T)
        S = U * U
        if self._keep_u:
            self.U = U.astype(np.float32)
        return S, S.sum(axis=1)  # float64 squares: leverages from them, not from U

    # ------------------------------------------------------------------ model
    def scale(self, D: np.ndarray) -> tuple[float, float]:
        """``(s, max|r|)`` of the weights D against the anchor's."""
        s = float(D @ self.q) / self._Dq if self._Dq > 0 else 1.0
        pos = self.D > 0
        r = np.abs(D[pos] / (s * self.D[pos]) - 1.0)
        return s, float(r.max()) if r.size else 0.0

    def filt(self, lam: float, s: float) -> np.ndarray:
        """:math:`f_j = 1/(s(1-\\lambda_a\\nu_j) + \\lambda\\nu_j)`."""
        den = s * (1.0 - self.lam_a * self.nu) + lam * self.nu
        return 1.0 / np.maximum(den, 1e-300)

    def step(self, g: np.ndarray, lam: float, s: float) -> tuple[np.ndarray, float]:
        """Chord-Newton step :math:`-(sH_a+\\lambda C)^{-1}g` and the squared decrement."""
        f = self.filt(lam, s)
        c = self.T.T @ g
        return -(self.T @ (f * c)), float(f @ (c * c))

    def leverages(self, lam: float, s: float) -> np.ndarray:
        """:math:`h_i = a_i^T(sH_a + \\lambda C)^{-1}a_i` for every row."""
        return self.leverages_many(self.filt(lam, s)[:, None])[:, 0].astype(np.float64)

    def leverages_many(self, F: np.ndarray) -> np.ndarray:
        """:math:`h = (U\\circ U)F` for filter factors F (d, m): one GEMM over the stored
        squares or, when U is kept instead, over squares formed block by block."""
        if self.S is not None:
            from ridgekit.glm._alo_kernels import SERIAL, matmul_rows

            return matmul_rows(self.S, F.astype(self.S.dtype), self._rows or SERIAL)
        if self.U is not None:
            from ridgekit.glm._alo_kernels import SERIAL, leverage_rows

            return leverage_rows(self.U, F, self._rows or SERIAL)
        return np.column_stack([self._rows_lev(F[:, k]) for k in range(F.shape[1])])

    def df(self, lam: float, s: float) -> float:
        """:math:`\\mathrm{tr}[(sH_a+\\lambda C)^{-1}sH_a]`, with :math:`T^TH_aT =
        \\mathrm{diag}(1-\\lambda_a\\nu)`."""
        return float(np.sum(s * (1.0 - self.lam_a * self.nu) * self.filt(lam, s)))

    def _rows_lev(self, f: np.ndarray) -> np.ndarray:
        design = self._design
        out = np.empty(design.n)
        Tf = self.T * np.sqrt(f)
        for rows in design.block_slices():
            Z = design.dense_rows(rows) @ Tf
            out[rows] = np.einsum("ij,ij->i", Z, Z)
        return out


def _gram32(X32: np.ndarray, D: np.ndarray, fit_intercept: bool, rows=None,
            rhs: np.ndarray | None = None, source: np.ndarray | None = None):
    """:math:`A^T\\mathrm{diag}(D)A` from float32 X (about twice as fast as float64):
    symmetric float32 products over row blocks of 2048, summed in float64 (relative
    error about 1e-6, far below what an anchor's model needs). The rows are split over
    ``rows`` (a :class:`ridgekit.glm._row_split.RowSplit`); without one, over the
    workers of :func:`ridgekit._blas_split.blas_pass` (one single-threaded syrk per
    worker: 2.2x faster than one two-threaded syrk per block at n = 100,000, p = 100).
    With ``rhs`` (n,), also :math:`A^T` rhs from the same blocks, while they are in
    cache. With ``source`` (float64 X), X32 is filled from it block by block first (a
    copy that costs about 2 ms more than the product alone, against 4.5 ms for a separate
    copy at n = 100,000, p = 100), and the trace of the X part of G is returned too: it
    is finite only if X is (a NaN or an inf in :math:`x_{ij}` makes
    :math:`\\sum_iD_ix_{ij}^2` NaN or inf, and :math:`\\sqrt{D_i}` = 0 turns an inf into a
    NaN), so it proves X finite for nothing (a separate check is 4 ms); a finite X can
    still overflow it (:math:`|x| > 1.8\\cdot10^{19}`), and then X is searched
    (:meth:`ridgekit.glm.Design.adopt_float32`). Returns ``(G, A^T rhs or None, the trace
    or None)``."""
    from ridgekit._blas_split import blas_pass, split_sum

    n, p = X32.shape
    d = p + fit_intercept
    const = bool(np.all(D == D[0]))

    def work(a: int, b: int) -> np.ndarray:
        G = np.zeros((d + (rhs is not None), d))  # the last row: A^T rhs
        for start in range(a, b, _GRAM_BLOCK):
            Xb = X32[start:min(b, start + _GRAM_BLOCK)]
            if source is not None:
                np.copyto(Xb, source[start:min(b, start + _GRAM_BLOCK)])
            Db = D[start:min(b, start + _GRAM_BLOCK)]
            Z = Xb if const else Xb * np.sqrt(Db).astype(np.float32)[:, None]
            G[d - p:d, -p:] += Z.T @ Z
            if fit_intercept:
                G[0, 1:] += Db.astype(np.float32) @ Xb
            if rhs is not None:
                rb = rhs[start:min(b, start + _GRAM_BLOCK)]
                G[d, -p:] += rb.astype(np.float32) @ Xb
                if fit_intercept:
                    G[d, 0] += rb.sum()
        return G

    def quiet(a: int, b: int) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):  # (per thread) X may hold an
            return work(a, b)                                # inf or a NaN until adopted

    if rows is not None:
        G = rows.sum(lambda sl: quiet(*sl.indices(n)[:2]))
    else:
        with blas_pass(X32.nbytes) as workers:
            G = split_sum(quiet, n, _GRAM_BLOCK, workers, np.add)
    product = G[d].copy() if rhs is not None else None
    G = G[:d]
    total = float(np.trace(G[-p:, -p:])) if source is not None else None
    if const:
        G[-p:, -p:] *= D[0]
    if fit_intercept:
        G[1:, 0] = G[0, 1:]
        G[0, 0] = D.sum()
    return G, product, total


def float32_hessian(problem, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                         np.ndarray, np.ndarray]:
    r"""Binomial data Hessian :math:`A^T\mathrm{diag}(D)A` at Θ (d, 1) from float32 X,
    with :math:`\eta = A\Theta`, the data gradient :math:`A^Tr` and the weights D (all
    float64), in one pass over X: ``(H, η, A^Tr, D)``, the ``hessian0`` and ``start`` of
    :func:`ridgekit.glm._newton.newton`.

    The Hessian's relative error (about 1e-6, :func:`_gram32`) is what a Newton step with
    it leaves of the distance to the optimum, against the 1e-4 or so of the path's
    anchored models: a solve started from a path's solution reaches ``tol`` in one or two
    steps without a float64 Gram (the gradient stays float64 and exact). Each block of
    rows is read from memory once, as float64 for η and the gradient and as float32 for
    its piece of the Gram. Dense X only.
    """
    from ridgekit._blas_split import blas_pass, split_sum

    design, family = problem.design, problem.family
    X, X32, fi = design.X, design.float32(), design.fit_intercept
    n, p = X32.shape
    d = p + fi
    beta, b0 = theta[-p:, 0], (float(theta[0, 0]) if fi else 0.0)
    eta, state = np.empty(n), np.empty(n)

    def work(a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        G, g = np.zeros((d, d)), np.zeros(d)
        for start in range(a, b, _GRAM_BLOCK):
            rows = slice(start, min(b, start + _GRAM_BLOCK))
            e = eta[rows]
            np.matmul(X[rows], beta, out=e)
            e += b0
            r, D = family.state(e[:, None], problem.Y[rows], problem.w[rows])
            state[rows] = D
            g[-p:] += X[rows].T @ r[:, 0]
            Xb = X32[rows]
            Z = Xb * np.sqrt(D).astype(np.float32)[:, None]
            G[-p:, -p:] += Z.T @ Z
            if fi:
                g[0] += r.sum()
                G[0, 1:] += D.astype(np.float32) @ Xb
                G[0, 0] += D.sum()
        return G, g

    with blas_pass(X.nbytes) as workers:
        G, g = split_sum(work, n, _GRAM_BLOCK, workers,
                         lambda u, v: (u[0] + v[0], u[1] + v[1]))
    if fi:
        G[1:, 0] = G[0, 1:]
    return G, eta[:, None], g[:, None], state


def _loss(eta, y, w) -> float:
    return float(w @ -log_expit(np.where(y > 0.5, eta, -eta)))


def anchored_path(problem, alphas: np.ndarray, *, decrement: float = 1e-4,
                  refresh: float = 0.5, leverages: bool = True,
                  sequential: bool = False) -> dict:
    """Binomial path from the largest λ down by chord-Newton steps on anchors.

    With ``leverages`` (ALO) and unless ``sequential``, all λ are solved together
    instead (:func:`ridgekit.glm.alo.alo_path`, batched GEMMs over the grid) whenever
    its arrays fit in memory; the sequential path below is the fallback and serves the
    full-data path of k-fold (``leverages=False``).

    Each λ stops when the (anchored) Newton decrement
    :math:`\\sqrt{g^T(sH_a+\\lambda C)^{-1}g}` -- about :math:`\\lVert\\theta -
    \\theta^*\\rVert` in the norm of the penalized Hessian -- is at most ``decrement``
    (or :math:`\\lVert g\\rVert_2 \\le` ``problem.tol``). Then every linear predictor is
    within :math:`\\sqrt{h_i}\\cdot` ``decrement`` of its converged value (Cauchy-Schwarz
    in that norm). Measured at n = 20,000, p = 100 over 30 λ: with the default 1e-4 the
    ALO curve moves by 2e-4 of the leave-one-out correction (the gap between ALO and the
    training loss), 1e-2 of it at 1e-2 -- so the stopping error is far below ALO's own
    error, which is of
    relative order :math:`h_i`.

    Returns the dict of :func:`ridgekit.glm.fit_path` (``theta``, ``n_iter``,
    ``grad_norm``, ``converged``, ``loss``, ``df``) plus, when ``leverages``,
    ``loo_eta`` (L, n, 1): the approximate leave-one-out predictors of
    :mod:`ridgekit.glm.alo` at every λ, and ``n_anchors`` (Grams formed); the batched
    route (:func:`ridgekit.glm.alo.alo_path`) adds the ALO curve, ``log_loss`` and
    ``log_loss_se``.
    """
    if leverages and not sequential:
        from ridgekit.glm.alo import alo_path, batch_fits

        if batch_fits(problem.design, alphas.size):
            return alo_path(problem, alphas, decrement=decrement)
    design, pen, w = problem.design, problem.pen, problem.w
    y = problem.Y[:, 0]
    L, d, n = alphas.size, design.d, design.n
    out = {"theta": np.empty((L, d, 1)), "n_iter": np.zeros(L, int),
           "grad_norm": np.empty(L), "converged": np.zeros(L, bool), "loss": np.empty(L),
           "df": np.empty(L)}
    if leverages:
        out["loo_eta"] = np.empty((L, n, 1))
    theta = problem.null_theta()[:, 0]
    eta = problem.null_eta(theta[:, None])[:, 0]

    def state(eta):
        p = expit(eta)
        R = w * (p - y)
        return R, w * p * (1.0 - p), design.rmatvec(R[:, None])[:, 0]

    R, D, gdata = state(eta)

    def fill(e, rows):  # R and D of a block of rows, in place; returns R there
        p = expit(e)
        R[rows] = w[rows] * (p - y[rows])
        D[rows] = w[rows] * p * (1.0 - p)
        return R[rows]

    anchor, n_anchors = None, 0
    X32 = design.float32() if leverages else None  # for U = A T only
    for i in np.argsort(-alphas, kind="stable"):
        lam = float(alphas[i])
        it, converged = 0, False
        while True:
            g = gdata + lam * pen * theta
            gnorm = float(np.linalg.norm(g))
            s, r = (1.0, np.inf) if anchor is None else anchor.scale(D)
            if r > refresh:
                anchor, n_anchors, s = Anchor(design, pen, D, lam, leverages, X32), \
                    n_anchors + 1, 1.0
            step, dec2 = anchor.step(g, lam, s)
            if gnorm <= problem.tol or dec2 <= decrement**2:
                converged = True
                break
            if it >= problem.max_iter:
                break
            if anchor.hmax * float(anchor.filt(lam, s).max()) * dec2 <= 1.0:
                # |a_i^T step| <= sqrt(h_i dec2) <= 1: a full step descends (glm/folds.py);
                # η and the gradient in one pass over X
                gdata = design.step_rmatvec(eta, step, fill)
                theta = theta + step
                it += 1
                continue
            estep = design.eta(step[:, None])[:, 0]
            t = 1.0
            if np.abs(estep).max() > 1.0:  # else a full step descends (glm/folds.py)
                f0 = _loss(eta, y, w) + 0.5 * lam * float(pen @ theta**2)
                slope = float(g @ step)
                for _ in range(60):
                    th = theta + t * step
                    if _loss(eta + t * estep, y, w) + 0.5 * lam * float(pen @ th**2) \
                            <= f0 + 1e-4 * t * slope:
                        break
                    t *= 0.5
            theta = theta + t * step
            eta = eta + t * estep
            R, D, gdata = state(eta)
            it += 1
        out["theta"][i, :, 0] = theta
        out["n_iter"][i], out["grad_norm"][i], out["converged"][i] = it, gnorm, converged
        out["loss"][i] = _loss(eta, y, w)
        if leverages:
            h = anchor.leverages(lam, s)
            out["df"][i] = float(D @ h)
            out["loo_eta"][i, :, 0] = eta + R * h / (1.0 - D * h)
        else:
            out["df"][i] = anchor.df(lam, s)
    out["n_anchors"] = n_anchors
    return out
