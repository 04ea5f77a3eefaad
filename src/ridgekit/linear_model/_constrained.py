"""Constrained (norm-budget) form of ridge: the exact λ for a norm, by root-finding.

Ridge in its constrained form, per target,

.. math::

    \\min_{\\beta_0,\\beta}\\; \\sum_i w_i(y_i - x_i^T\\beta - \\beta_0)^2
    \\quad\\text{subject to}\\quad \\lVert\\beta\\rVert_2^2 \\le t,

has the solution of the penalized form at the λ >= 0 with
:math:`\\lVert\\beta(\\lambda)\\rVert^2 = t` (or λ = 0 when least squares already fits the
budget). On the spectrum the norm is

.. math::

    \\phi(\\lambda) = \\lVert\\beta(\\lambda)\\rVert^2
    = \\sum_j \\frac{d_j^2u_j^2}{(d_j^2+\\lambda)^2}
    = \\sum_j c_j\\,(1 + \\lambda/d_j^2)^{-2}, \\qquad c_j = u_j^2/d_j^2,

decreasing in λ. :math:`h(\\lambda) = \\phi(\\lambda)^{-1/2}` is a power mean of order −2
of affine functions of λ, hence concave and increasing (and nearly linear; the secular
equation of Hebden/Moré–Sorensen), so Newton's method on :math:`h(\\lambda) = t^{-1/2}`
from λ = 0 increases monotonically to the root with quadratic convergence. All targets
(and budgets) iterate together as arrays in cache-sized blocks, only the unconverged ones
each time; an iteration costs O(r) per problem. On a
:class:`~ridgekit.tikhonov.TikhonovSpectrum` the constrained norm is the penalized norm
:math:`\\lVert\\Gamma(\\beta-\\beta_{prior})\\rVert`.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit.decompose import REPRESENTATIONS, build_spectrum
from ridgekit.linear_model._base import LinearRegressorBase, validate_xy
from ridgekit.spectrum import Spectrum

__all__ = ["ConstrainedRidge", "NormConstraint", "alpha_for_norm"]

_EPS = np.finfo(np.float64).eps


_BLOCK = 2048  # problems per block: the (r, block) temporaries stay in cache


def _first_below(table: np.ndarray, cols: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per problem i, the first row k of the decreasing column ``table[:, cols[i]]`` with
    ``table[k] <= values[i]`` (``len(table)`` if none), by vectorized bisection; the
    caller guarantees ``table[0] > values``."""
    lo = np.zeros(cols.size, dtype=np.intp)
    hi = np.full(cols.size, table.shape[0], dtype=np.intp)
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        above = table[np.minimum(mid, table.shape[0] - 1), cols] > values
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return hi


