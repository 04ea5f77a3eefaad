"""ridgekit: L2 regularization done completely and fast.

``import ridgekit`` stays light: torch and dask are imported only inside ``ridgekit.nn``
and ``ridgekit.scale``.
"""

from ridgekit.linear_model import Ridge, RidgeCV, RidgePath, ridge_path
from ridgekit.moments import FoldMoments, Moments
from ridgekit.spectrum import Spectrum

__version__ = "0.1.0"

__all__ = ["Ridge", "RidgeCV", "RidgePath", "ridge_path", "Moments", "FoldMoments", "Spectrum"]
