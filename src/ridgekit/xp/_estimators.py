"""``Ridge.fit`` and ``RidgeCV.fit`` for array-API inputs (torch, CuPy, array-api-strict).

The fit runs in the input's namespace and on its device with no device-to-host transfer:
moments, ``eigh``, every curve, the choice of λ and the coefficients stay there. The
fitted attributes (``coef_``, ``intercept_``, ``alpha_``, ``alphas_``, ``best_score_``,
``df_``) are arrays of that namespace; ``selection_`` is a
:class:`ridgekit.select.Selection` whose numpy fields are copied to the host on first
access, after the fit.
"""

from __future__ import annotations

import numbers
from functools import cached_property

import numpy as np

from ridgekit.select._selection import Selection
from ridgekit.xp._curves import (
    choose,
    default_grid,
    gcv_curve,
    kfold_errors,
    loo_curve,
    summarize,
)
from ridgekit.xp._namespace import context, to_numpy
from ridgekit.xp._spectrum import fold_moments, merge, moments, spectrum

__all__ = ["fit_ridge", "fit_ridge_cv", "DeviceSelection"]


class DeviceSelection(Selection):
    """A :class:`~ridgekit.select.Selection` whose curves live on a device; each numpy
    field is copied to the host when first read (never during the fit)."""

    def __init__(self, criterion, rule, alphas, mean, se, df, alpha, index_min, index_1se,
                 squeeze: bool, extra=None):
        self.criterion, self.rule, self.refined = criterion, rule, False
        self._device = {"alphas": alphas, "mean": mean, "se": se, "df": df, "alpha": alpha,
                        "index_min": index_min, "index_1se": index_1se}
        self._device_extra = dict(extra or {})
        self._squeeze = squeeze

    def _host(self, name):
        a = self._device[name]
        if a is None:
            return None
        a = to_numpy(a)
        if name in ("mean", "se") and self._squeeze:
            return a[:, 0]
        if name in ("alpha", "index_min", "index_1se") and self._squeeze:
            return a[0].item() if name != "alpha" else float(a[0])
        return a

    alphas = cached_property(lambda self: self._host("alphas"))
    mean = cached_property(lambda self: self._host("mean"))
    se = cached_property(lambda self: self._host("se"))
    df = cached_property(lambda self: self._host("df"))
    alpha = cached_property(lambda self: self._host("alpha"))
    index_min = cached_property(lambda self: self._host("index_min"))
    index_1se = cached_property(lambda self: self._host("index_1se"))

    @cached_property
    def extra(self):
        out = {}
        for k, v in self._device_extra.items():
            out[k] = to_numpy(v) if hasattr(v, "shape") and not isinstance(v, np.ndarray) \
                else v
        if "fold_mse" in out and self._squeeze:
            out["fold_mse"] = out["fold_mse"][..., 0]
        return out


def _targets(ctx, y, n):
    if y.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D or 2-D; got shape {tuple(y.shape)}")
    if y.shape[0] != n:
        raise ValueError(f"X has {n} rows but y has {y.shape[0]}")
    Y = y[:, None] if y.ndim == 1 else y
    if Y.shape[1] == 0:
        raise ValueError("y has no targets (shape (n, 0))")
    if n < 2:
        raise ValueError(f"need at least 2 samples; got {n}")
    return Y, y.ndim == 1


def _no_weights(sample_weight):
    if sample_weight is not None:
        raise ValueError("sample_weight is not supported on the array-API route (torch, "
                         "CuPy, array-api-strict input) yet; pass numpy arrays to weight rows")


def _store(est, ctx, coef, intercept, y_was_1d):
    xp = ctx.xp
    coef, intercept = xp.astype(coef, ctx.dtype), xp.astype(intercept, ctx.dtype)
    est.coef_ = coef[0, :] if y_was_1d else coef
    est.intercept_ = intercept[0] if y_was_1d else intercept


def fit_ridge(est, X, y, sample_weight=None):
    """``Ridge.fit`` on the device: moments, ``eigh`` of :math:`C_{xx}`,
    :math:`\\beta = V\\,m z/(\\mu+\\alpha)` (the ``gram`` representation; no switch to the
    ``precise`` one, whose condition test would read a value back)."""
    from ridgekit._validation import check_alpha

    est._validate_params()
    _no_weights(sample_weight)
    if est.positive:
        raise ValueError("positive=True is not supported on the array-API route; pass "
                         "numpy arrays")
    if est.solver not in ("auto", "gram"):
        raise ValueError(f"solver={est.solver!r} is not available on the array-API route; "
                         "it uses 'gram' (solver='auto' or 'gram')")
    ctx = context(X, y)
    Y, y_was_1d = _targets(ctx, y, X.shape[0])
    alpha = ctx.asarray(check_alpha(est.alpha, Y.shape[1]))
    spec = spectrum(ctx, moments(ctx, X, Y, None, est.fit_intercept), est.fit_intercept)
    coef = spec.coef(alpha)
    _store(est, ctx, coef, spec.intercept(coef), y_was_1d)
    est.n_features_in_ = X.shape[1]
    est.solver_ = "gram"
    est.n_iter_ = np.ones(Y.shape[1], dtype=int)
    return est


