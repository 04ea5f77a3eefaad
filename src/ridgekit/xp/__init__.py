"""The spectral core on the array API: Ridge and RidgeCV for torch, CuPy and
array-api-strict arrays, computed in their own namespace and on their own device.

numpy input never comes here (its hot paths stay in :mod:`ridgekit.spectrum`,
:mod:`ridgekit.moments` and :mod:`ridgekit.select`). Nothing in this package imports
torch or CuPy; ``array_api_compat`` is imported only when a non-numpy array arrives.
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["is_xp_input", "fit_ridge_xp", "fit_ridge_cv_xp"]


def is_xp_input(X) -> bool:
    """Whether ``X`` is a non-numpy array of an array-API namespace (torch, CuPy,
    array-api-strict, ...). A numpy array, a list, a DataFrame or a sparse matrix is not:
    those keep the numpy path. Never imports a framework."""
    if isinstance(X, np.ndarray):
        return False
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(X, torch.Tensor):
        return True
    cupy = sys.modules.get("cupy")
    if cupy is not None and isinstance(X, cupy.ndarray):
        return True
    return hasattr(X, "__array_namespace__") and not hasattr(X, "dask")


def fit_ridge_xp(est, X, y, sample_weight=None):
    """``Ridge.fit`` for array-API input (:func:`ridgekit.xp._estimators.fit_ridge`)."""
    from ridgekit.xp._estimators import fit_ridge

    return fit_ridge(est, X, y, sample_weight)


def fit_ridge_cv_xp(est, X, y, sample_weight=None, groups=None):
    """``RidgeCV.fit`` for array-API input (:func:`ridgekit.xp._estimators.fit_ridge_cv`)."""
    from ridgekit.xp._estimators import fit_ridge_cv

    return fit_ridge_cv(est, X, y, sample_weight, groups)
