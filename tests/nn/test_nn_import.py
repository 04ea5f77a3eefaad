"""Behaviour without torch, simulated in a subprocess.

Absence is simulated by a meta-path finder that raises ModuleNotFoundError for
``torch`` (``sys.modules['torch'] = None`` would do too, but then other libraries that
peek into ``sys.modules`` - scipy's array-API helpers - crash on the None entry, which
real absence never causes).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("torch")  # the nn test set skips cleanly where torch is missing

import ridgekit.conventions as _cv  # noqa: E402

CONVENTIONS_FILE = Path(_cv.__file__).with_name("weight_decay.py")


PRELUDE = """
import sys


class _NoTorch:
    \"\"\"Meta-path finder that makes torch look uninstalled.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.modules.pop("torch", None)
sys.meta_path.insert(0, _NoTorch())
"""


def _run(code: str) -> subprocess.CompletedProcess:
    prelude = PRELUDE
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_import_ridgekit_works_and_nn_says_how_to_install():
    r = _run(
        """
        import ridgekit
        try:
            import ridgekit.nn
        except ImportError as exc:
            print("IMPORTERROR:", exc)
        else:
            print("IMPORTED")
        """
    )
    assert r.returncode == 0, r.stderr
    assert "IMPORTERROR:" in r.stdout
    assert "pip install ridgekit[torch]" in r.stdout


def test_conventions_import_without_torch():
    """``ridgekit.conventions`` imports and works with torch absent."""
    r = _run(
        """
        import ridgekit.conventions as cv
        print(cv.convert(1e-4, "adamw_paper", "torch_adamw", lr0=1e-3))
        assert "torch" not in sys.modules or sys.modules["torch"] is None
        """
    )
    assert r.returncode == 0, r.stderr
    assert float(r.stdout.strip()) == pytest.approx(0.1)


def test_conventions_code_runs_without_torch():
    """The module file is self-contained: loaded on its own, it works with no torch."""
    r = _run(
        f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("conv", {str(CONVENTIONS_FILE)!r})
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        print(mod.convert(1e-4, "adamw_paper", "torch_adamw", lr0=1e-3))
        assert "numpy" not in sys.modules
        """
    )
    assert r.returncode == 0, r.stderr
    assert float(r.stdout.strip()) == pytest.approx(0.1)
