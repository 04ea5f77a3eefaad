"""Data beyond memory: one pass over blocks (Dask chunks, files, memmaps) into moments.

Dask and ``distributed`` are imported only inside the functions that use them.
"""

from ridgekit.scale.blocks import MAX_GRAM_BYTES, block_moments, merge_parts
from ridgekit.scale.dask import dask_fold_moments, is_dask_collection
from ridgekit.scale.estimators import options
from ridgekit.scale.folds import ContiguousFolds, HashFolds
from ridgekit.scale.predict import lazy
from ridgekit.scale.streaming import fold_moments_from_blocks

__all__ = ["fold_moments_from_blocks", "HashFolds", "ContiguousFolds", "block_moments",
           "merge_parts", "dask_fold_moments", "is_dask_collection", "MAX_GRAM_BYTES", "options",
           "lazy"]
