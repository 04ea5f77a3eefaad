"""``ElasticNet``, ``Lasso`` and ``enet_path``: thin layers over :mod:`ridgekit.sparse`.

The objective is scikit-learn's, per target:

.. math::

    \\frac{1}{2s}\\sum_i w_i (y_i - x_i^T\\beta - \\beta_0)^2
    + \\alpha\\rho\\sum_j f_j|\\beta_j| + \\frac{\\alpha(1-\\rho)}{2}\\sum_j f_j\\beta_j^2,
    \\qquad s = \\sum_i w_i,

with ρ = ``l1_ratio``, penalty factors :math:`f_j` (1 by default), the intercept
:math:`\\beta_0` never penalized, optional boxes :math:`l_j \\le \\beta_j \\le u_j`, and with
``standardize=True`` the penalty applied to :math:`\\sigma_j\\beta_j` (glmnet's default:
the fit on standardized columns, coefficients returned on the original scale).
"""

from __future__ import annotations

import numbers
from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit._validation import check_alpha_grid
from ridgekit.linear_model._base import LinearRegressorBase
from ridgekit.linear_model._enet_problem import (
    Problem,
    build_problem,
    penalty_for,
    ridge_floor,
    validate_enet,
)
from ridgekit.sparse import alpha_grid, alpha_max, check_l1_ratio, solve_path

__all__ = ["ElasticNet", "Lasso", "ENetPath", "enet_path", "lasso_path"]

_COMMON_CONSTRAINTS: dict = {
    "fit_intercept": ["boolean"],
    "precompute": ["boolean", StrOptions({"auto"})],
    "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "positive": ["boolean"],
    "standardize": ["boolean"],
    "penalty_factor": [None, Real, "array-like"],
    "lower_bounds": [None, Real, "array-like"],
    "upper_bounds": [None, Real, "array-like"],
    "screening": ["boolean"],
}


class ElasticNet(LinearRegressorBase):
    """Linear regression with combined L1 and L2 penalties, by coordinate descent.

    Minimizes scikit-learn's objective (see the module docstring), to a duality gap below
    ``tol`` :math:`\\cdot\\lVert\\tilde y\\rVert_W^2/s`.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall penalty α >= 0.
    l1_ratio : float in [0, 1], default=0.5
        ρ: 1 is the lasso, 0 ridge (with scikit-learn's ½ and 1/(2s) scaling).
    fit_intercept : bool, default=True
    precompute : {"auto", True, False}, default="auto"
        "auto": covariance updates on the Gram from one pass of moments when X is dense
        with n >= p; residual updates on X otherwise (p > n, or scipy.sparse X, which is
        never densified). True forces the Gram; False the residual updates.
    max_iter : int, default=1000
        Epoch budget per α.
    tol : float, default=1e-4
        Duality-gap tolerance, relative to :math:`\\lVert\\tilde y\\rVert_W^2/s`.
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    positive : bool, default=False
        Constrain the coefficients to be >= 0.
    standardize : bool, default=False
        Penalize :math:`\\sigma_j\\beta_j` (glmnet's ``standardize=TRUE``); coefficients on
        the original scale.
    penalty_factor : float or array of shape (n_features,), optional
        glmnet's factors :math:`f_j \\ge 0` (0 leaves a feature unpenalized), used as given.
    lower_bounds, upper_bounds : float or array of shape (n_features,), optional
        Box constraints on the coefficients (original scale).
    screening : bool, default=True
        Strong-rule screening (the KKT check always guards the result).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    dual_gap_ : float or ndarray of shape (n_targets,)
        Final duality gap (in the normalized objective's units).
    n_iter_ : int or list of int
        Epochs run (per target).
    route_ : str
        "gram", "dense" or "sparse".
    n_features_in_, feature_names_in_
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "warm_start": ["boolean"],
        **_COMMON_CONSTRAINTS,
    }

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, precompute="auto",
                 max_iter=1000, tol=1e-4, warm_start=False, positive=False,
                 standardize=False, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, screening=True):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.screening = screening

    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the elastic net.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Each target is fitted on its own.
        sample_weight : float or array-like of shape (n_samples,), optional
        check_input : bool, default=True
            Accepted for scikit-learn compatibility; inputs are always validated.

        Returns
        -------
        self
        """
        from ridgekit.scale.dask import is_dask_collection

        if is_dask_collection(X):  # blockwise on the workers; X never moves
            from ridgekit.scale.estimators import fit_enet

            return fit_enet(self, X, y, sample_weight)
        self._validate_params()
        alpha = float(self.alpha)
        check_l1_ratio(self.l1_ratio)
        warm = self.coef_ if self.warm_start and hasattr(self, "coef_") else None
        X, Y, w, y_was_1d, _ = validate_enet(self, X, y, sample_weight, self.precompute)
        problem = build_problem(X, Y, w, self.fit_intercept, self.precompute)
        penalty = self._penalty(problem)
        if alpha == 0.0 and problem.route != "gram" and X.shape[1] > X.shape[0]:
            raise ValueError("alpha=0 with more features than samples has no unique "
                             "solution; use alpha > 0")
        return self._fit_problem(problem, penalty, y_was_1d, X.dtype, warm)

    def _fit_problem(self, problem, penalty, y_was_1d: bool, dtype, warm=None):
        """Coordinate descent at ``alpha`` on a built problem, each target on its own (the
        in-memory fit and the Dask fit from moments share it)."""
        t = problem.n_targets
        coef = np.empty((t, problem.n_features))
        gaps = np.empty(t)
        n_iter = []
        start = None if warm is None else np.atleast_2d(warm)
        if start is not None and start.shape != coef.shape:
            start = None
        for k in range(t):
            sol = solve_path(problem.design(k), penalty, [float(self.alpha)], self.tol,
                             self.max_iter, None if start is None else start[k],
                             self.screening)
            coef[k] = sol.coefs[0]
            gaps[k] = sol.gaps[0]
            n_iter.append(int(sol.n_iter[0]))
        intercept = np.array([problem.intercept(coef[k], k) for k in range(t)])
        self._store(coef, intercept, y_was_1d, dtype)
        self.dual_gap_ = float(gaps[0]) if y_was_1d else gaps
        self.n_iter_ = n_iter[0] if y_was_1d else n_iter
        self.route_ = problem.route
        return self

    def _penalty(self, problem: Problem):
        return penalty_for(problem.scale, problem.n_features, self.l1_ratio, self.standardize,
                           self.penalty_factor, self.lower_bounds, self.upper_bounds,
                           self.positive)

    @property
    def sparse_coef_(self):
        """``coef_`` as a scipy.sparse CSR matrix."""
        return sparse.csr_matrix(np.atleast_2d(self.coef_))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class Lasso(ElasticNet):
    """The lasso: :class:`ElasticNet` with ``l1_ratio=1``,

    .. math::

        \\frac{1}{2s}\\lVert y - X\\beta - \\beta_0\\rVert_W^2 + \\alpha\\sum_j f_j|\\beta_j| .

    Parameters are those of :class:`ElasticNet` without ``l1_ratio``.
    """

    _parameter_constraints: dict = {
        k: v for k, v in ElasticNet._parameter_constraints.items() if k != "l1_ratio"
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, precompute="auto", max_iter=1000,
                 tol=1e-4, warm_start=False, positive=False, standardize=False,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, screening=True):
        super().__init__(alpha, l1_ratio=1.0, fit_intercept=fit_intercept,
                         precompute=precompute, max_iter=max_iter, tol=tol,
                         warm_start=warm_start, positive=positive, standardize=standardize,
                         penalty_factor=penalty_factor, lower_bounds=lower_bounds,
                         upper_bounds=upper_bounds, screening=screening)


