"""``Ridge`` and ``ridge_path``: thin layers over one :class:`~ridgekit.spectrum.Spectrum`."""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit._validation import check_alpha, check_alpha_grid
from ridgekit.decompose import REPRESENTATIONS, build_spectrum, solve_ridge
from ridgekit.iterative import ridge_lsqr, ridge_sparse_dual
from ridgekit.linear_model._base import LinearRegressorBase, validate_xy
from ridgekit.linear_model._positive import ridge_nonnegative
from ridgekit.select._selection import degrees_of_freedom
from ridgekit.spectrum import Spectrum

__all__ = ["Ridge", "RidgePath", "ridge_path"]

SOLVERS = ("auto", *REPRESENTATIONS, "lsqr")


class Ridge(LinearRegressorBase):
    """Ridge regression: least squares with an L2 penalty, intercept unpenalized.

    Minimizes, per target,

    .. math::

        \\sum_i w_i (y_i - x_i^T\\beta - \\beta_0)^2 + \\alpha\\lVert\\beta\\rVert_2^2,

    whose solution is :math:`\\beta = (\\tilde X^T\\tilde X + \\alpha I)^{-1}\\tilde X^T\\tilde y`
    on the weighted, centered data and :math:`\\beta_0 = \\bar y - \\bar x^T\\beta`.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Penalty λ >= 0; one value per target is allowed.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (the data is centered algebraically, never in place).
    solver : {"auto", "gram", "svd", "dual", "precise", "lsqr"}, default="auto"
        Representation of the decomposition. ``auto``: sparse X -> ``lsqr`` (implicit
        centering, no densifying); p > n -> ``dual`` (a direct solve with the n x n kernel for
        a few distinct alphas, its eigen-decomposition otherwise); otherwise ``gram`` (one
        blocked pass of moments), switching to ``precise`` (SVD of the column-scaled
        design) when the condition number of :math:`\\tilde X^T\\tilde X + \\alpha I` exceeds 1e7.
        Every solver takes scipy.sparse X: ``lsqr`` and ``gram`` (moments of dense row
        blocks, p x p in memory) and ``dual`` (the n x n kernel from the sparse product
        :math:`XX^T`) keep it sparse; ``svd`` and ``precise`` factor a dense copy of X,
        as their dense SVD needs one anyway.
    positive : bool, default=False
        Constrain the coefficients to be >= 0 (the intercept stays unconstrained and
        unpenalized): exact active-set NNLS on a square root of
        :math:`\\tilde X^T\\tilde X + \\alpha I` (``solver`` must be ``"auto"``;
        ``solver_`` is then ``"nnls"``).
    tol : float, default=1e-12
        Tolerance of the ``lsqr`` solver.
    max_iter : int or None, default=None
        Iteration limit of the ``lsqr`` solver.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    solver_ : str
        The representation actually used.
    n_iter_ : ndarray of shape (n_targets,)
        LSQR iterations per target; the direct solvers report 1 (one decomposition).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has string column names.
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions(set(SOLVERS))],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Real, 1, None, closed="left"), None],
        "positive": ["boolean"],
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, solver="auto", tol=1e-12,
                 max_iter=None, positive=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.positive = positive

    def fit(self, X, y, sample_weight=None):
        """Fit ridge regression.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), optional
            Non-negative weights.

        Returns
        -------
        self
        """
        from ridgekit.scale.dask import is_dask_collection
        from ridgekit.xp import fit_ridge_xp, is_xp_input

        if is_dask_collection(X):  # blockwise moments on the workers; X never moves
            from ridgekit.scale.estimators import fit_ridge

            return fit_ridge(self, X, y, sample_weight)
        if is_xp_input(X):  # torch / CuPy / array-api-strict: on their own device
            return fit_ridge_xp(self, X, y, sample_weight)
        self._validate_params()
        # the gram and dual routes find NaN/inf of X on the diagonal of XᵀX or XXᵀ (a sum
        # of squares), saving the pass over X of the upfront check
        defer = (isinstance(X, np.ndarray) and X.ndim == 2 and not self.positive
                 and self.solver in ("auto", "gram", "dual"))
        X, Y, w, y_was_1d = validate_xy(self, X, y, sample_weight, defer_x_finite=defer)
        alpha = check_alpha(self.alpha, Y.shape[1])
        self.n_iter_ = np.ones(Y.shape[1], dtype=int)
        solver = self.solver
        if self.positive:
            if solver != "auto":
                raise ValueError(f"positive=True is solved by NNLS; solver={solver!r} cannot "
                                 "constrain the coefficients (use solver='auto')")
            coef, intercept = ridge_nonnegative(X, Y, alpha, w, self.fit_intercept)
            self.solver_ = "nnls"
        elif solver == "lsqr" or (solver == "auto" and sparse.issparse(X)):
            coef, intercept, self.n_iter_ = ridge_lsqr(
                X, Y, alpha, w, self.fit_intercept, self.tol, self.max_iter
            )
            self.solver_ = "lsqr"
        elif sparse.issparse(X) and solver == "dual":
            coef, intercept = ridge_sparse_dual(X, Y, alpha, w, self.fit_intercept)
            self.solver_ = "dual"
        elif sparse.issparse(X) and solver == "gram":
            spec = build_spectrum(X, Y, w, self.fit_intercept, "gram")
            coef = spec.coef(alpha)
            intercept, self.solver_ = spec.intercept(coef), "gram"
        else:  # dense X; or svd/precise, whose dense SVD needs a dense copy of X anyway
            Xd = X.toarray() if sparse.issparse(X) else X
            coef, intercept, self.solver_ = solve_ridge(Xd, Y, alpha, w, self.fit_intercept,
                                                        solver)
        self._store(coef, intercept, y_was_1d, X.dtype)
        return self


class RidgePath:
    """A whole ridge path from one decomposition.

    Parameters
    ----------
    spectrum : Spectrum
    alphas : ndarray of shape (L,)
    y_was_1d : bool

    Any λ may be asked, on the grid or off it; each answer costs O(r·p).
    """

    def __init__(self, spectrum: Spectrum, alphas: np.ndarray, y_was_1d: bool):
        self.spectrum = spectrum
        self.alphas = alphas
        self._y_was_1d = y_was_1d

    def _squeeze(self, a: np.ndarray) -> np.ndarray:
        return a[..., 0] if self._y_was_1d else a

    def coef(self, alpha: float) -> np.ndarray:
        """Coefficients at λ = ``alpha``: (p,) or (t, p)."""
        c = self.spectrum.coef(check_alpha(alpha, self.spectrum.n_targets))
        return c[0] if self._y_was_1d else c

    def intercept(self, alpha: float):
        """Intercept at λ = ``alpha``."""
        c = self.spectrum.coef(check_alpha(alpha, self.spectrum.n_targets))
        return self._squeeze(self.spectrum.intercept(c))

    def predict(self, X, alpha: float) -> np.ndarray:
        """Predictions at λ = ``alpha``: (n,) or (n, t)."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.spectrum.n_features:
            raise ValueError(
                f"X has shape {X.shape}; expected (n, {self.spectrum.n_features})"
            )
        return self._squeeze(self.spectrum.predict(X, [alpha])[0])

    @property
    def coefs(self) -> np.ndarray:
        """Coefficients over the grid: (L, p) or (L, t, p)."""
        c = self.spectrum.coef_path(self.alphas)
        return c[:, 0] if self._y_was_1d else c

    @property
    def intercepts(self) -> np.ndarray:
        return self._squeeze(self.spectrum.intercept(self.spectrum.coef_path(self.alphas)))

    @property
    def df(self) -> np.ndarray:
        """Effective degrees of freedom over the grid, intercept not counted
        (:func:`ridgekit.select.degrees_of_freedom`)."""
        return degrees_of_freedom(self.spectrum, self.alphas)

    def df_at(self, alpha: float) -> float:
        """Effective degrees of freedom at any λ, counted as :attr:`df`."""
        return float(degrees_of_freedom(self.spectrum, [alpha])[0])

    @property
    def rss(self) -> np.ndarray:
        return self._squeeze(self.spectrum.rss(self.alphas))

    @property
    def coef_norm(self) -> np.ndarray:
        return self._squeeze(self.spectrum.coef_norm(self.alphas))


def ridge_path(X, y, alphas, *, sample_weight=None, fit_intercept: bool = True,
               solver: str = "auto") -> RidgePath:
    """Decompose once and return the ridge path over ``alphas``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    alphas : array-like of shape (L,)
    sample_weight : array-like of shape (n_samples,), optional
    fit_intercept : bool
    solver : {"auto", "gram", "svd", "dual", "precise"}

    Returns
    -------
    RidgePath
    """
    alphas = check_alpha_grid(alphas)
    holder = Ridge(fit_intercept=fit_intercept)
    X, Y, w, y_was_1d = validate_xy(holder, X, y, sample_weight, accept_sparse=None)
    spec = build_spectrum(X, Y, w, fit_intercept, solver, alpha_min=float(alphas.min()))
    return RidgePath(spec, alphas, y_was_1d)
