r"""``LogisticRidgeCV`` on Dask: every fold's path and the full-data path in lockstep.

Folds follow each row's global position (:class:`ridgekit.scale.HashFolds`; an int ``cv``
means ``HashFolds(cv, 0)``, ``KFold(k)`` unshuffled is honoured), so they do not depend on
the chunking; ``LogisticRidgeCV(cv=HashFolds(k))`` in memory uses the same folds. Fold
f's model is the full data with the weights of its held-out rows set to zero. All F + 1
models (F folds and the full data) walk the λ grid from the largest value down, warm
started; each Newton round is *one* pass over the data serving every model that still
moves (:func:`ridgekit.scale.glm.newton_lockstep`): per block one product
:math:`A[\Theta_1 \dots \Theta_{F+1}]`, then each model's gradient, Hessian and line
search losses, and the held-out error of fold f's rows at fold f's parameters -- so the
cross-validation curve costs no pass of its own. A pass brings back
:math:`(F+1)((dK)^2 + dK + 8)` numbers per block.

The default grid is the in-memory one (:meth:`ridgekit.glm.Problem.default_alphas`, from
the weighted Gram of ``[1 | X]`` accumulated in the first Newton pass). Held-out errors
that split over samples are supported (``"deviance"``, ``"log_loss"``, ``"accuracy"``);
AUC, scikit-learn scorers, ``"alo"`` and ``"loo"`` need the rows and are refused.
"""

from __future__ import annotations

import warnings

import numpy as np

from ridgekit.scale.dask import store_names
from ridgekit.scale.glm import (
    DaskProblem,
    _check_solver,
    newton_lockstep,
    prepare,
    start_models,
)

__all__ = ["fit_logistic_cv", "SCORES"]

#: held-out errors computed blockwise (they are sums over samples)
SCORES = ("deviance", "log_loss", "accuracy")


def _check(est, X):
    from ridgekit.linear_model._logistic import _check_l1_ratio
    from ridgekit.scale.estimators import _n_rows, fold_rule

    est._validate_params()
    _check_l1_ratio(est.l1_ratio)
    _check_solver(est)
    if isinstance(est.cv, str):
        raise ValueError(f"cv={est.cv!r} needs each row (its leverage or a refit without it);"
                         " on Dask use k-fold (an int, HashFolds or KFold without shuffling)")
    name = "deviance" if est.scoring is None else est.scoring
    if name not in SCORES:
        raise ValueError(f"scoring={name!r} does not split over blocks of rows; on Dask use "
                         f"one of {SCORES}")
    cv = est.cv
    return name, fold_rule(cv, _n_rows(X) if type(cv).__name__ == "KFold" else None)


def fit_logistic_cv(est, X, y, sample_weight=None, options=None):
    """``LogisticRidgeCV.fit`` on a Dask X (see the module docstring).

    Passes: one for the labels, one at the null models, then one per lockstep Newton
    round along the grid (``est.n_passes_``).
    """
    from ridgekit.glm import ConvergenceWarning, LogisticPath
    from ridgekit.glm._newton import penalized_factor
    from ridgekit.select import Selection, summarize_folds

    name, folds = _check(est, X)
    data = prepare(est, X, y, sample_weight, folds=folds, score=name, options=options)
    F = folds.n_splits
    train_counts = data.fold_counts.sum(axis=0)[None, :] - data.fold_counts
    for f in range(F):
        if np.any(train_counts[f] == 0):
            raise ValueError(f"fold {f}: a class is missing from the training rows; use "
                             "fewer folds or another seed")
    fold_tol = est.tol if est.cv_tol is None else float(est.cv_tol)
    starts = [data.summary(data.fold_totals[np.arange(F) != f].sum(axis=0)).null_theta()
              for f in range(F)]
    starts.append(data.summary(data.totals).null_theta())
    models, gram = start_models(data, starts, list(range(F)) + [-1],
                                [fold_tol] * F + [float(est.tol)], want_gram=True)
    grid = est._grid(data.summary(data.totals, gram))
    null_deviance = 2.0 * models[-1].loss
    L, full = grid.size, models[-1]
    result = {"theta": np.empty((L, data.d, data.K)), "n_iter": np.zeros(L, int),
              "grad_norm": np.empty(L), "converged": np.zeros(L, bool),
              "loss": np.empty(L), "df": np.empty(L)}
    errors, weights = np.empty((F, L)), np.empty(F)
    for i in np.argsort(-grid, kind="stable"):
        try:
            newton_lockstep(data, models, float(grid[i]), int(est.max_iter))
        except np.linalg.LinAlgError as exc:
            raise ValueError(str(exc)) from None
        for f in range(F):
            errors[f, i] = models[f].held[0] / models[f].held[1]
            weights[f] = models[f].held[1]
        fac = penalized_factor(full.H, float(grid[i]), data.pen, data.K)
        result["df"][i] = float(np.trace(fac.solve(full.H)))
        result["theta"][i] = full.theta
        result["n_iter"][i], result["grad_norm"][i] = full.n_iter, full.gnorm
        result["converged"][i], result["loss"][i] = full.converged, full.loss
    if not result["converged"].all():
        warnings.warn("LogisticRidgeCV: Newton did not reach tol at "
                      f"{int((~result['converged']).sum())} alpha(s)", ConvergenceWarning,
                      stacklevel=3)
    path = LogisticPath(DaskProblem(data, est.tol, est.max_iter), grid, result, data.classes,
                        null_deviance)
    if est.store_cv_results:
        est.cv_results_ = errors
    mean, se = summarize_folds(errors[:, :, None], weights)
    sel = Selection.from_curve(grid, "kfold", mean[:, 0], se[:, 0], path.df, est.rule,
                               extra={"fold_error": errors, "fold_weight": weights,
                                      "scoring": name})
    j = int(np.flatnonzero(grid == sel.alpha)[0])
    store_names(est, data.blocks)
    est.selection_, est.alphas_, est.alpha_ = sel, grid, float(sel.alpha)
    est.classes_ = data.classes
    est._store_theta(result["theta"][j], data.spec.fit_intercept)
    est.n_iter_, est.grad_norm_ = int(result["n_iter"][j]), float(result["grad_norm"][j])
    est.solver_ = "exact"
    est.best_score_ = float(-sel.mean[j]) if name != "accuracy" else float(1.0 - sel.mean[j])
    est.path_ = path
    est.n_passes_ = data.passes
    return est
