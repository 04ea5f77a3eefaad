"""Shared pieces of the linear estimators: input validation and prediction."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.utils.validation import assert_all_finite, check_is_fitted, validate_data

from ridgekit._validation import check_sample_weight

__all__ = ["LinearRegressorBase", "validate_xy"]


def validate_xy(estimator, X, y, sample_weight=None, accept_sparse=("csr", "csc"),
                defer_x_finite: bool = False):
    """Validate training data the scikit-learn way, plus ridgekit's own checks.

    Returns ``X, Y (n, t), sample_weight or None, y_was_1d``. Messages name the problem:
    NaN/inf, mismatched lengths, non-numeric data, empty data, a single sample.

    ``defer_x_finite=True`` skips the pass over X that looks for NaN/inf; the caller must
    then check a product of X instead (NaN and inf propagate into its sums of squares), as
    the ``gram`` and ``dual`` routes do with :func:`ridgekit._validation.check_finite_products`.
    """
    X, y = validate_data(
        estimator, X, y, accept_sparse=list(accept_sparse) if accept_sparse else False,
        dtype=[np.float64, np.float32], multi_output=True, y_numeric=True,
        ensure_min_samples=2, ensure_all_finite=not defer_x_finite,
    )
    if defer_x_finite:
        assert_all_finite(y, input_name="y")
    y = np.asarray(y, dtype=np.float64)
    y_was_1d = y.ndim == 1
    Y = y[:, None] if y_was_1d else y
    if Y.shape[1] == 0:
        raise ValueError("y has no targets (shape (n, 0))")
    w = check_sample_weight(sample_weight, X)
    if sparse.issparse(X):
        X = X.tocsr()
    return X, Y, w, y_was_1d


def lazy_on_dask(est, X, method: str):
    """A lazy ``dask.array`` of ``est.<method>(X)`` when X is a Dask collection (each row
    block predicted where it lives, :func:`ridgekit.scale.predict.lazy`), else None."""
    from ridgekit.scale.dask import is_dask_collection

    if not is_dask_collection(X):
        return None
    from ridgekit.scale.predict import lazy

    return lazy(est, X, method)


class LinearRegressorBase(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """``predict`` = X coef_ᵀ + intercept_ for fitted linear models."""

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            A lazy ``dask.array`` when X is a Dask collection.
        """
        if (out := lazy_on_dask(self, X, "predict")) is not None:
            return out
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"],
                          dtype=[np.float64, np.float32], reset=False)
        out = X @ self.coef_.T + self.intercept_
        return np.asarray(out)

    def _store(self, coef: np.ndarray, intercept: np.ndarray, y_was_1d: bool, dtype) -> None:
        coef = np.asarray(coef, dtype=dtype)
        intercept = np.asarray(intercept, dtype=dtype)
        if y_was_1d:
            self.coef_ = coef[0]
            self.intercept_ = intercept[0] if intercept.ndim else intercept
        else:
            self.coef_ = coef
            self.intercept_ = intercept

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
