"""scikit-learn estimators: thin layers that validate, build a spectrum, ask, store."""

from ridgekit.linear_model._ridge import Ridge, RidgePath, ridge_path

__all__ = ["Ridge", "RidgePath", "ridge_path"]
