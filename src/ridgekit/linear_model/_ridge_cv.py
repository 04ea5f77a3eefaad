"""``RidgeCV``: ridge with λ chosen on one decomposition, by any rule of
:mod:`ridgekit.select` (LOO, GCV, exact k-fold, HKB, Lawless–Wang, L-curve, discrepancy,
evidence, target df)."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import check_scoring
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit.decompose import build_spectrum, solve_ridge
from ridgekit.linear_model._base import LinearRegressorBase, validate_xy
from ridgekit.moments import FoldMoments
from ridgekit.select import (
    DF_CONVENTION,
    RULES,
    as_splits,
    check_grid,
    default_alphas,
    degrees_of_freedom,
    discrepancy,
    evidence,
    fold_partitions,
    gcv,
    get_rule,
    hkb,
    kfold,
    kfold_fit,
    kfold_from_arrays,
    lawless_wang,
    lcurve,
    loo_errors,
    select_by_name,
    target_df,
)
from ridgekit.select._selection import Selection
from ridgekit.spectrum import GRAM_CONDITION_LIMIT, from_moments

__all__ = ["RidgeCV", "SummaryText"]


class _Predictions(RegressorMixin, BaseEstimator):
    """Stands in for an estimator whose predictions are already known (for scorers)."""

    def __init__(self, pred=None):
        self._pred = pred

    def predict(self, X):
        return self._pred


class SummaryText(str):
    """The text of :meth:`RidgeCV.summary`: a ``str`` whose ``repr`` is the text itself,
    so that the REPL shows it once, as printed, and ``print`` shows it the same."""

    def __repr__(self) -> str:
        return str(self)


class RidgeCV(LinearRegressorBase):
    """Ridge regression with λ chosen on one decomposition.

    Parameters
    ----------
    alphas : None, int or array-like, default=None
        The grid. None: 100 values from the spectrum spanning effective df from 0.5 to
        nearly the rank; an int: that many such values. With this default grid the rules
        that cost nothing per λ (loo, gcv, k-fold MSE) extend it where their minimum sits
        on an end and refine the minimum continuously (bounded Brent search on log λ), so
        ``alpha_`` need not be a grid value. An array: the grid as given (values >= 0;
        0 only for a full-rank design), no extension or refinement.
    cv : None, str, int, fold-id array, splitter or iterable of splits, default=None
        None or ``"loo"``: exact leave-one-out in closed form. A name of
        :data:`ridgekit.select.RULES`: ``"gcv"`` (Golub–Heath–Wahba), ``"gcv-mass"``
        (MASS's form), ``"hkb"``, ``"lawless-wang"`` (MASS forms), ``"lcurve"``,
        ``"discrepancy"``, ``"evidence"``, ``"df"`` (with ``df=``; ESL's df = 5 fit is
        ``RidgeCV(cv="df", df=5)``). An int k: KFold(k) without shuffling (as
        scikit-learn). A fold-id array (one id per row), any scikit-learn splitter
        (KFold(shuffle=True), GroupKFold with ``groups``, RepeatedKFold, ...) or an
        iterable of (train, test) index pairs (``KFold(4).split(X)``): exact k-fold from
        per-fold moments in one pass.
    rule : {"min", "1se"}, default="min"
        Minimum of the criterion, or the largest λ within one standard error of it
        (loo and k-fold only).
    scoring : None, str or callable, default=None
        None: mean squared error from the moments. Otherwise any scikit-learn scorer,
        applied to leave-one-out or held-out-fold predictions for every λ (loo and k-fold
        only); with ``alpha_per_target`` it is evaluated on each target on its own.
    alpha_per_target : bool, default=False
        One λ per target (vectorized over targets) instead of one for all.
    fit_intercept : bool, default=True
    store_cv_results : bool, default=False
        Keep the per-sample (LOO) or per-fold (k-fold) errors in ``cv_results_``.
    df : float, optional
        Target effective degrees of freedom for ``cv="df"`` (intercept not counted).

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
    selection_ : Selection
        The criterion curve, its standard errors, λ_min and λ_1se.
    best_score_ : float, ndarray or None
        Score of the chosen λ (negative mean squared error by default; negative criterion
        for the other curves; None for closed-form rules such as hkb).
    df_ : float or ndarray
        Effective degrees of freedom at ``alpha_``, intercept not counted
        (:data:`ridgekit.select.DF_CONVENTION`).
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
        "cv": [None, StrOptions(set(RULES) | {r.replace("-", "_") for r in RULES}),
               numbers.Integral, "array-like", "cv_object"],
        "rule": [StrOptions({"min", "1se"})],
        "scoring": [None, str, callable],
        "alpha_per_target": ["boolean"],
        "fit_intercept": ["boolean"],
        "store_cv_results": ["boolean"],
        "df": [None, Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, alphas=None, *, cv=None, rule="min", scoring=None,
                 alpha_per_target=False, fit_intercept=True, store_cv_results=False,
                 df=None):
        self.alphas = alphas
        self.cv = cv
        self.rule = rule
        self.scoring = scoring
        self.alpha_per_target = alpha_per_target
        self.fit_intercept = fit_intercept
        self.store_cv_results = store_cv_results
        self.df = df

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
        from ridgekit.scale.dask import is_dask_collection
        from ridgekit.xp import fit_ridge_cv_xp, is_xp_input

        if is_dask_collection(X):  # blockwise moments on the workers; X never moves
            from ridgekit.scale.estimators import fit_ridge_cv

            return fit_ridge_cv(self, X, y, sample_weight, groups)
        if is_xp_input(X):  # torch / CuPy / array-api-strict: on their own device
            return fit_ridge_cv_xp(self, X, y, sample_weight, groups)
        self._validate_params()
        X, Y, w, y_was_1d = validate_xy(self, X, y, sample_weight, accept_sparse=("csr",))
        cv = "loo" if self.cv is None else self.cv
        if isinstance(cv, str):
            selection, spectrum = self._by_rule(X, Y, w, cv, y_was_1d)
        else:
            if self.df is not None:
                raise ValueError("df= applies to cv='df' only")
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
        score = selection.score
        self.best_score_ = None if score is None else -np.asarray(score, float)
        if self.best_score_ is not None and self.best_score_.size == 1:
            self.best_score_ = float(self.best_score_)
        df = degrees_of_freedom(spectrum, np.atleast_1d(self.alpha_))
        self.df_ = float(df[0]) if df.size == 1 else df
        self.spectrum_ = spectrum
        return self

    def _grid(self, spectrum) -> tuple[np.ndarray, bool]:
        """The grid and whether it is the default one (which cheap rules may refine)."""
        if self.alphas is None:
            return default_alphas(spectrum), True
        if isinstance(self.alphas, numbers.Integral):
            return default_alphas(spectrum, int(self.alphas)), True
        return check_grid(spectrum, self.alphas), False

    def _by_rule(self, X, Y, w, name, y_was_1d):
        rule = get_rule(name)
        if self.scoring is not None and rule.name != "loo":
            raise ValueError(f"scoring applies to 'loo' and k-fold, not to {rule.name!r}")
        if self.rule == "1se" and not rule.has_se:
            raise ValueError(f"rule='1se' needs standard errors; {rule.name!r} has none "
                             "(use 'loo' or k-fold)")
        if self.df is not None and rule.name != "df":
            raise ValueError(f"df= applies to cv='df' only, not to cv={name!r}")
        if rule.per_target_only and Y.shape[1] > 1 and not self.alpha_per_target:
            raise ValueError(f"cv={name!r} chooses one alpha per target; set "
                             "alpha_per_target=True for multi-target y")
        spectrum = build_spectrum(X, Y, w, self.fit_intercept)
        if rule.needs_data:
            spectrum = spectrum.with_data(X, Y, w)
        grid, is_default = self._grid(spectrum)
        if self.scoring is not None:
            sel = self._scored_loo(spectrum, X, Y, grid)
        else:
            options = {"df": self.df} if "df" in rule.options else {}
            sel = select_by_name(rule.name, spectrum, None if is_default else grid,
                                 rule=self.rule, per_target=self.alpha_per_target, **options)
            if is_default and sel.alphas.size < grid.size and rule.name != "df":
                pass  # closed-form rules keep their own one-point "grid"
        if self.store_cv_results and rule.name == "loo":
            r2 = loo_errors(spectrum, sel.alphas) ** 2  # (L, n, t)
            self.cv_results_ = np.moveaxis(r2, 0, -1)[:, 0] if y_was_1d else \
                np.moveaxis(r2, 0, -1)
        return sel, _without_data(spectrum)

    def _scores(self, scorer, pred, X, Y) -> np.ndarray:
        """Scores of predictions (L, n, t): (L,) pooled over targets, or (L, t) per target
        (each target scored on its own, as scikit-learn's RidgeCV(alpha_per_target=True))."""
        per_target = self.alpha_per_target and Y.shape[1] > 1
        if not per_target:
            y_eval = Y[:, 0] if Y.shape[1] == 1 else Y
            return np.array([scorer(_Predictions(_match(p, y_eval)), X, y_eval) for p in pred])
        out = np.empty((pred.shape[0], Y.shape[1]))
        for j in range(Y.shape[1]):
            for k in range(pred.shape[0]):
                try:
                    out[k, j] = scorer(_Predictions(pred[k][:, j]), X, Y[:, j])
                except (TypeError, ValueError) as exc:
                    raise ValueError(
                        f"scoring={self.scoring!r} cannot be evaluated on one target at a "
                        f"time, which alpha_per_target=True needs ({exc})") from exc
        return out

    def _scored_loo(self, spectrum, X, Y, grid) -> Selection:
        scorer = check_scoring(self, scoring=self.scoring)
        resid = loo_errors(spectrum, grid)  # y - yhat_{-i}
        scores = self._scores(scorer, Y[None] - resid, X, Y)
        sel = Selection.from_curve(grid, "loo", -scores, None, None, self.rule)
        sel.df = degrees_of_freedom(spectrum, grid)
        return sel

    def _kfold(self, X, Y, w, cv, groups, y_was_1d):
        splits = as_splits(cv, X, Y[:, 0] if y_was_1d else Y, groups)
        partitions = fold_partitions(splits, X.shape[0])
        if partitions is not None:
            parts = [FoldMoments.from_arrays(X, Y, ids, w) for ids in partitions]
            spectrum = from_moments(parts[0].total(), self.fit_intercept)
        else:
            parts = None
            spectrum = build_spectrum(X, Y, w, self.fit_intercept)
        grid, is_default = self._grid(spectrum)
        if self.scoring is not None:
            sel = self._scored_kfold(X, Y, w, splits, grid)
            sel.df = degrees_of_freedom(spectrum, grid)
        elif parts is not None:
            sel = kfold(parts, grid, self.rule, self.fit_intercept,
                        per_target=self.alpha_per_target, refine=is_default)
        else:
            sel = kfold_from_arrays(X, Y, splits, grid, w, self.rule, self.fit_intercept,
                                    per_target=self.alpha_per_target, refine=is_default)
        if self.store_cv_results and "fold_mse" in sel.extra:
            self.cv_results_ = sel.extra["fold_mse"]
        return sel, _without_data(spectrum)

    def _scored_kfold(self, X, Y, w, splits, grid) -> Selection:
        """Any scorer on held-out predictions: one decomposition per fold, all λ from it;
        mean and standard error of the fold scores, per target with alpha_per_target."""
        scorer = check_scoring(self, scoring=self.scoring)
        scores = []
        for train, test in splits:
            spec = build_spectrum(X[train], Y[train], None if w is None else w[train],
                                  self.fit_intercept, alpha_min=float(grid.min()))
            pred = spec.predict(X[test], grid)  # (L, n_test, t)
            scores.append(self._scores(scorer, pred, X[test], Y[test]))
        scores = np.array(scores)  # (K, L) or (K, L, t)
        mean = -scores.mean(axis=0)
        se = scores.std(axis=0, ddof=1) / np.sqrt(len(splits))
        return Selection.from_curve(grid, "kfold", mean, se, None, self.rule,
                                    extra={"fold_score": scores})

    # -------------------------------------------------------------- summary
    def summary(self, print_it: bool = False) -> SummaryText | None:
        """λ by every rule on the whole data, in the manner of ``MASS::select`` and more.

        Each line names the form it uses (MASS's or the original authors'); degrees of
        freedom are counted without the intercept.

        Returns
        -------
        SummaryText or None
            The text, a ``str`` whose ``repr`` is the text itself: at the REPL
            ``model.summary()`` shows it once. ``print_it=True`` prints it and returns
            None instead.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        spec = self.spectrum_
        grid = self.alphas_
        sel = self.selection_
        form = f" ({sel.extra['form']} form)" if "form" in sel.extra else ""
        lines = [f"RidgeCV: {sel.criterion}{form} with rule {sel.rule!r} chose alpha = "
                 f"{_fmt(self.alpha_)} (df = {_fmt(self.df_)})"]
        if sel.alpha_min is not None:
            lines.append(f"  alpha_min = {_fmt(sel.alpha_min)}"
                         + (" (refined off the grid)" if sel.refined else ""))
        if sel.alpha_1se is not None:
            lines.append(f"  alpha_1se = {_fmt(sel.alpha_1se)}")
        lines.append(f"  {DF_CONVENTION}")
        lines.append("")
        rules = {
            "modified HKB estimator (MASS form, (p-2) s^2/|b|^2)":
                lambda: hkb(spec, form="mass").alpha,
            "modified L-W estimator (MASS form, (p-2) s^2 n/|Xb|^2)":
                lambda: lawless_wang(spec, form="mass").alpha,
            "smallest value of GCV (MASS form, RSS/(n - sum f)^2) at":
                lambda: gcv(spec, warn_edge=False, form="mass").alpha,
            "smallest value of GCV (Golub-Heath-Wahba form, n RSS/(n - tr H)^2) at":
                lambda: gcv(spec, warn_edge=False, form="ghw").alpha,
            "L-curve corner at": lambda: lcurve(spec, grid, warn_edge=False).alpha,
            "discrepancy principle (s^2 of LS) at": lambda: discrepancy(spec).alpha,
            "maximum evidence (empirical Bayes) at": lambda: evidence(spec).alpha,
            "df = 5 (intercept not counted) at": lambda: target_df(spec, 5.0).alpha,
        }
        for label, fn in rules.items():
            try:
                lines.append(f"{label} {_fmt(fn())}")
            except ValueError as exc:
                lines.append(f"{label} undefined ({exc})")
        text = SummaryText("\n".join(lines))
        if print_it:
            print(text)
            return None
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
