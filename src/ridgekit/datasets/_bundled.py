"""Bundled reference data (see ``data/README.md`` for sources)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = ["Dataset", "load_prostate", "load_longley", "load_filip"]


@dataclass
class Dataset:
    """A bundled data set.

    Attributes
    ----------
    X : ndarray of shape (n, p)
    y : ndarray of shape (n,)
    feature_names : list of str
    target_name : str
    train : ndarray of bool or None
        Train/test flag where the source defines one.
    certified_coef : ndarray or None
        Certified least-squares coefficients, intercept first (NIST StRD).
    certified_sd : ndarray or None
    certified_rss : float or None
    description : str
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    target_name: str
    train: np.ndarray | None = None
    certified_coef: np.ndarray | None = None
    certified_sd: np.ndarray | None = None
    certified_rss: float | None = None
    description: str = ""


def _data_path(name: str):
    return resources.files("ridgekit.datasets").joinpath("data", name)


def load_prostate() -> Dataset:
    """Prostate cancer data of Stamey et al. (1989), as in Hastie, Tibshirani & Friedman,
    *The Elements of Statistical Learning*, ch. 3: 97 men, 8 clinical predictors, response
    ``lpsa``, and the 67/30 train/test split (row 32 carries the corrected lweight 3.804438).
    """
    text = _data_path("prostate.tsv").read_text()
    lines = [line.split("\t") for line in text.strip().splitlines()]
    header, rows = lines[0], np.array(lines[1:], dtype=float)
    features = header[1:9]
    return Dataset(
        X=rows[:, 1:9], y=rows[:, 9], feature_names=features, target_name=header[9],
        train=rows[:, 10].astype(bool),
        description="Stamey et al. (1989) prostate data, ESL ch. 3",
    )


def _load_nist(name: str, X: np.ndarray, data: dict, features: list[str]) -> Dataset:
    return Dataset(
        X=X, y=np.asarray(data["y"], dtype=float), feature_names=features, target_name="y",
        certified_coef=np.asarray(data["certified_coefficients"]),
        certified_sd=np.asarray(data["certified_standard_deviations"]),
        certified_rss=float(data["certified_residual_sum_of_squares"]),
        description=f"NIST StRD {name}: {data['model']}",
    )


def load_longley() -> Dataset:
    """Longley's macroeconomic data with NIST certified least-squares values."""
    data = json.loads(_data_path("nist_longley.json").read_text())
    return _load_nist("Longley", np.asarray(data["x"], dtype=float), data, data["columns"])


def load_filip() -> Dataset:
    """Filippelli's degree-10 polynomial data (NIST StRD), X = [x, x², ..., x¹⁰]."""
    data = json.loads(_data_path("nist_filip.json").read_text())
    x = np.asarray(data["x"], dtype=float)
    X = np.vander(x, 11, increasing=True)[:, 1:]
    return _load_nist("Filip", X, data, [f"x^{k}" for k in range(1, 11)])
