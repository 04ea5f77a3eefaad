r"""Discrete ill-posed test problems from Hansen's Regularization Tools.

Each function discretizes a first-kind integral equation

.. math::

    \int_{\Omega_t} K(s, t)\, f(t)\, dt = g(s), \qquad s \in \Omega_s,

into a linear system :math:`A x = b` of order ``n``, following the kernels,
solutions, right-hand sides and discretization rules of

    P. C. Hansen, "Regularization Tools: A Matlab package for analysis and
    solution of discrete ill-posed problems", Numerical Algorithms 6 (1994),
    1-35; and the Regularization Tools manual, version 4.1 (2008).

All functions share the signature ``name(n, ..., noise=0.0, random_state=None)``
and return an :class:`InverseProblem`, which unpacks as ``A, b, x_true = ...``.
The noise-free right-hand side is either ``A @ x_true`` or the (projected or
sampled) analytic right-hand side, exactly where Hansen's code uses one or the
other; it is kept in :attr:`InverseProblem.b_exact`.  With ``noise > 0`` a
Gaussian vector ``e`` scaled so that ``||e|| / ||b_exact|| == noise`` is added.

Discretizations used (as in Hansen's code):

* *midpoint rule* (collocation at cell midpoints): ``a_ij = h K(s_i, t_j)``,
  ``x_j = f(t_j)``, ``b_i = g(s_i)``;
* *Galerkin with orthonormal box functions* :math:`\phi_i = h^{-1/2}
  \chi_{[s_{i-1}, s_i]}`: ``a_ij = <phi_i, K phi_j>`` (a double integral over
  two cells divided by ``h``), ``x_j = <phi_j, f>``, ``b_i = <phi_i, g>``.

The problems live by discretization: :mod:`~ridgekit.datasets.inverse._collocation`
(midpoint rule and Gauss-Laguerre quadrature: ``shaw``, ``heat``, ``foxgood``,
``gravity``, ``i_laplace``) and :mod:`~ridgekit.datasets.inverse._galerkin` (box
functions: ``phillips``, ``deriv2``, ``baart``, ``wing``); the result type, the argument
checks and the noise model are in :mod:`~ridgekit.datasets.inverse._problem`.
"""

from ridgekit.datasets.inverse._collocation import foxgood, gravity, heat, i_laplace, shaw
from ridgekit.datasets.inverse._galerkin import baart, deriv2, phillips, wing
from ridgekit.datasets.inverse._problem import InverseProblem

__all__ = [
    "InverseProblem",
    "baart",
    "deriv2",
    "foxgood",
    "gravity",
    "heat",
    "i_laplace",
    "phillips",
    "shaw",
    "wing",
]
