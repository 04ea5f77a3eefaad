"""Reading a data file whose target is a column of class labels (numbers or strings).

:func:`read_labelled` reads the features as :func:`~ridgekit.io.read_data` does (numeric,
finite, checked block by block) and the label column as it is: whole numbers become
integers, other numbers floats, anything else strings. Classifiers need the rows, so the
file is read into memory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ridgekit.io._sources import CsvSource, ParquetSource, SvmlightSource, _ArraySource
from ridgekit.io.errors import DataError
from ridgekit.io.readers import DEFAULT_BLOCK_ROWS, Data, ProgressCallback, _open, _resolve

__all__ = ["read_labelled", "as_labels"]


def read_labelled(path: str | Path, target: str | None = None,
                  features: Sequence[str] | None = None, weight: str | None = None, *,
                  format: str | None = None, delimiter: str | None = None,
                  progress: ProgressCallback | None = None,
                  block_rows: int = DEFAULT_BLOCK_ROWS,
                  index_col: str | bool | None = None) -> Data:
    """Read a whole data file with a label column as the target.

    Parameters are those of :func:`ridgekit.io.read_data`; ``target`` names one column.

    Returns
    -------
    Data
        ``y`` holds the labels: int64 when every label is a whole number, float64 when
        they are other numbers, else str.

    Raises
    ------
    DataError
        As :func:`~ridgekit.io.read_data` for the features and weights; a label missing
        (empty cell or null).
    """
    from ridgekit.io.readers import BlockReader

    source = _open(path, format, delimiter)
    if target is not None and not isinstance(target, str):
        raise DataError("a classifier takes one label column as its target")
    selection = _resolve(source, target, features, weight, index_col)
    label = selection.targets[0]
    if isinstance(source, SvmlightSource):
        from ridgekit.io.readers import read_data

        data = read_data(path, target, features, weight, format=format, progress=progress,
                         index_col=index_col)
        data.y = as_labels(np.asarray(data.y))
        return data
    # the features through the numeric reader; the first feature stands in as the formal
    # target there (its values are read once, the block's y is dropped)
    numeric = dataclasses.replace(selection, targets=(selection.features[0],))
    source.check_numeric(numeric.used)
    blocks = list(BlockReader(source, numeric, int(block_rows), progress))
    X = np.concatenate([b[0] for b in blocks])
    w = None if selection.weight is None else np.concatenate([b[2] for b in blocks])
    if w is not None and not w.sum() > 0:
        raise DataError(f"weight column {selection.weight!r} of {source.path} sums to zero; "
                        "at least one weight must be positive")
    y = as_labels(_label_values(source, label), label, str(source.path))
    if y.shape[0] != X.shape[0]:  # pragma: no cover - the same file read twice
        raise DataError(f"{source.path}: {y.shape[0]} labels for {X.shape[0]} rows")
    return Data(X, y, list(selection.features), w, label, selection.weight,
                str(source.path), source.format, selection.index, list(selection.notes))


def _label_values(source, name: str) -> np.ndarray:
    """One column as Python values (None for a missing cell)."""
    if isinstance(source, CsvSource):
        import pyarrow as pa

        from ridgekit.io._sources import _pyarrow_csv

        pacsv = _pyarrow_csv()
        with source._open() as (_raw, stream):
            table = source._call(lambda: pacsv.read_csv(
                stream, parse_options=pacsv.ParseOptions(delimiter=source.delimiter),
                convert_options=pacsv.ConvertOptions(include_columns=[name],
                                                     column_types={name: pa.string()},
                                                     strings_can_be_null=True)))
        return np.asarray(table.column(0).to_pylist(), dtype=object)
    if isinstance(source, ParquetSource):
        import pyarrow.parquet as pq

        table = pq.read_table(str(source.path), columns=[name])
        return np.asarray(table.column(0).to_pylist(), dtype=object)
    if isinstance(source, _ArraySource):
        array, key = source._getters[name]
        part = array[key] if isinstance(key, str) else array if key is None else array[:, key]
        return np.asarray(part)
    raise DataError(f"cannot read labels from a {source.format} file")  # pragma: no cover


def as_labels(values, name: str = "label", path: str = "") -> np.ndarray:
    """Labels as int64 (whole numbers), float64 (other numbers) or str; missing or
    non-finite labels raise :class:`DataError` naming the first row."""
    values = np.asarray(values)
    where = f" of {path}" if path else ""
    if values.dtype.kind in "biuf":
        v = values.astype(np.float64)
        bad = ~np.isfinite(v)
        if bad.any():
            raise DataError(f"label column {name!r}{where} has a missing or non-finite "
                            f"label at row {int(np.argmax(bad)) + 1}")
        return v.astype(np.int64) if np.all(v == np.round(v)) else v
    cells = [None if c is None else str(c).strip() for c in values.tolist()]
    missing = [i for i, c in enumerate(cells) if c is None or c == ""]
    if missing:
        raise DataError(f"label column {name!r}{where} has a missing label at row "
                        f"{missing[0] + 1}")
    try:
        return as_labels(np.array([float(c) for c in cells]), name, path)
    except ValueError:
        return np.array(cells, dtype=str)
