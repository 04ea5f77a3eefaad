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
from ridgekit.select import _formulas as F
from ridgekit.select._selection import Selection, degrees_of_freedom
from ridgekit.select.folds import fold_partitions
from ridgekit.select.grid import check_grid, default_alphas, search_limits
from ridgekit.spectrum import Spectrum, from_moments

__all__ = ["FoldCurve", "KFoldFit", "fold_errors", "kfold", "kfold_fit", "kfold_from_arrays",
           "summarize_folds", "summarize_samples"]


class FoldCurve:
    """Held-out error of one (training, held-out) pair of moments at any λ, from one
    decomposition of the training moments (computed once; each λ then costs one
    (rank × r) @ (r × t) product).

    Parameters
    ----------
    train, held : Moments
    fit_intercept : bool
    """

    def __init__(self, train, held, fit_intercept: bool = True):
        spec = from_moments(train, fit_intercept)
        if not fit_intercept:
            held = held.uncentered()
        self.spectrum, self.held = spec, held
        self._pieces = F.fold_pieces(spec.V, spec.mu, spec.d[:, None] * spec.uty, held.cxx,
                                     held.cxy, held.cyy, held.weight,
                                     held.mean_x - spec.mean_x, held.mean_y - spec.mean_y)

    def mse(self, alphas) -> np.ndarray:
        """Weighted mean squared held-out error, shape (L, t); ``alphas`` (L,) or (L, t)
        (:func:`ridgekit.select._formulas.fold_mse`, shared with the device route)."""
        grid = np.asarray(alphas, dtype=float)
        return F.fold_mse(self._pieces, grid)


