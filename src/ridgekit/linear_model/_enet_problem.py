"""From validated data to the coordinate-descent designs of each target.

One place decides the route (shared by ``ElasticNet``, ``enet_path`` and the CV
estimators):

- ``gram``: dense X with n >= p (or ``precompute=True``): one pass of
  :class:`ridgekit.moments.Moments` -- the same moments ridge uses -- then covariance
  updates on the p x p Gram; the rows are not needed again.
- ``dense``: dense X with p > n: residual updates on one centered Fortran copy.
- ``sparse``: scipy.sparse X: residual updates on CSC, centering implicit, never densified.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from ridgekit._validation import check_finite_products
from ridgekit.linear_model._base import validate_xy
from ridgekit.moments import Moments
from ridgekit.sparse import DenseDesign, GramDesign, SparseDesign, make_penalty

__all__ = ["Problem", "build_problem", "choose_route", "penalty_for", "problem_from_moments",
           "validate_enet"]


def validate_enet(estimator, X, y, sample_weight, precompute="auto"):
    """:func:`~ridgekit.linear_model._base.validate_xy` for the elastic net; returns
    ``X, Y, w, y_was_1d, route``. A dense X bound for the ``gram`` route is not searched
    for NaN/inf here: they reach the diagonal of its moments, which the route checks
    (:func:`ridgekit._validation.check_finite_products`), saving a pass over X."""
    defer = isinstance(X, np.ndarray) and X.ndim == 2 and choose_route(X, precompute) == "gram"
    X, Y, w, y_was_1d = validate_xy(estimator, X, y, sample_weight,
                                    accept_sparse=("csr", "csc"), defer_x_finite=defer)
    return X, Y, w, y_was_1d, choose_route(X, precompute)  # validation keeps the shape


def check_moments_finite(X, m: Moments) -> None:
    """NaN/inf of X named as scikit-learn names them, found on the diagonal of its
    moments (and its means) instead of by a pass over X."""
    check_finite_products(X, np.diagonal(m.cxx), m.mean_x)


def choose_route(X, precompute) -> str:
    if isinstance(precompute, np.ndarray | list):
        raise ValueError("precompute: a user-supplied Gram matrix is not supported; pass "
                         "True (ridgekit forms the Gram from one pass of moments) or 'auto'")
    if precompute is True:
        return "gram"
    if precompute is False:
        return "sparse" if sparse.issparse(X) else "dense"
    if precompute != "auto":
        raise ValueError(f"precompute must be 'auto', True or False; got {precompute!r}")
    if sparse.issparse(X):
        return "sparse"
    n, p = X.shape
    return "gram" if n >= p else "dense"


@dataclass
class Problem:
    """The data of all targets in the chosen route.

    ``design(t)`` is the coordinate-descent design of target t; ``mean_x``, ``mean_y`` give
    the intercept :math:`\\beta_0 = \\bar y - \\bar x^T\\beta`; ``scale`` is the column
    standard deviations (weighted, population) that standardization penalizes.
    """

    route: str
    n_targets: int
    n_features: int
    mean_x: np.ndarray
    mean_y: np.ndarray
    scale: np.ndarray
    moments: Moments | None = None
    rows: DenseDesign | SparseDesign | None = None
    Y: np.ndarray | None = None
    _gram: np.ndarray | None = field(default=None, repr=False, compare=False)

    def design(self, t: int):
        if self.moments is not None:
            m = self.moments
            s = m.weight
            if self._gram is None:  # one normalized Gram shared by every target's design
                self._gram = np.ascontiguousarray(m.cxx / s)
            return GramDesign(self._gram, m.cxy[:, t] / s, m.cyy[t] / s)
        return self.rows.set_target(self.Y[:, t])

    def intercept(self, coefs: np.ndarray, t: int) -> np.ndarray:
        """Intercepts of coefficient rows ``coefs`` (..., p) of target t."""
        return self.mean_y[t] - coefs @ self.mean_x


def build_problem(X, Y, w, fit_intercept: bool, precompute="auto") -> Problem:
    """Validated X (dense or sparse), Y (n, t), weights or None -> :class:`Problem`."""
    route = choose_route(X, precompute)
    t = Y.shape[1]
    p = X.shape[1]
    if route == "gram":
        with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf: named just below
            m = Moments.from_arrays(X, Y, w)
        check_moments_finite(X, m)
        return problem_from_moments(m, fit_intercept)
    rows = SparseDesign(X, w, fit_intercept) if route == "sparse" else \
        DenseDesign(X, w, fit_intercept)
    s = rows.s
    mean_y = (rows.w @ Y) / s if fit_intercept else np.zeros(t)
    return Problem(route, t, p, np.asarray(rows.mean_x, float), mean_y, np.sqrt(rows.H),
                   rows=rows, Y=np.asarray(Y, dtype=np.float64))


def problem_from_moments(m: Moments, fit_intercept: bool) -> Problem:
    """The ``gram`` route from moments alone (e.g. the merge of fold moments)."""
    if not np.all(np.isfinite(m.cxx)) or not np.all(np.isfinite(m.mean_x)):
        raise ValueError("Input X contains NaN or infinity.")
    p, t = m.n_features, m.n_targets
    mean_x, mean_y = m.mean_x.copy(), m.mean_y.copy()
    if not fit_intercept:
        m = m.uncentered()
        mean_x, mean_y = np.zeros(p), np.zeros(t)
    scale = np.sqrt(np.maximum(np.diag(m.cxx), 0.0) / m.weight)
    return Problem("gram", t, p, mean_x, mean_y, scale, moments=m)


def penalty_for(problem_scale, p: int, l1_ratio, standardize: bool, penalty_factor=None,
                lower_bounds=None, upper_bounds=None, positive: bool = False):
    """The :class:`ridgekit.sparse.Penalty` of the options (scale only when standardizing)."""
    return make_penalty(p, l1_ratio, penalty_factor, lower_bounds, upper_bounds, positive,
                        problem_scale if standardize else None)


def ridge_floor(design, penalty) -> float | None:
    """The bottom of a default grid for a (nearly) pure L2 penalty, from the spectrum.

    With ``l1_ratio`` below 1e-3 a lasso-style grid (``eps`` times glmnet's ridge
    :math:`\\alpha_{max}`) says nothing about where a ridge optimum lies. On the Gram route
    the ridge part of the objective, :math:`\\tfrac12\\beta^TG\\beta - c^T\\beta +
    \\tfrac{\\alpha(1-\\rho)}2\\sum_j w_j\\beta_j^2`, has effective degrees of freedom
    :math:`\\sum_i \\mu_i/(\\mu_i+\\alpha)` with :math:`\\mu` the eigenvalues of
    :math:`D^{-1/2}GD^{-1/2}/(1-\\rho)`, :math:`D = \\mathrm{diag}(w)` over the penalized
    features; the floor is the α of df = rank·(1 − 1e-3), the bottom of ridge's own default
    grid (:func:`ridgekit.select.grid.default_alphas`). None off the Gram route and for
    ``l1_ratio`` >= 1e-3 (where the grid does not use it).
    """
    from ridgekit.select._formulas import alphas_for_df
    from ridgekit.select.grid import DEFAULT_DF_GAP
    from ridgekit.sparse._path import RIDGE_RATIO

    if not isinstance(design, GramDesign) or penalty.l1_ratio >= RIDGE_RATIO:
        return None  # a lasso-style grid: no eigendecomposition needed
    w = penalty.l2_weight * (1.0 - penalty.l1_ratio)
    keep = w > 0
    if not keep.any():
        return None
    s = 1.0 / np.sqrt(w[keep])
    mu = np.linalg.eigvalsh(design.G[np.ix_(keep, keep)] * s[:, None] * s[None, :])
    mu = mu[mu > mu.max() * mu.size * np.finfo(float).eps] if mu.max() > 0 else mu[:0]
    if mu.size == 0:
        return None
    df_hi = mu.size * (1.0 - DEFAULT_DF_GAP) if mu.size > 1 else 0.9
    return float(alphas_for_df(mu, np.array([df_hi]))[0])
