"""Leave-one-out and generalized cross-validation in closed form on the spectrum."""

from __future__ import annotations

import numpy as np

from ridgekit.select._selection import Selection, degrees_of_freedom
from ridgekit.select.grid import check_grid, default_alphas, search_limits
from ridgekit.spectrum import as_grid

__all__ = ["loo", "loo_errors", "gcv", "GCV_FORMS"]


def loo_errors(spectrum, alphas, chunk: int | None = None) -> np.ndarray:
    """Exact leave-one-out residuals for every λ, shape (L, n, t).

    With h the hat diagonal (counting the intercept) and e the training residual,

    .. math:: y_i - \\hat y_{-i}(\\lambda) = \\frac{e_i(\\lambda)}{1 - h_{ii}(\\lambda)} .

    Needs the data in memory (U). λ are processed ``chunk`` at a time (by default as many
    as keep each temporary under about 64 MB), each chunk one pass over U.
    """
    alphas = as_grid(alphas)
    if chunk is None:
        chunk = max(1, (1 << 23) // (spectrum.n_samples * spectrum.n_targets))
    out = np.empty((alphas.size, spectrum.n_samples, spectrum.n_targets))
    for start in range(0, alphas.size, chunk):
        block = alphas[start:start + chunk]
        h = spectrum.leverage(block)  # (l, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start:start + block.size] = spectrum.residuals(block) / (1.0 - h)[:, :, None]
    return out


def _weighted_mean_se(sq: np.ndarray, w: np.ndarray | None):
    """Mean over samples of squared errors (L, n, t), weighted, and its standard error."""
    if w is None:
        mean = sq.mean(axis=1)
        se = sq.std(axis=1, ddof=1) / np.sqrt(sq.shape[1])
        return mean, se
    wn = w / w.sum()
    mean = np.einsum("n,lnt->lt", wn, sq)
    var = np.einsum("n,lnt->lt", wn, (sq - mean[:, None, :]) ** 2)
    n_eff = 1.0 / np.sum(wn**2)
    return mean, np.sqrt(var / max(n_eff - 1.0, 1.0))


def _grid_and_refine(spectrum, alphas, refine):
    """The default grid (refined) when ``alphas`` is None, else the user's grid (as is)."""
    if alphas is None:
        return default_alphas(spectrum), True if refine is None else bool(refine)
    return check_grid(spectrum, alphas), bool(refine)


def loo(spectrum, alphas=None, rule: str = "min", warn_edge: bool = True,
        per_target: bool = True, refine: bool | None = None) -> Selection:
    """Choose λ by exact leave-one-out mean squared error.

    The criterion is :math:`\\sum_i w_i r_i^2 / \\sum_i w_i` with r the leave-one-out
    residuals of :func:`loo_errors` (weights 1 without sample weights); its standard error
    is that of a mean over the samples. ``per_target=False`` averages the squared errors
    over targets first, giving one curve and one λ for all targets.

    Parameters
    ----------
    alphas : array-like or None
        None: :func:`default_alphas`, extended where the minimum sits on an end and the
        minimum refined continuously (the criterion costs O(n r) per λ).
    refine : bool, optional
        Extend/refine a given grid too (default: only the default grid).
    """
    alphas, refine = _grid_and_refine(spectrum, alphas, refine)
    w = None
    if spectrum.sqrt_w is not None and not np.all(spectrum.sqrt_w == 1.0):
        w = spectrum.sqrt_w**2

    def curve(grid):
        r = loo_errors(spectrum, grid)
        sq = r**2 if per_target else (r**2).mean(axis=2, keepdims=True)
        mean, se = _weighted_mean_se(sq, w)
        return _squeeze(mean), _squeeze(se)

    mean, se = curve(alphas)
    sel = Selection.from_curve(alphas, "loo", mean, se, None, rule, warn_edge,
                               curve=curve if refine else None,
                               limits=search_limits(spectrum))
    sel.df = degrees_of_freedom(spectrum, sel.alphas)
    return sel


#: the GCV forms by name: ``form -> (description, function(rss, n, trace, df) -> value)``
GCV_FORMS = {
    "ghw": ("Golub-Heath-Wahba n*RSS/(n - tr H)^2, tr H counting the intercept",
            lambda rss, n, trace, df: n * rss / ((n - trace) ** 2)[:, None]),
    "mass": ("MASS::lm.ridge RSS/(n - sum f)^2, intercept not counted",
             lambda rss, n, trace, df: rss / ((n - df) ** 2)[:, None]),
}


def gcv(spectrum, alphas=None, warn_edge: bool = True, per_target: bool = True,
        form: str = "ghw", refine: bool | None = None) -> Selection:
    """Generalized cross-validation.

    ``form="ghw"`` (Golub, Heath & Wahba 1979):

    .. math:: \\mathrm{GCV}(\\lambda) = \\frac{n\\,\\mathrm{RSS}(\\lambda)}{(n - \\operatorname{tr}
              H(\\lambda))^2}

    with tr H counting the intercept. ``form="mass"`` (``MASS::lm.ridge``'s ``GCV``):

    .. math:: \\mathrm{GCV}_{MASS}(\\lambda) = \\frac{\\mathrm{RSS}(\\lambda)}
              {(n - \\sum_j f_j)^2}

    with the intercept not counted (and no factor n); apply it to the spectrum of MASS's
    design, X centered and divided by the root mean square of each column, to get MASS's
    numbers and λ. With sample weights RSS is the weighted sum, rescaled by n/Σw so that
    weights that are all equal change nothing. ``per_target=False`` averages the
    criterion over targets. ``extra["form"]`` records the form. ``alphas=None``: the
    default grid, extended and refined continuously as in :func:`loo`.
    """
    if form not in GCV_FORMS:
        raise ValueError(f"unknown GCV form {form!r}; choose one of {sorted(GCV_FORMS)}")
    alphas, refine = _grid_and_refine(spectrum, alphas, refine)
    n = spectrum.n_samples
    formula = GCV_FORMS[form][1]

    def curve(grid):
        rss = spectrum.rss(grid) * (n / spectrum.weight)
        trace = spectrum.df(grid)
        df = trace - float(spectrum.fit_intercept)
        undefined = (n - trace if form == "ghw" else n - df) <= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            value = formula(rss, n, trace, df)
        value[undefined] = np.inf  # only reached by extending a grid: read as "worse"
        if not per_target:
            value = value.mean(axis=1, keepdims=True)
        return _squeeze(value), None

    value, _ = curve(alphas)
    if not np.all(np.isfinite(value)):
        raise ValueError("GCV is undefined where tr H = n (interpolation); use larger alphas")
    sel = Selection.from_curve(alphas, "gcv", value, None, None, "min", warn_edge,
                               extra={"form": form}, curve=curve if refine else None,
                               limits=search_limits(spectrum))
    sel.df = degrees_of_freedom(spectrum, sel.alphas)
    return sel


def _squeeze(a: np.ndarray) -> np.ndarray:
    return a[:, 0] if a.ndim == 2 and a.shape[1] == 1 else a
