"""Independent references for the scale tests: dense normal equations, brute-force k-fold
(one refit per fold and per alpha), cv.glmnet's mean and standard error. numpy only."""

import numpy as np


def make_data(rng, n, p, t=1, offset=3.0):
    X = rng.normal(size=(n, p)) + offset * rng.normal(size=p)
    beta = rng.normal(size=(p, t))
    Y = X @ beta + 5.0 + rng.normal(size=(n, t))
    return X, (Y[:, 0] if t == 1 else Y)


def dense_ridge(X, Y, w, alpha, P=None, prior=None, fit_intercept=True):
    """min sum_i w_i (y_i - x_i b - b0)^2 + alpha (b - prior)' P (b - prior), by an explicit
    intercept column and one dense solve. Returns coef (t, p), intercept (t,)."""
    n, p = X.shape
    Y = Y[:, None] if Y.ndim == 1 else Y
    w = np.ones(n) if w is None else w
    P = np.eye(p) if P is None else P
    prior = np.zeros(p) if prior is None else prior
    A = np.c_[np.ones(n), X] if fit_intercept else X
    Q = np.zeros((A.shape[1], A.shape[1]))
    Q[-p:, -p:] = alpha * P
    rhs = A.T @ (w[:, None] * Y)
    rhs[-p:] += (alpha * P @ prior)[:, None]
    sol = np.linalg.solve(A.T @ (w[:, None] * A) + Q, rhs)
    if fit_intercept:
        return sol[1:].T, sol[0]
    return sol.T, np.zeros(Y.shape[1])


def brute_force_kfold(X, y, w, fold_ids, alphas):
    """Refit on the training rows of each fold for each alpha; weighted held-out MSE;
    mean and standard error across folds as cv.glmnet. Returns (mean (L,), se (L,))."""
    w = np.ones(X.shape[0]) if w is None else w
    labels = np.unique(fold_ids)
    mse = np.empty((labels.size, len(alphas)))
    s = np.empty(labels.size)
    for k, lab in enumerate(labels):
        tr, te = fold_ids != lab, fold_ids == lab
        s[k] = w[te].sum()
        for i, a in enumerate(alphas):
            coef, b0 = dense_ridge(X[tr], y[tr], w[tr], a)
            r = y[te] - X[te] @ coef[0] - b0[0]
            mse[k, i] = np.sum(w[te] * r * r) / s[k]
    wn = s / s.sum()
    mean = wn @ mse
    se = np.sqrt((wn @ (mse - mean) ** 2) / (labels.size - 1))
    return mean, se


def rel_error(a, b):
    """max |a - b| / max |b|."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))
