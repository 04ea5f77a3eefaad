"""The closed-form formulas of the selection rules, once, for any array namespace.

Every function here takes arrays of one namespace (numpy, torch, CuPy, array-api-strict)
and returns arrays of it, using only functions of the array API standard; none reads a
value back to the host, so the device route (:mod:`ridgekit.xp`) runs them on the device
and the numpy route (:mod:`ridgekit.select`) runs the very same code on numpy.

* :func:`namespace` -- numpy itself for numpy arrays (numpy >= 2 implements the standard's
  functions used here; no ``array_api_compat`` import on the numpy route), otherwise
  ``array_api_compat.array_namespace``;
* the spectrum's curves: :func:`filter_factors`, :func:`rss`, :func:`gcv_curve`;
* leave-one-out from ``U``: :func:`loo_residuals` and :func:`loo_curve` (targets and λ in
  blocks bounded by :data:`BLOCK_BYTES`);
* k-fold from fold moments: :func:`fold_pieces` and :func:`fold_mse`;
* :func:`summarize_folds` (``cv.glmnet``'s mean and standard error);
* the choice: :func:`tie_argmin` (ties to rounding go to the largest λ) and
  :func:`one_se_index`;
* the grid: :func:`alphas_for_df` (vectorized bisection on log λ);
* the closed-form estimators: :func:`ls_variance`, :func:`hkb_alpha`,
  :func:`lawless_wang_alpha`.

Spectra are passed as plain arrays: ``mu`` (r,) eigenvalues of the centered Gram, an
optional ``mask`` (r,) of 0/1 marking the directions above the numerical rank (the device
keeps every direction and masks instead of dropping, so no shape depends on data), and
``uty`` (r, t) = :math:`U^T\\tilde y` (zero on masked directions).
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

__all__ = ["namespace", "filter_factors", "rss", "gcv_curve", "loo_residuals", "loo_curve",
           "fold_pieces", "fold_mse", "summarize_folds", "tie_argmin", "one_se_index",
           "alphas_for_df", "ls_variance", "hkb_alpha", "lawless_wang_alpha",
           "TIE_RTOL", "BLOCK_BYTES", "FOLD_BLOCK_BYTES"]

#: criterion values within this fraction of the curve's scale of its minimum are ties,
#: resolved toward the largest λ (as glmnet's ``max(lambda[cvm <= min(cvm)])``)
TIE_RTOL = 1e-12

#: bytes of the temporaries of one block of the LOO curve
BLOCK_BYTES = 64 * 2**20

#: bytes of one (λ chunk x held-out rank x target block) product of the k-fold curve:
#: cache-sized (8 MiB was 10 % faster than 64 MiB on numpy at p = 500, 2,000 targets)
FOLD_BLOCK_BYTES = 8 * 2**20


def namespace(*arrays):
    """The array namespace of ``arrays`` (None entries ignored): ``numpy`` for numpy
    arrays and Python scalars, else ``array_api_compat.array_namespace``."""
    arrays = [a for a in arrays if a is not None]
    if all(isinstance(a, np.ndarray | np.generic | float | int) for a in arrays):
        return np
    import array_api_compat

    return array_api_compat.array_namespace(*[a for a in arrays
                                              if not isinstance(a, float | int)])


def _quiet(xp):
    """numpy's floating-point warnings off (1/0 where a leverage reaches 1, 0/0 at rank
    0); other namespaces do not warn."""
    return np.errstate(divide="ignore", invalid="ignore") if xp is np else \
        contextlib.nullcontext()


def _device(xp, a):
    if xp is np:
        return None
    import array_api_compat

    return array_api_compat.device(a)


def _masked(xp, mu, mask):
    return mu if mask is None else mask * mu


def filter_factors(mu, alphas, mask=None):
    """:math:`f_{lj} = m_j\\mu_j/(\\mu_j+\\lambda_l)`, shape (L, r)."""
    xp = namespace(mu, alphas)
    return _masked(xp, mu, mask)[None, :] / (mu[None, :] + alphas[:, None])


def rss(mu, uty, rss0, alphas, mask=None):
    """Residual sum of squares :math:`\\mathrm{RSS}_0 + \\sum_j (1-f_j)^2 u_j^2`, (L, t)
    (``uty`` zero on masked directions)."""
    one_minus_f = 1.0 - filter_factors(mu, alphas, mask)
    return rss0[None, :] + (one_minus_f * one_minus_f) @ (uty * uty)


#: GCV forms: ``form -> (description, value(rss, n, trace, df))`` (trace counts the
#: intercept, df does not)
GCV_FORMULAS = {
    "ghw": ("Golub-Heath-Wahba n*RSS/(n - tr H)^2, tr H counting the intercept",
            lambda rss, n, trace, df: n * rss / ((n - trace) ** 2)[:, None]),
    "mass": ("MASS::lm.ridge RSS/(n - sum f)^2, intercept not counted",
             lambda rss, n, trace, df: rss / ((n - df) ** 2)[:, None]),
}


def gcv_curve(rss_values, n: int, weight, df, fit_intercept: bool, form: str = "ghw",
              per_target: bool = True):
    """GCV over a grid, (L, t) (or (L, 1) averaged over targets).

    ``rss_values`` (L, t) the weighted RSS, rescaled here by n/Σw (weights all equal
    change nothing); ``df`` (L,) = Σ f, the intercept not counted. ``form="ghw"``:
    :math:`n\\,\\mathrm{RSS}/(n-\\operatorname{tr}H)^2` with tr H = df + [intercept];
    ``"mass"``: :math:`\\mathrm{RSS}/(n-\\sum f)^2`. +inf where the denominator's base is
    <= 0 (interpolation).
    """
    xp = namespace(rss_values, df)
    trace = df + float(fit_intercept)
    scaled = rss_values * (n / weight)
    gap = (n - trace) if form == "ghw" else (n - df)
    with _quiet(xp):
        value = GCV_FORMULAS[form][1](scaled, n, trace, df)
    value = xp.where((gap > 0)[:, None], value, xp.full_like(value, math.inf))
    if not per_target:
        value = xp.mean(value, axis=1, keepdims=True)
    return value


# ------------------------------------------------------------------ leave-one-out
def loo_residuals(U, resid0, uty, mu, alphas, h0, inv_sqrt_w=None, mask=None, u2=None):
    """Exact leave-one-out residuals :math:`e_i/(1-h_{ii})` in the data's scale, (l, n, t).

    With :math:`e = W^{-1/2}(r_0 + U\\frac{\\lambda}{\\mu+\\lambda}u)` and the hat diagonal
    :math:`h_i = h^0_i + \\sum_j U_{ij}^2 f_j`, where ``h0`` (n,) or a scalar is its value
    at λ = ∞ (the intercept's :math:`w_i/\\sum w`, plus any unpenalized directions).
    ``inv_sqrt_w`` (n,) is :math:`w_i^{-1/2}` (0 where w = 0), None for unit weights.
    One (n, r) @ (r, l t) product for the whole chunk of λ; ``u2`` is ``U * U`` when the
    caller keeps it.
    """
    xp = namespace(U, alphas)
    return xp.permute_dims(_loo_block(xp, U, resid0, uty, mu, alphas, h0, inv_sqrt_w, mask,
                                      U * U if u2 is None else u2), (1, 0, 2))


def _loo_block(xp, U, resid0, uty, mu, alphas, h0, inv_sqrt_w, mask, u2):
    """The residuals of :func:`loo_residuals` as (n, l, t), a new array (updated in
    place on numpy)."""
    n, r = U.shape
    t, L = uty.shape[1], alphas.shape[0]
    with _quiet(xp):
        shrink = alphas[None, :] / (mu[:, None] + alphas[None, :])  # (r, l)
        coords = xp.reshape(shrink[:, :, None] * uty[:, None, :], (r, L * t))
        h = u2 @ filter_factors(mu, alphas, mask).T
        h = h + (h0[:, None] if hasattr(h0, "shape") and h0.ndim == 1 else h0)
        inv = 1.0 / (1.0 - h)
        if inv_sqrt_w is not None:
            inv = inv * inv_sqrt_w[:, None]
        e = xp.reshape(U @ coords, (n, L, t))
        if xp is np:  # in place: no second (n, l, t) temporary
            e += resid0[:, None, :]
            e *= inv[:, :, None]
            return e
        return (e + resid0[:, None, :]) * inv[:, :, None]


def _sample_mean_se(xp, sq, wn, n_eff):
    """Mean over samples (axis 0 of (n, l, b)) and its standard error; ``wn`` (n,)
    normalized weights or None (plain mean, n_eff = n). Overwrites ``sq`` on numpy."""
    n = sq.shape[0]
    if wn is None:
        mean = xp.sum(sq, axis=0) / n
    else:
        mean = xp.sum(wn[:, None, None] * sq, axis=0)
    if xp is np:
        sq -= mean
        sq *= sq
        dev2 = sq
    else:
        dev = sq - mean
        dev2 = dev * dev
    var = xp.sum(dev2, axis=0) / n if wn is None else xp.sum(wn[:, None, None] * dev2, axis=0)
    denom = max(n_eff - 1.0, 1.0) if isinstance(n_eff, float) else \
        xp.clip(n_eff - 1.0, min=1.0)
    return mean, xp.sqrt(var / denom)


def loo_curve(U, resid0, uty, mu, alphas, h0, w=None, inv_sqrt_w=None,
              per_target: bool = True, mask=None, u2=None, block_bytes: int = BLOCK_BYTES):
    """Leave-one-out mean squared error and its standard error over the grid, (L, t)
    each ((L, 1) with ``per_target=False``: squared errors averaged over targets first).

    .. math:: \\mathrm{LOO}(\\lambda) = \\sum_i w_i r_i^2/\\sum_i w_i, \\qquad
              \\mathrm{se} = \\sqrt{\\frac{\\sum_i w_i (r_i^2 - \\mathrm{LOO})^2/\\sum_i w_i}
              {n_{eff} - 1}}, \\quad n_{eff} = (\\sum w)^2/\\sum w^2

    with r from :func:`loo_residuals` (``w`` None: unit weights). Memory: λ and targets go
    in chunks whose (n, l, b) temporaries stay under ``block_bytes`` (at least one λ and
    one target), so it does not grow with the number of targets or λ beyond the (L, t)
    curves and one (n, L) leverage chunk.
    """
    xp = namespace(U, alphas)
    n = U.shape[0]
    t, L = uty.shape[1], alphas.shape[0]
    u2 = U * U if u2 is None else u2
    wn, n_eff = None, float(n)
    if w is not None:
        wn = w / xp.sum(w)
        n_eff = 1.0 / xp.sum(wn * wn)
    per_cell = 8 * n * 3
    tb = max(1, min(t, block_bytes // per_cell))
    lc = max(1, min(L, block_bytes // (per_cell * tb)))
    means, ses = [], []
    for a in range(0, L, lc):
        grid = alphas[a:a + lc]
        m_parts, s_parts, pooled = [], [], None
        for b in range(0, t, tb):
            r = _loo_block(xp, U, resid0[:, b:b + tb], uty[:, b:b + tb], mu, grid, h0,
                           inv_sqrt_w, mask, u2)  # (n, l, b)
            sq = r * r if xp is not np else np.square(r, out=r)
            if per_target:
                mean, se = _sample_mean_se(xp, sq, wn, n_eff)
                m_parts.append(mean)
                s_parts.append(se)
            else:
                part = xp.sum(sq, axis=2, keepdims=True)
                pooled = part if pooled is None else pooled + part
        if per_target:
            means.append(xp.concat(m_parts, axis=1))
            ses.append(xp.concat(s_parts, axis=1))
        else:
            mean, se = _sample_mean_se(xp, pooled / t, wn, n_eff)
            means.append(mean)
            ses.append(se)
    return xp.concat(means, axis=0), xp.concat(ses, axis=0)


# ------------------------------------------------------------------------ k-fold
def _rank_mask(xp, values, size):
    """Values above ``max * size * eps`` (the rank cut of :mod:`ridgekit.spectrum`)."""
    eps = float(xp.finfo(values.dtype).eps)
    top = values[-1]
    return (values > top * max(size, 1) * eps) & (top > 0)


def fold_pieces(V, mu, scaled, held_cxx, held_cxy, held_cyy, held_weight, dmean_x,
                dmean_y):
    """What :func:`fold_mse` needs of one (training, held-out) pair of moments.

    Parameters
    ----------
    V, mu : the training spectrum, (p, r) and (r,) (masked directions: any μ > 0)
    scaled : (r, t) :math:`V^T C^{train}_{xy}` (zero on masked directions), so that the
        training coefficients are :math:`V c`, :math:`c = \\mathrm{scaled}/(\\mu+\\lambda)`
    held_cxx, held_cxy, held_cyy, held_weight : the held-out fold's moments
    dmean_x, dmean_y : held-out minus training means

    The held-out co-moment matrix is factored as :math:`C_k = R^TR` by ``eigh``; on numpy
    R keeps only the rows above the numerical rank (at most :math:`n_k - 1`), elsewhere
    the rows below it are scaled to zero (same value, no data-dependent shape).
    """
    xp = namespace(V, held_cxx)
    ev, Q = xp.linalg.eigh(held_cxx)
    keep = _rank_mask(xp, ev, ev.shape[0])
    if xp is np:  # numpy: drop the null rows (fewer flops in every product below)
        R = (Q[:, keep] * np.sqrt(ev[keep])).T
    else:
        root = xp.sqrt(xp.where(keep, ev, xp.zeros_like(ev)))
        R = (Q * root[None, :]).T
    B = V.T @ held_cxy
    g = V.T @ dmean_x
    return {"A": R @ V, "scaled": scaled, "mu": mu, "BS": B * scaled,
            "GS": g[:, None] * scaled, "dy": dmean_y, "cyy": held_cyy, "s": held_weight}


def fold_mse(pieces, alphas, block_bytes: int = FOLD_BLOCK_BYTES):
    """Weighted mean squared held-out error of one fold over a grid, (L, t).

    With :math:`c(\\lambda) = \\mathrm{scaled}/(\\mu+\\lambda)`, :math:`B = V^TC^{(k)}_{xy}`,
    :math:`g = V^T\\Delta\\bar x` and :math:`C^{(k)}_{xx} = R^TR`:

    .. math:: \\mathrm{SSE}_k = C^{(k)}_{yy} - 2\\,c^TB + \\lVert R V c\\rVert^2
              + s_k(\\Delta\\bar y - g^Tc)^2 ,

    the cross and shift terms for the whole grid by two (t, r) @ (r, L) products, the
    quadratic one by one (l m, r) @ (r, b) product per chunk of λ and block of targets
    (the λ scaling applied to the small (m, r) factor, not to the targets), chunks bounded
    by ``block_bytes``. On numpy the quadratic term goes by partial fractions in λ
    (:func:`_quad_partial_fractions`: one product per fold for every λ), each λ row
    checked by a rounding estimate and computed directly where the check fails.
    ``alphas`` (L,), or (L, t) for one grid per target. Clipped at 0
    (below only by cancellation, where the fit interpolates the fold).
    """
    A, S, mu = pieces["A"], pieces["scaled"], pieces["mu"]
    xp = namespace(A, alphas)
    m, r = A.shape
    s = pieces["s"]
    if alphas.ndim == 2:  # one λ per target and row
        rows = []
        for i in range(alphas.shape[0]):
            c = S / (mu[:, None] + alphas[i][None, :])
            rc = A @ c
            cross = xp.sum(pieces["BS"] / (mu[:, None] + alphas[i][None, :]), axis=0)
            gc = xp.sum(pieces["GS"] / (mu[:, None] + alphas[i][None, :]), axis=0)
            shift = pieces["dy"] - gc
            sse = pieces["cyy"] - 2.0 * cross + xp.sum(rc * rc, axis=0) + s * shift * shift
            rows.append(sse)
        return xp.clip(xp.stack(rows), min=0.0) / s
    with _quiet(xp):
        G = 1.0 / (mu[:, None] + alphas[None, :])  # (r, L)
    cross = (pieces["BS"].T @ G).T  # (L, t)
    shift = pieces["dy"][None, :] - (pieces["GS"].T @ G).T
    if xp is np and alphas.shape[0] * m > 4 * r:  # numpy: partial fractions, checked
        quad, ok = _quad_partial_fractions(pieces, G, cross, shift)
        if not np.all(ok):
            quad[~ok] = _quad_direct(xp, A, S, G[:, ~ok], block_bytes)
    else:
        quad = _quad_direct(xp, A, S, G, block_bytes)
    sse = pieces["cyy"][None, :] - 2.0 * cross + quad + s * shift * shift
    return xp.clip(sse, min=0.0) / s


def _quad_direct(xp, A, S, G, block_bytes):
    """:math:`\\lVert A\\,(g_l\\circ S)\\rVert^2` per column, (L, t): one
    (l m, r) @ (r, b) product per chunk of λ and block of targets."""
    m, r = A.shape
    t, L = S.shape[1], G.shape[1]
    tb = max(1, min(t, block_bytes // (8 * max(m, r))))
    lc = max(1, min(L, block_bytes // (8 * m * max(r, tb))))
    quads = []
    for a in range(0, L, lc):
        Gc = G[:, a:a + lc]
        l_ = Gc.shape[1]
        AG = xp.reshape(A[None, :, :] * xp.permute_dims(Gc, (1, 0))[:, None, :], (l_ * m, r))
        parts = []
        for b in range(0, t, tb):
            Y = xp.reshape(AG @ S[:, b:b + tb], (l_, m, -1))
            parts.append(_sum_squares(xp, Y))
        quads.append(xp.concat(parts, axis=1))
    return xp.concat(quads, axis=0)


#: eigenvalue pairs closer than this (relative) are summed directly, not split
NEAR_PAIR_RTOL = 1e-3
#: a λ row takes the partial-fraction value only where its error estimate is below
#: this fraction of the SSE (else the direct product): 10x under the tests' 1e-10
PARTIAL_FRACTION_RTOL = 1e-11


def _quad_partial_fractions(pieces, G, cross, shift):
    """numpy only: :math:`q = c^TMc`, :math:`M = A^TA`, by partial fractions in λ.

    For :math:`\\mu_a \\ne \\mu_b`, :math:`g_ag_b = (g_a - g_b)/(\\mu_b-\\mu_a)`, so

    .. math:: q(\\lambda) = \\sum_a g_a\\,2s_a(KS)_a + \\sum_a g_a^2 M_{aa}s_a^2
              + \\sum_{a<b\\ \\mathrm{near}} 2M_{ab}g_ag_b\\,s_as_b ,
              \\qquad K_{ab} = \\frac{M_{ab}}{\\mu_b-\\mu_a}\\ (\\text{far pairs}),

    one (r, r) @ (r, t) product per fold instead of one (m, r) @ (r, t) per λ (the
    many-target case: 10x fewer flops). Pairs within :data:`NEAR_PAIR_RTOL` are summed
    as they are. The split can cancel (ill-conditioned spectra near λ = 0), so each
    (λ, target) value comes with a rounding estimate
    :math:`\\epsilon(\\sqrt m\\,(\\sum_a\\lVert A_a\\rVert|c_a|)^2
    + \\sqrt r\\,\\sum_a g_a|2s_a|(|K||S|)_a)`; rows where it exceeds
    :data:`PARTIAL_FRACTION_RTOL` of the SSE are returned as not ``ok`` (the caller
    computes them directly). Returns ``quad`` (L, t) and ``ok`` (L,).
    """
    pf = pieces.get("_pf")
    A, S, mu = pieces["A"], pieces["scaled"], pieces["mu"]
    m, r = A.shape
    if pf is None:
        M = A.T @ A
        gap = mu[None, :] - mu[:, None]
        near = np.abs(gap) <= NEAR_PAIR_RTOL * np.maximum(mu[:, None], mu[None, :])
        K = np.where(near, 0.0, M / np.where(near, 1.0, gap))
        aS = np.abs(S)
        ia, ib = np.nonzero(np.triu(near, 1))
        pf = pieces["_pf"] = {
            "alpha": 2.0 * S * (K @ S), "beta": np.diag(M)[:, None] * S * S,
            "bound": 2.0 * aS * (np.abs(K) @ aS),
            "normS": np.sqrt(np.maximum(np.diag(M), 0.0))[:, None] * aS,
            "ia": ia, "ib": ib, "Mab": 2.0 * M[ia, ib], "SaSb": S[ia] * S[ib]}
    Gt = G.T
    quad = Gt @ pf["alpha"] + (Gt * Gt) @ pf["beta"]
    if pf["ia"].size:
        quad += (pf["Mab"][None, :] * Gt[:, pf["ia"]] * Gt[:, pf["ib"]]) @ pf["SaSb"]
    w = Gt @ pf["normS"]
    err = np.finfo(float).eps * (np.sqrt(m) * w * w + np.sqrt(r) * (Gt @ pf["bound"]))
    sse = pieces["cyy"][None, :] - 2.0 * cross + quad + pieces["s"] * shift * shift
    ok = np.all(err <= PARTIAL_FRACTION_RTOL * np.maximum(sse, 0.0), axis=1)
    return quad, ok


def _sum_squares(xp, Y):
    """:math:`\\sum_k Y_{lkt}^2` of (l, m, t): einsum on numpy (no (l, m, t) temporary;
    ``Y * Y`` then a sum spills the cache), the plain standard form elsewhere
    (``array_api_compat``'s ``vecdot`` on torch was 3x slower)."""
    if xp is np:
        return np.einsum("lmt,lmt->lt", Y, Y)
    return xp.sum(Y * Y, axis=1)


def summarize_folds(mse, weights):
    """Mean and standard error across folds, as ``cv.glmnet`` computes them:
    (K, L, t) with held-out weights (K,) -> (L, t), (L, t).

    .. math:: \\bar e = \\frac{\\sum_k s_k e_k}{\\sum_k s_k}, \\qquad
              \\mathrm{se} = \\sqrt{\\frac{\\sum_k s_k (e_k-\\bar e)^2 / \\sum_k s_k}{K-1}}
    """
    xp = namespace(mse, weights)
    wn = (weights / xp.sum(weights))[:, None, None]
    mean = xp.sum(wn * mse, axis=0)
    dev = mse - mean
    var = xp.sum(wn * dev * dev, axis=0)
    return mean, xp.sqrt(var / (mse.shape[0] - 1))


# ------------------------------------------------------------------------ choice
def tie_argmin(mean, alphas):
    """Per column of ``mean`` (L, t): the index of the largest λ whose criterion equals
    the minimum up to rounding (:data:`TIE_RTOL` of the column's largest finite |value|).
    Non-finite values are ignored; an all-non-finite column gives its plain argmin."""
    xp = namespace(mean, alphas)
    inf = math.inf
    finite = xp.isfinite(mean)
    scale = xp.max(xp.where(finite, xp.abs(mean), xp.full_like(mean, -inf)), axis=0)
    low = xp.min(xp.where(finite, mean, xp.full_like(mean, inf)), axis=0)
    ties = mean <= low + TIE_RTOL * scale
    col_alpha = xp.broadcast_to(alphas[:, None], mean.shape)
    idx = xp.argmax(xp.where(ties, col_alpha, xp.full_like(col_alpha, -inf)), axis=0)
    any_finite = xp.any(finite, axis=0)
    return xp.where(any_finite, idx, xp.argmin(mean, axis=0))


def _at(xp, values, idx):
    """values[idx[j], j] for (L, t) values and (t,) indices."""
    L, t = values.shape
    cols = xp.arange(t, device=_device(xp, values))
    return xp.take(xp.reshape(values, (-1,)), idx * t + cols)


def one_se_index(mean, se, alphas):
    """Per column: the largest λ whose mean error is within one standard error of the
    minimum, :math:`\\max\\{\\lambda : \\bar e(\\lambda) \\le \\bar e_{min} +
    \\mathrm{se}_{min}\\}` (glmnet's ``lambda.1se``); ``mean``, ``se`` (L, t)."""
    xp = namespace(mean, se, alphas)
    i0 = xp.argmin(mean, axis=0)
    threshold = _at(xp, mean, i0) + _at(xp, se, i0)
    col_alpha = xp.broadcast_to(alphas[:, None], mean.shape)
    return xp.argmax(xp.where(mean <= threshold, col_alpha,
                              xp.full_like(col_alpha, -math.inf)), axis=0)


def value_at(values, idx):
    """``values[idx[j], j]`` for (L, t) values and (t,) grid indices."""
    return _at(namespace(values, idx), values, idx)


# -------------------------------------------------------------------------- grid
def alphas_for_df(mu, dfs, mask=None, iterations: int = 100):
    """The λ with :math:`\\sum_j m_j\\mu_j/(\\mu_j+\\lambda) = \\mathrm{df}` for each entry
    of ``dfs`` (k,), all in (0, rank), by bisection on log λ: a fixed number of halvings
    of an exact bracket (no test of convergence, so nothing is read back on a device).

    The bracket: at :math:`\\lambda = 2\\sum\\mu/\\mathrm{df}` the sum is below df, and at
    :math:`\\lambda = (r - \\mathrm{df})/(2\\sum 1/\\mu)` it is above, so ``iterations``
    = 100 halvings reach rounding (the bracket spans < 2^7 in log λ).
    """
    xp = namespace(mu, dfs)
    mm = _masked(xp, mu, mask)
    rank = xp.sum(xp.ones_like(mu) if mask is None else mask)
    sum_mu = xp.sum(mm)
    with _quiet(xp):
        sum_inv = xp.sum((xp.ones_like(mu) if mask is None else mask) / mu)
    hi = xp.log(2.0 * sum_mu / dfs)
    lo = xp.log((rank - dfs) / (2.0 * sum_inv))
    for _ in range(iterations):  # Σ f decreases in λ
        mid = 0.5 * (lo + hi)
        f = mm[None, :] / (mu[None, :] + xp.exp(mid)[:, None])
        above = xp.sum(f, axis=1) > dfs
        lo = xp.where(above, mid, lo)
        hi = xp.where(above, hi, mid)
    return xp.exp(0.5 * (lo + hi))


# ------------------------------------------------------------ closed-form rules
def ls_variance(rss0, n: int, rank, fit_intercept: bool):
    """:math:`s^2 = \\mathrm{RSS}_0/(n - r - [1])` per target (callers check n > r + 1)."""
    return rss0 / (n - rank - float(fit_intercept))


def _form_factor(p: int, form: str) -> float:
    if form == "mass":
        return p - 2.0
    if form == "original":
        return float(p)
    raise ValueError(f"unknown form {form!r}; choose 'mass' or 'original'")


def hkb_alpha(p: int, s2, beta_sq, form: str = "mass"):
    """Hoerl–Kennard–Baldwin :math:`k = (p-2)s^2/\\hat\\beta^T\\hat\\beta` ("mass") or
    :math:`p\\,s^2/\\hat\\beta^T\\hat\\beta` ("original"); ``beta_sq`` = Σ u²/μ."""
    return _form_factor(p, form) * s2 / beta_sq


def lawless_wang_alpha(p: int, n: int, s2, fit_sq, form: str = "mass"):
    """Lawless–Wang :math:`k = (p-2)s^2 n/\\lVert X\\hat\\beta\\rVert^2` ("mass") or
    :math:`p\\,s^2/\\lVert X\\hat\\beta\\rVert^2` ("original"); ``fit_sq`` = Σ u²."""
    return _form_factor(p, form) * s2 * (n if form == "mass" else 1.0) / fit_sq
