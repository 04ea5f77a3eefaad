"""Without Keras: ridgekit imports, ridgekit.keras says how to install, tests skip.

Absence is simulated in a subprocess (``helpers.run_without``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import assert_tests_skip_without, import_without

pytest.importorskip("keras")  # under the simulation below this file skips too

HIDDEN = {"keras"}


def test_ridgekit_imports_and_keras_subpackage_says_how_to_install():
    out = import_without(HIDDEN, "ridgekit.keras")
    assert out.startswith("IMPORTERROR:"), out
    assert "pip install ridgekit[keras]" in out


def test_import_ridgekit_does_not_import_keras():
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ridgekit, ridgekit.conventions; "
            "print(sorted(m for m in ('keras', 'jax', 'optax', 'tensorflow') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_keras_tests_skip_with_a_reason_when_keras_is_absent():
    assert_tests_skip_without(HIDDEN, Path(__file__).parent, "keras")
