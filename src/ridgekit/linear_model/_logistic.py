"""``LogisticRidge`` and ``logistic_path``: L2-penalized logistic and multinomial regression.

Thin layers over :mod:`ridgekit.glm`: validate, build one :class:`~ridgekit.glm.Problem`,
solve, store.
"""

from __future__ import annotations

import numbers
import warnings
from numbers import Real

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ridgekit._validation import (
    assert_finite,
    check_alpha,
    check_alpha_grid,
    check_sample_weight,
)
from ridgekit.glm import (
    ConvergenceWarning,
    Design,
    LogisticPath,
    Problem,
    choose_mode,
    family_for,
    fit_path,
)
from ridgekit.linear_model._base import lazy_on_dask

__all__ = ["LogisticRidge", "logistic_path", "build_problem", "LogisticClassifierBase"]

SOLVERS = ("auto", "newton-cholesky", "newton-cg", "newton-block")


def _check_l1_ratio(l1_ratio, where: str = "this fit") -> None:
    if l1_ratio is None or (isinstance(l1_ratio, Real) and float(l1_ratio) == 0.0):
        return
    raise ValueError(
        f"l1_ratio={l1_ratio!r}: {where} supports only l1_ratio=0 (pure L2); the "
        "elastic-net penalty (l1_ratio > 0) is available in memory, in LogisticRidge and "
        "LogisticRidgeCV (k-fold)"
    )


def _l1_weights(estimator, problem) -> np.ndarray:
    """L1 penalty weights :math:`c_j s_j` (``standardize``) or :math:`c_j`, from the L2
    weights :math:`c_j s_j^2` (or :math:`c_j`): :math:`\\sqrt{c_j\\cdot c_js_j^2}`."""
    d, p = problem.design.d, problem.design.p
    pf = getattr(estimator, "penalty_factor", None)
    c = np.ones(p) if pf is None else np.asarray(pf, dtype=float)
    out = np.zeros(d)
    out[d - p:] = np.sqrt(c * problem.pen[d - p:])
    return out


def check_enet_size(problem) -> None:
    """The proximal Newton steps factor the full (d·K x d·K) Hessian."""
    dk = problem.design.d * problem.K
    if dk > 2000:
        raise ValueError(f"l1_ratio > 0 needs at most 2000 parameters (the proximal Newton "
                         f"steps factor the full Hessian); got {dk} (features + intercept, "
                         "times the classes for the multinomial)")


def _fit_enet(estimator, problem, alpha, theta0):
    from ridgekit.glm.enet import enet_newton

    check_enet_size(problem)
    return enet_newton(problem, alpha, float(estimator.l1_ratio),
                       _l1_weights(estimator, problem), theta0)


