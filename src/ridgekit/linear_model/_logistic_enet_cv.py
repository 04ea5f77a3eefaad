r"""k-fold choice of α (and ``l1_ratio``) for the elastic-net binomial regression:
``LogisticRidgeCV(l1_ratio > 0)``.

The penalty is scikit-learn's ``penalty="elasticnet"`` (``alpha = 1/C``),
:math:`\alpha\sum_j(\rho c_j|\beta_j| + \frac{1-\rho}{2}c_j\beta_j^2)`; each fold's path
runs over the grid from the largest α down, warm-started, by proximal Newton
(:func:`ridgekit.glm.enet.enet_path`). The default grid is glmnet's: from
:math:`\alpha_{max}` (every coefficient zero; :func:`ridgekit.glm.enet.enet_alpha_max`)
down to :math:`10^{-4}\alpha_{max}` (:math:`10^{-2}` when n < p), log-spaced, one grid
per ratio. The choice is the ridge case's: a :class:`~ridgekit.select.Selection` with
cv.glmnet's mean and standard error, the 1-SE rule and the grid-edge warning; with a
list of ratios, the ratio with the smallest minimum error, then ``rule`` on its curve
(as :class:`~ridgekit.linear_model.ElasticNetCV`).
"""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np

from ridgekit.glm import ConvergenceWarning, LogisticPath
from ridgekit.glm.enet import enet_alpha_max, enet_newton, enet_path
from ridgekit.select import Selection, summarize_folds

__all__ = ["enet_ratios", "fit_enet_cv", "EnetLogisticPath"]

def enet_ratios(l1_ratio) -> list[float] | None:
    """The ratios of an elastic-net CV (None: pure L2, the ridge route)."""
    if l1_ratio is None:
        return None
    if isinstance(l1_ratio, Real):
        r = float(l1_ratio)
        return None if r == 0.0 else [r]
    ratios = [float(r) for r in np.ravel(np.asarray(l1_ratio, dtype=float))]
    if not ratios:
        raise ValueError("l1_ratio: an empty list; give a number in [0, 1] or a list of them")
    if any(not (0.0 < r <= 1.0) for r in ratios):
        raise ValueError(f"l1_ratio={list(ratios)}: a list of ratios must lie in (0, 1]; "
                         "for pure L2 give l1_ratio=0 alone")
    return ratios


class _EnetProblem:
    """A :class:`~ridgekit.glm.Problem` whose ``solve`` is the elastic net's proximal
    Newton (everything else delegated): the path's off-grid refits use it."""

    def __init__(self, problem, rho, pen1):
        self._inner, self._rho, self._pen1 = problem, float(rho), pen1

    def __getattr__(self, name):
        if name.startswith("__") or name == "_inner":  # copy/pickle probe before __init__
            raise AttributeError(name)
        return getattr(self._inner, name)

    def solve(self, alpha, theta0, hessian0=None):
        return enet_newton(self._inner, float(alpha), self._rho, self._pen1, theta0)


class EnetLogisticPath(LogisticPath):
    """A :class:`~ridgekit.glm.LogisticPath` of elastic-net fits (``l1_ratio`` ρ); off the
    grid ``coef(alpha)`` refits the elastic net, warm-started from the nearest fit.
    ``df`` counts the nonzero coefficients (glmnet's)."""

    def __init__(self, problem, alphas, result, classes, null_deviance, rho, pen1):
        super().__init__(_EnetProblem(problem, rho, pen1), alphas, result, classes,
                         null_deviance)
        self.l1_ratio = float(rho)


def _grid(est, problem, rho, pen1) -> np.ndarray:
    def glmnet_grid(L):
        amax = enet_alpha_max(problem, rho, pen1)
        ratio = 1e-2 if problem.design.n < problem.design.p else 1e-4
        return np.geomspace(amax, amax * ratio, L)

    return est._grid(problem, glmnet_grid)


def fit_enet_cv(est, problem, classes, codes, eval_w, X, groups, ratios):
    """Fill ``est`` (a ``LogisticRidgeCV``) by k-fold over α (and ``ratios``)."""
    from ridgekit.linear_model._logistic import _l1_weights, check_enet_size

    if isinstance(est.cv, str):
        raise ValueError(f"cv={est.cv!r}: the elastic net (l1_ratio > 0) chooses α by "
                         "k-fold only; give cv as a number of folds or a splitter")
    check_enet_size(problem)
    name = "deviance" if est.scoring is None else est.scoring
    pen1 = _l1_weights(est, problem)
    splits = est._checked_splits(X, codes, classes, groups)
    fold_tol = est.tol if est.cv_tol is None else float(est.cv_tol)
    weights = np.array([eval_w[test].sum() for _, test in splits])
    grids, errors = [], []
    for rho in ratios:
        grid = _grid(est, problem, rho, pen1)
        err = np.empty((len(splits), grid.size))
        for k, (train, test) in enumerate(splits):
            sub = problem.rows(train)
            sub.tol = fold_tol
            thetas = enet_path(sub, grid, rho, pen1)["theta"]
            err[k] = est._held_out_errors(name, problem, thetas, test, classes, codes,
                                          eval_w, X)
        grids.append(grid)
        errors.append(err)
    curves = [summarize_folds(e[:, :, None], weights) for e in errors]
    best = int(np.argmin([float(m[:, 0].min()) for m, _ in curves]))
    rho, grid = ratios[best], grids[best]
    full = enet_path(problem, grid, rho, pen1)
    if not full["converged"].all():
        warnings.warn("LogisticRidgeCV: proximal Newton did not reach tol at "
                      f"{int((~full['converged']).sum())} alpha(s)", ConvergenceWarning,
                      stacklevel=3)
    sels = [Selection.from_curve(grids[i], "kfold", m[:, 0], s[:, 0],
                                 full["df"] if i == best else None, est.rule,
                                 warn_edge=(i == best),
                                 extra={"fold_error": errors[i], "fold_weight": weights,
                                        "scoring": name, "l1_ratio": ratios[i]})
            for i, (m, s) in enumerate(curves)]
    sel = sels[best]
    path = EnetLogisticPath(problem, grid, full, classes, problem.null_deviance(), rho, pen1)
    i = int(np.flatnonzero(grid == sel.alpha)[0])
    est.selection_ = sel
    est.selections_ = sels
    est.alphas_ = grid
    est.alpha_ = float(sel.alpha)
    est.l1_ratio_ = float(rho)
    if est.store_cv_results:
        est.cv_results_ = errors[0] if len(ratios) == 1 else np.stack(errors)
    return est._store_choice(problem, path, sel, i, classes, name, "prox-newton")
