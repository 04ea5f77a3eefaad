"""Without Keras: ridgekit imports, ridgekit.keras says how to install, tests skip.

Absence is simulated in a subprocess by a meta-path finder that raises
ModuleNotFoundError for ``keras`` (as real absence does).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("keras")  # under the simulation below this file skips too

HIDE_KERAS = """
import sys

class _NoKeras:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "keras":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

for _m in [m for m in sys.modules if m.split(".")[0] == "keras"]:
    del sys.modules[_m]
sys.meta_path.insert(0, _NoKeras())
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", HIDE_KERAS + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ridgekit_imports_and_keras_subpackage_says_how_to_install():
    r = _run(
        """
        import ridgekit, ridgekit.conventions
        try:
            import ridgekit.keras
        except ImportError as exc:
            print("IMPORTERROR:", exc)
        """
    )
    assert r.returncode == 0, r.stderr
    assert "pip install ridgekit[keras]" in r.stdout


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
    here = Path(__file__).parent
    r = _run(
        f"""
        import pytest
        sys.exit(pytest.main([{str(here)!r}, "-q", "-rs", "-p", "no:cacheprovider",
                              "-p", "no:xdist"]))
        """
    )
    out = r.stdout + r.stderr
    assert "passed" not in out and "failed" not in out, out
    assert "skipped" in out and "could not import 'keras'" in out, out
