r"""Problems discretized by collocation and quadrature: the midpoint rule (``a_ij =
h K(s_i, t_j)``, ``x_j = f(t_j)``, ``b_i = g(s_i)``) for ``shaw``, ``heat``, ``foxgood``
and ``gravity``, Gauss-Laguerre quadrature for ``i_laplace``."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import eigh_tridiagonal, toeplitz

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

__all__ = ["foxgood", "gravity", "heat", "i_laplace", "shaw"]


def shaw(n: int, *, noise: float = 0.0, random_state: RandomStateLike = None) -> InverseProblem:
    r"""Shaw's one-dimensional image restoration problem.

    The first-kind Fredholm equation on :math:`s, t \in [-\pi/2, \pi/2]` with

    .. math::

        K(s, t) = (\cos s + \cos t)^2 \left(\frac{\sin u}{u}\right)^2,
        \qquad u = \pi (\sin s + \sin t),

    (with :math:`\sin u / u = 1` at :math:`u = 0`) and the solution

    .. math::

        f(t) = 2 e^{-6 (t - 0.8)^2} + e^{-2 (t + 0.5)^2}.

    Discretization: midpoint rule with :math:`h = \pi / n`, points
    :math:`s_i = t_i = -\pi/2 + (i - \tfrac12) h`; :math:`a_{ij} = h K(s_i, t_j)`,
    :math:`x_j = f(t_j)`, and (no closed form of :math:`g` is used)
    ``b = A @ x``.  ``A`` is symmetric and persymmetric.

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
        ``A, b, x_true`` plus ``b_exact``, ``s``, ``t``.

    Raises
    ------
    ValueError
        If ``n`` is not a positive even integer or ``noise < 0``.

    References
    ----------
    C. B. Shaw, Jr., "Improvement of the resolution of an instrument by
    numerical solution of an integral equation", J. Math. Anal. Appl. 37
    (1972), 83-112.
    """
    n = _check_n("shaw", n, multiple=2)
    noise = _check_noise("shaw", noise)
    h = np.pi / n
    # exact half-integers times h, so that t[n-1-i] == -t[i] bit for bit
    t = h * (np.arange(n) - (n - 1) / 2)
    co = np.cos(t)
    si = np.sin(t)
    # np.sinc(x) = sin(pi x) / (pi x), so sin(u)/u = sinc(sin s + sin t)
    A = h * ((co[:, None] + co[None, :]) * np.sinc(si[:, None] + si[None, :])) ** 2
    x = 2.0 * np.exp(-6.0 * (t - 0.8) ** 2) + np.exp(-2.0 * (t + 0.5) ** 2)
    return _finish("shaw", A, A @ x, x, t, t.copy(), noise, random_state)


def heat(
    n: int,
    kappa: float = 1.0,
    *,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> InverseProblem:
    r"""Inverse heat equation (first-kind Volterra equation).

    On :math:`s, t \in [0, 1]`, :math:`\int_0^s k(s - t) f(t)\,dt = g(s)` with

    .. math::

        k(\tau) = \frac{\tau^{-3/2}}{2 \kappa \sqrt{\pi}}
                  \exp\!\left(-\frac{1}{4 \kappa^2 \tau}\right),

    i.e. :math:`K(s, t) = k(s - t)` for :math:`t < s` and 0 otherwise.  The
    parameter :math:`\kappa` controls the conditioning: :math:`\kappa = 1`
    gives an ill-conditioned, :math:`\kappa = 5` a well-conditioned problem.
    The exact solution (Carasso's), with :math:`\tau = 20 t`, is

    .. math::

        f(t) = \begin{cases} 0.1875\, \tau^2, & \tau < 2, \\
                             0.75 + (\tau - 2)(3 - \tau), & 2 \le \tau < 3, \\
                             0.75\, e^{-2(\tau - 3)}, & 3 \le \tau \le 10, \\
                             0, & t > 1/2. \end{cases}

    Discretization: collocation at :math:`s_i = i h`, :math:`h = 1/n`, and the
    midpoint rule on :math:`[0, s_i]`; ``A`` is lower triangular Toeplitz,
    :math:`a_{ij} = h\, k\bigl((i - j + \tfrac12) h\bigr)` for
    :math:`i \ge j`.  As in Hansen's ``heat.m``, ``x_true`` samples
    :math:`f` at the right cell end points :math:`t_j = j h` (not at the
    quadrature nodes :math:`(j - \tfrac12) h`), and ``b = A @ x``; hence
    ``b`` approximates :math:`g(s_i)` only to first order in :math:`h`.

    Parameters
    ----------
    n : int
        Order of the system; must be even.
    kappa : float, default=1.0
        Positive conductivity parameter.
    noise : float, default=0.0
        Relative noise level ``||e|| / ||b_exact||``.
    random_state : int, numpy Generator or RandomState, optional
        Seed or generator for the noise.

    Returns
    -------
    InverseProblem
        ``t`` holds the points :math:`jh` at which ``x_true`` samples ``f``.

    Raises
    ------
    ValueError
        On a bad ``n``, ``kappa`` or ``noise``.

    References
    ----------
    A. S. Carasso, "Determining surface temperatures from interior
    observations", SIAM J. Appl. Math. 42 (1982), 558-574.
    """
    n = _check_n("heat", n, multiple=2)
    kappa = _check_real("heat", "kappa", kappa, positive=True)
    noise = _check_noise("heat", noise)
    h = 1.0 / n
    tau = h * (np.arange(n) + 0.5)
    col = h / (2.0 * kappa * np.sqrt(np.pi)) * tau**-1.5 * np.exp(-1.0 / (4.0 * kappa**2 * tau))
    row = np.zeros(n)
    row[0] = col[0]
    A = toeplitz(col, row)
    j = np.arange(1, n + 1, dtype=np.float64)
    x = _heat_solution(20.0 * j / n)  # tau = 20 t exactly at t = j/n
    t = j / n
    return _finish("heat", A, A @ x, x, t, t.copy(), noise, random_state)


def _heat_solution(tau: NDArray[np.float64]) -> NDArray[np.float64]:
    """Carasso's exact solution of :func:`heat` as a function of ``tau = 20 t``."""
    tau = np.asarray(tau, dtype=np.float64)
    return np.select(
        [tau < 2.0, tau < 3.0, tau <= 10.0],
        [0.75 * tau**2 / 4.0, 0.75 + (tau - 2.0) * (3.0 - tau), 0.75 * np.exp(-2.0 * (tau - 3.0))],
        default=0.0,
    )


def foxgood(n: int, *, noise: float = 0.0, random_state: RandomStateLike = None) -> InverseProblem:
    r"""Fox and Goodwin's severely ill-posed problem.

    For :math:`s, t \in [0, 1]`,

    .. math::

        K(s, t) = \sqrt{s^2 + t^2}, \qquad f(t) = t, \qquad
        g(s) = \frac{(1 + s^2)^{3/2} - s^3}{3}.

    The discrete problem does not satisfy the discrete Picard condition for the
    small singular values.

    Discretization: midpoint rule with :math:`h = 1/n`,
    :math:`s_i = t_i = (i - \tfrac12) h`: :math:`a_{ij} = h K(s_i, t_j)`,
    :math:`x_j = f(t_j)`, :math:`b_i = g(s_i)`.  ``A`` is symmetric.

    Parameters
    ----------
    n : int
        Order of the system.
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
        If ``n`` is not a positive integer or ``noise < 0``.

    References
    ----------
    C. T. H. Baker, "The Numerical Treatment of Integral Equations", Clarendon
    Press, Oxford, 1977, p. 665.
    """
    n = _check_n("foxgood", n)
    noise = _check_noise("foxgood", noise)
    h = 1.0 / n
    t = _midpoints(0.0, 1.0, n)
    A = h * np.hypot(t[:, None], t[None, :])
    b = ((1.0 + t**2) ** 1.5 - t**3) / 3.0
    return _finish("foxgood", A, b, t.copy(), t, t.copy(), noise, random_state)


def gravity(
    n: int,
    example: int = 1,
    *,
    depth: float = 0.25,
    s_interval: tuple[float, float] = (0.0, 1.0),
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> InverseProblem:
    r"""One-dimensional gravity surveying problem.

    A mass distribution :math:`f(t)`, :math:`t \in [0, 1]`, at depth
    :math:`d` produces the vertical gravity component :math:`g(s)` at the
    surface, :math:`s \in [a, b]`:

    .. math::

        K(s, t) = \frac{d}{\bigl(d^2 + (s - t)^2\bigr)^{3/2}}.

    The examples are

    * ``example=1``: :math:`f(t) = \sin(\pi t) + \tfrac12 \sin(2\pi t)`;
    * ``example=2``: piecewise linear, :math:`f = 6t` on :math:`[0, 1/3]`,
      falling linearly to 1 at :math:`t = 7/8` and to 0 at :math:`t = 1`;
    * ``example=3``: piecewise constant, :math:`f = 2` on :math:`[0, 1/3]`,
      1 elsewhere.

    Discretization: midpoint rule with :math:`n` points in each interval,
    :math:`t_j = (j - \tfrac12)/n`, :math:`s_i = a + (i - \tfrac12)(b - a)/n`,
    :math:`a_{ij} = K(s_i, t_j)/n`; ``b = A @ x``.  For example 1,
    :math:`x_j = f(t_j)`; for examples 2 and 3, ``x`` is Hansen's vector with
    breakpoints at indices :math:`n_t = \mathrm{round}(n/3)` and
    :math:`n_n = \mathrm{round}(7n/8)` (rounding half away from zero), i.e.
    :math:`f` sampled at :math:`j/n` up to the rounding of the breakpoints.
    For the default :math:`[a, b] = [0, 1]`, ``A`` is symmetric Toeplitz.
    The larger :math:`d`, the faster the singular values decay.

    Parameters
    ----------
    n : int
        Order of the system.
    example : {1, 2, 3}, default=1
        Which solution to use.
    depth : float, default=0.25
        The depth :math:`d > 0` of the mass distribution.
    s_interval : tuple of float, default=(0.0, 1.0)
        The measurement interval :math:`[a, b]`, :math:`a < b`.
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
        On a bad ``n``, ``example``, ``depth``, ``s_interval`` or ``noise``.

    References
    ----------
    G. M. Wing and J. D. Zahrt, "A Primer on Integral Equations of the First
    Kind", SIAM, Philadelphia, 1991, p. 17.
    """
    n = _check_n("gravity", n)
    example = _check_example("gravity", example, (1, 2, 3))
    d = _check_real("gravity", "depth", depth, positive=True)
    try:
        a_raw, b_raw = s_interval
    except (TypeError, ValueError):
        raise ValueError(f"gravity: s_interval must be a pair (a, b), got {s_interval!r}") from None
    a = _check_real("gravity", "s_interval[0]", a_raw)
    b_end = _check_real("gravity", "s_interval[1]", b_raw)
    if not a < b_end:
        raise ValueError(f"gravity: s_interval must satisfy a < b, got ({a}, {b_end})")
    noise = _check_noise("gravity", noise)

    t = _midpoints(0.0, 1.0, n)
    s = _midpoints(a, b_end, n)
    A = (d / n) / (d**2 + (s[:, None] - t[None, :]) ** 2) ** 1.5
    nt = math.floor(n / 3 + 0.5)
    nn = math.floor(7 * n / 8 + 0.5)
    j = np.arange(1, n + 1, dtype=np.float64)
    if example == 1:
        x = np.sin(np.pi * t) + 0.5 * np.sin(2.0 * np.pi * t)
    elif example == 2:
        x = np.ones(n)
        if nt > 0:
            x[:nt] = 2.0 / nt * j[:nt]
        if nn > nt:
            x[nt:nn] = ((2 * nn - nt) - j[nt:nn]) / (nn - nt)
        if n > nn:
            x[nn:] = (n - j[nn:]) / (n - nn)
    else:
        x = np.ones(n)
        x[:nt] = 2.0
    return _finish("gravity", A, A @ x, x, s, t, noise, random_state)


def _gauss_laguerre_log(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Nodes and natural logarithms of the weights of n-point Gauss-Laguerre.

    Nodes from the Jacobi matrix (Golub-Welsch), polished by one Newton step;
    weights from the Christoffel function ``w_j = 1 / sum_k L_k(t_j)^2``,
    evaluated with a rescaled three-term recurrence so that nothing overflows
    or underflows even where ``w_j`` is far below the floating-point range.
    """
    k = np.arange(n, dtype=np.float64)
    t = eigh_tridiagonal(2.0 * k + 1.0, -k[1:], eigvals_only=True)
    t = np.sort(t)

    def recurrence(x: NDArray[np.float64]):
        # returns L_{n-1}, L_n (common scale), sum_{k<n} L_k^2 and the log scale
        p_prev = np.zeros_like(x)
        p = np.ones_like(x)
        ssum = np.zeros_like(x)
        log_scale = np.zeros_like(x)
        for m in range(n):
            ssum += p * p
            p_prev, p = p, ((2 * m + 1 - x) * p - m * p_prev) / (m + 1)
            big = np.abs(p) > 1e100
            if big.any():
                f = np.where(big, 1e-100, 1.0)
                p_prev *= f
                p *= f
                ssum *= f * f
                log_scale += np.where(big, 100.0 * np.log(10.0), 0.0)
        return p_prev, p, ssum, log_scale

    p_nm1, p_n, _, _ = recurrence(t)
    # Newton step on L_n: L_n'(x) = n (L_n - L_{n-1}) / x
    t = t - p_n * t / (n * (p_n - p_nm1))
    _, _, ssum, log_scale = recurrence(t)
    log_w = -np.log(ssum) - 2.0 * log_scale
    return t, log_w


def i_laplace(
    n: int,
    example: int = 1,
    *,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> InverseProblem:
    r"""Inverse Laplace transformation.

    For :math:`s, t \in [0, \infty)`, :math:`K(s, t) = e^{-s t}`, with

    * ``example=1``: :math:`f(t) = e^{-t/2}`, :math:`g(s) = 1/(s + \tfrac12)`;
    * ``example=2``: :math:`f(t) = 1 - e^{-t/2}`,
      :math:`g(s) = 1/s - 1/(s + \tfrac12)`;
    * ``example=3``: :math:`f(t) = t^2 e^{-t/2}`, :math:`g(s) = 2/(s + \tfrac12)^3`;
    * ``example=4``: :math:`f(t) = 0` for :math:`t \le 2`, 1 otherwise,
      :math:`g(s) = e^{-2s}/s`.

    Discretization: :math:`n`-point Gauss-Laguerre quadrature with nodes
    :math:`t_j` and weights :math:`w_j` (for :math:`\int_0^\infty e^{-t}
    F(t)\,dt`), and collocation at :math:`s_i = 10 i / n`:

    .. math::

        a_{ij} = w_j\, e^{(1 - s_i) t_j}, \qquad x_j = f(t_j), \qquad
        b_i = g(s_i).

    Hansen forms :math:`a_{ij}` as :math:`\exp((1 - s_i)t_j + 2\log v_j)` with
    :math:`v_j` the first components of the Jacobi matrix's eigenvectors, which
    underflow for large :math:`n` (zero columns for :math:`n > 195`).  Here
    :math:`\log w_j` is computed from the Christoffel function by a rescaled
    recurrence instead, so no column vanishes; the matrices agree where
    Hansen's weights are accurate.

    Parameters
    ----------
    n : int
        Order of the system.
    example : {1, 2, 3, 4}, default=1
        Which solution / right-hand side pair to use.
    noise : float, default=0.0
        Relative noise level ``||e|| / ||b_exact||``.
    random_state : int, numpy Generator or RandomState, optional
        Seed or generator for the noise.

    Returns
    -------
    InverseProblem
        ``t`` holds the Gauss-Laguerre nodes, ``s`` the collocation points.

    Raises
    ------
    ValueError
        On a bad ``n``, ``example`` or ``noise``.

    References
    ----------
    J. M. Varah, "Pitfalls in the numerical solution of linear ill-posed
    problems", SIAM J. Sci. Stat. Comput. 4 (1983), 164-176.
    """
    n = _check_n("i_laplace", n)
    example = _check_example("i_laplace", example, (1, 2, 3, 4))
    noise = _check_noise("i_laplace", noise)
    s = 10.0 / n * np.arange(1, n + 1)
    t, log_w = _gauss_laguerre_log(n)
    A = np.exp(log_w[None, :] + (1.0 - s[:, None]) * t[None, :])
    if example == 1:
        b = 1.0 / (s + 0.5)
        x = np.exp(-t / 2.0)
    elif example == 2:
        b = 1.0 / s - 1.0 / (s + 0.5)
        x = -np.expm1(-t / 2.0)
    elif example == 3:
        b = 2.0 / (s + 0.5) ** 3
        x = t**2 * np.exp(-t / 2.0)
    else:
        b = np.exp(-2.0 * s) / s
        x = np.where(t <= 2.0, 0.0, 1.0)
    return _finish("i_laplace", A, b, x, s, t, noise, random_state)
