"""The result object of every λ-selection rule, and the continuous refinement of a cheap
criterion curve."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ridgekit.select._formulas import TIE_RTOL as _TIE_RTOL
from ridgekit.select._formulas import one_se_index, tie_argmin

__all__ = ["Selection", "GridEdgeWarning", "one_standard_error_index", "degrees_of_freedom",
           "DF_CONVENTION"]

#: how ridgekit counts degrees of freedom, everywhere it reports them
DF_CONVENTION = ("df = tr of the hat matrix of the centered design = sum of filter factors "
                 "(plus unpenalized directions); the intercept is not counted "
                 "(add 1 for tr H of the whole fit)")

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


def degrees_of_freedom(spectrum, alphas) -> np.ndarray:
    """Effective degrees of freedom as ridgekit reports them, shape (L,).

    .. math:: \\mathrm{df}(\\lambda) = \\sum_j \\frac{\\mu_j}{\\mu_j + \\lambda}
              \\;(+\\ \\text{unpenalized directions, e.g. the null space of }\\Gamma)

    the trace of the hat matrix of the centered design. The intercept is **not** counted
    (Hastie, Tibshirani & Friedman's df(λ); ``MASS::lm.ridge``; glmnet): ``df = p`` at
    λ = 0 for a full-rank X. The trace of the hat matrix of the whole fit, which GCV
    (Golub–Heath–Wahba) and the leverages use, is ``df + 1`` with an intercept
    (``Spectrum.df``).
    """
    return spectrum.df(alphas) - float(spectrum.fit_intercept)


class GridEdgeWarning(UserWarning):
    """The chosen λ lies on an end of the grid: the grid may be too narrow."""


def user_stacklevel() -> int:
    """The ``stacklevel`` that points ``warnings.warn`` at the first frame outside
    ridgekit (the user's line), however deep inside the package the warning is raised."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level


def one_standard_error_index(mean: np.ndarray, se: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """Index of the largest λ whose mean error is within one standard error of the minimum.

    .. math:: \\lambda_{1se} = \\max\\{\\lambda : \\bar e(\\lambda) \\le \\bar e(\\lambda_{min})
              + \\mathrm{se}(\\lambda_{min})\\}

    (glmnet's ``lambda.1se``). ``mean`` and ``se`` have shape (L,) or (L, t); the formula
    is :func:`ridgekit.select._formulas.one_se_index`, shared with the device route.
    """
    mean, se, alphas = np.asarray(mean), np.asarray(se), np.asarray(alphas)
    if mean.ndim == 1:
        return one_se_index(mean[:, None], se[:, None], alphas)[0]
    return one_se_index(mean, se, alphas)


@dataclass
class Selection:
    """λ chosen by a rule, with the whole criterion curve over the grid.

    Attributes
    ----------
    alphas : ndarray of shape (L,)
        The grid: as given, or the default grid extended where the minimum of a cheap
        criterion sat on one of its ends (see ``refined``).
    criterion : str
        ``"loo"``, ``"gcv"``, ``"kfold"``, ``"lcurve"``, ``"discrepancy"``, ``"evidence"``,
        ``"hkb"``, ``"lawless_wang"``, ``"df"``, ...
    mean : ndarray of shape (L,) or (L, t)
        Criterion value per λ (and per target); lower is better.
    se : ndarray or None
        Standard error of ``mean`` across folds (k-fold) or samples (LOO).
    df : ndarray of shape (L,) or None
        Effective degrees of freedom per λ, intercept not counted
        (:func:`degrees_of_freedom`).
    rule : str
        ``"min"`` or ``"1se"`` (or the name of a closed-form estimator).
    alpha : float or ndarray of shape (t,)
        The chosen λ.
    index_min : int or ndarray or None
        Grid index of the minimum of ``mean``.
    index_1se : int or ndarray or None
        Grid index chosen by the one-standard-error rule.
    extra : dict
        Rule-specific values (e.g. σ² estimate, curvature, the GCV ``form``).
    refined : bool
        True when ``alpha`` (and ``alpha_min``) is the continuous minimizer of the
        criterion between the grid neighbours of its grid minimum, not a grid value.
    """

    alphas: np.ndarray
    criterion: str
    mean: np.ndarray | None
    se: np.ndarray | None
    df: np.ndarray | None
    rule: str
    alpha: float | np.ndarray
    index_min: int | np.ndarray | None = None
    index_1se: int | np.ndarray | None = None
    extra: dict = field(default_factory=dict)
    refined: bool = False

    @property
    def alpha_min(self):
        """λ minimizing the criterion (the continuous minimizer when ``refined``)."""
        if self.refined and "alpha_refined" in self.extra:
            return self.extra["alpha_refined"]
        return None if self.index_min is None else self.alphas[self.index_min]

    @property
    def alpha_1se(self):
        """λ of the one-standard-error rule."""
        return None if self.index_1se is None else self.alphas[self.index_1se]

    @property
    def score(self):
        """Criterion value at the chosen λ (per target); lower is better."""
        if "value_at_alpha" in self.extra:
            return self.extra["value_at_alpha"]
        if self.mean is None:
            return None
        chosen = np.atleast_1d(np.asarray(self.alpha, dtype=float))
        idx = np.argmin(np.abs(self.alphas[:, None] - chosen[None, :]), axis=0)
        mean = self.mean[:, None] if self.mean.ndim == 1 else self.mean
        value = mean[idx, np.arange(idx.size) if mean.shape[1] == idx.size else 0]
        return float(value[0]) if value.size == 1 else value

    @classmethod
    def from_curve(cls, alphas, criterion, mean, se=None, df=None, rule="min",
                   warn_edge=True, extra=None, curve: Callable | None = None,
                   limits: tuple[float, float] | None = None) -> Selection:
        """Build a selection from a criterion curve, choosing by ``rule`` ("min"/"1se").

        Parameters
        ----------
        curve : callable, optional
            ``curve(alphas) -> (mean, se)`` evaluates the criterion anywhere, cheaply
            (LOO, GCV, k-fold from moments). When given, a minimum on an end of the grid
            first extends the grid outward (same log spacing) until the criterion rises
            or ``limits`` are reached, and with ``rule="min"`` the minimum is then refined
            continuously (bounded Brent search on log λ between the grid neighbours).
        limits : (float, float), optional
            Smallest and largest λ worth extending to (e.g. df = rank − 1e-6 and 1e-6).
        """
        alphas = np.asarray(alphas, dtype=float)
        mean = np.asarray(mean, dtype=float)
        if rule not in ("min", "1se"):
            raise ValueError(f"unknown rule {rule!r}; choose 'min' or '1se'")
        if rule == "1se" and se is None:
            raise ValueError(f"rule='1se' needs standard errors, which criterion {criterion!r} "
                             "lacks")
        if curve is not None and alphas.size >= 2:
            alphas, mean, se = _extend(alphas, mean, se, curve, limits)
        index_min = _flat_argmin(mean, alphas)
        index_1se = None
        if se is not None:
            index_1se = one_standard_error_index(mean, np.asarray(se), alphas)
        chosen = index_min if rule == "min" else index_1se
        sel = cls(alphas, criterion, mean, se, df, rule, alphas[chosen], index_min, index_1se,
                  dict(extra or {}))
        if curve is not None and rule == "min" and alphas.size >= 3:
            sel._refine(curve)
        if warn_edge and alphas.size > 2:
            sel._warn_if_on_edge(chosen)
        return sel

    def _refine(self, curve, points: int = 9, rounds: int = 4) -> None:
        """Zoom in on the minimum between the grid neighbours of the grid minimum.

        Each round evaluates ``points`` log-spaced λ per target in one vectorized call of
        ``curve`` (all targets' points together) and keeps the neighbours of the best;
        after ``rounds`` rounds (bracket shrunk by (points-1)^rounds) a parabola through
        the best three points in log λ gives the minimizer.
        """
        order = np.argsort(self.alphas)
        sorted_a = self.alphas[order]
        mean = self.mean[:, None] if self.mean.ndim == 1 else self.mean
        t = mean.shape[1]
        rank_of = np.empty_like(order)
        rank_of[order] = np.arange(order.size)
        pos = rank_of[np.atleast_1d(self.index_min)]
        if pos.size == 1 and t > 1:
            pos = np.repeat(pos, t)
        best_a = sorted_a[pos].astype(float)
        best_v = mean[np.atleast_1d(self.index_min), np.arange(t)] if pos.size == t else \
            np.full(t, mean[self.index_min, 0])
        tol = _TIE_RTOL * np.nanmax(np.abs(np.where(np.isfinite(mean), mean, np.nan)), axis=0)
        left = mean[order[np.clip(pos - 1, 0, None)], np.arange(t)]
        right = mean[order[np.clip(pos + 1, None, order.size - 1)], np.arange(t)]
        # a minimum flat to rounding (e.g. an interpolating fit) has no point to refine
        inner = (pos > 0) & (pos < order.size - 1) & (np.minimum(left, right) > best_v + tol)
        if not np.any(inner):
            return
        lo = np.log(sorted_a[np.clip(pos - 1, 0, None)])
        hi = np.log(sorted_a[np.clip(pos + 1, None, order.size - 1)])
        cols = np.flatnonzero(inner)
        frac = np.linspace(0.0, 1.0, points)
        for rnd in range(rounds):
            logs = lo[cols, None] + (hi - lo)[cols, None] * frac[None, :]  # (c, points)
            values = np.asarray(curve(np.exp(logs.ravel()))[0], dtype=float)
            values = values.reshape(logs.size, -1)
            for k, j in enumerate(cols):
                v = values[k * points:(k + 1) * points, j if values.shape[1] > 1 else 0]
                v = np.where(np.isnan(v), np.inf, v)
                i = int(np.argmin(v))
                if v[i] < best_v[j] - tol[j]:
                    best_a[j], best_v[j] = np.exp(logs[k, i]), v[i]
                a, b, c = (logs[k, max(i - 1, 0)], logs[k, i], logs[k, min(i + 1, points - 1)])
                lo[j], hi[j] = a, c
                if rnd == rounds - 1 and 0 < i < points - 1:  # parabola through the last three
                    fa, fb, fc = v[i - 1], v[i], v[i + 1]
                    den = (b - a) * (fb - fc) - (b - c) * (fb - fa)
                    if den != 0 and np.isfinite(den):
                        x = b - 0.5 * ((b - a) ** 2 * (fb - fc) - (b - c) ** 2 * (fb - fa)) / den
                        if a < x < c:
                            fx = np.asarray(curve(np.array([np.exp(x)]))[0], float).reshape(-1)
                            fx = fx[j if fx.size > 1 else 0]
                            if fx < best_v[j] - tol[j]:
                                best_a[j], best_v[j] = np.exp(x), fx
        squeeze = self.mean.ndim == 1
        self.alpha = float(best_a[0]) if squeeze else best_a
        self.extra["alpha_refined"] = self.alpha
        self.extra["value_at_alpha"] = float(best_v[0]) if squeeze else best_v
        self.refined = True

    def _warn_if_on_edge(self, chosen) -> None:
        order = np.argsort(self.alphas)
        ends = {int(order[0]), int(order[-1])}
        hit = {int(i) for i in np.atleast_1d(chosen)} & ends
        if hit:
            which = "smallest" if int(order[0]) in hit else "largest"
            warnings.warn(
                f"{self.criterion}: the chosen alpha is the {which} value of the grid "
                f"[{self.alphas.min():.3g}, {self.alphas.max():.3g}]; the optimum may lie "
                "outside it — widen the grid",
                GridEdgeWarning, stacklevel=user_stacklevel(),
            )


def _flat_argmin(mean: np.ndarray, alphas: np.ndarray):
    """Index of the largest λ whose criterion equals the minimum up to rounding
    (:data:`_TIE_RTOL` of the largest |value|); ``mean`` (L,) or (L, t)
    (:func:`ridgekit.select._formulas.tie_argmin`)."""
    if mean.ndim == 1:
        return int(tie_argmin(mean[:, None], alphas)[0])
    return tie_argmin(mean, alphas)


def _extend(alphas, mean, se, curve, limits, block: int = 10, max_blocks: int = 40):
    """Extend a grid outward where the minimum of ``mean`` sits on one of its ends."""
    lo_lim, hi_lim = limits if limits is not None else (0.0, np.inf)
    descending = alphas[0] > alphas[-1]
    a = alphas[::-1] if descending else alphas
    m = mean[::-1] if descending else mean
    s = None if se is None else (np.asarray(se)[::-1] if descending else np.asarray(se))
    if np.any(a <= 0):
        return alphas, mean, se
    step = float(np.exp(np.mean(np.diff(np.log(a))))) if a.size > 1 else 10.0
    step = max(step, 1.05)
    for _ in range(max_blocks):
        m2 = m[:, None] if m.ndim == 1 else m
        at = np.argmin(m2, axis=0)
        low = np.any(at == 0) and a[0] > lo_lim
        high = np.any(at == a.size - 1) and a[-1] < hi_lim
        if not (low or high):
            break
        if low:
            new = a[0] / step ** np.arange(block, 0, -1)
            new = new[new >= lo_lim] if np.isfinite(lo_lim) and lo_lim > 0 else new
            if new.size == 0:
                new = np.array([lo_lim]) if lo_lim > 0 else new
            if new.size:
                nm, ns = curve(new)
                a, m = np.r_[new, a], np.concatenate([_finite(nm), m])
                s = None if s is None else np.concatenate([np.asarray(ns, float), s])
        if high:
            new = a[-1] * step ** np.arange(1, block + 1)
            new = new[new <= hi_lim]
            if new.size == 0:
                new = np.array([hi_lim])
            nm, ns = curve(new)
            a, m = np.r_[a, new], np.concatenate([m, _finite(nm)])
            s = None if s is None else np.concatenate([s, np.asarray(ns, float)])
    if descending:
        a, m = a[::-1], m[::-1]
        s = None if s is None else s[::-1]
    return a, m, s


def _finite(values) -> np.ndarray:
    """Criterion values with NaN (e.g. LOO where a leverage reaches 1) read as +inf."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isnan(v), np.inf, v)
