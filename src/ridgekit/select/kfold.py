"""Exact k-fold cross-validation over a λ grid from per-fold moments, in one pass.

For each fold k, the training moments are the merge of the other folds and the
validation error for every λ follows from fold k's own moments: with
:math:`\\beta(\\lambda) = V c(\\lambda)` from the training spectrum,

.. math::

    \\mathrm{SSE}_k(\\lambda) = C^{(k)}_{yy} - 2 c^T V^T C^{(k)}_{xy} + c^T V^T C^{(k)}_{xx} V c
    + s_k\\,(\\Delta\\bar y - \\Delta\\bar x^T V c)^2 ,

where :math:`\\Delta` are the differences of the fold's and the training means (the
intercept's error on the fold). No model is refitted per fold and per λ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ridgekit.moments import FoldMoments, Moments
from ridgekit.select._selection import Selection
from ridgekit.select.folds import fold_partitions
from ridgekit.select.grid import default_alphas
from ridgekit.spectrum import Spectrum, from_moments

__all__ = ["KFoldFit", "fold_errors", "kfold", "kfold_fit", "kfold_from_arrays",
           "summarize_folds"]


def fold_errors(pairs, alphas, fit_intercept: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Validation mean squared error of every (train, held-out) pair of moments.

    Parameters
    ----------
    pairs : iterable of (Moments, Moments)
        Training and held-out moments of each fold.
    alphas : ndarray of shape (L,) or (L, t)
        The grid (the same for every target, or one column per target).
    fit_intercept : bool

    Returns
    -------
    mse : ndarray of shape (K, L, t)
        Weighted mean squared validation error per fold.
    weights : ndarray of shape (K,)
        Sum of sample weights of each held-out fold.
    """
    mses, weights = [], []
    for train, held in pairs:
        spec = from_moments(train, fit_intercept)
        if not fit_intercept:
            held = held.uncentered()
        grid = np.asarray(alphas, dtype=float)
        grid = np.broadcast_to(grid[:, None] if grid.ndim == 1 else grid,
                               (grid.shape[0], spec.n_targets))
        V = spec.V
        # C_k = R^T R with R of rank <= n_k - 1: the quadratic term is ||R V c||^2, one
        # (rank x r) @ (r x t) product per λ instead of (r x r) @ (r x t)
        ev, Q = np.linalg.eigh(held.cxx)
        keep = ev > ev[-1] * ev.size * np.finfo(float).eps if ev.size and ev[-1] > 0 \
            else np.zeros(ev.size, bool)
        RV = (Q[:, keep] * np.sqrt(ev[keep])).T @ V
        B = V.T @ held.cxy
        g = V.T @ (held.mean_x - spec.mean_x)
        dy = held.mean_y - spec.mean_y
        scaled = spec.d[:, None] * spec.uty  # c(λ) = scaled / (μ + λ)
        sse = np.empty(grid.shape)
        for i, lam in enumerate(grid):  # one GEMM per λ; no (L, r, t) temporaries
            c = scaled / (spec.mu[:, None] + lam[None, :])
            rvc = RV @ c
            quad = np.einsum("kt,kt->t", rvc, rvc)
            cross = np.einsum("rt,rt->t", c, B)
            shift = dy - g @ c
            sse[i] = held.cyy - 2.0 * cross + quad + held.weight * shift**2
        mses.append(sse / held.weight)
        weights.append(held.weight)
    return np.array(mses), np.array(weights)


