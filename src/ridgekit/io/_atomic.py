"""Atomic file writes: a temporary file in the target directory, fsync, ``os.replace``.

A reader of ``path`` sees either the old file or the complete new one, never a
half-written file, even if the process dies mid-write.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ridgekit.io import _interrupt

__all__ = ["atomic_write"]


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: read once at import: ``os.umask`` can only be read by setting it, which is not thread-safe.
_UMASK = _current_umask()


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None
                 ) -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success move it over ``path`` atomically.

    Parameters
    ----------
    path : str or path-like
        Final destination. Its directory must exist.
    mode : {"wb", "w"}, default="wb"
        Binary or text mode.
    encoding : str, optional
        Text encoding (text mode only; defaults to UTF-8).

    Yields
    ------
    file object
        Write the content to it. When the ``with`` block exits normally the data is
        flushed, fsynced and renamed onto ``path`` (then the directory is fsynced where
        the platform allows it); when it raises, the temporary file is removed and
        ``path`` is left untouched.

    Raises
    ------
    FileNotFoundError
        When the destination directory does not exist.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {str(target)!r}: directory {str(directory)!r} "
                                "does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        # mkstemp creates 0600; give the file the mode a plain open() would (or keep the old one)
        try:
            file_mode = target.stat().st_mode & 0o7777
        except OSError:
            file_mode = 0o666 & ~_UMASK
        os.chmod(tmp_name, file_mode)
        text = mode == "w"
        with os.fdopen(fd, mode, encoding=(encoding or "utf-8") if text else None,
                       newline="" if text else None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        _interrupt.check()  # an interrupt swallowed on the way must not commit the file
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (POSIX); silently skipped where directories can't be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
