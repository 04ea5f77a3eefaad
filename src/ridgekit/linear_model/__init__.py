"""scikit-learn estimators: thin layers that validate, build a spectrum, ask, store."""

from ridgekit.linear_model._ridge import Ridge, RidgePath, ridge_path
from ridgekit.linear_model._ridge_cv import RidgeCV

__all__ = ["Ridge", "RidgeCV", "RidgePath", "ridge_path"]
