"""L2 regularization for PyTorch: penalties, parameter groups, decoupled weight decay.

Needs PyTorch (``pip install ridgekit[torch]``); ``import ridgekit`` does not import
this package, so the rest of ridgekit works without torch.

Public API
----------
select_parameters, ParamSelection
    The one rule deciding which parameters are regularized (biases, normalization
    layers by type and 0/1-d tensors exempt by default).
l2_penalty
    ``(λ/2m)·Σ‖W − W_ref‖²`` over the selected parameters, differentiable.
decay_groups, ParamGroups, check_param_groups
    Parameter groups for any ``torch.optim`` optimizer, with ``describe()``.
decoupled, decouple, SGDW, AdamW, COUPLINGS, is_decoupled
    Decoupled weight decay for any optimizer, coupling ``"lr"``, ``"schedule"``
    (the paper; default of SGDW/AdamW) or ``"none"``; L2-SP reference points;
    cautious weight decay.
WeightDecayScheduler, cosine_factor, linear_factor
    Scheduled weight decay.
conventions
    Exact conversions between library conventions (pure math, no torch code).
experiments
    Reproducible experiments (SGD/L2 equivalence, Adam+L2 vs AdamW heatmaps, early
    stopping vs ridge, weight norms); imported on first access.
"""

from __future__ import annotations

from ridgekit._optional import missing_dependency

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise missing_dependency("ridgekit.nn", "PyTorch", "torch") from exc

from . import conventions
from .decoupled import COUPLINGS, SGDW, AdamW, decouple, decoupled, is_decoupled
from .groups import ParamGroups, check_param_groups, decay_groups
from .penalty import l2_penalty
from .schedule import WeightDecayScheduler, cosine_factor, linear_factor
from .selection import NORM_TYPES, ParamInfo, ParamSelection, select_parameters

__all__ = [
    "COUPLINGS",
    "NORM_TYPES",
    "AdamW",
    "ParamGroups",
    "ParamInfo",
    "ParamSelection",
    "SGDW",
    "WeightDecayScheduler",
    "check_param_groups",
    "conventions",
    "cosine_factor",
    "decay_groups",
    "decouple",
    "decoupled",
    "experiments",
    "is_decoupled",
    "l2_penalty",
    "linear_factor",
    "select_parameters",
]


def __getattr__(name: str):
    if name == "experiments":
        import importlib

        return importlib.import_module(".experiments", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
