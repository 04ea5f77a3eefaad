"""Read data files into arrays, whole or in blocks.

Formats (chosen from the suffix, or by ``format=``):

============  ===========================================================================
``csv``       comma-separated text with a header line (``.csv``; ``.gz``/``.bz2``/``.zst``
              compressed too), read by pyarrow
``tsv``       tab-separated, likewise (``.tsv``, ``.tab``)
``parquet``   Parquet (``.parquet``, ``.pq``), record batch by record batch
``npy``       a 2-D numeric array (columns ``x0``, ``x1``, ..., or by position: ``"0"``,
              ``"-1"``) or a 1-D structured array (named fields); memory-mapped
``npz``       ``X`` (2-D) + ``y`` (+ optional ``feature_names`` and other 1-D arrays such as
              weights), or one 1-D array per named column
``svmlight``  LIBSVM/svmlight text (``.svm``, ``.svmlight``, ``.libsvm``): sparse X,
              columns ``f<index>``, target ``label``; no weight column
============  ===========================================================================

Two ways in:

* :func:`read_data` loads everything: a :class:`Data` that unpacks as
  ``X, y, feature_names, sample_weight = read_data(...)``.
* :func:`open_blocks` streams: a :class:`BlockReader` yielding ``(X_block, y_block,
  w_block)`` triples, one pass over the file, ready for
  :meth:`ridgekit.moments.Moments.from_blocks`; :func:`read_moments` does both steps.
  An optional ``progress(rows_done, bytes_done, bytes_total)`` callable is called after
  every block (and once at the end with ``bytes_done == bytes_total``).

Every problem raises :class:`~ridgekit.io.errors.DataError` (a ``ValueError``) with a
one-line message naming the file and the problem: missing or empty file, unknown column
(with the list of available ones), non-numeric column, missing (NaN/empty) or infinite
values (with the column and the first row, counted from 1 without the header),
negative weights, no data rows. The values returned are always float64 and finite.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from ridgekit.io._sources import FORMATS, SUFFIXES, Source, SvmlightSource, open_source
from ridgekit.io.errors import DataError

if TYPE_CHECKING:
    from ridgekit.moments import Moments

__all__ = [
    "DataError",
    "Data",
    "BlockReader",
    "FORMATS",
    "DEFAULT_BLOCK_ROWS",
    "detect_format",
    "read_data",
    "open_blocks",
    "read_moments",
    "columns_of",
]

#: rows per streamed block: a few MB per block for tens of columns
DEFAULT_BLOCK_ROWS = 65536

ProgressCallback = Callable[[int, int, int], None]
Target = str | Sequence[str] | None


def detect_format(path: str | Path) -> str:
    """Format name from the file suffix (a compression suffix such as ``.gz`` is skipped).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
        One of :data:`FORMATS`.

    Raises
    ------
    DataError
        When the suffix is not recognised.
    """
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zst", ".lz4"):
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in SUFFIXES:
        return SUFFIXES[suffixes[-1]]
    raise DataError(f"cannot tell the format of {p} from its name; give it with format= "
                    f"(--format on the command line): one of {', '.join(FORMATS)}")


@dataclass
class Data:
    """A data set read from a file.

    Unpacks as ``X, y, feature_names, sample_weight``.

    Attributes
    ----------
    X : ndarray of shape (n, p), or scipy.sparse CSR matrix (svmlight)
    y : ndarray of shape (n,), or (n, t) when several targets were asked
    feature_names : list of str
    sample_weight : ndarray of shape (n,) or None
    target_name : str or list of str
    weight_name : str or None
    path : str
    format : str
    index_name : str or None
        The column taken as the row index (not used), if any.
    notes : list of str
        What the reader decided on its own (an index column detected), for the user.
    """

    X: np.ndarray | sparse.csr_matrix
    y: np.ndarray
    feature_names: list[str]
    sample_weight: np.ndarray | None
    target_name: str | list[str]
    weight_name: str | None
    path: str
    format: str
    index_name: str | None = None
    notes: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter((self.X, self.y, self.feature_names, self.sample_weight))

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


@dataclass(frozen=True)
class _Selection:
    features: tuple[str, ...]
    targets: tuple[str, ...]
    weight: str | None
    multi_target: bool
    index: str | None = None
    extra: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    labels: bool = False  # the target holds class labels (numbers or text)

    @property
    def used(self) -> list[str]:
        names = [*self.features, *self.targets] + ([self.weight] if self.weight else [])
        return list(dict.fromkeys(names + list(self.extra)))


class BlockReader:
    """One streamed pass over a data file, as ``(X_block, y_block, w_block)`` triples.

    Create it with :func:`open_blocks`. Column names are resolved and checked when it is
    created (before any data is read); the values of each block are checked as they are
    read. Iterating again reads the file again.

    Attributes
    ----------
    path : str
    format : str
    feature_names : list of str
    target_name : str or list of str
    weight_name : str or None
    index_name : str or None
        The column taken as the row index (not used), if any.
    extra_names : list of str
        Further columns read along (``extra=``): each block then has a fourth element, a
        dict of those columns' values (e.g. fold labels).
    notes : list of str
        What the reader decided on its own (e.g. an unnamed first column taken as the
        index), one sentence each, for the user to see.
    n_rows : int or None
        Rows in the file when the format tells it up front (Parquet, npy, npz, svmlight);
        None for CSV/TSV until a pass is complete.
    bytes_total : int
        File size in bytes.
    rows_read : int
        Rows yielded by the last (or current) pass.
    """

    def __init__(self, source: Source, selection: _Selection, block_rows: int,
                 progress: ProgressCallback | None):
        self._source = source
        self._sel = selection
        self.block_rows = block_rows
        self.progress = progress
        self.path = str(source.path)
        self.format = source.format
        self.feature_names = list(selection.features)
        self.target_name = (list(selection.targets) if selection.multi_target
                            else selection.targets[0])
        self.weight_name = selection.weight
        self.index_name = selection.index
        self.extra_names = list(selection.extra)
        self.notes = list(selection.notes)
        self.n_rows = source.n_rows
        self.bytes_total = source.bytes_total
        self.rows_read = 0

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        self.rows_read = 0
        bytes_before = 0
        raw = self._sel.targets if self._sel.labels else ()
        for columns, bytes_done in self._source.iter_columns(self._sel.used, self.block_rows,
                                                             raw):
            m = len(next(iter(columns.values()))) if columns else 0
            for start in range(0, m, self.block_rows):
                stop = min(start + self.block_rows, m)
                part = {k: v[start:stop] for k, v in columns.items()}
                block = _assemble(part, self._sel, self.rows_read, self.path)
                if self._sel.extra:
                    block = (*block, {k: part[k] for k in self._sel.extra})
                self.rows_read += stop - start
                yield block
                if self.progress is not None:  # bytes interpolated within a source chunk
                    done = bytes_before + (bytes_done - bytes_before) * stop // m
                    self.progress(self.rows_read, int(done), self.bytes_total)
            bytes_before = bytes_done
        if self.rows_read == 0:
            raise DataError(f"{self.path} has no data rows")
        self.n_rows = self.rows_read
        if self.progress is not None:
            self.progress(self.rows_read, self.bytes_total, self.bytes_total)


def open_blocks(path: str | Path, target: Target = None, features: Sequence[str] | None = None,
                weight: str | None = None, *, format: str | None = None,
                delimiter: str | None = None, block_rows: int = DEFAULT_BLOCK_ROWS,
                progress: ProgressCallback | None = None, index_col: str | bool | None = None,
                extra: Sequence[str] = (), labels: bool = False) -> BlockReader:
    """Open a data file for one streamed pass in blocks of rows.

    Parameters
    ----------
    path : str or Path
    target : str or sequence of str, optional
        Target column(s). Required unless the format names one (``y`` in an ``.npz``
        with ``X``; ``label`` for svmlight).
    features : sequence of str, optional
        Feature columns, in this order. Default: every column except the target(s) and
        the weight column (for an ``.npz`` with ``X``: the columns of ``X``).
    weight : str, optional
        Column of non-negative sample weights.
    format : str, optional
        One of :data:`FORMATS`; default from the suffix (:func:`detect_format`).
    delimiter : str, optional
        Field separator of CSV/TSV (default ``,`` / tab).
    block_rows : int, default=65536
        Largest number of rows per block.
    progress : callable, optional
        ``progress(rows_done, bytes_done, bytes_total)``, called after each block read.
    index_col : str, False or None
        A column holding row labels, never used. None: detected -- a first column without a
        name (pandas' ``to_csv()`` default, R's ``write.csv`` row names; also pandas'
        ``Unnamed: 0`` and Parquet's ``__index_level_0__``), announced in ``notes``.
        False: no index column.
    extra : sequence of str
        Further numeric columns to read along (e.g. fold labels), missing values as NaN;
        see ``BlockReader.extra_names``.
    labels : bool, default=False
        The target is one column of class labels: ``y_block`` holds them as int64 (whole
        numbers), float64 (other numbers) or str, as
        :func:`~ridgekit.io.labels.read_labelled` reads a whole column; a missing label
        raises :class:`DataError` naming its row.

    Returns
    -------
    BlockReader
        Iterable of ``(X_block (m, p) float64, y_block (m,) or (m, t), w_block (m,) or
        None)``.

    Raises
    ------
    DataError
        Missing/empty/unreadable file, unknown or duplicated column, no target; while
        iterating: non-numeric column, missing or non-finite values, negative weights,
        no data rows.
    """
    if int(block_rows) < 1:
        raise ValueError(f"block_rows must be >= 1, got {block_rows}")
    source = _open(path, format, delimiter)
    selection = _resolve(source, target, features, weight, index_col, extra)
    if labels:
        if selection.multi_target:
            raise DataError("a classifier takes one label column as its target")
        selection = dataclasses.replace(selection, labels=True)
    source.check_numeric([c for c in selection.used
                          if not (labels and c in selection.targets)])
    return BlockReader(source, selection, int(block_rows), progress)


def read_data(path: str | Path, target: Target = None, features: Sequence[str] | None = None,
              weight: str | None = None, *, format: str | None = None,
              delimiter: str | None = None, progress: ProgressCallback | None = None,
              block_rows: int = DEFAULT_BLOCK_ROWS,
              index_col: str | bool | None = None) -> Data:
    """Read a whole data file into memory.

    Parameters are those of :func:`open_blocks`. svmlight files give a sparse CSR ``X``;
    every other format a dense float64 array.

    Returns
    -------
    Data
        Unpacks as ``X, y, feature_names, sample_weight``.

    Raises
    ------
    DataError
        As :func:`open_blocks`, and when all sample weights are zero.
    """
    source = _open(path, format, delimiter)
    selection = _resolve(source, target, features, weight, index_col)
    if isinstance(source, SvmlightSource):
        X, y = _read_svmlight(source, selection)
        w = None
    else:
        source.check_numeric(selection.used)
        reader = BlockReader(source, selection, int(block_rows), progress)
        blocks = list(reader)
        X = np.concatenate([b[0] for b in blocks])
        y = np.concatenate([b[1] for b in blocks])
        w = None if selection.weight is None else np.concatenate([b[2] for b in blocks])
        if w is not None and not w.sum() > 0:
            raise DataError(f"weight column {selection.weight!r} of {source.path} sums to "
                            "zero; at least one weight must be positive")
    target_name = list(selection.targets) if selection.multi_target else selection.targets[0]
    return Data(X, y, list(selection.features), w, target_name, selection.weight,
                str(source.path), source.format, selection.index, list(selection.notes))


def columns_of(path: str | Path, format: str | None = None, delimiter: str | None = None,
               index_col: str | bool | None = None) -> list[str] | None:
    """The usable column names of a data file (without its index column), or None when
    the columns have no names of their own (plain ``.npy``).

    Raises
    ------
    DataError
        As :func:`open_blocks` for a missing, empty or unreadable file.
    """
    source = _open(path, format, delimiter)
    if source.positional:
        return None
    index, _ = _index_column(source, index_col)
    return [c for c in source.columns if c != index]


def read_moments(path: str | Path, target: Target = None,
                 features: Sequence[str] | None = None, weight: str | None = None, *,
                 format: str | None = None, delimiter: str | None = None,
                 block_rows: int = DEFAULT_BLOCK_ROWS,
                 progress: ProgressCallback | None = None) -> tuple[Moments, BlockReader]:
    """Sufficient statistics of a data file in one streamed pass.

    Parameters are those of :func:`open_blocks`.

    Returns
    -------
    moments : ridgekit.moments.Moments
    reader : BlockReader
        Feature, target and weight names, rows read.

    Raises
    ------
    DataError
        As :func:`open_blocks`.
    """
    from ridgekit.moments import Moments

    reader = open_blocks(path, target, features, weight, format=format, delimiter=delimiter,
                         block_rows=block_rows, progress=progress)
    return Moments.from_blocks(reader), reader


# --------------------------------------------------------------------------- helpers
def _open(path, fmt, delimiter) -> Source:
    p = Path(path)
    if not p.exists():
        raise DataError(f"no such file: {p}")
    if p.is_dir():
        raise DataError(f"{p} is a directory, not a data file")
    if p.stat().st_size == 0:
        raise DataError(f"{p} is empty (0 bytes)")
    fmt = detect_format(p) if fmt is None else str(fmt).lower()
    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    source = open_source(p, fmt, delimiter)
    if not source.columns:
        raise DataError(f"{p} has no columns")
    return source


def _column_list(columns: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(repr(c) for c in columns[:limit])
    more = len(columns) - limit
    return shown + (f", ... ({more} more)" if more > 0 else "")


def _lookup(source: Source, name, role: str) -> str:
    """The column called ``name`` (or at that position for positional sources)."""
    key = str(name)
    if key in source.columns:
        return key
    if source.positional:
        try:
            return source.columns[int(key)]
        except (ValueError, IndexError):
            pass
    raise DataError(f"unknown {role} column {key!r} in {source.path}; available columns: "
                    f"{_column_list(source.columns)}")


_INDEX_NAMES = ("", "Unnamed: 0", "__index_level_0__")


def _index_column(source: Source, index_col) -> tuple[str | None, tuple[str, ...]]:
    """The index column (given, or detected) and the note announcing a detected one."""
    if index_col is False or source.positional or isinstance(source, SvmlightSource):
        return None, ()
    if index_col is not None and index_col is not True:
        return _lookup(source, index_col, "index"), ()
    first = source.columns[0]
    if first in _INDEX_NAMES or "__index_level_0__" in source.columns:
        name = first if first in _INDEX_NAMES else "__index_level_0__"
        shown = "with no name" if name == "" else f"{name!r}"
        return name, (f"the first column of {source.path} ({shown}) holds row labels: it is "
                      "read as the index and not used as a feature (choose another with "
                      "--index-col NAME, or --index-col none to use it)",)
    return None, ()


def _resolve(source: Source, target: Target, features, weight, index_col=None,
             extra: Sequence[str] = ()) -> _Selection:
    index, notes = _index_column(source, index_col)
    if target is None:
        target = source.default_target
    if target is None:
        raise DataError(f"no target column given for {source.path}; available columns: "
                        f"{_column_list(source.columns)}")
    multi = not isinstance(target, str | numbers.Integral)
    targets = tuple(_lookup(source, t, "target") for t in (target if multi else [target]))
    if not targets:
        raise DataError("the list of target columns is empty")
    if isinstance(source, SvmlightSource):
        if weight is not None:
            raise DataError(f"svmlight files carry no weight column (asked for {weight!r})")
        if targets != ("label",):
            raise DataError(f"the target of an svmlight file is its label; {targets[0]!r} "
                            "is a feature")
    w = None if weight is None else _lookup(source, weight, "weight")
    if w is not None and w in targets:
        raise DataError(f"column {w!r} cannot be both the target and the weight")
    extras = tuple(_lookup(source, e, "fold") for e in extra)
    for c in (*targets, *([w] if w else []), *extras):
        if index is not None and c == index:
            raise DataError(f"column {c!r} is the index column; it cannot also be used")
    for c in extras:
        if c in targets or c == w:
            raise DataError(f"column {c!r} cannot be both the fold column and the "
                            f"{'target' if c in targets else 'weight'}")
    if features is None:
        pool = source.default_features if source.default_features is not None else source.columns
        chosen = tuple(c for c in pool
                       if c not in targets and c != w and c != index and c not in extras)
    else:
        if isinstance(features, str):
            features = [features]
        chosen = tuple(_lookup(source, f, "feature") for f in features)
        for c in chosen:
            if c in targets or c == w or c == index or c in extras:
                role = ("target" if c in targets else "weight" if c == w
                        else "index" if c == index else "fold column")
                raise DataError(f"column {c!r} cannot be both a feature and the {role}")
        if len(set(chosen)) != len(chosen):
            dup = next(c for c in chosen if chosen.count(c) > 1)
            raise DataError(f"feature column {dup!r} is listed more than once")
    if not chosen:
        raise DataError(f"no feature columns left in {source.path} besides the target and "
                        "weight")
    sel = _Selection(chosen, targets, w, multi, index, extras, notes)
    for c in sel.used:
        if source.columns.count(c) > 1:
            raise DataError(f"column name {c!r} appears {source.columns.count(c)} times in "
                            f"{source.path}; column names must be unique")
    return sel


def _check_finite(name: str, values: np.ndarray, row0: int, path: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        row = row0 + i + 1
        if np.isnan(values[i]):
            raise DataError(f"column {name!r} of {path} has missing values (first at row "
                            f"{row})")
        raise DataError(f"column {name!r} of {path} has a non-finite value {values[i]} at row "
                        f"{row}")


def _assemble(cols: dict[str, np.ndarray], sel: _Selection, row0: int, path: str):
    for name in sel.used:
        if name not in sel.extra and not (sel.labels and name in sel.targets):
            _check_finite(name, cols[name], row0, path)
    m = len(cols[sel.used[0]])
    X = np.empty((m, len(sel.features)))
    for j, name in enumerate(sel.features):
        X[:, j] = cols[name]
    if sel.labels:
        y = _labels(cols[sel.targets[0]], sel.targets[0], row0, path)
    elif sel.multi_target:
        y = np.column_stack([cols[t] for t in sel.targets]).astype(np.float64, copy=False)
    else:
        y = np.array(cols[sel.targets[0]], dtype=np.float64)
    w = None
    if sel.weight is not None:
        w = np.array(cols[sel.weight], dtype=np.float64)
        if np.any(w < 0):
            i = int(np.argmax(w < 0))
            raise DataError(f"weight column {sel.weight!r} of {path} has a negative value "
                            f"{w[i]} at row {row0 + i + 1}")
    return X, y, w


def _labels(values: np.ndarray, name: str, row0: int, path: str) -> np.ndarray:
    """A block of labels from :func:`~ridgekit.io._sources.label_values`: whole numbers as
    int64; a missing label (NaN, empty) or an infinite one named by its row."""
    numeric = values.dtype.kind == "f"
    bad = ~np.isfinite(values) if numeric else values == ""
    if bad.any():
        raise DataError(f"label column {name!r} of {path} has a missing or non-finite label "
                        f"at row {row0 + int(np.argmax(bad)) + 1}")
    if numeric and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def _read_svmlight(source: SvmlightSource, sel: _Selection):
    X, y = source.X, source.y
    index = {name: j for j, name in enumerate(source.columns[:-1])}
    if list(sel.features) != source.columns[:-1]:
        X = X[:, [index[f] for f in sel.features]]
    X = sparse.csr_matrix(X)
    if not np.all(np.isfinite(X.data)):
        k = int(np.argmax(~np.isfinite(X.data)))
        row = int(np.searchsorted(X.indptr, k, side="right"))
        col = sel.features[int(X.indices[k])]
        raise DataError(f"column {col!r} of {source.path} has a non-finite value "
                        f"{X.data[k]} at row {row}")
    _check_finite("label", y, 0, str(source.path))
    if sel.multi_target:
        y = y[:, None]
    return X, y
