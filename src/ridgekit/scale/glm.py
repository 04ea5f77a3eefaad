r"""L2-penalized logistic and multinomial regression on Dask: Newton, one pass per step.

The objective is :class:`ridgekit.linear_model.LogisticRidge`'s,
:math:`F(\Theta) = \sum_i w_i\ell_i(a_i^T\Theta) + \frac{\alpha}{2}\sum_{jk} c_j
\Theta_{jk}^2`. Its data part splits over rows, so every quantity Newton needs is a sum
of per-block pieces, merged by the same fixed tree as the moments
(:func:`ridgekit.scale.dask.run_tree`):

.. math:: \nabla = \sum_b A_b^T R_b, \qquad H = \sum_b A_b^T D_b A_b, \qquad
          L(t) = \sum_b \sum_{i\in b} w_i\ell_i(\eta_i + t\,\delta\eta_i).

A block computes them with :mod:`ridgekit.glm`'s own pieces (``Design``, the family's
gradient state, ``full_hessian``); the client factors :math:`H + \alpha C` with
``penalized_factor`` and takes the step :math:`\delta = -(H + \alpha C)^{-1}\nabla F`.
One pass evaluates the next point *and* the Armijo line search: the losses at
:math:`\Theta + t\delta` for :math:`t = 1, \frac12, \dots, 2^{-7}` (cheap: the block
already has :math:`A\Theta` and :math:`A\delta`) and the gradient and Hessian at
:math:`t = 1`. A full step (the rule near the optimum) thus costs one pass; a damped one
two. The stopping rules are ``glm._newton.newton``'s: :math:`\lVert\nabla F\rVert_2 \le`
``tol``, or a Newton decrement at rounding level. Passes before convergence: one for
the class labels (which also gathers each class's weighted sums and Gram of
:math:`[1 \mid X]`, all the null model's Newton data need: :func:`null_part`), then one
per Newton step -- a handful.

Each pass sends every block the parameters (d·K numbers per model) and brings back
:math:`(dK)^2 + dK + 8` numbers per model per block, whatever the block's rows. The class
labels come from one pass over y (and the weights; X too when ``standardize``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from ridgekit.scale.blocks import MAX_GRAM_BYTES, BlockSpec, _check_block, as_float_block
from ridgekit.scale.dask import DaskBlocks, collect_blocks, run_tree, store_names

__all__ = ["LogisticData", "prepare", "newton_lockstep", "fit_logistic", "DaskProblem",
           "PASS_TRIALS"]

#: step lengths whose losses every step's pass evaluates (the Armijo backtracking)
PASS_TRIALS = tuple(0.5 ** np.arange(8))


# ------------------------------------------------------------------ label pass
def _labels(y, start: int, where: str) -> np.ndarray:
    """A block of class labels as a 1-D ndarray; missing labels named by row."""
    if hasattr(y, "isna") and hasattr(y, "to_numpy"):  # pandas
        miss = np.asarray(y.isna()).ravel()
        v = y.to_numpy().ravel()
    else:
        v = np.asarray(y).ravel()
        if v.dtype.kind == "f":
            miss = np.isnan(v)
        elif v.dtype.kind == "O":
            miss = np.array([u is None or (isinstance(u, float) and u != u) for u in v], bool)
        else:
            miss = np.zeros(v.size, bool)
    if miss.any():
        raise ValueError(f"y has a missing label (NaN/None) at row {start + int(np.argmax(miss))}"
                         f" ({where}); drop or fill those rows before fitting")
    if v.dtype.kind == "f" and np.any(v != np.round(v)):
        i = int(np.flatnonzero(v != np.round(v))[0])
        raise ValueError(f"y holds continuous values (e.g. {v[i]!r} at row {start + i}, "
                         f"{where}); a classifier needs class labels")
    return v


def _label_task(x, y, w, start, rows, index, folds, want_x, null):
    """Per class label: [count, weight, weight per fold (F), count per fold (F),
    (Σ w x, Σ w x² when ``want_x``), (Σ w a and Σ w a aᵀ, a = [1 | x] when ``null`` is
    fit_intercept, not None: the null model's gradient and Hessian follow from them)]."""
    where = f"block {index}, rows {start}..{start + rows - 1}"
    v = _labels(y, start, where)
    wb = np.ones(v.size) if w is None else as_float_block(w, "sample_weight").ravel()
    if wb.size != v.size:
        raise ValueError(f"y and sample_weight have different lengths in {where}")
    if not (np.isfinite(wb).all() and (wb >= 0).all()):
        _check_block(np.zeros((v.size, 0)), np.zeros((v.size, 1)), wb, start, BlockSpec(), where)
    labels, codes = np.unique(v, return_inverse=True)
    k = 0 if folds is None else folds.n_splits
    cols = [np.bincount(codes, minlength=labels.size).astype(float),
            np.bincount(codes, weights=wb, minlength=labels.size)]
    if k:
        ids = np.asarray(folds.ids(start, start + v.size))
        flat = codes * k + ids
        cols.append(np.bincount(flat, weights=wb, minlength=labels.size * k).reshape(-1, k))
        cols.append(np.bincount(flat, minlength=labels.size * k).reshape(-1, k).astype(float))
    X = as_float_block(x, "X") if want_x or null is not None else None
    with np.errstate(invalid="ignore", over="ignore"):
        if want_x:
            onehot = np.zeros((v.size, labels.size))
            onehot[np.arange(v.size), codes] = wb
            cols += [onehot.T @ X, onehot.T @ (X * X)]
        if null is not None:
            cols.append(_class_grams(X, wb, codes, labels.size, null))
    table = np.column_stack([c if c.ndim == 2 else c[:, None] for c in cols])
    if X is not None and not np.isfinite(table).all():
        _check_block(X, np.zeros((v.size, 1)), wb, start, BlockSpec(), where)
    return {lab: table[i] for i, lab in enumerate(labels.tolist())}


def _class_grams(X, w, codes, n_labels, fit_intercept):
    """Per label: Σ w a (d) and Σ w a aᵀ (d²) over its rows, by glm's ``Design``."""
    from ridgekit.glm._design import Design

    out = []
    for c in range(n_labels):
        rows = codes == c
        design = Design(X[rows], fit_intercept)
        out.append(np.r_[design.rmatvec(w[rows][:, None])[:, 0], design.gram(w[rows]).ravel()])
    return np.array(out)


def _merge_labels(*parts):
    out = dict(parts[0])
    for part in parts[1:]:
        for lab, row in part.items():
            out[lab] = out[lab] + row if lab in out else row
    return out


# ----------------------------------------------------------------- Newton pass
@dataclass(frozen=True)
class PassSpec:
    """What every Newton block task needs besides its rows and the parameters."""

    classes: np.ndarray
    class_mult: np.ndarray  # class weight of each class
    fit_intercept: bool
    folds: object | None = None
    score: str = "deviance"  # held-out error of the fold models
    feature_names: tuple | None = None


def _codes(v, classes) -> np.ndarray:
    if v.dtype != classes.dtype and classes.dtype.kind in "US":
        v = v.astype(classes.dtype)
    codes = np.clip(np.searchsorted(classes, v), 0, classes.size - 1)
    if not np.all(classes[codes] == v):
        raise ValueError("y has a label not seen by the label pass (the data changed "
                         "between passes?)")
    return codes


def _newton_task(x, y, w, start, rows, index, spec, requests, want_gram):
    """Per model (theta, step, trials, fold): losses at the trials, data gradient and
    Hessian at the first trial, held-out error sum and weight, max |eta|."""
    from ridgekit.glm import family_for
    from ridgekit.glm._design import Design
    from ridgekit.glm._newton import full_hessian
    from ridgekit.glm.scoring import pointwise_error

    where = f"block {index}, rows {start}..{start + rows - 1}"
    X = as_float_block(x, "X")
    codes = _codes(_labels(y, start, where), spec.classes)
    w_eval = np.ones(codes.size) if w is None else as_float_block(w, "sample_weight").ravel()
    w_fit = w_eval * spec.class_mult[codes]
    family = family_for(spec.classes.size)
    Y = family.encode(codes, spec.classes.size)
    design = Design(X, spec.fit_intercept)
    K = family.n_outputs
    ids = None if spec.folds is None else np.asarray(spec.folds.ids(start, start + rows))
    thetas = np.concatenate([r[0] for r in requests], axis=1)
    steps = [r[1] for r in requests]
    with np.errstate(invalid="ignore", over="ignore"):
        eta_all = design.eta(thetas)
        estep = design.eta(np.concatenate([np.zeros_like(r[0]) if s is None else s
                                           for r, s in zip(requests, steps, strict=True)],
                                          axis=1)) if any(s is not None for s in steps) else None
        out = []
        for m, (_, step, trials, fold) in enumerate(requests):
            eta = eta_all[:, m * K:(m + 1) * K]
            wm = w_fit if fold < 0 else w_fit * (ids != fold)
            losses = np.empty(len(trials))
            for j, t in enumerate(trials):
                e = eta if step is None else eta + t * estep[:, m * K:(m + 1) * K]
                losses[j] = family.loss(e, Y, wm)
            if step is not None:
                eta = eta + trials[0] * estep[:, m * K:(m + 1) * K]
            R, state = family.state(eta, Y, wm)
            held = np.zeros(2)
            if fold >= 0:
                te = ids == fold
                held[:] = pointwise_error(spec.score, family, eta[te], Y[te]) @ w_eval[te], \
                    w_eval[te].sum()
            out.append([losses, design.rmatvec(R), full_hessian(design, family, state, K),
                        held, np.array([np.abs(eta).max(initial=0.0)])])
        gram = design.gram(w_fit) if want_gram else None
    finite = all(np.isfinite(a).all() for part in out for a in part[:3])
    if not finite or (gram is not None and not np.isfinite(gram).all()):
        names = BlockSpec(None, spec.feature_names)
        _check_block(X, np.zeros((rows, 1)), w_eval, start, names, where)
        raise ValueError(f"X has values so large that the Hessian overflows float64 ({where});"
                         " rescale X")
    return out, gram


def _merge_newton(*parts):
    models, gram = [[a.copy() for a in m] for m in parts[0][0]], parts[0][1]
    gram = None if gram is None else gram.copy()
    for other, g in parts[1:]:
        for mine, theirs in zip(models, other, strict=True):
            for a, b in zip(mine[:4], theirs[:4], strict=True):
                a += b
            np.maximum(mine[4], theirs[4], out=mine[4])
        if gram is not None:
            gram += g
    return models, gram


# -------------------------------------------------------------- the data set
@dataclass
class LogisticData:
    """A Dask classification problem after the label pass: blocks, classes, weights,
    penalty, and the per-pass settings."""

    blocks: DaskBlocks
    spec: PassSpec
    classes: np.ndarray
    family: object
    pen: np.ndarray  # (d,), 0 for the intercept
    totals: np.ndarray  # (C,) class totals of the fitting weights
    fold_totals: np.ndarray | None  # (F, C) the same per fold
    fold_counts: np.ndarray | None  # (F, C) rows per fold and class
    eval_total: float  # sum of the sample weights
    options: dict = field(default_factory=dict)
    class_grams: tuple | None = None  # per class Σ w a (C, d), Σ w a aᵀ (C, d, d)
    passes: int = 1  # the label pass

    @property
    def K(self) -> int:
        return self.family.n_outputs

    @property
    def d(self) -> int:
        return self.pen.size

    def run(self, requests, want_gram=False):
        """One pass over the data for the given model requests."""
        self.passes += 1
        return _run(self.blocks, _newton_task, (self.spec, requests, want_gram),
                    _merge_newton, self.options)

    def summary(self, totals, gram=None):
        """A :class:`ridgekit.glm.Problem` that knows only class totals (and the weighted
        Gram): its ``null_theta`` and ``default_alphas`` are those of the full data."""
        from ridgekit.glm import Problem

        C = self.classes.size
        design = SimpleNamespace(d=self.d, p=self.blocks.n_features, n=self.blocks.n_samples,
                                 fit_intercept=self.spec.fit_intercept,
                                 gram=lambda h: gram)
        return Problem(design, self.family, self.family.encode(np.arange(C), C),
                       np.asarray(totals, float), self.pen, "exact")


def _run(blocks, task, args, merge, options):
    """One pass: Dask blocks through :func:`run_tree`, files through
    :meth:`ridgekit.scale.file_blocks.FileBlocks.run` (same task and merge)."""
    if isinstance(blocks, DaskBlocks):
        return run_tree(blocks, task, args, merge, **options)
    return blocks.run(task, args, merge, **options)


def _collect(X, y, sample_weight):
    from ridgekit.scale.file_blocks import FileBlocks

    if isinstance(X, FileBlocks):  # labels and weights are columns of the files
        return X
    return collect_blocks(X, y, sample_weight, labels=True)


def _check_solver(est) -> None:
    if getattr(est, "solver", "auto") not in ("auto", "newton-cholesky"):
        raise ValueError(f"solver={est.solver!r}: on Dask every Hessian-vector product "
                         "would be a pass over the data; the Dask fit is Newton with the "
                         "full Hessian (solver='auto' or 'newton-cholesky')")


def prepare(est, X, y, sample_weight=None, folds=None, score="deviance",
            options=None, null_stats: bool = False) -> LogisticData:
    """Validate, run the label pass, and build the penalty and the pass settings.

    ``null_stats``: the label pass reads X too and gathers each class's weighted sums
    and Gram of ``[1 | X]``, from which the null model's Newton data follow without a
    pass of their own (:func:`null_part`).

    Raises
    ------
    ValueError
        One class only, a class of zero total weight, non-numeric X, missing or
        continuous labels, bad weights, too many parameters for a client-side Hessian.
    """
    from ridgekit.glm import family_for
    from ridgekit.linear_model._logistic import _penalty_factor

    options = dict(options or {})
    max_bytes = options.pop("max_gram_bytes", None)
    family_name = options.pop("classes", None)  # "binomial": exactly two classes
    blocks = _collect(X, y, sample_weight)
    p = blocks.n_features
    pen = _penalty_factor(SimpleNamespace(penalty_factor=getattr(est, "penalty_factor", None),
                                          standardize=False), None, None, p)
    standardize = bool(getattr(est, "standardize", False))
    fit_intercept = bool(getattr(est, "fit_intercept", True))
    d = p + fit_intercept
    _check_hessian_size(d, 1, 1 if folds is None else folds.n_splits + 1, max_bytes)
    stats = _run(blocks, _label_task, (folds, standardize,
                                       fit_intercept if null_stats else None),
                 _merge_labels, options)
    if len({isinstance(k, str) for k in stats}) > 1:
        raise ValueError("y mixes numbers and text as labels (e.g. "
                         f"{sorted(stats, key=str)[:4]}); give every label as text or "
                         "every label as a number")
    try:
        classes = np.unique(np.array(list(stats)))
    except TypeError:
        raise ValueError("y mixes label types that cannot be ordered (e.g. numbers and "
                         "strings)") from None
    if classes.size < 2:
        raise ValueError(f"y has only one class ({classes[0]!r}); a classifier needs at "
                         "least 2 classes")
    if family_name == "binomial" and classes.size > 2:
        raise ValueError(f"family binomial needs two classes; y holds {classes.size} "
                         f"({', '.join(map(repr, classes.tolist()[:5]))}"
                         f"{', ...' if classes.size > 5 else ''}): use multinomial")
    table = np.stack([stats[c] for c in classes.tolist()])
    counts, wsum = table[:, 0], table[:, 1]
    mult = _class_mult(getattr(est, "class_weight", None), classes, counts)
    totals = wsum * mult
    if np.any(totals <= 0):
        bad = classes[np.flatnonzero(totals <= 0)[0]]
        raise ValueError(f"class {bad!r} has zero total sample_weight: every sample of it "
                         "is weighted 0, so it cannot be learned; drop the class or give "
                         "its samples positive weight")
    k = 0 if folds is None else folds.n_splits
    fold_totals = fold_counts = None
    if k:
        fold_totals = (table[:, 2:2 + k] * mult[:, None]).T
        fold_counts = table[:, 2 + k:2 + 2 * k].T
    grams = None
    if null_stats:
        tail = table[:, table.shape[1] - d - d * d:]
        table = table[:, :table.shape[1] - d - d * d]
        grams = (tail[:, :d], tail[:, d:].reshape(-1, d, d))
    if standardize:
        sx, sxx = table[:, 2 + 2 * k:2 + 2 * k + p], table[:, 2 + 2 * k + p:]
        W = float(totals.sum())
        m, m2 = (mult @ sx) / W, (mult @ sxx) / W
        var = np.clip(m2 - m**2, 0.0, None)
        var[var <= 1e-14 * np.maximum(m2, 1e-300)] = 1.0  # constant columns: left as is
        pen = pen * var
    if fit_intercept:
        pen = np.concatenate([[0.0], pen])
    family = family_for(classes.size)
    _check_hessian_size(pen.size, family.n_outputs, 1 if not k else k + 1, max_bytes)
    names = None if blocks.feature_names is None else tuple(blocks.feature_names)
    spec = PassSpec(classes, mult, fit_intercept, folds, score, names)
    return LogisticData(blocks, spec, classes, family, pen, totals, fold_totals, fold_counts,
                        float(wsum.sum()), options, class_grams=grams)


def _check_hessian_size(d: int, K: int, models: int, max_bytes: int | None) -> None:
    """Refuse, before any Newton pass, Hessians too large for the client."""
    limit = MAX_GRAM_BYTES if max_bytes is None else int(max_bytes)
    need = 8 * models * (d * K) ** 2
    if need > limit:
        raise ValueError(
            f"{d * K} parameters ({d} per class x {K}): the {models} Hessian(s) of a Newton "
            f"pass need {need / 2**30:.1f} GiB on the client, over the limit of "
            f"{limit / 2**30:.1f} GiB (max_gram_bytes); reduce the features, use fewer "
            "folds, or raise max_gram_bytes if the client has the memory")


def _class_mult(class_weight, classes, counts) -> np.ndarray:
    """scikit-learn's class weights from the class counts (``"balanced"``: n / (C n_c))."""
    if class_weight is None:
        return np.ones(classes.size)
    if isinstance(class_weight, str) and class_weight == "balanced":
        return counts.sum() / (classes.size * counts)
    from sklearn.utils.class_weight import compute_class_weight

    return compute_class_weight(class_weight, classes=classes, y=classes)


# ------------------------------------------------------------- the Newton loop
class _Model:
    """One Newton iteration state on the client: parameters and the data parts (loss,
    gradient, Hessian) at them."""

    def __init__(self, theta, fold: int, tol: float):
        self.theta, self.fold, self.tol = theta.copy(), int(fold), float(tol)
        self.loss = self.gd = self.H = None
        self.held = np.zeros(2)
        self.eta_max = 0.0
        self.step = None

    def reset(self):
        self.done, self.converged, self.n_iter = False, False, 0
        self.gnorm0 = self.last_g = None
        self.stalled = 0

    def store(self, part):
        self.loss, self.gd, self.H = float(part[0][0]), part[1], part[2]
        self.held, self.eta_max = part[3], float(part[4][0])


def _objective(m, alpha, pen, theta=None):
    th = m.theta if theta is None else theta
    return 0.5 * alpha * float(np.sum(pen[:, None] * th**2))


def _plan(m, alpha, pen, K, max_iter):
    """Decide the model's next request: None when it is done."""
    from ridgekit.glm._newton import penalized_factor

    g = m.gd + alpha * pen[:, None] * m.theta
    m.gnorm = float(np.linalg.norm(g))
    m.gnorm0 = m.gnorm if m.gnorm0 is None else m.gnorm0
    if m.gnorm <= m.tol:
        m.done = m.converged = True
    elif m.stalled >= 3:  # rounding level, three steps without halving the gradient
        m.done = m.converged = True
    elif m.n_iter >= max_iter:
        m.done = True
    if m.done:
        return None
    fac = penalized_factor(m.H, alpha, pen, K)
    step = -fac.solve(g.T.ravel()).reshape(K, -1).T
    slope = float(np.vdot(g, step))
    if slope >= 0:  # not a descent direction: rounding has won
        m.done, m.converged = True, m.gnorm <= max(m.tol, 1e-6 * m.gnorm0)
        return None
    m.f0 = m.loss + _objective(m, alpha, pen)
    m.slope = slope
    m.tiny = -slope <= 1e-13 * max(abs(m.f0), 1.0)
    if m.tiny:  # decrement below what f resolves: a full step, no search
        m.stalled = m.stalled + 1 if m.last_g is not None and m.gnorm > 0.5 * m.last_g else 0
    m.last_g = m.gnorm
    m.step = step
    return (m.theta, step, (1.0,) if m.tiny else PASS_TRIALS, m.fold)


def _accept(m, part, alpha, pen):
    """Armijo on the pass's trial losses; True when the point needs its own pass."""
    step, m.step = m.step, None
    trials = (1.0,) if m.tiny else PASS_TRIALS
    ok = [j for j, t in enumerate(trials)
          if m.tiny or part[0][j] + _objective(m, alpha, pen, m.theta + t * step)
          <= m.f0 + 1e-4 * t * m.slope]
    if not ok:
        m.done, m.converged = True, m.gnorm <= max(m.tol, 1e-6 * m.gnorm0)
        return False
    m.n_iter += 1
    m.theta = m.theta + trials[ok[0]] * step
    if ok[0] == 0:
        m.store(part)
        return False
    return True


def newton_lockstep(data: LogisticData, models: list[_Model], alpha: float,
                    max_iter: int) -> None:
    """Advance every model to its minimum at ``alpha``; each round is one pass serving
    all models that still move. Models must carry their data parts (``store``)."""
    pen, K = data.pen, data.K
    for m in models:
        m.reset()
    pending: list = []  # models whose current point has no data parts yet
    while True:
        requests, owners = [], []
        for m in models:
            if m in pending:
                requests.append((m.theta, None, (0.0,), m.fold))
                owners.append(m)
            elif not m.done:
                req = _plan(m, alpha, pen, K, max_iter)
                if req is not None:
                    requests.append(req)
                    owners.append(m)
        if not requests:
            return
        parts, _ = data.run(requests)
        pending = []
        for m, part in zip(owners, parts, strict=True):
            if m.step is None:
                m.store(part)
            elif _accept(m, part, alpha, pen):
                pending.append(m)


def start_models(data: LogisticData, thetas: list, folds: list[int], tols: list[float],
                 want_gram: bool = False):
    """Models at their starting points, evaluated by one pass (and the weighted Gram)."""
    models = [_Model(t, f, tol) for t, f, tol in zip(thetas, folds, tols, strict=True)]
    parts, gram = data.run([(m.theta, None, (0.0,), m.fold) for m in models], want_gram)
    for m, part in zip(models, parts, strict=True):
        m.store(part)
    return models, gram


def null_part(data: LogisticData, theta0: np.ndarray) -> list:
    """The Newton data (loss, gradient, Hessian) at the null model from the class sums of
    the label pass: every row of class c has the same linear predictor there, so the
    family's own state and ``full_hessian`` run on C "rows", one per class, whose Gram
    is the class's weighted Gram."""
    from ridgekit.glm._newton import full_hessian

    S, G = data.class_grams
    fam, C, K = data.family, data.classes.size, data.K
    eta = np.tile(theta0[0] if data.spec.fit_intercept else np.zeros(K), (C, 1))
    Y = fam.encode(np.arange(C), C)
    R, state = fam.state(eta, Y, data.spec.class_mult)
    design = SimpleNamespace(d=data.d, gram=lambda h: np.einsum("c,cij->ij", h, G))
    return [np.array([fam.loss(eta, Y, data.totals)]), S.T @ R,
            full_hessian(design, fam, state, K), np.zeros(2),
            np.array([np.abs(eta).max()])]


class DaskProblem:
    """Stands in for :class:`ridgekit.glm.Problem` in a :class:`~ridgekit.glm.LogisticPath`
    fitted on Dask: off-grid refits are Newton passes over the same collections."""

    def __init__(self, data: LogisticData, tol: float, max_iter: int):
        self.data, self.tol, self.max_iter = data, float(tol), int(max_iter)
        self.family = data.family
        self.pen = data.pen
        self.design = SimpleNamespace(fit_intercept=data.spec.fit_intercept,
                                      p=data.blocks.n_features, d=data.d)

    @property
    def K(self) -> int:
        return self.data.K

    def solve(self, alpha, theta0, hessian0=None):
        (m,), _ = start_models(self.data, [theta0], [-1], [self.tol])
        newton_lockstep(self.data, [m], float(alpha), self.max_iter)
        return SimpleNamespace(theta=m.theta, converged=m.converged, n_iter=m.n_iter,
                               grad_norm=m.gnorm, loss=m.loss)


# ------------------------------------------------------------- LogisticRidge
def fit_logistic(est, X, y, sample_weight=None, options=None):
    """``LogisticRidge.fit`` on a Dask X: a label pass, then Newton with one pass per
    step (see the module docstring)."""
    import warnings

    from ridgekit._validation import check_alpha
    from ridgekit.glm import ConvergenceWarning
    from ridgekit.linear_model._logistic import _check_l1_ratio, _raise_if_unbounded

    est._validate_params()
    _check_l1_ratio(est.l1_ratio)
    _check_solver(est)
    alpha = float(check_alpha(est.alpha, 1)[0])
    warm = est.warm_start and hasattr(est, "coef_")
    data = prepare(est, X, y, sample_weight, options=options, null_stats=not warm)
    theta0 = data.summary(data.totals).null_theta()
    fi = data.spec.fit_intercept
    if warm and est.coef_.shape == (data.K, data.blocks.n_features) and \
            np.array_equal(getattr(est, "classes_", None), data.classes):
        theta0 = np.vstack([est.intercept_[None, :], est.coef_.T]) if fi else est.coef_.T.copy()
    if data.class_grams is None:
        (m,), _ = start_models(data, [theta0], [-1], [est.tol])
    else:  # the label pass has served the null model
        m = _Model(theta0, -1, est.tol)
        m.store(null_part(data, theta0))
    try:
        newton_lockstep(data, [m], alpha, int(est.max_iter))
    except np.linalg.LinAlgError as exc:
        raise ValueError(str(exc)) from None
    _raise_if_unbounded(alpha, SimpleNamespace(pen=data.pen, design=SimpleNamespace(
        fit_intercept=fi)), SimpleNamespace(eta=np.array([m.eta_max]), converged=m.converged))
    if not m.converged:
        warnings.warn(f"LogisticRidge: Newton stopped after {m.n_iter} steps with gradient "
                      f"norm {m.gnorm:.2e} > tol={est.tol}; raise max_iter",
                      ConvergenceWarning, stacklevel=3)
    store_names(est, data.blocks)
    est.classes_ = data.classes
    est._store_theta(m.theta, fi)
    est.n_iter_ = int(m.n_iter)
    est.grad_norm_ = float(m.gnorm)
    est.solver_ = "exact"
    est.n_passes_ = data.passes
    return est
