"""Format back ends of :mod:`ridgekit.io.readers`.

Each dense source lists its columns and yields, block by block, a dict of float64 column
arrays (missing values as NaN) together with the number of file bytes consumed so far.
Validation common to all formats (missing and non-finite values, column lookup) lives in
:mod:`ridgekit.io.readers`; a source only reports what its format alone can tell (a column
that is not numeric, a file that does not parse). pyarrow is imported lazily.
"""

from __future__ import annotations

import contextlib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ridgekit.io.errors import DataError

__all__ = ["Source", "open_source", "label_values", "SUFFIXES", "FORMATS"]

#: file suffix -> format name
SUFFIXES = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".npy": "npy", ".npz": "npz", ".svm": "svmlight", ".svmlight": "svmlight",
    ".libsvm": "svmlight",
}
FORMATS = ("csv", "tsv", "parquet", "npy", "npz", "svmlight")
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}
_NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float

Columns = dict[str, np.ndarray]


class Source(ABC):
    """A readable data file.

    Attributes
    ----------
    path : Path
    format : str
    columns : list of str
        Available column names, in file order.
    default_target : str or None
        Target used when none is given (only where the format names one, e.g. ``y`` in an
        ``.npz`` holding ``X`` and ``y``).
    default_features : list of str or None
        Features used when none are given; None means every column except the target and
        the weight column.
    positional : bool
        The columns have no names of their own (plain ``.npy``): integer strings such as
        ``"0"`` or ``"-1"`` select columns by position.
    n_rows : int or None
        Number of rows when known before reading.
    bytes_total : int
        Size of the file in bytes.
    """

    format = ""
    positional = False

    def __init__(self, path: Path):
        self.path = path
        self.columns: list[str] = []
        self.default_target: str | None = None
        self.default_features: list[str] | None = None
        self.n_rows: int | None = None
        self.bytes_total = path.stat().st_size

    def check_numeric(self, used: list[str]) -> None:  # noqa: B027 - optional hook
        """Raise :class:`DataError` when a used column is known not to be numeric (formats
        with a schema override this; the others find out while reading)."""

    @abstractmethod
    def iter_columns(self, used: list[str], block_rows: int,
                     raw: tuple[str, ...] = ()) -> Iterator[tuple[Columns, int]]:
        """Yield ``({name: float64 array}, bytes_done)`` for the ``used`` columns; a column
        in ``raw`` (class labels) comes as :func:`label_values` gives it."""


