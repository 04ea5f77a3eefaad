"""The path driver: sequential strong rules, working sets, KKT check, duality gap.

For each α of a decreasing grid, warm-started from the previous solution:

1. **strong rule** (Tibshirani et al. 2012): keep j when
   :math:`|g_j(\\beta_{k-1})| \\ge 2\\lambda_{1j}^{(k)} - \\lambda_{1j}^{(k-1)}`; the working
   set W is the strong set, every coordinate ever active and the forced ones
   (unpenalized, or a box excluding 0);
2. coordinate descent on W until :math:`\\max_j H_j\\Delta\\beta_j^2 \\le \\tau\\,y^Ty`;
3. **KKT check** on the full gradient: any coordinate outside W whose exact update would
   move it joins W, back to 2;
3b. **gap-safe screening** (Fercoq, Gramfort & Salmon 2015) whenever the gap is still above
   the tolerance: with the dual point u and its :math:`z = X^TWu/s`, a coordinate with
   :math:`|z_j| + \\sqrt{2\\,\\mathrm{gap}\\,H_j} < \\lambda_{1j}` (one side only at a bound
   of 0) is zero at the optimum of this α; it leaves W and the KKT check;
4. **duality gap** (:mod:`ridgekit.sparse._gap`): stop when gap :math:`\\le`
   ``tol`` :math:`\\cdot\\, \\lVert \\tilde y\\rVert_W^2/s` (scikit-learn's tolerance);
   otherwise tighten τ and go back to 2.

``max_iter`` bounds the epochs spent at each α (as scikit-learn's ``max_iter``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ridgekit.sparse._gap import duality_gap
from ridgekit.sparse._jit import gap_kernel, gram_path_kernel
from ridgekit.sparse._penalty import Penalty

__all__ = ["PathSolution", "solve_path", "alpha_max", "alpha_grid", "ConvergenceWarning"]

try:  # the warning scikit-learn users filter for
    from sklearn.exceptions import ConvergenceWarning
except ImportError:  # pragma: no cover
    class ConvergenceWarning(UserWarning):
        pass


#: l1_ratio below which alpha_max is taken at this ratio (glmnet's ridge grid)
RIDGE_RATIO = 1e-3


@dataclass
class PathSolution:
    """Coefficients (L, p), duality gaps (L,), epochs (L,) and the gap tolerance used."""

    coefs: np.ndarray
    gaps: np.ndarray
    n_iter: np.ndarray
    tol: float
    primal: np.ndarray
    #: (L, p): coordinates the gap-safe test proved zero at each α (None: not screened)
    screened: np.ndarray | None = None


def _moves(g, beta, H, l1, l2, lo, hi) -> np.ndarray:
    """Whether the exact coordinate update would change each coordinate."""
    den = H + l2
    z = g + H * beta
    with np.errstate(divide="ignore", invalid="ignore"):
        nb = np.sign(z) * np.maximum(np.abs(z) - l1, 0.0) / den
    nb = np.clip(nb, lo, hi)
    return (den > 0) & (nb != beta)


def solve_path(design, penalty: Penalty, alphas, tol: float = 1e-4, max_iter: int = 1000,
               beta: np.ndarray | None = None, screening: bool = True,
               warn: bool = True, tols: np.ndarray | None = None) -> PathSolution:
    """Solve the elastic net at every α of ``alphas`` (best decreasing), warm-started.

    Parameters
    ----------
    design : GramDesign, DenseDesign or SparseDesign
    penalty : Penalty
    alphas : array of shape (L,)
    tol : float
        Gap tolerance relative to :math:`\\lVert\\tilde y\\rVert_W^2/s`.
    max_iter : int
        Epoch budget per α.
    beta : array of shape (p,), optional
        Start (clipped into the box); default the feasible point nearest zero.
    screening : bool
        Use the sequential strong rule (else only the KKT check grows W).
    warn : bool
        Warn (``ConvergenceWarning``) when an α ends above its gap tolerance.
    tols : array of shape (L,), optional
        Per-α relative tolerances in place of ``tol`` (e.g. tighter on the stretch of
        the path a cross-validation choice depends on); ``tol`` stays the reported one.
    """
    alphas = np.asarray(alphas, dtype=float)
    p = design.n_features
    lo = np.ascontiguousarray(penalty.lower, dtype=np.float64)
    hi = np.ascontiguousarray(penalty.upper, dtype=np.float64)
    beta = penalty.start.astype(np.float64) if beta is None else \
        np.clip(np.array(beta, dtype=np.float64), lo, hi)
    design.reset(beta)
    H = design.H
    yy = design.yy
    tol_abs = tol * yy if yy > 0 else tol * np.finfo(float).tiny
    rel = np.full(alphas.size, float(tol)) if tols is None else \
        np.ascontiguousarray(tols, dtype=np.float64)
    if rel.shape != alphas.shape:
        raise ValueError(f"tols has shape {rel.shape}; expected {alphas.shape}")
    abs_tols = rel * (yy if yy > 0 else np.finfo(float).tiny)
    g = design.gradient(beta)
    ever = penalty.forced | (beta != 0)
    L = alphas.size
    coefs = np.empty((L, p))
    gaps = np.empty(L)
    primal = np.empty(L)
    n_iter = np.zeros(L, dtype=np.int64)
    screened = np.zeros((L, p), dtype=bool)
    no_free = _no_free_coordinates(penalty, alphas)
    # the compiled gap (no projection needed): one pass, no BLAS thread wake-ups
    fast_gap = gap_kernel() if no_free else None
    sub_gap = no_free and hasattr(design, "gradient_ws")
    if hasattr(design, "G") and no_free:
        unconverged = gram_path_kernel()(
            design.G, design.c, float(yy), alphas, float(penalty.l1_ratio),
            np.ascontiguousarray(penalty.l1_weight, dtype=np.float64),
            np.ascontiguousarray(penalty.l2_weight, dtype=np.float64), lo, hi,
            np.ascontiguousarray(penalty.forced), beta, abs_tols, rel, int(max_iter),
            bool(screening), coefs, gaps, primal, n_iter, screened)
        _warn(warn, unconverged, L, max_iter, tol_abs)
        return PathSolution(coefs, gaps, n_iter, tol_abs, primal, screened)
    l1_prev = None
    unconverged = 0
    for k, alpha in enumerate(alphas):
        tol_k = abs_tols[k]
        l1, l2 = penalty.at(float(alpha))
        l1 = np.ascontiguousarray(l1)
        l2 = np.ascontiguousarray(l2)
        if screening and l1_prev is not None:
            candidates = np.abs(g) >= 2.0 * l1 - l1_prev
        else:
            candidates = _moves(g, beta, H, l1, l2, lo, hi)
        W = ever | candidates
        safe = np.zeros(p, dtype=bool)
        if screening:  # sequential gap-safe test: the previous solution at the new α
            gap0, _, z0 = _gap_and_z(design, beta, g, l1, l2, lo, hi, fast_gap)
            if gap0 > tol_k:
                safe = _safe_zero(z0, 2.0 * gap0, H, l1, lo, hi) & (beta == 0) & \
                    ~penalty.forced
                W &= ~safe
        inner = rel[k]
        used = 0
        while True:
            ws = np.flatnonzero(W).astype(np.int64)
            if ws.size:
                used += design.cd(beta, ws, l1, l2, lo, hi, max(max_iter - used, 1),
                                  inner * yy)
            else:
                used += 1
            if sub_gap and ws.size and used < max_iter:
                # the working set's own gap first (O(n |W|)); the full gradient, O(np),
                # only once the subproblem is solved
                gw = design.gradient_ws(ws)
                gap_w, _, _ = fast_gap(beta[ws], gw, design.rr(beta, None), l1[ws], l2[ws],
                                       lo[ws], hi[ws])
                if gap_w > 0.5 * tol_k:
                    inner *= float(np.clip(0.5 * tol_k / gap_w, 1e-3, 0.25))
                    continue
            g = design.gradient(beta)
            violators = ~W & ~safe & _moves(g, beta, H, l1, l2, lo, hi)
            if np.any(violators) and used < max_iter:
                W |= violators
                continue
            gap, prim, z = _gap_and_z(design, beta, g, l1, l2, lo, hi, fast_gap)
            if gap <= tol_k or used >= max_iter:
                break
            if screening:
                # gap-safe: only coordinates at zero (the residual stays as it is)
                out = _safe_zero(z, 2.0 * gap, H, l1, lo, hi) & (beta == 0) & \
                    ~penalty.forced
                safe |= out
                W &= ~out
            inner *= float(np.clip(tol_k / gap, 1e-3, 0.25))
        if gap > tol_k:
            unconverged += 1
        coefs[k] = beta
        screened[k] = safe
        gaps[k] = gap
        primal[k] = prim
        n_iter[k] = used
        ever |= beta != 0
        l1_prev = l1
    _warn(warn, unconverged, L, max_iter, tol_abs)
    return PathSolution(coefs, gaps, n_iter, tol_abs, primal, screened)


def _gap_and_z(design, beta, g, l1, l2, lo, hi, fast_gap):
    """(gap, primal, z): the duality gap and the dual point's :math:`z = X^TWu/s`."""
    rr = design.rr(beta, g)
    if fast_gap is not None:
        gap, prim, t = fast_gap(beta, g, rr, l1, l2, lo, hi)
        return gap, prim, t * g
    # free coordinates projected out of the dual point
    return duality_gap(beta, g, rr, l1, l2, lo, hi, design.gram_columns, return_z=True)


