import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def make_regression(rng, n, p, t=1, offset=3.0):
    """A well-conditioned random problem with nonzero means (so centering matters)."""
    X = rng.normal(size=(n, p)) + offset * rng.normal(size=p)
    beta = rng.normal(size=(p, t))
    Y = X @ beta + 5.0 + rng.normal(size=(n, t))
    return X, Y
