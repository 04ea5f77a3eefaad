"""The trajectory and exemption tests again, with Keras on the JAX backend.

Keras fixes its backend at import, so the other backend runs in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("keras")
pytest.importorskip("jax")
pytest.importorskip("torch")  # torch.optim is the reference in those tests

BACKEND = os.environ.get("RIDGEKIT_TEST_KERAS_BACKEND", "torch")  # as in conftest.py


@pytest.mark.slow
@pytest.mark.skipif(BACKEND == "jax", reason="already running on the JAX backend")
def test_trajectories_and_exemptions_on_the_jax_backend():
    here = Path(__file__).parent
    env = dict(os.environ, RIDGEKIT_TEST_KERAS_BACKEND="jax")
    files = [str(here / f) for f in ("test_keras_trajectories.py", "test_keras_decay.py")]
    r = subprocess.run(
        [sys.executable, "-m", "pytest", *files, "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "passed" in r.stdout and "skipped" not in r.stdout, r.stdout[-2000:]
