"""Safe model files: one ``.npz`` archive of plain arrays plus JSON metadata, never pickle.

This module says what the arrays mean for each model family and builds the model back;
the container (writing, checksums, validation of the archive, the selection arrays) is
:mod:`ridgekit.io._model_format`.

Layout (schema version 2; version 1 = the same without ``family``, ``classes``, ``path.*``)
-----------------------------------------------------------------------------------------
``coef``
    ``coef_`` as fitted: (p,) or (t, p); for a classifier (1, p) with two classes (the
    log-odds of ``classes[1]``) or (K, p) (softmax).
``intercept``
    ``intercept_``: 0-d or (t,); (1,) or (K,) for a classifier.
``x_mean``, ``x_scale`` (optional)
    Standardization applied before the linear model:
    ``eta(X) = ((X - x_mean) / x_scale) @ coef.T + intercept`` (either may be absent).
``selection.alphas``, ``selection.mean``, ``selection.se``, ``selection.df``,
``selection.alpha``, ``selection.index_min``, ``selection.index_1se``,
``selection.extra.<key>`` (optional)
    The arrays of the :class:`~ridgekit.select._selection.Selection` that chose λ, so a
    report can be rebuilt from the file alone.
``path.alphas``, ``path.coefs``, ``path.intercepts``, ``path.df`` (optional)
    The fitted path on all the data (``path_`` of ``ElasticNetCV``/``LogisticRidgeCV``):
    (L,), (L, p) or (L, K, p), (L,) or (L, K), (L,).
``__metadata__``
    UTF-8 JSON as a uint8 array: ``format`` (``"ridgekit-model"``), ``schema_version``,
    ``ridgekit_version``, ``created`` (UTC ISO 8601), ``family`` (``"regression"`` or
    ``"classifier"``), ``classes`` (classifiers: the labels, numbers or strings, in column
    order), ``l1_ratio`` (elastic net), ``estimator`` (class, module, JSON-able parameters,
    pipeline steps), ``n_features_in``, ``n_targets``, ``feature_names``,
    ``has_feature_names_in``, ``preprocessing``, ``alpha``, ``alpha_choice`` (criterion and
    rule, or ``"given"``), ``selection`` (criterion, rule, which arrays are present, scalar
    extras), ``path`` (which path arrays are present), ``arrays`` (dtype and shape of every
    array), ``user`` (the caller's ``**metadata``) and ``checksum``.

The checksums detect corruption and accidental edits; being unkeyed they are not a
signature against deliberate forgery (sign the file separately for that). Loading
refuses anything unexpected with a one-line :class:`~ridgekit.io.errors.ModelFileError`.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from ridgekit.io._model_format import (
    FORMAT_NAME,
    SCHEMA_VERSION,
    build_selection,
    read_archive,
    ridgekit_version,
    selection_arrays,
    user_metadata,
    validate_selection,
    write_archive,
)
from ridgekit.io._model_format import digest_arrays as _digest_arrays  # noqa: F401
from ridgekit.io._model_format import digest_metadata as _digest_metadata  # noqa: F401
from ridgekit.io._model_format import (
    jsonable as _jsonable,
)
from ridgekit.io.errors import ModelFileError

__all__ = ["save", "load", "LoadedModel", "ModelFileError", "SCHEMA_VERSION", "FORMAT_NAME"]

_PATH = "path."
_PATH_FIELDS = ("alphas", "coefs", "intercepts", "df")
#: a path with more values than this is not stored (the file stays small)
MAX_PATH_VALUES = 5_000_000


# ============================================================================ saving
def save(model, path: str | os.PathLike, *, feature_names=None, selection=None,
         x_mean=None, x_scale=None, **metadata: Any) -> Path:
    """Write a fitted linear model to a safe, checksummed model file, atomically.

    Parameters
    ----------
    model : estimator
        A fitted linear model with ``coef_`` and ``intercept_`` (ridgekit or scikit-learn
        ``Ridge``, ``RidgeCV``, ``LinearRegression``, ...), or a scikit-learn ``Pipeline``
        of a ``StandardScaler`` followed by such a model, or a :class:`LoadedModel`.
    path : str or path-like
        Destination (``.npz`` suggested); replaced atomically if it exists.
    feature_names : sequence of str, optional
        Names of the p features. Default: the model's ``feature_names_in_`` if any.
    selection : Selection, optional
        How λ was chosen. Default: the model's ``selection_`` if any.
    x_mean, x_scale : array-like of shape (p,), optional
        Standardization the model expects, ``(X - x_mean) / x_scale``; taken from the
        pipeline's ``StandardScaler`` when there is one.
    **metadata
        JSON-serializable values stored under ``metadata["user"]`` (e.g. data path,
        target name, command line).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ModelFileError
        The model is not fitted or not linear, shapes disagree, a value is not finite,
        metadata is not JSON-serializable.
    """
    estimator, pre_mean, pre_scale, steps = _unwrap(model)
    arrays: dict[str, np.ndarray] = {}
    coef = _array_attr(estimator, "coef_")
    intercept = np.asarray(getattr(estimator, "intercept_", 0.0))
    if not np.issubdtype(intercept.dtype, np.floating):
        intercept = intercept.astype(np.float64)
    p = coef.shape[-1]
    _check_linear_shapes(coef, intercept, ModelFileError)
    arrays["coef"], arrays["intercept"] = coef, intercept
    x_mean = pre_mean if x_mean is None else x_mean
    x_scale = pre_scale if x_scale is None else x_scale
    for name, value in (("x_mean", x_mean), ("x_scale", x_scale)):
        if value is not None:
            arrays[name] = np.asarray(value, dtype=np.float64)
    _check_preprocessing(arrays, p, ModelFileError)

    names_in = getattr(model, "feature_names_in_", None)
    if feature_names is None and names_in is not None:
        feature_names = names_in
    if feature_names is None and isinstance(model, LoadedModel):
        feature_names = model.feature_names
    if feature_names is not None:
        feature_names = [str(f) for f in feature_names]
        if len(feature_names) != p:
            raise ModelFileError(f"feature_names has {len(feature_names)} names but the model "
                                 f"has {p} features")
    if selection is None:
        selection = (model.selection if isinstance(model, LoadedModel)
                     else getattr(estimator, "selection_", None))
    sel_meta = selection_arrays(selection, arrays) if selection is not None else None
    family, family_meta = _encode_family(model, estimator, coef)
    path_meta = _path_arrays(model, estimator, arrays)

    alpha = _alpha_of(estimator, selection)
    meta = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "ridgekit_version": ridgekit_version(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "family": family,
        **family_meta,
        "estimator": {
            "class": type(estimator).__name__,
            "module": type(estimator).__module__,
            "params": _json_params(estimator),
            "pipeline": steps,
        },
        "n_features_in": int(p),
        "n_targets": None if coef.ndim == 1 else int(coef.shape[0]),
        "feature_names": feature_names,
        "has_feature_names_in": names_in is not None,
        "preprocessing": {
            "standardize": "x_mean" in arrays or "x_scale" in arrays,
            "formula": "(X - x_mean) / x_scale",
            "arrays": [k for k in ("x_mean", "x_scale") if k in arrays],
        },
        "alpha": alpha,
        "alpha_choice": ({"criterion": selection.criterion, "rule": selection.rule}
                         if selection is not None else {"criterion": None, "rule": "given"}),
        "selection": sel_meta,
        "path": path_meta,
        "user": user_metadata(metadata),
    }
    if isinstance(model, LoadedModel):  # keep what the original file said
        for key in ("estimator", "has_feature_names_in"):
            if key in model.metadata:
                meta[key] = model.metadata[key]
    return write_archive(path, arrays, meta)


# ============================================================ per-family encoders
def _encode_family(model, estimator, coef) -> tuple[str, dict]:
    """``("classifier", {"classes": [...]})`` for a classifier (``classes_`` and
    ``predict_proba``), else ``("regression", {...})`` (with ``l1_ratio`` for the elastic
    net)."""
    if isinstance(model, LoadedModel):
        keep = {k: model.metadata[k] for k in ("classes", "l1_ratio") if k in model.metadata}
        return model.family, keep
    classes = getattr(estimator, "classes_", None)
    if classes is not None and hasattr(estimator, "predict_proba"):
        classes = np.asarray(classes)
        if classes.dtype.kind not in "iufUSb" or classes.ndim != 1:
            raise ModelFileError(f"classes_ of dtype {classes.dtype} cannot be stored; labels "
                                 "must be numbers or strings")
        _check_classes(classes.tolist(), coef, ModelFileError)
        return "classifier", {"classes": _jsonable(classes.tolist())}
    out = {}
    l1 = getattr(estimator, "l1_ratio_", None)
    if l1 is not None:
        out["l1_ratio"] = float(l1)
    return "regression", out


def _check_classes(classes, coef, error) -> None:
    if not isinstance(classes, list) or len(classes) < 2 or len(set(map(repr, classes))) != \
            len(classes):
        raise error("classes must be a list of at least 2 distinct labels")
    if not all(isinstance(c, int | float | str) and not isinstance(c, bool) for c in classes):
        raise error("classes must be numbers or strings")
    rows = 1 if len(classes) == 2 else len(classes)
    if coef.ndim != 2 or coef.shape[0] != rows:
        raise error(f"a classifier with {len(classes)} classes needs coef of shape ({rows}, "
                    f"p); got {coef.shape}")


def _path_arrays(model, estimator, arrays) -> dict | None:
    """Store the fitted path (alphas, coefs, intercepts, df) when it is not too large."""
    if isinstance(model, LoadedModel):
        path = model.path
    else:
        path = getattr(estimator, "path_", None)
    if path is None or getattr(path, "alphas", None) is None:
        return None
    try:
        coefs = np.asarray(path.coefs, dtype=np.float64)
    except (AttributeError, TypeError, ValueError):
        return None
    if coefs.size > MAX_PATH_VALUES:
        return None
    present = []
    for name in _PATH_FIELDS:
        value = coefs if name == "coefs" else getattr(path, name, None)
        if value is None:
            continue
        arrays[_PATH + name] = np.asarray(value, dtype=np.float64)
        present.append(name)
    return {"fields": present, "l1_ratio": getattr(path, "l1_ratio", None)}


def _unwrap(model):
    """Final linear estimator, standardization (mean, scale) and pipeline step names."""
    if isinstance(model, LoadedModel):
        return model.estimator, model.x_mean, model.x_scale, model.metadata.get(
            "estimator", {}).get("pipeline")
    steps = getattr(model, "steps", None)
    if steps is None:
        return model, None, None, None
    names = [type(step).__name__ for _, step in steps]
    *pre, (_, final) = steps
    mean = scale = None
    for _, step in pre:
        if step is None or step == "passthrough":
            continue
        if type(step).__name__ != "StandardScaler" or mean is not None or scale is not None:
            raise ModelFileError(f"cannot save pipeline {names}: only a single StandardScaler "
                                 "may precede the linear model")
        if getattr(step, "with_mean", True):
            mean = _array_attr(step, "mean_")
        if getattr(step, "with_std", True):
            scale = _array_attr(step, "scale_")
    return final, mean, scale, names


def _array_attr(obj, name: str) -> np.ndarray:
    value = getattr(obj, name, None)
    if value is None:
        raise ModelFileError(f"cannot save {type(obj).__name__}: it has no {name} (is it "
                             "fitted, and is it a linear model?)")
    return np.asarray(value)


def _check_linear_shapes(coef, intercept, error) -> None:
    if coef.ndim not in (1, 2) or coef.dtype.kind != "f":
        raise error(f"coef must be a float array of shape (p,) or (t, p); got dtype "
                    f"{coef.dtype} and shape {coef.shape}")
    want = () if coef.ndim == 1 else (coef.shape[0],)
    if intercept.shape != want and not (coef.ndim == 2 and intercept.shape == ()):
        raise error(f"intercept has shape {intercept.shape}; expected {want} for coef of shape "
                    f"{coef.shape}")
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise error("coef/intercept contain non-finite values")


def _check_preprocessing(arrays, p, error) -> None:
    for name in ("x_mean", "x_scale"):
        if name in arrays:
            a = arrays[name]
            if a.shape != (p,):
                raise error(f"{name} has shape {a.shape}; expected ({p},)")
            if not np.all(np.isfinite(a)):
                raise error(f"{name} contains non-finite values")
    if "x_scale" in arrays and np.any(arrays["x_scale"] <= 0):
        raise error("x_scale must be positive")


def _alpha_of(estimator, selection):
    for value in (getattr(estimator, "alpha_", None), getattr(estimator, "alpha", None),
                  None if selection is None else selection.alpha):
        if value is None:
            continue
        try:
            a = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if a.ndim <= 1 and np.all(np.isfinite(a)):
            return a.tolist()
    return None


def _json_params(estimator) -> dict:
    try:
        params = estimator.get_params(deep=False)
    except (AttributeError, TypeError):
        return {}
    out = {}
    for key, value in params.items():
        try:
            out[key] = _jsonable(value)
        except TypeError:
            out[key] = repr(value)
    return out



# =========================================================================== loading
@dataclass
class LoadedModel:
    """A linear model read back from a model file.

    Attributes
    ----------
    estimator : ridgekit.Ridge or ridgekit.linear_model.LogisticRidge
        Fitted estimator holding ``coef_`` and ``intercept_`` (and ``classes_`` for a
        classifier); it acts on standardized features when ``x_mean``/``x_scale`` are set.
    metadata : dict
        The file's JSON metadata (see the module docstring).
    x_mean, x_scale : ndarray of shape (p,) or None
        Standardization applied by :meth:`predict` before the linear model.
    selection : Selection or None
        The selection that chose λ, rebuilt from the stored arrays.
    feature_names : list of str or None
    path : SimpleNamespace or None
        The stored path: ``alphas``, ``coefs`` and, when saved, ``intercepts``, ``df``,
        ``l1_ratio`` and (classifiers) ``classes`` -- what :func:`ridgekit.plot.enet_trace`
        and :func:`ridgekit.plot.coefficient_path` draw.
    """

    estimator: Any
    metadata: dict
    x_mean: np.ndarray | None = None
    x_scale: np.ndarray | None = None
    selection: Any = None
    feature_names: list[str] | None = field(default=None)
    path: Any = None

    @property
    def family(self) -> str:
        """``"regression"`` or ``"classifier"``."""
        return self.metadata.get("family", "regression")

    @property
    def is_classifier(self) -> bool:
        return self.family == "classifier"

    @property
    def coef_(self) -> np.ndarray:
        return self.estimator.coef_

    @property
    def intercept_(self):
        return self.estimator.intercept_

    @property
    def n_features_in_(self) -> int:
        return self.estimator.n_features_in_

    @property
    def alpha_(self):
        """The penalty λ the model was fitted with (None if unknown)."""
        return self.metadata.get("alpha")

    @property
    def l1_ratio_(self) -> float | None:
        """The elastic net's ``l1_ratio`` (None for ridge and classifiers)."""
        return self.metadata.get("l1_ratio")

    @property
    def classes_(self) -> np.ndarray:
        if not self.is_classifier:
            raise AttributeError("a regression model has no classes_")
        return self.estimator.classes_

    @property
    def feature_names_in_(self) -> np.ndarray | None:
        """Feature names when the original model was fitted with named columns."""
        if self.metadata.get("has_feature_names_in") and self.feature_names is not None:
            return np.asarray(self.feature_names, dtype=object)
        return None

    def _prepare(self, X):
        names = self.feature_names_in_
        columns = getattr(X, "columns", None)
        if names is not None and columns is not None:
            if [str(c) for c in columns] != list(names):
                raise ValueError(f"the columns of X {list(map(str, columns))} differ from the "
                                 f"model's feature names {list(names)}")
        if columns is not None:
            X = np.asarray(X)
        if self.x_mean is not None or self.x_scale is not None:
            X = np.asarray(X, dtype=np.float64)
            if X.ndim != 2 or X.shape[1] != self.n_features_in_:
                raise ValueError(f"X has shape {X.shape}; expected (n, {self.n_features_in_})")
            if self.x_mean is not None:
                X = X - self.x_mean
            if self.x_scale is not None:
                X = X / self.x_scale
        return X

    def predict(self, X) -> np.ndarray:
        """Predict: ``((X - x_mean) / x_scale) @ coef_.T + intercept_`` for a regressor,
        the most probable class for a classifier.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            A DataFrame's columns must match the stored feature names when the model was
            fitted with named columns.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        return self.estimator.predict(self._prepare(X))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (classifiers only), columns in ``classes_`` order: the
        logistic function of the linear predictor (two classes) or its softmax."""
        if not self.is_classifier:
            raise AttributeError("predict_proba needs a classifier; this is a regression "
                                 "model")
        return self.estimator.predict_proba(self._prepare(X))

    def __repr__(self) -> str:
        est = self.metadata.get("estimator", {}).get("class", "?")
        return (f"LoadedModel({est}, n_features={self.n_features_in_}, "
                f"alpha={self.alpha_!r})")


