"""Safe model files: one ``.npz`` archive of plain arrays plus JSON metadata, never pickle.

Layout (schema version 1)
-------------------------
One zip archive written by :func:`numpy.savez` and read with ``allow_pickle=False``:

``coef``
    ``coef_`` as fitted: (p,) or (t, p).
``intercept``
    ``intercept_``: 0-d or (t,).
``x_mean``, ``x_scale`` (optional)
    Standardization applied before the linear model:
    ``predict(X) = ((X - x_mean) / x_scale) @ coef.T + intercept`` (either may be absent).
``selection.alphas``, ``selection.mean``, ``selection.se``, ``selection.df``,
``selection.alpha``, ``selection.index_min``, ``selection.index_1se``,
``selection.extra.<key>`` (optional)
    The arrays of the :class:`~ridgekit.select._selection.Selection` that chose λ, so a
    report can be rebuilt from the file alone.
``__metadata__``
    UTF-8 JSON as a uint8 array: ``format`` (``"ridgekit-model"``), ``schema_version``,
    ``ridgekit_version``, ``created`` (UTC ISO 8601), ``estimator`` (class, module,
    JSON-able parameters, pipeline steps), ``n_features_in``, ``n_targets``,
    ``feature_names``, ``has_feature_names_in``, ``preprocessing``, ``alpha``,
    ``alpha_choice`` (criterion and rule, or ``"given"``), ``selection`` (criterion, rule,
    which arrays are present, scalar extras), ``arrays`` (dtype and shape of every array),
    ``user`` (the caller's ``**metadata``) and ``checksum``: SHA-256 of the arrays (name,
    dtype, shape and bytes, in name order) and of the canonical JSON of the rest of the
    metadata.

The checksums detect corruption and accidental edits; being unkeyed they are not a
signature against deliberate forgery (sign the file separately for that). Loading
refuses anything unexpected with a one-line :class:`~ridgekit.io.errors.ModelFileError`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ridgekit.io._atomic import atomic_write
from ridgekit.io.errors import ModelFileError

__all__ = ["save", "load", "LoadedModel", "ModelFileError", "SCHEMA_VERSION", "FORMAT_NAME"]

FORMAT_NAME = "ridgekit-model"
#: the schema version written; :func:`load` reads exactly the versions in ``_READABLE``
SCHEMA_VERSION = 1
_READABLE = (1,)
_META = "__metadata__"
_SEL = "selection."
_EXTRA = "selection.extra."
_SEL_FIELDS = ("alphas", "mean", "se", "df", "alpha", "index_min", "index_1se")
_ALLOWED_KINDS = "fiu"


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
    sel_meta = _selection_arrays(selection, arrays) if selection is not None else None

    alpha = _alpha_of(estimator, selection)
    meta = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "ridgekit_version": _ridgekit_version(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
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
        "user": _user_metadata(metadata),
    }
    if isinstance(model, LoadedModel):  # keep what the original file said
        for key in ("estimator", "has_feature_names_in"):
            if key in model.metadata:
                meta[key] = model.metadata[key]
    meta["arrays"] = {k: {"dtype": v.dtype.str, "shape": list(v.shape)}
                      for k, v in sorted(arrays.items())}
    meta["checksum"] = {"algorithm": "sha256", "arrays": _digest_arrays(arrays),
                        "metadata": _digest_metadata(meta)}
    blob = np.frombuffer(json.dumps(meta, sort_keys=True, allow_nan=False).encode("utf-8"),
                         dtype=np.uint8)
    with atomic_write(path, "wb") as handle:
        np.savez(handle, **arrays, **{_META: blob})
    return Path(path)


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


def _selection_arrays(selection, arrays: dict) -> dict:
    """Put the selection's arrays into ``arrays``; return its metadata."""
    if not (hasattr(selection, "alphas") and hasattr(selection, "criterion")
            and hasattr(selection, "rule")):
        raise ModelFileError(f"selection must be a Selection (alphas, criterion, rule, ...); "
                             f"got {type(selection).__name__}")
    present = []
    for name in _SEL_FIELDS:
        value = getattr(selection, name, None)
        if value is None:
            continue
        a = np.asarray(value)
        a = a.astype(np.int64) if name.startswith("index") else a.astype(np.float64)
        arrays[_SEL + name] = a
        present.append(name)
    if "alphas" not in present:
        raise ModelFileError("the selection has no alphas")
    extra_values, extra_arrays = {}, []
    for key, value in dict(getattr(selection, "extra", None) or {}).items():
        key = str(key)
        plain = value is None or isinstance(value, str | dict | bool | np.bool_)
        a = None if plain else np.asarray(value)
        if a is not None and a.dtype.kind in "fiub":  # numbers, NaN included, as arrays
            arrays[_EXTRA + key] = a.astype(np.float64)
            extra_arrays.append(key)
        else:
            try:
                extra_values[key] = _jsonable(value)
            except TypeError:
                raise ModelFileError(f"selection.extra[{key!r}] of type "
                                     f"{type(value).__name__} cannot be stored") from None
    return {"criterion": str(selection.criterion), "rule": str(selection.rule),
            "fields": present, "extra_arrays": extra_arrays, "extra_values": extra_values}


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


