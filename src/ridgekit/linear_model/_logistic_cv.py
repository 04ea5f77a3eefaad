"""``LogisticRidgeCV``: L2-penalized logistic/multinomial regression with λ chosen by
k-fold (warm-started paths per fold), approximate leave-one-out or exact leave-one-out."""

from __future__ import annotations

import numbers
import warnings
from dataclasses import replace
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit._validation import check_alpha_grid
from ridgekit.glm import (
    BUILTIN_SCORES,
    ConvergenceWarning,
    LogisticPath,
    alo_eta,
    fit_path,
    set_error,
)
from ridgekit.glm._newton import Start
from ridgekit.glm._problem import EXACT_LIMIT
from ridgekit.glm.alo import alo_path
from ridgekit.glm.anchor import anchored_path, float32_hessian
from ridgekit.glm.folds import fold_paths
from ridgekit.glm.scoring import pointwise_curve
from ridgekit.linear_model._logistic import (
    LogisticClassifierBase,
    LogisticRidge,
    build_problem,
)
from ridgekit.linear_model._logistic_enet_cv import enet_ratios, fit_enet_cv
from ridgekit.select import Selection, as_splits, summarize_folds

__all__ = ["LogisticRidgeCV"]


class _Fitted(ClassifierMixin, BaseEstimator):
    """Stands in for a classifier whose linear predictor is known (for sklearn scorers)."""

    def __init__(self, classes=None, eta=None, family=None):
        self.classes = classes
        self.eta = eta
        self.family = family

    @property
    def classes_(self):
        return self.classes

    def decision_function(self, X):
        return self.eta[:, 0] if self.eta.shape[1] == 1 else self.eta

    def predict_proba(self, X):
        return self.family.proba(self.eta)

    def predict(self, X):
        return self.classes[np.argmax(self.predict_proba(X), axis=1)]


