"""Figures from result objects; nothing here fits a model.

Every function takes a result object (a :class:`~ridgekit.linear_model.RidgePath`, a
:class:`~ridgekit.select._selection.Selection`, a :class:`~ridgekit.spectrum.Spectrum`,
a bias-variance result, a grid of experiment values) and returns a
:class:`matplotlib.figure.Figure` drawn on an Agg canvas: no pyplot, no
``matplotlib.use``, no GUI — safe in scripts, servers, tests and notebooks alike. Save
with ``fig.savefig(path)`` or get PNG bytes with :func:`to_png`.

========================  ==============================================================
:func:`ridge_trace`       coefficients along the path, against λ and against df
:func:`cv_curve`          criterion ± standard error over λ, λ_min and λ_1se marked
:func:`l_curve`           the L-curve with its corner (and the curvature)
:func:`filter_factors`    filter factors per component for a few λ, and the spectrum
:func:`geometry`          loss contours, L2 disc and L1 diamond, both constrained minima
:func:`bias_variance`     bias², variance and MSE against λ
:func:`residual_plot`     residuals against fitted values, with a running median
:func:`weight_decay_heatmap`  a metric over a learning-rate x weight-decay grid
:func:`classifier_cv_curve`  a LogisticRidgeCV's CV curve (deviance, accuracy, AUC ...)
:func:`coefficient_path`  coefficients along a LogisticPath, against λ and df
:func:`logistic_trace`    a LogisticPath vs log λ, df on top, CV choices (per class)
:func:`calibration_plot`  reliability diagram of :class:`Predictions`
:func:`confusion_matrix_plot`  confusion matrix of :class:`Predictions`
:func:`enet_trace`        lasso/elastic-net paths vs log λ, nonzeros on top, CV choices
:func:`enet_cv_curve`     the CV curve vs log λ as ``plot.cv.glmnet``
:func:`grouping_effect`   ridge, lasso and elastic net on one correlated design
========================  ==============================================================
"""

from ridgekit.plot._base import to_bytes, to_png
from ridgekit.plot.bias_variance import bias_variance
from ridgekit.plot.classification import (
    Predictions,
    calibration_plot,
    classifier_cv_curve,
    coefficient_path,
    confusion_matrix_plot,
    df_without_intercepts,
    logistic_trace,
)
from ridgekit.plot.enet import enet_cv_curve, enet_trace, grouping_effect
from ridgekit.plot.geometry import GeometryProblem, GeometrySolution, geometry, solve_geometry
from ridgekit.plot.heatmap import weight_decay_heatmap
from ridgekit.plot.residuals import residual_plot
from ridgekit.plot.selection import cv_curve, l_curve, lcurve_corner_index
from ridgekit.plot.spectrum import filter_factors
from ridgekit.plot.trace import ridge_trace

__all__ = [
    "ridge_trace",
    "cv_curve",
    "l_curve",
    "lcurve_corner_index",
    "filter_factors",
    "geometry",
    "GeometryProblem",
    "GeometrySolution",
    "solve_geometry",
    "bias_variance",
    "weight_decay_heatmap",
    "to_png",
    "to_bytes",
    "Predictions",
    "classifier_cv_curve",
    "coefficient_path",
    "logistic_trace",
    "df_without_intercepts",
    "calibration_plot",
    "confusion_matrix_plot",
    "residual_plot",
    "enet_trace",
    "enet_cv_curve",
    "grouping_effect",
]
