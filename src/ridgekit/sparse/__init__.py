"""Coordinate descent for the lasso and the elastic net (the L1 room).

Pieces, each small and independent:

- :mod:`~ridgekit.sparse._penalty` -- :class:`Penalty`: per-coordinate L1/L2 weights
  (penalty factors, standardization) and boxes;
- :mod:`~ridgekit.sparse._designs` -- the data: :class:`GramDesign` (moments only,
  covariance updates, n >= p), :class:`DenseDesign` and :class:`SparseDesign` (residual
  updates on the rows, p > n or scipy.sparse CSC, centering implicit);
- :mod:`~ridgekit.sparse._kernels` -- the numba epochs (imported on first solve only);
- :mod:`~ridgekit.sparse._gap` -- the duality gap with factors and boxes;
- :mod:`~ridgekit.sparse._path` -- the driver: strong rules, working sets, KKT check,
  convergence on the gap; the α grid.

Importing this package does not import numba.
"""

from ridgekit.sparse._designs import DenseDesign, GramDesign, SparseDesign, design_from_moments
from ridgekit.sparse._gap import duality_gap
from ridgekit.sparse._jit import import_seconds
from ridgekit.sparse._path import (
    ConvergenceWarning,
    PathSolution,
    alpha_grid,
    alpha_max,
    solve_path,
)
from ridgekit.sparse._penalty import Penalty, check_l1_ratio, make_penalty

__all__ = [
    "Penalty", "make_penalty", "check_l1_ratio",
    "GramDesign", "DenseDesign", "SparseDesign", "design_from_moments",
    "duality_gap", "solve_path", "PathSolution", "alpha_max", "alpha_grid",
    "ConvergenceWarning", "import_seconds",
]