def _safe_zero(z, radius2, H, l1, lo, hi) -> np.ndarray:
    """The gap-safe sphere test of :func:`ridgekit.sparse._gram_path.safe_zero`,
    vectorized."""
    r = np.sqrt(radius2 * H) * (1.0 + 1e-9) + 1e-13 * l1
    box0 = (lo <= 0.0) & (hi >= 0.0)
    return box0 & ((hi == 0.0) | (z + r < l1)) & ((lo == 0.0) | (z - r > -l1))


def _no_free_coordinates(penalty: Penalty, alphas: np.ndarray) -> bool:
    """Whether the dual point needs no projection: every coordinate is penalized at every
    α (or boxed on both sides), so the compiled path loop applies."""
    free = (penalty.l1_weight == 0) & (penalty.l2_weight == 0) & \
        ~(np.isfinite(penalty.lower) & np.isfinite(penalty.upper))
    return bool(np.all(alphas > 0) and not np.any(free) and penalty.l1_ratio >= 0)


def _warn(warn, unconverged, L, max_iter, tol_abs) -> None:
    if warn and unconverged:
        warnings.warn(
            f"coordinate descent did not converge at {unconverged} of {L} alpha value(s) "
            f"within max_iter={max_iter} epochs (duality gap above tol * ||y||^2/n = "
            f"{tol_abs:.3g}); increase max_iter or tol", ConvergenceWarning, stacklevel=4)


