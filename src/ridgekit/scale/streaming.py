"""One streamed pass over blocks of rows: per-fold moments, and exact leave-one-out.

Fold assignment while streaming
-------------------------------
A row's fold is a function of its global position (never of the block it arrives in):

* :class:`ShuffledKFold` -- **exactly** scikit-learn's ``KFold(n_splits, shuffle=True,
  random_state=seed)``: the rows ``0 .. n-1`` are permuted by NumPy's legacy
  ``RandomState(seed).shuffle`` and cut into ``n_splits`` consecutive runs, the first
  ``n mod K`` one row longer. It needs ``n`` before the first row (Parquet, ``.npy`` and
  ``.npz`` know it; CSV is counted by a fast scan first) and holds one small fold id per
  row (1 byte for K <= 255): 100 million rows cost 100 MB, plus 4 bytes per row while the
  permutation is drawn.
* :class:`ridgekit.scale.HashFolds` -- balanced (sizes differ by at most one) without knowing
  ``n``, by a seeded hash of the position; not scikit-learn's folds. Used when ``n`` is
  unknown or too large for a per-row id.
* fold labels read from a column (``cv.glmnet``'s ``foldid``): blocks then carry a fourth
  element, the labels of their rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ridgekit.moments import FoldMoments, Moments
from ridgekit.scale.blocks import BlockSpec, block_moments, finish_parts, merge_parts
from ridgekit.scale.folds import HashFolds, _PositionFolds

__all__ = ["fold_moments_from_blocks", "ShuffledKFold", "fold_rule", "loo_from_blocks",
           "standardize_moments", "standardize_folds", "MAX_FOLD_ID_ROWS"]

#: largest n for which :func:`fold_rule` holds a per-row fold id (1-2 bytes per row)
MAX_FOLD_ID_ROWS = 1_000_000_000


class ShuffledKFold(_PositionFolds):
    """scikit-learn's ``KFold(n_splits, shuffle=True, random_state=seed)`` on ``n_samples``
    rows, as fold ids by position (so it applies block by block while streaming).

    Parameters
    ----------
    n_splits : int
    n_samples : int
    seed : int
    """

    def __init__(self, n_splits: int, n_samples: int, seed: int = 0):
        self.n_splits = int(n_splits)
        if self.n_splits < 2:
            raise ValueError(f"n_splits={n_splits}: k-fold needs at least 2 folds")
        self.n_samples = int(n_samples)
        self.seed = int(seed)
        self._check_n(self.n_samples)
        n, k = self.n_samples, self.n_splits
        # RandomState.shuffle draws the same swaps whatever the dtype: int32 halves memory
        perm = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
        np.random.RandomState(self.seed).shuffle(perm)
        sizes = np.full(k, n // k)
        sizes[: n % k] += 1
        ends = np.cumsum(sizes)
        ids = np.empty(n, dtype=np.uint8 if k <= 255 else np.uint16 if k <= 65535 else np.int64)
        start = 0
        for f, stop in enumerate(ends):
            ids[perm[start:stop]] = f
            start = stop
        self._ids = ids

    def ids(self, start: int, stop: int) -> np.ndarray:
        if stop > self.n_samples:
            raise ValueError(f"row {stop - 1} is beyond the {self.n_samples} rows the folds "
                             "were drawn for")
        return self._ids[start:stop].astype(np.intp)

    def fold_ids(self, n_samples: int) -> np.ndarray:
        if int(n_samples) != self.n_samples:
            raise ValueError(f"ShuffledKFold was drawn for {self.n_samples} rows, not "
                             f"{n_samples}")
        return self.ids(0, self.n_samples)

    def __repr__(self) -> str:
        return (f"ShuffledKFold(n_splits={self.n_splits}, n_samples={self.n_samples}, "
                f"seed={self.seed})")


def fold_rule(n_folds: int, n_samples: int | None, seed: int = 0):
    """The fold rule of a stream: :class:`ShuffledKFold` when ``n_samples`` is known (and
    at most :data:`MAX_FOLD_ID_ROWS`), else :class:`~ridgekit.scale.HashFolds`.

    Raises
    ------
    ValueError
        Fewer than 2 folds, or more folds than rows.
    """
    if int(n_folds) < 2:
        raise ValueError(f"{n_folds} folds: k-fold needs at least 2")
    if n_samples is not None and int(n_folds) > int(n_samples):
        raise ValueError(f"{n_folds} folds but only {n_samples} rows: use at most "
                         f"{n_samples} folds")
    if n_samples is not None and n_samples <= MAX_FOLD_ID_ROWS:
        return ShuffledKFold(int(n_folds), int(n_samples), seed)
    return HashFolds(int(n_folds), int(seed))


def fold_moments_from_blocks(
    blocks: Iterable[tuple],
    n_folds: int = 10,
    random_state: int | None = 0,
    *,
    folds=None,
    check: Callable[[], None] | None = None,
) -> FoldMoments:
    """Accumulate the moments of each fold in one pass over ``(X, Y, w)`` blocks.

    Parameters
    ----------
    blocks : iterable of (X_block, Y_block, w_block) or (X_block, Y_block, w_block, labels)
        Consecutive runs of rows. With a fourth element, each row's fold is its label
        (any integers or strings; ``cv.glmnet``'s ``foldid``) and ``folds`` is ignored.
    n_folds : int, default=10
        Used when ``folds`` is None: balanced hashed folds
        (:class:`~ridgekit.scale.HashFolds`), since ``n`` is not known here.
    random_state : int, default=0
        Seed of those folds.
    folds : splitter with ``ids(start, stop)`` and ``n_splits``, optional
        The fold rule by global position, e.g. :class:`ShuffledKFold` (scikit-learn's
        shuffled ``KFold``, needs ``n``) or :func:`fold_rule`.
    check : callable, optional
        Called after every block (e.g. to stop on an interrupt).

    Returns
    -------
    FoldMoments

    Raises
    ------
    ValueError
        A fold received no rows (more folds than rows), fewer than 2 rows or 2 labels.
    """
    if folds is None:
        folds = HashFolds(int(n_folds), 0 if random_state is None else int(random_state))
    spec = BlockSpec(folds=folds)
    parts = None
    by_label: dict = {}
    start = 0
    for block in blocks:
        X, Y, w = block[:3]
        if len(block) > 3:
            _merge_labelled(by_label, X, Y, w, np.asarray(block[3]))
        else:
            here = block_moments(X, Y, w, start, spec)
            parts = here if parts is None else merge_parts(parts, here)
        start += X.shape[0]
        if check is not None:
            check()
    if by_label:
        labels = sorted(by_label)
        if len(labels) < 2:
            raise ValueError(f"the fold column holds a single fold ({labels[0]!r}); k-fold "
                             "needs at least 2")
        return FoldMoments([by_label[k] for k in labels], np.asarray(labels))
    if parts is None:
        raise ValueError("no rows to accumulate")
    return finish_parts(parts)


def _merge_labelled(by_label: dict, X, Y, w, labels: np.ndarray) -> None:
    Y = Y[:, None] if Y.ndim == 1 else Y
    keys, inverse = np.unique(labels, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(keys.size + 1))
    Xs, Ys = X[order], Y[order]
    ws = None if w is None else w[order]
    for f, key in enumerate(keys.tolist()):
        a, b = bounds[f], bounds[f + 1]
        part = Moments.from_arrays(Xs[a:b], Ys[a:b], None if ws is None else ws[a:b])
        by_label[key] = part if key not in by_label else by_label[key].merge(part)


def loo_from_blocks(spectrum, blocks: Iterable[tuple], alphas, *,
                    check: Callable[[], None] | None = None,
                    max_block_bytes: int = 64 << 20) -> tuple[np.ndarray, np.ndarray]:
    """Exact leave-one-out squared errors over a grid, in one more pass over the rows.

    With the moments' spectrum (eigenvectors V, squared singular values d²) and a centered
    row x̃ᵢ, the projection zᵢ = Vᵀx̃ᵢ gives for every λ

    .. math:: h_{ii}(\\lambda) = \\sum_j \\frac{z_{ij}^2}{d_j^2 + \\lambda} + \\frac1n,
              \\qquad r_i(\\lambda) = \\frac{y_i - \\hat y_i(\\lambda)}{1 - h_{ii}(\\lambda)}

    (the intercept counted in the leverage, as :func:`ridgekit.select.loo_errors`), so the
    rows are never held together: a block of m rows costs O(m p L) time and O(m L)
    memory, λ taken in chunks to stay under ``max_block_bytes``.

    Parameters
    ----------
    spectrum : Spectrum
        From :func:`ridgekit.spectrum.from_moments` of all rows, one target, no weights.
    blocks : iterable of (X_block, y_block, None[, ...])
    alphas : ndarray of shape (L,)
    check : callable, optional
        Called after every block.

    Returns
    -------
    mean, se : ndarray of shape (L,)
        Mean of the squared LOO residuals and its standard error sd/√n (``ddof=1``), as
        :func:`ridgekit.select.loo` gives them from the data in memory.
    """
    alphas = np.asarray(alphas, dtype=float)
    L = alphas.size
    V = spectrum.basis.V
    inv = 1.0 / (spectrum.d[None, :] ** 2 + alphas[:, None])  # (L, r)
    coef = spectrum.coef_path(alphas)[:, 0, :]  # (L, p)
    mean_x = spectrum.mean_x
    mean_y = float(np.ravel(spectrum.mean_y)[0])
    n_total = float(spectrum.n_samples)
    n = 0
    s1 = np.zeros(L)
    s2 = np.zeros(L)
    for block in blocks:
        X, y, w = block[:3]
        if w is not None:
            raise ValueError("the streamed leave-one-out pass takes no sample weights")
        y = np.asarray(y, dtype=float).reshape(X.shape[0], -1)[:, 0]
        m = X.shape[0]
        Xc = X - mean_x
        Z2 = (Xc @ V) ** 2  # (m, r)
        chunk = max(1, int(max_block_bytes // (8 * 3 * max(m, 1))))
        for a in range(0, L, chunk):
            b = min(a + chunk, L)
            h = Z2 @ inv[a:b].T + 1.0 / n_total  # (m, l)
            fitted = Xc @ coef[a:b].T + mean_y
            with np.errstate(divide="ignore", invalid="ignore"):
                r2 = ((y[:, None] - fitted) / (1.0 - h)) ** 2
            s1[a:b] += r2.sum(axis=0)
            s2[a:b] += (r2**2).sum(axis=0)
        n += m
        if check is not None:
            check()
    mean = s1 / n
    var = np.clip(s2 / n - mean**2, 0.0, None) * n / max(n - 1.0, 1.0)
    return mean, np.sqrt(var / n)


def standardize_moments(total: Moments):
    """Moments of (x - mean)/sd, sd the population standard deviation (ddof = 0, as
    scikit-learn's StandardScaler and glmnet); a constant column keeps sd 1.

    Returns
    -------
    moments : Moments
    mean, scale : ndarray of shape (p,)
    """
    mean = total.mean_x
    scale = np.sqrt(np.diag(total.cxx) / total.weight)
    scale[scale == 0] = 1.0
    return total.standardized(mean, scale), mean, scale


def standardize_folds(folds: FoldMoments):
    """Every fold's moments standardized by the mean and sd of all rows
    (:func:`standardize_moments` of their merge)."""
    _, mean, scale = standardize_moments(folds.total())
    return FoldMoments([m.standardized(mean, scale) for m in folds.folds], folds.labels), \
        mean, scale
