"""The device side of the selection curves: what the shared formulas of
:mod:`ridgekit.select._formulas` need that only a device fit has (U from X in row blocks,
the masked spectrum, device scalars), then the formulas themselves.

Every function takes and returns arrays of the fit's namespace; none reads a value back
to the host. The formulas (LOO, GCV, k-fold SSE, the fold summary, the min and 1-SE
choices, the default grid, HKB, Lawless–Wang, target df) are those the numpy route runs.

Memory: LOO keeps U (n, p) and, per block of targets, the block's residuals; k-fold keeps
per fold the (p, t) products with the targets; both evaluate λ and targets in blocks
whose temporaries stay under :data:`ridgekit.select._formulas.BLOCK_BYTES` (64 MiB), so
beyond the input and those (p, t) or (n, block) arrays, memory does not grow with the
number of targets or of λ (the (L, t) curves themselves aside).
"""

from __future__ import annotations

from ridgekit.select import _formulas as F

__all__ = ["loo_curve", "gcv_curve", "kfold_errors", "summarize", "choose", "default_grid",
           "closed_form_alpha"]


def loo_curve(ctx, spec, X, Y, alphas, per_target: bool = True, w=None):
    """Exact leave-one-out mean squared error and its standard error, (L, t) each
    ((L, 1) with ``per_target=False``), by :func:`ridgekit.select._formulas.loo_curve`.

    :math:`U = W^{1/2}(X - \\bar x) V D^{-1}` is formed in row blocks (rank-masked: zero
    columns below the numerical rank), :math:`r_0 = W^{1/2}(Y - \\bar y) - U u` per block of
    targets, and the hat diagonal at λ = ∞ is the intercept's :math:`w_i/\\sum w`.
    """
    from ridgekit.xp._spectrum import _blocks

    xp, acc = ctx.xp, ctx.acc
    n = X.shape[0]
    scale = spec.mask / xp.sqrt(spec.mu)  # 1/d on the kept directions, 0 elsewhere
    sqrt_w = None if w is None else xp.sqrt(w)
    parts = []
    for a, b in _blocks(n, X.shape[1]):
        part = (xp.astype(X[a:b, ...], acc) - spec.m.mean_x) @ spec.V * scale
        parts.append(part if sqrt_w is None else part * sqrt_w[a:b, None])
    U = xp.concat(parts, axis=0)
    uty = scale[:, None] * spec.z  # (p, t)
    weight = spec.m.weight
    if not spec.fit_intercept:
        h0 = 0.0
    elif w is None:
        h0 = 1.0 / n
    else:
        h0 = w / weight
    inv = None
    if w is not None:  # 1/sqrt(w), 0 where w = 0 (those rows weigh nothing)
        safe = xp.where(w > 0, sqrt_w, xp.ones_like(sqrt_w))
        inv = xp.where(w > 0, 1.0 / safe, xp.zeros_like(w))
    u2 = U * U
    t = Y.shape[1]

    def resid(a, b):
        Yb = xp.astype(Y[:, a:b], acc) - spec.m.mean_y[a:b]
        if sqrt_w is not None:
            Yb = Yb * sqrt_w[:, None]
        return Yb - U @ uty[:, a:b]

    if not per_target:  # one pooled curve: the formula sees every target at once
        return F.loo_curve(U, resid(0, t), uty, spec.mu, alphas, h0, w, inv, False,
                           spec.mask, u2)
    step = max(1, F.BLOCK_BYTES // (8 * n))
    means, ses = [], []
    for a in range(0, t, step):
        b = min(t, a + step)
        mean, se = F.loo_curve(U, resid(a, b), uty[:, a:b], spec.mu, alphas, h0, w, inv,
                               True, spec.mask, u2)
        means.append(mean)
        ses.append(se)
    return xp.concat(means, axis=1), xp.concat(ses, axis=1)


def gcv_curve(ctx, spec, alphas, per_target: bool = True, form: str = "ghw"):
    """GCV in either form of :func:`ridgekit.select._formulas.gcv_curve`, (L, t) (or
    (L, 1) averaged over targets); +inf where it is undefined."""
    df = ctx.xp.sum(F.filter_factors(spec.mu, alphas, spec.mask), axis=1)
    return F.gcv_curve(spec.rss(alphas), spec.m.n_samples, spec.m.weight, df,
                       spec.fit_intercept, form, per_target)


def kfold_errors(ctx, pairs, alphas, per_target: bool = True):
    """Held-out mean squared error of each (training, held-out) pair of moments,
    (K, L, t) (or (K, L, 1) averaged over targets), and the held-out weights (K,), by
    :func:`ridgekit.select._formulas.fold_pieces` and ``fold_mse`` on the masked training
    spectrum of each fold."""
    from ridgekit.xp._spectrum import spectrum

    xp = ctx.xp
    out, weights = [], []
    for train, held in pairs:
        spec = spectrum(ctx, train, True)
        pieces = F.fold_pieces(spec.V, spec.mu, spec.mask[:, None] * spec.z, held.cxx,
                               held.cxy, held.cyy, held.weight,
                               held.mean_x - train.mean_x, held.mean_y - train.mean_y)
        mse = F.fold_mse(pieces, alphas)
        out.append(mse if per_target else xp.mean(mse, axis=1, keepdims=True))
        weights.append(held.weight)
    w = xp.stack([ctx.asarray(v) if isinstance(v, float) else xp.astype(v, ctx.acc)
                  for v in weights])
    return xp.stack(out), w


def summarize(ctx, mse, weights):
    """Weighted mean and standard error across folds (``cv.glmnet``'s):
    (K, L, t) -> (L, t), (L, t)."""
    return F.summarize_folds(mse, weights)


def choose(ctx, alphas, mean, se=None, rule: str = "min"):
    """Grid indices of the minimum (ties to rounding go to the largest λ) and of the 1-SE
    rule per column of ``mean`` (L, t), by the formulas :class:`ridgekit.select.Selection`
    uses. Returns ``index_min``, ``index_1se`` (None without ``se``), the chosen λ (t,)
    and the curve at the chosen index (t,)."""
    index_min = F.tie_argmin(mean, alphas)
    index_1se = None if se is None else F.one_se_index(mean, se, alphas)
    chosen = index_min if rule == "min" else index_1se
    return index_min, index_1se, ctx.xp.take(alphas, chosen), F.value_at(mean, chosen)


def default_grid(ctx, spec, n_alphas: int = 100, df_min: float = 0.5, gap: float = 1e-3):
    """:func:`ridgekit.select.default_alphas` on the device: log-spaced, descending, from
    df = ``df_min`` to df = rank (1 - ``gap``), both ends by the shared bisection
    :func:`ridgekit.select._formulas.alphas_for_df` (the rank is the device's mask sum)."""
    xp = ctx.xp
    rank = xp.sum(spec.mask)
    df_hi = xp.where(rank > 1, rank * (1.0 - gap), xp.full_like(rank, 0.9))
    df_lo = xp.minimum(xp.full_like(df_hi, df_min), 0.5 * df_hi)
    log_a = xp.log(F.alphas_for_df(spec.mu, xp.stack([df_lo, df_hi]), spec.mask))
    frac = xp.arange(n_alphas, dtype=ctx.acc, device=ctx.device) / max(n_alphas - 1, 1)
    return xp.exp(log_a[0] + (log_a[1] - log_a[0]) * frac)


def closed_form_alpha(ctx, spec, name: str, n_features: int, df=None):
    """λ per target (t,) of a closed-form rule on the device spectrum: ``hkb`` and
    ``lawless-wang`` (MASS forms) from least squares' :math:`s^2`,
    :math:`\\lVert\\hat\\beta\\rVert^2 = \\sum m z^2/\\mu^2` and
    :math:`\\lVert X\\hat\\beta\\rVert^2 = \\sum m z^2/\\mu`; ``df`` by the shared bisection."""
    xp = ctx.xp
    t = spec.z.shape[1]
    if name == "df":
        alpha = F.alphas_for_df(spec.mu, ctx.asarray([float(df)]), spec.mask)
        return xp.broadcast_to(alpha, (t,))
    rank = xp.sum(spec.mask)
    s2 = F.ls_variance(spec.rss0, spec.m.n_samples, rank, spec.fit_intercept)
    uty2 = spec.uty2()
    if name == "hkb":
        return F.hkb_alpha(n_features, s2, xp.sum(uty2 / spec.mu[:, None], axis=0))
    return F.lawless_wang_alpha(n_features, spec.m.n_samples, s2, xp.sum(uty2, axis=0))