def encode_labels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(y, return_inverse=True)``; integer labels of a small range by counting
    (O(n) instead of a sort: 0.4 against 2 ms at n = 100,000)."""
    if y.dtype.kind in "iu" and y.size:
        lo, hi = int(y.min()), int(y.max())
        if hi - lo <= 4 * y.size and hi <= np.iinfo(np.intp).max:
            shifted = y.astype(np.intp) - lo
            present = np.flatnonzero(np.bincount(shifted, minlength=hi - lo + 1))
            lookup = np.zeros(hi - lo + 1, np.intp)
            lookup[present] = np.arange(present.size)
            return (present + lo).astype(y.dtype), lookup[shifted]
    return np.unique(y, return_inverse=True)


def build_problem(estimator, X, y, sample_weight=None, *, reset: bool = True,
                  defer_finite: bool = False):
    """Validate a classification problem and build the :class:`~ridgekit.glm.Problem`.

    Returns ``problem, classes, codes, eval_weight`` where ``eval_weight`` is the sample
    weight without class weights (for held-out scores). Clear errors for NaN/inf, one
    class only, a class whose weights are all zero, a bad penalty factor.

    ``defer_finite``: a dense X's NaN/inf check is left to the design
    (:meth:`ridgekit.glm.Design.check_finite`), which runs it before X is first used, or
    proves X finite inside the first pass of a route that makes its own
    (:meth:`ridgekit.glm.Design.float32_target`: one pass over X fewer, 4 ms at
    n = 100,000, p = 100). Not with ``standardize``, which reads X here.
    """
    X, y = validate_data(estimator, X, y, accept_sparse=["csr", "csc"],
                         dtype=[np.float64, np.float32], ensure_min_samples=2, reset=reset,
                         ensure_all_finite=False)
    defer = defer_finite and not sparse.issparse(X) \
        and not getattr(estimator, "standardize", False)
    if not defer:
        assert_finite(X, estimator)
    X = X.astype(np.float64, copy=False)
    if not (y.ndim == 1 and y.dtype.kind in "biu"):
        # (1-D integer or boolean labels are always 'binary' or 'multiclass' targets:
        # scikit-learn's check, a np.unique of y, cannot fail on them -- 1.3 ms saved
        # at n = 100,000)
        check_classification_targets(y)
    classes, codes = encode_labels(y)
    if classes.size < 2:
        raise ValueError(f"y has only one class ({classes[0]!r}); a classifier needs at "
                         "least 2 classes")
    w = check_sample_weight(sample_weight, X)
    w = np.ones(X.shape[0]) if w is None else w
    eval_w = w.copy()
    cw = getattr(estimator, "class_weight", None)
    if cw is not None:
        from sklearn.utils.class_weight import compute_class_weight

        w = w * compute_class_weight(cw, classes=classes, y=y)[codes]
    totals = np.bincount(codes, weights=w, minlength=classes.size)
    if np.any(totals <= 0):
        bad = classes[np.flatnonzero(totals <= 0)[0]]
        raise ValueError(f"class {bad!r} has zero total sample_weight: every sample of it "
                         "is weighted 0, so it cannot be learned; drop the class or give "
                         "its samples positive weight")
    if sparse.issparse(X):
        X = X.tocsr()
    p = X.shape[1]
    pen = _penalty_factor(estimator, X, w, p)
    fit_intercept = bool(getattr(estimator, "fit_intercept", True))
    if fit_intercept:
        pen = np.concatenate([[0.0], pen])
    family = family_for(classes.size)
    K = family.n_outputs
    mode = choose_mode(getattr(estimator, "solver", "auto"), p + fit_intercept, K,
                       sparse.issparse(X))
    design = Design(X, fit_intercept, unchecked=type(estimator).__name__ if defer else None)
    problem = Problem(design, family, family.encode(codes, classes.size),
                      w, pen, mode, float(getattr(estimator, "tol", 1e-8)),
                      int(getattr(estimator, "max_iter", 100)))
    return problem, classes, codes, eval_w


def _penalty_factor(estimator, X, w, p) -> np.ndarray:
    pf = getattr(estimator, "penalty_factor", None)
    if pf is None:
        pen = np.ones(p)
    else:
        pen = np.asarray(pf, dtype=float)
        if pen.shape != (p,):
            raise ValueError(f"penalty_factor has shape {pen.shape}; expected ({p},), one "
                             "per feature")
        if not np.all(np.isfinite(pen)) or np.any(pen < 0):
            raise ValueError("penalty_factor must be finite and >= 0")
    if getattr(estimator, "standardize", False):
        W = w.sum()
        if sparse.issparse(X):
            m = np.asarray(X.T @ w).ravel() / W
            m2 = np.asarray(X.multiply(X).T @ w).ravel() / W
        else:
            m = (w @ X) / W
            m2 = np.einsum("ij,ij,i->j", X, X, w) / W
        var = np.clip(m2 - m**2, 0.0, None)
        var[var <= 1e-14 * np.maximum(m2, 1e-300)] = 1.0  # constant columns: left as is
        pen = pen * var  # penalizing beta_j * s_j is penalty factor s_j^2
    return pen


def _raise_if_unbounded(alpha, problem, res) -> None:
    if alpha > 0 and np.all(problem.pen[problem.design.fit_intercept:] > 0):
        return
    eta_max = float(np.abs(res.eta).max()) if res.eta.size else 0.0
    if not res.converged or eta_max > 40:
        raise ValueError(
            "alpha = 0 (or a zero penalty_factor) on data that are separable (or nearly): "
            "the likelihood has no finite maximum -- the coefficients diverge; use alpha > 0"
        )


class LogisticClassifierBase(ClassifierMixin, BaseEstimator):
    """Prediction from ``coef_``/``intercept_``/``classes_`` (binary or softmax)."""

    def decision_function(self, X):
        """Linear predictor: (n,) for two classes (log-odds of ``classes_[1]``), else (n, K)."""
        if (lazy := lazy_on_dask(self, X, "decision_function")) is not None:
            return lazy
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"],
                          dtype=[np.float64, np.float32], reset=False)
        eta = np.asarray(X @ self.coef_.T) + self.intercept_
        return eta[:, 0] if eta.shape[1] == 1 else eta

    def predict_proba(self, X):
        """Class probabilities, shape (n, n_classes), columns in ``classes_`` order."""
        if (lazy := lazy_on_dask(self, X, "predict_proba")) is not None:
            return lazy
        eta = self.decision_function(X)
        return family_for(self.classes_.size).proba(eta[:, None] if eta.ndim == 1 else eta)

    def predict_log_proba(self, X):
        if (lazy := lazy_on_dask(self, X, "predict_log_proba")) is not None:
            return lazy
        eta = self.decision_function(X)
        return family_for(self.classes_.size).log_proba(eta[:, None] if eta.ndim == 1
                                                        else eta)

    def predict(self, X):
        if (lazy := lazy_on_dask(self, X, "predict")) is not None:
            return lazy
        eta = self.decision_function(X)
        idx = (eta > 0).astype(int) if eta.ndim == 1 else np.argmax(eta, axis=1)
        return self.classes_[idx]

    def _store_theta(self, theta: np.ndarray, fit_intercept: bool) -> None:
        coef = theta[1:] if fit_intercept else theta
        self.coef_ = np.ascontiguousarray(coef.T)
        self.intercept_ = theta[0].copy() if fit_intercept else np.zeros(theta.shape[1])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LogisticRidge(LogisticClassifierBase):
    """L2-penalized logistic (two classes) or multinomial (softmax) regression.

    Minimizes

    .. math::

        \\sum_i w_i\\,\\ell_i(\\beta_0, \\beta) + \\frac{\\alpha}{2}\\sum_k\\sum_j c_j
        \\beta_{kj}^2,

    with :math:`\\ell_i` the log-loss of sample i (binary, or the softmax cross-entropy
    with one coefficient vector per class, all classes penalized symmetrically),
    :math:`w_i` the sample weights times the class weights, :math:`c_j` the penalty
    factors and the intercepts :math:`\\beta_0` unpenalized. So ``alpha = 1/C`` of
    scikit-learn's ``LogisticRegression`` (see :mod:`ridgekit.conventions.logistic` for C
    and glmnet's λ).

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty λ >= 0. ``alpha=0`` on separable data raises (no finite solution).
    fit_intercept : bool, default=True
    standardize : bool, default=False
        Penalize :math:`\\beta_j s_j` (:math:`s_j` the weighted population standard
        deviation of column j), as glmnet's default; coefficients are reported on the
        original scale. Implemented as penalty factors :math:`c_j s_j^2` (no copy of X).
    penalty_factor : array-like of shape (n_features,), default=None
        :math:`c_j \\ge 0` (glmnet's ``penalty.factor``, not rescaled); 0 = unpenalized.
    class_weight : dict, "balanced" or None, default=None
        Multiplies the sample weights per class (as scikit-learn).
    l1_ratio : float, default=0.0
        ρ in [0, 1]. For ρ > 0 the penalty is the elastic net of scikit-learn's
        ``penalty="elasticnet"`` (``alpha = 1/C``),
        :math:`\\alpha\\sum_j(\\rho c_j|\\beta_j| + \\frac{1-\\rho}{2}c_j\\beta_j^2)` (with
        ``standardize``: :math:`c_js_j` and :math:`c_js_j^2`), solved by proximal Newton
        with coordinate-descent subproblems (:mod:`ridgekit.glm.enet`; the multinomial
        penalizes every class's coefficients, its full Hessian factored); at most 2000
        parameters (features + intercept, times the classes for the multinomial).
    solver : {"auto", "newton-cholesky", "newton-cg", "newton-block"}, default="auto"
        ``newton-cholesky``: Newton/IRLS with a Cholesky factor of the penalized Hessian.
        ``newton-cg``: truncated Newton (CG with Hessian-vector products), for large p,
        sparse X and the multinomial. ``newton-block``: CG preconditioned by the
        per-class diagonal Hessian blocks (Cholesky). ``auto`` picks Cholesky for two
        classes up to 2000 parameters, else newton-cg (always for the multinomial:
        faster than its K(K+1)/2-block Hessian, see :func:`ridgekit.glm.choose_mode`).
    tol : float, default=1e-8
        Stop when :math:`\\lVert\\nabla F\\rVert_2 \\le` tol (the objective above, not
        divided by n), or when the Newton decrement reaches rounding level.
    max_iter : int, default=100
        Newton steps at most.
    warm_start : bool, default=False
        Start from the previous fit's coefficients.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Multinomial intercepts are centered to sum to 0 (the softmax is invariant to a
        common shift; scikit-learn's lbfgs gives the same centering).
    n_iter_ : int
        Newton steps taken.
    grad_norm_ : float
        :math:`\\lVert\\nabla F\\rVert_2` at the solution (for ``l1_ratio > 0``: of the
        minimum-norm subgradient).
    solver_ : str
        Newton mode used: "exact" (Cholesky), "block" or "diag" (CG), "prox-newton".
    n_features_in_ : int
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, None, None, closed="neither")],
        "fit_intercept": ["boolean"],
        "standardize": ["boolean"],
        "penalty_factor": ["array-like", None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "solver": [StrOptions(set(SOLVERS))],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, standardize=False,
                 penalty_factor=None, class_weight=None, l1_ratio=0.0, solver="auto",
                 tol=1e-8, max_iter=100, warm_start=False):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.class_weight = class_weight
        self.l1_ratio = l1_ratio
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    def fit(self, X, y, sample_weight=None):
        """Fit the penalized likelihood.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings).
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        from ridgekit.scale.dask import is_dask_collection

        if is_dask_collection(X):  # Newton steps as blockwise passes on the workers
            from ridgekit.scale.estimators import fit_logistic

            return fit_logistic(self, X, y, sample_weight)
        self._validate_params()
        alpha = float(check_alpha(self.alpha, 1)[0])
        enet = self.l1_ratio is not None and float(self.l1_ratio) > 0
        problem, classes, _, _ = build_problem(self, X, y, sample_weight)
        theta0 = problem.null_theta()
        if self.warm_start and hasattr(self, "coef_") and \
                self.coef_.shape == (problem.K, problem.design.p) and \
                np.array_equal(getattr(self, "classes_", None), classes):
            theta0 = np.vstack([self.intercept_[None, :], self.coef_.T]) \
                if problem.design.fit_intercept else self.coef_.T.copy()
        try:
            res = _fit_enet(self, problem, alpha, theta0) if enet else \
                problem.solve(alpha, theta0)
        except np.linalg.LinAlgError as exc:
            raise ValueError(str(exc)) from None
        _raise_if_unbounded(alpha, problem, res)
        if not res.converged:
            warnings.warn(f"LogisticRidge: Newton stopped after {res.n_iter} steps with "
                          f"gradient norm {res.grad_norm:.2e} > tol={self.tol}; raise "
                          "max_iter", ConvergenceWarning, stacklevel=2)
        self.classes_ = classes
        self._store_theta(res.theta, problem.design.fit_intercept)
        self.n_iter_ = int(res.n_iter)
        self.grad_norm_ = float(res.grad_norm)
        self.solver_ = "prox-newton" if enet else problem.mode
        return self


def logistic_path(X, y, alphas=None, *, n_alphas: int = 100, sample_weight=None,
                  class_weight=None, penalty_factor=None, standardize: bool = False,
                  fit_intercept: bool = True, solver: str = "auto", tol: float = 1e-8,
                  max_iter: int = 100) -> LogisticPath:
    """Penalized logistic/multinomial fits over a λ grid, from the largest λ down.

    Parameters
    ----------
    X, y, sample_weight : as :meth:`LogisticRidge.fit`
    alphas : array-like of shape (L,), optional
        The grid (values >= 0). None: ``n_alphas`` values spanning the null model's
        effective degrees of freedom from about the rank down to ½
        (:meth:`ridgekit.glm.Problem.default_alphas`).
    n_alphas : int, default=100
    class_weight, penalty_factor, standardize, fit_intercept, solver, tol, max_iter :
        as :class:`LogisticRidge`.

    Returns
    -------
    LogisticPath
        ``coefs`` (L, p) or (L, K, p), ``intercepts``, ``df`` (trace of the penalized hat
        matrix), ``deviance``, ``coef(alpha)``, ``predict_proba(X, alpha)`` at any λ.
    """
    holder = LogisticRidge(fit_intercept=fit_intercept, standardize=standardize,
                           penalty_factor=penalty_factor, class_weight=class_weight,
                           solver=solver, tol=tol, max_iter=max_iter)
    problem, classes, _, _ = build_problem(holder, X, y, sample_weight)
    grid = problem.default_alphas(int(n_alphas)) if alphas is None else \
        check_alpha_grid(alphas)
    try:
        result = fit_path(problem, grid)
    except np.linalg.LinAlgError as exc:
        raise ValueError(str(exc)) from None
    if not result["converged"].all():
        bad = grid[~result["converged"]]
        warnings.warn(f"logistic_path: Newton did not reach tol at {bad.size} alpha(s) "
                      f"(smallest {bad.min():.3g})", ConvergenceWarning, stacklevel=2)
    return LogisticPath(problem, grid, result, classes, problem.null_deviance())
