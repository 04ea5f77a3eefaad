"""Independent references for the elastic-net tests (numpy only, no ridgekit)."""

import numpy as np


def kkt_violation(X, y, coef, intercept, alpha, l1_ratio, sample_weight=None,
                  fit_intercept=True, penalty_factor=None, lower=None, upper=None):
    """Largest violation of the optimality conditions of scikit-learn's objective

    (1/2s) sum w (y - X b - b0)^2 + alpha rho sum f|b| + alpha (1-rho)/2 sum f b^2
    over lower <= b <= upper: 0 must lie in grad + alpha rho f d|b| + N_box(b), and the
    weighted residuals must sum to zero when there is an intercept.
    """
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, float)
    n, p = X.shape
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    f = np.ones(p) if penalty_factor is None else np.asarray(penalty_factor, float)
    lo = np.full(p, -np.inf) if lower is None else np.broadcast_to(lower, (p,))
    hi = np.full(p, np.inf) if upper is None else np.broadcast_to(upper, (p,))
    r = y - X @ coef - intercept
    s = w.sum()
    grad = -(X.T @ (w * r)) / s + alpha * (1 - l1_ratio) * f * coef
    lam = alpha * l1_ratio * f
    # interval of -grad that is allowed: L1 subgradient plus the normal cone of the box
    lo_set = np.where(coef > 0, lam, -lam)
    hi_set = np.where(coef < 0, -lam, lam)
    lo_set = np.where(coef == lo, -np.inf, lo_set)
    hi_set = np.where(coef == hi, np.inf, hi_set)
    v = -grad
    viol = np.maximum(lo_set - v, 0) + np.maximum(v - hi_set, 0)
    out = float(viol.max()) if p else 0.0
    if fit_intercept:
        out = max(out, abs(float(w @ r)) / s)
    return out


def enet_objective(X, y, coef, intercept, alpha, l1_ratio, sample_weight=None,
                   penalty_factor=None):
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, float)
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    f = np.ones(X.shape[1]) if penalty_factor is None else np.asarray(penalty_factor, float)
    r = y - X @ coef - intercept
    return 0.5 * (w @ r**2) / w.sum() + alpha * l1_ratio * f @ np.abs(coef) \
        + 0.5 * alpha * (1 - l1_ratio) * f @ coef**2


def correlated_design(rng, n, p, rho=0.6, offset=2.0):
    """AR(1)-correlated columns with nonzero means and a sparse truth."""
    Z = rng.normal(size=(n, p))
    X = Z.copy()
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    X += offset * rng.normal(size=p)
    beta = np.zeros(p)
    k = max(1, p // 6)
    beta[rng.choice(p, k, replace=False)] = rng.normal(size=k) * 2
    y = X @ beta + 1.5 + rng.normal(size=n)
    return X, y
