"""What every command shares: consoles, one-line errors, interrupts, progress, numbers and
tables, output-path checks and the parsing of ``--alphas`` / ``--cv``.

Output rules: numbers with 4 significant digits; on a terminal, tables are stacked (the
columns split over several tables that each fit the width) rather than truncated; when the
output is not a terminal it is plain text, never wrapped. Warnings are shown even with
``-q``; errors are one line on stderr with exit status 2; an interrupt exits 130.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from ridgekit.io import _interrupt


class _StdoutConsole(Console):
    """stdout that a closed pipe (``ridgekit fit ... | head``) silences instead of ending
    the command: the rest of the output goes to /dev/null (as the CPython docs on SIGPIPE
    recommend) and the command finishes its work and exits as it would have."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        silence_stdout()


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that writing to a closed pipe (and Python's final
    flush of stdout) raises nothing."""
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


console = _StdoutConsole(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

STATE = {"quiet": False, "progress": None, "interrupt_shown": False}

#: figure formats by suffix, for every --plot option
FIGURE_SUFFIXES = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


class UsageProblem(ValueError):
    """A problem with what the user asked for, reported in one line."""


# ------------------------------------------------------------------------- messages
def fail(message: str) -> None:
    err_console.print(f"error: {tidy(message)}", markup=False, highlight=False)
    raise typer.Exit(2)


def say_interrupted() -> None:
    """``interrupted`` on stderr, once per command however many layers see the Ctrl-C."""
    if not STATE["interrupt_shown"]:
        STATE["interrupt_shown"] = True
        err_console.print("interrupted", markup=False, highlight=False)


_POSSIBLE = re.compile(r"\s*\(Possible options: [^)]*\)")
_EXTRA = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)")


def usage_line(exc) -> str:
    """A click usage error (unknown option, missing or extra argument, bad type) as the
    one line ``error: ...`` every other failure is; extra arguments that are files get a
    hint to quote the glob the shell expanded."""
    text = tidy(exc.format_message())
    text = _POSSIBLE.sub("", text)  # click's nearest-name guess is often unrelated
    extra = _EXTRA.search(text)
    if extra and any(Path(a).exists() for a in extra.group(1).split()):
        text = (f"several data files given ({extra.group(1)}): the shell expanded a glob; "
                "quote it ('data/*.parquet') or give the folder")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and not extra:
        text = text.rstrip(".") + f" (see '{ctx.command_path} --help')"
    return f"error: {text[0].lower() + text[1:] if text[:1].isupper() else text}"


def warn(message: str) -> None:
    """A warning: shown even with ``-q`` (quiet hides progress and tables only)."""
    err_console.print(f"warning: {tidy(message)}", markup=False, highlight=False)


def note(message: str) -> None:
    if not STATE["quiet"]:
        err_console.print(f"note: {message}", markup=False, highlight=False)


def echo(text) -> None:
    if not STATE["quiet"]:
        console.print(text, markup=False, highlight=False) if isinstance(text, str) \
            else console.print(text)


_NP_SCALAR = re.compile(r"np\.(?:(?:float|int|uint)\d+|str_|bool_?)\(([^()]*)\)")
_NP_ARRAY = re.compile(r"array\(\[([^\[\]()]*)\](?:, dtype=[\w.<>']+)?\)")
_LONG_FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d{5,}(?:e[-+]?\d+)?(?![\w.])")
_TEMP_NAME = re.compile(r"'?\S*\.[^/\s']+\.[a-z0-9_]{8}\.tmp'?\s*->\s*")


def tidy(message: str) -> str:
    """One line without internals: ``np.float64(x)`` as ``x``, long floats to 4
    significant digits, temporary file names dropped."""
    text = str(message).strip().splitlines()[0] if str(message).strip() else "failed"
    text = _NP_SCALAR.sub(r"\1", text)
    text = _NP_ARRAY.sub(lambda m: re.sub(r"(?<=\d)\.(?!\d)", "", m.group(1).strip()), text)
    text = _TEMP_NAME.sub("", text)
    return _LONG_FLOAT.sub(lambda m: num(float(m.group(0))), text)


def num(x, digits: int = 4) -> str:
    """A number with ``digits`` significant digits (integers as they are).

    Trailing zeros are dropped only when they are exact: 0.5 prints ``0.5``, but 3.99994
    prints ``4.000`` (not ``4``, which would claim an integer) and 1.20004 ``1.200``."""
    if isinstance(x, int | np.integer) and not isinstance(x, bool):
        return str(int(x))
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if x != 0 and x == round(x) and abs(x) < 10**digits:
        return str(int(x))
    short = f"{x:.{digits}g}"
    if float(short) == x:
        return short
    kept = f"{x:#.{digits}g}"  # rounded: keep the digits that are significant
    mantissa, e, exponent = kept.partition("e")
    return mantissa.rstrip(".") + e + exponent


@contextmanager
def one_line_errors(target: str | None = None):
    """Every expected failure as one line on stderr (exit 2); an interrupt exits 130.

    ``target``: the regression target column; when it turns out not to be numeric the
    message adds that class labels want ``--family``."""
    from ridgekit.io import DataError, ModelFileError

    try:
        yield
    except KeyboardInterrupt:
        say_interrupted()
        raise typer.Exit(130) from None
    except DataError as exc:
        text = str(exc) or type(exc).__name__
        if target is not None and text.startswith(f"column {target!r} of ") and \
                "is not numeric" in text:
            text += "; for class labels add --family binomial or multinomial"
        fail(text)
    except (ModelFileError, UsageProblem) as exc:
        fail(str(exc) or type(exc).__name__)
    except IsADirectoryError as exc:
        fail(f"{exc.filename} is a directory")
    except PermissionError as exc:
        fail(f"permission denied: {exc.filename}")
    except (ValueError, TypeError, FileNotFoundError, OSError) as exc:
        fail(str(exc) or type(exc).__name__)


@contextmanager
def shown_warnings():
    """Collect warnings while the block runs and print each once, as one plain line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield caught
        finally:
            seen = set()
            for w in caught:
                text = str(w.message)
                if text not in seen and not issubclass(w.category, DeprecationWarning):
                    seen.add(text)
                    warn(text)