def fold_errors(pairs, alphas, fit_intercept: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Validation mean squared error of every (train, held-out) pair of moments.

    Parameters
    ----------
    pairs : iterable of (Moments, Moments) or of FoldCurve
        Training and held-out moments of each fold (or their precomputed curves).
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
    curves = [p if isinstance(p, FoldCurve) else FoldCurve(*p, fit_intercept) for p in pairs]
    return (np.array([c.mse(alphas) for c in curves]),
            np.array([c.held.weight for c in curves]))


def summarize_folds(mse: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error across folds, as ``cv.glmnet`` computes them.

    .. math:: \\bar e = \\frac{\\sum_k s_k e_k}{\\sum_k s_k}, \\qquad
              \\mathrm{se} = \\sqrt{\\frac{\\sum_k s_k (e_k-\\bar e)^2 / \\sum_k s_k}{K-1}}

    (:func:`ridgekit.select._formulas.summarize_folds`, shared with the device route).
    """
    return F.summarize_folds(np.asarray(mse, dtype=float), np.asarray(weights, dtype=float))


def summarize_samples(errors: np.ndarray, weights: np.ndarray, *,
                      overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """:func:`summarize_folds` with every sample its own fold (leave-one-out): errors
    (L, n) and weights (n,) -> mean and standard error (L,), from two matrix-vector
    products instead of (n, L, 1) temporaries (``overwrite``: float64 ``errors`` is
    their workspace, and is lost).

    .. math:: \\bar e_l = \\sum_i \\tilde w_i e_{li}, \\qquad
              \\mathrm{se}_l = \\sqrt{\\frac{\\sum_i \\tilde w_i (e_{li}-\\bar e_l)^2}{n-1}},
              \\qquad \\tilde w = w/\\textstyle\\sum_i w_i
    """
    errors = np.asarray(errors, dtype=float)
    wn = np.asarray(weights, dtype=float) / float(np.sum(weights))
    mean = errors @ wn
    dev = np.subtract(errors, mean[:, None], out=errors if overwrite else None)
    np.multiply(dev, dev, out=dev)
    return mean, np.sqrt((dev @ wn) / (errors.shape[1] - 1))


def kfold(folds, alphas=None, rule: str = "min", fit_intercept: bool = True,
          warn_edge: bool = True, per_target: bool = True,
          refine: bool | None = None) -> Selection:
    """Choose λ by exact k-fold cross-validation from per-fold moments.

    Parameters
    ----------
    folds : FoldMoments or list of FoldMoments
        One partition of the rows, or several (repeated k-fold: all folds are pooled).
    alphas : ndarray of shape (L,) or None
        None: :func:`default_alphas` of the whole data, extended where the minimum sits on
        an end and (``rule="min"``) the minimum refined continuously: each λ costs one
        small product per fold.
    rule : {"min", "1se"}
    fit_intercept : bool
    per_target : bool
        False averages the fold errors over targets: one curve, one λ for all targets.
    refine : bool, optional
        Extend/refine a given grid too (default: only the default grid).
    """
    parts = [folds] if isinstance(folds, FoldMoments) else list(folds)
    pairs = [(train, held) for fm in parts for held, train in zip(fm.folds, fm.training(),
                                                                  strict=True)]
    total = from_moments(parts[0].total(), fit_intercept)
    if alphas is None:
        alphas, refine = default_alphas(total), True if refine is None else refine
    else:
        alphas = check_grid(total, alphas)
    sel = _select(pairs, alphas, rule, fit_intercept, warn_edge, per_target,
                  total if refine else None)
    sel.df = degrees_of_freedom(total, sel.alphas)
    return sel


def _select(pairs, alphas, rule, fit_intercept, warn_edge, per_target=True,
            refine_on=None) -> Selection:
    """k-fold selection over (train, held) pairs; ``refine_on``: the whole-data spectrum
    whose limits bound the extension of the grid (None: the grid as given)."""
    alphas = np.asarray(alphas, dtype=float)
    curves = [FoldCurve(train, held, fit_intercept) for train, held in pairs]
    weights = np.array([c.held.weight for c in curves])

    def fold_mse(grid):
        mse = np.array([c.mse(grid) for c in curves])
        return mse if per_target else mse.mean(axis=2, keepdims=True)

    def curve(grid):
        mean, se = summarize_folds(fold_mse(grid), weights)
        squeeze = mean.shape[1] == 1
        return (mean[:, 0], se[:, 0]) if squeeze else (mean, se)

    on_grid = fold_mse(alphas)
    mean, se = summarize_folds(on_grid, weights)
    if mean.shape[1] == 1:
        mean, se = mean[:, 0], se[:, 0]
    sel = Selection.from_curve(alphas, "kfold", mean, se, None, rule, warn_edge,
                               curve=None if refine_on is None else curve,
                               limits=None if refine_on is None else search_limits(refine_on))
    # fold errors on the grid finally used (the extension may add points at the ends)
    same = sel.alphas.shape == alphas.shape and np.array_equal(sel.alphas, alphas)
    mse = on_grid if same else fold_mse(sel.alphas)
    squeeze = mse.shape[2] == 1
    sel.extra.update({"fold_mse": mse[..., 0] if squeeze else mse, "fold_weight": weights})
    return sel


def kfold_from_arrays(X, Y, splits, alphas=None, sample_weight=None, rule: str = "min",
                      fit_intercept: bool = True, warn_edge: bool = True,
                      per_target: bool = True, refine: bool | None = None) -> Selection:
    """k-fold from in-memory arrays and (train, test) index pairs.

    When the test sets partition the rows (KFold, GroupKFold, RepeatedKFold, fold ids)
    the moments of each fold are accumulated in one pass and training moments are merges;
    otherwise (e.g. ShuffleSplit) each split's moments are accumulated on their own.
    ``alphas`` and ``refine`` as in :func:`kfold`.
    """
    Y = Y[:, None] if Y.ndim == 1 else Y
    partitions = fold_partitions(splits, X.shape[0])
    if partitions is not None:
        parts = [FoldMoments.from_arrays(X, Y, ids, sample_weight) for ids in partitions]
        return kfold(parts, alphas, rule, fit_intercept, warn_edge, per_target, refine)

    def rows(idx):
        return Moments.from_arrays(X[idx], Y[idx],
                                   None if sample_weight is None else sample_weight[idx])

    total = from_moments(Moments.from_arrays(X, Y, sample_weight), fit_intercept)
    if alphas is None:
        alphas, refine = default_alphas(total), True if refine is None else refine
    else:
        alphas = check_grid(total, alphas)
    pairs = [(rows(train), rows(test)) for train, test in splits]
    sel = _select(pairs, alphas, rule, fit_intercept, warn_edge, per_target,
                  total if refine else None)
    sel.df = degrees_of_freedom(total, sel.alphas)
    return sel


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

    @classmethod
    def at(cls, sel: Selection, spectrum: Spectrum, n_targets: int,
           per_target: bool = False) -> KFoldFit:
        """The fit on ``spectrum`` at the λ a selection chose (one, or one per target)."""
        alpha = np.broadcast_to(np.asarray(sel.alpha, float), (n_targets,))
        coef = spectrum.coef(alpha)
        intercept = spectrum.intercept(coef)
        n_features = coef.shape[-1]
        if n_targets == 1:
            return cls(coef[0], float(intercept[0]), float(alpha[0]), sel, spectrum,
                       n_features)
        return cls(coef, intercept, alpha.copy() if per_target else float(alpha[0]), sel,
                   spectrum, n_features)


def kfold_fit(folds: FoldMoments, alphas=None, rule: str = "min", fit_intercept: bool = True,
              per_target: bool = False) -> KFoldFit:
    """Choose λ by exact k-fold from per-fold moments and fit on their merge.

    Parameters
    ----------
    folds : FoldMoments
    alphas : None, int or ndarray
        None: 100 values from the spectrum spanning df from nearly the rank to 0.5,
        extended and refined as in :func:`kfold`; an int: that many; an array: as given
        (values >= 0, 0 only for a full-rank design).
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
    refine = alphas is None or isinstance(alphas, int | np.integer)
    if refine:
        grid = default_alphas(spectrum, 100 if alphas is None else int(alphas))
    else:
        grid = check_grid(spectrum, alphas)
    sel = kfold(folds, grid, rule, fit_intercept, per_target=per_target, refine=refine)
    return KFoldFit.at(sel, spectrum, total.n_targets, per_target)
