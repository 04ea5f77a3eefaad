"""The main job: least squares against ridge on the prostate data (ESL Table 3.3).

Two ridge fits: ESL's own (λ giving df = 5, the ridge column of Hastie, Tibshirani &
Friedman's Table 3.3) and 10-fold CV with the one-standard-error rule; the λ of every
other rule is computed beside. df never counts the intercept.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import KFold

from ridgekit.datasets import load_prostate
from ridgekit.decompose import build_spectrum
from ridgekit.linear_model import Ridge, RidgeCV
from ridgekit.select import GridEdgeWarning, degrees_of_freedom, select_by_name

__all__ = ["ProstateComparison", "prostate_comparison", "GroupingDesign", "grouping_design"]


@dataclass
class ProstateComparison:
    """Both fits and their held-out errors.

    Attributes
    ----------
    feature_names : list of str
    ls_coef, ridge_coef : ndarray of shape (8,)
    ls_intercept, ridge_intercept : float
    ls_test_error, ridge_test_error : float
        Mean squared error on the 30 test men.
    ls_test_se, ridge_test_se : float
        Its standard error, sd(squared errors)/sqrt(30).
    alpha : float
        λ chosen by 10-fold CV with the one-standard-error rule.
    df : float
        Effective degrees of freedom of the ridge fit (without the intercept).
    esl_coef, esl_intercept, esl_alpha, esl_df, esl_test_error, esl_test_se
        The ridge fit of ESL Table 3.3: λ with df = 5 (intercept not counted).
    rules : dict
        λ chosen by each rule (10-fold min and 1se, LOO, GCV, HKB, Lawless-Wang, L-curve,
        discrepancy, evidence, df = 5).
    rule_df : dict
        The df of each of those λ.
    model : RidgeCV
    X_train, y_train : ndarray
        Standardized training data.
    x_mean, x_scale : ndarray
        The standardization (mean and sd of all 97 men, as ESL).
    """

    feature_names: list[str]
    ls_coef: np.ndarray
    ls_intercept: float
    ridge_coef: np.ndarray
    ridge_intercept: float
    ls_test_error: float
    ls_test_se: float
    ridge_test_error: float
    ridge_test_se: float
    alpha: float
    df: float
    esl_coef: np.ndarray | None = None
    esl_intercept: float = float("nan")
    esl_alpha: float = float("nan")
    esl_df: float = float("nan")
    esl_test_error: float = float("nan")
    esl_test_se: float = float("nan")
    rules: dict = field(default_factory=dict)
    rule_df: dict = field(default_factory=dict)
    model: RidgeCV | None = None
    X_train: np.ndarray | None = None
    y_train: np.ndarray | None = None
    x_mean: np.ndarray | None = None
    x_scale: np.ndarray | None = None


def _test_error(model, X, y) -> tuple[float, float]:
    sq = (y - model.predict(X)) ** 2
    return float(sq.mean()), float(sq.std(ddof=1) / np.sqrt(sq.size))


def prostate_comparison(n_folds: int = 10, random_state: int = 0) -> ProstateComparison:
    """Fit least squares, ESL's ridge (df = 5) and ridge with λ by 10-fold CV and the
    one-standard-error rule on the 67
    training men with predictors standardized by the mean and sd of all 97, as Hastie,
    Tibshirani & Friedman do for Tables 3.1–3.3, and score both on the 30 test men."""
    data = load_prostate()
    x_mean, x_scale = data.X.mean(axis=0), data.X.std(axis=0, ddof=1)
    X = (data.X - x_mean) / x_scale
    tr, te = data.train, ~data.train
    ls = Ridge(alpha=0.0).fit(X[tr], data.y[tr])
    cv = KFold(n_folds, shuffle=True, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GridEdgeWarning)
        ridge = RidgeCV(cv=cv, rule="1se").fit(X[tr], data.y[tr])
        esl = RidgeCV(cv="df", df=5).fit(X[tr], data.y[tr])
        spec = build_spectrum(X[tr], data.y[tr][:, None]).with_data(X[tr], data.y[tr])
        rules = {
            "10-fold min": float(ridge.selection_.alpha_min),
            "10-fold 1se": float(ridge.selection_.alpha_1se),
        }
        for name, label in (("loo", "LOO"), ("gcv", "GCV"), ("hkb", "HKB"),
                            ("lawless-wang", "Lawless-Wang"), ("lcurve", "L-curve"),
                            ("discrepancy", "discrepancy"), ("evidence", "evidence")):
            rules[label] = float(np.ravel(select_by_name(name, spec, warn_edge=False).alpha)[0])
        rules["df = 5 (ESL)"] = float(esl.alpha_)
    rule_df = {k: float(degrees_of_freedom(spec, [v])[0]) for k, v in rules.items()}
    ls_err, ls_se = _test_error(ls, X[te], data.y[te])
    r_err, r_se = _test_error(ridge, X[te], data.y[te])
    e_err, e_se = _test_error(esl, X[te], data.y[te])
    return ProstateComparison(
        feature_names=list(data.feature_names), ls_coef=ls.coef_, ls_intercept=float(
            ls.intercept_), ridge_coef=ridge.coef_, ridge_intercept=float(ridge.intercept_),
        ls_test_error=ls_err, ls_test_se=ls_se, ridge_test_error=r_err, ridge_test_se=r_se,
        alpha=float(ridge.alpha_), df=float(degrees_of_freedom(spec, [ridge.alpha_])[0]),
        esl_coef=esl.coef_, esl_intercept=float(esl.intercept_), esl_alpha=float(esl.alpha_),
        esl_df=float(degrees_of_freedom(spec, [esl.alpha_])[0]), esl_test_error=e_err,
        esl_test_se=e_se, rules=rules, rule_df=rule_df,
        model=ridge, X_train=X[tr], y_train=data.y[tr], x_mean=x_mean, x_scale=x_scale,
    )


@dataclass
class GroupingDesign:
    """Ridge, lasso and elastic net on one correlated design (Zou & Hastie 2005, §2.3).

    Attributes
    ----------
    X, y : ndarray
        n = 100 rows; columns 0-2 one latent factor plus noise of sd 0.1 (pairwise
        correlation about 0.99), columns 3-7 independent; y = 3·factor + noise.
    group : list of int
        The correlated columns, [0, 1, 2].
    paths : dict
        ``{"ridge": RidgePath, "lasso": ENetPath, "elastic net (l1_ratio 0.5)": ENetPath}``.
    """

    X: np.ndarray
    y: np.ndarray
    group: list
    paths: dict


def grouping_design(seed: int = 0) -> GroupingDesign:
    """The three paths of :class:`GroupingDesign`, for :func:`ridgekit.plot.grouping_effect`:
    the lasso takes one member of the correlated group, ridge and the elastic net share the
    effect among the three."""
    from ridgekit.linear_model import enet_path, ridge_path

    rng = np.random.default_rng(seed)
    n = 100
    factor = rng.normal(size=n)
    X = np.column_stack([factor + 0.1 * rng.normal(size=n) for _ in range(3)]
                        + [rng.normal(size=n) for _ in range(5)])
    y = 3.0 * factor + rng.normal(size=n)
    # the grids stop short of least squares, which splits a correlated group at random
    paths = {"ridge": ridge_path(X, y, np.geomspace(1.0, 1e4, 60)),
             "lasso": enet_path(X, y, l1_ratio=1.0, n_alphas=60, eps=0.01),
             "elastic net (l1_ratio 0.5)": enet_path(X, y, l1_ratio=0.5, n_alphas=60,
                                                     eps=0.01)}
    return GroupingDesign(X, y, [0, 1, 2], paths)
