"""The two exceptions of :mod:`ridgekit.io`, both :class:`ValueError` subclasses.

Their messages are single lines that name the file and the problem, so a command-line
front end can print ``str(exc)`` as is.
"""

from __future__ import annotations

__all__ = ["DataError", "ModelFileError"]


class DataError(ValueError):
    """A data file cannot be read as asked: missing or empty file, unknown or non-numeric
    column, missing or non-finite values, unreadable format."""


class ModelFileError(ValueError):
    """A model file is missing, truncated, tampered with, of an unknown schema version, or
    otherwise not a valid ridgekit model file; also raised when a model cannot be saved."""
