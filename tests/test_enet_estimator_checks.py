"""scikit-learn's estimator contract for every new estimator."""

import warnings

import pytest
from sklearn.utils.estimator_checks import check_estimator

from ridgekit.linear_model import ElasticNet, ElasticNetCV, Lasso, LassoCV


@pytest.mark.parametrize("estimator", [ElasticNet(), Lasso(), ElasticNetCV(cv=3, alphas=10),
                                       LassoCV(cv=3, alphas=10)], ids=lambda e: type(e).__name__)
def test_check_estimator(estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(estimator)