def _norm_root(g: np.ndarray, mu: np.ndarray, target: np.ndarray,
               max_iter: int = 100) -> tuple[np.ndarray, int]:
    """Solve :math:`\\phi(\\lambda) = \\sum_j g_j/(\\mu_j+\\lambda)^2 = T` for λ >= 0.

    Newton on the concave increasing :math:`h = \\phi^{-1/2}` increases monotonically to
    the root, with quadratic convergence, from any start left of it (and a start right of
    it steps left of it). A fine log grid of φ (ratio about 1.15; one matrix product for
    all targets) brackets each root; the start interpolates h linearly in the bracket,
    and the bracket's left end, or past the grid the bound
    :math:`\\sqrt{\\sum_j g_j/T} - \\bar\\mu` with :math:`\\bar\\mu = \\sum_j g_j\\mu_j/
    \\sum_j g_j` (Jensen: :math:`\\phi(\\lambda) \\ge \\sum_j g_j/(\\bar\\mu+\\lambda)^2`),
    is a floor that every step respects. Problems go as arrays in cache-sized blocks; each
    iteration touches only the unconverged ones of a block.

    Parameters
    ----------
    g : ndarray of shape (r, t)
        :math:`d_j^2u_j^2` per target.
    mu : ndarray of shape (r,)
        Positive eigenvalues :math:`d^2`, descending.
    target : ndarray of shape (..., t)
        Squared norms T > 0; where :math:`T \\ge \\phi(0)` (to rounding) λ = 0.

    Returns
    -------
    alpha : ndarray of the shape of ``target``
    norm2 : ndarray of the shape of ``target``
        φ at the answer.
    n_iter : int
        The most iterations any problem needed.
    """
    shape = target.shape
    T = target.ravel()
    cols = np.broadcast_to(np.arange(shape[-1]), shape).ravel()
    lam = np.zeros(T.size)
    if mu.size == 0:
        return lam.reshape(shape), lam.reshape(shape), 0
    mu_col = mu[:, None]
    n_grid = int(np.clip(np.log(mu[0] / mu[-1] * 1e4) / np.log(1.15), 16, 400))
    grid = np.r_[0.0, np.geomspace(mu[-1] * 1e-2, mu[0] * 1e2, n_grid)]
    phi_grid = (1.0 / (mu[None, :] + grid[:, None]) ** 2) @ g  # (G, t), decreasing in λ
    g_sum = g.sum(axis=0)
    mu_bar = (mu @ g) / np.where(g_sum > 0, g_sum, 1.0)
    norm2 = phi_grid[0, cols].copy()  # ‖β‖² at the answer, filled in as we go
    n_iter = 0
    for start in range(0, T.size, _BLOCK):
        idx = np.arange(start, min(start + _BLOCK, T.size))
        idx = idx[phi_grid[0, cols[idx]] > T[idx] * (1 + 8 * _EPS * mu.size)]
        if idx.size == 0:
            continue
        c = cols[idx]
        k = _first_below(phi_grid, c, T[idx])  # grid[k-1] < root <= grid[k]
        goal = T[idx] ** -0.5
        floor = np.maximum(grid[k - 1], np.sqrt(g_sum[c] / T[idx]) - mu_bar[c])
        inside = k < grid.size
        kk = np.minimum(k, grid.size - 1)
        h_lo, h_hi = phi_grid[k - 1, c] ** -0.5, phi_grid[kk, c] ** -0.5
        with np.errstate(invalid="ignore", divide="ignore"):  # h linear in the cell
            guess = grid[k - 1] + (goal - h_lo) * (grid[kk] - grid[k - 1]) / (h_hi - h_lo)
        lam[idx] = np.where(inside & np.isfinite(guess), np.maximum(guess, floor), floor)
        gc = g[:, c[0]:c[-1] + 1] if c[-1] - c[0] == c.size - 1 else g[:, c]  # view if we can
        it = 0
        while idx.size and it < max_iter:
            it += 1
            x = 1.0 / (mu_col + lam[idx])  # (r, m)
            gx2 = gc * (x * x)
            phi = gx2.sum(axis=0)
            h = phi**-0.5
            dh = h / phi * np.einsum("rm,rm->m", gx2, x)  # h' = φ^{-3/2} Σ g x³
            step = (goal - h) / dh
            # a start right of the root (the interpolated guess) steps left of it, by
            # concavity; from the left Newton increases monotonically to the root
            new = np.maximum(lam[idx] + step, floor)
            # quadratic convergence from the left: a relative step below 1e-8 leaves an
            # error of order 1e-16 after it is taken, so no confirming iteration is needed
            # (or no progress: a rounding-level step back is clamped at the floor)
            done = ((step > 0) & (step <= 1e-8 * new)) | (np.abs(step) <= 4 * _EPS * new) | (
                np.abs(goal - h) <= 4 * _EPS * goal) | (new == lam[idx])
            norm2[idx] = (h + dh * (new - lam[idx])) ** -2.0  # φ at the new λ, to 2nd order
            lam[idx] = new
            floor = np.where(step > 0, new, floor)
            keep = ~done
            idx, goal, floor = idx[keep], goal[keep], floor[keep]
            if idx.size:
                gc = gc[:, keep]
        n_iter = max(n_iter, it)
    return lam.reshape(shape), norm2.reshape(shape), n_iter


@dataclass
class NormConstraint:
    """λ that puts each target's coefficient norm on its budget.

    Attributes
    ----------
    alpha : ndarray of shape (..., t)
        The exact λ (0 where least squares is within the budget).
    coef_norm : ndarray of shape (..., t)
        :math:`\\lVert\\beta(\\lambda)\\rVert` attained (the penalized norm for Tikhonov).
    ols_norm : ndarray of shape (t,)
        Norm of the least-squares (minimum-norm) solution, λ = 0.
    n_iter : int
        Newton iterations (the most any problem needed).
    """

    alpha: np.ndarray
    coef_norm: np.ndarray
    ols_norm: np.ndarray
    n_iter: int


def _check_positive(value, name: str, n_targets: int) -> np.ndarray:
    try:
        v = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers") from exc
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if np.any(v <= 0):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    try:
        return np.broadcast_to(v, np.broadcast_shapes(v.shape, (n_targets,))).astype(float)
    except ValueError:
        raise ValueError(
            f"{name} has shape {v.shape}, which does not broadcast against {n_targets} "
            "target(s); give a scalar, one per target, or shape (..., n_targets)"
        ) from None


