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
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import eigh_tridiagonal, toeplitz
from scipy.special import exprel

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

RandomStateLike = int | np.integer | np.random.Generator | np.random.RandomState | None


@dataclass(frozen=True, eq=False)
class InverseProblem:
    """A discretized test problem ``A x = b``.

    Iterating over the object yields ``(A, b, x_true)``, so it unpacks like
    Hansen's ``[A, b, x] = problem(n)``.

    Attributes
    ----------
    A : ndarray of shape (n, n)
        The coefficient matrix.
    b : ndarray of shape (n,)
        The right-hand side, ``b_exact`` plus noise when ``noise > 0``.
    x_true : ndarray of shape (n,)
        The discretized exact solution.
    b_exact : ndarray of shape (n,)
        The noise-free right-hand side.
    s : ndarray of shape (n,)
        The points associated with the rows: collocation points, or the
        midpoints of the cells of the box functions in Galerkin problems.
    t : ndarray of shape (n,)
        The points associated with the columns: quadrature nodes, cell
        midpoints in Galerkin problems, or where ``x_true`` samples ``f``.
    name : str
        The name of the test problem.
    """

    A: NDArray[np.float64]
    b: NDArray[np.float64]
    x_true: NDArray[np.float64]
    b_exact: NDArray[np.float64]
    s: NDArray[np.float64]
    t: NDArray[np.float64]
    name: str

    def __iter__(self) -> Iterator[NDArray[np.float64]]:
        return iter((self.A, self.b, self.x_true))

    def __len__(self) -> int:
        return 3


# --------------------------------------------------------------------------- helpers


def _check_n(name: str, n: object, multiple: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name}: n must be a positive integer, got {n!r}")
    n = int(n)
    if n < 1:
        raise ValueError(f"{name}: n must be a positive integer, got {n}")
    if n % multiple != 0:
        what = "even" if multiple == 2 else f"a multiple of {multiple}"
        raise ValueError(f"{name}: n must be {what}, got {n}")
    return n


def _check_real(name: str, label: str, value: object, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: {label} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name}: {label} must be finite, got {v}")
    if positive and v <= 0.0:
        raise ValueError(f"{name}: {label} must be positive, got {v}")
    return v


def _check_example(name: str, example: object, allowed: tuple[int, ...]) -> int:
    if isinstance(example, bool) or not isinstance(example, numbers.Integral):
        raise TypeError(f"{name}: example must be one of {allowed}, got {example!r}")
    if int(example) not in allowed:
        raise ValueError(f"{name}: example must be one of {allowed}, got {example}")
    return int(example)


def _check_noise(name: str, noise: object) -> float:
    v = _check_real(name, "noise", noise)
    if v < 0.0:
        raise ValueError(f"{name}: noise must be >= 0, got {v}")
    return v


def _finish(
    name: str,
    A: NDArray[np.float64],
    b_exact: NDArray[np.float64],
    x_true: NDArray[np.float64],
    s: NDArray[np.float64],
    t: NDArray[np.float64],
    noise: float,
    random_state: RandomStateLike,
) -> InverseProblem:
    """Add noise with ``||e|| = noise * ||b_exact||`` and pack the result."""
    b_exact = np.ascontiguousarray(b_exact, dtype=np.float64)
    b = b_exact.copy()
    if noise > 0.0:
        if isinstance(random_state, np.random.RandomState):
            e = random_state.standard_normal(b.shape[0])
        else:
            e = np.random.default_rng(random_state).standard_normal(b.shape[0])
        b += e * (noise * np.linalg.norm(b_exact) / np.linalg.norm(e))
    return InverseProblem(
        A=np.ascontiguousarray(A, dtype=np.float64),
        b=b,
        x_true=np.ascontiguousarray(x_true, dtype=np.float64),
        b_exact=b_exact,
        s=np.ascontiguousarray(s, dtype=np.float64),
        t=np.ascontiguousarray(t, dtype=np.float64),
        name=name,
    )


def _midpoints(lo: float, hi: float, n: int) -> NDArray[np.float64]:
    return lo + (hi - lo) / n * (np.arange(n) + 0.5)


# --------------------------------------------------------------------------- problems


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
