"""The batched ALO path's step in the plane of the model's Newton direction and the last
step (``alo._subspace_step``) and the kernels that feed it, against dense float64
references: the curvature sums against direct sums, the step against the optimality
conditions of the second-order model in that plane (with the dense Hessian), and its
descent against the objective evaluated directly, undamped and damped."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, log_expit

from ridgekit.glm import _alo_kernels as kern
from ridgekit.glm.alo import _subspace_step


def _objective(U, c, y, w, lam, nu):
    eta = U @ c
    return float(w @ -log_expit(np.where(y > 0.5, eta, -eta))) + 0.5 * lam * float(
        nu @ c**2)


def _setup(rng, offset, n=3000, d=6):
    """A logistic problem in a basis U, a point at ``offset`` from its minimizer, the
    gradient and dense Hessian there, an inexact Newton direction z and a last step b."""
    U = rng.normal(size=(n, d)) * 0.3
    nu = rng.uniform(0.2, 1.0, d)
    y = (rng.uniform(size=n) < expit(U @ rng.normal(size=d))).astype(float)
    w = rng.uniform(0.5, 2.0, n)
    lam = 3.0

    def grad_hess(c):
        p = expit(U @ c)
        D = w * p * (1 - p)
        return (U.T @ (w * (p - y)) + lam * nu * c,
                U.T @ (D[:, None] * U) + lam * np.diag(nu), D)

    c = np.zeros(d)
    for _ in range(30):  # Newton to the minimizer
        G, H, _ = grad_hess(c)
        c = c - np.linalg.solve(H, G)
    c = c + offset * rng.normal(size=d) / np.sqrt(d)
    G, H, D = grad_hess(c)
    z = -np.linalg.solve(H * (1 + 0.3 * rng.uniform(size=(d, d))), G)
    b = rng.normal(size=d) * np.linalg.norm(z)
    return U, nu, y, w, c, lam, D, G, H, z, b


def _sums(U, D, z, b):
    a, e = U @ z, U @ b
    return (D @ a**2, np.abs(a).max(), D @ (a * e), D @ e**2, np.abs(e).max())


@pytest.mark.parametrize("offset", [0.3, 30.0])
def test_plane_step_is_newton_in_the_plane_and_descends(rng, offset):
    U, nu, y, w, c, lam, D, G, H, z, b = _setup(rng, offset)
    curv = _sums(U, D, z, b)
    t, beta = _subspace_step(z[:, None], b[:, None], G[:, None], np.array([-z @ G]),
                             *(np.array([v]) for v in curv), np.array([lam]), nu)
    s = t[0] * z + beta[0] * b
    P = np.column_stack([z, b])
    newton = np.linalg.solve(P.T @ H @ P, -P.T @ G)  # dense Hessian, in the plane
    M = abs(newton[0]) * curv[1] + abs(newton[1]) * curv[4]
    if offset < 1.0:
        assert M <= 1.0  # a short step is the plane's Newton step itself
        np.testing.assert_allclose([t[0], beta[0]], newton, rtol=1e-9)
        np.testing.assert_allclose(P.T @ (G + H @ s), 0.0, atol=1e-9 * np.abs(G).sum())
    else:  # a long one is damped by log(1 + M)/M
        assert M > 1.0
        np.testing.assert_allclose([t[0], beta[0]], newton * np.log1p(M) / M, rtol=1e-9)
    f0, f1 = _objective(U, c, y, w, lam, nu), _objective(U, c + s, y, w, lam, nu)
    assert f1 < f0 - 0.05 * abs(float(G @ s))  # descends by a fixed fraction of |g^T s|


def test_plane_step_falls_back_to_the_direction_when_the_plane_is_degenerate(rng):
    U, nu, y, w, c, lam, D, G, H, z, b = _setup(rng, 0.3)
    b = 2.0 * z  # no plane
    curv = _sums(U, D, z, b)
    t, beta = _subspace_step(z[:, None], b[:, None], G[:, None], np.array([-z @ G]),
                             *(np.array([v]) for v in curv), np.array([lam]), nu)
    assert beta[0] == 0.0
    assert abs(t[0]) * curv[1] <= 1.0  # undamped
    np.testing.assert_allclose(t[0], -(z @ G) / (z @ H @ z), rtol=1e-10)


def test_direction_with_the_last_step_gives_the_plane_sums(rng):
    n, d, m = 2 * kern._CHUNK + 77, 7, 4
    U = rng.normal(size=(n, d)).astype(np.float32)
    P = rng.normal(size=(d, m)).astype(np.float32)
    D = rng.uniform(0.0, 0.25, (n, 6)).astype(np.float32)
    B = rng.normal(size=(n, m + 2)).astype(np.float32)[:, 1:1 + m]  # a strided view
    cols = np.array([5, 0, 2, 2])
    rows = kern.RowSplit(n, 2)
    try:
        dE, kap, mx, kab, kbb, mxb = kern.direction(U, P, D, cols, rows, B)
    finally:
        rows.close()
    A = U.astype(np.float64) @ P.astype(np.float64)
    Dc, Bd = D[:, cols].astype(np.float64), B.astype(np.float64)
    np.testing.assert_allclose(dE, A, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(kap, (Dc * A * A).sum(axis=0), rtol=1e-5)
    np.testing.assert_allclose(mx, np.abs(A).max(axis=0), rtol=1e-5)
    np.testing.assert_allclose(kab, (Dc * A * Bd).sum(axis=0), rtol=1e-4,
                               atol=1e-5 * (Dc * np.abs(A * Bd)).sum(axis=0).max())
    np.testing.assert_allclose(kbb, (Dc * Bd * Bd).sum(axis=0), rtol=1e-5)
    np.testing.assert_allclose(mxb, np.abs(Bd).max(axis=0), rtol=1e-6)


def test_advance_state_with_the_last_step_moves_along_the_plane(rng):
    n, m, d = 3 * kern._CHUNK + 123, 5, 7
    E = rng.normal(size=(n, m)).astype(np.float32) * 3.0
    E0 = E.astype(np.float64)
    dE = rng.normal(size=(n, m)).astype(np.float32)
    B = rng.normal(size=(n, m)).astype(np.float32)
    t = rng.uniform(0.1, 2.0, m).astype(np.float32)
    beta = rng.uniform(-1.0, 1.0, m).astype(np.float32)
    w, q, iqa = (rng.uniform(0.5, 2.0, n).astype(np.float32) for _ in range(3))
    y = (rng.uniform(size=n) < 0.4).astype(np.float32)
    basis = rng.normal(size=(n, d)).astype(np.float32)
    step = dE.astype(np.float64) * t + B.astype(np.float64) * beta
    e = E0 + step
    p = expit(e)
    D = w[:, None] * p * (1.0 - p)
    R = w[:, None] * (p - y[:, None])
    rows = kern.RowSplit(n, 2)
    try:
        G, Dk, a, b = kern.advance_state(E, dE, t, w, y, q, iqa, basis, rows, B, beta)
    finally:
        rows.close()
    np.testing.assert_allclose(E, e, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(dE, step, rtol=1e-5, atol=1e-6)  # the step taken, kept
    np.testing.assert_allclose(G, basis.astype(np.float64).T @ R, rtol=1e-4,
                               atol=1e-5 * np.abs(basis).sum(axis=0).max())
    np.testing.assert_allclose(Dk, D, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(a, q @ D, rtol=1e-5)
    np.testing.assert_allclose(b, iqa @ (D * D), rtol=1e-5)
