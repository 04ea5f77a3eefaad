"""The unsearched binomial Newton step: its curvature against a dense δᵀHδ, the
self-concordance bound it relies on checked by evaluating F directly, and Newton from a
wrong starting Hessian (the search must then still run) against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, log_expit
from sklearn.linear_model import LogisticRegression

from ridgekit.glm._newton import SAFE_CURVATURE, _curvature
from ridgekit.linear_model import LogisticRidge
from ridgekit.linear_model._logistic import build_problem


def _objective(A, y, theta, alpha, pen):
    eta = A @ theta
    return float(-log_expit(np.where(y > 0.5, eta, -eta)).sum()) + 0.5 * alpha * float(
        pen @ theta**2)


def test_curvature_is_the_dense_quadratic_form(rng):
    n, d = 200, 6
    A = rng.normal(size=(n, d))
    D = rng.uniform(0.0, 0.25, n)
    step = rng.normal(size=(d, 1))
    pen = np.r_[0.0, np.ones(d - 1)]
    H = A.T @ (D[:, None] * A) + 0.7 * np.diag(pen)
    assert _curvature(D, A @ step, step, 0.7, pen) == pytest.approx(
        float(step[:, 0] @ H @ step[:, 0]), rel=1e-12)


def test_a_step_that_passes_the_test_lowers_f_as_claimed(rng):
    n, d, alpha = 400, 5, 2.0
    A = np.column_stack([np.ones(n), rng.normal(size=(n, d - 1))])
    y = (rng.uniform(size=n) < expit(A @ rng.normal(size=d))).astype(float)
    pen = np.r_[0.0, np.ones(d - 1)]
    passed = 0
    for _ in range(300):
        theta = rng.normal(size=d) * 0.5
        p = expit(A @ theta)
        g = A.T @ (p - y) + alpha * pen * theta
        H = A.T @ ((p * (1 - p))[:, None] * A) + alpha * np.diag(pen)
        # Newton steps scaled and perturbed (as from an inexact or lazy Hessian)
        step = -np.linalg.solve(H, g) * rng.uniform(0.2, 1.6) * 0.1 \
            + rng.normal(size=d) * rng.uniform(0.0, 0.01)
        estep = (A @ step)[:, None]
        slope = float(g @ step)
        if slope >= 0 or np.abs(estep).max() > 1.0:
            continue
        kappa = _curvature(p * (1 - p), estep, step[:, None], alpha, pen)
        if kappa > SAFE_CURVATURE * -slope:
            continue
        passed += 1
        drop = _objective(A, y, theta, alpha, pen) - _objective(A, y, theta + step, alpha, pen)
        assert drop >= (1.0 - SAFE_CURVATURE * (np.e - 2.0)) * -slope * (1 - 1e-9)
    assert passed > 50  # the test above ran on many steps


def test_newton_from_a_wrong_hessian_still_searches_and_converges(rng):
    n, p = 500, 8
    X = rng.normal(size=(n, p))
    y = (rng.uniform(size=n) < expit(X @ rng.normal(size=p))).astype(int)
    problem = build_problem(LogisticRidge(), X, y)[0]
    theta0 = problem.null_theta()
    d = p + 1
    # a Hessian 20x too small: the first step overshoots and must be searched
    wrong = 0.05 * problem.hessian(problem.solve(1.0, theta0))
    res = problem.solve(1.0, theta0, hessian0=wrong)
    ref = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000,
                             solver="newton-cholesky").fit(X, y)
    assert res.converged and res.grad_norm <= 1e-8
    np.testing.assert_allclose(res.theta[1:, 0], ref.coef_[0], rtol=1e-6)
    assert res.theta.shape == (d, 1)


def test_a_step_from_too_small_a_hessian_near_the_optimum_is_searched(rng, monkeypatch):
    """Near the optimum a step from half the Hessian moves η little (|Δη| < 1) but is
    twice Newton's: its measured curvature is about 2|gᵀδ| > 1.3|gᵀδ|, so the
    self-concordance shortcut must not take it whole (on a quadratic it would land at
    the mirror point, F unchanged); the line search runs and halves it."""
    import ridgekit.glm._newton as newton_module

    n, p = 2000, 6
    X = rng.normal(size=(n, p))
    y = (rng.uniform(size=n) < expit(X @ rng.normal(size=p) * 0.3)).astype(int)
    problem = build_problem(LogisticRidge(), X, y)[0]
    exact = problem.solve(1.0, problem.null_theta())
    H = problem.hessian(exact)
    theta0 = exact.theta + 1e-3 * rng.normal(size=exact.theta.shape)
    calls = []
    real = newton_module._objective

    def counted(family, eta, Y, w, theta, alpha, pen):
        out = real(family, eta, Y, w, theta, alpha, pen)
        calls.append((theta.copy(), out[1]))
        return out

    monkeypatch.setattr(newton_module, "_objective", counted)
    res = problem.solve(1.0, theta0, hessian0=0.5 * H)
    A = np.column_stack([np.ones(n), X])
    f0 = _objective(A, y.astype(float), theta0[:, 0], 1.0, problem.pen)
    trial = [f for theta, f in calls if not np.allclose(theta, theta0)]
    assert trial, "the doubled step was taken without a search"
    # the first trial is the doubled step itself, about as high as the start
    assert trial[0] >= f0 - 0.1 * (f0 - _objective(A, y.astype(float), exact.theta[:, 0],
                                                   1.0, problem.pen))
    assert res.converged and res.grad_norm <= 1e-8
    np.testing.assert_allclose(res.theta, exact.theta, rtol=1e-7, atol=1e-9)


def test_state_from_the_pass_and_a_known_start_change_nothing(rng, monkeypatch):
    """The fused passes keep each block's weights: the result's state is the family's
    at the result's η, computed directly. A start with its state and loss (a warm start,
    or the refinement's float32 pass) skips recomputing them and reaches the same
    solution, whose gradient is checked directly; a state given without the gradient is
    not trusted."""
    import ridgekit.glm._newton as newton_module
    from ridgekit.glm._newton import Start, newton

    n, p, alpha = 3000, 7, 2.0
    X = rng.normal(size=(n, p))
    y = (rng.uniform(size=n) < expit(X @ rng.normal(size=p))).astype(int)
    problem = build_problem(LogisticRidge(), X, y)[0]
    args = (problem.design, problem.family, problem.Y, problem.w, alpha, problem.pen)
    cold = newton(*args, problem.null_theta(), tol=1e-10)
    p_hat = expit(cold.eta[:, 0])
    np.testing.assert_array_equal(cold.state, problem.family.state(cold.eta, problem.Y,
                                                                   problem.w)[1])
    np.testing.assert_allclose(cold.state, problem.w * p_hat * (1 - p_hat), rtol=1e-12)
    # from a point near the solution, with everything known there
    theta0 = cold.theta + 1e-3 * rng.normal(size=cold.theta.shape)
    A = np.column_stack([np.ones(n), X])
    eta0 = A @ theta0
    p0 = expit(eta0[:, 0])
    gdata0 = A.T @ (problem.w * (p0 - y))[:, None]
    calls = []
    for name in ("_objective",):
        real = getattr(newton_module, name)
        monkeypatch.setattr(newton_module, name,
                            lambda *a, _r=real: calls.append(1) or _r(*a))
    known = newton(*args, theta0, tol=1e-10,
                   start=Start(eta0, gdata0, problem.w * p0 * (1 - p0),
                               float(-log_expit(np.where(y > 0.5, eta0[:, 0],
                                                         -eta0[:, 0])).sum())))
    unknown = newton(*args, theta0, tol=1e-10, start=(eta0, gdata0))
    assert len(calls) == 1  # the objective: only where the loss was not given
    for res in (known, unknown):
        g = A.T @ (problem.w * (expit(A @ res.theta[:, 0]) - y)) + alpha * problem.pen * \
            res.theta[:, 0]
        assert res.converged and np.linalg.norm(g) <= 1e-10
        np.testing.assert_allclose(res.theta, cold.theta, rtol=1e-9, atol=1e-11)
    # a wrong state without a gradient: recomputed, so the same answer
    bad = newton(*args, theta0, tol=1e-10, start=Start(eta0, None, 0.0 * p0, 1.0))
    np.testing.assert_allclose(bad.theta, cold.theta, rtol=1e-9, atol=1e-11)
