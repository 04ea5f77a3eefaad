"""Bundled data sets and generators."""

from ridgekit.datasets._bundled import Dataset, load_filip, load_longley, load_prostate

__all__ = ["Dataset", "load_prostate", "load_longley", "load_filip"]
