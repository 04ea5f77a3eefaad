"""The fast paths of input checking against what they replace: the split NaN/inf check
against scikit-learn's own (arrays large enough to be split over threads, small, sparse,
float32 and Fortran ones), and label encoding by counting against np.unique."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.utils.validation import assert_all_finite

from ridgekit._blas_split import MIN_SPLIT_BYTES
from ridgekit._validation import assert_finite


def _big(rng):
    n = MIN_SPLIT_BYTES // (8 * 64) + 5000  # above the split threshold
    return rng.normal(size=(n, 64))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e308, None])
@pytest.mark.parametrize("kind", ["big", "small", "float32", "sparse", "fortran"])
def test_assert_finite_agrees_with_scikit_learn(rng, value, kind):
    X = _big(rng) if kind in ("big", "fortran") else rng.normal(size=(300, 7))
    if value is not None:  # near the end: in the last worker's slice
        X[-3, 5] = value
        X[-2, 5] = value if value == 1e308 else 0.0  # two huge finite values overflow a sum
    if kind == "float32":
        with np.errstate(over="ignore"):
            X = X.astype(np.float32)  # 1e308 becomes inf
    elif kind == "sparse":
        X[np.abs(X) < 1.0] = 0.0
        X = sparse.csr_matrix(X)
    elif kind == "fortran":
        X = np.asfortranarray(X)
    try:
        assert_all_finite(X, input_name="X")
        expected = None
    except ValueError as exc:
        expected = str(exc)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning from the sums either
        if expected is None:
            assert_finite(X)
        else:
            with pytest.raises(ValueError) as info:
                assert_finite(X)
            assert str(info.value) == expected


@pytest.mark.parametrize("labels", [
    np.array([3, 1, 3, 2, 1], np.int8), np.array([7, 7, 9], np.uint16),
    np.array([-5, 0, 12, -5, 40]), np.array([0, 10**12, 5]),  # a range too wide: sorted
    np.array([2**63, 2**63 + 5, 2**63], np.uint64),  # beyond intp: sorted
    np.array([1.0, 0.0, 1.0]), np.array(["b", "a", "b"])])
def test_encode_labels_is_numpy_unique(labels):
    from ridgekit.linear_model._logistic import encode_labels

    classes, codes = encode_labels(labels)
    ref_classes, ref_codes = np.unique(labels, return_inverse=True)
    np.testing.assert_array_equal(classes, ref_classes)
    assert classes.dtype == ref_classes.dtype
    np.testing.assert_array_equal(codes, ref_codes)


@pytest.mark.parametrize("labels", [
    np.array([0, 1, 1, 0]), np.array([3, 3, 3]), np.array([-7, 2, 2**40, 5], np.int64),
    np.array([1, 0, 2], np.uint8), np.array([2**63, 1], np.uint64),
    np.array([True, False, True]), np.arange(1000) % 37])
def test_integer_labels_never_fail_the_target_check_that_is_skipped(labels):
    """build_problem skips scikit-learn's target check for 1-D integer and boolean
    labels: the check itself must accept every such array."""
    from sklearn.utils.multiclass import check_classification_targets, type_of_target

    check_classification_targets(labels)  # raises for a rejected target type
    assert type_of_target(labels) in ("binary", "multiclass")


@pytest.mark.parametrize("labels", [np.array([0.5, 1.0, 0.25, 1.0]),
                                    np.array([[0, 1], [1, 0], [0, 1]])])
def test_other_labels_still_get_the_target_check(labels):
    from ridgekit.linear_model import LogisticRidge

    X = np.arange(2.0 * labels.shape[0]).reshape(labels.shape[0], 2)
    with pytest.raises(ValueError, match="(?i)unknown label type|continuous|1d array|column"):
        LogisticRidge().fit(X, labels)


def _outcome(check, X, **kw):
    try:
        check(X, **kw)
    except ValueError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("value", [np.nan, np.inf, 1.0])
def test_assert_finite_on_object_and_zero_dimensional_input(value):
    """Inputs the classifiers never pass (they convert to float first), checked as
    scikit-learn checks them: object arrays are searched (for NaN only, as scikit-learn
    does), 0-d arrays are one value."""
    obj = np.array([[1.0, value]], dtype=object)
    assert _outcome(assert_finite, obj) == _outcome(assert_all_finite, obj, input_name="X")
    assert (_outcome(assert_finite, obj) is None) == (value is not np.nan)
    scalar = np.float64(value)
    assert _outcome(assert_finite, scalar) == _outcome(assert_all_finite,
                                                       np.atleast_1d(scalar), input_name="X")
    assert (_outcome(assert_finite, scalar) is None) == np.isfinite(value)
    assert_finite(np.array([[1, 2]], dtype=object))
    assert_finite(np.array([True, False]))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("weighted", [False, True])
def test_alo_proves_x_finite_in_its_first_pass(rng, value, weighted):
    """cv="alo" leaves the NaN/inf check to its first pass over X (the trace of the
    float32 Gram): the same error as scikit-learn's check names, also for a bad value in a
    row of zero weight (where the Gram's weight is 0), and the float32 copy it makes on
    the way is X's."""
    from ridgekit.glm.alo import alo_path
    from ridgekit.linear_model import LogisticRidgeCV
    from ridgekit.linear_model._logistic import build_problem

    X = rng.normal(size=(6000, 8))
    y = (X[:, 0] + rng.normal(size=6000) > 0).astype(int)
    sw = np.ones(6000)
    bad = X.copy()
    bad[4321, 3] = value
    if weighted:
        sw[4321] = 0.0
    with pytest.raises(ValueError) as expected:
        assert_all_finite(bad, input_name="X", estimator_name="LogisticRidgeCV")
    with pytest.raises(ValueError) as got:
        LogisticRidgeCV([10.0, 1.0], cv="alo").fit(bad, y, sample_weight=sw)
    assert str(got.value) == str(expected.value)
    # a finite X: the copy made in the Gram's pass is X's, and the check is done
    problem = build_problem(LogisticRidgeCV(cv="alo"), X, y, sw, defer_finite=True)[0]
    assert problem.design._unchecked == "LogisticRidgeCV"
    alo_path(problem, np.array([10.0, 1.0]), keep_eta=False)
    assert problem.design._unchecked is None
    np.testing.assert_array_equal(problem.design.float32(), X.astype(np.float32))


def test_deferred_check_runs_before_any_other_use_of_x(rng):
    """A design whose check was put off checks X the first time anything reads it."""
    from ridgekit.glm import Design

    X = rng.normal(size=(50, 3))
    X[7, 1] = np.nan
    for use in (lambda d: d.X, lambda d: d.eta(np.zeros((4, 1))),
                lambda d: d.gram(np.ones(50)), lambda d: d.float32()):
        design = Design(X, True, unchecked="LogisticRidgeCV")
        with pytest.raises(ValueError, match="Input X contains NaN"):
            use(design)
    X[7, 1] = 1.0
    design = Design(X, True, unchecked="LogisticRidgeCV")
    np.testing.assert_array_equal(design.eta(np.ones((4, 1))), X.sum(1, keepdims=True) + 1)
    assert design._unchecked is None


def test_values_beyond_float32_are_refused_by_the_float32_route(rng):
    """Finite float64 values that float32 cannot hold: a clear error from the ALO route
    (which computes in float32), not a failed factorization."""
    from ridgekit.linear_model import LogisticRidgeCV

    X = rng.normal(size=(3000, 4))
    y = (X[:, 0] > 0).astype(int)
    X[100, 2] = 1e39
    with pytest.raises(ValueError, match="beyond float32's range"):
        LogisticRidgeCV([10.0, 1.0], cv="alo").fit(X, y)
