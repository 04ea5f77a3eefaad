"""The folds of ``ElasticNetCV``: each split's training design, its held-out error for
every α of the grid, and the refinement of the α values the choice depends on.

On the Gram route (dense X, n >= p) nothing is refitted from the rows: the training
moments of fold k are the total with the fold taken out, and its held-out error follows
from the fold's own moments,

.. math::

    \\mathrm{SSE}_k(\\beta) = C^{(k)}_{yy} - 2\\beta^TC^{(k)}_{xy} + \\beta^TC^{(k)}_{xx}\\beta
    + s_k\\big((\\bar y_k - \\bar y_{-k}) - (\\bar x_k - \\bar x_{-k})^T\\beta\\big)^2 ,

for the whole coefficient matrix of a path at once (a few matrix products per fold).
Otherwise (p > n, scipy.sparse X) a fold's training fit is on its own rows (a CSC row
subset, never densified) and the error comes from predictions.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

from ridgekit._blas_split import MIN_SPLIT_BYTES, blas_pass
from ridgekit.linear_model._enet_relax import relax_mix, relaxed_coefs
from ridgekit.moments import FoldMoments, Moments
from ridgekit.select import fold_partitions, summarize_folds
from ridgekit.sparse import DenseDesign, GramDesign, SparseDesign, solve_path
from ridgekit.sparse._jit import kernels

__all__ = ["FoldData", "FOLD_TOL_FACTOR", "REFINE_MARGIN", "PREDICT_SLACK", "threads",
           "hold_blas"]

#: the context that holds numpy's BLAS at one thread for a CV fit (yields the workers)
hold_blas = lambda: blas_pass(MIN_SPLIT_BYTES)  # noqa: E731

#: on the Gram route the α values that decide the choice are solved to
#: ``tol * FOLD_TOL_FACTOR``: near its minimum the CV curve is flat, and errors of a loosely
#: solved path (relative size ~tol) would decide it. The rest of each fold's path is solved
#: to ``tol``. On the row designs (p > n, sparse X) ``tol`` is used throughout.
FOLD_TOL_FACTOR = 0.1
#: grid points refined on each side of a decisive index (curve minimum, 1-SE point)
REFINE_MARGIN = 3
#: further grid points on each side of the stretch predicted from the folds solved
#: before: solved tightly inside a fold's first path, so that it rarely needs a restart
PREDICT_SLACK = 2


@dataclass
class _Train:
    """A training fold on the Gram route: weight, means and the normalized Gram
    :math:`G = C_{xx}/s`, :math:`c = C_{xy}/s` (p, t), :math:`y^Ty = C_{yy}/s` (t,)."""

    weight: float
    mean_x: np.ndarray
    mean_y: np.ndarray
    G: np.ndarray
    c: np.ndarray
    yy: np.ndarray


class FoldData:
    """The training designs and held-out data of every split, in the problem's route."""

    def __init__(self, X, Y, w, splits, fit_intercept, route):
        self.fit_intercept = fit_intercept
        self.route = route
        self.Y = Y
        self.n_targets = Y.shape[1]
        self.total = None  # moments of all rows, when the folds partition them
        n = X.shape[0]
        if route == "gram":
            partitions = fold_partitions(splits, n)
            self._sources, self._held = [], []
            if partitions is not None:
                for ids in partitions:
                    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf: named later
                        total = self._add_partition(FoldMoments.from_arrays(X, Y, ids, w))
                    if self.total is None:
                        self.total = total
            else:
                for tr, te in splits:
                    self._sources.append((None, Moments.from_arrays(
                        X[tr], Y[tr], None if w is None else w[tr])))
                    self._held.append(Moments.from_arrays(X[te], Y[te],
                                                          None if w is None else w[te]))
            self._finish_gram()
        else:
            # each fold's training rows as their own copy (CSC rows subset, or the dense
            # design's centered copy of them): no held-out rows in the epochs
            self.X = X
            self.splits = [(np.asarray(tr), np.asarray(te)) for tr, te in splits]
            self.test = [(te, np.ones(te.size) if w is None else w[te])
                         for _, te in self.splits]
            self.weights = np.array([wte.sum() for _, wte in self.test])
            cls = SparseDesign if route == "sparse" else DenseDesign
            self._designs = [cls(X[tr], None if w is None else w[tr], fit_intercept)
                             for tr, _ in self.splits]

    @classmethod
    def from_fold_moments(cls, fm: FoldMoments, fit_intercept: bool) -> FoldData:
        """The Gram route from given fold moments (no rows at all)."""
        self = cls.__new__(cls)
        self.fit_intercept = fit_intercept
        self.route = "gram"
        self._sources, self._held = [], []
        self.total = self._add_partition(fm)
        self._finish_gram()
        self.n_targets = self.total.n_targets
        return self

    def _add_partition(self, fm: FoldMoments) -> Moments:
        """Training sources of the folds of one partition: the total with the fold taken
        out (O(p²) each) when every fold holds at most half the weight, else the O(K)
        merges of the others."""
        with blas_pass(MIN_SPLIT_BYTES):  # its small products on one BLAS thread
            total = fm.total()
        if all(f.weight <= 0.5 * total.weight for f in fm.folds):
            self._sources += [(total, None)] * fm.n_folds
        else:
            self._sources += [(None, m) for m in fm.training()]
        self._held += list(fm.folds)
        return total

    def _finish_gram(self) -> None:
        # the error formula's held-out moments: about the origin without an intercept
        self._held_err = self._held if self.fit_intercept else \
            [m.uncentered() for m in self._held]
        self.weights = np.array([held.weight for held in self._held])

    # ------------------------------------------------------------- fold designs
    def _train(self, f) -> _Train:
        """The normalized training Gram of split ``f`` (formed when asked, not kept)."""
        total, given = self._sources[f]
        train = _complement(total, self._held[f]) if total is not None else \
            _Train(given.weight, given.mean_x, given.mean_y, given.cxx / given.weight,
                   given.cxy / given.weight, given.cyy / given.weight)
        return train if self.fit_intercept else _uncentered(train)

    def _fold(self, f) -> tuple[_Train | None, list]:
        """The training data of split ``f`` and its (design, penalty scale) per target."""
        if self.route == "gram":
            train = self._train(f)
            out = []
            for k in range(self.n_targets):
                design = GramDesign(train.G, train.c[:, k], train.yy[k])
                out.append((design, np.sqrt(np.maximum(design.H, 0.0))))
            return train, out
        out = []
        for k in range(self.n_targets):
            design = self._designs[f].set_target(self.Y[self.splits[f][0], k])
            out.append((design, np.sqrt(design.H)))
        return None, out

    # ------------------------------------------------------------------ errors
    def errors(self, grid, penalty_of, tol, max_iter, screening, kind, gammas,
               refine_tol=None, rule="min", n_jobs=1, workers=None) -> np.ndarray:
        """Validation MSE, shape (n_gamma, K, L, t).

        Every fold's path is solved to ``tol``. With ``refine_tol`` (the Gram route) the
        α values that decide the choice -- a margin of :data:`REFINE_MARGIN` around each
        curve's minimum (and its 1-SE point for ``rule="1se"``) -- are solved to
        ``refine_tol``: the folds run in three waves ({0}, {1, 2}, the rest), and inside
        each fold's path the stretch that the curve of the earlier waves predicts
        (widened by :data:`PREDICT_SLACK`) is solved tightly at once; at the end any fold
        whose tight stretch misses the decisive one is re-solved there, warm-started,
        until the choice lies inside every fold's tight stretch. The waves make the
        result independent of ``n_jobs`` (the folds of a wave run on up to ``n_jobs``
        threads; the compiled solver releases the GIL).

        numpy's BLAS is held at one thread meanwhile
        (:func:`ridgekit._blas_split.blas_pass`, or by the caller, who passes the
        ``workers`` its own pass yielded): no BLAS thread spins beside the compiled
        solver. Serially on the Gram route a second thread forms the next fold's
        training Gram and the held-out products of the last one while a fold's path is
        solved (the paths stay serial; this is the work a threaded BLAS would have spread
        over the cores).
        """
        K, t, L = len(self.weights), self.n_targets, grid.size
        out = np.empty((gammas.size, K, L, t))
        refine = refine_tol is not None and refine_tol < tol
        kept: dict = {}  # (f, k) -> [coefs (L, p), tight stretch (lo, hi) or None]

        def fold(f, stretches, pipe, prepared=None):  # a fold's designs are its own
            train, designs = self._fold(f) if prepared is None else prepared
            for k, (design, scale) in enumerate(designs):
                penalty = penalty_of(scale)
                span = stretches[k]
                tols = None
                if span is not None:
                    tols = np.full(L, float(tol))
                    tols[span[0]:span[1] + 1] = refine_tol
                B = solve_path(design, penalty, grid, tol, max_iter, None, screening,
                               tols=tols).coefs

                def held_out(f=f, k=k, design=design, penalty=penalty, B=B):
                    out[:, f, :, k] = self._errors_of(f, k, design, penalty, B, grid, kind,
                                                      gammas, train)

                pipe.run(held_out)
                if refine:
                    kept[f, k] = [B, span]

        hold = blas_pass(MIN_SPLIT_BYTES) if workers is None else nullcontext(workers)
        with hold as workers, \
                _Pipe(workers > 1 and n_jobs <= 1 and self.route == "gram") as pipe:
            done: list[int] = []
            for wave in _waves(K) if refine else [list(range(K))]:
                pipe.wait()  # the earlier waves' errors predict this one's stretch
                stretches = [self._stretch(out[..., k][:, done], rule, self.weights[done],
                                           REFINE_MARGIN + PREDICT_SLACK, L) if done else None
                             for k in range(t)]
                if n_jobs > 1:
                    _map(lambda f, s=stretches: fold(f, s, _INLINE), wave, n_jobs)
                else:  # the next fold's training Gram is formed while this path is solved
                    nxt = pipe.submit(self._fold, wave[0])
                    for i, f in enumerate(wave):
                        prepared = nxt.result()
                        if i + 1 < len(wave):
                            nxt = pipe.submit(self._fold, wave[i + 1])
                        fold(f, stretches, pipe, prepared)
                done += wave
            pipe.wait()
            if refine:
                for k in range(t):
                    self._refine(out, kept, k, grid, penalty_of, refine_tol, max_iter,
                                 screening, kind, gammas, rule, n_jobs)
        return out

    def _errors_of(self, f, k, design, penalty, B, alphas, kind, gammas, train) -> np.ndarray:
        """(n_gamma, rows of B) held-out MSE of the path rows ``B`` at ``alphas``."""
        relaxed = None
        if kind is not None:
            l2 = np.stack([penalty.at(float(a))[1] for a in alphas]) if kind == "ridge" \
                else None
            relaxed = relaxed_coefs(design, B, l2, penalty.lower, penalty.upper)
        return np.stack([self._mse(f, k, B if relaxed is None else
                                   relax_mix(B, relaxed, gamma), design, train)
                         for gamma in gammas])

    def _refine(self, out, kept, k, grid, penalty_of, tol, max_iter, screening, kind,
                gammas, rule, n_jobs):
        L = grid.size
        while True:
            a, b = self._stretch(out[..., k], rule, self.weights, REFINE_MARGIN, L)
            todo = []
            for f in range(len(self.weights)):
                span = kept[f, k][1]
                # the new pieces: below lo (warm from the loose solution at their first
                # α) and above hi (warm from the refined solution at hi)
                pieces = [(a, b)] if span is None else \
                    [(i, j) for i, j in ((a, span[0] - 1), (span[1] + 1, b)) if i <= j]
                if pieces:
                    todo.append((f, pieces))
            if not todo:
                return

            def fold(item, a=a, b=b):
                f, pieces = item
                train, designs = self._fold(f)
                design, scale = designs[k]
                penalty = penalty_of(scale)
                B, span = kept[f, k]
                for i, j in pieces:
                    start = B[i] if span is None or i < span[0] else B[span[1]]
                    B[i:j + 1] = solve_path(design, penalty, grid[i:j + 1], tol, max_iter,
                                            start, screening).coefs
                    out[:, f, i:j + 1, k] = self._errors_of(
                        f, k, design, penalty, B[i:j + 1], grid[i:j + 1], kind, gammas,
                        train)
                kept[f, k][1] = (a, b) if span is None else (min(span[0], a),
                                                            max(span[1], b))

            _map(fold, todo, n_jobs)

    @staticmethod
    def _stretch(err, rule, weights, margin, L) -> tuple[int, int]:
        """The grid stretch the choice depends on, per the folds in ``err``
        (n_gamma, K', L): each γ's curve minimum (and 1-SE point, from two folds on),
        widened by ``margin`` on each side."""
        idx = []
        for g in err:
            mean, se = summarize_folds(g[..., None], weights) if len(weights) > 1 else \
                (g[0][:, None], None)
            i = int(np.argmin(mean[:, 0]))
            idx.append(i)
            if rule == "1se" and se is not None:
                idx.append(int(np.flatnonzero(mean[:, 0] <= mean[i, 0] + se[i, 0])[0]))
        return max(0, min(idx) - margin), min(L - 1, max(idx) + margin)

    def _mse(self, f, k, B, design, train) -> np.ndarray:
        """Weighted held-out MSE of every coefficient row of B (L, p)."""
        if self.route == "gram":
            held = self._held_err[f]
            dy = held.mean_y[k] - train.mean_y[k]
            dx = held.mean_x - train.mean_x
            quad = _quadratic_forms(B, held.cxx)
            sse = held.cyy[k] - 2.0 * (B @ held.cxy[:, k]) + quad \
                + held.weight * (dy - B @ dx) ** 2
            return np.maximum(sse, 0.0) / held.weight
        te, wte = self.test[f]
        intercepts = design.mean_y - B @ design.mean_x
        pred = np.asarray(self.X[te] @ B.T) + intercepts
        resid = self.Y[te, k][:, None] - pred
        return (wte @ resid**2) / wte.sum()


