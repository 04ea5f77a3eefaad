"""Predictions on Dask collections without moving X: one lazy task per row block.

:func:`lazy` maps a fitted estimator's own method (``predict``, ``decision_function``,
``predict_proba``, ``predict_log_proba``) over the row blocks of a Dask array or data
frame with ``map_blocks`` and returns a lazy ``dask.array`` -- nothing is computed, and
every block is predicted where it lives. What travels with each task is a lean copy of
the estimator: its parameters and the fitted ``coef_``, ``intercept_``, ``classes_`` and
feature names -- not the spectra, paths or selections a fit also stores.

The estimators' methods hand a Dask X over here with one dispatch line.
"""

from __future__ import annotations

import numpy as np

from ridgekit.scale.dask import _is_frame, is_dask_collection

__all__ = ["lazy", "METHODS"]

METHODS = ("predict", "decision_function", "predict_proba", "predict_log_proba")
#: fitted attributes the linear prediction methods read
_FITTED = ("coef_", "intercept_", "classes_", "n_features_in_", "feature_names_in_")


def _lean(est):
    """A copy of ``est`` with its parameters and the fitted attributes prediction needs."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est)
    lean = object.__new__(type(est))
    lean.__dict__.update({k: v for k, v in vars(est).items()
                          if k in _FITTED or not (k.endswith("_") or k.startswith("_"))})
    return lean


def _apply(block, lean, method, columns):
    if columns is not None:  # the names the estimator was fitted with
        import pandas as pd

        block = pd.DataFrame(block, columns=columns)
    return np.asarray(getattr(lean, method)(block))


def lazy(est, X, method: str = "predict"):
    """``est.<method>(X)`` as a lazy Dask array, one task per row block of X.

    Parameters
    ----------
    est : fitted ridgekit estimator
    X : dask.array.Array of shape (n, p) or dask.dataframe.DataFrame
    method : {"predict", "decision_function", "predict_proba", "predict_log_proba"}

    Returns
    -------
    dask.array.Array
        Rows chunked as X's; shape (n,) or (n, k) as the in-memory method returns.

    Raises
    ------
    ValueError
        X not 2-D, a different number of features, or (data frames) other column names.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not is_dask_collection(X):
        raise TypeError(f"X must be a Dask array or data frame, got {type(X).__name__}")
    lean = _lean(est)
    names = getattr(lean, "feature_names_in_", None)
    p = int(lean.n_features_in_)
    if _is_frame(X):
        if not hasattr(X, "columns"):
            raise ValueError("X is a Dask series; give a Dask data frame or a 2-D array")
        cols = [str(c) for c in X.columns]
        if names is not None and cols != [str(c) for c in names]:
            raise ValueError(f"X has columns {cols}, but the estimator was fitted with "
                             f"{list(names)}")
        X = X.to_dask_array()  # row chunks of unknown length: fine for map_blocks
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {X.ndim}-D")
    if X.shape[1] != p:
        raise ValueError(f"X has {X.shape[1]} features, but the estimator was fitted with {p}")
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    columns = None if names is None else list(names)
    # shape and dtype of the output from one row of zeros, in this process
    probe = _apply(np.zeros((1, p), dtype=X.dtype if X.dtype.kind in "biuf" else float),
                   lean, method, columns)
    if probe.ndim == 1:
        return X.map_blocks(_apply, lean, method, columns, dtype=probe.dtype, drop_axis=1,
                            meta=np.empty((0,), probe.dtype))
    return X.map_blocks(_apply, lean, method, columns, dtype=probe.dtype,
                        chunks=(X.chunks[0], (probe.shape[1],)),
                        meta=np.empty((0, 0), probe.dtype))
