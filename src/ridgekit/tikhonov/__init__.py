"""General-form Tikhonov regularization reduced to one :class:`~ridgekit.spectrum.Spectrum`.

Per target, with sample weights :math:`w_i` and an unpenalized intercept :math:`\\beta_0`,

.. math::

    \\min_{\\beta_0,\\beta}\\; \\sum_i w_i (y_i - x_i^T\\beta - \\beta_0)^2
    + \\lambda\\,\\lVert \\Gamma(\\beta - \\beta_{prior})\\rVert_2^2,

with :math:`\\Gamma` any k x p matrix (dense or scipy.sparse), rank-deficient ones such as
the difference operators of :func:`difference_operator` included. Per-feature penalty
factors :math:`c_j \\ge 0` (glmnet's ``penalty.factor``, *not* rescaled to sum to p) scale
the columns: :math:`\\Gamma \\to \\Gamma\\,\\mathrm{diag}(\\sqrt{c})`; without Γ that is
:math:`\\lambda\\sum_j c_j(\\beta_j-\\beta_{prior,j})^2`, and :math:`c_j = 0` leaves
:math:`\\beta_j` unpenalized. The closed form on the weighted centered data
:math:`\\tilde X, \\tilde y` is :math:`(\\tilde X^T\\tilde X + \\lambda\\Gamma^T\\Gamma)\\beta
= \\tilde X^T\\tilde y + \\lambda\\Gamma^T\\Gamma\\beta_{prior}`.

**Reduction.** Write :math:`\\delta = \\beta - \\beta_{prior}` and
:math:`\\tilde y \\leftarrow \\tilde y - \\tilde X\\beta_{prior}`. Let N (p x q) be an
orthonormal basis of the null space of Γ (the unpenalized directions) and
:math:`A = \\tilde X N = Q_A R_A`. Like the intercept, the unpenalized part is fit by least
squares and projected out (Eldén's standard form):

.. math::

    \\bar X = (I - Q_AQ_A^T)\\,\\tilde X\\,\\Gamma^\\sharp, \\qquad
    \\bar y = (I - Q_AQ_A^T)\\,\\tilde y, \\qquad
    \\Gamma^\\sharp_A = (I - N R_A^{-1}Q_A^T\\tilde X)\\,\\Gamma^\\sharp,

with :math:`\\Gamma^\\sharp` any right inverse of (a full-row-rank reduction of) Γ. The
problem becomes plain ridge :math:`\\min_\\theta \\lVert\\bar y - \\bar X\\theta\\rVert^2 +
\\lambda\\lVert\\theta\\rVert^2` with :math:`\\delta = \\Gamma^\\sharp_A\\theta + N R_A^{-1}
Q_A^T\\tilde y`. With the SVD :math:`\\bar X = U D V^T` (d are the generalized singular
values of the pair :math:`(\\tilde X, \\Gamma)`) and :math:`W = \\Gamma^\\sharp_A V`
(:math:`W^T\\tilde X^T\\tilde X W = D^2`, :math:`W^T\\Gamma^T\\Gamma W = I`):

.. math::

    \\beta(\\lambda) = \\beta_{prior} + N R_A^{-1}Q_A^T\\tilde y
        + W\\,\\frac{d}{d^2+\\lambda}\\,U^T\\bar y, \\qquad
    \\operatorname{tr}H = \\sum_j \\frac{d_j^2}{d_j^2+\\lambda} + q + [\\text{intercept}],

.. math::

    h_{ii} = \\frac{w_i}{\\sum_k w_k} + \\lVert (Q_A)_{i\\cdot}\\rVert^2
        + \\sum_j U_{ij}^2 f_j, \\qquad
    \\lVert\\Gamma(\\beta-\\beta_{prior})\\rVert^2
        = \\sum_j \\frac{d_j^2 u_j^2}{(d_j^2+\\lambda)^2},

and RSS is the formula of :class:`~ridgekit.spectrum.Spectrum` unchanged. So the result is a
:class:`TikhonovSpectrum`, and every rule that asks a Spectrum questions works on it.

**Solvers.** ``gsvd`` solves the symmetric-definite pencil
:math:`(s\\,C^T\\Gamma^T\\Gamma C,\\; C^T\\bar G C + s\\,C^T\\Gamma^T\\Gamma C)` with
:math:`\\bar G = \\tilde X^T(I-Q_AQ_A^T)\\tilde X` on the orthogonal complement C of N
(one p x p Gram, a Cholesky factor and a tridiagonal reduction, Gram accuracy): the
coefficients at λ > 0 come from one tridiagonal solve each (Eldén's method), the
eigenvectors of the tridiagonal matrix only when a quantity needs U or
:math:`U^T\\bar y` (see :class:`~ridgekit.tikhonov._pencil._Pencil`); the other names
build the standard form :math:`\\bar X` and decompose it with that representation of
:mod:`ridgekit.decompose` (``svd``/``precise`` for ill-posed problems, ``dual`` for p > n).

**Modules.** :mod:`~ridgekit.tikhonov._operators` (difference operators Γ),
:mod:`~ridgekit.tikhonov._penalty` (Γ and the penalty factors reduced to a full-row-rank
L with its null space and right inverse; the prior mean), :mod:`~ridgekit.tikhonov._standard`
(the unpenalized least-squares fit and Eldén's standard form),
:mod:`~ridgekit.tikhonov._pencil` (the ``gsvd`` route: the balanced pencil on the
complement of the null space, tridiagonalized), :mod:`~ridgekit.tikhonov._spectrum`
(:class:`TikhonovSpectrum`) and :mod:`~ridgekit.tikhonov._build`
(:func:`tikhonov_spectrum`, which picks the route).
"""

from ridgekit.tikhonov._build import TIKHONOV_SOLVERS, tikhonov_spectrum
from ridgekit.tikhonov._operators import difference_operator, first_difference, second_difference

# private, imported by ridgekit.scale.estimators (the Dask route validates Γ and the prior)
from ridgekit.tikhonov._penalty import _build_penalty, _check_prior  # noqa: F401
from ridgekit.tikhonov._spectrum import TikhonovSpectrum

__all__ = [
    "TIKHONOV_SOLVERS",
    "TikhonovSpectrum",
    "difference_operator",
    "first_difference",
    "second_difference",
    "tikhonov_spectrum",
]
