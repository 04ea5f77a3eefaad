"""Keras tests run on the torch backend (no TensorFlow); they skip without Keras 3.

Keras reads ``KERAS_BACKEND`` once, at import, so it is set here, before any test
module imports keras.
"""

from __future__ import annotations

import os
import sys

import pytest

#: the backend under test; "torch" unless a test re-runs this suite on another one
BACKEND = os.environ.get("RIDGEKIT_TEST_KERAS_BACKEND", "torch")
os.environ["KERAS_BACKEND"] = BACKEND
if BACKEND == "jax":
    os.environ.setdefault("JAX_ENABLE_X64", "1")  # float64 variables, as on torch
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

if "keras" in sys.modules and sys.modules["keras"] is not None:  # imported earlier
    _backend = sys.modules["keras"].backend.backend()
    if _backend != BACKEND:  # pragma: no cover - depends on the session
        pytest.skip(
            f"keras was already imported with the {_backend} backend", allow_module_level=True
        )


@pytest.fixture
def keras64():
    """keras with float64 as the default dtype (restored afterwards), one torch thread."""
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    old, threads = keras.config.floatx(), torch.get_num_threads()
    keras.config.set_floatx("float64")
    torch.set_num_threads(1)
    keras.utils.set_random_seed(0)
    yield keras
    keras.config.set_floatx(old)
    torch.set_num_threads(threads)


_KERAS_NUMPY2 = "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"


def pytest_collection_modifyitems(config, items):
    """Keras' torch backend converts tensors with numpy-1 style np.array(x): not ours."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.filterwarnings(_KERAS_NUMPY2))
