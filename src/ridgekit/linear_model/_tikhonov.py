"""``Tikhonov`` and ``tikhonov_path``: thin layers over one
:class:`~ridgekit.tikhonov.TikhonovSpectrum`."""

from __future__ import annotations

from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions

from ridgekit._validation import check_alpha, check_alpha_grid
from ridgekit.linear_model._base import LinearRegressorBase, validate_xy
from ridgekit.linear_model._ridge import RidgePath
from ridgekit.tikhonov import TIKHONOV_SOLVERS, tikhonov_spectrum

__all__ = ["Tikhonov", "tikhonov_path"]


class Tikhonov(LinearRegressorBase):
    """General-form Tikhonov regression (ridge with a penalty operator and a prior mean).

    Minimizes, per target,

    .. math::

        \\sum_i w_i (y_i - x_i^T\\beta - \\beta_0)^2
        + \\alpha\\,\\lVert\\Gamma(\\beta - \\beta_{prior})\\rVert_2^2,

    i.e. :math:`(\\tilde X^T\\tilde X + \\alpha\\Gamma^T\\Gamma)\\beta = \\tilde X^T\\tilde y
    + \\alpha\\Gamma^T\\Gamma\\beta_{prior}` on the weighted centered data, with
    :math:`\\beta_0 = \\bar y - \\bar x^T\\beta`. Directions in the null space of Γ (and
    features with penalty factor 0) are fit by least squares, like the intercept.

    Parameters
    ----------
    alpha : float or array-like of shape (n_targets,), default=1.0
        Penalty λ >= 0, one per target allowed.
    gamma : array-like or sparse matrix of shape (k, n_features), default=None
        Penalty operator Γ (None: identity). Builders: :func:`ridgekit.tikhonov.
        first_difference`, :func:`~ridgekit.tikhonov.second_difference`,
        :func:`~ridgekit.tikhonov.difference_operator`.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature factors :math:`c_j \\ge 0` (glmnet's ``penalty.factor``, not rescaled):
        Γ becomes :math:`\\Gamma\\,\\mathrm{diag}(\\sqrt c)`; 0 leaves a feature unpenalized.
    coef_prior : array-like of shape (n_features,) or (n_targets, n_features), default=None
        Prior mean :math:`\\beta_{prior}` the coefficients are shrunk toward (None: 0).
    fit_intercept : bool, default=True
    solver : {"auto", "gsvd", "gram", "svd", "dual", "precise"}, default="auto"
        See :func:`ridgekit.tikhonov.tikhonov_spectrum`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    solver_ : str
        ``"gsvd"`` or the representation of the standard form actually used.
    n_unpenalized_ : int
        Dimension q of the null space of Γ (unpenalized directions).
    n_features_in_ : int
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "gamma": ["array-like", "sparse matrix", None],
        "penalty_factor": [Interval(Real, 0, None, closed="left"), "array-like", None],
        "coef_prior": ["array-like", None],
        "fit_intercept": ["boolean"],
        "solver": [StrOptions(set(TIKHONOV_SOLVERS))],
    }

    def __init__(self, alpha=1.0, *, gamma=None, penalty_factor=None, coef_prior=None,
                 fit_intercept=True, solver="auto"):
        self.alpha = alpha
        self.gamma = gamma
        self.penalty_factor = penalty_factor
        self.coef_prior = coef_prior
        self.fit_intercept = fit_intercept
        self.solver = solver

    def fit(self, X, y, sample_weight=None):
        """Fit the Tikhonov-regularized linear model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        from ridgekit.scale.dask import is_dask_collection

        if is_dask_collection(X):  # blockwise moments on the workers; X never moves
            from ridgekit.scale.estimators import fit_tikhonov

            return fit_tikhonov(self, X, y, sample_weight)
        self._validate_params()
        X, Y, w, y_was_1d = validate_xy(self, X, y, sample_weight, accept_sparse=None)
        alpha = check_alpha(self.alpha, Y.shape[1])
        spec = tikhonov_spectrum(
            X, Y, self.gamma, penalty_factor=self.penalty_factor, coef_prior=self.coef_prior,
            sample_weight=w, fit_intercept=self.fit_intercept, solver=self.solver,
            alpha_min=float(alpha.min()),
        )
        coef = spec.coef(alpha)
        self.solver_ = spec.representation
        self.n_unpenalized_ = spec.n_unpenalized
        self._store(coef, spec.intercept(coef), y_was_1d, X.dtype)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags


def tikhonov_path(X, y, alphas, *, gamma=None, penalty_factor=None, coef_prior=None,
                  sample_weight=None, fit_intercept: bool = True,
                  solver: str = "auto") -> RidgePath:
    """Decompose once and return the Tikhonov path over ``alphas``.

    Parameters are those of :class:`Tikhonov`; ``alphas`` is a 1-D grid of λ >= 0.

    Returns
    -------
    RidgePath
        Over a :class:`~ridgekit.tikhonov.TikhonovSpectrum`: ``coef(alpha)``,
        ``predict(X, alpha)``, ``coefs``, ``df`` (counting the unpenalized directions),
        ``rss`` and ``coef_norm`` (the penalized norm :math:`\\lVert\\Gamma(\\beta -
        \\beta_{prior})\\rVert`) at any λ.
    """
    alphas = check_alpha_grid(alphas)
    holder = Tikhonov(fit_intercept=fit_intercept)
    X, Y, w, y_was_1d = validate_xy(holder, X, y, sample_weight, accept_sparse=None)
    spec = tikhonov_spectrum(
        X, Y, gamma, penalty_factor=penalty_factor, coef_prior=coef_prior, sample_weight=w,
        fit_intercept=fit_intercept, solver=solver, alpha_min=float(alphas.min()),
    )
    return RidgePath(spec, alphas, y_was_1d)
