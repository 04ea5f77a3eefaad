"""The container of a model file: one ``.npz`` of plain arrays plus JSON metadata, with
SHA-256 checksums; never pickled. What the arrays *mean* per model family is
:mod:`ridgekit.io.model_files`; this module only writes, reads and checks the container
and the part of the schema every family shares (the :class:`Selection` arrays).

Checksums: SHA-256 of the arrays (name, dtype, shape and bytes, in name order) and of the
canonical JSON of the metadata without the checksum itself. Unkeyed, they detect
corruption and accidental edits, not deliberate forgery.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ridgekit.io._atomic import atomic_write
from ridgekit.io.errors import ModelFileError

FORMAT_NAME = "ridgekit-model"
#: the schema version written; version 2 added classifiers (``classes``), the stored
#: coefficient path (``path.*``) and ``family``; version-1 files (linear regressors) read
#: unchanged
SCHEMA_VERSION = 2
READABLE = (1, 2)
META = "__metadata__"
SEL = "selection."
EXTRA = "selection.extra."
SEL_FIELDS = ("alphas", "mean", "se", "df", "alpha", "index_min", "index_1se")
ALLOWED_KINDS = "fiu"


# ============================================================================ writing
def write_archive(path, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Record the arrays' dtypes and shapes and both checksums in ``meta``, then write the
    archive atomically."""
    meta["arrays"] = {k: {"dtype": v.dtype.str, "shape": list(v.shape)}
                      for k, v in sorted(arrays.items())}
    meta["checksum"] = {"algorithm": "sha256", "arrays": digest_arrays(arrays),
                        "metadata": digest_metadata(meta)}
    blob = np.frombuffer(json.dumps(meta, sort_keys=True, allow_nan=False).encode("utf-8"),
                         dtype=np.uint8)
    with atomic_write(path, "wb") as handle:
        np.savez(handle, **arrays, **{META: blob})
    return Path(path)


def jsonable(value):
    """``value`` as plain JSON types, or TypeError."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | np.integer | np.floating | np.bool_):
        v = value.item() if isinstance(value, np.generic) else value
        if isinstance(v, float) and not np.isfinite(v):
            raise TypeError("non-finite float")
        return v
    if isinstance(value, np.str_):
        return str(value)
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(type(value).__name__)


def user_metadata(metadata: dict) -> dict:
    out = {}
    for key, value in metadata.items():
        try:
            out[key] = jsonable(value)
        except TypeError:
            raise ModelFileError(f"metadata {key!r} of type {type(value).__name__} is not "
                                 "JSON-serializable") from None
    return out


def ridgekit_version() -> str:
    try:
        from importlib.metadata import version

        return version("ridgekit")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "unknown"


def digest_arrays(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        header = json.dumps([name, a.dtype.str, list(a.shape)])
        h.update(header.encode("utf-8") + b"\n")
        h.update(a.tobytes())
    return h.hexdigest()


def digest_metadata(meta: dict) -> str:
    body = {k: v for k, v in meta.items() if k != "checksum"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ========================================================================= selection
def selection_arrays(selection, arrays: dict) -> dict:
    """Put a Selection's arrays into ``arrays``; return its metadata."""
    if not (hasattr(selection, "alphas") and hasattr(selection, "criterion")
            and hasattr(selection, "rule")):
        raise ModelFileError(f"selection must be a Selection (alphas, criterion, rule, ...); "
                             f"got {type(selection).__name__}")
    present = []
    for name in SEL_FIELDS:
        value = getattr(selection, name, None)
        if value is None:
            continue
        a = np.asarray(value)
        a = a.astype(np.int64) if name.startswith("index") else a.astype(np.float64)
        arrays[SEL + name] = a
        present.append(name)
    if "alphas" not in present:
        raise ModelFileError("the selection has no alphas")
    extra_values, extra_arrays = {}, []
    for key, value in dict(getattr(selection, "extra", None) or {}).items():
        key = str(key)
        plain = value is None or isinstance(value, str | dict | bool | np.bool_)
        a = None if plain else np.asarray(value)
        if a is not None and a.dtype.kind in "fiub":  # numbers, NaN included, as arrays
            arrays[EXTRA + key] = a.astype(np.float64)
            extra_arrays.append(key)
        else:
            try:
                extra_values[key] = jsonable(value)
            except TypeError:
                raise ModelFileError(f"selection.extra[{key!r}] of type "
                                     f"{type(value).__name__} cannot be stored") from None
    return {"criterion": str(selection.criterion), "rule": str(selection.rule),
            "fields": present, "extra_arrays": extra_arrays, "extra_values": extra_values}