class ENetPath:
    """A whole elastic-net path: coefficients at every α of the grid, and any α on demand.

    Attributes
    ----------
    alphas : ndarray of shape (L,)
        The grid, decreasing.
    l1_ratio : float
    coefs : ndarray of shape (L, p) or (L, t, p)
    intercepts : ndarray of shape (L,) or (L, t)
    gaps : ndarray of shape (L,) or (L, t)
        Final duality gap at each α.
    n_iter : ndarray of shape (L,) or (L, t)
    tol : ndarray of shape (t,)
        The absolute gap tolerances (``tol * ||y||^2/n``) per target.
    route : str
    """

    def __init__(self, alphas, l1_ratio, coefs, intercepts, gaps, n_iter, tol_abs, problem,
                 penalty, settings, y_was_1d):
        self.alphas = alphas
        self.l1_ratio = l1_ratio
        self._coefs = coefs          # (L, t, p)
        self._intercepts = intercepts  # (L, t)
        self._gaps = gaps
        self._n_iter = n_iter
        self.tol = tol_abs
        self.route = problem.route
        self._problem = problem
        self._penalty = penalty
        self._settings = settings
        self._y_was_1d = y_was_1d

    def _sq(self, a):
        return a[:, 0] if self._y_was_1d else a

    @property
    def coefs(self) -> np.ndarray:
        return self._sq(self._coefs)

    @property
    def intercepts(self) -> np.ndarray:
        return self._sq(self._intercepts)

    @property
    def gaps(self) -> np.ndarray:
        return self._sq(self._gaps)

    @property
    def n_iter(self) -> np.ndarray:
        return self._sq(self._n_iter)

    @property
    def df(self) -> np.ndarray:
        """Number of nonzero coefficients at each α (glmnet's df): (L,) or (L, t)."""
        return self._sq(np.count_nonzero(self._coefs, axis=2))

    def _at(self, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        a = float(alpha)
        if not np.isfinite(a) or a < 0:
            raise ValueError(f"alpha must be finite and >= 0; got {alpha!r}")
        hit = np.flatnonzero(np.isclose(self.alphas, a, rtol=1e-12, atol=0))
        if hit.size:
            return self._coefs[hit[0]], self._intercepts[hit[0]]
        # off the grid: an exact solve, warm-started from the nearest larger grid value
        larger = np.flatnonzero(self.alphas > a)
        k0 = larger[-1] if larger.size else 0
        tol, max_iter, screening = self._settings
        coef = np.empty_like(self._coefs[0])
        for t in range(coef.shape[0]):
            sol = solve_path(self._problem.design(t), self._penalty, [a], tol, max_iter,
                             self._coefs[k0, t], screening)
            coef[t] = sol.coefs[0]
        intercept = np.array([self._problem.intercept(coef[t], t) for t in range(coef.shape[0])])
        return coef, intercept

    def coef(self, alpha: float) -> np.ndarray:
        """Coefficients at ``alpha`` (stored on the grid, solved exactly off it)."""
        c, _ = self._at(alpha)
        return c[0] if self._y_was_1d else c

    def intercept(self, alpha: float):
        _, b = self._at(alpha)
        return float(b[0]) if self._y_was_1d else b

    def predict(self, X, alpha: float) -> np.ndarray:
        """Predictions at ``alpha``: (n,) or (n, t)."""
        c, b = self._at(alpha)
        if not sparse.issparse(X):
            X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != c.shape[1]:
            raise ValueError(f"X has shape {X.shape}; expected (n, {c.shape[1]})")
        out = np.asarray(X @ c.T) + b
        return out[:, 0] if self._y_was_1d else out


def enet_path(X, y, *, l1_ratio: float = 0.5, eps: float = 1e-3, n_alphas: int = 100,
              alphas=None, sample_weight=None, fit_intercept: bool = True,
              standardize: bool = False, penalty_factor=None, lower_bounds=None,
              upper_bounds=None, positive: bool = False, precompute="auto",
              tol: float = 1e-4, max_iter: int = 1000, screening: bool = True) -> ENetPath:
    """The elastic-net path over a decreasing α grid, warm-started, each target its own.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    l1_ratio : float in [0, 1]
    eps, n_alphas : float, int
        Default grid: ``n_alphas`` values from :math:`\\alpha_{max}` down to
        ``eps`` :math:`\\cdot\\,\\alpha_{max}`, where :math:`\\alpha_{max}` (the smallest α with
        every penalized coefficient zero) uses the sample weights and penalty factors; one
        grid for all targets (the largest :math:`\\alpha_{max}`).
    alphas : array-like, optional
        The grid (values > 0), sorted decreasing.
    sample_weight, fit_intercept, standardize, penalty_factor, lower_bounds, upper_bounds,
    positive, precompute, tol, max_iter, screening
        As in :class:`ElasticNet`.

    Returns
    -------
    ENetPath
    """
    rho = check_l1_ratio(l1_ratio)
    holder = ElasticNet(l1_ratio=rho, fit_intercept=fit_intercept)
    X, Y, w, y_was_1d, _ = validate_enet(holder, X, y, sample_weight, precompute)
    problem = build_problem(X, Y, w, fit_intercept, precompute)
    penalty = penalty_for(problem.scale, problem.n_features, rho, standardize, penalty_factor,
                          lower_bounds, upper_bounds, positive)
    t = Y.shape[1]
    if alphas is None:
        amax = max(alpha_max(problem.design(k), penalty) for k in range(t))
        grid = alpha_grid(amax, n_alphas, eps, rho, ridge_floor(problem.design(0), penalty))
    else:
        grid = check_grid(alphas)
    coefs = np.empty((grid.size, t, problem.n_features))
    gaps = np.empty((grid.size, t))
    n_iter = np.empty((grid.size, t), dtype=np.int64)
    tol_abs = np.empty(t)
    for k in range(t):
        sol = solve_path(problem.design(k), penalty, grid, tol, max_iter, None, screening)
        coefs[:, k], gaps[:, k], n_iter[:, k], tol_abs[k] = sol.coefs, sol.gaps, sol.n_iter, \
            sol.tol
    intercepts = np.stack([problem.intercept(coefs[:, k], k) for k in range(t)], axis=1)
    return ENetPath(grid, rho, coefs, intercepts, gaps, n_iter, tol_abs, problem, penalty,
                    (tol, max_iter, screening), y_was_1d)


def lasso_path(X, y, **kwargs) -> ENetPath:
    """:func:`enet_path` with ``l1_ratio=1``."""
    if "l1_ratio" in kwargs:
        raise TypeError("lasso_path fixes l1_ratio=1; use enet_path for other values")
    return enet_path(X, y, l1_ratio=1.0, **kwargs)


def check_grid(alphas) -> np.ndarray:
    """A user grid: finite, > 0, sorted decreasing (the order warm starts need)."""
    with np.errstate(invalid="ignore"):
        nonpositive = np.any(np.asarray(alphas, dtype=object) <= 0) \
            if np.ndim(alphas) <= 1 else False
    grid = check_alpha_grid(alphas) if not nonpositive else None
    if nonpositive:
        raise ValueError(f"alphas must be > 0 for a path; got {alphas!r}")
    return np.sort(grid)[::-1].copy()

