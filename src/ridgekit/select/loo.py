"""Leave-one-out and generalized cross-validation in closed form on the spectrum."""

from __future__ import annotations

import numpy as np

from ridgekit.select import _formulas as F
from ridgekit.select._selection import Selection, degrees_of_freedom
from ridgekit.select.grid import check_grid, default_alphas, search_limits
from ridgekit.spectrum import as_grid

__all__ = ["loo", "loo_errors", "gcv", "GCV_FORMS"]


def _loo_inputs(spectrum):
    """U, r₀, the hat diagonal at λ = ∞ (intercept and unpenalized directions, so a
    Tikhonov spectrum's null space is counted), U² (cached on the spectrum), the weights
    and 1/√w (None for unit weights): what the shared LOO formulas take."""
    h0 = spectrum.leverage(np.array([np.inf]))[0]  # also builds U where it is lazy
    sqrt_w = spectrum.sqrt_w
    w = inv = None
    if sqrt_w is not None and not np.all(sqrt_w == 1.0):
        w = sqrt_w**2
        with np.errstate(divide="ignore"):
            inv = np.where(sqrt_w > 0, 1.0 / sqrt_w, 0.0)
    return spectrum.U, spectrum.resid0, h0, spectrum._u_squared, w, inv


def loo_errors(spectrum, alphas, chunk: int | None = None) -> np.ndarray:
    """Exact leave-one-out residuals for every λ, shape (L, n, t).

    With h the hat diagonal (counting the intercept) and e the training residual,

    .. math:: y_i - \\hat y_{-i}(\\lambda) = \\frac{e_i(\\lambda)}{1 - h_{ii}(\\lambda)} .

    Needs the data in memory (U). λ are processed ``chunk`` at a time (by default as many
    as keep each temporary under about 64 MB), each chunk one pass over U
    (:func:`ridgekit.select._formulas.loo_residuals`, shared with the device route).
    """
    alphas = as_grid(alphas)
    if chunk is None:
        chunk = max(1, (1 << 23) // (spectrum.n_samples * spectrum.n_targets))
    U, r0, h0, u2, _, inv = _loo_inputs(spectrum)
    out = np.empty((alphas.size, spectrum.n_samples, spectrum.n_targets))
    for start in range(0, alphas.size, chunk):
        block = alphas[start:start + chunk]
        out[start:start + block.size] = F.loo_residuals(U, r0, spectrum.uty, spectrum.mu,
                                                        block, h0, inv, u2=u2)
    return out


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
    U, r0, h0, u2, w, inv = _loo_inputs(spectrum)

    def curve(grid):
        mean, se = F.loo_curve(U, r0, spectrum.uty, spectrum.mu, as_grid(grid), h0, w, inv,
                               per_target, u2=u2)
        return _squeeze(mean), _squeeze(se)

    mean, se = curve(alphas)
    sel = Selection.from_curve(alphas, "loo", mean, se, None, rule, warn_edge,
                               curve=curve if refine else None,
                               limits=search_limits(spectrum))
    sel.df = degrees_of_freedom(spectrum, sel.alphas)
    return sel


#: the GCV forms by name: ``form -> (description, function(rss, n, trace, df) -> value)``
GCV_FORMS = F.GCV_FORMULAS


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

    def curve(grid):
        grid = as_grid(grid)
        df = spectrum.df(grid) - float(spectrum.fit_intercept)  # Tikhonov: Γ's null space
        value = F.gcv_curve(spectrum.rss(grid), n, spectrum.weight, df,
                            spectrum.fit_intercept, form, per_target)
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