# --------------------------------------------------------------------------- CSV / TSV
class CsvSource(Source):
    """Delimited text through pyarrow's streaming CSV reader (compressed files too)."""

    def __init__(self, path: Path, fmt: str, delimiter: str | None):
        super().__init__(path)
        self.format = fmt
        self.delimiter = delimiter or ("\t" if fmt == "tsv" else ",")
        self.compression = _COMPRESSION.get(path.suffix.lower())
        pacsv = _pyarrow_csv()
        with self._open() as (_raw, stream):
            reader = self._call(lambda: pacsv.open_csv(
                stream, parse_options=pacsv.ParseOptions(delimiter=self.delimiter)))
            self.columns = list(reader.schema.names)

    @contextlib.contextmanager
    def _open(self):
        import pyarrow as pa

        raw = pa.OSFile(str(self.path), "r")
        try:
            stream = pa.CompressedInputStream(raw, self.compression) if self.compression else raw
            yield raw, stream
        finally:
            raw.close()

    def _call(self, fn):
        import pyarrow as pa

        try:
            return fn()
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"cannot read {self.path} as {self.format.upper()}: "
                            f"{_first_line(exc)}") from None

    def _bytes_per_row(self) -> float:
        with self._open() as (_raw, stream):
            sample = stream.read(1 << 20)
        return max(len(sample) / max(sample.count(b"\n"), 1), 1.0)

    def iter_columns(self, used, block_rows, raw=()):
        import pyarrow as pa

        pacsv = _pyarrow_csv()
        labels = tuple(raw)  # ``raw`` is the file below
        block_size = int(min(max(block_rows * self._bytes_per_row(), 1 << 16), 1 << 28))
        convert = pacsv.ConvertOptions(
            include_columns=used, strings_can_be_null=bool(labels),
            column_types={c: pa.string() if c in labels else pa.float64() for c in used})
        with self._open() as (raw, stream):
            try:
                reader = pacsv.open_csv(
                    stream, read_options=pacsv.ReadOptions(block_size=block_size),
                    parse_options=pacsv.ParseOptions(delimiter=self.delimiter),
                    convert_options=convert)
                while True:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        return
                    cols = {name: label_values(batch.column(i)) if name in labels
                            else _to_float64(batch.column(i))
                            for i, name in enumerate(batch.schema.names)}
                    yield cols, min(raw.tell(), self.bytes_total)
            except pa.ArrowInvalid as exc:
                raise self._explain(exc) from None

    def _explain(self, exc: Exception) -> DataError:
        """Turn pyarrow's conversion message into one naming the column and first bad row."""
        text = _first_line(exc)
        # pyarrow names the row in some versions/paths ("Row #4: ") and not in others
        match = re.search(r"column #(\d+): (?:Row #\d+: )?CSV conversion error to \w+: "
                          r"invalid value '(.*)'$", text)
        if not match:
            return DataError(f"cannot read {self.path} as {self.format.upper()}: {text}")
        name, value = self.columns[int(match.group(1))], match.group(2)
        row = self._find_value(name, value)
        where = f" (first at row {row})" if row is not None else ""
        return DataError(f"column {name!r} of {self.path} is not numeric: it holds "
                         f"{value!r}{where}")

    def _find_value(self, name: str, value: str) -> int | None:
        """1-based data row of the first cell equal to ``value`` in column ``name``."""
        import pyarrow as pa

        pacsv = _pyarrow_csv()
        with self._open() as (_raw, stream):
            table = pacsv.read_csv(
                stream, parse_options=pacsv.ParseOptions(delimiter=self.delimiter),
                convert_options=pacsv.ConvertOptions(include_columns=[name],
                                                     column_types={name: pa.string()}))
        cells = np.asarray(table.column(0).to_pylist(), dtype=object)
        hits = np.flatnonzero(cells == value)
        return int(hits[0]) + 1 if hits.size else None


# ---------------------------------------------------------------------------- Parquet
class ParquetSource(Source):
    """Parquet through pyarrow, record batch by record batch."""

    format = "parquet"

    def __init__(self, path: Path):
        super().__init__(path)
        _pyarrow_csv()  # clear message when pyarrow is missing
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(str(path))
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"cannot read {path} as Parquet: {_first_line(exc)}") from None
        schema = pf.schema_arrow
        self.columns = list(schema.names)
        self._types = {f.name: f.type for f in schema}
        self.n_rows = pf.metadata.num_rows

    def check_numeric(self, used):
        import pyarrow as pa

        for name in used:
            t = self._types[name]
            if not (pa.types.is_integer(t) or pa.types.is_floating(t)
                    or pa.types.is_boolean(t) or pa.types.is_decimal(t)):
                raise DataError(f"column {name!r} of {self.path} is not numeric "
                                f"(Parquet type {t})")

    def iter_columns(self, used, block_rows, raw=()):
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        rows = 0
        try:
            pf = pq.ParquetFile(str(self.path))
            for batch in pf.iter_batches(batch_size=block_rows, columns=used):
                cols = {name: label_values(batch.column(name)) if name in raw
                        else _to_float64(pc.cast(batch.column(name), pa.float64()))
                        for name in used}
                rows += batch.num_rows
                yield cols, int(self.bytes_total * rows / max(self.n_rows or 1, 1))
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"cannot read {self.path} as Parquet: {_first_line(exc)}") from None


# -------------------------------------------------------------------- NumPy .npy / .npz
class _ArraySource(Source):
    """Columns held by numpy arrays (memory-mapped for ``.npy``)."""

    def __init__(self, path: Path):
        super().__init__(path)
        self._getters: dict[str, tuple[np.ndarray, object]] = {}
        self._offset = 0
        self._row_bytes = 0

    def _add(self, name: str, array: np.ndarray, key=None) -> None:
        self.columns.append(name)
        self._getters.setdefault(name, (array, key))

    def check_numeric(self, used):
        for name in used:
            array, key = self._getters[name]
            dtype = array.dtype[key] if isinstance(key, str) else array.dtype
            if dtype.kind not in _NUMERIC_KINDS:
                raise DataError(f"column {name!r} of {self.path} is not numeric (dtype {dtype})")

    def iter_columns(self, used, block_rows, raw=()):
        n = self.n_rows or 0
        for start in range(0, n, block_rows):
            stop = min(start + block_rows, n)
            cols = {}
            for name in used:
                array, key = self._getters[name]
                part = array[start:stop]
                part = part[key] if isinstance(key, str) else part if key is None else part[:, key]
                cols[name] = (label_values(np.asarray(part)) if name in raw
                              else np.asarray(part, dtype=np.float64))
            yield cols, min(self._offset + stop * self._row_bytes, self.bytes_total)