def load(path: str | os.PathLike) -> LoadedModel:
    """Read and validate a model file written by :func:`save`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    LoadedModel
        With ``predict(X)`` (and ``predict_proba`` for classifiers), ``coef_``,
        ``intercept_``, ``alpha_``, ``selection``, ``path`` and ``metadata``.

    Raises
    ------
    ModelFileError
        Missing file; not a ridgekit model file; truncated or corrupted archive; unknown
        format or schema version; metadata or arrays modified (checksum mismatch);
        missing, unexpected or wrongly shaped arrays; invalid values.
    """
    p, arrays, meta = read_archive(path)
    _validate_content(p, arrays, meta)
    return _build(arrays, meta)


def _validate_content(p: Path, arrays: dict, meta: dict) -> None:
    def error(msg):
        return ModelFileError(f"{p}: {msg}")

    for name in ("coef", "intercept"):
        if name not in arrays:
            raise error(f"missing array {name!r}")
    coef, intercept = arrays["coef"], arrays["intercept"]
    _check_linear_shapes(coef, intercept, error)
    n_features = meta.get("n_features_in")
    if n_features != coef.shape[-1]:
        raise error(f"coef has {coef.shape[-1]} features but the metadata says {n_features}")
    _check_preprocessing(arrays, n_features, error)
    names = meta.get("feature_names")
    if names is not None and (not isinstance(names, list) or len(names) != n_features
                              or not all(isinstance(n, str) for n in names)):
        raise error(f"feature_names must be a list of {n_features} strings")
    family = meta.get("family", "regression")
    if family not in ("regression", "classifier"):
        raise error(f"unknown model family {family!r}")
    if family == "classifier":
        _check_classes(meta.get("classes"), coef, error)
    sel = meta.get("selection")
    if sel is not None:
        validate_selection(arrays, sel, error)
    _validate_path(arrays, meta.get("path"), error)