# ------------------------------------------------------------------------- outputs
def check_output(path: Path | None, what: str, suffixes=None) -> None:
    """Refuse an output path before any work: a directory, a missing or read-only folder,
    or (for figures) a suffix whose format cannot be written."""
    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise UsageProblem(f"{what} {path} is a directory; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageProblem(f"cannot write {what} {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageProblem(f"cannot write {what} {path}: folder {folder} is not writable")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise UsageProblem(f"{what} {path}: cannot tell the format from "
                           f"{path.suffix or 'no suffix'!r}; use one of "
                           f"{', '.join(sorted(suffixes))}")


def write_figure(fig, path: Path) -> None:
    """Save a figure in the format its suffix names (PNG, PDF or SVG), atomically."""
    from ridgekit.io._atomic import atomic_write
    from ridgekit.plot import to_bytes

    fmt = FIGURE_SUFFIXES[Path(path).suffix.lower()]
    with atomic_write(path, "wb") as handle:
        handle.write(to_bytes(fig, fmt))


# ------------------------------------------------------------------------- progress
def show_progress() -> bool:
    if STATE["quiet"]:
        return False
    if STATE["progress"] is not None:
        return bool(STATE["progress"])
    return err_console.is_terminal


def _bar(*columns, total=None, **fields):
    bar = Progress(*columns, console=Console(stderr=True, force_terminal=True),
                   transient=False)
    return bar


@contextmanager
def reading(description: str):
    """A progress callback over bytes read (a bar, or silent) that also stops the work on
    an interrupt, even one a library swallowed."""
    if not show_progress():
        yield lambda rows, done, total: _interrupt.check()
        return
    bar = _bar(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
               TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn())
    with bar:
        task = bar.add_task(description, total=None, rows=0)

        def update(rows_done: int, bytes_done: int, bytes_total: int) -> None:
            bar.update(task, completed=bytes_done, total=bytes_total, rows=rows_done)
            _interrupt.check()

        yield update


@contextmanager
def rows_bar(description: str):
    """A progress callback ``update(rows_done, rows_total)`` over the rows of several
    blocks or files (a bar, or silent) that also stops the work on an interrupt."""
    if not show_progress():
        yield lambda done, total=None: _interrupt.check()
        return
    bar = _bar(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("rows"), TimeElapsedColumn())
    with bar:
        task = bar.add_task(description, total=None)

        def update(rows_done: int, rows_total: int | None = None) -> None:
            bar.update(task, completed=rows_done, total=rows_total or None)
            _interrupt.check()

        yield update


@contextmanager
def phase(description: str):
    """A spinner with the elapsed time while one step runs (silent when bars are off)."""
    _interrupt.check()
    if not show_progress():
        yield
        _interrupt.check()
        return
    bar = _bar(SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn())
    with bar:
        task = bar.add_task(description, total=1)
        yield
        bar.update(task, completed=1)
    _interrupt.check()


@contextmanager
def counting(description: str, total: int, unit: str = ""):
    """A bar over ``total`` steps; yields ``advance(label="")``."""
    if not show_progress():
        yield lambda label="": _interrupt.check()
        return
    bar = _bar(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
               MofNCompleteColumn(), TextColumn(unit + " {task.fields[label]}"),
               TimeElapsedColumn())
    with bar:
        task = bar.add_task(description, total=total, label="")

        def advance(label: str = "") -> None:
            bar.update(task, advance=1, label=label)
            _interrupt.check()

        yield advance


# --------------------------------------------------------------------------- tables
def table(title: str, header: list[str], rows: list[list[str]], *, keep: int = 1,
          stack: str = "columns") -> None:
    """Print a table: plain aligned text when stdout is not a terminal; on a terminal,
    split into several tables when it is wider than the screen (the first ``keep``
    columns repeated in each), never truncating a cell."""
    if STATE["quiet"]:
        return
    if not console.is_terminal:
        console.print(_plain(title, header, rows), markup=False, highlight=False)
        return
    from rich import box
    from rich.table import Table

    widths = [max(len(h), *(len(r[j]) for r in rows)) + 3 for j, h in enumerate(header)]
    groups, current, used = [], [], sum(widths[:keep]) + 1
    for j in range(keep, len(header)):
        if current and used + widths[j] > console.width:
            groups.append(current)
            current, used = [], sum(widths[:keep]) + 1
        current.append(j)
        used += widths[j]
    groups.append(current)
    for g, cols in enumerate(groups):
        part = list(range(keep)) + cols
        suffix = f" ({g + 1}/{len(groups)})" if len(groups) > 1 else ""
        t = Table(title=title + suffix, box=box.SIMPLE_HEAD, title_justify="left")
        for j in part:
            t.add_column(header[j], justify="left" if j == 0 else "right", no_wrap=True,
                         overflow="fold")
        for r in rows:
            t.add_row(*[r[j] for j in part])
        console.print(t)


def _plain(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(header)]

    def line(cells):
        return "  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                         for j, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([title, line(header), *[line(r) for r in rows]])


# -------------------------------------------------------------------------- parsing
def split_names(text: str | None, option: str = "--features") -> list[str] | None:
    if text is None:
        return None
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise UsageProblem(f"{option} is empty")
    return names


def parse_alphas(text: str | None) -> np.ndarray | None:
    """``--alphas``: one value (``5``), a list (``0.1,1,10``) or ``logspace:a:b:n``
    (n values from 10^a to 10^b)."""
    if text is None:
        return None
    hint = "give a value, a list like 0.1,1,10 or logspace:-2:4:50"
    text = text.strip()
    if text.startswith("logspace:"):
        parts = text.split(":")[1:]
        try:
            lo, hi, count = float(parts[0]), float(parts[1]), int(parts[2])
            if len(parts) != 3:
                raise ValueError
        except (ValueError, IndexError):
            raise UsageProblem(f"--alphas {text!r}: logspace takes a:b:n, e.g. "
                               "logspace:-2:4:50") from None
        if count < 1:
            raise UsageProblem(f"--alphas {text!r}: the number of values must be >= 1")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise UsageProblem(f"--alphas {text!r}: the exponents must be finite")
        return np.logspace(lo, hi, count)
    try:
        values = np.array([float(v) for v in text.split(",") if v.strip()])
    except ValueError:
        raise UsageProblem(f"--alphas {text!r}: {hint}") from None
    if values.size == 0:
        raise UsageProblem(f"--alphas {text!r}: {hint}")
    bad = values[~np.isfinite(values) | (values < 0)]
    if bad.size:
        raise UsageProblem(f"--alphas: every value must be finite and >= 0; got {num(bad[0])}")
    return values


def check_positive_alphas(alphas, who: str) -> None:
    """``--alphas`` for a family whose path starts from a penalty > 0 (the elastic net, the
    logistic CV): 0 passes :func:`parse_alphas` (ridge's OLS end) but not these."""
    if alphas is not None and not (alphas > 0).all():
        raise UsageProblem(f"--alphas: {who} needs values > 0; got {num(alphas[alphas <= 0][0])}")


def check_n_alphas(n_alphas: int | None, alphas) -> int | None:
    if n_alphas is None:
        return None
    if alphas is not None:
        raise UsageProblem("give either --alphas (the values) or --n-alphas (how many), not "
                           "both")
    if n_alphas < 2:
        raise UsageProblem(f"--n-alphas {n_alphas}: a grid needs at least 2 values")
    return int(n_alphas)
