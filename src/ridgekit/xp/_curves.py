"""LOO, GCV and k-fold curves over a λ grid and many targets, on the device, and the
choice of λ on them (minimum with ties to the largest λ, or the 1-SE rule).

Every function takes and returns arrays of the fit's namespace; none reads a value back to
the host. Targets are processed in blocks whose temporaries stay under
:data:`TARGET_BLOCK_BYTES`, so memory does not grow with the number of targets beyond the
(L, t) curves themselves.
"""

from __future__ import annotations

from ridgekit.select._selection import _TIE_RTOL

__all__ = ["loo_curve", "gcv_curve", "kfold_errors", "summarize", "choose", "default_grid",
           "TARGET_BLOCK_BYTES"]

#: bytes of the per-block temporaries ((n or p) x targets) of the curves
TARGET_BLOCK_BYTES = 128 * 2**20


def _target_blocks(t: int, rows: int, copies: int = 3):
    step = max(1, TARGET_BLOCK_BYTES // (8 * max(rows, 1) * copies))
    return [(s, min(t, s + step)) for s in range(0, t, step)]


def loo_curve(ctx, spec, X, Y, alphas, per_target: bool = True):
    """Exact leave-one-out mean squared error and its standard error, (L, t) each
    ((L, 1) with ``per_target=False``, errors averaged over targets first).

    With :math:`U = \\tilde X V D^{-1}` and the hat diagonal
    :math:`h_i = 1/n + \\sum_j U_{ij}^2 f_j` (the intercept counted),
    :math:`r_i = e_i/(1-h_i)`, :math:`e = r_0 + U\\,\\frac{\\lambda}{\\mu+\\lambda}\\,u`.
    One (n, p) @ (p, block) product per λ and target block.
    """
    xp, acc = ctx.xp, ctx.acc
    n = X.shape[0]
    scale = spec.mask / xp.sqrt(spec.mu)  # 1/d on the kept directions, 0 elsewhere
    from ridgekit.xp._spectrum import _blocks

    U = xp.concat([(xp.astype(X[a:b, ...], acc) - spec.m.mean_x) @ spec.V * scale
                   for a, b in _blocks(n, X.shape[1])], axis=0)
    uty = scale[:, None] * spec.z  # (p, t)
    h = (U * U) @ spec.filter_factors(alphas).T  # (n, L)
    if spec.fit_intercept:
        h = h + 1.0 / n
    inv = 1.0 / (1.0 - h)
    shrink = alphas[None, :] / (spec.mu[:, None] + alphas[None, :])  # (p, L)
    t, L = Y.shape[1], alphas.shape[0]
    means, ses = [], []
    pooled = None if per_target else [xp.zeros((n,), dtype=acc, device=ctx.device)
                                      for _ in range(L)]
    for a, b in _target_blocks(t, n):
        Yb = xp.astype(Y[:, a:b], acc) - spec.m.mean_y[a:b]
        ub = uty[:, a:b]
        r0 = Yb - U @ ub
        mb, sb = [], []
        for i in range(L):
            r = (r0 + U @ (shrink[:, i:i + 1] * ub)) * inv[:, i:i + 1]
            sq = r * r
            if per_target:
                mean = xp.sum(sq, axis=0) / n
                dev = sq - mean
                mb.append(mean)
                sb.append(xp.sqrt(xp.sum(dev * dev, axis=0) / (n - 1)) / n**0.5)
            else:
                pooled[i] = pooled[i] + xp.sum(sq, axis=1)
        if per_target:
            means.append(xp.stack(mb))
            ses.append(xp.stack(sb))
    if per_target:
        return xp.concat(means, axis=1), xp.concat(ses, axis=1)
    sq = xp.stack(pooled) / t  # (L, n)
    mean = xp.sum(sq, axis=1) / n
    dev = sq - mean[:, None]
    se = xp.sqrt(xp.sum(dev * dev, axis=1) / (n - 1)) / n**0.5
    return mean[:, None], se[:, None]


def gcv_curve(ctx, spec, alphas, per_target: bool = True):
    """Golub–Heath–Wahba GCV :math:`n\\,\\mathrm{RSS}/(n-\\operatorname{tr}H)^2`, (L, t)
    (or (L, 1) averaged over targets); +inf where tr H >= n."""
    xp = ctx.xp
    n = spec.m.n_samples
    rss = spec.rss(alphas)
    trace = spec.df(alphas)
    gap = n - trace
    value = n * rss / (gap * gap)[:, None]
    value = xp.where((gap > 0)[:, None], value, xp.full_like(value, float("inf")))
    if not per_target:
        value = xp.mean(value, axis=1, keepdims=True)
    return value


def kfold_errors(ctx, pairs, alphas, per_target: bool = True):
    """Held-out mean squared error of each (training, held-out) pair of moments,
    (K, L, t) (or (K, L, 1) averaged over targets), and the held-out weights (host floats).

    With the training spectrum :math:`c(\\lambda) = m z/(\\mu+\\lambda)`,
    :math:`M = V^T C^{(k)}_{xx} V`, :math:`B = V^T C^{(k)}_{xy}`,
    :math:`g = V^T\\Delta\\bar x`:

    .. math:: \\mathrm{SSE}_k = C^{(k)}_{yy} - 2\\,c^TB + c^TMc + s_k(\\Delta\\bar y - g^Tc)^2 ,

    one (p, p) @ (p, block) product per fold, λ and target block.
    """
    from ridgekit.xp._spectrum import spectrum

    xp = ctx.xp
    out, weights = [], []
    for train, held in pairs:
        spec = spectrum(ctx, train, True)
        V = spec.V
        M = V.T @ held.cxx @ V
        B = V.T @ held.cxy
        g = V.T @ (held.mean_x - train.mean_x)
        dy = held.mean_y - train.mean_y
        s = held.weight
        t, L, p = B.shape[1], alphas.shape[0], V.shape[0]
        blocks, pooled = [], None
        for a, b in _target_blocks(t, p):
            zb = spec.mask[:, None] * spec.z[:, a:b]
            rows = []
            for i in range(L):
                c = zb / (spec.mu[:, None] + alphas[i])
                shift = dy[a:b] - g @ c
                sse = (held.cyy[a:b] - 2.0 * xp.sum(c * B[:, a:b], axis=0)
                       + xp.sum(c * (M @ c), axis=0) + s * shift * shift)
                rows.append(xp.clip(sse, min=0.0) / s)
            mse = xp.stack(rows)  # (L, block)
            if per_target:
                blocks.append(mse)
            else:
                part = xp.sum(mse, axis=1, keepdims=True)
                pooled = part if pooled is None else pooled + part
        out.append(xp.concat(blocks, axis=1) if per_target else pooled / t)
        weights.append(float(s))
    return xp.stack(out), weights


def summarize(ctx, mse, weights):
    """Weighted mean and standard error across folds (as ``cv.glmnet``):
    (K, L, t) -> (L, t), (L, t)."""
    xp = ctx.xp
    total = sum(weights)
    wn = ctx.asarray([w / total for w in weights])[:, None, None]
    mean = xp.sum(wn * mse, axis=0)
    dev = mse - mean
    var = xp.sum(wn * dev * dev, axis=0)
    return mean, xp.sqrt(var / (mse.shape[0] - 1))


def choose(ctx, alphas, mean, se=None, rule: str = "min"):
    """Grid indices of the minimum (ties within ``1e-12`` of the curve's scale go to the
    largest λ, as :class:`ridgekit.select.Selection`) and of the 1-SE rule (largest λ
    with mean <= min + se at the minimum), per column of ``mean`` (L, t).

    Returns ``index_min``, ``index_1se`` (None without ``se``), the chosen λ (t,) and the
    curve at the chosen index (t,)."""
    xp = ctx.xp
    L, t = mean.shape
    finite = xp.isfinite(mean)
    inf = float("inf")
    scale = xp.max(xp.where(finite, xp.abs(mean), xp.full_like(mean, -inf)), axis=0)
    low = xp.min(xp.where(finite, mean, xp.full_like(mean, inf)), axis=0)
    col_alpha = xp.broadcast_to(alphas[:, None], (L, t))
    neg = xp.full_like(col_alpha, -inf)
    ties = mean <= low + _TIE_RTOL * scale
    index_min = xp.argmax(xp.where(ties, col_alpha, neg), axis=0)
    cols = xp.arange(t, device=ctx.device)
    flat = xp.reshape(mean, (-1,))

    def at(values, idx):
        return xp.take(xp.reshape(values, (-1,)), idx * t + cols)

    index_1se = None
    if se is not None:
        i0 = xp.argmin(mean, axis=0)
        threshold = at(flat, i0) + at(se, i0)
        index_1se = xp.argmax(xp.where(mean <= threshold, col_alpha, neg), axis=0)
    chosen = index_min if rule == "min" else index_1se
    return index_min, index_1se, xp.take(alphas, chosen), at(flat, chosen)


def default_grid(ctx, spec, n_alphas: int = 100, df_min: float = 0.5, gap: float = 1e-3,
                 iterations: int = 120):
    """:func:`ridgekit.select.default_alphas` on the device: log-spaced, descending, from
    df = ``df_min`` to df = rank (1 - ``gap``), both ends solved by bisection on log λ
    (vectorized, a fixed number of steps: no test of convergence on the host)."""
    xp = ctx.xp
    rank = xp.sum(spec.mask)
    df_hi = xp.where(rank > 1, rank * (1.0 - gap), xp.full_like(rank, 0.9))
    df_lo = xp.minimum(xp.full_like(df_hi, df_min), 0.5 * df_hi)
    targets = xp.stack([df_lo, df_hi])  # (2,)
    kept = spec.mask > 0
    mu_min = xp.min(xp.where(kept, spec.mu, xp.full_like(spec.mu, float("inf"))))
    mu_max = xp.max(xp.where(kept, spec.mu, xp.zeros_like(spec.mu)))
    lo = xp.log(mu_min * 1e-6) * xp.ones_like(targets)
    hi = xp.log(mu_max * 1e6) * xp.ones_like(targets)
    for _ in range(iterations):  # sum f decreases in λ
        mid = 0.5 * (lo + hi)
        f = spec.mask[None, :] * spec.mu[None, :] / (spec.mu[None, :] + xp.exp(mid)[:, None])
        above = xp.sum(f, axis=1) > targets
        lo = xp.where(above, mid, lo)
        hi = xp.where(above, hi, mid)
    log_a = 0.5 * (lo + hi)  # [log λ(df_lo) (large), log λ(df_hi) (small)]
    frac = xp.arange(n_alphas, dtype=ctx.acc, device=ctx.device) / max(n_alphas - 1, 1)
    return xp.exp(log_a[0] + (log_a[1] - log_a[0]) * frac)
