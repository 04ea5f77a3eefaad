"""The estimators' own predict methods stay lazy on Dask input and equal numpy's."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

from ridgekit.linear_model import LogisticRidge, Ridge  # noqa: E402


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((300, 4))
    return X, X @ rng.standard_normal(4) + 0.1 * rng.standard_normal(300)


def test_regressor_predict_is_lazy_and_equals_numpy():
    X, y = _data()
    est = Ridge(alpha=1.0).fit(X, y)
    out = est.predict(da.from_array(X, chunks=(70, 4)))
    assert isinstance(out, da.Array)
    np.testing.assert_allclose(out.compute(), X @ est.coef_ + est.intercept_, rtol=1e-12)


@pytest.mark.parametrize("method", ["decision_function", "predict_proba",
                                    "predict_log_proba", "predict"])
def test_classifier_methods_are_lazy_and_equal_numpy(method):
    X, y = _data(1)
    labels = np.where(y > 0, "pos", "neg")
    est = LogisticRidge(alpha=1.0).fit(X, labels)
    out = getattr(est, method)(da.from_array(X, chunks=(70, 4)))
    assert isinstance(out, da.Array)
    ref = getattr(est, method)(X)
    got = out.compute()
    if method == "predict":
        np.testing.assert_array_equal(got, ref)
        # the reference itself, by hand: the log-odds sign picks classes_[1]
        eta = X @ est.coef_.ravel() + est.intercept_[0]
        np.testing.assert_array_equal(ref, est.classes_[(eta > 0).astype(int)])
    else:
        np.testing.assert_allclose(got, ref, rtol=1e-12)
