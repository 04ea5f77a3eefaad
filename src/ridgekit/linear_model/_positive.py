"""Ridge with nonnegative coefficients (``Ridge(positive=True)``): NNLS on a square root
of the penalized Gram.

With the intercept unpenalized and unconstrained it is profiled out exactly
(:math:`\\beta_0 = \\bar y - \\bar x^T\\beta`), leaving on the weighted, centered data

.. math::

    \\min_{\\beta \\ge 0}\\ \\tfrac12\\beta^T(\\tilde X^T\\tilde X + \\alpha I)\\beta
    - \\beta^T\\tilde X^T\\tilde y
    \\;=\\; \\min_{\\beta\\ge 0}\\ \\tfrac12\\lVert R\\beta - b\\rVert^2 + \\text{const},

with :math:`A = \\tilde X^T\\tilde X + \\alpha I = Q\\Lambda Q^T`,
:math:`R = \\Lambda_+^{1/2}Q_+^T` and :math:`b = \\Lambda_+^{-1/2}Q_+^T\\tilde X^T\\tilde y`
over the positive eigenvalues (the right side lies in the range of A, so nothing is lost
when A is singular at α = 0). Lawson–Hanson's active-set NNLS then solves it exactly:
the KKT conditions :math:`g = A\\beta - \\tilde X^T\\tilde y`, :math:`g_j = 0` where
:math:`\\beta_j > 0` and :math:`g_j \\ge 0` where :math:`\\beta_j = 0` hold to rounding.
The moments come from one pass over X (dense or scipy.sparse in row blocks).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

from ridgekit.moments import Moments

__all__ = ["ridge_nonnegative"]


def ridge_nonnegative(X, Y: np.ndarray, alpha: np.ndarray, sample_weight=None,
                      fit_intercept: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (t, p) >= 0 and intercepts (t,) of ridge for each target's α."""
    moments = Moments.from_arrays(X, Y, sample_weight)
    if not fit_intercept:
        moments = moments.uncentered()
    gram, cross = moments.cxx, moments.cxy
    p, t = gram.shape[0], cross.shape[1]
    coef = np.zeros((t, p))
    for a in np.unique(alpha):
        ev, Q = np.linalg.eigh(gram + a * np.eye(p))
        keep = ev > max(ev[-1], 0.0) * p * np.finfo(float).eps
        R = np.sqrt(ev[keep])[:, None] * Q[:, keep].T
        for j in np.flatnonzero(alpha == a):
            b = (Q[:, keep].T @ cross[:, j]) / np.sqrt(ev[keep])
            coef[j] = nnls(R, b, maxiter=50 * p)[0]
    intercept = moments.mean_y - coef @ moments.mean_x
    return coef, intercept
