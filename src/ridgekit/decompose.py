"""Choose and build the :class:`~ridgekit.spectrum.Spectrum` of in-memory data.

The ``auto`` rule, by shape first and then by conditioning:

1. p > n: ``dual`` (eigen of the n x n kernel; X is never copied whole).
2. otherwise ``gram``: one blocked pass of moments (no copy of X), then the eigen-
   decomposition of the p x p centered Gram; unless
3. the condition number :math:`(\\mu_{max}+\\alpha)/(\\mu_{min}+\\alpha)` of
   :math:`\\tilde X^T\\tilde X+\\alpha I` at the smallest requested α exceeds
   :data:`~ridgekit.spectrum.GRAM_CONDITION_LIMIT`: the Gram has squared away the
   small directions, so ``precise`` (SVD of the column-scaled design) is used.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ridgekit._validation import check_finite_products
from ridgekit.dual import DualKernel, from_dual
from ridgekit.moments import Moments
from ridgekit.spectrum import (
    GRAM_CONDITION_LIMIT,
    Spectrum,
    from_moments,
    from_precise,
    from_svd,
)

__all__ = ["REPRESENTATIONS", "build_spectrum", "choose_representation", "solve_ridge"]

#: at most this many distinct λ are solved directly with the dual kernel rather than
#: by its eigen-decomposition (which costs about as much as 20 Cholesky factorizations)
DUAL_CHOLESKY_MAX_ALPHAS = 4


def _gram(X, Y, sample_weight=None, fit_intercept=True) -> Spectrum:
    with np.errstate(invalid="ignore", over="ignore"):
        moments = Moments.from_arrays(X, Y, sample_weight)
    check_finite_products(X, moments.cxx, moments.cxy)  # NaN/inf in X reach the moments
    return from_moments(moments, fit_intercept)


#: builders by representation name: ``name -> f(X, Y, sample_weight, fit_intercept)``
REPRESENTATIONS: dict[str, Callable[..., Spectrum]] = {
    "gram": _gram,
    "svd": from_svd,
    "dual": from_dual,
    "precise": from_precise,
}


def choose_representation(n_samples: int, n_features: int) -> str:
    """First choice by shape alone: ``dual`` when p > n, else ``gram``."""
    return "dual" if n_features > n_samples else "gram"


def build_spectrum(
    X: np.ndarray,
    Y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    fit_intercept: bool = True,
    representation: str = "auto",
    alpha_min: float = 0.0,
) -> Spectrum:
    """Build the spectrum of data in memory, by the module's ``auto`` rule or by name.

    A scipy.sparse X goes through ``gram`` from dense row blocks (for n >= p designs whose
    p x p Gram fits in memory).

    Parameters
    ----------
    X : ndarray of shape (n, p)
    Y : ndarray of shape (n, t)
    sample_weight : ndarray of shape (n,), optional
    fit_intercept : bool
    representation : {"auto", "gram", "svd", "dual", "precise"}
    alpha_min : float
        Smallest λ that will be asked of the spectrum; decides gram vs precise.
    """
    if hasattr(X, "toarray"):  # scipy.sparse: moments of dense row blocks
        if representation not in ("auto", "gram"):
            raise ValueError(f"sparse X supports the 'gram' representation only, not "
                             f"{representation!r}")
        return _gram(X, Y, sample_weight, fit_intercept)
    if representation == "auto":
        representation = choose_representation(*X.shape)
        if representation == "gram":
            spec = _gram(X, Y, sample_weight, fit_intercept)
            if spec.condition_number([alpha_min])[0] <= GRAM_CONDITION_LIMIT:
                return spec
            representation = "precise"
    if representation not in REPRESENTATIONS:
        raise ValueError(
            f"unknown solver {representation!r}; choose one of "
            f"{['auto', *REPRESENTATIONS, 'lsqr']}"
        )
    return REPRESENTATIONS[representation](X, Y, sample_weight, fit_intercept)


def solve_ridge(
    X: np.ndarray,
    Y: np.ndarray,
    alpha: np.ndarray,
    sample_weight: np.ndarray | None = None,
    fit_intercept: bool = True,
    representation: str = "auto",
) -> tuple[np.ndarray, np.ndarray, str]:
    """Coefficients (t, p), intercepts (t,) and the representation used, for one λ per
    target.

    With ``auto`` and p > n and only a few distinct λ > 0, the dual kernel is factored
    once per λ instead of being eigen-decomposed: a fit at one λ does not need the whole
    spectrum. Everything else goes through :func:`build_spectrum`.
    """
    wide = representation == "auto" and choose_representation(*X.shape) == "dual"
    if wide and alpha.min() > 0 and np.unique(alpha).size <= DUAL_CHOLESKY_MAX_ALPHAS:
        kern = DualKernel.from_arrays(X, Y, sample_weight, fit_intercept)
        coef, intercept = kern.solve(alpha)
        return coef, intercept, "dual"
    spec = build_spectrum(X, Y, sample_weight, fit_intercept, representation,
                          alpha_min=float(alpha.min()))
    coef = spec.coef(alpha)
    return coef, spec.intercept(coef), spec.representation
