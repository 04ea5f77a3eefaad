"""scikit-learn estimators: thin layers that validate, build a spectrum, ask, store."""

from ridgekit.linear_model._bayes import BayesianRidge
from ridgekit.linear_model._constrained import ConstrainedRidge, NormConstraint, alpha_for_norm
from ridgekit.linear_model._enet import ElasticNet, ENetPath, Lasso, enet_path, lasso_path
from ridgekit.linear_model._enet_cv import ElasticNetCV, LassoCV
from ridgekit.linear_model._logistic import LogisticRidge, logistic_path
from ridgekit.linear_model._logistic_cv import LogisticRidgeCV
from ridgekit.linear_model._ridge import Ridge, RidgePath, ridge_path
from ridgekit.linear_model._ridge_cv import RidgeCV
from ridgekit.linear_model._tikhonov import Tikhonov, tikhonov_path
from ridgekit.select.evidence import EvidenceFit, fit_evidence

__all__ = [
    "Ridge",
    "RidgeCV",
    "RidgePath",
    "ridge_path",
    "Tikhonov",
    "tikhonov_path",
    "ConstrainedRidge",
    "NormConstraint",
    "alpha_for_norm",
    "BayesianRidge",
    "EvidenceFit",
    "fit_evidence",
    "ElasticNet",
    "Lasso",
    "ElasticNetCV",
    "LassoCV",
    "ENetPath",
    "enet_path",
    "lasso_path",
    "LogisticRidge",
    "LogisticRidgeCV",
    "logistic_path",
]
