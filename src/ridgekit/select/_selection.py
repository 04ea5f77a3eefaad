"""The result object of every λ-selection rule, and the continuous refinement of a cheap
criterion curve."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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

    (glmnet's ``lambda.1se``). ``mean`` and ``se`` have shape (L,) or (L, t).
    """
    i_min = np.argmin(mean, axis=0)
    cols = np.arange(mean.shape[1]) if mean.ndim == 2 else ()
    threshold = mean[i_min, cols] + se[i_min, cols] if mean.ndim == 2 else mean[i_min] + se[i_min]
    within = mean <= threshold
    masked = np.where(within, alphas.reshape((-1,) + (1,) * (mean.ndim - 1)), -np.inf)
    return np.argmax(masked, axis=0)


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
        index_min = np.argmin(mean, axis=0)
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

    def _refine(self, curve) -> None:
        order = np.argsort(self.alphas)
        sorted_a = self.alphas[order]
        mean = self.mean[:, None] if self.mean.ndim == 1 else self.mean
        rank_of = np.empty_like(order)
        rank_of[order] = np.arange(order.size)
        idx = np.atleast_1d(self.index_min)
        alpha = np.empty(mean.shape[1])
        value = np.empty(mean.shape[1])
        from scipy.optimize import minimize_scalar

        for j in range(mean.shape[1]):
            pos = int(rank_of[idx[j]])
            alpha[j], value[j] = sorted_a[pos], mean[idx[j], j]
            if pos == 0 or pos == order.size - 1:
                continue  # on an end even after extension: nothing to bracket
            lo, hi = np.log(sorted_a[pos - 1]), np.log(sorted_a[pos + 1])

            def f(t, j=j):
                m = np.asarray(curve(np.array([np.exp(t)]))[0], dtype=float)
                return float(m.reshape(1, -1)[0, j if m.size > 1 else 0])

            res = minimize_scalar(f, bounds=(lo, hi), method="bounded",
                                  options={"xatol": 1e-8})
            if res.fun <= value[j]:
                alpha[j], value[j] = float(np.exp(res.x)), float(res.fun)
        squeeze = self.mean.ndim == 1
        self.alpha = float(alpha[0]) if squeeze else alpha
        self.extra["alpha_refined"] = self.alpha
        self.extra["value_at_alpha"] = float(value[0]) if squeeze else value
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
