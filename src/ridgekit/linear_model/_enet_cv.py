"""``ElasticNetCV`` and ``LassoCV``: α (and ``l1_ratio``, and the relaxed fit's γ) chosen by
exact k-fold, with the same :class:`~ridgekit.select.Selection` as ``RidgeCV``.

When X is dense with n >= p nothing is refitted from the data: one pass accumulates
:class:`~ridgekit.moments.FoldMoments`; the training moments of each fold are the total
with the fold taken out; each fold's whole path is solved on its p x p Gram with warm
starts, and the validation error of every α follows from the held-out fold's own moments
(:mod:`ridgekit.linear_model._enet_folds`). Otherwise (p > n, scipy.sparse X) a fold's
training fit is on its own rows (a CSC row subset, never densified).
"""

from __future__ import annotations

import numbers
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit.linear_model._base import LinearRegressorBase
from ridgekit.linear_model._enet import ElasticNet, ENetPath, check_grid
from ridgekit.linear_model._enet_folds import (  # noqa: F401 (REFINE_MARGIN: re-exported)
    FOLD_TOL_FACTOR,
    REFINE_MARGIN,
    FoldData,
    hold_blas,
    threads,
)
from ridgekit.linear_model._enet_problem import (
    build_problem,
    check_moments_finite,
    penalty_for,
    problem_from_moments,
    ridge_floor,
    validate_enet,
)
from ridgekit.linear_model._enet_relax import relax_mix, relaxed_coefs
from ridgekit.moments import FoldMoments
from ridgekit.select import Selection, as_splits, summarize_folds
from ridgekit.sparse import alpha_grid, alpha_max, check_l1_ratio, solve_path

__all__ = ["ElasticNetCV", "LassoCV"]