def alpha_max(design, penalty: Penalty, tol: float = 1e-4) -> float:
    """The smallest α at which every penalized coefficient is zero (up to the box).

    :math:`\\alpha_{max} = \\max_{j: f_j>0} |g_j(\\beta_U)| / (\\rho\\, w^{(1)}_j)` at the fit
    :math:`\\beta_U` of the forced (unpenalized) coordinates alone; without any it is
    scikit-learn's :math:`\\max_j |\\tilde x_j^T W\\tilde y| / (s\\rho)`, with the weights
    (which scikit-learn's grid ignores). ``l1_ratio`` below 1e-3 is taken as 1e-3 (as
    glmnet does for its ridge grid).
    """
    penalized = penalty.l1_weight > 0
    if not np.any(penalized):
        raise ValueError("no feature has an L1 penalty (all penalty factors or scales are "
                         "zero): there is no alpha_max")
    beta = penalty.start.astype(np.float64)
    forced = np.flatnonzero(penalty.forced).astype(np.int64)
    if forced.size:
        # the forced coordinates' (bounded) least-squares fit, the penalized ones at 0
        design.reset(beta)
        zeros = np.zeros(beta.size)
        design.cd(beta, forced, zeros, zeros, penalty.lower, penalty.upper, 100_000,
                  tol * 1e-4 * max(design.yy, np.finfo(float).tiny))
    g = design.gradient(beta)
    rho = max(penalty.l1_ratio, RIDGE_RATIO)
    vals = np.abs(g)
    vals = np.where(np.isfinite(penalty.upper) & (g > 0) & (beta >= penalty.upper), 0, vals)
    vals = np.where(np.isfinite(penalty.lower) & (g < 0) & (beta <= penalty.lower), 0, vals)
    amax = float(np.max(vals[penalized] / penalty.l1_weight[penalized])) / rho
    return amax if amax > 0 else np.finfo(float).tiny ** 0.5


def alpha_grid(amax: float, n_alphas: int = 100, eps: float = 1e-3,
               l1_ratio: float = 1.0, floor: float | None = None) -> np.ndarray:
    """scikit-learn's grid: ``n_alphas`` log-spaced values from ``amax`` down to
    ``eps * amax``.

    Below ``l1_ratio`` = 1e-3 (ridge or nearly), :func:`alpha_max` is glmnet's
    :math:`\\max_j|g_j|/10^{-3}`, a thousand times the lasso's, and a grid of ``eps``
    would stop at the lasso's :math:`\\alpha_{max}`, far above where a ridge optimum lies;
    there the grid runs down to ``floor`` (ridge's own grid bottom from the spectrum, see
    :func:`ridgekit.linear_model._enet_problem.ridge_floor`) where that is known, else
    ``eps`` :math:`\\cdot 10^{-3}` lower (six decades by default), so that a pure or
    nearly pure L2 candidate is not handicapped.
    """
    if n_alphas < 1:
        raise ValueError(f"n_alphas must be >= 1; got {n_alphas}")
    if not 0 < eps < 1:
        raise ValueError(f"eps must lie in (0, 1); got {eps}")
    low = amax * eps
    if l1_ratio < RIDGE_RATIO:
        low = min(low, floor) if floor is not None and 0 < floor < amax else low * RIDGE_RATIO
    return np.geomspace(amax, low, int(n_alphas))
