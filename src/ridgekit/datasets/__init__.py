"""Bundled data sets, generators, and inverse-problem test problems."""

from ridgekit.datasets._bundled import (
    NIST_LINEAR,
    Dataset,
    load_filip,
    load_longley,
    load_nist,
    load_prostate,
)
from ridgekit.datasets._generators import SimulatedRegression, make_correlated_regression
from ridgekit.datasets.inverse import (
    InverseProblem,
    baart,
    deriv2,
    foxgood,
    gravity,
    heat,
    i_laplace,
    phillips,
    shaw,
    wing,
)

__all__ = [
    "Dataset",
    "load_prostate",
    "load_longley",
    "load_filip",
    "load_nist",
    "NIST_LINEAR",
    "SimulatedRegression",
    "make_correlated_regression",
    "InverseProblem",
    "shaw",
    "phillips",
    "deriv2",
    "heat",
    "baart",
    "foxgood",
    "gravity",
    "wing",
    "i_laplace",
]
