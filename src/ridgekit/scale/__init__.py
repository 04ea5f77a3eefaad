"""Data beyond memory: one streaming pass into (per-fold) moments."""

from ridgekit.scale.streaming import fold_moments_from_blocks

__all__ = ["fold_moments_from_blocks"]
