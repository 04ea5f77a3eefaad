"""Bayesian ridge: the Gaussian-prior view of ridge, its evidence, all on the spectrum.

Model (per target):

.. math::

    y_i = x_i^T\\beta + \\beta_0 + \\varepsilon_i, \\quad
    \\varepsilon_i \\sim N(0, \\sigma^2), \\qquad
    \\beta \\sim N\\!\\left(0, \\tfrac{\\sigma^2}{\\lambda} I\\right),

with a flat prior on the intercept :math:`\\beta_0`. So λ is exactly the ridge penalty: the
posterior mean is ridge(λ). In scikit-learn's ``BayesianRidge`` naming,
``alpha_`` = :math:`1/\\sigma^2` (noise precision) and ``lambda_`` = :math:`\\lambda/\\sigma^2`
(weight precision); hence λ = ``lambda_ / alpha_`` and σ² = ``1 / alpha_``.

**Intercept.** It is handled by centering: the data enter as the weighted centered
:math:`\\tilde X = W^{1/2}(X - 1\\bar x^T)`, :math:`\\tilde y = W^{1/2}(y - \\bar y)`, and the
evidence is the n-dimensional Gaussian density of :math:`\\tilde y`,

.. math::

    \\tilde y \\sim N\\!\\left(0,\\;
        \\sigma^2 I + \\tfrac{\\sigma^2}{\\lambda}\\tilde X\\tilde X^T\\right),

as scikit-learn does (the exact restricted likelihood of the flat intercept prior would
drop one dimension). Sample weights are frequency weights, as in scikit-learn: the count
n below is :math:`s = \\sum_i w_i`, and for integer weights the formula is exactly the
density of the data with row i repeated :math:`w_i` times. With :math:`\\tilde X = U D V^T`,
:math:`u = U^T\\tilde y`, :math:`f = d^2/(d^2+\\lambda)`:

.. math::

    \\log p(\\tilde y \\mid \\lambda, \\sigma^2) = -\\tfrac12\\Big[s\\log(2\\pi\\sigma^2)
      + \\sum_j \\log\\big(1 + d_j^2/\\lambda\\big)
      + \\big(\\mathrm{RSS}_0 + \\textstyle\\sum_j (1-f_j)\\,u_j^2\\big)/\\sigma^2\\Big],

O(r) per (λ, σ²). The posterior is :math:`\\beta \\mid y \\sim N(m, \\Sigma)` with
:math:`m = \\beta_{ridge}(\\lambda)` and
:math:`\\Sigma = \\sigma^2\\big[V\\,\\mathrm{diag}(1/(d^2+\\lambda))V^T
+ (I - VV^T)/\\lambda\\big]`.

**Fitting λ and σ².** Maximize :math:`S = \\log p + a_1\\log a - a_2 a + l_1\\log l - l_2 l`
over :math:`a = 1/\\sigma^2`, :math:`l = \\lambda/\\sigma^2` (Gamma(shape, rate) hyperpriors
as in scikit-learn, whose fixed point is a stationary point of exactly this S; the
defaults 0 give plain type-II maximum likelihood). For fixed λ the optimal a is closed
form, :math:`a = (s + 2a_1 + 2l_1)/(Q(\\lambda) + 2a_2 + 2l_2\\lambda)` with
:math:`Q = \\mathrm{RSS}_0 + \\sum_j(1-f_j)u_j^2`; the profile is then maximized in log λ:
a grid locates the sign changes of
:math:`g(\\lambda) = \\lambda\\,\\partial S/\\partial\\lambda = \\tfrac12\\sum_j f_j
- \\tfrac12 a\\lambda\\lVert\\beta(\\lambda)\\rVert^2 + l_1 - l_2 a\\lambda` and vectorized
bisection refines the best root of every target to machine precision.

When the design can interpolate the centered targets (p >= n - 1 with an intercept) the
evidence grows without bound as σ² → 0 (scikit-learn's iteration drifts the same way);
the fit is then flagged ``on_boundary`` — fix ``sigma2`` or use the hyperpriors.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy import special
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from ridgekit.decompose import REPRESENTATIONS, build_spectrum
from ridgekit.linear_model._base import LinearRegressorBase, validate_xy
from ridgekit.select.evidence import EvidenceFit, fit_evidence, log_evidence

__all__ = ["BayesianRidge", "EvidenceFit", "fit_evidence", "log_evidence"]

#: the complement of the data's directions is completed explicitly (a p x p QR, on first
#: use) up to this many features; beyond, the posterior uses :math:`I - VV^T`
COMPLEMENT_MAX_FEATURES = 4096

class BayesianRidge(LinearRegressorBase):
    """Bayesian ridge regression: Gaussian prior, posterior, evidence, all from one spectrum.

    Model: :math:`y = X\\beta + \\beta_0 + \\varepsilon`, :math:`\\varepsilon \\sim
    N(0, \\sigma^2 I)`, :math:`\\beta \\sim N(0, (\\sigma^2/\\lambda) I)`, flat prior on
    :math:`\\beta_0` (handled by centering). λ and σ² maximize the evidence unless given.
    The posterior mean is ridge(λ) exactly. See :mod:`ridgekit.linear_model._bayes` for
    the formulas and the relation to scikit-learn (``alpha_`` there = 1/σ² here,
    ``lambda_`` there = λ/σ² here).

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=None
        Fix λ > 0 (None: fit it by maximizing the evidence).
    sigma2 : float or array-like of shape (n_targets,), default=None
        Fix the noise variance (None: fit it).
    noise_shape, noise_rate : float, default=0.0
        Gamma(shape, rate) hyperprior on the noise precision 1/σ² (scikit-learn's
        ``alpha_1``, ``alpha_2``, whose defaults are 1e-6).
    weight_shape, weight_rate : float, default=0.0
        Gamma hyperprior on the weight precision λ/σ² (scikit-learn's ``lambda_1``,
        ``lambda_2``).
    fit_intercept : bool, default=True
    solver : {"auto", "gram", "svd", "dual", "precise"}, default="auto"

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Posterior mean.
    intercept_ : float or ndarray of shape (n_targets,)
    alpha_ : float or ndarray
        λ, the ridge penalty.
    sigma2_ : float or ndarray
        Noise variance σ².
    noise_precision_ : float or ndarray
        1/σ² (scikit-learn's ``alpha_``).
    weight_precision_ : float or ndarray
        λ/σ² (scikit-learn's ``lambda_``).
    log_evidence_ : float or ndarray
        Log marginal likelihood at the fitted (λ, σ²).
    spectrum_ : Spectrum
        The decomposition, for the posterior methods.
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "sigma2": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "noise_shape": [Interval(Real, 0, None, closed="left")],
        "noise_rate": [Interval(Real, 0, None, closed="left")],
        "weight_shape": [Interval(Real, 0, None, closed="left")],
        "weight_rate": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions({"auto", *REPRESENTATIONS})],
    }

    def __init__(self, alpha=None, *, sigma2=None, noise_shape=0.0, noise_rate=0.0,
                 weight_shape=0.0, weight_rate=0.0, fit_intercept=True, solver="auto"):
        self.alpha = alpha
        self.sigma2 = sigma2
        self.noise_shape = noise_shape
        self.noise_rate = noise_rate
        self.weight_shape = weight_shape
        self.weight_rate = weight_rate
        self.fit_intercept = fit_intercept
        self.solver = solver

    def fit(self, X, y, sample_weight=None):
        """Fit the posterior, choosing λ and σ² by the evidence where not given.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), optional
            Frequency weights (weight k = the row repeated k times), as in scikit-learn.

        Returns
        -------
        self
        """
        self._validate_params()
        X, Y, w, y_was_1d = validate_xy(self, X, y, sample_weight, accept_sparse=None)
        spec = build_spectrum(X, Y, w, self.fit_intercept, self.solver, alpha_min=0.0)
        fit = fit_evidence(spec, alpha=self.alpha, sigma2=self.sigma2,
                           noise_prior=(self.noise_shape, self.noise_rate),
                           weight_prior=(self.weight_shape, self.weight_rate))
        coef = spec.coef(fit.alpha)
        self._store(coef, spec.intercept(coef), y_was_1d, X.dtype)
        self.spectrum_ = spec
        self._complement_cache = None
        self._y_was_1d = y_was_1d
        sq = (lambda v: float(v[0])) if y_was_1d else (lambda v: np.asarray(v))
        self.alpha_ = sq(fit.alpha)
        self.sigma2_ = sq(fit.sigma2)
        self.noise_precision_ = sq(1.0 / fit.sigma2)
        self.weight_precision_ = sq(fit.alpha / fit.sigma2)
        self.log_evidence_ = sq(fit.log_evidence)
        return self

    # ------------------------------------------------------------ posterior
    def _params(self):
        check_is_fitted(self)
        spec = self.spectrum_
        lam = np.broadcast_to(np.asarray(self.alpha_, float), (spec.n_targets,))
        s2 = np.broadcast_to(np.asarray(self.sigma2_, float), (spec.n_targets,))
        return spec, spec.V, lam, s2

    def _complement(self):
        """Orthonormal basis N (p, p - r) of the directions the data does not see.

        The prior alone acts there: :math:`\\Sigma \\ni \\sigma^2 NN^T/\\lambda`. Forming
        :math:`I - VV^T` instead would leave rounding of order eps in every entry, which
        division by a tiny λ (a tiny weight precision) makes dominant; N is exact zero
        when the rank is p. ``None`` (use :math:`I - VV^T`) only for p above
        :data:`COMPLEMENT_MAX_FEATURES`, where the p x p completion would cost too much.
        """
        if getattr(self, "_complement_cache", None) is None:
            V = self.spectrum_.V
            p, r = V.shape
            if r == p:
                N = np.zeros((p, 0))
            elif p <= COMPLEMENT_MAX_FEATURES:
                N = np.linalg.qr(V, mode="complete")[0][:, r:]
            else:
                N = False
            self._complement_cache = N
        N = self._complement_cache
        return None if N is False else N

    def _out_dtype(self):
        return np.asarray(self.coef_).dtype

    def _squeeze(self, a, axis=0):
        return np.take(a, 0, axis=axis) if self._y_was_1d else a

    def coef_covariance(self) -> np.ndarray:
        """Posterior covariance :math:`\\sigma^2[V\\mathrm{diag}(1/(d^2+\\lambda))V^T
        + NN^T/\\lambda]` (N an orthonormal basis of the complement of V's range; the
        term vanishes at full rank), shape (p, p) or (t, p, p), in the dtype of ``coef_``.
        """
        spec, V, lam, s2 = self._params()
        N = self._complement()
        p = spec.n_features
        outside = (np.eye(p) - V @ V.T) if N is None else N @ N.T
        out = np.empty((spec.n_targets, p, p))
        for k in range(spec.n_targets):
            inner = (V / (spec.mu + lam[k])) @ V.T
            out[k] = s2[k] * (inner + outside / lam[k])
        return self._squeeze(out).astype(self._out_dtype(), copy=False)

    def _coef_var(self, spec, V, lam, s2):
        """Posterior variances, shape (t, p), in O(p r) per target."""
        V2 = V * V
        inside = V2 @ (1.0 / (spec.mu[:, None] + lam[None, :]))  # (p, t)
        N = self._complement()
        out_diag = (np.clip(1.0 - V2.sum(axis=1), 0.0, None) if N is None
                    else np.einsum("pk,pk->p", N, N))
        outside = out_diag[:, None] / lam[None, :]
        return (s2[None, :] * (inside + outside)).T

    def coef_interval(self, level: float = 0.95):
        """Equal-tailed posterior credible intervals of the coefficients,
        :math:`m \\pm z_{(1+level)/2}\\,\\sqrt{\\Sigma_{jj}}` (σ² and λ plugged in).

        Returns
        -------
        lower, upper : ndarray of the shape of ``coef_``
        """
        if not 0 < level < 1:
            raise ValueError(f"level must lie in (0, 1), got {level!r}")
        spec, V, lam, s2 = self._params()
        sd = np.sqrt(self._coef_var(spec, V, lam, s2))
        z = float(special.ndtri(0.5 + level / 2))
        sd = self._squeeze(sd).astype(self._out_dtype(), copy=False)
        return self.coef_ - z * sd, self.coef_ + z * sd

    def sample_coef(self, n_draws: int = 1, random_state=None) -> np.ndarray:
        """Exact draws from the posterior :math:`N(m, \\Sigma)` in O(p r) each.

        Returns
        -------
        ndarray of shape (n_draws, p) or (n_draws, t, p)
        """
        spec, V, lam, s2 = self._params()
        rng = check_random_state(random_state)
        t, p, r = spec.n_targets, spec.n_features, spec.rank
        z1 = rng.standard_normal((n_draws, t, r))
        z2 = rng.standard_normal((n_draws, t, p))
        scale_in = np.sqrt(s2[:, None] / (spec.mu[None, :] + lam[:, None]))  # (t, r)
        inside = np.einsum("pr,dtr->dtp", V, z1 * scale_in)
        N = self._complement()
        if N is None:
            z2_out = z2 - np.einsum("pr,dtr->dtp", V, np.einsum("pr,dtp->dtr", V, z2))
        else:
            z2_out = np.einsum("pk,dtk->dtp", N, np.einsum("pk,dtp->dtk", N, z2))
        outside = z2_out * np.sqrt(s2 / lam)[None, :, None]
        coef = np.asarray(self.coef_).reshape(t, p)
        return self._squeeze(coef[None] + inside + outside, axis=1)

    def predict(self, X, return_std: bool = False):
        """Posterior predictive mean, and optionally its standard deviation.

        The predictive variance of a new observation (unit weight) is

        .. math::

            \\sigma^2 + (x-\\bar x)^T\\Sigma(x-\\bar x) + \\sigma^2/\\textstyle\\sum_i w_i,

        the last term being the intercept's uncertainty under its flat prior (only with
        ``fit_intercept``). scikit-learn's ``BayesianRidge`` omits it and uses the
        uncentered x; without intercept the two agree.

        Returns
        -------
        y_mean : ndarray of shape (n,) or (n, t)
        y_std : ndarray of the same shape, if ``return_std``
        """
        mean = super().predict(X)
        if not return_std:
            return mean
        spec, V, lam, s2 = self._params()
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        Xc = np.asarray(X, float) - spec.mean_x
        XV = Xc @ V
        inside = (XV * XV) @ (1.0 / (spec.mu[:, None] + lam[None, :]))  # (n, t)
        N = self._complement()
        if N is None:
            out_sq = np.clip(np.einsum("np,np->n", Xc, Xc) - np.einsum("nr,nr->n", XV, XV),
                             0.0, None)
        else:  # ||N^T x||^2 directly: no cancellation of ||x||^2 against ||V^T x||^2
            XN = Xc @ N
            out_sq = np.einsum("nk,nk->n", XN, XN)
        outside = out_sq[:, None] / lam[None, :]
        var = s2[None, :] * (1.0 + inside + outside)
        if spec.fit_intercept:
            var = var + s2[None, :] / spec.weight
        std = np.sqrt(var).astype(np.asarray(mean).dtype, copy=False)
        return mean, (std[:, 0] if self._y_was_1d else std)

    def log_evidence(self, alphas, sigma2=None) -> np.ndarray:
        """The evidence curve over a λ grid (σ² profiled out unless given), shape (L,) or
        (L, t); see :func:`log_evidence`."""
        check_is_fitted(self)
        out = log_evidence(self.spectrum_, alphas, sigma2)
        return out[:, 0] if self._y_was_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags
