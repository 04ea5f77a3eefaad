"""Bundled reference data (see ``data/README.md`` for sources)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = ["Dataset", "load_prostate", "load_longley", "load_filip", "load_nist", "NIST_LINEAR"]


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
    sd = data.get("certified_standard_deviations")
    return Dataset(
        X=X, y=np.asarray(data["y"], dtype=float), feature_names=features, target_name="y",
        certified_coef=np.asarray(data["certified_coefficients"]),
        certified_sd=None if sd is None else np.asarray(sd),
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


#: the NIST StRD linear least-squares problems, in NIST's order of difficulty
NIST_LINEAR = ("Norris", "Pontius", "NoInt1", "NoInt2", "Filip", "Longley",
               "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5")


def load_nist(name: str) -> Dataset:
    """One NIST StRD linear least-squares problem by name (see :data:`NIST_LINEAR`).

    Polynomial problems come as X = [x, x², ..., x^k]. ``certified_coef`` lists the
    intercept first where the model has one (all but NoInt1 and NoInt2, whose
    ``description`` says "no intercept").
    """
    if name == "Longley":
        return load_longley()
    if name == "Filip":
        return load_filip()
    problems = json.loads(_data_path("nist_linear.json").read_text())["problems"]
    by_name = {p["name"]: p for p in problems}
    if name not in by_name:
        raise ValueError(f"unknown NIST StRD problem {name!r}; choose one of {list(NIST_LINEAR)}")
    data = by_name[name]
    x = np.asarray(data["x"], dtype=float)
    X = np.vander(x, data["degree"] + 1, increasing=True)[:, 1:]
    k = data["degree"]
    terms = " + ".join(f"b{j}*x^{j}" for j in range(1, k + 1))
    data = dict(data, model=f"y = {'b0 + ' if data['intercept'] else ''}{terms}"
                + ("" if data["intercept"] else " (no intercept)"))
    return _load_nist(name, X, data, [f"x^{j}" for j in range(1, k + 1)])
