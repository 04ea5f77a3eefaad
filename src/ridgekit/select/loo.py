"""Leave-one-out and generalized cross-validation in closed form on the spectrum."""

from __future__ import annotations

import numpy as np

from ridgekit.select._selection import Selection
from ridgekit.spectrum import as_grid

__all__ = ["loo", "loo_errors", "gcv"]


def loo_errors(spectrum, alphas, chunk: int | None = None) -> np.ndarray:
    """Exact leave-one-out residuals for every λ, shape (L, n, t).

    With h the hat diagonal (counting the intercept) and e the training residual,

    .. math:: y_i - \\hat y_{-i}(\\lambda) = \\frac{e_i(\\lambda)}{1 - h_{ii}(\\lambda)} .

    Needs the data in memory (U). λ are processed ``chunk`` at a time (by default as many
    as keep each temporary under about 64 MB), each chunk one pass over U.
    """
    alphas = as_grid(alphas)
    if chunk is None:
        chunk = max(1, (1 << 23) // (spectrum.n_samples * spectrum.n_targets))
    out = np.empty((alphas.size, spectrum.n_samples, spectrum.n_targets))
    for start in range(0, alphas.size, chunk):
        block = alphas[start:start + chunk]
        h = spectrum.leverage(block)  # (l, n)
        out[start:start + block.size] = spectrum.residuals(block) / (1.0 - h)[:, :, None]
    return out


def _weighted_mean_se(sq: np.ndarray, w: np.ndarray | None):
    """Mean over samples of squared errors (L, n, t), weighted, and its standard error."""
    if w is None:
        mean = sq.mean(axis=1)
        se = sq.std(axis=1, ddof=1) / np.sqrt(sq.shape[1])
        return mean, se
    wn = w / w.sum()
    mean = np.einsum("n,lnt->lt", wn, sq)
    var = np.einsum("n,lnt->lt", wn, (sq - mean[:, None, :]) ** 2)
    n_eff = 1.0 / np.sum(wn**2)
    return mean, np.sqrt(var / max(n_eff - 1.0, 1.0))


def loo(spectrum, alphas, rule: str = "min", warn_edge: bool = True,
        per_target: bool = True) -> Selection:
    """Choose λ by exact leave-one-out mean squared error.

    The criterion is :math:`\\sum_i w_i r_i^2 / \\sum_i w_i` with r the leave-one-out
    residuals of :func:`loo_errors` (weights 1 without sample weights); its standard error
    is that of a mean over the samples. ``per_target=False`` averages the squared errors
    over targets first, giving one curve and one λ for all targets.
    """
    alphas = as_grid(alphas)
    r = loo_errors(spectrum, alphas)
    w = None
    if spectrum.sqrt_w is not None and not np.all(spectrum.sqrt_w == 1.0):
        w = spectrum.sqrt_w**2
    sq = r**2 if per_target else (r**2).mean(axis=2, keepdims=True)
    mean, se = _weighted_mean_se(sq, w)
    return Selection.from_curve(alphas, "loo", _squeeze(mean), _squeeze(se),
                                spectrum.df(alphas), rule, warn_edge)


def gcv(spectrum, alphas, warn_edge: bool = True, per_target: bool = True) -> Selection:
    """Generalized cross-validation (Golub, Heath & Wahba 1979).

    .. math:: \\mathrm{GCV}(\\lambda) = \\frac{n\\,\\mathrm{RSS}(\\lambda)}{(n - \\operatorname{tr}
              H(\\lambda))^2}

    with tr H counting the intercept. With sample weights RSS is the weighted sum,
    rescaled by n/Σw so that weights that are all equal change nothing.
    ``per_target=False`` averages the criterion over targets.
    """
    alphas = as_grid(alphas)
    n = spectrum.n_samples
    rss = spectrum.rss(alphas) * (n / spectrum.weight)
    trace = spectrum.df(alphas)
    denom = (n - trace) ** 2
    if np.any(denom <= 0):
        raise ValueError("GCV is undefined where tr H = n (interpolation); use larger alphas")
    value = n * rss / denom[:, None]
    if not per_target:
        value = value.mean(axis=1, keepdims=True)
    return Selection.from_curve(alphas, "gcv", _squeeze(value), None, trace, "min", warn_edge)


def _squeeze(a: np.ndarray) -> np.ndarray:
    return a[:, 0] if a.ndim == 2 and a.shape[1] == 1 else a