class LogisticRidgeCV(LogisticClassifierBase):
    """L2-penalized logistic/multinomial regression with λ chosen over a whole path.

    Parameters
    ----------
    alphas : None, int or array-like, default=None
        The grid. None: 50 values spanning the null model's effective degrees of freedom
        from about the rank down to ½; an int: that many; an array: as given (> 0).
    cv : int, "alo", "loo", fold-id array or splitter, default=5
        An int k: ``StratifiedKFold(k)`` (as scikit-learn's classifiers); any splitter
        or (train, test) pairs: a warm-started path per training set (binomial on the
        Cholesky route: all folds' paths in lockstep, sharing each pass over X --
        :func:`ridgekit.glm.folds.fold_paths`). ``"alo"``:
        approximate leave-one-out from each λ's Newton factor (Rad & Maleki; Cholesky
        route only). ``"loo"``: exact leave-one-out by refits (n paths; small n).
    rule : {"min", "1se"}, default="min"
        Minimum of the criterion, or the largest λ within one standard error of it.
    scoring : None, str or callable, default=None
        None or "deviance": held-out deviance (cv.glmnet's). "log_loss", "accuracy"
        (criterion: misclassification rate), "roc_auc" (criterion: 1 − AUC), or any
        scikit-learn scorer name/callable (criterion: −score). Held-out samples are
        weighted by ``sample_weight`` (class weights act on training only).
    fit_intercept, standardize, penalty_factor, class_weight, solver, tol, max_iter : \
as :class:`~ridgekit.linear_model.LogisticRidge`
    l1_ratio : float or list of float, default=0.0
        ρ of the elastic-net penalty :math:`\\alpha\\sum_j(\\rho c_j|\\beta_j| +
        \\frac{1-\\rho}{2}c_j\\beta_j^2)` (scikit-learn's ``penalty="elasticnet"``,
        ``alpha = 1/C``). 0: pure L2 (every ``cv``). > 0: binomial or multinomial, at
        most 2000 parameters (times the classes), k-fold only
        (:mod:`ridgekit.linear_model._logistic_enet_cv`): each fold's path by proximal
        Newton from the largest α down, warm-started; the
        default grid runs from :math:`\\alpha_{max}` (every coefficient zero) down to
        :math:`10^{-4}\\alpha_{max}` (:math:`10^{-2}` when n < p), as glmnet's. A list of
        ratios in (0, 1] is chosen jointly with α: the ratio with the smallest minimum
        error, then ``rule`` on its curve (``l1_ratio_``, ``selections_``).
    cv_tol : float or None, default=None
        Gradient tolerance of the fold fits and leave-one-out refits (None: ``tol``). The
        fit at the chosen λ always uses ``tol``. Held-out errors need far less accuracy
        than coefficients; scikit-learn's ``LogisticRegressionCV`` fits folds at its
        default tol=1e-4 on the mean-scaled gradient, i.e. about ``1e-4 * n`` here.
    store_cv_results : bool, default=False
        Keep per-fold (k-fold) or per-sample (LOO/ALO) errors in ``cv_results_``.

    Attributes
    ----------
    alpha_ : float
    selection_ : Selection
        Criterion ``"kfold"``, ``"alo"`` or ``"loo"``: mean, standard error (cv.glmnet's
        formula, over folds or samples), df of the full-data path, λ_min and λ_1se.
    best_score_ : float
        Score at the chosen λ (−deviance, −log-loss, accuracy, AUC or the scorer's).
    path_ : LogisticPath
        The full-data path over the grid (coefficient path, df, deviance). Binomial on
        the Cholesky route with k-fold or ``cv="alo"``: fits good to a Newton decrement
        of 1e-4 (``path_.grad_norm``), df from the anchored Hessians
        (:mod:`ridgekit.glm.anchor` for k-fold, :func:`ridgekit.glm.alo.alo_path` for
        ``cv="alo"``; measured within 1e-4 to 3e-3 relative); the fit at ``alpha_``
        is always refined to ``tol``.
    cv_results_ : ndarray (n_folds, L) or (n_samples, L)
    alphas_ : ndarray
    classes_, coef_, intercept_, n_iter_, grad_norm_, n_features_in_
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in LogisticRidge._parameter_constraints.items()
           if k not in ("alpha", "warm_start")},
        "alphas": [None, Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like", None],
        "cv": [StrOptions({"alo", "loo"}), Interval(numbers.Integral, 2, None,
                                                     closed="left"), "array-like",
               "cv_object"],
        "rule": [StrOptions({"min", "1se"})],
        "scoring": [None, str, callable],
        "cv_tol": [Interval(Real, 0, None, closed="left"), None],
        "store_cv_results": ["boolean"],
    }

    def __init__(self, alphas=None, *, cv=5, rule="min", scoring=None, fit_intercept=True,
                 standardize=False, penalty_factor=None, class_weight=None, l1_ratio=0.0,
                 solver="auto", tol=1e-8, max_iter=100, cv_tol=None,
                 store_cv_results=False):
        self.alphas = alphas
        self.cv = cv
        self.rule = rule
        self.scoring = scoring
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.class_weight = class_weight
        self.l1_ratio = l1_ratio
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.cv_tol = cv_tol
        self.store_cv_results = store_cv_results

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None, groups=None):
        """Choose λ and fit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
        groups : array-like of shape (n_samples,), optional
            Group labels for group splitters.

        Returns
        -------
        self
        """
        from ridgekit.scale.dask import is_dask_collection

        if is_dask_collection(X):  # fold paths as blockwise passes on the workers
            from ridgekit.scale.estimators import fit_logistic_cv

            return fit_logistic_cv(self, X, y, sample_weight)
        self._validate_params()
        ratios = enet_ratios(self.l1_ratio)
        # ALO's path proves X finite in its first pass over X (Design.float32_target)
        alo = isinstance(self.cv, str) and self.cv == "alo" and ratios is None
        problem, classes, codes, eval_w = build_problem(self, X, y, sample_weight,
                                                        defer_finite=alo)
        self._y = np.asarray(y)  # labels for scikit-learn scorers, dropped after fit
        try:
            if ratios is not None:  # elastic net: k-fold along proximal-Newton paths
                return fit_enet_cv(self, problem, classes, codes, eval_w, X, groups, ratios)
            return self._fit(problem, classes, codes, eval_w, X, groups)
        finally:
            del self._y

    def _fit(self, problem, classes, codes, eval_w, X, groups):
        grid = self._grid(problem)
        name = "deviance" if self.scoring is None else self.scoring
        on_solution, collect, path = None, None, None
        if isinstance(self.cv, str) and self.cv == "alo":
            if self.solver == "auto" and problem.design.d * problem.K <= EXACT_LIMIT:
                problem = replace(problem, mode="exact")  # ALO needs the factor
            if problem.mode != "exact":
                raise ValueError("cv='alo' needs the Cholesky route (solver='newton-"
                                 "cholesky'; at most 2000 parameters); use k-fold")
            if problem.K == 1:  # O(n d) per λ on anchored eigenbases (glm/anchor.py)
                path, collect = self._anchored(problem, grid, classes, True, eval_w, name)
            else:
                loo_eta = np.empty((grid.size,) + problem.Y.shape)

                def on_solution(i, alpha, res, fac, hess):
                    loo_eta[i] = alo_eta(problem, res, fac)
                collect = loo_eta
        elif not isinstance(self.cv, str) and problem.K == 1 and problem.mode == "exact":
            # k-fold: the full-data path serves df and path_ only (the chosen fit is refined)
            path = self._anchored(problem, grid, classes, False)[0]
        if path is None:
            path = self._full_path(problem, grid, classes, on_solution)
        problem.design.check_finite()  # (done by now on every route: a no-op)
        if isinstance(self.cv, str):
            if self.cv == "loo":
                collect = self._exact_loo(problem, path)
            sel = self._pointwise_selection(name, problem, collect, grid, classes, codes,
                                            eval_w, X, path.df)
        else:
            sel = self._kfold(name, problem, problem.design.X, codes, classes, eval_w, grid, groups,
                              path.df)
        self.selection_ = sel
        self.alphas_ = grid
        self.alpha_ = float(sel.alpha)
        i = int(np.flatnonzero(grid == sel.alpha)[0])
        self._refine(problem, path, i)
        problem.design.release_float32()
        return self._store_choice(problem, path, sel, i, classes, name, problem.mode)

    def _store_choice(self, problem, path, sel, i, classes, name, solver):
        """The fitted attributes of the chosen λ (grid index ``i`` of ``path``)."""
        self.classes_ = classes
        self._store_theta(path._theta[i], problem.design.fit_intercept)
        self.n_iter_ = int(path.n_iter[i])
        self.grad_norm_ = float(path.grad_norm[i])
        self.solver_ = solver
        self.best_score_ = float(-sel.mean[i]) if name not in ("accuracy", "roc_auc") \
            else float(1.0 - sel.mean[i])
        self.path_ = path
        return self

    def _grid(self, problem, default=None) -> np.ndarray:
        """``alphas`` checked, or ``default(L)`` (the problem's default grid when None) for
        L = ``alphas`` or 50 values."""
        if self.alphas is None or isinstance(self.alphas, numbers.Integral):
            L = 50 if self.alphas is None else int(self.alphas)
            return (problem.default_alphas if default is None else default)(L)
        grid = check_alpha_grid(self.alphas)
        if np.any(grid <= 0):
            raise ValueError("alphas must be > 0 for cross-validation; got a value <= 0")
        return grid

    def _full_path(self, problem, grid, classes, on_solution) -> LogisticPath:
        try:
            result = fit_path(problem, grid, on_solution=on_solution)
        except np.linalg.LinAlgError as exc:
            raise ValueError(str(exc)) from None
        if not result["converged"].all():
            warnings.warn("LogisticRidgeCV: Newton did not reach tol at "
                          f"{int((~result['converged']).sum())} alpha(s)",
                          ConvergenceWarning, stacklevel=3)
        return LogisticPath(problem, grid, result, classes, problem.null_deviance())

    def _anchored(self, problem, grid, classes, leverages: bool, eval_w=None,
                  name=None):
        """Binomial full-data path by chord Newton on anchors, stopped at a Newton
        decrement of 1e-4 (:func:`ridgekit.glm.anchor.anchored_path`), with ALO when
        ``leverages`` (:func:`ridgekit.glm.alo.alo_path`); the path's fits keep that
        accuracy (``path_.grad_norm``), the fit at the chosen λ is refined to ``tol``
        afterwards (:meth:`_refine`). Returns the path and what
        :meth:`_pointwise_selection` needs: the ALO predictors, or for the deviance and
        the log-loss without ``store_cv_results`` just the ALO curve (mean, se)."""
        try:
            if leverages:
                summed = name in ("deviance", "log_loss") and not self.store_cv_results
                result = alo_path(problem, grid, eval_weights=eval_w, keep_eta=not summed)
            else:
                result = anchored_path(problem, grid, leverages=False)
        except np.linalg.LinAlgError as exc:
            raise ValueError(str(exc)) from None
        path = LogisticPath(problem, grid, result, classes, problem.null_deviance())
        if not leverages:
            return path, None
        if summed:  # every route returns the log-loss curve: not computed again
            scale = 2.0 if name == "deviance" else 1.0
            return path, (scale * result["log_loss"], scale * result["log_loss_se"])
        return path, result["loo_eta"]

    def _refine(self, problem, path, i) -> None:
        """Solve the chosen λ to ``tol`` (from the path's solution) and store it there."""
        if path.grad_norm[i] <= problem.tol:
            return
        hessian0 = start = None
        if problem.K == 1 and problem.mode == "exact" and not problem.design.sparse:
            # no float64 Gram; η, the gradient and the weights from the same pass over X
            # (the path's loss there scales the rounding-level test)
            hessian0, *known = float32_hessian(problem, path._theta[i])
            start = Start(*known, loss=0.5 * float(path.deviance[i]))
        try:
            res = problem.solve(path.alphas[i], path._theta[i], hessian0=hessian0,
                                start=start)
        except np.linalg.LinAlgError as exc:
            raise ValueError(str(exc)) from None
        if not res.converged:
            warnings.warn("LogisticRidgeCV: Newton did not reach tol at the chosen alpha",
                          ConvergenceWarning, stacklevel=3)
        path._theta[i] = res.theta
        path.n_iter[i] += res.n_iter
        path.grad_norm[i] = res.grad_norm
        path.converged[i] = res.converged
        path.deviance[i] = 2.0 * res.loss

    # -------------------------------------------------------------- leave-one-out
    def _exact_loo(self, problem, path) -> np.ndarray:
        """η of each left-out sample at every λ, by a refit without it (warm-started
        from the full-data solution at that λ)."""
        n = problem.design.n
        out = np.empty((path.alphas.size,) + problem.Y.shape)
        keep = np.ones(n, bool)
        for i in range(n):
            keep[i] = False
            sub = problem.rows(np.flatnonzero(keep))
            sub.tol = self.tol if self.cv_tol is None else float(self.cv_tol)
            keep[i] = True
            xi = problem.design.rows([i])
            for j, alpha in enumerate(path.alphas):
                res = sub.solve(alpha, path._theta[j])
                out[j, i] = xi.eta(res.theta)[0]
        return out

    def _pointwise_selection(self, name, problem, loo_eta, grid, classes, codes, eval_w,
                             X, df) -> Selection:
        criterion = self.cv
        if isinstance(loo_eta, tuple):  # the curve itself, summed along the ALO path
            return Selection.from_curve(grid, criterion, *loo_eta, df, self.rule)
        curve = pointwise_curve(name, problem.family, loo_eta, problem.Y, eval_w,
                                keep=self.store_cv_results) \
            if name in BUILTIN_SCORES else None
        if curve is not None:
            mean, se, E = curve
            if self.store_cv_results:
                self.cv_results_ = E.T  # (n, L)
        else:
            mean = np.array([self._set_error(name, problem, e, slice(None), classes, codes,
                                             eval_w, X) for e in loo_eta])
            se = None
            if self.rule == "1se":
                raise ValueError(f"rule='1se' needs a per-sample error; scoring {name!r} "
                                 "does not split over samples (use k-fold)")
        return Selection.from_curve(grid, criterion, mean, se, df, self.rule)

    # ------------------------------------------------------------------ k-fold
    def _splits(self, X, codes, groups):
        cv = self.cv
        if isinstance(cv, numbers.Integral):
            from sklearn.model_selection import StratifiedKFold

            cv = StratifiedKFold(int(cv))
        return as_splits(cv, X, codes, groups)

    def _checked_splits(self, X, codes, classes, groups) -> list:
        """The CV splits, each training set holding every class."""
        splits = self._splits(X, codes, groups)
        for k, (train, _) in enumerate(splits):
            if np.unique(codes[train]).size < classes.size:
                raise ValueError(f"fold {k}: a class is missing from the training rows; "
                                 "use a stratified splitter or fewer folds")
        return splits

    def _held_out_errors(self, name, problem, thetas, test, classes, codes, eval_w, X):
        """The criterion on the rows ``test`` for every fit of a path (``thetas``: L × d ×
        K); the linear predictors of all L fits from one product with the held-out rows."""
        K = problem.K
        etas = problem.design.rows(test).eta(np.concatenate(list(thetas), axis=1))
        return np.array([self._set_error(name, problem, etas[:, j * K:(j + 1) * K], test,
                                         classes, codes, eval_w, X)
                         for j in range(len(thetas))])

    def _kfold(self, name, problem, X, codes, classes, eval_w, grid, groups, df):
        splits = self._checked_splits(X, codes, classes, groups)
        errors = np.empty((len(splits), grid.size))
        weights = np.empty(len(splits))
        fold_tol = self.tol if self.cv_tol is None else float(self.cv_tol)
        shared = None
        if problem.K == 1 and problem.mode == "exact":
            # all folds in lockstep: every pass over X serves every fold
            masks = np.zeros((len(splits), problem.design.n), bool)
            for k, (train, _) in enumerate(splits):
                masks[k, train] = True
            try:
                shared = fold_paths(replace(problem, tol=fold_tol), masks, grid)
            except np.linalg.LinAlgError as exc:
                raise ValueError(str(exc)) from None
        for k, (train, test) in enumerate(splits):
            if shared is None:
                sub = problem.rows(train)
                sub.tol = fold_tol
                try:
                    thetas = fit_path(sub, grid, stats=False)["theta"]
                except np.linalg.LinAlgError as exc:
                    raise ValueError(str(exc)) from None
            else:
                thetas = shared[k][:, :, None]
            errors[k] = self._held_out_errors(name, problem, thetas, test, classes, codes,
                                              eval_w, X)
            weights[k] = eval_w[test].sum()
        if self.store_cv_results:
            self.cv_results_ = errors
        mean, se = summarize_folds(errors[:, :, None], weights)
        return Selection.from_curve(grid, "kfold", mean[:, 0], se[:, 0], df, self.rule,
                                    extra={"fold_error": errors, "fold_weight": weights,
                                           "scoring": name})

    def _set_error(self, name, problem, eta, rows, classes, codes, eval_w, X) -> float:
        Y, w = problem.Y[rows], eval_w[rows]
        if name in BUILTIN_SCORES:
            return set_error(name, problem.family, eta, Y, w)
        from sklearn.metrics import get_scorer

        scorer = get_scorer(name) if isinstance(name, str) else name
        y_true = self._y[rows]
        return -float(scorer(_Fitted(classes, eta, problem.family), problem.design.X[rows],
                             y_true))
