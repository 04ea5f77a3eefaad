"""Without JAX/optax: ridgekit imports, ridgekit.optax says how to install, tests skip.

Absence is simulated in a subprocess (``helpers.run_without``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import assert_tests_skip_without, import_without

pytest.importorskip("optax")  # under the simulation below this file skips too

HIDDEN = {"jax", "jaxlib", "optax", "chex"}


def test_optax_subpackage_says_how_to_install():
    out = import_without(HIDDEN, "ridgekit.optax")
    assert out.startswith("IMPORTERROR:"), out
    assert "pip install ridgekit[jax]" in out


def test_optax_tests_skip_with_a_reason_when_jax_is_absent():
    assert_tests_skip_without(HIDDEN, Path(__file__).parent, "jax")