def alpha_for_norm(spectrum: Spectrum, budget=None, *, fraction=None,
                   max_iter: int = 100) -> NormConstraint:
    """Exact λ with :math:`\\lVert\\beta(\\lambda)\\rVert^2 = t` per target, on a spectrum.

    Parameters
    ----------
    spectrum : Spectrum
        Any spectrum (for a :class:`~ridgekit.tikhonov.TikhonovSpectrum` the norm is
        :math:`\\lVert\\Gamma(\\beta-\\beta_{prior})\\rVert`).
    budget : float or ndarray broadcastable to (..., t)
        Squared-norm budget t > 0 (give exactly one of ``budget`` and ``fraction``).
    fraction : float or ndarray broadcastable to (..., t)
        f > 0: :math:`\\lVert\\beta(\\lambda)\\rVert = f\\,\\lVert\\beta_{LS}\\rVert` (the
        convention of fracridge); f >= 1 gives λ = 0. A column of fractions, shape (F, 1),
        gives a whole (F, t) table at once.
    max_iter : int

    Returns
    -------
    NormConstraint
    """
    if (budget is None) == (fraction is None):
        raise ValueError("give exactly one of budget (squared norm) and fraction")
    mu, uty = spectrum.mu, spectrum.uty
    g = mu[:, None] * uty**2
    ols_sq = (g / (mu * mu)[:, None]).sum(axis=0)
    if budget is not None:
        target = _check_positive(budget, "budget", uty.shape[1])
    else:
        target = _check_positive(fraction, "fraction", uty.shape[1]) ** 2 * ols_sq
    target = np.where(ols_sq > 0, target, np.inf)  # y ⟂ X: β = 0 for every λ
    alpha, norm2, n_iter = _norm_root(g, mu, target, max_iter=max_iter)
    return NormConstraint(alpha, np.sqrt(norm2), np.sqrt(ols_sq), n_iter)


class ConstrainedRidge(LinearRegressorBase):
    """Ridge regression in constrained form: a budget on the coefficient norm.

    Solves, per target, :math:`\\min \\sum_i w_i(y_i - x_i^T\\beta-\\beta_0)^2` subject to
    :math:`\\lVert\\beta\\rVert^2 \\le t` (``budget``) or
    :math:`\\lVert\\beta\\rVert \\le f\\,\\lVert\\beta_{LS}\\rVert` (``fraction``), by finding the
    exact penalty λ of each target with :func:`alpha_for_norm` on one decomposition.

    Parameters
    ----------
    budget : float or array-like of shape (n_targets,), default=None
        Squared-norm budget t > 0.
    fraction : float or array-like of shape (n_targets,), default=None
        Fraction f > 0 of the least-squares norm. With neither given the problem is
        unconstrained (least squares, λ = 0); giving both is an error.
    fit_intercept : bool, default=True
    solver : {"auto", "gram", "svd", "dual", "precise"}, default="auto"
        Representation of the decomposition (see :class:`ridgekit.Ridge`).

    Attributes
    ----------
    alpha_ : float or ndarray of shape (n_targets,)
        The penalty λ that meets the constraint (0 where least squares is inside it).
    coef_norm_ : float or ndarray of shape (n_targets,)
    ols_norm_ : float or ndarray of shape (n_targets,)
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int
    solver_ : str
    """

    _parameter_constraints: dict = {
        "budget": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "fraction": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", *REPRESENTATIONS})],
    }

    def __init__(self, budget=None, *, fraction=None, fit_intercept=True, solver="auto"):
        self.budget = budget
        self.fraction = fraction
        self.fit_intercept = fit_intercept
        self.solver = solver

    def fit(self, X, y, sample_weight=None):
        """Fit: decompose once, root-find λ per target, store the coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        self._validate_params()
        if self.budget is not None and self.fraction is not None:
            raise ValueError("give budget or fraction, not both")
        X, Y, w, y_was_1d = validate_xy(self, X, y, sample_weight, accept_sparse=None)
        spec = build_spectrum(X, Y, w, self.fit_intercept, self.solver, alpha_min=0.0)
        t = Y.shape[1]
        if self.budget is not None:
            sol = alpha_for_norm(spec, _per_target(self.budget, "budget", t))
        else:
            frac = 1.0 if self.fraction is None else self.fraction
            sol = alpha_for_norm(spec, fraction=_per_target(frac, "fraction", t))
        coef = spec.coef(sol.alpha)
        self.solver_ = spec.representation
        self.n_iter_ = sol.n_iter
        self._store(coef, spec.intercept(coef), y_was_1d, X.dtype)
        squeeze = (lambda a: float(a[0])) if y_was_1d else (lambda a: a)
        self.alpha_ = squeeze(sol.alpha)
        self.coef_norm_ = squeeze(sol.coef_norm)
        self.ols_norm_ = squeeze(sol.ols_norm)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


def _per_target(value, name: str, n_targets: int) -> np.ndarray:
    v = np.asarray(value, dtype=float)
    if v.ndim > 1 or (v.ndim == 1 and v.size not in (1, n_targets)):
        raise ValueError(
            f"{name} has shape {v.shape}; give one value or exactly one per target "
            f"({n_targets})"
        )
    return np.broadcast_to(v, (n_targets,))