def summarize_folds(mse: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error across folds, as ``cv.glmnet`` computes them.

    .. math:: \\bar e = \\frac{\\sum_k s_k e_k}{\\sum_k s_k}, \\qquad
              \\mathrm{se} = \\sqrt{\\frac{\\sum_k s_k (e_k-\\bar e)^2 / \\sum_k s_k}{K-1}}
    """
    wn = weights / weights.sum()
    mean = np.einsum("k,klt->lt", wn, mse)
    var = np.einsum("k,klt->lt", wn, (mse - mean) ** 2)
    return mean, np.sqrt(var / (mse.shape[0] - 1))


def kfold(folds, alphas, rule: str = "min", fit_intercept: bool = True,
          warn_edge: bool = True, per_target: bool = True) -> Selection:
    """Choose λ by exact k-fold cross-validation from per-fold moments.

    Parameters
    ----------
    folds : FoldMoments or list of FoldMoments
        One partition of the rows, or several (repeated k-fold: all folds are pooled).
    alphas : ndarray of shape (L,)
    rule : {"min", "1se"}
    fit_intercept : bool
    per_target : bool
        False averages the fold errors over targets: one curve, one λ for all targets.
    """
    parts = [folds] if isinstance(folds, FoldMoments) else list(folds)
    pairs = [(train, held) for fm in parts for held, train in zip(fm.folds, fm.training(),
                                                                  strict=True)]
    return _select(pairs, alphas, rule, fit_intercept, warn_edge, per_target)


def _select(pairs, alphas, rule, fit_intercept, warn_edge, per_target=True) -> Selection:
    alphas = np.asarray(alphas, dtype=float)
    mse, weights = fold_errors(pairs, alphas, fit_intercept)
    if not per_target:
        mse = mse.mean(axis=2, keepdims=True)
    mean, se = summarize_folds(mse, weights)
    squeeze = mean.shape[1] == 1
    sel = Selection.from_curve(alphas, "kfold", mean[:, 0] if squeeze else mean,
                               se[:, 0] if squeeze else se, None, rule, warn_edge,
                               extra={"fold_mse": mse[..., 0] if squeeze else mse,
                                      "fold_weight": weights})
    return sel


def kfold_from_arrays(X, Y, splits, alphas, sample_weight=None, rule: str = "min",
                      fit_intercept: bool = True, warn_edge: bool = True,
                      per_target: bool = True) -> Selection:
    """k-fold from in-memory arrays and (train, test) index pairs.

    When the test sets partition the rows (KFold, GroupKFold, RepeatedKFold, fold ids)
    the moments of each fold are accumulated in one pass and training moments are merges;
    otherwise (e.g. ShuffleSplit) each split's moments are accumulated on their own.
    """
    Y = Y[:, None] if Y.ndim == 1 else Y
    partitions = fold_partitions(splits, X.shape[0])
    if partitions is not None:
        parts = [FoldMoments.from_arrays(X, Y, ids, sample_weight) for ids in partitions]
        return kfold(parts, alphas, rule, fit_intercept, warn_edge, per_target)

    def rows(idx):
        return Moments.from_arrays(X[idx], Y[idx],
                                   None if sample_weight is None else sample_weight[idx])

    pairs = [(rows(train), rows(test)) for train, test in splits]
    return _select(pairs, alphas, rule, fit_intercept, warn_edge, per_target)


@dataclass
class KFoldFit:
    """Ridge fitted from per-fold moments alone, λ chosen by exact k-fold.

    Quacks as a fitted linear model (``coef_``, ``intercept_``, ``alpha_``,
    ``selection_``, ``n_features_in_``) for :func:`ridgekit.io.save` and the report.
    """

    coef_: np.ndarray
    intercept_: np.ndarray | float
    alpha_: np.ndarray | float
    selection_: Selection
    spectrum_: Spectrum
    n_features_in_: int


def kfold_fit(folds: FoldMoments, alphas=None, rule: str = "min", fit_intercept: bool = True,
              per_target: bool = False) -> KFoldFit:
    """Choose λ by exact k-fold from per-fold moments and fit on their merge.

    Parameters
    ----------
    folds : FoldMoments
    alphas : None, int or ndarray
        None: 100 values from the spectrum spanning df from about the rank to 0.5; an int:
        that many; an array: as given (values > 0).
    rule : {"min", "1se"}
    fit_intercept : bool
    per_target : bool
        One λ per target instead of one for all.

    Returns
    -------
    KFoldFit
    """
    if folds.n_folds < 2:
        raise ValueError("k-fold needs at least 2 folds with samples")
    total = folds.total()
    if total.n_samples < 2:
        raise ValueError("need at least 2 samples")
    spectrum = from_moments(total, fit_intercept)
    if alphas is None or isinstance(alphas, int | np.integer):
        grid = default_alphas(spectrum, 100 if alphas is None else int(alphas))
    else:
        grid = np.asarray(alphas, dtype=float)
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)) or \
                np.any(grid <= 0):
            raise ValueError("alphas must be a non-empty 1-D array of finite values > 0")
    sel = kfold(folds, grid, rule, fit_intercept, per_target=per_target)
    t = total.n_targets
    alpha = np.broadcast_to(np.asarray(sel.alpha, float), (t,))
    coef = spectrum.coef(alpha)
    intercept = spectrum.intercept(coef)
    if t == 1:
        return KFoldFit(coef[0], float(intercept[0]), float(alpha[0]), sel, spectrum,
                        total.n_features)
    return KFoldFit(coef, intercept, alpha.copy() if per_target else float(alpha[0]), sel,
                    spectrum, total.n_features)
