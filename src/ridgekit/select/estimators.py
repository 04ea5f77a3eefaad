"""Closed-form λ estimators: Hoerl–Kennard–Baldwin, Lawless–Wang, target df.

For least squares :math:`\\hat\\beta` on the (centered) design with residual variance
:math:`s^2 = \\mathrm{RSS}_0 / (n - p - [\\text{intercept}])`:

======================  =================================================================
``hkb``, form "mass"    :math:`k = (p-2)\\,s^2 / \\hat\\beta^T\\hat\\beta`
                        (``MASS::lm.ridge``, after Hoerl, Kennard & Baldwin 1975)
``hkb``, "original"     :math:`k = p\\,s^2 / \\hat\\beta^T\\hat\\beta` (HKB 1975)
``lawless_wang``,       :math:`k = (p-2)\\,s^2\\,n / \\lVert X\\hat\\beta\\rVert^2`
form "mass"             (``MASS::lm.ridge``; n is there because MASS scales X by its
                        root mean square, so that its :math:`X^TX` is n times a correlation)
``lawless_wang``,       :math:`k = p\\,s^2 / \\hat\\beta^T X^TX\\hat\\beta` (Lawless & Wang
"original"              1976, on the design as given)
======================  =================================================================

``MASS::lm.ridge`` applies these to X centered and scaled by the root mean square of each
column; apply them to a spectrum of the design you mean (for MASS's numbers, build it from
``(X - mean) / sqrt(mean((X - mean)**2))``).
"""

from __future__ import annotations

import numpy as np

from ridgekit.select import _formulas as F
from ridgekit.select._selection import Selection, degrees_of_freedom
from ridgekit.select.grid import alpha_for_df

__all__ = ["hkb", "lawless_wang", "target_df", "ls_variance"]


def ls_variance(spectrum) -> np.ndarray:
    """Residual variance of least squares, :math:`s^2 = \\mathrm{RSS}_0/(n - r - [1])`,
    per target (weighted RSS, n the number of rows)."""
    dof = spectrum.n_samples - spectrum.rank - int(spectrum.fit_intercept)
    if dof <= 0:
        raise ValueError(
            f"the residual variance needs n > rank + intercept; n={spectrum.n_samples}, "
            f"rank={spectrum.rank}: give sigma2 instead"
        )
    return F.ls_variance(spectrum.rss0, spectrum.n_samples, spectrum.rank,
                         spectrum.fit_intercept)


def _closed(spectrum, name, value, form) -> Selection:
    value = value[0] if value.size == 1 else value
    grid = np.atleast_1d(value)
    return Selection(grid, name, None, None, degrees_of_freedom(spectrum, grid), name, value,
                     extra={"form": form})


def hkb(spectrum, form: str = "mass") -> Selection:
    """Hoerl–Kennard–Baldwin λ (see the module table for the formulas)."""
    s2 = ls_variance(spectrum)
    beta_sq = spectrum.coef_norm([0.0])[0] ** 2
    return _closed(spectrum, "hkb", F.hkb_alpha(spectrum.n_features, s2, beta_sq, form), form)


def lawless_wang(spectrum, form: str = "mass") -> Selection:
    """Lawless–Wang λ (see the module table for the formulas)."""
    s2 = ls_variance(spectrum)
    fit_sq = np.einsum("rt,rt->t", spectrum.uty, spectrum.uty)  # ||X beta_ls||^2
    value = F.lawless_wang_alpha(spectrum.n_features, spectrum.n_samples, s2, fit_sq, form)
    return _closed(spectrum, "lawless_wang", value, form)


def target_df(spectrum, df: float) -> Selection:
    """The λ with exactly ``df`` effective degrees of freedom (intercept not counted)."""
    a = alpha_for_df(spectrum, df)
    return Selection(np.array([a]), "df", None, None, np.array([df]), "df", a,
                     extra={"df": df})
