"""Fold membership from each row's global position, independent of how rows are chunked.

A row's fold must not depend on which block, chunk, partition or file it arrives in, or
the k-fold curve would change with the chunking. Every rule here is a function of the
row's global position ``i`` (its index in the concatenation of all blocks) alone:

* :class:`HashFolds` -- seeded, balanced, shuffled. Rows are taken in groups of ``K``
  consecutive positions; within group ``g`` (positions ``gK .. gK+K-1``) row ``i`` gets the
  rank of ``h(i)`` among ``h(gK), ..., h(gK+K-1)``, where ``h`` is the SplitMix64 hash of
  the position mixed with the seed. Each group puts exactly one row in every fold (the last
  group, if partial, at most one), so fold sizes differ by at most one, as with
  scikit-learn's ``KFold``, and the assignment within each group is a pseudo-random
  permutation. A block of ``m`` rows costs ``m`` hashes and ``m/K`` sorts of ``K`` keys.
* :class:`ContiguousFolds` -- scikit-learn's ``KFold(K)`` without shuffling (the first
  ``n mod K`` folds one row longer), which needs ``n`` up front.

Both are scikit-learn splitters too (``split``/``get_n_splits``), so an in-memory fit given
the same object uses exactly the same folds as a fit over Dask chunks or files.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterator

import numpy as np

from ridgekit._fold_block import rows_from_ids

__all__ = ["HashFolds", "ContiguousFolds", "splitmix64", "rows_by_fold"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def splitmix64(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """SplitMix64 finalizer of ``x + (seed + 1)·φ`` (Steele, Lea & Flood 2014), uint64.

    Parameters
    ----------
    x : ndarray of integers
    seed : int

    Returns
    -------
    ndarray of uint64
    """
    z = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        z = z + np.uint64(seed % (1 << 64)) * _GOLDEN + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _check_splits(n_splits) -> int:
    if not isinstance(n_splits, numbers.Integral) or isinstance(n_splits, bool):
        raise TypeError(f"n_splits must be an int, got {n_splits!r}")
    if n_splits < 2:
        raise ValueError(f"n_splits={n_splits}: k-fold needs at least 2 folds")
    return int(n_splits)


class _PositionFolds(ABC):
    """Shared splitter interface: ``ids(start, stop)`` gives the folds of a row range."""

    n_splits: int

    @abstractmethod
    def ids(self, start: int, stop: int) -> np.ndarray:
        """Fold id of each row in the global range ``[start, stop)``."""

    def fold_ids(self, n_samples: int) -> np.ndarray:
        """Fold id (0 .. K-1) of each of ``n_samples`` rows."""
        self._check_n(n_samples)
        return self.ids(0, int(n_samples))

    def rows_by_fold(self, start: int, stop: int) -> tuple[np.ndarray | None, np.ndarray]:
        """The rows of ``[start, stop)`` grouped by fold; see :func:`rows_by_fold`."""
        return rows_from_ids(self.ids(start, stop), self.n_splits)

    def _check_n(self, n_samples: int) -> None:
        if n_samples < self.n_splits:
            raise ValueError(f"{self.n_splits} folds need at least as many rows; got "
                             f"{n_samples}")

    def split(self, X, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(train, test) index pairs for in-memory data, as a scikit-learn splitter."""
        ids = self.fold_ids(X.shape[0])
        for k in range(self.n_splits):
            yield np.flatnonzero(ids != k), np.flatnonzero(ids == k)

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return self.n_splits


