"""Tests for ridgekit.datasets.inverse (Hansen's Regularization Tools problems).

Every reference here is computed independently of the module: kernels, solutions
and right-hand sides are re-typed from the formulas in Hansen (1994) / the
Regularization Tools manual and integrated with scipy.integrate.quad / dblquad,
or evaluated by plain scalar loops.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import dblquad, quad
from scipy.special import roots_laguerre

from ridgekit.datasets.inverse import (
    InverseProblem,
    baart,
    deriv2,
    foxgood,
    gravity,
    heat,
    i_laplace,
    phillips,
    shaw,
    wing,
)

QUAD = {"epsabs": 1e-13, "epsrel": 1e-12, "limit": 200}

# ----------------------------------------------------------------- reference formulas


def k_shaw(s: float, t: float) -> float:
    u = math.pi * (math.sin(s) + math.sin(t))
    sinc = 1.0 if u == 0.0 else math.sin(u) / u
    return (math.cos(s) + math.cos(t)) ** 2 * sinc**2


def f_shaw(t: float) -> float:
    return 2.0 * math.exp(-6.0 * (t - 0.8) ** 2) + math.exp(-2.0 * (t + 0.5) ** 2)


def phi(x: float) -> float:
    return 1.0 + math.cos(math.pi * x / 3.0) if abs(x) < 3.0 else 0.0


def g_phillips(s: float) -> float:
    a = abs(s)
    return (6.0 - a) * (1.0 + 0.5 * math.cos(math.pi * s / 3.0)) + 9.0 / (2.0 * math.pi) * math.sin(
        math.pi * a / 3.0
    )


def k_deriv2(s: float, t: float) -> float:
    return s * (t - 1.0) if s < t else t * (s - 1.0)


DERIV2_F = {
    1: lambda t: t,
    2: math.exp,
    3: lambda t: t if t < 0.5 else 1.0 - t,
}
DERIV2_G = {
    1: lambda s: (s**3 - s) / 6.0,
    2: lambda s: math.exp(s) + (1.0 - math.e) * s - 1.0,
    3: lambda s: (
        (4 * s**3 - 3 * s) / 24.0 if s < 0.5 else (-4 * s**3 + 12 * s**2 - 9 * s + 1) / 24.0
    ),
}


def k_heat(tau: float, kappa: float) -> float:
    if tau <= 0.0:
        return 0.0
    return tau**-1.5 / (2.0 * kappa * math.sqrt(math.pi)) * math.exp(-1.0 / (4.0 * kappa**2 * tau))


def f_heat(t: float) -> float:
    tau = 20.0 * t
    if tau < 2.0:
        return 0.75 * tau**2 / 4.0
    if tau < 3.0:
        return 0.75 + (tau - 2.0) * (3.0 - tau)
    if tau <= 10.0:
        return 0.75 * math.exp(-2.0 * (tau - 3.0))
    return 0.0


def k_gravity(s: float, t: float, d: float = 0.25) -> float:
    return d / (d**2 + (s - t) ** 2) ** 1.5


def midpoints(lo: float, hi: float, n: int) -> np.ndarray:
    return np.array([lo + (hi - lo) * (i + 0.5) / n for i in range(n)])


ALL_PROBLEMS = {
    "shaw": shaw,
    "phillips": phillips,
    "deriv2": deriv2,
    "heat": heat,
    "baart": baart,
    "foxgood": foxgood,
    "gravity": gravity,
    "wing": wing,
    "i_laplace": i_laplace,
}


def rel_residual(p: InverseProblem) -> float:
    return float(np.linalg.norm(p.A @ p.x_true - p.b_exact) / np.linalg.norm(p.b_exact))


# ----------------------------------------------------------------- result object


@pytest.mark.parametrize("name", sorted(ALL_PROBLEMS))
def test_result_unpacks_and_has_shapes(name: str) -> None:
    p = ALL_PROBLEMS[name](16)
    A, b, x = p
    assert isinstance(p, InverseProblem) and p.name == name and len(p) == 3
    assert A is p.A and b is p.b and x is p.x_true
    assert A.shape == (16, 16) and b.shape == x.shape == p.s.shape == p.t.shape == (16,)
    assert all(v.dtype == np.float64 for v in (A, b, x, p.b_exact, p.s, p.t))
    assert np.array_equal(b, p.b_exact)  # noise=0 leaves b exact


@pytest.mark.parametrize("name", sorted(ALL_PROBLEMS))
def test_large_n_is_finite(name: str) -> None:
    p = ALL_PROBLEMS[name](1000)
    assert np.isfinite(p.A).all() and np.isfinite(p.b).all() and np.isfinite(p.x_true).all()
    # no column vanishes (Hansen's i_laplace has zero columns for n > 195; ours must not)
    assert np.all(np.abs(p.A).max(axis=0) > 0.0)


# ----------------------------------------------------------------- matrix entries


def test_shaw_entries_match_kernel_loop() -> None:
    n = 10
    p = shaw(n)
    h = math.pi / n
    t = midpoints(-math.pi / 2, math.pi / 2, n)
    ref = np.array([[h * k_shaw(t[i], t[j]) for j in range(n)] for i in range(n)])
    np.testing.assert_allclose(p.A, ref, rtol=1e-13, atol=0)
    # on the anti-diagonal s = -t, so u = 0 and K = (2 cos s)^2
    np.testing.assert_allclose(np.fliplr(p.A).diagonal(), h * (2 * np.cos(t)) ** 2, rtol=1e-13)
    np.testing.assert_allclose(p.x_true, [f_shaw(v) for v in t], rtol=1e-14)


def test_phillips_galerkin_entries_match_dblquad() -> None:
    n = 8
    h = 12.0 / n
    p = phillips(n)
    edges = -6.0 + h * np.arange(n + 1)
    for i, j in [(i, 0) for i in range(n)] + [(5, 3), (2, 6), (7, 7)]:
        val, _ = dblquad(
            lambda t, s: phi(s - t), edges[i], edges[i + 1], edges[j], edges[j + 1], epsabs=1e-12
        )
        assert p.A[i, j] == pytest.approx(val / h, abs=1e-10), (i, j)
    # projections of f and g onto the orthonormal box functions
    x_ref = [quad(phi, edges[j], edges[j + 1], **QUAD)[0] / math.sqrt(h) for j in range(n)]
    b_ref = [quad(g_phillips, edges[i], edges[i + 1], **QUAD)[0] / math.sqrt(h) for i in range(n)]
    np.testing.assert_allclose(p.x_true, x_ref, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(p.b_exact, b_ref, rtol=1e-12, atol=1e-13)


def _deriv2_cell(i: int, j: int, h: float) -> float:
    a, c = i * h, j * h
    if i != j:
        return dblquad(lambda t, s: k_deriv2(s, t), a, a + h, c, c + h, epsabs=1e-14)[0]
    # split the diagonal cell along the kink s = t
    lower = dblquad(lambda t, s: t * (s - 1.0), a, a + h, a, lambda s: s, epsabs=1e-14)[0]
    upper = dblquad(lambda t, s: s * (t - 1.0), a, a + h, lambda s: s, a + h, epsabs=1e-14)[0]
    return lower + upper


def test_deriv2_galerkin_entries_match_dblquad() -> None:
    n = 6
    h = 1.0 / n
    p = deriv2(n)
    ref = np.array([[_deriv2_cell(i, j, h) / h for j in range(n)] for i in range(n)])
    np.testing.assert_allclose(p.A, ref, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("example", [1, 2, 3])
def test_deriv2_projections_match_quad(example: int) -> None:
    n = 8
    h = 1.0 / n
    p = deriv2(n, example)
    f, g = DERIV2_F[example], DERIV2_G[example]
    cells = [(i * h, (i + 1) * h) for i in range(n)]
    x_ref = [quad(f, a, c, points=[0.5], **QUAD)[0] / math.sqrt(h) for a, c in cells]
    b_ref = [quad(g, a, c, points=[0.5], **QUAD)[0] / math.sqrt(h) for a, c in cells]
    np.testing.assert_allclose(p.x_true, x_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(p.b_exact, b_ref, rtol=1e-11, atol=1e-15)


def test_heat_entries_lower_triangular_toeplitz() -> None:
    n, kappa = 12, 1.3
    h = 1.0 / n
    p = heat(n, kappa)
    ref = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1):
            ref[i, j] = h * k_heat((i - j + 0.5) * h, kappa)
    np.testing.assert_allclose(p.A, ref, rtol=1e-13, atol=0)
    # x samples f at t_j = j h as in Hansen's heat.m
    np.testing.assert_allclose(p.x_true, [f_heat((j + 1) * h) for j in range(n)], rtol=1e-14)


def test_baart_entries_match_simpson_loop_and_dblquad() -> None:
    n = 6
    hs, ht = math.pi / (2 * n), math.pi / n
    p = baart(n)

    def s_integral(i: int, c: float) -> float:  # exact int over the i-th s cell of exp(s c)
        a, b = i * hs, (i + 1) * hs
        return hs if c == 0.0 else (math.exp(b * c) - math.exp(a * c)) / c

    ref = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            cs = [math.cos(j * ht), math.cos((j + 0.5) * ht), math.cos((j + 1) * ht)]
            cs = [0.0 if abs(c) < 1e-15 else c for c in cs]  # cos(pi/2)
            simpson = (
                ht / 6 * (s_integral(i, cs[0]) + 4 * s_integral(i, cs[1]) + s_integral(i, cs[2]))
            )
            ref[i, j] = simpson / math.sqrt(hs * ht)
    np.testing.assert_allclose(p.A, ref, rtol=1e-13)
    # Simpson in t is close to the exact double integral
    for i, j in [(0, 0), (2, 3), (5, 5)]:
        exact = dblquad(
            lambda t, s: math.exp(s * math.cos(t)), i * hs, (i + 1) * hs, j * ht, (j + 1) * ht
        )[0]
        assert p.A[i, j] == pytest.approx(exact / math.sqrt(hs * ht), rel=2e-4)
    x_ref = [quad(math.sin, j * ht, (j + 1) * ht)[0] / math.sqrt(ht) for j in range(n)]
    np.testing.assert_allclose(p.x_true, x_ref, rtol=1e-12)

    def g(s: float) -> float:
        return 2.0 if s == 0.0 else 2.0 * math.sinh(s) / s

    simpson = [
        hs / 6 * (g(i * hs) + 4 * g((i + 0.5) * hs) + g((i + 1) * hs)) / math.sqrt(hs)
        for i in range(n)
    ]
    np.testing.assert_allclose(p.b_exact, simpson, rtol=1e-14)
    # Simpson's error on a cell is h^5 g''''/2880: a few 1e-7 relative for n = 6
    b_ref = [quad(g, i * hs, (i + 1) * hs)[0] / math.sqrt(hs) for i in range(n)]
    np.testing.assert_allclose(p.b_exact, b_ref, rtol=2e-6)


def test_foxgood_wing_gravity_entries_match_kernel_loop() -> None:
    n = 9
    h = 1.0 / n
    t = midpoints(0.0, 1.0, n)
    fox = foxgood(n)
    ref = [[h * math.sqrt(t[i] ** 2 + t[j] ** 2) for j in range(n)] for i in range(n)]
    np.testing.assert_allclose(fox.A, ref, rtol=1e-14)
    np.testing.assert_allclose(fox.b, [((1 + v * v) ** 1.5 - v**3) / 3 for v in t], rtol=1e-14)

    w = wing(n, 0.2, 0.7)
    ref = [[h * t[j] * math.exp(-t[i] * t[j] ** 2) for j in range(n)] for i in range(n)]
    np.testing.assert_allclose(w.A, ref, rtol=1e-14)
    np.testing.assert_allclose(w.x_true, [math.sqrt(h) * (0.2 < v < 0.7) for v in t])

    a, b, d = -0.5, 1.5, 0.4
    g = gravity(n, depth=d, s_interval=(a, b))
    s = midpoints(a, b, n)
    ref = [[h * k_gravity(s[i], t[j], d) for j in range(n)] for i in range(n)]
    np.testing.assert_allclose(g.A, ref, rtol=1e-13)
    np.testing.assert_allclose(g.s, s, rtol=1e-14)


def test_i_laplace_matches_scipy_gauss_laguerre() -> None:
    n = 40
    p = i_laplace(n)
    t, w = roots_laguerre(n)
    s = 10.0 / n * np.arange(1, n + 1)
    np.testing.assert_allclose(p.t, t, rtol=1e-12)
    ref = w[None, :] * np.exp((1.0 - s[:, None]) * t[None, :])
    np.testing.assert_allclose(p.A, ref, rtol=1e-9, atol=0)
    np.testing.assert_allclose(p.b, 1.0 / (s + 0.5), rtol=1e-15)


def test_gravity_piecewise_examples_follow_hansen_indices() -> None:
    n = 12  # round(7n/8) = round(10.5) = 11 (half away from zero), round(n/3) = 4
    p2 = gravity(n, 2)
    j = np.arange(1, n + 1)
    ref = np.ones(n)
    ref[:4] = 2.0 / 4 * j[:4]
    ref[4:11] = ((2 * 11 - 4) - j[4:11]) / (11 - 4)
    ref[11:] = (n - j[11:]) / (n - 11)
    np.testing.assert_allclose(p2.x_true, ref, rtol=1e-15)
    p3 = gravity(n, 3)
    np.testing.assert_array_equal(p3.x_true, [2.0] * 4 + [1.0] * 8)


# ----------------------------------------------------------------- analytic g = K f


@pytest.mark.parametrize(
    ("kernel", "f", "g", "lo", "hi", "points", "s_values"),
    [
        (lambda s, t: phi(s - t), phi, g_phillips, -6.0, 6.0, None, [-5.1, -2.0, 0.0, 0.7, 4.4]),
        (k_deriv2, DERIV2_F[2], DERIV2_G[2], 0.0, 1.0, None, [0.1, 0.5, 0.93]),
        (k_deriv2, DERIV2_F[3], DERIV2_G[3], 0.0, 1.0, [0.5], [0.1, 0.5, 0.77]),
        (lambda s, t: math.exp(s * math.cos(t)), math.sin, None, 0.0, math.pi, None, [0.3, 1.5]),
        (
            lambda s, t: math.hypot(s, t),
            lambda t: t,
            lambda s: ((1 + s * s) ** 1.5 - s**3) / 3,
            0.0,
            1.0,
            None,
            [0.0, 0.4, 1.0],
        ),
        (
            lambda s, t: t * math.exp(-s * t * t),
            lambda t: 1.0 if 1 / 3 < t < 2 / 3 else 0.0,
            lambda s: (math.exp(-s / 9) - math.exp(-4 * s / 9)) / (2 * s),
            0.0,
            1.0,
            [1 / 3, 2 / 3],
            [0.05, 0.5, 1.0],
        ),
    ],
    ids=["phillips", "deriv2-ex2", "deriv2-ex3", "baart", "foxgood", "wing"],
)
def test_analytic_rhs_is_integral_of_kernel_times_solution(
    kernel, f, g, lo, hi, points, s_values
) -> None:
    if g is None:  # baart

        def g(s: float) -> float:
            return 2.0 * math.sinh(s) / s

    for s in s_values:
        pts = sorted({*(points or []), *([s] if lo < s < hi else [])})
        val = quad(lambda t, s=s: kernel(s, t) * f(t), lo, hi, points=pts or None, **QUAD)[0]
        assert val == pytest.approx(g(s), rel=1e-10, abs=1e-13)


@pytest.mark.parametrize("example", [1, 2, 3, 4])
def test_i_laplace_rhs_is_laplace_transform(example: int) -> None:
    fs = {
        1: lambda t: math.exp(-t / 2),
        2: lambda t: 1 - math.exp(-t / 2),
        3: lambda t: t * t * math.exp(-t / 2),
        4: lambda t: 0.0 if t <= 2 else 1.0,
    }
    p = i_laplace(20, example)
    for i in (0, 7, 19):
        s = p.s[i]
        val = quad(lambda t, s=s: math.exp(-s * t) * fs[example](t), 0, 2, **QUAD)[0]
        val += quad(lambda t, s=s: math.exp(-s * t) * fs[example](t), 2, np.inf, **QUAD)[0]
        assert p.b[i] == pytest.approx(val, rel=1e-9)


# ----------------------------------------------------------------- convergence of A x to b


def _rates(errors: list[float]) -> np.ndarray:
    e = np.asarray(errors)
    return e[:-1] / e[1:]


@pytest.mark.parametrize(
    "make",
    [
        phillips,
        lambda n: deriv2(n, 2),
        lambda n: deriv2(n, 3),
        baart,
        foxgood,
        lambda n: wing(n, 0.25, 0.75),  # jumps on cell edges for n divisible by 4
    ],
    ids=["phillips", "deriv2-ex2", "deriv2-ex3", "baart", "foxgood", "wing-aligned"],
)
def test_analytic_rhs_second_order_convergence(make) -> None:
    errors = [rel_residual(make(n)) for n in (16, 32, 64, 128)]
    assert errors[-1] < 1e-3
    # error ~ h^2: halving h divides it by 4
    np.testing.assert_allclose(_rates(errors), 4.0, rtol=0.05)


def test_wing_first_order_when_jumps_are_inside_cells() -> None:
    # t1 = 1/3, t2 = 2/3 never fall on an edge of a dyadic grid: midpoint rule on a jump is O(h)
    errors = [rel_residual(wing(n)) for n in (16, 32, 64, 128)]
    np.testing.assert_allclose(_rates(errors), 2.0, rtol=0.05)


def test_deriv2_example1_galerkin_is_exact() -> None:
    # for linear f the error g - K(Pf) has zero mean on every cell, so A x = b to rounding
    for n in (5, 16, 64):
        assert rel_residual(deriv2(n, 1)) < 1e-12


@pytest.mark.parametrize("example", [1, 2, 3])
def test_i_laplace_gauss_laguerre_converges_spectrally(example: int) -> None:
    errors = [rel_residual(i_laplace(n, example)) for n in (16, 32, 64)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-9


def test_shaw_b_converges_to_quadrature_of_kernel() -> None:
    errors = []
    for n in (16, 32, 64):
        p = shaw(n)
        g = np.array(
            [
                quad(lambda t, s=s: k_shaw(s, t) * f_shaw(t), -np.pi / 2, np.pi / 2, **QUAD)[0]
                for s in p.s
            ]
        )
        errors.append(np.max(np.abs(p.b - g)) / np.max(np.abs(g)))
    assert errors[-1] < 1e-5
    np.testing.assert_allclose(_rates(errors), 4.0, rtol=0.05)


def test_gravity_b_converges_to_quadrature_of_kernel() -> None:
    def f(t: float) -> float:
        return math.sin(math.pi * t) + 0.5 * math.sin(2 * math.pi * t)

    errors = []
    for n in (24, 48, 96):
        p = gravity(n)
        g = np.array([quad(lambda t, s=s: k_gravity(s, t) * f(t), 0, 1, **QUAD)[0] for s in p.s])
        errors.append(np.max(np.abs(p.b - g)) / np.max(np.abs(g)))
    assert errors[-1] < 1e-4
    np.testing.assert_allclose(_rates(errors), 4.0, rtol=0.05)


def test_heat_b_approximates_g_half_a_cell_later() -> None:
    # Hansen samples f at t_j = j h while the midpoint rule uses (j - 1/2) h; the two shifts
    # cancel into second-order collocation at s = (i + 1/2) h, but only first order at i h
    kappa = 1.0
    shifted, unshifted = [], []
    for n in (32, 64, 128):
        p = heat(n, kappa)
        h = 1.0 / n
        rows = np.arange(n // 16 - 1, n, n // 16)

        def g(s: float) -> float:
            pts = [v for v in (0.1, 0.15, 0.5) if v < s]
            return quad(lambda t: k_heat(s - t, kappa) * f_heat(t), 0, s, points=pts, **QUAD)[0]

        scale = np.max(np.abs(p.b))
        shifted.append(max(abs(p.b[i] - g((i + 1.5) * h)) for i in rows) / scale)
        unshifted.append(max(abs(p.b[i] - g((i + 1) * h)) for i in rows) / scale)
    assert shifted[0] / shifted[-1] > 12  # at least ~h^2 over two halvings (h^1 gives 4)
    assert shifted[-1] < 1e-3
    assert unshifted[-1] > 10 * shifted[-1]


# ----------------------------------------------------------------- structure


def test_symmetric_kernels_give_symmetric_matrices() -> None:
    for p in (shaw(32), phillips(32), deriv2(31), gravity(33), foxgood(30)):
        np.testing.assert_array_equal(p.A, p.A.T, err_msg=p.name)
    # asymmetric measurement interval breaks the symmetry of gravity
    assert not np.allclose(gravity(32, s_interval=(0.0, 2.0)).A, gravity(32, s_interval=(0, 2)).A.T)


def test_toeplitz_and_persymmetric_structure() -> None:
    for p in (phillips(32), gravity(32), heat(32)):
        A = p.A
        for k in range(-31, 32):
            d = np.diagonal(A, k)
            np.testing.assert_allclose(d, d[0], rtol=1e-13, err_msg=f"{p.name} diagonal {k}")
    A = shaw(32).A
    np.testing.assert_allclose(A[::-1, ::-1].T, A, rtol=1e-12)
    assert np.array_equal(heat(16).A, np.tril(heat(16).A))
    # phillips: the kernel has support |s - t| < 3 = (n/4) h
    assert np.all(phillips(32).A[np.abs(np.subtract.outer(range(32), range(32))) > 8] == 0)


def test_deriv2_negative_definite() -> None:
    # K is the Green's function of d^2/ds^2 with Dirichlet conditions: a negative operator
    assert np.linalg.eigvalsh(deriv2(40).A).max() < 0


# ----------------------------------------------------------------- singular values


def _sv(p: InverseProblem) -> np.ndarray:
    s = np.linalg.svd(p.A, compute_uv=False)
    return s / s[0]


@pytest.mark.parametrize(
    ("make", "k_max"),
    [(shaw, 20), (baart, 12), (i_laplace, 22), (foxgood, 20), (wing, 10), (gravity, 40)],
    ids=["shaw", "baart", "i_laplace", "foxgood", "wing", "gravity"],
)
def test_severely_ill_posed_singular_values_decay_exponentially(make, k_max: int) -> None:
    r = _sv(make(64))
    assert r[k_max - 1] < 1e-10
    assert r[1] > 1e-3  # but not trivially rank one


def test_gravity_decay_faster_with_depth() -> None:
    ratios = [_sv(gravity(64, depth=d))[19] for d in (0.1, 0.25, 0.5)]
    assert ratios[0] > 100 * ratios[1] > 1e4 * ratios[2]
    r = _sv(gravity(64, depth=0.5))
    assert r[19] < 1e-9  # within the first 20 for d = 0.5
    # geometric decay: log sigma_k is close to linear in k
    q = r[1:25] / r[:24]
    assert q.max() / q.min() < 2.5


def test_deriv2_singular_values_decay_like_inverse_k_squared() -> None:
    s = np.linalg.svd(deriv2(64).A, compute_uv=False)
    k = np.arange(1, 65)
    # continuous operator: eigenvalues -1/(k pi)^2
    np.testing.assert_allclose(s[:10] * (k[:10] * np.pi) ** 2, 1.0, rtol=0.03)
    ratio = (s[0] / s) / k**2
    assert ratio.min() > 0.9 and ratio.max() < 1.6


def test_heat_kappa_controls_conditioning() -> None:
    c1 = np.linalg.cond(heat(64, 1.0).A)
    c5 = np.linalg.cond(heat(64, 5.0).A)
    assert c5 < 100 and c1 > 1e10


def test_phillips_is_mildly_ill_posed() -> None:
    r = _sv(phillips(64))
    assert 1e-8 < r[-1] < 1e-3


# ----------------------------------------------------------------- noise


@pytest.mark.parametrize("name", sorted(ALL_PROBLEMS))
@pytest.mark.parametrize("level", [1e-3, 0.05])
def test_noise_level_exact_and_reproducible(name: str, level: float) -> None:
    make = ALL_PROBLEMS[name]
    p = make(32, noise=level, random_state=7)
    clean = make(32)
    np.testing.assert_array_equal(p.A, clean.A)
    np.testing.assert_array_equal(p.x_true, clean.x_true)
    np.testing.assert_array_equal(p.b_exact, clean.b)
    e = p.b - p.b_exact
    assert np.linalg.norm(e) / np.linalg.norm(p.b_exact) == pytest.approx(level, rel=1e-12)
    np.testing.assert_array_equal(make(32, noise=level, random_state=7).b, p.b)
    assert not np.array_equal(make(32, noise=level, random_state=8).b, p.b)


def test_noise_accepts_generators() -> None:
    a = shaw(16, noise=0.01, random_state=np.random.default_rng(3)).b
    b = shaw(16, noise=0.01, random_state=3).b
    np.testing.assert_array_equal(a, b)
    c = shaw(16, noise=0.01, random_state=np.random.RandomState(3)).b
    assert np.linalg.norm(c - shaw(16).b) / np.linalg.norm(shaw(16).b) == pytest.approx(0.01)
    # the noise is Gaussian-like: roughly symmetric, not constant
    e = shaw(2000, noise=0.1, random_state=0)
    r = e.b - e.b_exact
    assert abs(np.mean(r)) < 4 * np.std(r) / np.sqrt(r.size)


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", sorted(ALL_PROBLEMS))
@pytest.mark.parametrize("n", [0, -4])
def test_nonpositive_n_raises(name: str, n: int) -> None:
    with pytest.raises(ValueError, match=name):
        ALL_PROBLEMS[name](n)


@pytest.mark.parametrize("name", sorted(ALL_PROBLEMS))
@pytest.mark.parametrize("n", [8.0, True, "8", None])
def test_non_integer_n_raises(name: str, n) -> None:
    with pytest.raises(TypeError, match=name):
        ALL_PROBLEMS[name](n)


@pytest.mark.parametrize("name", sorted(ALL_PROBLEMS))
@pytest.mark.parametrize("noise", [-0.1, float("nan"), float("inf")])
def test_bad_noise_raises(name: str, noise: float) -> None:
    with pytest.raises(ValueError, match=f"{name}.*noise"):
        ALL_PROBLEMS[name](8, noise=noise)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: shaw(7), "shaw: n must be even"),
        (lambda: baart(9), "baart: n must be even"),
        (lambda: heat(11), "heat: n must be even"),
        (lambda: phillips(10), "phillips: n must be a multiple of 4"),
        (lambda: deriv2(7, 3), "deriv2: n must be even"),
        (lambda: deriv2(8, 4), "deriv2: example"),
        (lambda: gravity(8, 0), "gravity: example"),
        (lambda: i_laplace(8, 5), "i_laplace: example"),
        (lambda: heat(8, 0.0), "heat: kappa must be positive"),
        (lambda: heat(8, -1.0), "heat: kappa"),
        (lambda: gravity(8, depth=0.0), "gravity: depth must be positive"),
        (lambda: gravity(8, s_interval=(1.0, 0.0)), "gravity: s_interval"),
        (lambda: gravity(8, s_interval=(0.0, np.inf)), "gravity: s_interval"),
        (lambda: gravity(8, s_interval=1.0), "gravity: s_interval"),
        (lambda: wing(8, 0.6, 0.3), "wing: t1 must be smaller than t2"),
        (lambda: wing(8, 0.5, 0.5), "wing: t1 must be smaller than t2"),
    ],
)
def test_problem_specific_bad_input_raises(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_odd_n_accepted_where_hansen_allows_it() -> None:
    for p in (deriv2(7), deriv2(7, 2), foxgood(7), gravity(7, 2), wing(7), i_laplace(7)):
        assert p.A.shape == (7, 7)
    assert np.array_equal(deriv2(np.int64(8)).A, deriv2(8).A)
