"""ElasticNetCV / enet_path with l1_ratio = 0: the default grid reaches ridge's optimum.

glmnet's ridge alpha_max (the lasso's divided by 1e-3) with a lasso-style ``eps`` stopped
the grid three decades above where ridge optima lie; the grid now runs down to ridge's own
grid bottom from the spectrum. References: per-fold dense ridge solves (numpy), and the
same data through RidgeCV's closed form.
"""

import warnings

import numpy as np
import pytest
from sklearn.model_selection import KFold

from ridgekit.linear_model import ElasticNetCV, enet_path
from ridgekit.select import GridEdgeWarning


def _design(n=200, p=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 3, p) + 5.0
    y = X @ rng.standard_normal(p) + 0.5 * rng.standard_normal(n) + 2.0
    return X, y


def _ridge_fold_mse(X, y, splits, alphas):
    """Held-out MSE of (1/2n)||r||^2 + (a/2)||b||^2 with a free intercept, by dense solves."""
    out = np.empty((alphas.size, len(splits)))
    for f, (tr, te) in enumerate(splits):
        xm, ym = X[tr].mean(0), y[tr].mean()
        Xc, yc = X[tr] - xm, y[tr] - ym
        for i, a in enumerate(alphas):
            b = np.linalg.solve(Xc.T @ Xc + tr.size * a * np.eye(X.shape[1]), Xc.T @ yc)
            out[i, f] = np.mean((y[te] - ym - (X[te] - xm) @ b) ** 2)
    return out


def test_l1_ratio_zero_grid_reaches_the_ridge_optimum():
    X, y = _design()
    splits = list(KFold(10, shuffle=True, random_state=0).split(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridEdgeWarning)
        m = ElasticNetCV(l1_ratio=0.0, cv=splits, tol=1e-10, n_jobs=1).fit(X, y)
    ref = _ridge_fold_mse(X, y, splits, m.alphas_)
    # coordinate descent stops on a duality gap relative to ||y||^2/n, not at rounding
    np.testing.assert_allclose(m.mse_path_, ref, rtol=1e-4)
    chosen = int(np.flatnonzero(m.alphas_ == m.alpha_)[0])
    assert ref.mean(axis=1)[chosen] == pytest.approx(ref.mean(axis=1).min(), rel=1e-6)
    # interior: the curve turns up on both sides of the choice
    i = int(np.argmin(ref.mean(axis=1)))
    assert 0 < i < m.alphas_.size - 1


@pytest.mark.filterwarnings("ignore::ridgekit.select.GridEdgeWarning")  # near-OLS optimum
def test_l1_ratio_zero_in_a_list_is_not_handicapped():
    X, y = _design(seed=1)
    splits = list(KFold(5, shuffle=True, random_state=1).split(X))
    m0 = ElasticNetCV(l1_ratio=0.0, cv=splits, tol=1e-10, n_jobs=1).fit(X, y)
    both = ElasticNetCV(l1_ratio=[0.0, 0.5], cv=splits, tol=1e-10, n_jobs=1).fit(X, y)
    ref = _ridge_fold_mse(X, y, splits, m0.alphas_).mean(axis=1).min()
    # the joint search sees the ridge candidate at its own optimum
    assert both.mse_path_[0].mean(axis=-1).min() == pytest.approx(ref, rel=1e-4)


def test_enet_path_l1_ratio_zero_floor_is_ridge_grid_bottom():
    from ridgekit.linear_model import RidgeCV

    X, y = _design(seed=2)
    path = enet_path(X, y, l1_ratio=0.0)
    n = X.shape[0]
    # ridge's own default grid (alpha in ||r||^2 + alpha||b||^2) bottom, in enet units
    ridge_bottom = RidgeCV(cv="gcv").fit(X, y).alphas_.min() / n
    assert path.alphas.min() <= ridge_bottom * (1 + 1e-8)
    # a lasso-style ratio keeps scikit-learn's eps grid
    lasso = enet_path(X, y, l1_ratio=0.5)
    assert lasso.alphas.min() == pytest.approx(lasso.alphas.max() * 1e-3, rel=1e-12)
