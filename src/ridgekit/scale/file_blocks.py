"""Data files as one table of row blocks, and one pass over them: a block task, then merges.

The files are read in sorted order as one table (global row ``i`` is row ``i`` of their
concatenation), each block through :func:`ridgekit.io.open_blocks` (its validation and
messages). A *pass* runs ``task(X, y, w, start, rows, index, *args)`` -- the signature of
:func:`ridgekit.scale.dask.run_tree`'s block tasks, so the moments and the Newton steps of
:mod:`ridgekit.scale.glm` run on files unchanged -- and merges the results with the task's
associative ``merge``:

* in this process: one streamed pass, blocks merged as they come (memory: one block and
  one running result);
* on Dask (a ``distributed`` client): one task per file on the workers, streaming its file
  the same way, then a fixed tree of ``merge`` tasks (``split_every`` at a time), so a lost
  worker's file is recomputed and merged in the same place. A file's first global row
  must be known before its task starts: from the Parquet footer or the npy header (no data
  read); CSV files are counted once on the workers, before the first pass.

Progress: ``progress(done, total)`` after each block (in this process) or each file (on
Dask), in rows. A callable with a ``start(measure, total, what)`` method is told before
each pass the measure, the total and the pass: "rows" when every file's row count is
known, else (CSV in this process before its first pass) "bytes" of the files, whose total
is always known -- so a bar never shows an unknown total; a plain callable gets ``(rows,
None)`` there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["FileBlocks", "open_file_blocks"]


@dataclass(frozen=True)
class Columns:
    """What a reader of any of the files needs: column names, format, block size."""

    target: object
    features: tuple[str, ...] | None
    weight: str | None
    format: str | None
    block_rows: int
    labels: bool = False


def open_reader(path, cols: Columns, progress=None):
    from ridgekit.io.readers import open_blocks

    return open_blocks(path, cols.target, cols.features, cols.weight, format=cols.format,
                       block_rows=cols.block_rows, progress=progress, labels=cols.labels)


def _stream(path, start: int, cols: Columns, task: Callable, args: tuple, merge: Callable,
            on_block=None):
    """``task`` on every block of one file whose first row is global row ``start``, the
    results merged as they come; (result, rows)."""
    acc, pos = None, start
    reader = open_reader(path, cols, on_block)
    for i, (X, y, w) in enumerate(reader):
        m = X.shape[0]
        part = task(X, y, w, pos, m, i, *args)
        acc = part if acc is None else merge(acc, part)
        pos += m
    return acc, pos - start


def _count(path, cols: Columns) -> int:
    reader = open_reader(path, cols)
    if reader.n_rows is not None:
        return int(reader.n_rows)
    return sum(b[0].shape[0] for b in reader)


def _first(pair):
    return pair[0]


def _second(pair):
    return pair[1]


@dataclass
class FileBlocks:
    """Data files read as one table: names, row counts, and :meth:`run` for a pass.

    Attributes
    ----------
    files : list of Path
    cols : Columns
    feature_names : list of str
    target_name : str or list of str
    weight_name : str or None
    counts : list of (int or None)
        Rows per file; None for a CSV file not yet read or counted.
    sizes : list of int
        Bytes per file.
    n_targets : int
    y_was_1d : bool
    passes : int
        Passes run so far.
    """

    files: list[Path]
    cols: Columns
    feature_names: list[str]
    target_name: object
    weight_name: str | None
    counts: list
    sizes: list[int]
    n_targets: int = 1
    y_was_1d: bool = True
    passes: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_samples(self) -> int | None:
        return None if any(c is None for c in self.counts) else int(sum(self.counts))

    @property
    def measure(self) -> tuple[str, int]:
        """("rows", rows in all files) when every count is known, else ("bytes", size)."""
        n = self.n_samples
        return ("rows", n) if n is not None else ("bytes", int(sum(self.sizes)))

    def count_rows(self, client=None, progress=None) -> None:
        """Fill in the row counts the metadata did not give (CSV), on ``client``'s
        workers or here; one parse of those files."""
        missing = [i for i, c in enumerate(self.counts) if c is None]
        if not missing:
            return
        total = int(sum(self.sizes[i] for i in missing))
        _start(progress, "bytes", total, "counting rows (CSV)")
        if not hasattr(progress, "start"):
            progress = None  # bytes are for a bar that was told so
        if client is None:
            done = 0
            for i in missing:
                self.counts[i] = _count(self.files[i], self.cols)
                done += self.sizes[i]
                if progress is not None:
                    progress(done, total)
            return
        from distributed import as_completed

        futs = client.map(_count, [self.files[i] for i in missing], cols=self.cols, pure=False)
        where = {f.key: i for f, i in zip(futs, missing, strict=True)}
        done = 0
        for fut in as_completed(futs):
            i = where[fut.key]
            self.counts[i] = int(fut.result())
            done += self.sizes[i]
            if progress is not None:
                progress(done, total)

    def run(self, task: Callable, args: tuple, merge: Callable, *, client=None,
            progress=None, split_every: int = 8):
        """One pass: ``task(X, y, w, start, rows, index, *args)`` on every block of every
        file, merged by ``merge(*results)``; returns the merged result.

        Parameters
        ----------
        client : distributed.Client, optional
            One task per file on its workers (which must see the paths); None: stream
            here, even when a default client exists.
        progress : callable, optional
            ``progress(done, total)``, and ``progress.start(measure, total, what)`` before
            the pass when it has that method (see the module docstring).
        split_every : int
            Fan-in of the merge tree on Dask.
        """
        if split_every < 2:
            raise ValueError(f"split_every must be >= 2, got {split_every}")
        if client is not None:
            self.count_rows(client, progress)
        self.passes += 1
        what = f"pass {self.passes}"
        if client is None:
            return self._run_here(task, args, merge, progress, what)
        return self._run_dask(task, args, merge, client, progress, split_every, what)

    def _run_here(self, task, args, merge, progress, what):
        measure, total = self.measure
        _start(progress, measure, total, what)
        acc, start, before = None, 0, [0, 0]  # rows, bytes of the files done

        told = hasattr(progress, "start")

        def on_block(rows, nbytes, _size):
            if progress is None:
                return
            if measure == "rows":
                progress(before[0] + rows, total)
            elif told:
                progress(before[1] + nbytes, total)
            else:  # a plain callable counts rows: the total is not known yet
                progress(before[0] + rows, None)

        for i, f in enumerate(self.files):
            part, rows = _stream(f, start, self.cols, task, args, merge, on_block)
            if self.counts[i] is not None and rows != self.counts[i]:
                raise ValueError(f"{f} changed while it was read: {rows} rows, "
                                 f"not {self.counts[i]}")
            self.counts[i] = rows
            acc = part if acc is None else merge(acc, part)
            start += rows
            before[0] += rows
            before[1] += self.sizes[i]
        return acc

    def _run_dask(self, task, args, merge, client, progress, split_every, what):
        from distributed import as_completed

        counts = [int(c) for c in self.counts]
        total = int(sum(counts))
        _start(progress, "rows", total, what)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
        leaves = [client.submit(_stream, f, int(s), self.cols, task, args, merge, pure=False)
                  for f, s in zip(self.files, starts, strict=True)]
        level = [client.submit(_first, leaf, pure=False) for leaf in leaves]
        while len(level) > 1:
            level = [client.submit(merge, *level[j:j + split_every], pure=False)
                     for j in range(0, len(level), split_every)]
        root = level[0]
        rows = [client.submit(_second, leaf, pure=False) for leaf in leaves]
        index = {leaf.key: i for i, leaf in enumerate(leaves)}
        pending = as_completed(leaves)
        del leaves, level
        done = 0
        try:
            for fut in pending:
                if fut.status == "error":
                    fut.result()  # the file's own error, naming file, column and row
                done += counts[index[fut.key]]
                if progress is not None:
                    progress(done, total)
                del fut
            result = root.result()
            for i, r in enumerate(client.gather(rows)):
                if r != counts[i]:
                    raise ValueError(f"{self.files[i]} changed while it was read: {r} rows, "
                                     f"not {counts[i]}")
            return result
        finally:
            pending.clear()
            root.cancel()


def _start(progress, measure: str, total: int, what: str) -> None:
    start = getattr(progress, "start", None)
    if start is not None:
        start(measure, int(total), what)
    elif progress is not None and measure == "rows":
        progress(0, int(total))


def open_file_blocks(paths, target=None, features=None, weight=None, *,
                     format: str | None = None, block_rows: int | None = None,
                     labels: bool = False) -> FileBlocks:
    """The files of ``paths`` (a file, directory, glob or list) as one table.

    Columns are resolved on the first file (features default to its columns less target
    and weight) and checked in every file before any data is read; row counts come from
    the Parquet/npy metadata. ``labels``: the target is a column of class labels.

    Raises
    ------
    ValueError (ridgekit.io.DataError)
        No files, unknown or non-numeric columns, a file missing a column.
    """
    from ridgekit.io.readers import DEFAULT_BLOCK_ROWS
    from ridgekit.scale.files import expand_paths

    files = expand_paths(paths)
    first = open_reader(files[0], Columns(target, None if features is None
                                          else tuple(features), weight, format, 1, labels))
    cols = Columns(target, tuple(first.feature_names), first.weight_name, format,
                   int(block_rows or DEFAULT_BLOCK_ROWS), labels)
    readers = [first] + [open_reader(f, cols) for f in files[1:]]
    targets = first.target_name
    t = len(targets) if isinstance(targets, list) else 1
    return FileBlocks(files, cols, list(first.feature_names), targets, first.weight_name,
                      [None if r.n_rows is None else int(r.n_rows) for r in readers],
                      [int(r.bytes_total) for r in readers], t, not isinstance(targets, list),
                      notes=list(first.notes))