def validate_selection(arrays, sel, error) -> None:
    if not isinstance(sel, dict) or not isinstance(sel.get("fields"), list):
        raise error("invalid selection metadata")
    want = {SEL + f for f in sel["fields"]} | {EXTRA + k for k in sel.get("extra_arrays", [])}
    have = {k for k in arrays if k.startswith(SEL)}
    if want != have:
        raise error(f"selection arrays {sorted(have)} do not match the metadata {sorted(want)}")
    if SEL + "alphas" not in arrays:
        raise error("the selection has no alphas")
    alphas = arrays[SEL + "alphas"]
    L = alphas.shape[0] if alphas.ndim == 1 else -1
    if L < 1:
        raise error(f"selection.alphas has shape {alphas.shape}; expected (L,)")
    for name in ("mean", "se", "df"):
        a = arrays.get(SEL + name)
        if a is not None and (a.ndim == 0 or a.shape[0] != L):
            raise error(f"selection.{name} has shape {a.shape}; expected ({L}, ...)")
    for name in ("index_min", "index_1se"):
        a = arrays.get(SEL + name)
        if a is not None and (a.dtype.kind not in "iu" or np.any(a < 0) or np.any(a >= L)):
            raise error(f"selection.{name} is not a valid index into {L} alphas")


def build_selection(arrays, sel):
    from ridgekit.select._selection import Selection

    def get(name):
        a = arrays.get(SEL + name)
        if a is None or a.ndim > 0 or name in ("alphas", "mean", "se", "df"):
            return a
        return int(a) if name.startswith("index") else float(a)

    extra = {}
    for k in sel.get("extra_arrays", []):
        a = arrays[EXTRA + k]
        extra[k] = float(a) if a.ndim == 0 else a
    extra.update(sel.get("extra_values", {}))
    return Selection(alphas=get("alphas"), criterion=sel["criterion"], mean=get("mean"),
                     se=get("se"), df=get("df"), rule=sel["rule"], alpha=get("alpha"),
                     index_min=get("index_min"), index_1se=get("index_1se"), extra=extra,
                     refined="alpha_refined" in extra)


# ============================================================================ reading
def read_archive(path: str | os.PathLike) -> tuple[Path, dict[str, np.ndarray], dict]:
    """Open, parse and check the container: format name, schema version, checksums and
    the array record. Returns (path, arrays, metadata)."""
    p = Path(path)
    if not p.exists():
        raise ModelFileError(f"no such model file: {p}")
    if p.is_dir():
        raise ModelFileError(f"{p} is a directory, not a model file")
    with open(p, "rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":  # an .npz is a zip archive; anything else is refused unread
        raise ModelFileError(f"{p} is not a ridgekit model file (not an .npz archive)")
    arrays, meta = _parse(p)
    _check_container(p, arrays, meta)
    return p, arrays, meta


def _parse(p: Path) -> tuple[dict[str, np.ndarray], dict]:
    bad = f"{p} is not a valid ridgekit model file"
    try:
        archive = np.load(p, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ModelFileError(f"{bad}: it holds a single array, not an .npz archive")
        with archive:
            files = list(archive.files)
            if META not in files:
                raise ModelFileError(f"{bad}: it has no {META} entry")
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
    blob = arrays.pop(META)
    if blob.dtype != np.uint8 or blob.ndim != 1:
        raise ModelFileError(f"{bad}: {META} is not a byte array")
    try:
        meta = json.loads(blob.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{bad}: its metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{bad}: its metadata is not a JSON object")
    return arrays, meta


def _check_container(p: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    if meta.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{p} is not a ridgekit model file (format "
                             f"{meta.get('format')!r})")
    version = meta.get("schema_version")
    if version not in READABLE or isinstance(version, bool):
        raise ModelFileError(f"{p} has schema version {version!r}, which this ridgekit "
                             f"cannot read (it reads {', '.join(map(str, READABLE))}); use "
                             "the ridgekit version that wrote it")
    checksum = meta.get("checksum")
    if not isinstance(checksum, dict) or checksum.get("algorithm") != "sha256":
        raise ModelFileError(f"{p}: the metadata has no SHA-256 checksum")
    try:
        meta_ok = digest_metadata(meta) == checksum.get("metadata")
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
        if a.dtype.kind not in ALLOWED_KINDS:
            raise ModelFileError(f"{p}: array {name!r} has unsupported dtype {a.dtype}")
    if digest_arrays(arrays) != checksum.get("arrays"):
        raise ModelFileError(f"{p}: the arrays were modified or corrupted (checksum mismatch)")
