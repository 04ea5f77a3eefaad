"""Moments of ``[X | Y]`` and the spectrum from them, in any array-API namespace.

The same statistics as :class:`ridgekit.moments.Moments` (weight sum, means, centered
co-moments :math:`C_{xx}`, :math:`C_{xy}`, diag :math:`C_{yy}`), accumulated on the
input's device in :attr:`Context.acc` precision, blocks of rows at a time: each block is
cast to the accumulation dtype and centered on the (first-pass) mean before its GEMM, so
memory beyond X is one block. Merges follow Chan, Golub & LeVeque:

.. math:: C = C_A + C_B + \\delta\\delta^T s_A s_B / s .

The spectrum is ``xp.linalg.eigh`` of :math:`C_{xx}`. Directions below the numerical rank
(:math:`\\mu_j \\le \\mu_{max}\\,p\\,\\epsilon`, the cut of :mod:`ridgekit.spectrum`) are
masked, not dropped, so no shape depends on data and nothing is read back to the host.
With :math:`z = V^T C_{xy}` and mask :math:`m`,

.. math:: \\beta(\\lambda) = V\\,\\frac{m\\,z}{\\mu + \\lambda}, \\qquad
          f_j = \\frac{m_j\\mu_j}{\\mu_j+\\lambda}, \\qquad
          \\mathrm{RSS}(\\lambda) = \\mathrm{RSS}_0 + \\sum_j \\frac{m_j z_j^2}{\\mu_j}
          (1-f_j)^2 .
"""

from __future__ import annotations

from dataclasses import dataclass

from ridgekit.select import _formulas as F

__all__ = ["XMoments", "XSpectrum", "moments", "merge", "spectrum", "fold_moments"]

#: bytes of one block of rows cast to the accumulation dtype
BLOCK_BYTES = 64 * 2**20


@dataclass
class XMoments:
    """Moments on a device: ``weight`` (0-d or float), ``mean_x`` (p,), ``mean_y`` (t,),
    ``cxx`` (p, p), ``cxy`` (p, t), ``cyy`` (t,); all in the accumulation dtype."""

    n_samples: int
    weight: object
    mean_x: object
    mean_y: object
    cxx: object
    cxy: object
    cyy: object


