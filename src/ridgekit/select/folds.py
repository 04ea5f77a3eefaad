"""Turning a ``cv`` argument into folds: partitions of the rows, as fold-id vectors."""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

__all__ = ["fold_partitions", "as_splits"]


def as_splits(cv, X, y=None, groups=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs from an int, a fold-id vector, a list of (train, test)
    pairs, a generator of them (``KFold(4).split(X)``), or a scikit-learn splitter."""
    n = X.shape[0]
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv={cv}: k-fold needs at least 2 folds")
        if cv > n:
            raise ValueError(f"cv={cv}: more folds than samples ({n})")
        from sklearn.model_selection import KFold  # only here: sklearn is slow to import

        splits = list(KFold(int(cv)).split(X))
    elif isinstance(cv, list | tuple) and cv and all(
            isinstance(pair, tuple | list) and len(pair) == 2 for pair in cv):
        splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv]
    elif isinstance(cv, np.ndarray | list | tuple):
        ids = np.asarray(cv)
        if ids.shape != (n,):
            raise ValueError(f"fold ids have shape {ids.shape}; expected ({n},), one per row")
        labels = np.unique(ids)
        if labels.size < 2:
            raise ValueError("fold ids define a single fold; k-fold needs at least 2")
        splits = [(np.flatnonzero(ids != k), np.flatnonzero(ids == k)) for k in labels]
    elif hasattr(cv, "split"):
        splits = [(np.asarray(tr), np.asarray(te)) for tr, te in cv.split(X, y, groups)]
    elif isinstance(cv, Iterable) and not isinstance(cv, str | bytes | dict):
        # a generator or other iterable of (train, test) pairs, e.g. KFold(4).split(X);
        # read once, so a generator can be used
        splits = []
        for k, pair in enumerate(cv):
            if not (isinstance(pair, tuple | list) and len(pair) == 2):
                raise TypeError(f"cv yielded {type(pair).__name__} at position {k}; an "
                                "iterable cv must yield (train, test) index pairs")
            splits.append((np.asarray(pair[0]), np.asarray(pair[1])))
    else:
        raise TypeError("cv must be an int, a fold-id array, a splitter or an iterable of "
                        f"(train, test) pairs; got {cv!r}")
    for k, (train, test) in enumerate(splits):
        for part, name in ((train, "train"), (test, "test")):
            if part.dtype == bool:
                raise TypeError(f"fold {k}: {name} is a boolean mask; give integer indices")
            if part.size and (part.dtype.kind not in "iu" or part.min() < -n
                              or part.max() >= n):
                raise ValueError(f"fold {k}: {name} indices must be integers in [0, {n})")
    for k, (train, test) in enumerate(splits):
        if test.size == 0:
            raise ValueError(f"fold {k} has no samples")
        if train.size == 0:
            raise ValueError(f"fold {k} leaves no samples to train on")
    if not splits:
        raise ValueError("the splitter produced no folds")
    return splits


def fold_partitions(splits, n: int) -> list[np.ndarray] | None:
    """Group consecutive splits whose test sets partition the rows into fold-id vectors.

    KFold, GroupKFold, StratifiedKFold give one partition; RepeatedKFold one per repeat.
    Returns None when the test sets do not partition the rows (e.g. ShuffleSplit), in
    which case each split's moments are accumulated on their own.
    """
    partitions: list[np.ndarray] = []
    ids = np.full(n, -1)
    fold = 0
    for _, test in splits:
        if np.any(ids[test] >= 0):
            return None
        ids[test] = fold
        fold += 1
        if np.all(ids >= 0):
            partitions.append(ids)
            ids = np.full(n, -1)
            fold = 0
    if fold != 0:
        return None
    return partitions
