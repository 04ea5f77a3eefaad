"""An interrupt latch: Ctrl-C (SIGINT) is remembered, not only raised.

Python turns SIGINT into ``KeyboardInterrupt`` at the next bytecode of the main thread.
A library can swallow that exception -- pyarrow imports pandas lazily from inside
``Array.to_numpy`` and an interrupt raised during that import is lost -- and then the work
goes on and writes its output. With the latch installed the handler also sets a flag that
stays set: :func:`check` (called after every block read, and by
:func:`~ridgekit.io._atomic.atomic_write` just before it commits a file) raises
``KeyboardInterrupt`` again, so an interrupt always stops the work and never leaves an
output file behind.
"""

from __future__ import annotations

import signal
import threading

__all__ = ["install", "check", "interrupted", "latch_only"]

_STATE = {"hit": False, "installed": False}


def _handler(signum, frame):
    _STATE["hit"] = True
    raise KeyboardInterrupt


def install() -> None:
    """Install the latching SIGINT handler (main thread only; idempotent)."""
    if _STATE["installed"] or threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, _handler)
    _STATE["installed"] = True


def interrupted() -> bool:
    """Whether SIGINT arrived since :func:`install`."""
    return _STATE["hit"]


def check() -> None:
    """Raise ``KeyboardInterrupt`` if SIGINT arrived (even if it was swallowed since)."""
    if _STATE["hit"]:
        raise KeyboardInterrupt


def _latch(signum, frame):
    _STATE["hit"] = True


def latch_only() -> None:
    """From now on SIGINT only sets the flag (for the last steps of a command's exit)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _latch)
