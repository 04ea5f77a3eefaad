"""The builder: :func:`tikhonov_spectrum` validates, centers, fits the unpenalized part and
picks the route (the ``gsvd`` pencil or the standard form)."""

from __future__ import annotations

import numpy as np

from ridgekit._scipy_blas import matmul
from ridgekit.decompose import REPRESENTATIONS
from ridgekit.spectrum import MatrixBasis, centered_design
from ridgekit.tikhonov._penalty import _build_penalty, _check_prior
from ridgekit.tikhonov._pencil import _pencil
from ridgekit.tikhonov._spectrum import TikhonovSpectrum
from ridgekit.tikhonov._standard import _standard_form, _unpenalized_fit, _UnpenalizedCorrection

__all__ = ["TIKHONOV_SOLVERS", "tikhonov_spectrum"]

#: names accepted by :func:`tikhonov_spectrum` (``solver``)
TIKHONOV_SOLVERS = ("auto", "gsvd", *REPRESENTATIONS)


def tikhonov_spectrum(
    X: np.ndarray,
    Y: np.ndarray,
    gamma=None,
    *,
    penalty_factor=None,
    coef_prior=None,
    sample_weight: np.ndarray | None = None,
    fit_intercept: bool = True,
    solver: str = "auto",
    alpha_min: float = 0.0,
) -> TikhonovSpectrum:
    """Decompose a general-form Tikhonov problem once; ask any λ afterwards.

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Dense design (validated by the caller).
    Y : ndarray of shape (n,) or (n, t)
    gamma : array-like or sparse matrix of shape (k, p), optional
        Penalty operator Γ; None means the identity. See :func:`difference_operator`.
    penalty_factor : array-like of shape (p,), optional
        :math:`c_j \\ge 0`; Γ becomes :math:`\\Gamma\\,\\mathrm{diag}(\\sqrt c)`.
    coef_prior : array-like of shape (p,) or (t, p), optional
        :math:`\\beta_{prior}`, the coefficients shrunk toward.
    sample_weight : ndarray of shape (n,), optional
    fit_intercept : bool
    solver : {"auto", "gsvd", "gram", "svd", "dual", "precise"}
        ``auto``: diagonal Γ -> standard form (a column scaling) decomposed by
        :func:`ridgekit.decompose.build_spectrum`'s own ``auto`` rule; otherwise ``gsvd``
        when p <= n and its estimated error
        :math:`\\epsilon\\,\\kappa(B)\\max(1, s/\\lambda_{min})` is below
        1/:data:`~ridgekit.spectrum.GRAM_CONDITION_LIMIT`, else the standard form (``svd``
        when k > n, else ``build_spectrum``'s rule: ``gram`` or, ill-conditioned,
        ``precise``). The standard form's singular values carry an absolute error of about
        eps·d_max; with a smoothing Γ and p >> n, d_max is large (e.g. relative
        coefficient errors ~1e-8 at n = 500, p = 5000, second difference).
    alpha_min : float
        Smallest λ that will be asked (decides the route, as in ``build_spectrum``).

    Returns
    -------
    TikhonovSpectrum

    Raises
    ------
    ValueError
        Γ with the wrong number of columns, negative penalty factors, or an unpenalized
        direction that X does not determine (:math:`X^TX + \\lambda\\Gamma^T\\Gamma` singular).
    """
    if solver not in TIKHONOV_SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {list(TIKHONOV_SOLVERS)}")
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    n, p = X.shape
    pen = _build_penalty(gamma, penalty_factor, p)
    prior = _check_prior(coef_prior, p, Y.shape[1])
    Xt, Yt, mean_x, mean_y, sqrt_w, weight = centered_design(X, Y, sample_weight, fit_intercept)
    if np.any(prior):
        Yt = Yt - matmul(Xt, prior.T)
    Q_A, K = _unpenalized_fit(Xt, pen.null, pen.diagonal, p)
    coupling = K @ matmul(Q_A.T, Xt)  # (X̃N)⁺ X̃, shape (q, p)
    null_uty = Q_A.T @ Yt
    Yc = Yt - Q_A @ null_uty
    offset = prior + (pen.null @ (K @ null_uty)).T

    unpenalized_correction = _UnpenalizedCorrection(pen.null, coupling)

    common = dict(
        n_samples=n, weight=weight, n_features=p, mean_x=mean_x, mean_y=mean_y,
        fit_intercept=fit_intercept, sqrt_w=sqrt_w, offset=offset, null_basis=pen.null,
        null_left=Q_A, null_uty=null_uty, penalized_dim=pen.rank, data=X, targets=Yc,
    )
    if pen.rank == 0:  # nothing penalized: least squares on the unpenalized directions
        return TikhonovSpectrum(
            d=np.zeros(0), uty=np.zeros((0, Y.shape[1])),
            rss0=np.einsum("nt,nt->t", Yc, Yc), basis=MatrixBasis(np.zeros((p, 0))),
            representation="none", method="standard", U=np.zeros((n, 0)), resid0=Yc, **common,
        )
    if solver == "gsvd" or (solver == "auto" and not pen.diagonal and p <= n):
        pencil = _pencil(Xt, Q_A, Yc, pen, alpha_min, solver == "auto", unpenalized_correction)
        if pencil is not None:
            return TikhonovSpectrum(
                d=None, uty=None, rss0=None, basis=None, pencil=pencil,
                representation="gsvd", method="gsvd", **common,
            )
        # the pencil is not positive definite to working precision (e.g. the unpenalized
        # directions already explain the data): the standard form is exact there
        solver = "auto"
    inner, W, ols = _standard_form(Xt, Yc, Q_A, pen, solver, alpha_min, unpenalized_correction)
    return TikhonovSpectrum(
        d=inner.d, uty=inner.uty, rss0=inner.rss0, basis=MatrixBasis(W),
        representation=inner.representation, U=inner.U, resid0=inner.resid0, ols_coef=ols,
        method="standard",
        **common,
    )
