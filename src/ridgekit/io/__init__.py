"""Safe model files and data readers.

* :func:`save` / :func:`load`: linear models as one checksummed ``.npz`` of plain arrays
  with JSON metadata, written atomically, never pickled (:mod:`ridgekit.io.model_files`).
* :func:`read_data`, :func:`open_blocks`, :func:`read_moments`: CSV/TSV, Parquet,
  ``.npy``/``.npz`` and svmlight files, whole or streamed in blocks
  (:mod:`ridgekit.io.readers`).

Errors are :class:`DataError` (data files) and :class:`ModelFileError` (model files), both
``ValueError`` subclasses with one-line messages. pyarrow is imported only when a CSV or
Parquet file is read.
"""

from ridgekit.io.errors import DataError, ModelFileError
from ridgekit.io.model_files import LoadedModel, load, save
from ridgekit.io.readers import (
    FORMATS,
    BlockReader,
    Data,
    detect_format,
    open_blocks,
    read_data,
    read_moments,
)

__all__ = [
    "save",
    "load",
    "LoadedModel",
    "ModelFileError",
    "DataError",
    "Data",
    "BlockReader",
    "FORMATS",
    "detect_format",
    "read_data",
    "open_blocks",
    "read_moments",
]