class ElasticNetCV(LinearRegressorBase):
    """Elastic net with α (and ``l1_ratio``) chosen by exact k-fold cross-validation.

    Parameters
    ----------
    l1_ratio : float or list of float in [0, 1], default=0.5
        A list is searched jointly with α (scikit-learn's convention).
    eps : float, default=1e-3
        Default grid: from :math:`\\alpha_{max}` (weighted, on the whole data, per
        ``l1_ratio``) down to ``eps`` :math:`\\cdot\\,\\alpha_{max}` (three decades lower still
        for ``l1_ratio`` below 1e-3, where :math:`\\alpha_{max}` is glmnet's ridge value; see
        :func:`ridgekit.sparse._path.alpha_grid`).
    alphas : int or array-like, default=100
        Number of grid values, or the grid itself (values > 0).
    cv : None, int, fold-id array or splitter, default=None
        None: 5-fold; an int k: KFold(k) without shuffling (as scikit-learn); any splitter.
    rule : {"min", "1se"}, default="min"
        λ_min, or the largest α within one standard error of the minimum (glmnet's
        ``lambda.1se``). With a list of ``l1_ratio`` the ratio is the one with the
        smallest minimum error; the rule then picks α on its curve.
    relax : {False, True, "ls", "ridge"}, default=False
        glmnet's relaxed fit: on each α's active set refit by least squares (True/"ls")
        or keeping only the L2 part of the penalty ("ridge"), and use
        :math:`\\gamma\\beta + (1-\\gamma)\\beta_{relaxed}` with γ chosen by CV from ``gammas``.
    gammas : sequence of float in [0, 1], default=(0, 0.25, 0.5, 0.75, 1)
    n_jobs : int or None, default=None
        Threads for the fold paths (the compiled solver releases the GIL; the result does
        not depend on it). None or 1: serial, as in scikit-learn; -1: all cores. Serial
        still uses the cores for the rest: the fold-moment pass is split over
        single-threaded BLAS workers, and on the Gram route a second thread forms the
        next fold's Gram and the held-out errors while a path is solved.
    fit_intercept, precompute, max_iter, tol, positive, standardize, penalty_factor,
    lower_bounds, upper_bounds, screening
        As in :class:`~ridgekit.linear_model.ElasticNet`; on the Gram route the fold paths
        are solved to ``tol`` and the α values near each curve's minimum (and 1-SE point)
        again to ``tol / 10`` (:data:`FOLD_TOL_FACTOR`), the final fit to ``tol``.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
    l1_ratio_ : float
    gamma_ : float
        Chosen γ of the relaxed fit (1.0 when ``relax=False``).
    selection_ : Selection
        The CV curve of the chosen ``l1_ratio`` (and γ): mean, standard error, λ_min,
        λ_1se, per-fold errors in ``extra["fold_mse"]``.
    selections_ : list of Selection
        One per ``l1_ratio`` (at the chosen γ).
    alphas_ : ndarray of shape (n_l1_ratio, n_alphas) or (n_alphas,)
    mse_path_ : ndarray of shape ([n_l1_ratio,] n_alphas, n_folds[, n_targets])
        As scikit-learn's (validation mean squared error per fold).
    path_ : ENetPath
        The path on all the data at the chosen ``l1_ratio``.
    coef_, intercept_, dual_gap_, n_iter_, n_features_in_, feature_names_in_
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in ElasticNet._parameter_constraints.items()
           if k not in ("alpha", "warm_start")},
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "alphas": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "cv": [None, numbers.Integral, "array-like", "cv_object"],
        "rule": [StrOptions({"min", "1se"})],
        "relax": ["boolean", StrOptions({"ls", "ridge"})],
        "gammas": ["array-like"],
        "n_jobs": [None, numbers.Integral],
    }

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, alphas=100, cv=None, rule="min",
                 relax=False, gammas=(0.0, 0.25, 0.5, 0.75, 1.0), fit_intercept=True,
                 precompute="auto", max_iter=1000, tol=1e-4, positive=False,
                 standardize=False, penalty_factor=None, lower_bounds=None,
                 upper_bounds=None, screening=True, n_jobs=None):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.cv = cv
        self.rule = rule
        self.relax = relax
        self.gammas = gammas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.positive = positive
        self.standardize = standardize
        self.penalty_factor = penalty_factor
        self.lower_bounds = lower_bounds
        self.upper_bounds = upper_bounds
        self.screening = screening
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ options
    def _ratios(self) -> list[float]:
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=float))
        if ratios.ndim != 1 or ratios.size == 0:
            raise ValueError("l1_ratio must be a number or a non-empty 1-D list")
        return [check_l1_ratio(r) for r in ratios]

    def _relax_kind(self) -> str | None:
        if self.relax is False:
            return None
        return "ls" if self.relax is True else self.relax

    def _gammas(self) -> np.ndarray:
        if self.relax is False:
            return np.array([1.0])
        g = np.asarray(self.gammas, dtype=float).ravel()
        if g.size == 0 or np.any(~np.isfinite(g)) or np.any((g < 0) | (g > 1)):
            raise ValueError("gammas must be a non-empty list of values in [0, 1]")
        return g

    def _penalty_of(self, p, rho):
        """A fold's penalty from its column scales (one penalty for every fold unless
        standardizing, where the scales enter)."""
        if self.standardize:
            return lambda scale: self._penalty(scale, p, rho)
        fixed = self._penalty(None, p, rho)
        return lambda scale: fixed

    def _penalty(self, scale, p, rho):
        return penalty_for(scale, p, rho, self.standardize, self.penalty_factor,
                           self.lower_bounds, self.upper_bounds, self.positive)

    # ---------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None, groups=None):
        """Choose α (and ``l1_ratio``, γ) by k-fold and fit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Each target gets its own α (``l1_ratio`` and γ are shared).
        sample_weight : array-like of shape (n_samples,), optional
            Used in the fits, the fold errors and the α grid.
        groups : array-like, optional
            For group splitters.

        Returns
        -------
        self
        """
        from ridgekit.scale.dask import is_dask_collection

        if is_dask_collection(X):  # blockwise fold moments on the workers; X never moves
            from ridgekit.scale.estimators import fit_enet_cv

            return fit_enet_cv(self, X, y, sample_weight)
        self._validate_params()
        ratios = self._ratios()
        kind = self._relax_kind()
        gammas = self._gammas()
        X, Y, w, y_was_1d, route = validate_enet(self, X, y, sample_weight, self.precompute)
        splits = as_splits(5 if self.cv is None else self.cv, X,
                           Y[:, 0] if y_was_1d else Y, groups)
        folds = FoldData(X, Y, w, splits, self.fit_intercept, route)
        if folds.total is not None:
            check_moments_finite(X, folds.total)
            full = problem_from_moments(folds.total, self.fit_intercept)
        else:
            full = build_problem(X, Y, w, self.fit_intercept, self.precompute)
        return self._select(folds, full, ratios, kind, gammas, y_was_1d, X.dtype)

    def fit_moments(self, folds: FoldMoments, feature_names=None):
        """Choose α (and ``l1_ratio``, γ) by exact k-fold from per-fold moments alone (data
        streamed from disk or reduced on a cluster) and fit on their merge: the Gram route
        end to end, never the rows. ``cv`` and ``precompute`` are ignored.

        Parameters
        ----------
        folds : FoldMoments
        feature_names : sequence of str, optional

        Returns
        -------
        self
        """
        self._validate_params()
        if folds.n_folds < 2:
            raise ValueError("k-fold needs at least 2 folds with samples")
        ratios, kind, gammas = self._ratios(), self._relax_kind(), self._gammas()
        data = FoldData.from_fold_moments(folds, self.fit_intercept)
        full = problem_from_moments(data.total, self.fit_intercept)
        self.n_features_in_ = full.n_features
        if feature_names is not None:
            self.feature_names_in_ = np.asarray(feature_names, dtype=object)
        return self._select(data, full, ratios, kind, gammas, full.n_targets == 1, np.float64)

    def _select(self, folds, full, ratios, kind, gammas, y_was_1d, dtype):
        # numpy's BLAS on one thread throughout: its threads would spin beside the
        # compiled solver (the fold phase overlaps its products on a helper thread)
        with hold_blas() as workers:
            return self._choose(folds, full, ratios, kind, gammas, y_was_1d, dtype, workers)

    def _choose(self, folds, full, ratios, kind, gammas, y_was_1d, dtype, workers):
        t, p = full.n_targets, full.n_features
        grids, errors = [], []
        for rho in ratios:
            grid = self._grid(full, rho, t)
            grids.append(grid)
            gram = folds.route == "gram"
            errors.append(folds.errors(grid, self._penalty_of(p, rho), self.tol, self.max_iter,
                                       self.screening, kind, gammas,
                                       self.tol * FOLD_TOL_FACTOR if gram else None,
                                       self.rule, threads(self.n_jobs), workers))
        # errors[i]: (n_gamma, K, L, t)
        weights = folds.weights
        best, selections = None, []
        for i, err in enumerate(errors):
            for gi in range(gammas.size):
                mean, se = summarize_folds(err[gi], weights)
                score = float(np.sum(mean.min(axis=0)))
                if best is None or score < best[0] - 1e-15 * abs(best[0]):
                    best = (score, i, gi)
        _, i_best, g_best = best
        for i, err in enumerate(errors):
            mean, se = summarize_folds(err[g_best], weights)
            sq = mean.shape[1] == 1
            sel = Selection.from_curve(
                grids[i], "kfold", mean[:, 0] if sq else mean, se[:, 0] if sq else se,
                None, self.rule, warn_edge=(i == i_best),
                extra={"fold_mse": err[g_best][..., 0] if sq else err[g_best],
                       "fold_weight": weights, "l1_ratio": ratios[i],
                       "gamma": float(gammas[g_best])})
            selections.append(sel)
        self._finish(full, ratios, grids, errors, selections, i_best, g_best, gammas, kind,
                     y_was_1d, dtype)
        return self

    def _grid(self, problem, rho, t) -> np.ndarray:
        if isinstance(self.alphas, numbers.Integral):
            penalty = self._penalty(problem.scale, problem.n_features, rho)
            amax = max(alpha_max(problem.design(k), penalty) for k in range(t))
            return alpha_grid(amax, int(self.alphas), self.eps, rho,
                              ridge_floor(problem.design(0), penalty))
        return check_grid(self.alphas)

    def _finish(self, full, ratios, grids, errors, selections, i_best, g_best, gammas, kind,
                y_was_1d, dtype):
        rho = ratios[i_best]
        grid = grids[i_best]
        sel = selections[i_best]
        penalty = self._penalty(full.scale, full.n_features, rho)
        t = full.n_targets
        coefs = np.empty((grid.size, t, full.n_features))
        gaps = np.empty((grid.size, t))
        n_iter = np.empty((grid.size, t), dtype=np.int64)
        tol_abs = np.empty(t)
        for k in range(t):
            sol = solve_path(full.design(k), penalty, grid, self.tol, self.max_iter, None,
                             self.screening)
            coefs[:, k], gaps[:, k], n_iter[:, k], tol_abs[k] = sol.coefs, sol.gaps, \
                sol.n_iter, sol.tol
        intercepts = np.stack([full.intercept(coefs[:, k], k) for k in range(t)], axis=1)
        self.path_ = ENetPath(grid, rho, coefs, intercepts, gaps, n_iter, tol_abs, full,
                              penalty, (self.tol, self.max_iter, self.screening), y_was_1d)
        chosen = np.broadcast_to(np.atleast_1d(
            sel.index_1se if self.rule == "1se" else sel.index_min), (t,))
        gamma = float(gammas[g_best])
        coef = np.array([coefs[chosen[k], k] for k in range(t)])
        if kind is not None and gamma < 1.0:
            for k in range(t):
                design = full.design(k)
                l1, l2 = penalty.at(float(grid[chosen[k]]))
                relaxed = relaxed_coefs(design, coef[k][None], l2[None] if kind == "ridge"
                                        else None, penalty.lower, penalty.upper)[0]
                coef[k] = relax_mix(coef[k], relaxed, gamma)
        intercept = np.array([full.intercept(coef[k], k) for k in range(t)])
        self._store(coef, intercept, y_was_1d, dtype)
        alpha = grid[chosen]
        self.alpha_ = float(alpha[0]) if y_was_1d else alpha.copy()
        self.l1_ratio_ = rho
        self.gamma_ = gamma
        self.selection_ = sel
        self.selections_ = selections
        self.alphas_ = grids[0].copy() if len(grids) == 1 else np.stack(grids)
        mse = [np.moveaxis(e[g_best], 0, 1) for e in errors]  # (L, K, t)
        mse = [m[..., 0] if y_was_1d else m for m in mse]
        self.mse_path_ = mse[0] if len(mse) == 1 else np.stack(mse)
        self.dual_gap_ = float(gaps[chosen[0], 0]) if y_was_1d else gaps[chosen, np.arange(t)]
        self.n_iter_ = int(n_iter[chosen[0], 0]) if y_was_1d else n_iter[chosen, np.arange(t)]
        self.route_ = full.route


class LassoCV(ElasticNetCV):
    """The lasso with α chosen by exact k-fold: :class:`ElasticNetCV` with ``l1_ratio=1``.

    Parameters are those of :class:`ElasticNetCV` without ``l1_ratio``.
    """

    _parameter_constraints: dict = {
        k: v for k, v in ElasticNetCV._parameter_constraints.items() if k != "l1_ratio"
    }

    def __init__(self, *, eps=1e-3, alphas=100, cv=None, rule="min", relax=False,
                 gammas=(0.0, 0.25, 0.5, 0.75, 1.0), fit_intercept=True, precompute="auto",
                 max_iter=1000, tol=1e-4, positive=False, standardize=False,
                 penalty_factor=None, lower_bounds=None, upper_bounds=None, screening=True,
                 n_jobs=None):
        super().__init__(l1_ratio=1.0, eps=eps, alphas=alphas, cv=cv, rule=rule, relax=relax,
                         gammas=gammas, fit_intercept=fit_intercept, precompute=precompute,
                         max_iter=max_iter, tol=tol, positive=positive,
                         standardize=standardize, penalty_factor=penalty_factor,
                         lower_bounds=lower_bounds, upper_bounds=upper_bounds,
                         screening=screening, n_jobs=n_jobs)