def _validate_path(arrays, path_meta, error) -> None:
    have = {k for k in arrays if k.startswith(_PATH)}
    want = set() if path_meta is None else {_PATH + f for f in path_meta.get("fields", [])}
    if have != want:
        raise error(f"path arrays {sorted(have)} do not match the metadata {sorted(want)}")
    if not want:
        return
    if _PATH + "alphas" not in arrays or _PATH + "coefs" not in arrays:
        raise error("the stored path needs alphas and coefs")
    L = arrays[_PATH + "alphas"].shape[0] if arrays[_PATH + "alphas"].ndim == 1 else -1
    for name in _PATH_FIELDS[1:]:
        a = arrays.get(_PATH + name)
        if a is not None and (a.ndim == 0 or a.shape[0] != L):
            raise error(f"path.{name} has shape {a.shape}; expected ({L}, ...)")


def _build(arrays: dict, meta: dict) -> LoadedModel:
    coef = arrays["coef"]
    intercept = arrays["intercept"]
    params = meta.get("estimator", {}).get("params", {})
    if meta.get("family") == "classifier":
        from ridgekit.linear_model import LogisticRidge

        est = LogisticRidge(alpha=meta["alpha"] if meta.get("alpha") is not None else 1.0)
        est.classes_ = np.asarray(meta["classes"])
        est.intercept_ = intercept
    else:
        from ridgekit.linear_model import Ridge

        est = Ridge(alpha=meta["alpha"] if meta.get("alpha") is not None else 1.0,
                    fit_intercept=bool(params.get("fit_intercept", True)))
        est.intercept_ = intercept[()] if intercept.ndim == 0 else intercept
    est.coef_ = coef
    est.n_features_in_ = int(coef.shape[-1])
    est.solver_ = "loaded"
    est.n_iter_ = np.ones(1 if coef.ndim == 1 else coef.shape[0], dtype=int)
    selection = None
    if meta.get("selection") is not None:
        selection = build_selection(arrays, meta["selection"])
    path = None
    if meta.get("path") is not None:
        fields = {f: arrays[_PATH + f] for f in meta["path"]["fields"]}
        fields.setdefault("df", np.full(fields["alphas"].shape, np.nan))
        path = SimpleNamespace(**fields, l1_ratio=meta["path"].get("l1_ratio"),
                               classes=np.asarray(meta["classes"])
                               if "classes" in meta else None)
    return LoadedModel(est, meta, arrays.get("x_mean"), arrays.get("x_scale"), selection,
                       meta.get("feature_names"), path)
