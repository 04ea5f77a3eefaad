r"""Approximate leave-one-out for penalized GLMs (Rad & Maleki, 2020), from the Newton factor.

Leaving sample i out and taking one Newton step from the full-data solution
:math:`\hat\Theta` gives

.. math:: \Theta_{-i} \approx \hat\Theta + (H - A_i^T D_i A_i)^{-1} A_i^T g_i ,

with :math:`H` the penalized Hessian at :math:`\hat\Theta`, :math:`A_i` the map from
parameters to sample i's linear predictor, :math:`g_i = w_i\nabla_\eta\ell_i` and
:math:`D_i = w_i\nabla^2_\eta\ell_i`. By the push-through identity the left-out linear
predictor needs only the K x K matrix :math:`S_i = A_iH^{-1}A_i^T`:

.. math:: \tilde\eta_{-i} = \hat\eta_i + S_i (I - D_i S_i)^{-1} g_i ,

which for the binomial (K = 1) is :math:`\hat\eta_i + g_i h_i/(1 - D_i h_i)` with the
leverage :math:`h_i = a_i^TH^{-1}a_i`. All :math:`S_i` come from one triangular inverse
of the Cholesky factor already computed for the fit: :math:`S_i = Z_i^TZ_i`,
:math:`Z_i = L^{-1}A_i^T`, i.e. :math:`O(n\,d^2K^2)` per λ and no refit. (Rad, K. &
Maleki, A. (2020), "A scalable estimate of the out-of-sample prediction error via
approximate leave-one-out cross-validation", JRSS B 82(4).)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.special import expit

__all__ = ["alo_eta", "alo_path"]


def alo_eta(problem, result, factor) -> np.ndarray:
    """Approximate leave-one-out linear predictors (n, K) at one solution.

    Parameters
    ----------
    problem : Problem
    result : NewtonResult
        The full-data solution (its ``eta`` and family ``state``).
    factor : Factor
        Cholesky factor of the penalized Hessian at that solution.
    """
    design, family = problem.design, problem.family
    K, d = problem.K, design.d
    Linv = np.linalg.inv(factor.L)  # (dK, dK), lower triangular
    eta = result.eta
    R, _ = family.state(eta, problem.Y, problem.w)  # g_i, rows
    out = np.empty_like(eta)
    for rows in design.block_slices(d * K):
        Ab = design.dense_rows(rows)  # (nb, d)
        if K == 1:
            Z = Ab @ Linv.T
            h = np.einsum("ij,ij->i", Z, Z)
            D = family.block_weights(result.state, 0)[rows]
            g = R[rows, 0]
            out[rows, 0] = eta[rows, 0] + g * h / (1.0 - D * h)
            continue
        Z = [Ab @ Linv[:, k * d:(k + 1) * d].T for k in range(K)]  # each (nb, dK)
        S = np.empty((Ab.shape[0], K, K))
        for k in range(K):
            for m in range(k, K):
                S[:, k, m] = S[:, m, k] = np.einsum("ij,ij->i", Z[k], Z[m])
        w, P = result.state
        wb, Pb = w[rows], P[rows]
        Dm = wb[:, None, None] * (Pb[:, :, None] * np.eye(K) - Pb[:, :, None] * Pb[:, None, :])
        M = np.eye(K) - Dm @ S
        u = np.linalg.solve(M, R[rows][:, :, None])
        out[rows] = eta[rows] + (S @ u)[:, :, 0]
    return out


# ----------------------------------------------------------------- batched path
#: target mean relative leverage error of the anchored route (see alo_path)
LEVERAGE_ERROR = 0.005
#: ρ_λ above this always renews the anchor (the solver's rate degrades beyond it)
RHO_CAP = 0.5
#: at most this many anchors (Grams) per path
MAX_ANCHORS = 8
#: the batched route holds U (n x d) and six (n x L) float32 blocks (E, D, the
#: direction and the last step, and the leverages; a margin for the column takes)
_BATCH_BYTES = 1024 * 2**20


#: earlier steps kept per λ for the subspace of each step (:func:`_subspace_step`)
MEMORY = 2


class _Group:
    """The λ values served by one anchor: parameters in its basis (c = T^{-1}θ), linear
    predictors and the solver's state, one column per λ: the last :data:`MEMORY` steps
    taken from this anchor, in c (``hist_c``, d x m each) and in η (``hist``, n x m
    each), newest first."""

    def __init__(self, anchor, idx, C, E):
        self.anchor, self.idx, self.C, self.E = anchor, idx, C, E
        self.hist, self.hist_c = [], []
        # the last direction U z and its coefficients t (on it) and beta (on the steps in
        # hist), set with each step, until the state evaluation applies them
        self.dE = self.t = self.beta = None
        self.q32 = anchor.q.astype(np.float32)
        Da = anchor.D
        self.iqa = np.where(Da > 0, anchor.q / np.where(Da > 0, Da, 1.0), 0.0).astype(
            np.float32)
        self.base = 1.0 - anchor.lam_a * anchor.nu

    def keep(self, mask, rows):
        """Keep the columns of ``mask`` (after a state evaluation, which has applied the
        last step). Columns are in decreasing λ and converge mostly in that order: when
        the kept ones are a run (mostly the last k), E and the steps become views of
        those columns, with no copy (the others stay as they are in the old arrays)."""
        cols = np.flatnonzero(mask)
        self.idx, self.C = np.take(self.idx, cols), np.take(self.C, cols, axis=1)
        self.hist_c = [np.take(h, cols, axis=1) for h in self.hist_c]
        self.E = _columns(self.E, cols, rows)
        self.hist = [_columns(h, cols, rows) for h in self.hist]
        self.dE = None

    def filt(self, lam, s):
        nu = self.anchor.nu
        return 1.0 / np.maximum(s * self.base[:, None] + lam * nu[:, None], 1e-300)

    def rho(self, a, b):
        """``(s, ρ)`` per column from the state sums a = Σq D, b = Σ(q/D_a)D²."""
        Dq = self.anchor._Dq
        s = a / Dq
        return s, np.sqrt(np.maximum(b / np.maximum(s * s * Dq, 1e-300) - 1.0, 0.0))

    def to_basis(self, theta):
        an = self.anchor
        return an.T.T @ (an.M @ theta)


def _batched(problem, alphas, decrement, rho_max, max_anchors, v, keep_eta) -> dict:
    """:func:`_solve_batched` with its rows split over the workers of
    :func:`ridgekit._blas_split.blas_pass` (numpy's BLAS at one thread meanwhile)."""
    from ridgekit._blas_split import blas_pass
    from ridgekit.glm import _alo_kernels as kern

    design = problem.design
    with blas_pass(0 if design.sparse else 4 * design.n * design.p) as workers:
        rows = kern.RowSplit(design.n, workers)
        try:
            return _solve_batched(problem, alphas, decrement, rho_max, max_anchors, rows,
                                  v, keep_eta)
        finally:
            rows.close()


def _solve_batched(problem, alphas, decrement, rho_max, max_anchors, rows, v=None,
                   keep_eta: bool = True) -> dict:
    from ridgekit.glm import _alo_kernels as kern
    from ridgekit.glm.anchor import Anchor

    design, pen, w = problem.design, problem.pen, problem.w
    y = problem.Y[:, 0]
    lam_all = np.asarray(alphas, float)
    L, d, n = lam_all.size, design.d, design.n
    # the float32 copy of X, made (and X proven finite) in the first anchor's Gram pass
    X32, source = design.float32_target()
    w32, y32 = w.astype(np.float32), y.astype(np.float32)
    theta0 = problem.null_theta()[:, 0]
    eta0 = problem.null_eta(theta0[:, None])[:, 0]
    p0 = expit(eta0)
    lam_a = float(np.exp(np.median(np.log(lam_all))))  # any λ > 0 gives the same basis
    first = Anchor(design, pen, w * p0 * (1.0 - p0), lam_a, True, X32, keep_u=True,
                   rows=rows, rhs=w * (p0 - y), source=source)  # and its data gradient
    anchors = [first]
    order = np.argsort(-lam_all, kind="stable")  # the large λ converge first
    E0 = rows.empty((n, L))  # every column at the null model
    rows.map(lambda sl: np.copyto(E0[sl], eta0[sl, None]))
    g0 = _Group(first, order, np.repeat(first.T.T @ (first.M @ theta0)[:, None], L, 1), E0)
    groups = [g0]
    out = {"theta": np.empty((L, d, 1)), "n_iter": np.zeros(L, int),
           "grad_norm": np.empty(L), "converged": np.zeros(L, bool), "loss": np.empty(L),
           "df": np.empty(L), "loo_eta": np.empty((L, n, 1)) if keep_eta else None}
    done = {}  # anchor -> (anchor, [(idx, E, s) of converged columns])
    for it in range(problem.max_iter + 1):
        states = []  # per group: U^T R (the data gradient in its basis), D, s, ρ
        for g in groups:  # E += t dE, then the state at the new E
            if it == 0:  # every column at the null model: one column's state serves all
                e0 = np.ascontiguousarray(g.E[:, :1])
                u0 = np.exp(-np.abs(e0))
                R, D, a, b = kern.state(e0, u0, w32, y32, g.q32, g.iqa, rows)
                an = g.anchor  # U^T R is T^T A^T R, from the anchor's own pass over X
                data = kern.gram_rows(an.U, R, rows) if an.rhs_product is None \
                    else (an.T.T @ an.rhs_product)[:, None]
                states.append((data, D) + g.rho(np.repeat(a, L), np.repeat(b, L)))
                continue
            data, D, a, b = kern.advance_state(g.E, g.dE, g.t, w32, y32, g.q32, g.iqa,
                                               g.anchor.U, rows, g.hist, g.beta)
            # (advance_state wrote the step taken over dE)
            g.hist, g.dE = [g.dE] + g.hist[:MEMORY - 1], None
            states.append((data, D) + g.rho(a, b))
        if it and len(anchors) < max_anchors:
            rmax = [st[3].max() if st[3].size else 0.0 for st in states]
            k = int(np.argmax(rmax))
            if rmax[k] > rho_max:  # an anchor at the worst column's state
                groups, states = _add_anchor(groups, states, k, design, pen, X32,
                                             lam_all, anchors, Anchor, kern, w32, y32, rows)
        new_groups = []
        for g, (data, D, s, _rho) in zip(groups, states, strict=True):
            lam = lam_all[g.idx]
            an = g.anchor
            # (data and D have one column at the start, shared by every λ)
            G = data + lam * an.nu[:, None] * g.C
            F = g.filt(lam, s)
            Zg = F * G
            dec2 = np.einsum("ij,ij->j", Zg, G)
            fin = (dec2 <= decrement**2) | (it >= problem.max_iter)
            if fin.any():
                j = g.idx[fin]
                out["converged"][j] = dec2[fin] <= decrement**2
                out["grad_norm"][j] = np.linalg.norm(an.M @ (an.T @ G[:, fin]), axis=0)
                out["theta"][j, :, 0] = (an.T @ g.C[:, fin]).T
                done.setdefault(id(an), (an, []))[1].append(
                    (j, _columns(g.E, np.flatnonzero(fin), rows), s[fin]))
                keep = ~fin
                g.keep(keep, rows)
                live = np.flatnonzero(keep)  # columns of D still in play
                G, Zg, dec2, lam = G[:, keep], Zg[:, keep], dec2[keep], lam[keep]
            else:
                live = np.arange(g.idx.size)
            if g.idx.size == 0:
                continue
            new_groups.append(g)
            out["n_iter"][g.idx] += 1
            # the model's Newton direction z, then a step in span{z, the last steps}
            z = -Zg
            cols = live if D.shape[1] > 1 else 0 * live
            dE, W, mx = kern.direction(an.U, z.astype(np.float32), D, cols, rows, g.hist)
            if not g.hist:  # a first step from this anchor: a line search along z
                kap = W[0, 0] + lam * np.einsum("i,ij->j", an.nu, z * z)
                coef = _step_length(g, dE, z, -dec2, kap, mx[0], lam, w32, y32, kern,
                                    rows)[None]
            else:
                coef = _subspace_step([z] + g.hist_c, G, W, mx, lam, an.nu)
            step = sum(c * v for c, v in zip(coef, [z] + g.hist_c, strict=True))
            g.C += step
            g.hist_c = [step] + g.hist_c[:MEMORY - 1]
            g.dE = dE
            g.t, g.beta = coef[0].astype(np.float32), coef[1:].astype(np.float32)
        groups = new_groups
        # (no name keeps this iteration's weights or a finished group: their memory
        # serves the next blocks, rows.empty)
        g = D = dE = states = None
        if not groups:
            break
    out["n_anchors"] = len(anchors)
    v = w if v is None else v
    v32, sums = v.astype(np.float32), np.empty((2, L))
    for an, parts in done.values():
        _leverages(out, sums, an, parts, lam_all, w32, y32, v32, kern, rows)
    out["log_loss"], out["log_loss_se"] = _curve(sums, v)
    return out


def _columns(A, cols, rows=None) -> np.ndarray:
    """``A[:, cols]``: a view when ``cols`` is a run of columns, else a copy (its rows
    split over ``rows``)."""
    from ridgekit.glm._alo_kernels import SERIAL, take_columns

    if cols.size and cols[-1] - cols[0] == cols.size - 1:
        return A[:, cols[0]:cols[-1] + 1]
    return take_columns(A, cols, rows or SERIAL)


def _step_length(g, dE, Pd, slope, kap, mx, lam, w32, y32, kern, rows) -> np.ndarray:
    r"""The first step from an anchor, along the model's direction p: Newton's,
    :math:`t_N = -g^Tp/\kappa` (:math:`\kappa = p^THp`), then one Newton step on the
    line function :math:`\varphi(t) = F(c + tp)` from there, :math:`t = t_N -
    \varphi'(t_N)/\varphi''(t_N)` (one pass over the (n x m) block, no product with U).
    From the null model the loss is far from its quadratic model along p (the line's
    minimum is at about 1.2 t_N at n = 100,000, p = 100), and :func:`_subspace_step`
    would have to damp the long first step.

    Both steps are safe by the logistic loss's generalized self-concordance
    (:math:`\ell''(\eta+\delta) \le e^{|\delta|}\ell''(\eta)`; Bach 2010): a Newton
    step that moves no linear predictor by more than 1 (:math:`|t|M \le 1`,
    :math:`M = \max_i|(Up)_i|`) descends, and a longer one is damped to
    :math:`\log(1 + M|\varphi'|/\varphi'')/M`, which descends too. :math:`t_N` also
    descends when :math:`\varphi'(t_N) \le 0` (φ is convex); where neither holds it
    must pass Armijo's test or is replaced by its damped step, with no second step."""
    t = -slope / np.maximum(kap, 1e-300)
    nu = g.anchor.nu
    d1, d2 = kern.line_derivatives(g.E, dE, t, w32, y32, rows)
    d1 = d1 + lam * np.einsum("i,ij->j", nu, (g.C + t * Pd) * Pd)
    d2 = np.maximum(d2 + lam * np.einsum("i,ij->j", nu, Pd * Pd), 1e-300)
    dt = -d1 / d2
    far = np.abs(dt) * mx > 1.0
    if far.any():
        M = mx[far]
        dt[far] = np.sign(dt[far]) * np.log1p(M * np.abs(d1[far]) / d2[far]) / M
    unsure = np.flatnonzero((t * mx > 1.0) & (d1 > 0))
    if unsure.size:
        Eb = kern.take_columns(g.E, unsure, rows)
        f0 = kern.loss_sums(Eb, np.exp(-np.abs(Eb)), w32, y32, rows)
        f1 = kern.trial(g.E, dE, t[unsure], unsure, w32, y32, rows)
        c, p = g.C[:, unsure], Pd[:, unsure]
        pen0 = 0.5 * lam[unsure] * np.einsum("i,ij->j", nu, c * c)
        pen1 = 0.5 * lam[unsure] * np.einsum("i,ij->j", nu, (c + t[unsure] * p) ** 2)
        bad = f1 + pen1 > f0 + pen0 + 1e-4 * t[unsure] * slope[unsure]
        M = mx[unsure][bad]
        t[unsure[bad]] = np.log1p(M * np.abs(slope[unsure][bad]) / kap[unsure][bad]) / M
        dt[unsure] = 0.0
    return t + dt


def _subspace_step(V, G, W, mx, lam, nu) -> np.ndarray:
    r"""Newton's step in the span of each column's directions ``V`` (the model's Newton
    direction z, then the last steps, newest first; each d x m, in the anchor's basis):
    coefficients :math:`x = -H_V^{+}V^Tg` with the exact Hessian there, :math:`H_V =
    V^T(A^TDA + \lambda C)V`, from the D-weighted Gram W of :math:`UV` that
    :func:`ridgekit.glm._alo_kernels.direction` sums while forming :math:`Uz` (plus the
    penalty's :math:`\lambda\sum_j\nu_jV_{ja}V_{jb}`); the pseudo-inverse drops
    directions that the others already span. Returns x (k, m).

    On a quadratic, the span of z and the last step holds conjugate gradients' next
    iterate; one more step in it keeps more of the curvature that CG's recurrences
    assume. On the logistic loss, with no line search: at n = 100,000, p = 100, 30 λ,
    73 column-iterations with two earlier steps, 85 with one, 89 for Polak-Ribière CG with
    a Newton line search (and 122-132 against 134-144 on three make_classification
    problems with spread column scales, n = 20,000). Safe by generalized
    self-concordance: the subspace Newton step s has :math:`s^THs = -g^Ts`, so when it
    moves no linear predictor by more than :math:`M = \sum_a|x_a|\max_i|(UV_a)_i| \le
    1` it lowers F by at least :math:`(3 - e)|g^Ts|`, and a longer one is damped by
    :math:`\log(1+M)/M`, which descends too (as in :func:`_step_length`)."""
    k = len(V)
    H = W.copy()
    for a in range(k):
        for b in range(a, k):
            H[a, b] += lam * np.einsum("i,ij->j", nu, V[a] * V[b])
            H[b, a] = H[a, b]
    g = np.stack([np.einsum("ij,ij->j", v, G) for v in V], axis=-1)  # (m, k)
    # scaled to a unit diagonal (the steps shrink by orders of magnitude as a λ
    # converges), so that only directions the others span are dropped
    Hm = np.moveaxis(H, -1, 0)  # (m, k, k)
    sc = 1.0 / np.sqrt(np.maximum(np.einsum("maa->ma", Hm), 1e-300))
    ev, Q = np.linalg.eigh(Hm * sc[:, :, None] * sc[:, None, :])
    keep = ev > 1e-6
    inv = np.where(keep, 1.0 / np.where(keep, ev, 1.0), 0.0)
    x = -sc * np.einsum("mab,mb->ma", Q, inv * np.einsum("mba,mb->ma", Q, g * sc))
    M = np.einsum("ma,am->m", np.abs(x), mx)
    damp = np.where(M > 1.0, np.log1p(M) / np.maximum(M, 1e-300), 1.0)
    return (x * damp[:, None]).T


def _add_anchor(groups, states, k, design, pen, X32, lam_all, anchors, Anchor, kern, w32,
                y32, rows):
    """A new anchor at the state of group k's worst column; every column moves to the
    anchor where its ρ is smallest (a move restarts its CG direction). States are
    ``(U^T R, D, s, ρ)`` per group; a moved column's U^T R is formed in the new basis."""
    g, (_, D, s, rho) = groups[k], states[k]
    jw = int(np.argmax(rho))
    an = Anchor(design, pen, D[:, jw].astype(np.float64), float(lam_all[g.idx[jw]]), True,
                X32, keep_u=True, rows=rows)
    anchors.append(an)
    new = _Group(an, np.zeros(0, int), np.zeros((design.d, 0)),
                 np.zeros((design.n, 0), np.float32))
    moved_E, moved_C, moved_idx, moved_R, moved_D, moved_s, moved_rho = (
        [] for _ in range(7))
    out_states = []
    for g, (data, D, s, rho) in zip(groups, states, strict=True):
        R, D_new, a, b = kern.state(g.E, np.exp(-np.abs(g.E)), w32, y32, new.q32, new.iqa,
                                    rows)
        s2, rho2 = new.rho(a, b)
        mv = rho2 < rho
        if mv.any():
            moved_idx.append(g.idx[mv])
            moved_C.append(new.to_basis(g.anchor.T @ g.C[:, mv]))
            moved_E.append(g.E[:, mv])
            moved_R.append(R[:, mv])
            moved_D.append(D_new[:, mv])
            moved_s.append(s2[mv])
            moved_rho.append(rho2[mv])
            g.keep(~mv, rows)
            data, D, s, rho = data[:, ~mv], D[:, ~mv], s[~mv], rho[~mv]
        out_states.append((data, D, s, rho))
    new = _Group(an, np.concatenate(moved_idx), np.hstack(moved_C), np.hstack(moved_E))
    kept = [(g, st) for g, st in zip(groups, out_states, strict=True) if g.idx.size]
    kept.append((new, (kern.gram_rows(an.U, np.hstack(moved_R), rows), np.hstack(moved_D),
                       np.concatenate(moved_s), np.concatenate(moved_rho))))
    return [g for g, _ in kept], [st for _, st in kept]


def _leverages(out, sums, an, parts, lam_all, w32, y32, v32, kern, rows):
    """Leverages of every converged column of one anchor, :math:`h = (U\\circ U)f` in
    one GEMM, then df, the ALO predictors, the training losses and the sums of the ALO
    log-losses (:func:`ridgekit.glm._alo_kernels.finish`; ``sums`` (2, L))."""
    j = np.concatenate([p[0] for p in parts])
    s = np.concatenate([p[2] for p in parts])
    F = 1.0 / np.maximum(s * (1.0 - an.lam_a * an.nu)[:, None] + lam_all[j] * an.nu[:, None],
                         1e-300)
    H = an.leverages_many(F)
    out["df"][j], out["loss"][j], sums[0, j], sums[1, j] = kern.finish(
        [p[1] for p in parts], H, w32, y32, v32, j, out["loo_eta"], rows)


def _curve(sums, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the pointwise ALO log-loss over the samples of positive
    evaluation weight v, from its sums :math:`S_1 = \\sum_iv_i\\tilde\\ell_i`,
    :math:`S_2 = \\sum_iv_i\\tilde\\ell_i^2`: :math:`\\bar\\ell = S_1/V`,
    :math:`\\mathrm{se} = \\sqrt{(S_2/V - \\bar\\ell^2)/(n_+ - 1)}` (:math:`V =
    \\sum_iv_i`, :math:`n_+` samples with :math:`v_i > 0`): the leave-one-out summary of
    :func:`ridgekit.select.summarize_samples`, each sample its own fold."""
    total = float(v.sum())
    mean = sums[0] / total
    var = np.maximum(sums[1] / total - mean * mean, 0.0)
    return mean, np.sqrt(var / max(int(np.count_nonzero(v > 0)) - 1, 1))


def alo_path(problem, alphas: np.ndarray, *, method: str = "anchored",
             decrement: float = 1e-4, rho_max: float | None = None,
             max_anchors: int = MAX_ANCHORS, eval_weights: np.ndarray | None = None,
             keep_eta: bool = True) -> dict:
    r"""Binomial path with approximate leave-one-out predictors at every λ.

    ``method="exact"``: :func:`ridgekit.glm.fit_path` to ``problem.tol`` and
    :func:`alo_eta` from each λ's exact penalized Hessian (a Gram and a Cholesky factor
    per λ: the reference). ``method="anchored"``: all λ solved *together* on the
    eigenbasis of one or a few anchor Hessians, and all leverages from the same bases.

    *Anchors.* An anchor is an IRLS state :math:`D_a` with the pencil basis T of
    :class:`ridgekit.glm.anchor.Anchor` (:math:`T^T(H_a+\lambda_aC)T = I`,
    :math:`T^TCT = \mathrm{diag}\,\nu`) and :math:`U = AT` (float32). In the coordinates
    :math:`c = T^{-1}\theta` every product of the path is one GEMM over all its λ:
    :math:`\eta = Uc` and :math:`T^T\nabla F = U^TR + \lambda\nu\circ c`; the Hessian
    of λ is modelled as :math:`s_\lambda H_a + \lambda C`, diagonal in that basis
    (:math:`f_j = 1/(s_\lambda(1-\lambda_a\nu_j)+\lambda\nu_j)`), with
    :math:`s_\lambda = \sum_iq_iD_i/\sum_iq_iD_{a,i}` (:math:`q_i` the anchor's
    leverages). The first anchor is the null model; a new one is placed at the worst
    column's state whenever some λ has

    .. math:: \rho_\lambda^2 = \frac{\sum_i q_iD_{a,i}\,r_i^2}{\sum_i q_iD_{a,i}},
              \qquad r_i = \frac{D_i}{s_\lambda D_{a,i}} - 1,

    above ``rho_max`` (each λ then moves to the anchor of smallest ρ). The leverage
    error is a weighted average of :math:`-s r_k` over the other samples (first order in
    :math:`D - sD_a`), whose weights spread over about n/d samples: measured against each
    λ's exact Hessian, the mean relative leverage error is :math:`\approx
    0.27\,\rho\sqrt{d/n}` (n = 400, p = 25 and n = 20,000, p = 100; the worst sample
    about 6 times that), so the default ``rho_max`` is the ρ at which that is
    ``LEVERAGE_ERROR`` = 0.5 %, at most ``RHO_CAP`` = 0.5. At n = 20,000, p = 100, ρ = 0.25
    moves the ALO correction (ALO minus training log-loss) by 2e-4 relative.

    *Solver.* Per λ, the model's Newton direction :math:`z = -(s_\lambda H_a +
    \lambda C)^{-1}g` (diagonal in the basis), then Newton's step in the span of z and
    the last two steps, with the exact 3 x 3 Hessian there (:math:`\sum_iD_i(Uz)_i^2`,
    :math:`\sum_iD_i(Uz)_i(Ub)_i`, ... summed in the pass that forms Uz:
    :func:`_subspace_step`), damped when some linear predictor would move by more
    than 1. The first
    step from an anchor has no last step; it is Newton's along z with one more Newton
    step on the line (:func:`_step_length`). It stops at a model
    Newton decrement :math:`\sqrt{g^T(s_\lambda H_a+\lambda C)^{-1}g} \le` ``decrement``
    (then each linear predictor is within about :math:`\sqrt{h_i}\cdot` ``decrement``
    of its converged value). The start is the null model, so the first step of every λ
    is an exact Newton step. Leverages :math:`h = (U\circ U)f` for all λ of an anchor
    are one more GEMM.

    Returns the dict of :func:`ridgekit.glm.fit_path` plus ``loo_eta`` (L, n, 1),
    ``n_anchors``, and the ALO curve of the mean log-loss under ``eval_weights`` (default:
    the problem's weights) with its leave-one-out standard error, ``log_loss`` and
    ``log_loss_se`` (L,) (:func:`ridgekit.select.summarize_samples`). On the batched
    route those come from sums taken with the leverages, and ``keep_eta=False`` leaves
    ``loo_eta`` None (24 MB fewer at n = 100,000 and 30 λ, and no second pass over
    them).
    """
    alphas = np.asarray(alphas, float)
    if eval_weights is not None:
        eval_weights = np.asarray(eval_weights, float)
        if eval_weights.shape != (problem.design.n,):
            raise ValueError(f"eval_weights has shape {eval_weights.shape}; expected "
                             f"({problem.design.n},), one per sample")
        if not np.all(np.isfinite(eval_weights)) or np.any(eval_weights < 0) \
                or eval_weights.sum() <= 0:
            raise ValueError("eval_weights must be finite, >= 0 and not all 0")
    if method == "exact":
        from ridgekit.glm.path import fit_path

        loo = np.empty((alphas.size,) + problem.Y.shape)

        def keep(i, alpha, res, fac, hess):
            loo[i] = alo_eta(problem, res, fac)

        out = fit_path(replace(problem, mode="exact"), alphas, on_solution=keep)
        out["loo_eta"], out["n_anchors"] = loo, alphas.size
        return _with_curve(out, problem, eval_weights)
    if method != "anchored":
        raise ValueError(f"method must be 'anchored' or 'exact'; got {method!r}")
    if problem.K != 1:
        raise ValueError("the anchored ALO path is binomial only; use method='exact'")
    if not batch_fits(problem.design, alphas.size):
        from ridgekit.glm.anchor import anchored_path

        out = anchored_path(problem, alphas, decrement=decrement, sequential=True)
        return _with_curve(out, problem, eval_weights)
    if rho_max is None:
        d, n = problem.design.d, problem.design.n
        rho_max = min(RHO_CAP, LEVERAGE_ERROR / (0.27 * np.sqrt(d / n)))
    return _batched(problem, alphas, decrement, rho_max, max_anchors, eval_weights,
                    keep_eta)


def _with_curve(out: dict, problem, eval_weights) -> dict:
    """``log_loss`` and ``log_loss_se`` of the routes that keep every ``loo_eta``."""
    from ridgekit.glm.scoring import pointwise_curve

    v = problem.w if eval_weights is None else eval_weights
    out["log_loss"], out["log_loss_se"], _ = pointwise_curve(
        "log_loss", problem.family, out["loo_eta"], problem.Y, v)
    return out


def batch_fits(design, L: int) -> bool:
    """Whether the batched route's arrays (U: n x d; six n x L blocks) fit its memory
    budget."""
    return 4 * design.n * (design.d + 6 * L) <= _BATCH_BYTES