class NpySource(_ArraySource):
    """A ``.npy`` file, memory-mapped: a 2-D numeric array (columns ``x0``, ``x1``, ...,
    or selected by position) or a 1-D structured array (named fields)."""

    format = "npy"

    def __init__(self, path: Path):
        super().__init__(path)
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except ValueError as exc:
            raise DataError(f"cannot read {path} as .npy: {_first_line(exc)} (object arrays "
                            "are refused: they would need pickle)") from None
        except OSError as exc:
            raise DataError(f"cannot read {path} as .npy: {_first_line(exc)}") from None
        self._offset = int(getattr(array, "offset", 0))
        if array.dtype.names:
            if array.ndim != 1:
                raise DataError(f"{path} holds a structured array of shape {array.shape}; "
                                "expected 1-D (one record per row)")
            for name in array.dtype.names:
                self._add(name, array, name)
        elif array.ndim == 2:
            self.positional = True
            for j in range(array.shape[1]):
                self._add(f"x{j}", array, j)
        else:
            raise DataError(f"{path} holds an array of shape {array.shape}; expected a 2-D "
                            "array (rows x columns) or a 1-D structured array")
        self.n_rows = array.shape[0]
        self._row_bytes = array.dtype.itemsize * (1 if array.dtype.names else array.shape[1])


