"""``Ridge``, ``RidgeCV`` and ``Tikhonov`` fitted on Dask collections.

The estimators' ``fit`` hands a Dask X over to these functions; they reduce the data to
(per-fold) moments in one pass (:mod:`ridgekit.scale.dask`) and then do exactly what the
in-memory ``gram`` route does with moments, so a fit on Dask chunks equals the in-memory
fit on the same rows (and folds) up to rounding:

* ``Ridge``: :func:`ridgekit.spectrum.from_moments`, coefficients at ``alpha``.
* ``RidgeCV``: every rule of :mod:`ridgekit.select.rules` that needs only moments
  (``gcv``, ``gcv-mass``, ``hkb``, ``lawless-wang``, ``lcurve``, ``discrepancy``,
  ``evidence``, ``df``) from the moments of all rows; k-fold with ``rule="min"`` or
  ``"1se"`` from per-fold moments (:func:`ridgekit.select.kfold`), the training moments of
  each fold being merges of the others. An int ``cv`` means :class:`HashFolds` (seed 0):
  folds from a seeded hash of each row's global position, so they do not depend on the
  chunking; pass ``cv=HashFolds(k, seed)`` to the in-memory fit for the same folds.
  ``KFold(k)`` without shuffling is honoured as contiguous folds. Leave-one-out and custom
  scorers need the rows and are refused with a message saying so.
* ``Tikhonov``: :math:`(C_{xx} + \\alpha\\Gamma^T\\Gamma)\\beta = C_{xy} +
  \\alpha\\Gamma^T\\Gamma\\beta_{prior}` from the moments, :math:`\\beta_0 = \\bar y -
  \\bar x^T\\beta`.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from ridgekit.scale.dask import dask_fold_moments, store_names
from ridgekit.scale.folds import ContiguousFolds, HashFolds

__all__ = ["fit_ridge", "fit_ridge_cv", "fit_tikhonov", "fit_logistic", "fit_logistic_cv",
           "fit_enet", "fit_enet_cv", "fold_rule", "options"]


_OPTIONS: ContextVar[dict | None] = ContextVar("ridgekit_scale_options", default=None)


@contextmanager
def options(*, client=None, progress=None, max_gram_bytes: int | None = None,
            split_every: int | None = None) -> Iterator[None]:
    """Settings of the Dask fits inside a ``with`` block (estimators' ``fit`` has no room
    for them).

    Parameters
    ----------
    client : distributed.Client, optional
        Default: the current client, else Dask's local scheduler.
    progress : callable, optional
        ``progress(blocks_done, blocks_total)`` after each block's moments.
    max_gram_bytes : int, optional
        Limit on the per-fold co-moment matrices (default 2 GiB).
    split_every : int, optional
        Fan-in of the merge tree (default 8).

    Examples
    --------
    >>> with ridgekit.scale.options(progress=print):  # doctest: +SKIP
    ...     RidgeCV(cv=10).fit(X_dask, y_dask)
    """
    given = {"client": client, "progress": progress, "max_gram_bytes": max_gram_bytes,
             "split_every": split_every}
    token = _OPTIONS.set({**(_OPTIONS.get() or {}), **{k: v for k, v in given.items()
                                                if v is not None}})
    try:
        yield
    finally:
        _OPTIONS.reset(token)


def _total(est, X, y, sample_weight, folds=None):
    fm, blocks = dask_fold_moments(X, y, sample_weight, folds=folds,
                                   **(_OPTIONS.get() or {}))
    store_names(est, blocks)
    return fm, blocks


def _warn_condition(spectrum, alpha) -> None:
    from ridgekit.spectrum import GRAM_CONDITION_LIMIT

    cond = float(spectrum.condition_number([float(np.min(alpha))])[0])
    if cond > GRAM_CONDITION_LIMIT:
        warnings.warn(
            f"cond(X'X + alpha I) = {cond:.3g} exceeds {GRAM_CONDITION_LIMIT:.0e}: from "
            "moments the coefficients carry a relative error of about cond * 1e-16 (in "
            "memory ridgekit would switch to the SVD of X); standardize the features or "
            "use a larger alpha", RuntimeWarning, stacklevel=3)


def fit_ridge(est, X, y, sample_weight=None):
    """``Ridge.fit`` on a Dask X: one pass of moments, then the ``gram`` solve."""
    from ridgekit._validation import check_alpha
    from ridgekit.spectrum import from_moments

    est._validate_params()
    if est.solver not in ("auto", "gram"):
        raise ValueError(f"solver={est.solver!r} needs X in memory; a Dask X is fitted "
                         "from its moments (solver='auto' or 'gram')")
    fm, blocks = _total(est, X, y, sample_weight)
    alpha = check_alpha(est.alpha, blocks.n_targets)
    spectrum = from_moments(fm.total(), est.fit_intercept)
    _warn_condition(spectrum, alpha)
    coef = spectrum.coef(alpha)
    est.solver_ = "gram"
    est.n_iter_ = np.ones(blocks.n_targets, dtype=int)
    est._store(coef, spectrum.intercept(coef), blocks.y_was_1d, np.float64)
    return est


def fold_rule(cv, n_samples: int | None = None):
    """The fold rule of a k-fold ``cv`` argument for data that is not in memory.

    Returns a :class:`HashFolds` (an int k: seed 0) or :class:`ContiguousFolds`
    (``KFold(k)`` without shuffling, which needs ``n_samples``).

    Raises
    ------
    ValueError
        For splitters whose folds do not follow from each row's global position.
    """
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        return HashFolds(int(cv), seed=0)
    if isinstance(cv, HashFolds | ContiguousFolds):
        return cv
    if type(cv).__name__ == "KFold" and not getattr(cv, "shuffle", True):
        if n_samples is None:
            raise ValueError("KFold without shuffling needs the number of rows up front")
        return ContiguousFolds(cv.n_splits, n_samples)
    raise ValueError(
        f"cv={cv!r} is not supported on Dask: folds must follow from each row's global "
        "position; use an int k (hashed folds), ridgekit.scale.HashFolds(k, seed), "
        "KFold(k) without shuffling, or a rule that needs only moments ('gcv', ...)")


def _n_rows(X) -> int | None:
    try:
        return int(X.shape[0])
    except (TypeError, ValueError):  # a data frame's unknown length
        return None


def _check_rule(est, name: str, n_targets: int):
    """The checks of ``RidgeCV`` for a named rule, plus: it must need moments only."""
    from ridgekit.select import get_rule

    rule = get_rule(name)
    if rule.needs_data:
        raise ValueError(f"cv={name!r} needs each row's leverage, i.e. the rows themselves; "
                         "on Dask or files use k-fold (cv=10) or a rule that needs only "
                         "moments ('gcv', 'evidence', ...)")
    if est.rule == "1se" and not rule.has_se:
        raise ValueError(f"rule='1se' needs standard errors; {rule.name!r} has none "
                         "(use k-fold)")
    if getattr(est, "df", None) is not None and rule.name != "df":
        raise ValueError(f"df= applies to cv='df' only, not to cv={name!r}")
    if rule.per_target_only and n_targets > 1 and not est.alpha_per_target:
        raise ValueError(f"cv={name!r} chooses one alpha per target; set "
                         "alpha_per_target=True for multi-target y")
    return rule


def fit_ridge_cv(est, X, y, sample_weight=None, groups=None):
    """``RidgeCV.fit`` on a Dask X: any moments-only rule from the moments of all rows, or
    exact k-fold from per-fold moments accumulated in the same single pass."""
    from ridgekit.select import get_rule, kfold, select_by_name
    from ridgekit.spectrum import from_moments

    est._validate_params()
    if groups is not None:
        raise ValueError("groups are not supported on Dask; pass the folds as "
                         "ridgekit.scale.HashFolds or use a moments-only rule")
    if est.scoring is not None:
        raise ValueError("a custom scoring needs held-out predictions, i.e. the rows; on "
                         "Dask the criterion is the mean squared error (scoring=None)")
    cv = "loo" if est.cv is None else est.cv
    if isinstance(cv, str):
        get_rule(cv)  # unknown names fail before the pass
        folds = None
    else:
        if getattr(est, "df", None) is not None:
            raise ValueError("df= applies to cv='df' only")
        folds = fold_rule(cv, _n_rows(X) if type(cv).__name__ == "KFold" else None)
    if folds is None:
        _check_rule(est, cv, 1)  # everything that does not depend on the data's shape
    fm, blocks = _total(est, X, y, sample_weight, folds)
    spectrum = from_moments(fm.total(), est.fit_intercept)
    grid, is_default = est._grid(spectrum)
    if folds is None:
        rule = _check_rule(est, cv, blocks.n_targets)
        options = {"df": est.df} if "df" in rule.options else {}
        sel = select_by_name(rule.name, spectrum, None if is_default else grid,
                             rule=est.rule, per_target=est.alpha_per_target, **options)
    else:
        sel = kfold(fm, grid, est.rule, est.fit_intercept,
                    per_target=est.alpha_per_target, refine=is_default)
        if est.store_cv_results:
            est.cv_results_ = sel.extra["fold_mse"]
    _warn_condition(spectrum, sel.alpha)
    return est._finish(sel, spectrum, blocks.n_targets, blocks.y_was_1d, np.float64, None)


def fit_tikhonov(est, X, y, sample_weight=None):
    """``Tikhonov.fit`` on a Dask X: one pass of moments, then
    :math:`(C_{xx} + \\alpha P)\\beta = C_{xy} + \\alpha P\\beta_{prior}`, P = ΓᵀΓ."""
    from ridgekit._validation import check_alpha
    from ridgekit.tikhonov import _build_penalty, _check_prior

    est._validate_params()
    if est.solver not in ("auto", "gram"):
        raise ValueError(f"solver={est.solver!r} needs X in memory; a Dask X is fitted "
                         "from its moments (solver='auto' or 'gram')")
    fm, blocks = _total(est, X, y, sample_weight)
    m = fm.total()
    if not est.fit_intercept:
        m = m.uncentered()
    p, t = blocks.n_features, blocks.n_targets
    alpha = check_alpha(est.alpha, t)
    pen = _build_penalty(est.gamma, est.penalty_factor, p)
    P = pen.gram()
    prior = _check_prior(est.coef_prior, p, t)
    coef = np.empty((t, p))
    for j in range(t):
        A = m.cxx + alpha[j] * P
        b = m.cxy[:, j] + alpha[j] * (P @ prior[j])
        try:
            coef[j] = np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            raise ValueError(
                "X'X + alpha Gamma'Gamma is singular: the data do not determine the "
                "unpenalized directions (null space of Gamma); use a larger alpha or a "
                "Gamma of full column rank") from None
        if np.linalg.cond(A) > 1e12:
            raise ValueError("X'X + alpha Gamma'Gamma is numerically singular "
                             f"(condition {np.linalg.cond(A):.2g}): the unpenalized "
                             "directions are not determined by the data")
    intercept = m.mean_y - coef @ m.mean_x
    est.solver_ = "gram"
    est.n_unpenalized_ = int(pen.null.shape[1])
    est._store(coef, intercept, blocks.y_was_1d, np.float64)
    return est


def fit_logistic(est, X, y, sample_weight=None):
    """``LogisticRidge.fit`` on a Dask X: Newton with one pass over the data per step
    (:mod:`ridgekit.scale.glm`)."""
    from ridgekit.scale.glm import fit_logistic as fit

    return fit(est, X, y, sample_weight, options=_OPTIONS.get())


def fit_logistic_cv(est, X, y, sample_weight=None):
    """``LogisticRidgeCV.fit`` on a Dask X: every fold's path and the full path in
    lockstep, one pass per Newton round (:mod:`ridgekit.scale.glm_cv`)."""
    from ridgekit.scale.glm_cv import fit_logistic_cv as fit

    return fit(est, X, y, sample_weight, options=_OPTIONS.get())


def _gram_route_only(est) -> None:
    if est.precompute is False:
        raise ValueError("precompute=False asks for residual updates on the rows; a Dask X "
                         "is fitted on the Gram from one pass of moments (precompute='auto' "
                         "or True)")


def fit_enet_cv(est, X, y, sample_weight=None):
    """``ElasticNetCV``/``LassoCV.fit`` on a Dask X: per-fold moments in one pass, then
    :meth:`~ridgekit.linear_model.ElasticNetCV.fit_moments` (the Gram route end to end).
    ``cv``: an int k (or None: 5) means :class:`HashFolds` (k, seed 0); ``KFold(k)``
    unshuffled, ``HashFolds`` and ``ContiguousFolds`` are honoured."""
    est._validate_params()
    _gram_route_only(est)
    cv = 5 if est.cv is None else est.cv
    folds = fold_rule(cv, _n_rows(X) if type(cv).__name__ == "KFold" else None)
    fm, blocks = _total(est, X, y, sample_weight, folds)
    est.fit_moments(fm, blocks.feature_names)
    if not blocks.y_was_1d and blocks.n_targets == 1:  # fit_moments squeezes one target
        est.coef_, est.intercept_ = est.coef_[None], np.atleast_1d(est.intercept_)
    return est


def fit_enet(est, X, y, sample_weight=None):
    """``ElasticNet``/``Lasso.fit`` on a Dask X: one pass of moments, then coordinate
    descent on the Gram (``ElasticNet``'s gram route), each target on its own."""
    from ridgekit.linear_model._enet_problem import problem_from_moments
    from ridgekit.sparse import check_l1_ratio

    est._validate_params()
    check_l1_ratio(est.l1_ratio)
    _gram_route_only(est)
    warm = est.coef_ if est.warm_start and hasattr(est, "coef_") else None
    fm, blocks = _total(est, X, y, sample_weight)
    problem = problem_from_moments(fm.total(), est.fit_intercept)
    penalty = est._penalty(problem)
    return est._fit_problem(problem, penalty, blocks.y_was_1d, np.float64, warm)
