r"""One penalized likelihood problem: design, family, response, weights, penalty.

:class:`Problem` bundles what every solve along a path shares, picks the Newton mode
and knows the null model (intercepts only, :math:`\beta = 0`) the path starts from and
the default λ grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from ridgekit.glm._design import Design
from ridgekit.glm._newton import NewtonResult, Start, full_hessian, newton
from ridgekit.select.grid import default_alphas

__all__ = ["Problem", "MODES", "choose_mode"]

MODES = ("exact", "block", "diag")
#: largest number of parameters (d x K) factored directly
EXACT_LIMIT = 2000


def choose_mode(solver: str, d: int, K: int, sparse_x: bool) -> str:
    """Map a public ``solver`` name to a Newton mode.

    ``"auto"``: binomial -- the Cholesky route (``"exact"``) up to d = 2000 parameters,
    else truncated Newton (``"diag"``); multinomial -- always truncated Newton: its
    Hessian-vector products are two GEMMs with K columns (in float32), cheap next to the
    K(K+1)/2 Grams of one full Hessian (measured 1.1x to 6x faster than the Cholesky
    route from K = 3, p = 20 to K = 10, p = 200) or the K Grams of a ``"block"``
    preconditioner refresh (3x faster at n = 20,000, p = 200, K = 10).
    ``LogisticRidgeCV(cv="alo")`` asks for the Cholesky route itself (d·K <= 2000).
    ``"newton-block"`` asks for the block-preconditioned CG.
    """
    if solver == "newton-cholesky":
        return "exact"
    if solver == "newton-cg":
        return "diag"
    if solver == "newton-block":
        return "block"
    if solver != "auto":
        raise ValueError(f"unknown solver {solver!r}; choose 'auto', 'newton-cholesky', "
                         "'newton-cg' or 'newton-block'")
    if K == 1:
        return "exact" if d <= EXACT_LIMIT else "diag"
    return "diag"


@dataclass
class Problem:
    """Everything a solve needs except λ and the starting point."""

    design: Design
    family: object
    Y: np.ndarray  # (n, K) encoded response
    w: np.ndarray  # (n,) sample weights
    pen: np.ndarray  # (d,) penalty factor per parameter row, 0 for the intercept
    mode: str = "exact"
    tol: float = 1e-8
    max_iter: int = 100
    #: the last solution: a solve started from it reuses its η and data gradient
    _last: NewtonResult | None = field(default=None, init=False, repr=False, compare=False)
    _last_alpha: float = field(default=0.0, init=False, repr=False, compare=False)
    _prev: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def K(self) -> int:
        return self.Y.shape[1]

    def solve(self, alpha: float, theta0: np.ndarray, hessian0=None,
              start: tuple | None = None) -> NewtonResult:
        r"""Newton from ``theta0``.

        When ``theta0`` is the previous solve's solution (a warm start along a path), the
        first step needs no pass over X: its linear predictor and data gradient
        :math:`A^Tr` are reused (the gradient at the new λ is that plus
        :math:`\lambda C\Theta_0`), and so is its Jacobi diagonal. With two previous
        solutions :math:`\Theta_{k-1}, \Theta_k` at :math:`\lambda_{k-1}, \lambda_k` the
        secant predictor, linear in :math:`\log\lambda`,

        .. math:: \Theta_{pred} = \Theta_k + r(\Theta_k - \Theta_{k-1}), \qquad
                  r = \frac{\log(\lambda/\lambda_k)}{\log(\lambda_k/\lambda_{k-1})},

        (binomial; its η extrapolated the same way, no pass over X) starts instead when
        it has the lower objective at the new λ -- on a log-spaced grid it often already
        meets ``tol``, halving the Newton steps of a path. ``start`` = (η, data gradient)
        at ``theta0`` may also be given (:func:`ridgekit.glm.anchor.float32_hessian`).
        """
        last = self._last
        warm = start is None and last is not None and theta0 is last.theta \
            and last.data_grad is not None
        start = Start(last.eta, last.data_grad, last.state, last.loss) if warm else start
        if warm and self._prev is not None and self.K == 1:
            pred = self._predict(float(alpha), theta0, last)
            if pred is not None:
                theta0, start = pred[0], (pred[1], None)
        res = newton(self.design, self.family, self.Y, self.w, float(alpha), self.pen,
                     theta0, tol=self.tol, max_iter=self.max_iter, mode=self.mode,
                     hessian0=hessian0 if self.mode == "exact" else None,
                     start=start, jacobi0=last.jacobi if warm else None)
        self._prev = (self._last_alpha, last.theta, last.eta) if warm else None
        self._last, self._last_alpha = res, float(alpha)
        return res

    def _predict(self, alpha, theta, last):
        """(Θ, η) of the secant predictor when it lowers F at ``alpha``, else None."""
        a0, th0, e0 = self._prev
        a1 = self._last_alpha
        if min(a0, a1, alpha) <= 0 or a0 == a1 or a1 == alpha:
            return None
        r = np.log(alpha / a1) / np.log(a1 / a0)
        thp = theta + r * (theta - th0)
        ep = last.eta + r * (last.eta - e0)
        pen = self.pen[:, None]

        def objective(e, th):
            return self.family.loss(e, self.Y, self.w) + 0.5 * alpha * float(
                np.einsum("dk,dk->", pen * th, th))

        return (thp, ep) if objective(ep, thp) < objective(last.eta, theta) else None

    def hessian(self, result: NewtonResult) -> np.ndarray:
        """The data Hessian at a solution (dK x dK)."""
        return full_hessian(self.design, self.family, result.state, self.K)

    def rows(self, idx) -> Problem:
        """The same problem on a subset of rows (for folds and leave-one-out)."""
        return Problem(self.design.rows(idx), self.family, self.Y[idx], self.w[idx],
                       self.pen, self.mode, self.tol, self.max_iter)

    # ------------------------------------------------------------ null model
    def class_means(self) -> np.ndarray:
        """Weighted class frequencies (binomial: of class 1)."""
        return (self.w @ self.Y) / self.w.sum()

    def null_theta(self) -> np.ndarray:
        """Intercepts of the intercept-only fit (exact), coefficients 0."""
        theta = np.zeros((self.design.d, self.K))
        if self.design.fit_intercept:
            pbar = np.clip(self.class_means(), 1e-300, None)
            if self.K == 1:
                theta[0, 0] = np.log(pbar[0]) - np.log1p(-min(pbar[0], 1 - 1e-16))
            else:
                logp = np.log(pbar)
                theta[0] = logp - logp.mean()
        return theta

    def null_eta(self, theta: np.ndarray | None = None) -> np.ndarray:
        """Linear predictors (n, K) at :meth:`null_theta` (or at ``theta``, another
        intercept-only model): the intercepts on every row, without a pass over X."""
        theta = self.null_theta() if theta is None else theta
        row = theta[0] if self.design.fit_intercept else np.zeros(self.K)
        return np.repeat(np.asarray(row, float)[None, :], self.design.n, axis=0)

    def null_deviance(self) -> float:
        """Deviance of the intercept-only fit, 2·Σ wᵢ·lossᵢ at :meth:`null_theta`."""
        return 2.0 * float(self.family.loss(self.null_eta(), self.Y, self.w))

    # ------------------------------------------------------------------ grid
    def default_alphas(self, n_alphas: int = 100) -> np.ndarray:
        """A log-spaced grid from the null model's curvature.

        For d <= 2000: the eigenvalues :math:`\\mu` of the null model's Hessian (the
        intercept and the unpenalized columns eliminated, columns scaled by
        :math:`1/\\sqrt{c_j}`), and the grid spans the effective degrees of freedom
        :math:`\\sum\\mu/(\\mu+\\alpha)` from the rank − ½ down to ½, exactly as the ridge
        grid (:func:`ridgekit.select.default_alphas`). Larger or sparse problems use
        glmnet's rule: :math:`\\alpha_{max} = \\max_j |g_j|/(10^{-3}\\sqrt{c_j})` with
        :math:`g` the null model's gradient, down to :math:`10^{-4}\\alpha_{max}`
        (:math:`10^{-2}` when n < p).
        """
        design, pen = self.design, self.pen
        pbar = self.class_means()
        hk = pbar * (1 - pbar)  # null-model curvature per class (binomial: one value)
        keep = pen > 0
        if design.d <= EXACT_LIMIT:
            G = design.gram(self.w)
            free = ~keep
            # Schur complement: eliminate the intercept and unpenalized columns
            S = G[np.ix_(keep, keep)]
            if free.any():
                Gf = G[np.ix_(free, free)]
                C = G[np.ix_(free, keep)]
                S = S - C.T @ np.linalg.pinv(Gf, hermitian=True) @ C
            s = 1.0 / np.sqrt(pen[keep])
            mu = np.clip(np.linalg.eigvalsh(s[:, None] * S * s[None, :]), 0, None)[::-1]
            mu = np.concatenate([h * mu for h in hk])
            mu = np.sort(mu)[::-1]
            rank = int(np.sum(mu > mu[0] * mu.size * np.finfo(float).eps)) if mu.size and \
                mu[0] > 0 else 0
            if rank == 0:
                raise ValueError("X has no variation in the penalized columns: nothing to "
                                 "penalize")
            spec = SimpleNamespace(rank=rank, mu=mu[:rank])
            return default_alphas(spec, n_alphas)
        R, _ = self.family.state(self.null_eta(), self.Y, self.w)
        g = design.rmatvec(R)[keep] / np.sqrt(pen[keep])[:, None]
        amax = float(np.abs(g).max()) / 1e-3
        if amax <= 0:
            raise ValueError("the null model's gradient is zero: nothing to penalize")
        ratio = 1e-2 if design.n < design.p else 1e-4
        return np.geomspace(amax, amax * ratio, n_alphas)
