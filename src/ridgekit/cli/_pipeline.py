"""The fit pipeline behind ``ridgekit fit``: read -> folds -> sufficient statistics ->
standardize -> family -> selection, each step a small function.

The model family is one pluggable step (:data:`FAMILIES`): a family turns per-fold
moments, or all rows' moments, into a fitted model for a selection choice: ridge, the
elastic net / lasso (:mod:`ridgekit.cli._families`, from the same per-fold moments), and
the logistic families, which need the rows and read the file into memory.

Dense formats are always streamed (memory O(p²) per fold, any size of file): k-fold in one
pass, the closed-form rules (gcv, hkb, lcurve, ...) from the moments of one pass, and exact
leave-one-out with a second, blocked pass. Sparse svmlight data is read into memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ridgekit.cli._common import UsageProblem, phase, reading
from ridgekit.cli._families import EnetFamily, LogisticFamily, standardize_rows
from ridgekit.scale.streaming import standardize_folds, standardize_moments

__all__ = ["FitRequest", "FitOutcome", "CvChoice", "parse_cv", "run_fit", "FAMILIES"]


@dataclass(frozen=True)
class CvChoice:
    """How λ is chosen: ``kind`` is "kfold" (``folds`` folds), "loo" or "rule" (a closed-form
    rule of :data:`ridgekit.select.RULES` by ``name``)."""

    kind: str
    name: str
    folds: int | None = None


def parse_cv(text: str) -> CvChoice:
    from ridgekit.select import RULES

    key = text.strip().lower().replace("_", "-")
    if key.isdigit():
        k = int(key)
        if k < 2:
            raise UsageProblem(f"--cv {text}: k-fold needs at least 2 folds")
        return CvChoice("kfold", "kfold", k)
    if key == "loo":
        return CvChoice("loo", "loo")
    if key == "alo":
        return CvChoice("alo", "alo")
    if key in RULES:
        return CvChoice("rule", key)
    raise UsageProblem(f"--cv {text!r}: use a number of folds >= 2, loo, alo (logistic) or "
                       f"one of {', '.join(sorted(RULES))}")


@dataclass
class FitRequest:
    data: Path
    target: str | None
    features: list[str] | None
    weight: str | None
    cv: CvChoice
    rule: str = "min"
    alphas: np.ndarray | None = None
    n_alphas: int | None = None
    df: float | None = None
    standardize: bool = False
    seed: int = 0
    folds_column: str | None = None
    index_col: str | bool | None = None
    format: str | None = None
    family: str = "ridge"
    l1_ratio: list[float] | None = None
    scoring: str = "deviance"


@dataclass
class FitOutcome:
    model: object
    feature_names: list[str]
    target_name: str
    n_rows: int
    x_mean: np.ndarray | None = None
    x_scale: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    folds_used: str = ""


# ------------------------------------------------------------------------ families
class RidgeFamily:
    """Ridge regression: closed form over one spectrum of the moments."""

    name = "ridge"
    needs_rows = False

    def from_folds(self, folds, req: FitRequest):
        from ridgekit.select import kfold_fit

        grid = req.alphas if req.alphas is not None else req.n_alphas
        with phase("k-fold over the grid"):
            return kfold_fit(folds, grid, req.rule)

    def from_moments(self, total, req: FitRequest, rows=None):
        """Fit with a closed-form rule, or LOO when ``rows`` (a re-iterable of blocks) is
        given for the second pass."""
        from ridgekit.select import default_alphas, degrees_of_freedom, select_by_name
        from ridgekit.select._selection import Selection
        from ridgekit.spectrum import from_moments

        with phase("decomposition"):
            spectrum = from_moments(total, True)
        grid = req.alphas
        if grid is None and req.n_alphas is not None:
            grid = default_alphas(spectrum, req.n_alphas)
        if rows is None:
            options = {"df": req.df} if req.cv.name == "df" else {}
            if req.df is not None and req.cv.name != "df":
                raise UsageProblem("--df goes with --cv df")
            with phase(f"{req.cv.name} over the grid"):
                sel = select_by_name(req.cv.name, spectrum, grid, rule=req.rule,
                                     per_target=False, **options)
        else:
            from ridgekit.scale.streaming import loo_from_blocks

            if grid is None:
                grid = default_alphas(spectrum)
            mean, se = _loo_pass(spectrum, rows, grid, loo_from_blocks)
            sel = Selection.from_curve(grid, "loo", mean, se, None, req.rule)
            sel.df = degrees_of_freedom(spectrum, sel.alphas)
        return _model_at(spectrum, sel)

    def fit_rows(self, req: FitRequest, X, y, w, cv):
        from ridgekit.linear_model import RidgeCV

        grid = req.alphas if req.alphas is not None else req.n_alphas
        model = RidgeCV(alphas=grid, cv=cv, rule=req.rule, df=req.df)
        with phase("fit"):
            return model.fit(X, y, w)


def _loo_pass(spectrum, rows, grid, loo_from_blocks):
    with reading("leave-one-out pass") as bar:
        rows.progress = bar
        return loo_from_blocks(spectrum, rows, grid)


def _model_at(spectrum, sel):
    from ridgekit.select import KFoldFit

    alpha = float(np.ravel(sel.alpha)[0])
    coef = spectrum.coef(alpha)
    intercept = spectrum.intercept(coef)
    return KFoldFit(coef[0], float(intercept[0]), alpha, sel, spectrum, coef.shape[1])


#: the model family step, by name: ridge, enet (``--l1-ratio``), binomial, multinomial
FAMILIES = {"ridge": RidgeFamily(), "enet": EnetFamily(), "binomial": LogisticFamily("binomial"),
            "multinomial": LogisticFamily("multinomial")}


# ------------------------------------------------------------------------ pipeline
def run_fit(req: FitRequest) -> FitOutcome:
    """Run the whole fit; raises DataError/UsageProblem/ValueError on bad input."""
    from ridgekit.io import open_blocks

    family = FAMILIES[req.family]
    if req.cv.kind == "alo" and not family.needs_rows:
        raise UsageProblem("--cv alo (approximate leave-one-out) is for --family binomial or "
                           "multinomial")
    if family.needs_rows:
        return family.run(req)
    if req.folds_column is not None and req.cv.kind != "kfold":
        raise UsageProblem("--folds-column sets the folds of k-fold; it cannot go with "
                           f"--cv {req.cv.name}")
    extra = [req.folds_column] if req.folds_column else []
    reader = open_blocks(req.data, req.target, req.features, req.weight, format=req.format,
                         index_col=req.index_col, extra=extra)
    if reader.format == "svmlight":
        return _in_memory(req, reader)
    out = FitOutcome(None, reader.feature_names, str(reader.target_name), 0,
                     notes=list(reader.notes))
    if req.cv.kind == "kfold":
        folds = _fold_pass(req, reader, out)
        if req.standardize:
            folds, out.x_mean, out.x_scale = standardize_folds(folds)
        out.model = family.from_folds(folds, req)
    else:
        if req.cv.kind == "loo" and req.weight is not None:
            return _in_memory(req, reader)
        from ridgekit.moments import Moments

        with reading("reading + moments") as bar:
            reader.progress = bar
            total = Moments.from_blocks(reader)
        out.n_rows = reader.rows_read
        rows = None
        if req.standardize:
            total, out.x_mean, out.x_scale = standardize_moments(total)
        if req.cv.kind == "loo":
            rows = _Rows(reader, out.x_mean, out.x_scale)
        out.model = family.from_moments(total, req, rows)
    return out


class _Rows:
    """The blocks of a reader again (second pass), standardized like the moments."""

    def __init__(self, reader, mean, scale):
        self.reader, self.mean, self.scale = reader, mean, scale
        self.progress = None

    def __iter__(self):
        self.reader.progress = self.progress
        for X, y, w, *_ in self.reader:
            if self.scale is not None:
                X = (X - self.mean) / self.scale
            yield X, y, w


def _fold_pass(req: FitRequest, reader, out: FitOutcome):
    from ridgekit.scale.streaming import fold_moments_from_blocks, fold_rule

    k = req.cv.folds
    if req.folds_column is not None:
        name = req.folds_column
        blocks = _labelled(reader, name)
        out.folds_used = f"folds from column {name!r}"
        with reading("reading + moments") as bar:
            reader.progress = bar
            folds = fold_moments_from_blocks(blocks)
        if req.cv.folds is not None and req.cv.folds != folds.n_folds and req.cv.folds != 10:
            raise UsageProblem(f"--cv {req.cv.folds} but column {name!r} holds "
                               f"{folds.n_folds} folds")
        out.n_rows = reader.rows_read
        return folds
    n = reader.n_rows
    if n is None:
        n = _count_rows(reader)
    if n == 0:
        raise UsageProblem(f"{reader.path} has no data rows")
    for _attempt in range(2):
        rule = fold_rule(k, n, req.seed)
        with reading("reading + moments") as bar:
            reader.progress = bar
            folds = fold_moments_from_blocks(_unlabelled(reader), folds=_Guard(rule))
        if reader.rows_read == n:
            break
        n = reader.rows_read  # the quick count was off (blank lines, quoted newlines)
    out.n_rows = reader.rows_read
    kind = type(rule).__name__
    out.folds_used = (f"{k} folds as KFold(shuffle=True, random_state={req.seed})"
                      if kind == "ShuffledKFold" else f"{k} balanced hashed folds, seed "
                      f"{req.seed}")
    return folds


class _Guard:
    """A fold rule that tolerates rows beyond the count (a wrong quick count): those rows
    get fold 0 and the pass is repeated with the true count."""

    def __init__(self, rule):
        self.rule, self.n_splits = rule, rule.n_splits

    def ids(self, start, stop):
        n = getattr(self.rule, "n_samples", None)
        if n is None or stop <= n:
            return self.rule.ids(start, stop)
        head = self.rule.ids(start, min(stop, n)) if start < n else np.zeros(0, np.intp)
        return np.concatenate([head, np.zeros(stop - max(start, n), np.intp)])


def _unlabelled(reader):
    for X, y, w, *_ in reader:
        yield X, y, w


def _labelled(reader, name):
    from ridgekit.io import DataError

    for X, y, w, extra in reader:
        labels = extra[name]
        bad = ~np.isfinite(labels) | (labels != np.round(labels))
        if bad.any():
            i = int(np.argmax(bad)) + reader.rows_read - X.shape[0] + 1
            raise DataError(f"fold column {name!r} of {reader.path} must hold whole numbers "
                            f"(row {i} holds {labels[int(np.argmax(bad))]})")
        yield X, y, w, labels.astype(np.int64)


def _count_rows(reader) -> int:
    """Data rows of a text file by a fast scan for line ends (no parsing)."""
    import pyarrow as pa

    path, lines, last = reader.path, 0, b"\n"
    with phase("counting rows"):
        compression = getattr(reader._source, "compression", None)
        raw = pa.OSFile(str(path), "r")
        try:
            stream = pa.CompressedInputStream(raw, compression) if compression else raw
            blank = 0
            while True:
                chunk = stream.read(1 << 24)
                if not chunk:
                    break
                lines += chunk.count(b"\n")
                blank += chunk.count(b"\n\n")
                last = chunk[-1:]
        finally:
            raw.close()
    rows = lines + (last != b"\n") - 1 - blank
    return max(rows, 0)


def _in_memory(req: FitRequest, reader) -> FitOutcome:
    """Sparse (svmlight) data or weighted LOO: read whole, fit the family on the rows."""
    from ridgekit.io import read_data

    if req.folds_column is not None:
        raise UsageProblem("--folds-column needs a format with named columns")
    with reading("reading") as bar:
        data = read_data(req.data, req.target, req.features, req.weight, format=req.format,
                         progress=bar, index_col=req.index_col)
    X, mean, scale = data.X, None, None
    if req.standardize:
        X, mean, scale = standardize_rows(X)
    if req.cv.kind == "kfold":
        from ridgekit.scale.streaming import fold_rule

        cv = fold_rule(req.cv.folds, X.shape[0], req.seed).fold_ids(X.shape[0])
    else:
        cv = req.cv.name
    model = FAMILIES[req.family].fit_rows(req, X, data.y, data.sample_weight, cv)
    return FitOutcome(model, data.feature_names, str(data.target_name), X.shape[0], mean,
                      scale, list(data.notes))
