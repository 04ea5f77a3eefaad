"""L2 regularization for Keras 3 with every convention made explicit.

Needs Keras 3 (``pip install ridgekit[keras]``); any backend works, and the tests run
on the torch backend (``KERAS_BACKEND=torch``), so TensorFlow is never needed.
``import ridgekit`` does not import this package.

Public API
----------
L2Penalty
    A ``keras.regularizers.L2`` built from any convention (``from_ridge``,
    ``from_weight_decay``, ``from_lambda_over_2m``, ``from_convention``) whose repr
    says what it equals in each; serializable (``get_config``/``from_config``).
select_variables, VariableSelection
    The one rule deciding which variables are regularized or decayed: the kernels of
    Dense/EinsumDense/Conv layers, found by layer type; biases, normalization and
    embedding layers only when asked.
regularize
    Put a regularizer on exactly the selected variables of a model.
exclude_from_decay
    Give a Keras optimizer's decoupled ``weight_decay`` (AdamW, or any optimizer's
    ``weight_decay=``) the same exemptions, by variable, not by name pattern.
"""

from __future__ import annotations

from ridgekit._optional import missing_dependency

try:
    import keras
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise missing_dependency("ridgekit.keras", "Keras 3", "keras") from exc

if int(keras.__version__.split(".")[0]) < 3:  # pragma: no cover - keras 2 is tf.keras
    raise ImportError(
        f"ridgekit.keras needs Keras 3, found keras {keras.__version__}. "
        "Install it with: pip install 'keras>=3'"
    )

from ridgekit.keras.regularizer import L2Penalty  # noqa: E402
from ridgekit.keras.selection import (  # noqa: E402
    VariableSelection,
    exclude_from_decay,
    regularize,
    select_variables,
)

__all__ = [
    "L2Penalty",
    "VariableSelection",
    "exclude_from_decay",
    "regularize",
    "select_variables",
]
