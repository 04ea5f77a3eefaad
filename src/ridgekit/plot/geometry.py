"""The constrained view in two dimensions: loss contours, the L2 disc and the L1 diamond.

:func:`solve_geometry` computes the two constrained minimizers of a 2-D quadratic loss
(a figure-only illustration, exact and tiny); :func:`geometry` draws the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize

from ridgekit.plot._base import new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["GeometryProblem", "GeometrySolution", "solve_geometry", "geometry"]


@dataclass(frozen=True)
class GeometryProblem:
    """A 2-D least-squares loss :math:`L(\\beta) = (\\beta-\\hat\\beta)^T A(\\beta-\\hat\\beta)`
    and a budget t for the constraints :math:`\\lVert\\beta\\rVert_2 \\le t` and
    :math:`\\lVert\\beta\\rVert_1 \\le t`.

    Attributes
    ----------
    hessian : ndarray of shape (2, 2)
        Symmetric positive definite A (:math:`X^TX` of a two-feature design).
    center : ndarray of shape (2,)
        The unconstrained (least-squares) minimizer :math:`\\hat\\beta`.
    budget : float
        Constraint radius t > 0.
    """

    hessian: np.ndarray
    center: np.ndarray
    budget: float

    def __post_init__(self):
        A = np.asarray(self.hessian, dtype=float)
        c = np.asarray(self.center, dtype=float)
        if A.shape != (2, 2) or not np.allclose(A, A.T) or np.any(np.linalg.eigvalsh(A) <= 0):
            raise ValueError("hessian must be a symmetric positive definite 2 x 2 matrix")
        if c.shape != (2,) or not np.all(np.isfinite(c)):
            raise ValueError("center must be a finite vector of length 2")
        if not (np.isfinite(self.budget) and self.budget > 0):
            raise ValueError(f"budget must be a positive number, got {self.budget!r}")
        object.__setattr__(self, "hessian", A)
        object.__setattr__(self, "center", c)

    @classmethod
    def example(cls) -> GeometryProblem:
        """Correlated features, least squares outside both regions (ESL fig. 3.11 style)."""
        return cls(np.array([[1.0, 0.45], [0.45, 0.6]]), np.array([1.6, 1.1]), 1.0)

    def loss(self, beta) -> np.ndarray:
        """:math:`L(\\beta)` for points of shape (..., 2)."""
        r = np.asarray(beta, dtype=float) - self.center
        return np.einsum("...i,ij,...j->...", r, self.hessian, r)


@dataclass(frozen=True)
class GeometrySolution:
    """The constrained minimizers of a :class:`GeometryProblem`.

    Attributes
    ----------
    problem : GeometryProblem
    ridge : ndarray of shape (2,)
        Minimizer under :math:`\\lVert\\beta\\rVert_2 \\le t`.
    lasso : ndarray of shape (2,)
        Minimizer under :math:`\\lVert\\beta\\rVert_1 \\le t`.
    ridge_multiplier : float
        Lagrange multiplier λ of the L2 constraint:
        ridge = :math:`(A+\\lambda I)^{-1}A\\hat\\beta` (0 when the constraint is slack).
    """

    problem: GeometryProblem
    ridge: np.ndarray
    lasso: np.ndarray
    ridge_multiplier: float


def solve_geometry(problem: GeometryProblem) -> GeometrySolution:
    """Minimize the loss over the L2 disc and over the L1 diamond of radius ``budget``.

    L2: :math:`\\beta(\\lambda)=(A+\\lambda I)^{-1}A\\hat\\beta` with λ found by root-finding
    on :math:`\\lVert\\beta(\\lambda)\\rVert_2 = t` (the norm decreases in λ). L1: the
    minimizer lies on the boundary unless :math:`\\lVert\\hat\\beta\\rVert_1 \\le t`; each of
    the four edges is a segment on which the quadratic is minimized in closed form.

    Parameters
    ----------
    problem : GeometryProblem

    Returns
    -------
    GeometrySolution
    """
    A, c, t = problem.hessian, problem.center, float(problem.budget)
    Ac = A @ c

    def ridge_at(lam):
        return np.linalg.solve(A + lam * np.eye(2), Ac)

    if np.linalg.norm(c) <= t:
        ridge, lam = c.copy(), 0.0
    else:
        hi = 1.0
        while np.linalg.norm(ridge_at(hi)) > t:
            hi *= 4.0
        lam = optimize.brentq(lambda v: np.linalg.norm(ridge_at(v)) - t, 0.0, hi,
                              xtol=1e-14, rtol=4 * np.finfo(float).eps)
        ridge = ridge_at(lam)
    if np.abs(c).sum() <= t:
        lasso = c.copy()
    else:
        vertices = t * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
        best, best_loss = None, np.inf
        for k in range(4):
            a, b = vertices[k], vertices[(k + 1) % 4]
            e = b - a
            s = np.clip(-(e @ A @ (a - c)) / (e @ A @ e), 0.0, 1.0)
            point = a + s * e
            value = problem.loss(point)
            if value < best_loss:
                best, best_loss = point, value
        lasso = best
    return GeometrySolution(problem, ridge, lasso, float(lam))


def geometry(solution: GeometrySolution | GeometryProblem | None = None, *, ax=None,
             title: str | None = None) -> Figure:
    """Draw loss contours with the L2 disc, the L1 diamond and both constrained solutions.

    Parameters
    ----------
    solution : GeometrySolution or GeometryProblem, optional
        A problem is solved first with :func:`solve_geometry`; default
        :meth:`GeometryProblem.example`.
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if solution is None:
        solution = GeometryProblem.example()
    if isinstance(solution, GeometryProblem):
        solution = solve_geometry(solution)
    prob = solution.problem
    t = prob.budget
    c = prob.center
    span = max(np.abs(c).max(), t) * 1.35
    lo = np.minimum(c, 0) - 0.35 * span
    hi = np.maximum(c, 0) + 0.35 * span
    lo = np.minimum(lo, -1.3 * t)
    hi = np.maximum(hi, 1.3 * t)
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
    loss = prob.loss(np.stack([g1, g2], axis=-1))
    fig, (axis,) = new_figure(ax, figsize=(6.2, 6.0))
    touch = sorted({float(prob.loss(solution.ridge)), float(prob.loss(solution.lasso))})
    base = touch[0] if touch[0] > 0 else float(np.quantile(loss, 0.05))
    levels = sorted({*(base * np.array([0.1, 0.3, 0.6])), *touch, 2.0 * touch[-1]} - {0.0})
    axis.contour(g1, g2, loss, levels=levels, colors="C0", linewidths=1.0, alpha=0.8)
    theta = np.linspace(0, 2 * np.pi, 400)
    axis.fill(t * np.cos(theta), t * np.sin(theta), color="C1", alpha=0.25,
              label=f"L2 disc ‖β‖₂ ≤ {t:g}")
    diamond = t * np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 0]])
    axis.fill(diamond[:, 0], diamond[:, 1], color="C2", alpha=0.25,
              label=f"L1 diamond ‖β‖₁ ≤ {t:g}")
    axis.plot(*c, "k*", ms=13, label="least squares β̂")
    axis.plot(*solution.ridge, "o", color="C1", mec="k", ms=9,
              label=f"ridge ({solution.ridge[0]:.2f}, {solution.ridge[1]:.2f})")
    axis.plot(*solution.lasso, "D", color="C2", mec="k", ms=8,
              label=f"lasso ({solution.lasso[0]:.2f}, {solution.lasso[1]:.2f})")
    axis.axhline(0, color="0.5", lw=0.8)
    axis.axvline(0, color="0.5", lw=0.8)
    axis.set_aspect("equal")
    axis.set_xlim(lo[0], hi[0])
    axis.set_ylim(lo[1], hi[1])
    axis.set_xlabel("β₁")
    axis.set_ylabel("β₂")
    axis.set_title(title or "Constrained least squares: L2 vs L1")
    axis.legend(fontsize="small", loc="lower right")
    return fig