def _jsonable(value):
    """``value`` as plain JSON types, or TypeError."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | np.integer | np.floating | np.bool_):
        v = value.item() if isinstance(value, np.generic) else value
        if isinstance(v, float) and not np.isfinite(v):
            raise TypeError("non-finite float")
        return v
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(type(value).__name__)


def _user_metadata(metadata: dict) -> dict:
    out = {}
    for key, value in metadata.items():
        try:
            out[key] = _jsonable(value)
        except TypeError:
            raise ModelFileError(f"metadata {key!r} of type {type(value).__name__} is not "
                                 "JSON-serializable") from None
    return out


def _ridgekit_version() -> str:
    try:
        from importlib.metadata import version

        return version("ridgekit")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "unknown"


def _digest_arrays(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        header = json.dumps([name, a.dtype.str, list(a.shape)])
        h.update(header.encode("utf-8") + b"\n")
        h.update(a.tobytes())
    return h.hexdigest()


def _digest_metadata(meta: dict) -> str:
    body = {k: v for k, v in meta.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# =========================================================================== loading
@dataclass
class LoadedModel:
    """A linear model read back from a model file.

    Attributes
    ----------
    estimator : ridgekit.Ridge
        Fitted ``Ridge`` holding ``coef_`` and ``intercept_``; it acts on standardized
        features when ``x_mean``/``x_scale`` are set.
    metadata : dict
        The file's JSON metadata (see the module docstring).
    x_mean, x_scale : ndarray of shape (p,) or None
        Standardization applied by :meth:`predict` before the linear model.
    selection : Selection or None
        The selection that chose λ, rebuilt from the stored arrays.
    feature_names : list of str or None
    """

    estimator: Any
    metadata: dict
    x_mean: np.ndarray | None = None
    x_scale: np.ndarray | None = None
    selection: Any = None
    feature_names: list[str] | None = field(default=None)

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
    def feature_names_in_(self) -> np.ndarray | None:
        """Feature names when the original model was fitted with named columns."""
        if self.metadata.get("has_feature_names_in") and self.feature_names is not None:
            return np.asarray(self.feature_names, dtype=object)
        return None

    def predict(self, X) -> np.ndarray:
        """Predict: ``((X - x_mean) / x_scale) @ coef_.T + intercept_``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            A DataFrame's columns must match the stored feature names when the model was
            fitted with named columns.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
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
        return self.estimator.predict(X)

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
        With ``predict(X)``, ``coef_``, ``intercept_``, ``alpha_``, ``selection`` and
        ``metadata``.

    Raises
    ------
    ModelFileError
        Missing file; not a ridgekit model file; truncated or corrupted archive; unknown
        format or schema version; metadata or arrays modified (checksum mismatch);
        missing, unexpected or wrongly shaped arrays; invalid values.
    """
    p = Path(path)
    if not p.exists():
        raise ModelFileError(f"no such model file: {p}")
    if p.is_dir():
        raise ModelFileError(f"{p} is a directory, not a model file")
    with open(p, "rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":  # an .npz is a zip archive; anything else is refused unread
        raise ModelFileError(f"{p} is not a ridgekit model file (not an .npz archive)")
    arrays, meta = _read_archive(p)
    _validate(p, arrays, meta)
    return _build(arrays, meta)


def _read_archive(p: Path) -> tuple[dict[str, np.ndarray], dict]:
    bad = f"{p} is not a valid ridgekit model file"
    try:
        archive = np.load(p, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ModelFileError(f"{bad}: it holds a single array, not an .npz archive")
        with archive:
            files = list(archive.files)
            if _META not in files:
                raise ModelFileError(f"{bad}: it has no {_META} entry")
            arrays = {k: archive[k] for k in files}
    except ModelFileError:
        raise
    except ValueError as exc:  # e.g. object arrays: never suggest loading them unsafely
        detail = "it holds object (pickled) arrays" if "pickle" in str(exc) else \
            "truncated or corrupted"
        raise ModelFileError(f"{bad}: {detail}") from None
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, KeyError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(f"{bad} (truncated or corrupted?): {detail}") from None
    blob = arrays.pop(_META)
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise ModelFileError(f"{bad}: {_META} is not a byte array")
    try:
        meta = json.loads(blob.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{bad}: its metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{bad}: its metadata is not a JSON object")
    return arrays, meta


def _validate(p: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    if meta.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{p} is not a ridgekit model file (format "
                             f"{meta.get('format')!r})")
    version = meta.get("schema_version")
    if version not in _READABLE or isinstance(version, bool):
        raise ModelFileError(f"{p} has schema version {version!r}, which this ridgekit "
                             f"cannot read (it reads {', '.join(map(str, _READABLE))}); use "
                             "the ridgekit version that wrote it")
    checksum = meta.get("checksum")
    if not isinstance(checksum, dict) or checksum.get("algorithm") != "sha256":
        raise ModelFileError(f"{p}: the metadata has no SHA-256 checksum")
    try:
        meta_ok = _digest_metadata(meta) == checksum.get("metadata")
    except (TypeError, ValueError):
        meta_ok = False
    if not meta_ok:
        raise ModelFileError(f"{p}: the metadata was modified or corrupted (checksum mismatch)")
    record = meta.get("arrays")
    if not isinstance(record, dict):
        raise ModelFileError(f"{p}: the metadata has no array record")
    missing = sorted(set(record) - set(arrays))
    if missing:
        raise ModelFileError(f"{p} is missing array(s) {', '.join(missing)}")
    unexpected = sorted(set(arrays) - set(record))
    if unexpected:
        raise ModelFileError(f"{p} has unexpected array(s) {', '.join(unexpected)}")
    for name, a in arrays.items():
        want = record[name]
        if not isinstance(want, dict) or a.dtype.str != want.get("dtype") or \
                list(a.shape) != want.get("shape"):
            raise ModelFileError(f"{p}: array {name!r} has dtype {a.dtype.str} and shape "
                                 f"{a.shape}, but the metadata records {want}")
        if a.dtype.kind not in _ALLOWED_KINDS:
            raise ModelFileError(f"{p}: array {name!r} has unsupported dtype {a.dtype}")
    if _digest_arrays(arrays) != checksum.get("arrays"):
        raise ModelFileError(f"{p}: the arrays were modified or corrupted (checksum mismatch)")
    _validate_content(p, arrays, meta)


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
    sel = meta.get("selection")
    if sel is not None:
        _validate_selection(arrays, sel, error)


def _validate_selection(arrays, sel, error) -> None:
    if not isinstance(sel, dict) or not isinstance(sel.get("fields"), list):
        raise error("invalid selection metadata")
    want = {_SEL + f for f in sel["fields"]} | {_EXTRA + k for k in sel.get("extra_arrays", [])}
    have = {k for k in arrays if k.startswith(_SEL)}
    if want != have:
        raise error(f"selection arrays {sorted(have)} do not match the metadata {sorted(want)}")
    if _SEL + "alphas" not in arrays:
        raise error("the selection has no alphas")
    alphas = arrays[_SEL + "alphas"]
    L = alphas.shape[0] if alphas.ndim == 1 else -1
    if L < 1:
        raise error(f"selection.alphas has shape {alphas.shape}; expected (L,)")
    for name in ("mean", "se", "df"):
        a = arrays.get(_SEL + name)
        if a is not None and (a.ndim == 0 or a.shape[0] != L):
            raise error(f"selection.{name} has shape {a.shape}; expected ({L}, ...)")
    for name in ("index_min", "index_1se"):
        a = arrays.get(_SEL + name)
        if a is not None and (a.dtype.kind not in "iu" or np.any(a < 0) or np.any(a >= L)):
            raise error(f"selection.{name} is not a valid index into {L} alphas")


def _build(arrays: dict, meta: dict) -> LoadedModel:
    from ridgekit.linear_model import Ridge

    coef = arrays["coef"]
    intercept = arrays["intercept"]
    est = Ridge(alpha=meta["alpha"] if meta.get("alpha") is not None else 1.0,
                fit_intercept=bool(meta.get("estimator", {}).get("params", {}).get(
                    "fit_intercept", True)))
    est.coef_ = coef
    est.intercept_ = intercept[()] if intercept.ndim == 0 else intercept
    est.n_features_in_ = int(coef.shape[-1])
    est.solver_ = "loaded"
    est.n_iter_ = np.ones(1 if coef.ndim == 1 else coef.shape[0], dtype=int)
    selection = None
    if meta.get("selection") is not None:
        selection = _build_selection(arrays, meta["selection"])
    return LoadedModel(est, meta, arrays.get("x_mean"), arrays.get("x_scale"), selection,
                       meta.get("feature_names"))


def _build_selection(arrays, sel):
    from ridgekit.select._selection import Selection

    def get(name):
        a = arrays.get(_SEL + name)
        if a is None or a.ndim > 0 or name in ("alphas", "mean", "se", "df"):
            return a
        return int(a) if name.startswith("index") else float(a)

    extra = {}
    for k in sel.get("extra_arrays", []):
        a = arrays[_EXTRA + k]
        extra[k] = float(a) if a.ndim == 0 else a
    extra.update(sel.get("extra_values", {}))
    return Selection(alphas=get("alphas"), criterion=sel["criterion"], mean=get("mean"),
                     se=get("se"), df=get("df"), rule=sel["rule"], alpha=get("alpha"),
                     index_min=get("index_min"), index_1se=get("index_1se"), extra=extra)
