"""ridgekit: L2 regularization done completely and fast.

``import ridgekit`` stays light: the estimators (and with them scikit-learn, slow to
import) load on first use, and torch and dask only inside ``ridgekit.nn`` and
``ridgekit.scale``.
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "Ridge": "ridgekit.linear_model",
    "RidgeCV": "ridgekit.linear_model",
    "RidgePath": "ridgekit.linear_model",
    "ridge_path": "ridgekit.linear_model",
    "Tikhonov": "ridgekit.linear_model",
    "tikhonov_path": "ridgekit.linear_model",
    "ConstrainedRidge": "ridgekit.linear_model",
    "BayesianRidge": "ridgekit.linear_model",
    "LogisticRidge": "ridgekit.linear_model",
    "LogisticRidgeCV": "ridgekit.linear_model",
    "logistic_path": "ridgekit.linear_model",
    "ElasticNet": "ridgekit.linear_model",
    "ElasticNetCV": "ridgekit.linear_model",
    "Lasso": "ridgekit.linear_model",
    "LassoCV": "ridgekit.linear_model",
    "enet_path": "ridgekit.linear_model",
    "Moments": "ridgekit.moments",
    "FoldMoments": "ridgekit.moments",
    "Spectrum": "ridgekit.spectrum",
    "free_work_memory": "ridgekit._memory",
    "set_work_memory": "ridgekit._memory",
}

#: subpackages reachable as attributes (``ridgekit.select``), imported on first access
_SUBMODULES = frozenset({
    "analysis", "conventions", "datasets", "decompose", "io", "linear_model", "moments",
    "plot", "report", "scale", "select", "sparse", "spectrum", "tikhonov",
})

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f"ridgekit.{name}")  # the import binds it in globals()
    raise AttributeError(f"module 'ridgekit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
