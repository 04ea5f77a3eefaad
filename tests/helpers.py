"""Reference helpers shared by the tests (independent of ridgekit)."""

import numpy as np


def make_regression(rng, n, p, t=1, offset=3.0):
    """A well-conditioned random problem with nonzero means (so centering matters)."""
    X = rng.normal(size=(n, p)) + offset * rng.normal(size=p)
    beta = rng.normal(size=(p, t))
    Y = X @ beta + 5.0 + rng.normal(size=(n, t))
    return X, Y


def dense_ridge(X, Y, w, alpha, fit_intercept=True):
    """Reference ridge: solve the weighted normal equations with an explicit, unpenalized
    intercept column. Returns (coef (t, p), intercept (t,), design A)."""
    n, p = X.shape
    Y = Y[:, None] if Y.ndim == 1 else Y
    w = np.ones(n) if w is None else w
    A = np.c_[np.ones(n), X] if fit_intercept else X
    P = np.eye(A.shape[1]) * alpha
    if fit_intercept:
        P[0, 0] = 0.0
    sol = np.linalg.solve(A.T @ (w[:, None] * A) + P, A.T @ (w[:, None] * Y))
    if fit_intercept:
        return sol[1:].T, sol[0], A
    return sol.T, np.zeros(Y.shape[1]), A
