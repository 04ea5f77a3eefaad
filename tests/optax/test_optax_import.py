"""Without JAX/optax: ridgekit imports, ridgekit.optax says how to install, tests skip."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("optax")  # under the simulation below this file skips too

HIDE_JAX = """
import sys

class _NoJax:
    hidden = {"jax", "jaxlib", "optax", "chex"}

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.hidden:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

for _m in [m for m in sys.modules if m.split(".")[0] in _NoJax.hidden]:
    del sys.modules[_m]
sys.meta_path.insert(0, _NoJax())
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", HIDE_JAX + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_optax_subpackage_says_how_to_install():
    r = _run(
        """
        import ridgekit, ridgekit.conventions
        try:
            import ridgekit.optax
        except ImportError as exc:
            print("IMPORTERROR:", exc)
        """
    )
    assert r.returncode == 0, r.stderr
    assert "pip install ridgekit[jax]" in r.stdout


def test_optax_tests_skip_with_a_reason_when_jax_is_absent():
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
    assert "skipped" in out and "could not import 'jax'" in out, out
