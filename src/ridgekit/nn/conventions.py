"""Re-export of :mod:`ridgekit.conventions` (torch-free) for users of ``ridgekit.nn``."""

from ridgekit.conventions import (  # noqa: F401
    CONVENTIONS,
    COUPLED,
    DECOUPLED,
    __all__,  # noqa: F401
    convert,
    ema_timescale,
    keras_l2_to_penalty,
    normalized_weight_decay,
    normalized_weight_decay_from,
    paper_to_torch_adamw,
    penalty_to_keras_l2,
    penalty_to_torch_weight_decay,
    torch_adamw_to_paper,
    torch_weight_decay_to_penalty,
    weight_decay_for_timescale,
)
