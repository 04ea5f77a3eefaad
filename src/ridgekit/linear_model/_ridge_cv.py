"""``RidgeCV``: ridge with λ chosen on one decomposition (LOO, GCV or exact k-fold)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import check_scoring
from sklearn.utils._param_validation import StrOptions

from ridgekit._validation import check_alpha_grid
from ridgekit.decompose import build_spectrum, solve_ridge
from ridgekit.linear_model._base import LinearRegressorBase, validate_xy
from ridgekit.moments import FoldMoments
from ridgekit.select import (
    as_splits,
    default_alphas,
    discrepancy,
    evidence,
    fold_partitions,
    gcv,
    hkb,
    kfold,
    kfold_fit,
    kfold_from_arrays,
    lawless_wang,
    lcurve,
    loo,
    loo_errors,
    target_df,
)
from ridgekit.select._selection import Selection
from ridgekit.spectrum import GRAM_CONDITION_LIMIT, from_moments

__all__ = ["RidgeCV"]


class _Predictions(RegressorMixin, BaseEstimator):
    """Stands in for an estimator whose predictions are already known (for scorers)."""

    def __init__(self, pred=None):
        self._pred = pred

    def predict(self, X):
        return self._pred


class RidgeCV(LinearRegressorBase):
    """Ridge regression with λ chosen by cross-validation on one decomposition.

    Parameters
    ----------
    alphas : None, int or array-like, default=None
        The grid. None: 100 values from the spectrum spanning effective df from about the
        rank down to 0.5; an int: that many such values; an array: the grid as given.
    cv : None, "loo", "gcv", int, fold-id array or splitter, default=None
        None or "loo": exact leave-one-out in closed form. "gcv": generalized CV.
        An int k: KFold(k) without shuffling (as scikit-learn). A fold-id array (one id per
        row) or any scikit-learn splitter (KFold(shuffle=True), GroupKFold with
        ``groups``, RepeatedKFold, ...): exact k-fold from per-fold moments in one pass.
    rule : {"min", "1se"}, default="min"
        Minimum of the criterion, or the largest λ within one standard error of it.
    scoring : None, str or callable, default=None
        None: mean squared error from the moments. Otherwise any scikit-learn scorer,
        applied to leave-one-out or held-out-fold predictions for every λ.
    alpha_per_target : bool, default=False
        One λ per target (vectorized over targets) instead of one for all.
    fit_intercept : bool, default=True
    store_cv_results : bool, default=False
        Keep the per-sample (LOO) or per-fold (k-fold) errors in ``cv_results_``.

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
    selection_ : Selection
        The criterion curve, its standard errors, λ_min and λ_1se.
    best_score_ : float or ndarray
        Score of the chosen λ (negative mean squared error by default).
    cv_results_ : ndarray
        (n_samples, n_alphas) or (n_samples, n_targets, n_alphas) squared LOO errors, or
        (n_folds, n_alphas[, n_targets]) fold errors for k-fold.
    alphas_ : ndarray
        The grid used.
    spectrum_ : Spectrum
        The decomposition of the whole data (without U), for :meth:`summary`.
    coef_, intercept_, n_features_in_, feature_names_in_
    """

    _parameter_constraints: dict = {
        "alphas": [None, numbers.Integral, "array-like"],
        "cv": [None, StrOptions({"loo", "gcv"}), numbers.Integral, "array-like", "cv_object"],
        "rule": [StrOptions({"min", "1se"})],
        "scoring": [None, str, callable],
        "alpha_per_target": ["boolean"],
        "fit_intercept": ["boolean"],
        "store_cv_results": ["boolean"],
    }

    def __init__(self, alphas=None, *, cv=None, rule="min", scoring=None,
                 alpha_per_target=False, fit_intercept=True, store_cv_results=False):
        self.alphas = alphas
        self.cv = cv
        self.rule = rule
        self.scoring = scoring
        self.alpha_per_target = alpha_per_target
        self.fit_intercept = fit_intercept
        self.store_cv_results = store_cv_results

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None, groups=None):
        """Choose λ and fit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A sparse X is read in dense row blocks (its p x p Gram must fit in memory).
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional
        groups : array-like of shape (n_samples,), optional
            Group labels for group splitters.

        Returns
        -------
        self
        """
        self._validate_params()
        X, Y, w, y_was_1d = validate_xy(self, X, y, sample_weight, accept_sparse=("csr",))
        cv = "loo" if self.cv is None else self.cv
        if self.rule == "1se" and isinstance(cv, str) and cv == "gcv":
            raise ValueError("rule='1se' needs standard errors; GCV has none (use 'loo' or k)")
        if isinstance(cv, str):
            selection, spectrum = self._closed_form(X, Y, w, cv, y_was_1d)
        else:
            selection, spectrum = self._kfold(X, Y, w, cv, groups, y_was_1d)
        refit = None if spectrum.representation == "precise" or hasattr(X, "toarray") else \
            (lambda a: solve_ridge(X, Y, a, w, self.fit_intercept)[:2])
        return self._finish(selection, spectrum, Y.shape[1], y_was_1d, X.dtype, refit)

    def fit_moments(self, folds: FoldMoments, feature_names=None):
        """Choose λ by exact k-fold from per-fold moments alone (data streamed from disk
        or reduced on a cluster) and fit on their merge. ``cv`` and ``scoring`` are
        ignored: the folds are given, and the error is the mean squared error.

        Parameters
        ----------
        folds : FoldMoments
        feature_names : sequence of str, optional

        Returns
        -------
        self
        """
        self._validate_params()
        result = kfold_fit(folds, self.alphas, self.rule, self.fit_intercept,
                           self.alpha_per_target)
        if self.store_cv_results:
            self.cv_results_ = result.selection_.extra["fold_mse"]
        self.n_features_in_ = result.n_features_in_
        if feature_names is not None:
            self.feature_names_in_ = np.asarray(feature_names, dtype=object)
        t = np.atleast_2d(result.coef_).shape[0]
        return self._finish(result.selection_, result.spectrum_, t, t == 1, np.float64, None)

    def _finish(self, selection, spectrum, n_targets, y_was_1d, dtype, refit):
        """Store the choice and the coefficients at the chosen λ: from the decomposition at
        hand unless it is too ill-conditioned there and ``refit`` can do better."""
        self.selection_ = selection
        self.alphas_ = selection.alphas
        alpha = np.broadcast_to(np.asarray(selection.alpha, float), (n_targets,))
        per_target = self.alpha_per_target and not y_was_1d
        self.alpha_ = alpha.copy() if per_target else float(alpha[0])
        if refit is None or spectrum.condition_number([alpha.min()])[0] <= GRAM_CONDITION_LIMIT:
            coef = spectrum.coef(alpha)
            intercept = spectrum.intercept(coef)
        else:
            coef, intercept = refit(alpha)
        self._store(coef, intercept, y_was_1d, dtype)
        chosen = np.atleast_1d(np.asarray(selection.alpha))
        idx = np.argmin(np.abs(selection.alphas[:, None] - chosen[None, :]), axis=0)
        mean = selection.mean[:, None] if selection.mean.ndim == 1 else selection.mean
        score = -mean[idx, np.arange(idx.size)]
        self.best_score_ = float(score[0]) if score.size == 1 else score
        self.spectrum_ = spectrum
        return self

    def _grid(self, spectrum) -> np.ndarray:
        if self.alphas is None:
            return default_alphas(spectrum)
        if isinstance(self.alphas, numbers.Integral):
            return default_alphas(spectrum, int(self.alphas))
        grid = check_alpha_grid(self.alphas)
        if np.any(grid <= 0):
            raise ValueError("alphas must be > 0 for cross-validation; got a value <= 0")
        return grid

    def _closed_form(self, X, Y, w, cv, y_was_1d):
        spectrum = build_spectrum(X, Y, w, self.fit_intercept)
        grid = self._grid(spectrum)
        if cv == "gcv":
            if self.scoring is not None:
                raise ValueError("scoring applies to 'loo' and k-fold, not to 'gcv'")
            sel = gcv(spectrum, grid, per_target=self.alpha_per_target)
        else:
            spectrum = spectrum.with_data(X, Y, w)
            if self.scoring is None:
                sel = loo(spectrum, grid, self.rule, per_target=self.alpha_per_target)
            else:
                sel = self._scored_loo(spectrum, X, Y, grid)
            if self.store_cv_results:
                r2 = loo_errors(spectrum, grid) ** 2  # (L, n, t)
                self.cv_results_ = np.moveaxis(r2, 0, -1)[:, 0] if y_was_1d else \
                    np.moveaxis(r2, 0, -1)
        return sel, _without_data(spectrum)

    def _scored_loo(self, spectrum, X, Y, grid) -> Selection:
        scorer = check_scoring(self, scoring=self.scoring)
        resid = loo_errors(spectrum, grid)  # y - yhat_{-i}
        y_eval = Y[:, 0] if Y.shape[1] == 1 else Y
        scores = np.array([
            scorer(_Predictions(_match(Y - resid[k], y_eval)), X, y_eval)
            for k in range(grid.size)
        ])
        return Selection.from_curve(grid, "loo", -scores, None, spectrum.df(grid), self.rule)

    def _kfold(self, X, Y, w, cv, groups, y_was_1d):
        splits = as_splits(cv, X, Y[:, 0] if y_was_1d else Y, groups)
        partitions = fold_partitions(splits, X.shape[0])
        if partitions is not None:
            parts = [FoldMoments.from_arrays(X, Y, ids, w) for ids in partitions]
            spectrum = from_moments(parts[0].total(), self.fit_intercept)
        else:
            parts = None
            spectrum = build_spectrum(X, Y, w, self.fit_intercept)
        grid = self._grid(spectrum)
        if self.scoring is not None:
            sel = self._scored_kfold(X, Y, w, splits, grid)
        elif parts is not None:
            sel = kfold(parts, grid, self.rule, self.fit_intercept,
                        per_target=self.alpha_per_target)
        else:
            sel = kfold_from_arrays(X, Y, splits, grid, w, self.rule, self.fit_intercept,
                                    per_target=self.alpha_per_target)
        if self.store_cv_results and "fold_mse" in sel.extra:
            self.cv_results_ = sel.extra["fold_mse"]
        return sel, _without_data(spectrum)

    def _scored_kfold(self, X, Y, w, splits, grid) -> Selection:
        """Any scorer on held-out predictions: one decomposition per fold, all λ from it."""
        scorer = check_scoring(self, scoring=self.scoring)
        scores = np.empty((len(splits), grid.size))
        for k, (train, test) in enumerate(splits):
            spec = build_spectrum(X[train], Y[train], None if w is None else w[train],
                                  self.fit_intercept, alpha_min=float(grid.min()))
            pred = spec.predict(X[test], grid)  # (L, n_test, t)
            y_eval = Y[test, 0] if Y.shape[1] == 1 else Y[test]
            scores[k] = [scorer(_Predictions(_match(pred[j], y_eval)), X[test], y_eval)
                         for j in range(grid.size)]
        mean = -scores.mean(axis=0)
        se = scores.std(axis=0, ddof=1) / np.sqrt(len(splits))
        return Selection.from_curve(grid, "kfold", mean, se, None, self.rule,
                                    extra={"fold_score": scores})

    # -------------------------------------------------------------- summary
    def summary(self, print_it: bool = True) -> str:
        """λ by every rule on the whole data, in the manner of ``MASS::select`` and more.

        Returns the text (and prints it unless ``print_it=False``).
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        spec = self.spectrum_
        grid = self.alphas_
        lines = [f"RidgeCV: {self.selection_.criterion} with rule {self.selection_.rule!r} "
                 f"chose alpha = {_fmt(self.alpha_)}"]
        sel = self.selection_
        if sel.alpha_min is not None:
            lines.append(f"  alpha_min = {_fmt(sel.alpha_min)}")
        if sel.alpha_1se is not None:
            lines.append(f"  alpha_1se = {_fmt(sel.alpha_1se)}")
        rules = {
            "modified HKB estimator (MASS)": lambda: hkb(spec).alpha,
            "modified L-W estimator (MASS)": lambda: lawless_wang(spec).alpha,
            "smallest value of GCV at": lambda: gcv(spec, grid, warn_edge=False).alpha,
            "L-curve corner at": lambda: lcurve(spec, grid, warn_edge=False).alpha,
            "discrepancy principle (s^2 of LS) at": lambda: discrepancy(spec).alpha,
            "maximum evidence (empirical Bayes) at": lambda: evidence(spec, grid).alpha,
            "df = 5 at": lambda: target_df(spec, 5.0).alpha,
        }
        for label, fn in rules.items():
            try:
                lines.append(f"{label} {_fmt(fn())}")
            except ValueError as exc:
                lines.append(f"{label} undefined ({exc})")
        text = "\n".join(lines)
        if print_it:
            print(text)
        return text


def _match(pred: np.ndarray, y_eval: np.ndarray) -> np.ndarray:
    return pred[:, 0] if y_eval.ndim == 1 else pred


def _fmt(a) -> str:
    a = np.asarray(a, dtype=float)
    return f"{float(a):.6g}" if a.size == 1 else np.array2string(a, precision=4)


def _without_data(spectrum):
    """The spectrum without its n-sized arrays, to keep a fitted estimator light."""
    from ridgekit.spectrum import _replace

    return _replace(spectrum, U=None, resid0=None)
