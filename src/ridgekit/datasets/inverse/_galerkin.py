r"""Problems discretized by the Galerkin method with orthonormal box functions
:math:`\phi_i = h^{-1/2}\chi_{[s_{i-1}, s_i]}`: ``a_ij = <phi_i, K phi_j>``,
``x_j = <phi_j, f>``, ``b_i = <phi_i, g>`` (``phillips``, ``deriv2``, ``baart``, ``wing``)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import toeplitz
from scipy.special import exprel

from ridgekit.datasets.inverse._problem import (
    InverseProblem,
    RandomStateLike,
    _check_example,
    _check_n,
    _check_noise,
    _check_real,
    _finish,
    _midpoints,
)

__all__ = ["baart", "deriv2", "phillips", "wing"]


def phillips(n: int, *, noise: float = 0.0, random_state: RandomStateLike = None) -> InverseProblem:
    r"""Phillips' "famous" test problem.

    With :math:`\varphi(x) = 1 + \cos(\pi x / 3)` for :math:`|x| < 3` and
    :math:`\varphi(x) = 0` otherwise, the equation on :math:`s, t \in [-6, 6]` is

    .. math::

        K(s, t) = \varphi(s - t), \qquad f(t) = \varphi(t),

        g(s) = (6 - |s|) \left(1 + \tfrac12 \cos\frac{\pi s}{3}\right)
               + \frac{9}{2\pi} \sin\frac{\pi |s|}{3}.

    Discretization: Galerkin method with orthonormal box functions on
    :math:`n` cells of width :math:`h = 12/n`; all integrals are exact.  ``A``
    is the symmetric Toeplitz matrix

    .. math::

        a_{ij} = \frac1h \int_{I_i}\int_{I_j} \varphi(s - t)\,dt\,ds
               = h + \frac{9}{h\pi^2}\bigl(2\cos k\omega - \cos(k-1)\omega
                 - \cos(k+1)\omega\bigr), \quad k = |i - j| < n/4,

    with :math:`\omega = 4\pi/n`, :math:`a_{ij} = h/2 + \frac{9}{h\pi^2}
    (\cos\omega - 1)` for :math:`k = n/4` and zero beyond.  ``b`` and ``x``
    are the exact projections :math:`b_i = h^{-1/2}\int_{I_i} g`,
    :math:`x_j = h^{-1/2}\int_{I_j} f`.

    Parameters
    ----------
    n : int
        Order of the system; must be a multiple of 4.
    noise : float, default=0.0
        Relative noise level ``||e|| / ||b_exact||``.
    random_state : int, numpy Generator or RandomState, optional
        Seed or generator for the noise.

    Returns
    -------
    InverseProblem

    Raises
    ------
    ValueError
        If ``n`` is not a positive multiple of 4 or ``noise < 0``.

    References
    ----------
    D. L. Phillips, "A technique for the numerical solution of certain integral
    equations of the first kind", J. ACM 9 (1962), 84-97.
    """
    n = _check_n("phillips", n, multiple=4)
    noise = _check_noise("phillips", noise)
    h = 12.0 / n
    n4 = n // 4
    w = 4.0 * np.pi / n
    c = 9.0 / (h * np.pi**2)
    k = np.arange(n4)
    col = np.zeros(n)
    col[:n4] = h + c * (2.0 * np.cos(k * w) - np.cos((k - 1) * w) - np.cos((k + 1) * w))
    col[n4] = h / 2.0 + c * (np.cos(w) - 1.0)
    A = toeplitz(col)

    edges = -6.0 + h * np.arange(n + 1)
    om = np.pi / 3.0

    def g_antiderivative(x: NDArray[np.float64]) -> NDArray[np.float64]:
        # G(x) = int_0^x g, odd in x; for x >= 0 it is
        # x(6 - x/2) + ((3 - x/2) sin(om x) - (2/om)(cos(om x) - 1)) / om
        a = np.abs(x)
        val = (
            a * (6.0 - a / 2.0)
            + ((3.0 - a / 2.0) * np.sin(om * a) - 2.0 / om * (np.cos(om * a) - 1.0)) / om
        )
        return np.sign(x) * val

    def f_antiderivative(x: NDArray[np.float64]) -> NDArray[np.float64]:
        y = np.clip(x, -3.0, 3.0)
        return y + np.sin(om * y) / om

    G = g_antiderivative(edges)
    F = f_antiderivative(edges)
    b = np.diff(G) / np.sqrt(h)
    x = np.diff(F) / np.sqrt(h)
    mid = 0.5 * (edges[:-1] + edges[1:])
    return _finish("phillips", A, b, x, mid, mid.copy(), noise, random_state)


def deriv2(
    n: int,
    example: int = 1,
    *,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> InverseProblem:
    r"""Computation of the second derivative (mildly ill-posed).

    The kernel is the Green's function of :math:`d^2/ds^2` on :math:`[0, 1]`
    with homogeneous Dirichlet conditions, for :math:`s, t \in [0, 1]`:

    .. math::

        K(s, t) = \begin{cases} s (t - 1), & s < t, \\
                                t (s - 1), & s \ge t, \end{cases}

    so that :math:`g'' = f`, :math:`g(0) = g(1) = 0`.  The examples are

    * ``example=1``: :math:`f(t) = t`, :math:`g(s) = (s^3 - s)/6`;
    * ``example=2``: :math:`f(t) = e^t`, :math:`g(s) = e^s + (1 - e) s - 1`;
    * ``example=3``: :math:`f(t) = t` for :math:`t < 1/2`, :math:`1 - t`
      otherwise; :math:`g(s) = (4s^3 - 3s)/24` for :math:`s < 1/2`,
      :math:`(-4s^3 + 12s^2 - 9s + 1)/24` otherwise.

    Discretization: Galerkin method with orthonormal box functions on cells
    :math:`I_i = [(i-1)h, ih]`, :math:`h = 1/n`, all integrals exact:

    .. math::

        a_{ij} = h^2 \bigl(\min(i,j) - \tfrac12\bigr)
                 \bigl((\max(i,j) - \tfrac12) h - 1\bigr), \quad i \ne j,

        a_{ii} = h^2 \bigl((i^2 - i + \tfrac14) h - (i - \tfrac23)\bigr),

    :math:`b_i = h^{-1/2}\int_{I_i} g`, :math:`x_j = h^{-1/2}\int_{I_j} f`.
    ``A`` is symmetric and negative definite.

    Parameters
    ----------
    n : int
        Order of the system; must be even for ``example=3``.
    example : {1, 2, 3}, default=1
        Which solution / right-hand side pair to use.
    noise : float, default=0.0
        Relative noise level ``||e|| / ||b_exact||``.
    random_state : int, numpy Generator or RandomState, optional
        Seed or generator for the noise.

    Returns
    -------
    InverseProblem

    Raises
    ------
    ValueError
        On a bad ``n``, ``example`` or ``noise``.

    References
    ----------
    L. M. Delves and J. L. Mohamed, "Computational Methods for Integral
    Equations", Cambridge University Press, 1985, p. 310 (examples 1, 2).
    A. K. Louis and P. Maass, "A mollifier method for linear operator equations
    of the first kind", Inverse Problems 6 (1990), 427-440 (example 3).
    """
    example = _check_example("deriv2", example, (1, 2, 3))
    n = _check_n("deriv2", n, multiple=2 if example == 3 else 1)
    noise = _check_noise("deriv2", noise)
    h = 1.0 / n
    idx = np.arange(1, n + 1, dtype=np.float64)
    lo = np.minimum(idx[:, None], idx[None, :])
    hi = np.maximum(idx[:, None], idx[None, :])
    A = h**2 * (lo - 0.5) * ((hi - 0.5) * h - 1.0)
    np.fill_diagonal(A, h**2 * ((idx**2 - idx + 0.25) * h - (idx - 2.0 / 3.0)))

    edges = h * np.arange(n + 1)
    e = math.e
    if example == 1:
        F = edges**2 / 2.0
        G = edges**4 / 24.0 - edges**2 / 12.0
    elif example == 2:
        F = np.exp(edges)
        G = np.exp(edges) + (1.0 - e) * edges**2 / 2.0 - edges
    else:
        left = edges < 0.5
        F = np.where(left, edges**2 / 2.0, edges - edges**2 / 2.0 - 0.25)
        G = np.where(
            left,
            (edges**4 - 1.5 * edges**2) / 24.0,
            (-(edges**4) + 4.0 * edges**3 - 4.5 * edges**2 + edges) / 24.0 - 1.0 / 192.0,
        )
    sqh = np.sqrt(h)
    x = np.diff(F) / sqh
    b = np.diff(G) / sqh
    mid = 0.5 * (edges[:-1] + edges[1:])
    return _finish("deriv2", A, b, x, mid, mid.copy(), noise, random_state)


def baart(n: int, *, noise: float = 0.0, random_state: RandomStateLike = None) -> InverseProblem:
    r"""Baart's first-kind Fredholm equation.

    For :math:`s \in [0, \pi/2]` and :math:`t \in [0, \pi]`,

    .. math::

        K(s, t) = e^{s \cos t}, \qquad f(t) = \sin t, \qquad
        g(s) = \frac{2 \sinh s}{s}.

    Discretization: Galerkin method with orthonormal box functions on cells
    of widths :math:`h_s = \pi/(2n)` and :math:`h_t = \pi/n`.  The
    :math:`s`-integral of :math:`K` is exact and the :math:`t`-integral uses
    Simpson's rule on each cell:

    .. math::

        a_{ij} = \frac{1}{6}\sqrt{\frac{h_t}{h_s}} \sum_{m} w_m
                 \int_{(i-1)h_s}^{i h_s} e^{s \cos \theta_m}\,ds,
        \quad \theta_m \in \{(j-1)h_t, (j-\tfrac12)h_t, j h_t\},\ w = (1, 4, 1);

    :math:`b_i = h_s^{-1/2}\int g` by Simpson's rule on each cell and
    :math:`x_j = h_t^{-1/2}\int \sin t\,dt = (\cos t_{j-1} - \cos t_j)/\sqrt{h_t}`
    exactly.

    Parameters
    ----------
    n : int
        Order of the system; must be even.
    noise : float, default=0.0
        Relative noise level ``||e|| / ||b_exact||``.
    random_state : int, numpy Generator or RandomState, optional
        Seed or generator for the noise.

    Returns
    -------
    InverseProblem

    Raises
    ------
    ValueError
        If ``n`` is not a positive even integer or ``noise < 0``.

    References
    ----------
    M. L. Baart, "The use of auto-correlation for pseudo-rank determination in
    noisy ill-conditioned linear least-squares problems", IMA J. Numer. Anal. 2
    (1982), 241-247.
    """
    n = _check_n("baart", n, multiple=2)
    noise = _check_noise("baart", noise)
    hs = np.pi / (2 * n)
    ht = np.pi / n
    s_lo = hs * np.arange(n)
    theta = 0.5 * ht * np.arange(2 * n + 1)  # cell edges and midpoints in t
    co = np.cos(theta)
    co[n] = 0.0  # theta = pi/2, where cos() returns 6e-17 (exprel copes either way)
    # int_{s_lo}^{s_lo+hs} exp(s c) ds = exp(s_lo c) * hs * exprel(hs c), stable at c = 0
    E = np.exp(s_lo[:, None] * co[None, :]) * (hs * exprel(hs * co))[None, :]
    A = np.sqrt(ht / hs) / 6.0 * (E[:, 0:-1:2] + 4.0 * E[:, 1::2] + E[:, 2::2])

    sh = 0.5 * hs * np.arange(2 * n + 1)
    g = np.empty_like(sh)
    g[0] = 2.0
    g[1:] = 2.0 * np.sinh(sh[1:]) / sh[1:]
    b = np.sqrt(hs) / 6.0 * (g[0:-1:2] + 4.0 * g[1::2] + g[2::2])
    x = -np.diff(np.cos(ht * np.arange(n + 1))) / np.sqrt(ht)
    return _finish("baart", A, b, x, sh[1::2], theta[1::2], noise, random_state)


def wing(
    n: int,
    t1: float = 1.0 / 3.0,
    t2: float = 2.0 / 3.0,
    *,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> InverseProblem:
    r"""Wing's test problem with a discontinuous solution.

    For :math:`s, t \in [0, 1]` and constants :math:`t_1 < t_2`,

    .. math::

        K(s, t) = t\, e^{-s t^2}, \qquad
        f(t) = \begin{cases} 1, & t_1 < t < t_2, \\ 0, & \text{otherwise}, \end{cases}
        \qquad g(s) = \frac{e^{-s t_1^2} - e^{-s t_2^2}}{2 s}.

    Discretization: Galerkin method with orthonormal box functions, every
    integral by the midpoint rule, :math:`h = 1/n`, midpoints
    :math:`s_i = t_i = (i - \tfrac12) h`: :math:`a_{ij} = h\, t_j
    e^{-s_i t_j^2}`, :math:`b_i = \sqrt{h}\, g(s_i)`,
    :math:`x_j = \sqrt{h}\, f(t_j)`.

    Parameters
    ----------
    n : int
        Order of the system.
    t1, t2 : float, default=1/3, 2/3
        End points of the support of :math:`f`; :math:`t_1 < t_2`.
    noise : float, default=0.0
        Relative noise level ``||e|| / ||b_exact||``.
    random_state : int, numpy Generator or RandomState, optional
        Seed or generator for the noise.

    Returns
    -------
    InverseProblem

    Raises
    ------
    ValueError
        On a bad ``n``, ``t1 >= t2`` or ``noise < 0``.

    References
    ----------
    G. M. Wing, "A Primer on Integral Equations of the First Kind", SIAM, 1991,
    p. 109.
    """
    n = _check_n("wing", n)
    t1 = _check_real("wing", "t1", t1)
    t2 = _check_real("wing", "t2", t2)
    if not t1 < t2:
        raise ValueError(f"wing: t1 must be smaller than t2, got t1={t1}, t2={t2}")
    noise = _check_noise("wing", noise)
    h = 1.0 / n
    t = _midpoints(0.0, 1.0, n)
    A = h * t[None, :] * np.exp(-t[:, None] * t[None, :] ** 2)
    b = np.sqrt(h) * 0.5 * (np.exp(-t * t1**2) - np.exp(-t * t2**2)) / t
    x = np.where((t1 < t) & (t < t2), np.sqrt(h), 0.0)
    return _finish("wing", A, b, x, t, t.copy(), noise, random_state)
