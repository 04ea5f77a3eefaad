"""Ctrl-C against the real `ridgekit` command: shared by the command's tests."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RIDGEKIT = str(Path(sys.executable).parent / "ridgekit")


def ctrl_c_leaves_nothing(args, folder: Path, attempts: int, max_delay: float,
                          seed: int) -> None:
    """Start ``ridgekit --progress ARGS -o folder/mK.npz``, wait for its first progress
    output (the work is under way), send SIGINT after a random delay, and check exit
    status 130, ``interrupted`` said once, with neither the model file nor a temporary
    file left behind."""
    rng = np.random.default_rng(seed)
    for attempt in range(attempts):
        out = folder / f"m{attempt}.npz"
        proc = subprocess.Popen([RIDGEKIT, "--progress", *map(str, args), "-o", str(out)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = proc.stderr.read(1)  # a progress bar: the fit is running
        assert first, proc.communicate()
        time.sleep(float(rng.uniform(0.0, max_delay)))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, (attempt, err.decode()[-500:])
        assert err.decode().count("interrupted") == 1, (attempt, err.decode()[-500:])
        assert not out.exists(), attempt
        assert not list(folder.glob("*.tmp")), attempt
