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

from importlib import import_module

# names resolve lazily (PEP 562), so that ``ridgekit.io._interrupt`` and the errors import
# without numpy/scipy (the command installs its interrupt latch before anything heavy)
_EXPORTS = {
    "DataError": "ridgekit.io.errors", "ModelFileError": "ridgekit.io.errors",
    "LoadedModel": "ridgekit.io.model_files", "load": "ridgekit.io.model_files",
    "save": "ridgekit.io.model_files",
    "FORMATS": "ridgekit.io.readers", "BlockReader": "ridgekit.io.readers",
    "Data": "ridgekit.io.readers", "detect_format": "ridgekit.io.readers",
    "open_blocks": "ridgekit.io.readers", "read_data": "ridgekit.io.readers",
    "read_moments": "ridgekit.io.readers", "columns_of": "ridgekit.io.readers",
}

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
    "columns_of",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ridgekit.io' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