class HashFolds(_PositionFolds):
    """Balanced folds from a seeded hash of each row's global position.

    Parameters
    ----------
    n_splits : int, default=10
    seed : int, default=0
    """

    def __init__(self, n_splits: int = 10, seed: int = 0):
        self.n_splits = _check_splits(n_splits)
        self.seed = int(seed)

    def ids(self, start: int, stop: int) -> np.ndarray:
        """Fold ids of the rows at global positions ``start .. stop-1``."""
        k = self.n_splits
        if stop <= start:
            return np.zeros(0, dtype=np.intp)
        g0, g1 = start // k, (stop - 1) // k + 1
        members = np.arange(g0 * k, g1 * k, dtype=np.uint64).reshape(-1, k)
        # rank of each row's hash within its group; argsort is stable, so equal hashes
        # (never seen in practice) are ranked by position and the ranks stay distinct
        order = np.argsort(splitmix64(members, self.seed), axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(k)[None, :], axis=1)
        return rank.ravel()[start - g0 * k: stop - g0 * k]

    def rows_by_fold(self, start: int, stop: int) -> tuple[np.ndarray | None, np.ndarray]:
        """The rows of ``[start, stop)`` grouped by fold, straight from the hash order.

        Within group ``g`` the row of fold ``f`` is ``gK + order[g, f]`` (``order`` the
        argsort of the group's hashes), so reading ``order`` column by column lists fold
        0's rows, then fold 1's, each in increasing position -- the stable sort by fold
        id without computing the ids or sorting them.
        """
        k = self.n_splits
        if stop <= start:
            return None, np.zeros(k + 1, dtype=np.intp)
        g0, g1 = start // k, (stop - 1) // k + 1
        members = np.arange(g0 * k, g1 * k, dtype=np.uint64).reshape(-1, k)
        order = np.argsort(splitmix64(members, self.seed), axis=1, kind="stable")
        pos = order.T + (np.arange(g0, g1, dtype=np.intp) * k - start)[None, :]
        if start % k == 0 and stop % k == 0:  # whole groups: nothing to drop
            counts = np.full(k, g1 - g0)
            rows = pos.ravel()
        else:
            keep = (pos >= 0) & (pos < stop - start)
            counts = keep.sum(axis=1)
            rows = pos[keep]
        return rows, np.r_[0, np.cumsum(counts)].astype(np.intp)

    def __repr__(self) -> str:
        return f"HashFolds(n_splits={self.n_splits}, seed={self.seed})"


class ContiguousFolds(_PositionFolds):
    """scikit-learn's ``KFold(n_splits)`` without shuffling, for ``n_samples`` rows.

    Parameters
    ----------
    n_splits : int
    n_samples : int
    """

    def __init__(self, n_splits: int, n_samples: int):
        self.n_splits = _check_splits(n_splits)
        self.n_samples = int(n_samples)
        self._check_n(self.n_samples)
        sizes = np.full(self.n_splits, self.n_samples // self.n_splits)
        sizes[: self.n_samples % self.n_splits] += 1
        self._ends = np.cumsum(sizes)

    def ids(self, start: int, stop: int) -> np.ndarray:
        return np.searchsorted(self._ends, np.arange(start, stop), side="right")

    def rows_by_fold(self, start: int, stop: int) -> tuple[np.ndarray | None, np.ndarray]:
        """Contiguous folds: the rows are already grouped (``None``: no reordering)."""
        ends = np.clip(self._ends, start, stop) - start
        return None, np.r_[0, ends].astype(np.intp)

    def fold_ids(self, n_samples: int) -> np.ndarray:
        if int(n_samples) != self.n_samples:
            raise ValueError(f"ContiguousFolds was made for {self.n_samples} rows, not "
                             f"{n_samples}")
        return self.ids(0, self.n_samples)

    def __repr__(self) -> str:
        return f"ContiguousFolds(n_splits={self.n_splits}, n_samples={self.n_samples})"


def rows_by_fold(folds, start: int, stop: int) -> tuple[np.ndarray | None, np.ndarray]:
    """The rows of the global range ``[start, stop)`` grouped by fold.

    Parameters
    ----------
    folds : object with ``ids(start, stop)`` and ``n_splits``
        A fold rule of the global position (its own ``rows_by_fold`` is used if it has one).
    start, stop : int

    Returns
    -------
    rows : ndarray of int or None
        Offsets (from ``start``) of the rows, fold 0's first, each fold in increasing
        position -- a stable sort by fold id; None when the rows are already in that
        order (contiguous folds).
    bounds : ndarray of int, shape (K + 1,)
        Fold ``f`` is ``rows[bounds[f]:bounds[f + 1]]`` (or that slice of the block).
    """
    own = getattr(folds, "rows_by_fold", None)
    if own is not None:
        return own(start, stop)
    return rows_from_ids(folds.ids(start, stop), int(folds.n_splits))