class NpzSource(_ArraySource):
    """A ``.npz`` archive, either ``X`` (2-D) with ``y`` and optional ``feature_names``
    and other 1-D arrays, or one 1-D array per column (as ``np.savez(f, a=..., b=...)``)."""

    format = "npz"

    def __init__(self, path: Path):
        super().__init__(path)
        arrays = _load_npz(path)
        if "X" in arrays:
            X = arrays.pop("X")
            if X.ndim != 2:
                raise DataError(f"array 'X' of {path} has shape {X.shape}; expected 2-D")
            names = arrays.pop("feature_names", None)
            if names is None:
                names = [f"x{j}" for j in range(X.shape[1])]
            elif names.shape != (X.shape[1],) or names.dtype.kind not in "US":
                raise DataError(f"array 'feature_names' of {path} must hold {X.shape[1]} "
                                f"strings; got dtype {names.dtype} and shape {names.shape}")
            names = [str(s) for s in names]
            for j, name in enumerate(names):
                self._add(name, X, j)
            self.default_features = names
            self.default_target = "y" if "y" in arrays else None
            n = X.shape[0]
        else:
            n = None
        for key, value in arrays.items():
            if value.ndim != 1 or (n is not None and value.shape[0] != n):
                want = f"({n},)" if n is not None else "1-D"
                raise DataError(f"array {key!r} of {path} has shape {value.shape}; expected "
                                f"{want}, one value per row")
            n = value.shape[0] if n is None else n
            self._add(key, value, None)
        if n is None:
            raise DataError(f"{path} holds no arrays")
        self.n_rows = n
        self._row_bytes = max(1, self.bytes_total // max(n, 1))


def _load_npz(path: Path) -> dict[str, np.ndarray]:
    import zipfile

    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except ValueError as exc:
        raise DataError(f"cannot read {path} as .npz: {_first_line(exc)} (object arrays are "
                        "refused: they would need pickle)") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(f"cannot read {path} as .npz: {_first_line(exc)}") from None


# ------------------------------------------------------------------------- svmlight
class SvmlightSource(Source):
    """LIBSVM / svmlight text (sparse), loaded whole by scikit-learn.

    Columns are named ``f<index>`` after the feature indices of the file (``f1``, ``f2``, ...
    for the usual one-based files); the label is the target, called ``label``.
    """

    format = "svmlight"

    def __init__(self, path: Path):
        super().__init__(path)
        from sklearn.datasets import load_svmlight_file

        try:
            X, y = load_svmlight_file(str(path), dtype=np.float64, zero_based=True)
        except (ValueError, RuntimeError, OSError) as exc:
            raise DataError(f"cannot read {path} as svmlight/LIBSVM: {_first_line(exc)}"
                            ) from None
        X = X.tocsc()
        first = 0
        if X.shape[1] > 1 and X.indptr[1] == 0:  # no index 0 anywhere: a one-based file
            X, first = X[:, 1:], 1
        self.X = X.tocsr()
        self.y = np.asarray(y, dtype=np.float64)
        self.columns = [f"f{j + first}" for j in range(X.shape[1])] + ["label"]
        self.default_target = "label"
        self.default_features = self.columns[:-1]
        self.n_rows = self.X.shape[0]

    def iter_columns(self, used, block_rows, raw=()):
        index = {name: j for j, name in enumerate(self.columns[:-1])}
        n = self.n_rows or 0
        for start in range(0, n, block_rows):
            stop = min(start + block_rows, n)
            dense = self.X[start:stop].toarray()
            cols = {name: self.y[start:stop] if name == "label" else dense[:, index[name]]
                    for name in used}
            yield cols, int(self.bytes_total * stop / max(n, 1))


def open_source(path: Path, fmt: str, delimiter: str | None) -> Source:
    """The back end for ``fmt``."""
    if fmt in ("csv", "tsv"):
        return CsvSource(path, fmt, delimiter)
    if fmt == "parquet":
        return ParquetSource(path)
    if fmt == "npy":
        return NpySource(path)
    if fmt == "npz":
        return NpzSource(path)
    if fmt == "svmlight":
        return SvmlightSource(path)
    raise DataError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def label_values(array) -> np.ndarray:
    """A column of class labels (pyarrow or NumPy) as float64 (numbers, NaN where missing)
    or str (text, ``""`` where missing, cells stripped). Text whose every cell is a number
    is read as numbers, as :func:`ridgekit.io.labels.as_labels` reads a whole column. Text
    goes through pyarrow's dictionary encoding: one conversion per distinct label."""
    if isinstance(array, np.ndarray):
        if array.dtype.kind in _NUMERIC_KINDS:
            return array.astype(np.float64)
        return label_values(_pyarrow().array(array.astype(object).tolist()))
    import pyarrow.compute as pc

    pa = _pyarrow()
    if hasattr(array, "combine_chunks"):
        array = array.combine_chunks()
    t = array.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or \
            pa.types.is_decimal(t):
        return _to_float64(pc.cast(array, pa.float64()))
    if not pa.types.is_dictionary(t):
        array = pc.dictionary_encode(pc.cast(array, pa.string()))
    cells = ["" if c is None else str(c).strip() for c in array.dictionary.to_pylist()]
    codes = array.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
    try:
        numbers = np.array([np.nan if c == "" else float(c) for c in cells] + [np.nan])
    except ValueError:
        return np.array(cells + [""], dtype=str)[codes]
    return numbers[codes]


def _pyarrow():
    _pyarrow_csv()  # the message when pyarrow is missing
    import pyarrow as pa

    return pa


def _to_float64(array) -> np.ndarray:
    """A pyarrow float64 array as a NumPy array, nulls as NaN.

    Never ``to_numpy(zero_copy_only=False)``: that path imports pandas lazily (a second of
    start-up), and an interrupt raised during that import is swallowed by pyarrow, so
    Ctrl-C was ignored in about one streamed run of four. The float64 data buffer is read
    directly (nulls filled with NaN first).
    """
    import pyarrow.compute as pc

    if array.null_count:
        array = pc.fill_null(array, float("nan"))
    if hasattr(array, "combine_chunks"):
        array = array.combine_chunks()
    # the data buffer itself: even to_numpy(zero_copy_only=True) imports pandas
    data = array.buffers()[1]
    return np.frombuffer(data, dtype=np.float64, count=len(array), offset=8 * array.offset)


def _pyarrow_csv():
    try:
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is an install extra
        raise DataError("reading CSV/TSV and Parquet needs pyarrow: pip install "
                        "'ridgekit[io]'") from None
    return pacsv


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