def _blocks(n: int, p: int, itemsize: int = 8):
    step = max(256, BLOCK_BYTES // (itemsize * max(p, 1)))
    return [(s, min(n, s + step)) for s in range(0, n, step)]


def moments(ctx, X, Y, rows=None, fit_intercept: bool = True, w=None) -> XMoments:
    """Moments of the rows ``rows`` of X, Y: a ``slice``, a device index array, or None
    (all rows), weighted by ``w`` (all n rows' weights, on the device) when given:
    :math:`s = \\sum w_i`, :math:`\\bar x = \\sum w_i x_i/s`,
    :math:`C_{xx} = \\sum w_i (x_i-\\bar x)(x_i-\\bar x)^T`. Without an intercept they
    are taken about the origin (means zero)."""
    xp, acc = ctx.xp, ctx.acc
    if rows is None:
        rows = slice(0, X.shape[0])
    if isinstance(rows, slice):
        n = rows.stop - rows.start

        def get(A, a, b):
            return xp.astype(A[rows.start + a:rows.start + b, ...], acc)
    else:
        n = rows.shape[0]

        def get(A, a, b):
            return xp.astype(xp.take(A, rows[a:b], axis=0), acc)
    p, t = X.shape[1], Y.shape[1]
    blocks = _blocks(n, p + t)
    W = None if w is None else w[:, None]  # get() reads rows of a 2-D array
    if w is None:
        weight = float(n)
    else:
        weight = xp.zeros((), dtype=acc, device=ctx.device)
        for a, b in blocks:
            weight = weight + xp.sum(get(W, a, b))
    if fit_intercept:
        sx = xp.zeros((p,), dtype=acc, device=ctx.device)
        sy = xp.zeros((t,), dtype=acc, device=ctx.device)
        for a, b in blocks:
            wb = 1.0 if W is None else get(W, a, b)
            sx = sx + xp.sum(wb * get(X, a, b), axis=0)
            sy = sy + xp.sum(wb * get(Y, a, b), axis=0)
        mean_x, mean_y = sx / weight, sy / weight
    else:
        mean_x = xp.zeros((p,), dtype=acc, device=ctx.device)
        mean_y = xp.zeros((t,), dtype=acc, device=ctx.device)
    cxx = xp.zeros((p, p), dtype=acc, device=ctx.device)
    cxy = xp.zeros((p, t), dtype=acc, device=ctx.device)
    cyy = xp.zeros((t,), dtype=acc, device=ctx.device)
    for a, b in blocks:
        xc = get(X, a, b) - mean_x
        yc = get(Y, a, b) - mean_y
        wx = xc if W is None else get(W, a, b) * xc
        cxx = cxx + wx.T @ xc
        cxy = cxy + wx.T @ yc
        wy = yc if W is None else get(W, a, b) * yc
        cyy = cyy + xp.sum(wy * yc, axis=0)
    return XMoments(n, weight, mean_x, mean_y, cxx, cxy, cyy)


def merge(a: XMoments, b: XMoments) -> XMoments:
    """Exact merge of two sets of moments (means and co-moments of the union)."""
    s = a.weight + b.weight
    dx = b.mean_x - a.mean_x
    dy = b.mean_y - a.mean_y
    f = a.weight * b.weight / s
    return XMoments(
        a.n_samples + b.n_samples, s,
        a.mean_x + dx * (b.weight / s), a.mean_y + dy * (b.weight / s),
        a.cxx + b.cxx + f * (dx[:, None] * dx[None, :]),
        a.cxy + b.cxy + f * (dx[:, None] * dy[None, :]),
        a.cyy + b.cyy + f * dy * dy,
    )


def fold_moments(ctx, X, Y, partition, fit_intercept: bool = True,
                 w=None) -> list[XMoments]:
    """Moments of each fold of a host fold-id vector (one pass over X per fold's rows).
    A fold of consecutive rows is read as a slice; any other is gathered a block at a
    time from an index array copied to the device."""
    import numpy as np

    out = []
    for k in np.unique(partition):
        idx = np.flatnonzero(partition == k)
        if idx[-1] - idx[0] + 1 == idx.size:
            rows = slice(int(idx[0]), int(idx[-1]) + 1)
        else:
            rows = ctx.xp.asarray(idx, device=ctx.device)
        out.append(moments(ctx, X, Y, rows, fit_intercept, w))
    return out


@dataclass
class XSpectrum:
    """Eigen-decomposition of :math:`C_{xx}` with the targets in its basis.

    ``mu`` (p,) descending (masked entries replaced by 1), ``mask`` (p,) in {0, 1},
    ``V`` (p, p), ``z`` = :math:`V^T C_{xy}` (p, t), ``rss0`` (t,), and the moments."""

    mu: object
    mask: object
    V: object
    z: object
    rss0: object
    m: XMoments
    fit_intercept: bool
    xp: object

    def coords(self, alpha):
        """:math:`m z/(\\mu+\\lambda)` for λ of shape (t,) or a scalar: (p, t)."""
        return self.mask[:, None] * self.z / (self.mu[:, None] + alpha)

    def coef(self, alpha):
        """Coefficients (t, p) at one λ per target (shape (t,)) or one for all."""
        return (self.V @ self.coords(alpha)).T

    def intercept(self, coef):
        return self.m.mean_y - coef @ self.m.mean_x

    def filter_factors(self, alphas):
        """(L, p) for a grid (L,)."""
        return F.filter_factors(self.mu, alphas, self.mask)

    def df(self, alphas):
        """tr H, the intercept counted (as :meth:`ridgekit.spectrum.Spectrum.df`): (L,)."""
        return self.xp.sum(self.filter_factors(alphas), axis=1) + float(self.fit_intercept)

    def uty2(self):
        """:math:`(U^T\\tilde y)^2 = m z^2/\\mu`, (p, t)."""
        return self.mask[:, None] * self.z * self.z / self.mu[:, None]

    def rss(self, alphas):
        """Residual sum of squares (L, t)."""
        uty = self.mask[:, None] * self.z / self.xp.sqrt(self.mu)[:, None]
        return F.rss(self.mu, uty, self.rss0, alphas, self.mask)


def spectrum(ctx, m: XMoments, fit_intercept: bool = True) -> XSpectrum:
    """The masked eigen-decomposition of ``m.cxx`` (see the module docstring)."""
    xp = ctx.xp
    mu, V = xp.linalg.eigh(m.cxx)
    mu, V = xp.flip(mu), xp.flip(V, axis=1)
    p = mu.shape[0]
    mask = xp.astype(mu > mu[0] * max(p, 1) * ctx.eps(), ctx.acc)
    mask = mask * xp.astype(mu[0] > 0, ctx.acc)
    mu = xp.where(mask > 0, mu, xp.ones_like(mu))
    z = V.T @ m.cxy
    uty2 = mask[:, None] * z * z / mu[:, None]
    rss0 = xp.clip(m.cyy - xp.sum(uty2, axis=0), min=0.0)
    return XSpectrum(mu, mask, V, z, rss0, m, fit_intercept, xp)