def _grid(est, ctx, spec):
    from ridgekit._validation import check_alpha_grid

    if est.alphas is None or isinstance(est.alphas, numbers.Integral):
        n = 100 if est.alphas is None else int(est.alphas)
        if n < 1:
            raise ValueError(f"alphas={n}: the grid needs at least one value")
        return default_grid(ctx, spec, n)
    grid = check_alpha_grid(est.alphas, "alphas")
    if np.any(grid == 0):
        raise ValueError("alphas contains 0: the array-API route needs alphas > 0 (λ = 0 is "
                         "defined only for a full-rank X, a check that reads the rank back)")
    return ctx.asarray(grid)


def _folds(est, cv, n, groups):
    from ridgekit.select import as_splits, fold_partitions

    splits = as_splits(cv, np.empty((n, 0)), None, groups)
    partitions = fold_partitions(splits, n)
    if partitions is None:
        raise ValueError("on the array-API route k-fold needs test sets that partition the "
                         "rows (KFold, GroupKFold, RepeatedKFold, fold ids), not "
                         f"{type(cv).__name__}")
    return partitions


def fit_ridge_cv(est, X, y, sample_weight=None, groups=None):
    """``RidgeCV.fit`` on the device: LOO and GCV (Golub–Heath–Wahba) in closed form on
    the spectrum of all rows, or exact k-fold from per-fold moments; ``rule`` "min" or
    "1se"; one λ for all targets or one per target."""
    est._validate_params()
    _no_weights(sample_weight)
    if est.scoring is not None:
        raise ValueError("scoring is not supported on the array-API route (the error is "
                         "the mean squared error); pass numpy arrays for other scorers")
    if est.df is not None:
        raise ValueError("df= applies to cv='df', which the array-API route does not offer")
    cv = "loo" if est.cv is None else est.cv
    ctx = context(X, y)
    Y, y_was_1d = _targets(ctx, y, X.shape[0])
    per_target = est.alpha_per_target
    fi = est.fit_intercept
    extra = {}
    if isinstance(cv, str):
        name = cv.replace("_", "-")
        if name not in ("loo", "gcv"):
            raise ValueError(f"cv={cv!r} is not available on the array-API route; use 'loo', "
                             "'gcv' or k-fold (an int, fold ids or a splitter)")
        if est.rule == "1se" and name == "gcv":
            raise ValueError("rule='1se' needs standard errors; 'gcv' has none (use 'loo' "
                             "or k-fold)")
        if est.store_cv_results:
            raise ValueError("store_cv_results=True keeps per-sample LOO errors, which the "
                             "array-API route does not form; use k-fold or numpy arrays")
        total = spectrum(ctx, moments(ctx, X, Y, None, fi), fi)
        grid = _grid(est, ctx, total)
        if name == "loo":
            mean, se = loo_curve(ctx, total, X, Y, grid, per_target)
        else:
            mean, se = gcv_curve(ctx, total, grid, per_target), None
            extra["form"] = "ghw"
        criterion = name
    else:
        partitions = _folds(est, cv, X.shape[0], groups)
        pairs, total_m = [], None
        for ids in partitions:
            folds = fold_moments(ctx, X, Y, ids, fi)
            for k, held in enumerate(folds):
                train = None
                for j, f in enumerate(folds):
                    if j != k:
                        train = f if train is None else merge(train, f)
                pairs.append((train, held))
            if total_m is None:
                total_m = folds[0]
                for f in folds[1:]:
                    total_m = merge(total_m, f)
        total = spectrum(ctx, total_m, fi)
        grid = _grid(est, ctx, total)
        mse, weights = kfold_errors(ctx, pairs, grid, per_target)
        mean, se = summarize(ctx, mse, weights)
        extra.update({"fold_mse": mse, "fold_weight": np.asarray(weights)})
        if est.store_cv_results:
            est.cv_results_ = mse[..., 0] if mse.shape[2] == 1 else mse
        criterion = "kfold"
    index_min, index_1se, alpha, score = choose(ctx, grid, mean, se, est.rule)
    t = Y.shape[1]
    xp = ctx.xp
    alpha_t = xp.broadcast_to(alpha, (t,)) if alpha.shape[0] == 1 else alpha
    coef = total.coef(alpha_t)
    _store(est, ctx, coef, total.intercept(coef), y_was_1d)
    df_grid = total.df(grid) - float(fi)
    squeeze = mean.shape[1] == 1
    est.selection_ = DeviceSelection(criterion, est.rule, grid, mean, se, df_grid, alpha,
                                     index_min, index_1se, squeeze, extra)
    est.alphas_ = grid
    per = per_target and not y_was_1d
    est.alpha_ = alpha_t if per else alpha[0]
    est.best_score_ = -score if per or score.shape[0] > 1 else -score[0]
    f = total.mask[:, None] * total.mu[:, None] / (total.mu[:, None] + alpha_t[None, :])
    df = xp.sum(f, axis=0)
    est.df_ = df if per else df[0]
    est.n_features_in_ = X.shape[1]
    return est
