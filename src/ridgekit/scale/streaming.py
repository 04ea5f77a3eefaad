"""Per-fold moments from a stream of blocks, in one pass."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ridgekit.moments import FoldMoments, Moments

__all__ = ["fold_moments_from_blocks"]


def fold_moments_from_blocks(
    blocks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray | None]],
    n_folds: int = 10,
    random_state: int | None = 0,
) -> FoldMoments:
    """Accumulate the moments of each of ``n_folds`` random folds in one pass.

    Each row is given a fold drawn uniformly at random (as ``cv.glmnet`` does with
    ``sample(rep(1:nfolds, length = n))``, here row by row from a seeded generator, so the
    same file and seed give the same folds); the moments of a fold merge block by block.

    Parameters
    ----------
    blocks : iterable of (X_block, Y_block, w_block)
    n_folds : int
    random_state : int or None

    Returns
    -------
    FoldMoments
    """
    if int(n_folds) < 2:
        raise ValueError(f"n_folds={n_folds}: k-fold needs at least 2 folds")
    rng = np.random.default_rng(random_state)
    folds: list[Moments | None] = [None] * int(n_folds)
    for X, Y, w in blocks:
        Y = Y[:, None] if Y.ndim == 1 else Y
        ids = rng.integers(0, n_folds, size=X.shape[0])
        for k in range(n_folds):
            rows = ids == k
            if not rows.any():
                continue
            part = Moments.from_block(X[rows], Y[rows], None if w is None else w[rows])
            folds[k] = part if folds[k] is None else folds[k].merge(part)
    present = [k for k, m in enumerate(folds) if m is not None]
    if len(present) < 2:
        raise ValueError(
            f"only {len(present)} of {n_folds} folds received samples: more folds than rows?"
        )
    return FoldMoments([folds[k] for k in present], np.asarray(present))
