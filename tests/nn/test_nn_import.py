"""Behaviour without torch, simulated in a subprocess (``helpers.run_without``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import assert_tests_skip_without, import_without, run_without

pytest.importorskip("torch")  # the nn test set skips cleanly where torch is missing

import ridgekit.conventions as _cv  # noqa: E402

CONVENTIONS_FILE = Path(_cv.__file__).with_name("weight_decay.py")
HIDDEN = {"torch"}


def test_import_ridgekit_works_and_nn_says_how_to_install():
    out = import_without(HIDDEN, "ridgekit.nn", timeout=60)
    assert out.startswith("IMPORTERROR:"), out
    assert "pip install ridgekit[torch]" in out


def test_conventions_import_without_torch():
    """``ridgekit.conventions`` imports and works with torch absent."""
    r = run_without(
        HIDDEN,
        """
        import ridgekit.conventions as cv
        print(cv.convert(1e-4, "adamw_paper", "torch_adamw", lr0=1e-3))
        assert "torch" not in sys.modules or sys.modules["torch"] is None
        """,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert float(r.stdout.strip()) == pytest.approx(0.1)


def test_conventions_code_runs_without_torch():
    """The module file is self-contained: loaded on its own, it works with no torch."""
    r = run_without(
        HIDDEN,
        f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("conv", {str(CONVENTIONS_FILE)!r})
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        print(mod.convert(1e-4, "adamw_paper", "torch_adamw", lr0=1e-3))
        assert "numpy" not in sys.modules
        """,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert float(r.stdout.strip()) == pytest.approx(0.1)


def test_nn_tests_skip_with_a_reason_when_torch_is_absent():
    assert_tests_skip_without(HIDDEN, Path(__file__).parent, "torch")
