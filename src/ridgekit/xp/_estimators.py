"""``Ridge.fit`` and ``RidgeCV.fit`` for array-API inputs (torch, CuPy, array-api-strict).

The fit runs in the input's namespace and on its device with no device-to-host transfer:
moments, ``eigh``, every curve, the choice of λ and the coefficients stay there. The
fitted attributes (``coef_``, ``intercept_``, ``alpha_``, ``alphas_``, ``best_score_``,
``df_``) are arrays of that namespace; ``selection_`` is a
:class:`ridgekit.select.Selection` whose numpy fields are copied to the host on first
access, after the fit.
"""

from __future__ import annotations

import contextlib
import numbers
from functools import cached_property

import numpy as np

from ridgekit.select import _formulas as F
from ridgekit.select._selection import Selection
from ridgekit.xp._curves import (
    choose,
    closed_form_alpha,
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


def _weights(ctx, sample_weight, n):
    """Sample weights on the fit's device, in the accumulation dtype, or None.

    Host weights (numpy, a list, a number) are validated on the host (shape, finite,
    >= 0, positive sum) and copied to the device once, before the fit. Device weights
    cannot be checked without a read-back: an invalid entry (negative, NaN, inf) turns
    into NaN, so every moment and result of the fit is NaN rather than silently wrong;
    weights that sum to zero give NaN the same way. Where the namespace's ``eigh``
    refuses NaN (torch), :func:`_explain_weights` turns its error into a ValueError that
    names the weights (reading them back only then, after the fit has failed)."""
    if sample_weight is None:
        return None
    from ridgekit.xp import is_xp_input

    if is_xp_input(sample_weight):
        import array_api_compat as compat

        xp = ctx.xp
        if compat.device(sample_weight) != ctx.device:
            raise ValueError(f"sample_weight is on device {compat.device(sample_weight)} "
                             f"but X is on {ctx.device}; put them on one device")
        if sample_weight.ndim != 1 or sample_weight.shape[0] != n:
            raise ValueError(f"sample_weight must have shape ({n},); got "
                             f"{tuple(sample_weight.shape)}")
        w = xp.astype(sample_weight, ctx.acc)
        ok = xp.isfinite(w) & (w >= 0)
        return xp.where(ok, w, xp.full_like(w, float("nan")))
    from ridgekit._validation import check_sample_weight

    return ctx.asarray(check_sample_weight(sample_weight, np.empty((n, 0))))


@contextlib.contextmanager
def _explain_weights(ctx, sample_weight):
    """Re-raise a failure of a fit with device weights as a ValueError naming them when
    they are invalid (the one read-back happens after the failure, never in a fit)."""
    try:
        yield
    except Exception as exc:
        from ridgekit.xp import is_xp_input

        if sample_weight is None or not is_xp_input(sample_weight):
            raise
        w = to_numpy(sample_weight).astype(float)
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("sample_weight must be finite and >= 0 with a positive sum; "
                             "the device weights are not") from exc
        raise


def _store(est, ctx, coef, intercept, y_was_1d):
    xp = ctx.xp
    coef, intercept = xp.astype(coef, ctx.dtype), xp.astype(intercept, ctx.dtype)
    est.coef_ = coef[0, :] if y_was_1d else coef
    est.intercept_ = intercept[0] if y_was_1d else intercept


def fit_ridge(est, X, y, sample_weight=None):
    """``Ridge.fit`` on the device (:func:`_fit_ridge`)."""
    with _explain_weights(None, sample_weight):
        return _fit_ridge(est, X, y, sample_weight)


def _fit_ridge(est, X, y, sample_weight=None):
    """``Ridge.fit`` on the device: moments, ``eigh`` of :math:`C_{xx}`,
    :math:`\\beta = V\\,m z/(\\mu+\\alpha)` (the ``gram`` representation; no switch to the
    ``precise`` one, whose condition test would read a value back)."""
    from ridgekit._validation import check_alpha

    est._validate_params()
    if est.positive:
        raise ValueError("positive=True is not supported on the array-API route; pass "
                         "numpy arrays")
    if est.solver not in ("auto", "gram"):
        raise ValueError(f"solver={est.solver!r} is not available on the array-API route; "
                         "it uses 'gram' (solver='auto' or 'gram')")
    ctx = context(X, y)
    Y, y_was_1d = _targets(ctx, y, X.shape[0])
    alpha = ctx.asarray(check_alpha(est.alpha, Y.shape[1]))
    w = _weights(ctx, sample_weight, X.shape[0])
    spec = spectrum(ctx, moments(ctx, X, Y, None, est.fit_intercept, w), est.fit_intercept)
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


#: rules of :data:`ridgekit.select.RULES` that stay on the host, and why
HOST_RULES = {
    "lcurve": "its corner is refined per target by a host-side scalar optimizer",
    "discrepancy": "it solves one root per target on the host and checks on the host that "
                   "each target's noise level is reachable",
    "evidence": "it is maximized per target by a host-side search with convergence tests",
}


def _check_rule(est, cv, n, p, t):
    from ridgekit.select import get_rule

    rule = get_rule(cv)
    name = rule.name
    if name in HOST_RULES:
        raise ValueError(f"cv={cv!r} is not available on the array-API route: "
                         f"{HOST_RULES[name]}; pass numpy arrays, or use one of 'loo', "
                         "'gcv', 'gcv-mass', 'hkb', 'lawless-wang', 'df' or k-fold")
    if est.rule == "1se" and not rule.has_se:
        raise ValueError(f"rule='1se' needs standard errors; {name!r} has none "
                         "(use 'loo' or k-fold)")
    if est.df is not None and name != "df":
        raise ValueError(f"df= applies to cv='df' only, not to cv={cv!r}")
    if rule.per_target_only and t > 1 and not est.alpha_per_target:
        raise ValueError(f"cv={cv!r} chooses one alpha per target; set "
                         "alpha_per_target=True for multi-target y")
    if est.store_cv_results and name == "loo":
        raise ValueError("store_cv_results=True keeps per-sample LOO errors, which the "
                         "array-API route does not form; use k-fold or numpy arrays")
    fi = int(est.fit_intercept)
    if name in ("hkb", "lawless-wang") and n <= p + fi:
        raise ValueError(f"cv={cv!r} needs least squares' residual variance, i.e. n > "
                         "rank + intercept; on the array-API route (the rank is not read "
                         f"back) n > n_features + intercept: n={n}, n_features={p}")
    if name == "df":
        if est.df is None:
            raise ValueError("the 'df' rule needs the target degrees of freedom: give df=...")
        top = min(p, n - fi)
        if not 0 < est.df < top:
            raise ValueError(f"target df must lie in (0, rank); got {est.df}, and the rank "
                             f"is at most {top} here (a df at or above the actual rank "
                             "gives alpha = NaN on the array-API route)")
    return name


def fit_ridge_cv(est, X, y, sample_weight=None, groups=None):
    """``RidgeCV.fit`` on the device (:func:`_fit_ridge_cv`)."""
    with _explain_weights(None, sample_weight):
        return _fit_ridge_cv(est, X, y, sample_weight, groups)


def _fit_ridge_cv(est, X, y, sample_weight=None, groups=None):
    """``RidgeCV.fit`` on the device: LOO, GCV (either form) in closed form on the
    spectrum of all rows, HKB / Lawless–Wang (MASS forms) and target df in closed form,
    or exact k-fold from per-fold moments; ``rule`` "min" or "1se"; one λ for all targets
    or one per target; sample weights as in :func:`_weights`."""
    est._validate_params()
    if est.scoring is not None:
        raise ValueError("scoring is not supported on the array-API route: a scorer is a "
                         "host callable on numpy predictions, so every fold's or sample's "
                         "predictions would be copied to the host for every alpha; the "
                         "route scores by mean squared error; pass numpy arrays for "
                         "other scorers")
    cv = "loo" if est.cv is None else est.cv
    ctx = context(X, y)
    Y, y_was_1d = _targets(ctx, y, X.shape[0])
    n, p, t = X.shape[0], X.shape[1], Y.shape[1]
    w = _weights(ctx, sample_weight, n)
    per_target = est.alpha_per_target
    fi = est.fit_intercept
    xp = ctx.xp
    extra = {}
    mean = se = index_min = index_1se = score = None
    if isinstance(cv, str):
        name = _check_rule(est, cv, n, p, t)
        total = spectrum(ctx, moments(ctx, X, Y, None, fi, w), fi)
        if name in ("hkb", "lawless-wang", "df"):
            alpha = closed_form_alpha(ctx, total, name, p, est.df)
            grid = alpha
            extra = {"df": est.df} if name == "df" else {"form": "mass"}
        else:
            grid = _grid(est, ctx, total)
            if name == "loo":
                mean, se = loo_curve(ctx, total, X, Y, grid, per_target, w)
            else:
                form = "mass" if name == "gcv-mass" else "ghw"
                mean = gcv_curve(ctx, total, grid, per_target, form)
                extra["form"] = form
        criterion = {"gcv-mass": "gcv", "lawless-wang": "lawless_wang"}.get(name, name)
    else:
        if est.df is not None:
            raise ValueError("df= applies to cv='df' only")
        partitions = _folds(est, cv, n, groups)
        pairs, total_m = [], None
        for ids in partitions:
            folds = fold_moments(ctx, X, Y, ids, fi, w)
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
        extra.update({"fold_mse": mse, "fold_weight": weights})
        if est.store_cv_results:
            est.cv_results_ = mse[..., 0] if mse.shape[2] == 1 else mse
        criterion = "kfold"
    if mean is not None:
        index_min, index_1se, alpha, score = choose(ctx, grid, mean, se, est.rule)
    alpha_t = xp.broadcast_to(alpha, (t,)) if alpha.shape[0] == 1 else alpha
    coef = total.coef(alpha_t)
    _store(est, ctx, coef, total.intercept(coef), y_was_1d)
    df_grid = total.df(grid) - float(fi)
    squeeze = t == 1 if mean is None else mean.shape[1] == 1
    rule = est.rule if mean is not None else criterion
    est.selection_ = DeviceSelection(criterion, rule, grid, mean, se, df_grid, alpha,
                                     index_min, index_1se, squeeze, extra)
    est.alphas_ = grid
    per = per_target and not y_was_1d
    est.alpha_ = alpha_t if per else alpha_t[0]
    if score is None:
        est.best_score_ = None
    else:
        est.best_score_ = -score if per or score.shape[0] > 1 else -score[0]
    f = F.filter_factors(total.mu, alpha_t, total.mask)
    df = xp.sum(f, axis=1)
    est.df_ = df if per else df[0]
    est.n_features_in_ = X.shape[1]
    return est
