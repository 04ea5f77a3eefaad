"""The batched ALO path's step in the span of the model's Newton direction and the last
steps (``alo._subspace_step``) and the kernels that feed it, against dense float64
references: the weighted Gram sums against direct sums, the step against Newton's step
in that span from the dense Hessian (least squares where the directions are degenerate)
and the optimality conditions of the second-order model there, and its descent against
the objective evaluated directly, undamped and damped."""

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


def _plane(U, D, G, H, lam, nu, V):
    """What _subspace_step is given (the D-weighted Gram of U V and the max-norms) and
    the dense references: the subspace Newton step (least squares where V is degenerate)
    and its move bound M."""
    E = np.column_stack([U @ v for v in V])
    W = (E.T @ (D[:, None] * E))[:, :, None]
    mx = np.abs(E).max(axis=0)[:, None]
    P = np.column_stack(V)
    scale = 1.0 / np.linalg.norm(P, axis=0)  # least squares on unit columns
    coef = scale * np.linalg.lstsq((P * scale).T @ H @ (P * scale), -(P * scale).T @ G,
                                   rcond=1e-10)[0]
    return W, mx, P @ coef, float(np.abs(coef) @ mx[:, 0])


def _step(V, G, W, mx, lam, nu):
    x = _subspace_step([v[:, None] for v in V], G[:, None], W, mx, np.array([lam]), nu)
    assert x.shape == (len(V), 1)
    return sum(c[0] * v for c, v in zip(x, V, strict=True)), x[:, 0]


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("offset", [0.3, 30.0])
def test_subspace_step_is_newton_in_the_subspace_and_descends(rng, offset, k):
    U, nu, y, w, c, lam, D, G, H, z, b = _setup(rng, offset)
    V = [z, b, rng.normal(size=z.size) * np.linalg.norm(z)][:k]
    W, mx, newton, M = _plane(U, D, G, H, lam, nu, V)
    s, x = _step(V, G, W, mx, lam, nu)
    if offset < 1.0:
        assert M <= 1.0  # a short step is the subspace's Newton step itself
        np.testing.assert_allclose(s, newton, rtol=1e-8, atol=1e-12)
        P = np.column_stack(V)  # the model's gradient vanishes in the subspace
        np.testing.assert_allclose(P.T @ (G + H @ s), 0.0, atol=1e-9 * np.abs(G).sum())
    else:  # a long one is damped by log(1 + M)/M
        assert M > 1.0
        np.testing.assert_allclose(s, newton * np.log1p(M) / M, rtol=1e-8)
    f0, f1 = _objective(U, c, y, w, lam, nu), _objective(U, c + s, y, w, lam, nu)
    assert f1 < f0 - 0.05 * abs(float(G @ s))  # descends by a fixed fraction of |g^T s|


def test_subspace_step_drops_directions_the_others_span(rng):
    U, nu, y, w, c, lam, D, G, H, z, b = _setup(rng, 0.3)
    for V in ([z, 2.0 * z], [z, b, 3.0 * b - z], [z, 1e-6 * b, 1e-9 * (b + z)]):
        W, mx, newton, M = _plane(U, D, G, H, lam, nu, V)
        s, _ = _step(V, G, W, mx, lam, nu)
        assert M <= 1.0
        # the same step as Newton's in the space V spans, whatever the scale of each
        np.testing.assert_allclose(s, newton, rtol=1e-6, atol=1e-9 * np.abs(newton).max())


@pytest.mark.parametrize("k", [1, 2])
def test_direction_with_earlier_steps_gives_their_weighted_gram(rng, k):
    n, d, m = 2 * kern._CHUNK + 77, 7, 4
    U = rng.normal(size=(n, d)).astype(np.float32)
    P = rng.normal(size=(d, m)).astype(np.float32)
    D = rng.uniform(0.0, 0.25, (n, 6)).astype(np.float32)
    hist = [rng.normal(size=(n, m + 2)).astype(np.float32)[:, 1:1 + m] for _ in range(k)]
    cols = np.array([5, 0, 2, 2])
    rows = kern.RowSplit(n, 2)
    try:
        dE, W, mx = kern.direction(U, P, D, cols, rows, hist)
    finally:
        rows.close()
    A = U.astype(np.float64) @ P.astype(np.float64)
    V = [A] + [h.astype(np.float64) for h in hist]
    Dc = D[:, cols].astype(np.float64)
    np.testing.assert_allclose(dE, A, rtol=1e-5, atol=1e-5)
    assert W.shape == (k + 1, k + 1, m) and mx.shape == (k + 1, m)
    for a in range(k + 1):
        np.testing.assert_allclose(mx[a], np.abs(V[a]).max(axis=0), rtol=1e-5)
        for b in range(k + 1):
            ref = (Dc * V[a] * V[b]).sum(axis=0)
            scale = (Dc * np.abs(V[a] * V[b])).sum(axis=0).max()
            np.testing.assert_allclose(W[a, b], ref, rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize("k", [1, 2])
def test_advance_state_with_earlier_steps_moves_in_their_span(rng, k):
    n, m, d = 3 * kern._CHUNK + 123, 5, 7
    E = rng.normal(size=(n, m)).astype(np.float32) * 3.0
    E0 = E.astype(np.float64)
    dE = rng.normal(size=(n, m)).astype(np.float32)
    hist = [rng.normal(size=(n, m)).astype(np.float32) for _ in range(k)]
    t = rng.uniform(0.1, 2.0, m).astype(np.float32)
    beta = rng.uniform(-1.0, 1.0, (k, m)).astype(np.float32)
    w, q, iqa = (rng.uniform(0.5, 2.0, n).astype(np.float32) for _ in range(3))
    y = (rng.uniform(size=n) < 0.4).astype(np.float32)
    basis = rng.normal(size=(n, d)).astype(np.float32)
    step = dE.astype(np.float64) * t + sum(h.astype(np.float64) * bk
                                           for h, bk in zip(hist, beta, strict=True))
    e = E0 + step
    p = expit(e)
    D = w[:, None] * p * (1.0 - p)
    R = w[:, None] * (p - y[:, None])
    rows = kern.RowSplit(n, 2)
    try:
        G, Dk, a, b = kern.advance_state(E, dE, t, w, y, q, iqa, basis, rows, hist, beta)
    finally:
        rows.close()
    np.testing.assert_allclose(E, e, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(dE, step, rtol=1e-5, atol=1e-5)  # the step taken, kept
    np.testing.assert_allclose(G, basis.astype(np.float64).T @ R, rtol=1e-4,
                               atol=1e-5 * np.abs(basis).sum(axis=0).max())
    np.testing.assert_allclose(Dk, D, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(a, q @ D, rtol=1e-5)
    np.testing.assert_allclose(b, iqa @ (D * D), rtol=1e-5)
