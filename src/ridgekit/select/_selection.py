"""The result object of every λ-selection rule."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Selection", "GridEdgeWarning", "one_standard_error_index"]


class GridEdgeWarning(UserWarning):
    """The chosen λ lies on an end of the grid: the grid may be too narrow."""


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
        The grid, as given.
    criterion : str
        ``"loo"``, ``"gcv"``, ``"kfold"``, ``"lcurve"``, ``"discrepancy"``, ``"evidence"``,
        ``"hkb"``, ``"lawless_wang"``, ``"df"``, ...
    mean : ndarray of shape (L,) or (L, t)
        Criterion value per λ (and per target); lower is better.
    se : ndarray or None
        Standard error of ``mean`` across folds (k-fold) or samples (LOO).
    df : ndarray of shape (L,) or None
        Effective degrees of freedom per λ.
    rule : str
        ``"min"`` or ``"1se"`` (or the name of a closed-form estimator).
    alpha : float or ndarray of shape (t,)
        The chosen λ.
    index_min : int or ndarray or None
        Grid index of the minimum of ``mean``.
    index_1se : int or ndarray or None
        Grid index chosen by the one-standard-error rule.
    extra : dict
        Rule-specific values (e.g. σ² estimate, curvature).
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

    @property
    def alpha_min(self):
        """λ minimizing the criterion."""
        return None if self.index_min is None else self.alphas[self.index_min]

    @property
    def alpha_1se(self):
        """λ of the one-standard-error rule."""
        return None if self.index_1se is None else self.alphas[self.index_1se]

    @classmethod
    def from_curve(cls, alphas, criterion, mean, se=None, df=None, rule="min",
                   warn_edge=True, extra=None) -> Selection:
        """Build a selection from a criterion curve, choosing by ``rule`` ("min"/"1se")."""
        alphas = np.asarray(alphas, dtype=float)
        mean = np.asarray(mean, dtype=float)
        index_min = np.argmin(mean, axis=0)
        index_1se = None
        if se is not None:
            index_1se = one_standard_error_index(mean, np.asarray(se), alphas)
        if rule == "min":
            chosen = index_min
        elif rule == "1se":
            if index_1se is None:
                raise ValueError(
                    f"rule='1se' needs standard errors, which criterion {criterion!r} lacks"
                )
            chosen = index_1se
        else:
            raise ValueError(f"unknown rule {rule!r}; choose 'min' or '1se'")
        sel = cls(alphas, criterion, mean, se, df, rule, alphas[chosen], index_min, index_1se,
                  dict(extra or {}))
        if warn_edge and alphas.size > 2:
            sel._warn_if_on_edge(chosen)
        return sel

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
                GridEdgeWarning, stacklevel=3,
            )