#: the rows of a path's coefficient matrix are split into this many stretches of α for
#: the held-out quadratic forms (each stretch on the columns it uses)
QUAD_STRETCHES = 4


def _quadratic_forms(B: np.ndarray, C: np.ndarray) -> np.ndarray:
    """:math:`b_l^TCb_l` for every row of B (L, p), a stretch of rows at a time on the
    columns S that stretch uses: :math:`(B_{:,S}C_{S,:}) \\circ B` summed per row. A path
    starts sparse, so the early stretches cost a fraction of the dense :math:`LP^2`."""
    L = B.shape[0]
    out = np.zeros(L)
    step = max(1, -(-L // QUAD_STRETCHES))
    for a in range(0, L, step):
        rows = B[a:a + step]
        cols = np.flatnonzero(np.any(rows != 0.0, axis=0))
        if cols.size:
            out[a:a + step] = np.einsum("lp,lp->l", rows[:, cols] @ C[cols], rows)
    return out


def _complement(total: Moments, part: Moments) -> _Train:
    """The inverse of :meth:`Moments.merge`, normalized: the training fold = the rows of
    ``total`` not in the held-out fold B. With :math:`s_A = s - s_B`,
    :math:`\\bar z_A = (s\\bar z - s_B\\bar z_B)/s_A`,

    .. math:: C_A = C - C_B - \\frac{s_As_B}{s}(\\bar z_B - \\bar z_A)(\\bar z_B - \\bar z_A)^T ,

    and :math:`G = C_A/s_A` is formed in one compiled pass over the p x p arrays. With
    :math:`s_B \\le s/2` the complement keeps at least half of every diagonal entry, so the
    subtraction loses at most a few ulps (no cancellation).
    """
    s, sb = total.weight, part.weight
    if sb == 0.0:
        return _Train(s, total.mean_x, total.mean_y, total.cxx / s, total.cxy / s,
                      total.cyy / s)
    sa = s - sb
    mean_x = (s * total.mean_x - sb * part.mean_x) / sa
    mean_y = (s * total.mean_y - sb * part.mean_y) / sa
    dx, dy = part.mean_x - mean_x, part.mean_y - mean_y
    factor = sb / s  # (s_A s_B / s) / s_A
    G = kernels().complement_gram(total.cxx, part.cxx, 1.0 / sa, dx * factor, dx,
                                  np.empty(total.cxx.shape))
    c = (total.cxy - part.cxy) / sa - np.outer(dx * factor, dy)
    yy = (total.cyy - part.cyy) / sa - dy * dy * factor
    return _Train(sa, mean_x, mean_y, G, c, yy)


def _uncentered(t: _Train) -> _Train:
    """Normalized moments about the origin (no intercept): :math:`G + \\bar x\\bar x^T`,
    :math:`c + \\bar x\\bar y^T`, :math:`y^Ty + \\bar y^2`; the means set to zero."""
    return _Train(t.weight, np.zeros_like(t.mean_x), np.zeros_like(t.mean_y),
                  t.G + np.outer(t.mean_x, t.mean_x), t.c + np.outer(t.mean_x, t.mean_y),
                  t.yy + t.mean_y**2)


def _waves(K: int) -> list[list[int]]:
    """Fold 0, then folds 1 and 2, then the rest (each wave predicted by the earlier)."""
    return [w for w in ([0], list(range(1, min(3, K))), list(range(3, K))) if w]


class _Pipe:
    """Tasks run on one helper thread in submission order (or inline when disabled);
    :meth:`wait` returns once every submitted task is done and re-raises a failure."""

    def __init__(self, enabled: bool):
        self._pool = None
        self._pending: list = []
        if enabled:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1)

    def run(self, task) -> None:
        self.submit(task)

    def submit(self, fn, *args):
        """A future of ``fn(*args)`` (computed at once when the pipe is disabled)."""
        if self._pool is None:
            from concurrent.futures import Future

            done: Future = Future()
            done.set_result(fn(*args))
            return done
        future = self._pool.submit(fn, *args)
        self._pending.append(future)
        return future

    def wait(self) -> None:
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def __enter__(self) -> _Pipe:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


_INLINE = _Pipe(False)


def _map(fn, items, n_jobs: int) -> None:
    """``fn`` on every item, on up to ``n_jobs`` threads; while they run, numpy's BLAS is
    held at one thread (:func:`ridgekit._blas_split.blas_pass`), so the tasks' own
    matrix products do not contend for the cores the threads already use."""
    items = list(items)
    if n_jobs <= 1 or len(items) <= 1:
        for x in items:
            fn(x)
        return
    from concurrent.futures import ThreadPoolExecutor

    with blas_pass(MIN_SPLIT_BYTES), ThreadPoolExecutor(min(n_jobs, len(items))) as pool:
        for _ in pool.map(fn, items):  # re-raises a task's exception here
            pass


def threads(n_jobs) -> int:
    """joblib's convention: None -> 1, -1 -> all cores, -k -> all but k - 1."""
    cores = os.cpu_count() or 1
    if n_jobs is None:
        return 1
    return max(1, cores + 1 + n_jobs) if n_jobs < 0 else int(n_jobs)
