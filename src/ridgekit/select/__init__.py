"""Choosing λ: small functions that take a spectrum (or per-fold moments) and a grid and
return a :class:`Selection`."""

from ridgekit.select._selection import (
    DF_CONVENTION,
    GridEdgeWarning,
    Selection,
    degrees_of_freedom,
    one_standard_error_index,
)
from ridgekit.select.discrepancy import discrepancy
from ridgekit.select.estimators import hkb, lawless_wang, ls_variance, target_df
from ridgekit.select.evidence import evidence, log_evidence
from ridgekit.select.folds import as_splits, fold_partitions
from ridgekit.select.glmnet_cv import cv_glmnet, glmnet_lambda_sequence
from ridgekit.select.grid import alpha_for_df, check_grid, default_alphas
from ridgekit.select.kfold import (
    FoldCurve,
    KFoldFit,
    fold_errors,
    kfold,
    kfold_fit,
    kfold_from_arrays,
    summarize_folds,
    summarize_samples,
)
from ridgekit.select.lcurve import lcurve, lcurve_points
from ridgekit.select.loo import GCV_FORMS, gcv, loo, loo_errors
from ridgekit.select.rules import RULES, Rule, get_rule, select_by_name

__all__ = [
    "Selection", "GridEdgeWarning", "one_standard_error_index",
    "degrees_of_freedom", "DF_CONVENTION",
    "loo", "loo_errors", "gcv", "GCV_FORMS",
    "kfold", "kfold_fit", "KFoldFit", "FoldCurve", "kfold_from_arrays", "fold_errors",
    "summarize_folds", "summarize_samples",
    "as_splits", "fold_partitions",
    "hkb", "lawless_wang", "target_df", "ls_variance", "alpha_for_df", "default_alphas",
    "check_grid",
    "lcurve", "lcurve_points", "discrepancy", "evidence", "log_evidence",
    "RULES", "Rule", "get_rule", "select_by_name", "cv_glmnet",
    "glmnet_lambda_sequence",
]
