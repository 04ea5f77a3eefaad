r"""Adam + L2 against AdamW over a learning-rate × weight-decay grid.

A CPU-sized version of Figure 2 of Loshchilov & Hutter (2019): train the same
network with

* **Adam + L2**: ``torch.optim.Adam(decay_groups(model, κ))``, the L2 gradient
  :math:`\kappa W` going through Adam's normalization, and
* **AdamW**: ``ridgekit.nn.AdamW(decay_groups(model, λ))`` with the paper's coupling
  ``"schedule"`` (shrink :math:`\lambda\,\eta_t/\eta_0` per step),

over a grid of base learning rates and decay strengths, with a cosine learning-rate
schedule, and measure how much the best decay moves with the learning rate.

Model and data. scikit-learn's digits (``n_train`` training images, the rest for
testing); an MLP ``Linear(no bias) → LayerNorm → ReLU`` × 2 with a *fixed random*
linear head (``requires_grad=False``, so :func:`ridgekit.nn.decay_groups` skips it).
Every decayed weight then sits in front of a normalization layer and is
scale-invariant, the regime of the paper's batch-normalized ResNets and the one in
which the paper's argument applies: for scale-invariant weights AdamW's equilibrium
angular update is :math:`\approx\sqrt{2\lambda}` whatever the learning rate, whereas
with L2 the equilibrium depends on the product of learning rate and κ. (With a
trainable, decayed head the equilibrium weight scale of the head is
:math:`\propto \eta/\lambda`, which couples lr and λ for AdamW as well.)

Separability (:func:`separability`). For every learning rate (row) the best decay
:math:`\lambda^*` is located on the grid and refined by a parabola through its two
neighbours in :math:`\log_{10}\lambda`. Reported: the least-squares slope
:math:`d\log_{10}\lambda^*/d\log_{10}\eta` (0 = separable), the Pearson correlation of
:math:`\log\eta` and :math:`\log\lambda^*`, and the share of the surface's variance
that an additive model :math:`a_i + b_j` leaves unexplained ("interaction").
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ..decoupled import AdamW
from ..groups import decay_groups
from ._common import Result, digits_tensors, num_threads, train_classifier

__all__ = ["GridResult", "adam_vs_adamw_grid", "separability"]

OPTIMIZERS = ("adam_l2", "adamw")
DEFAULT_LRS = tuple(np.logspace(-4, -1.5, 6).tolist())
DEFAULT_DECAYS = {
    "adam_l2": tuple(np.logspace(-4, 1, 6).tolist()),
    "adamw": tuple(np.logspace(-4, -1, 6).tolist()),
}


@dataclass
class GridResult(Result):
    """Result of :func:`adam_vs_adamw_grid`.

    Arrays ``test_error``, ``test_loss`` and ``train_loss`` map an optimizer name to
    a nested list of shape (n_lr, n_decay, n_seed).
    """

    lrs: list[float]
    decays: dict[str, list[float]]
    seeds: list[int]
    test_error: dict[str, Any]
    test_loss: dict[str, Any]
    train_loss: dict[str, Any]
    separability: dict[str, dict[str, dict[str, Any]]]
    config: dict[str, Any] = field(default_factory=dict)
    runtime_s: float = float("nan")
    name: str = "adam_vs_adamw"

    def mean(self, metric: str, opt: str) -> np.ndarray:
        """Seed-averaged (n_lr, n_decay) surface of a metric."""
        return np.asarray(getattr(self, metric)[opt], dtype=float).mean(axis=2)

    def plot(self):
        from .plots import plot_grid

        return plot_grid(self)


def separability(lrs, decays, surface) -> dict[str, Any]:
    r"""How strongly the best decay depends on the learning rate.

    Parameters
    ----------
    lrs : array of shape (n_lr,)
        Learning rates (rows of ``surface``), > 0.
    decays : array of shape (n_decay,)
        Decay strengths (columns), > 0, increasing.
    surface : array of shape (n_lr, n_decay)
        Metric to minimize (e.g. test loss).

    Returns
    -------
    dict
        ``best_log10_decay`` (per lr, parabola-refined), ``best_index`` (per lr),
        ``slope`` (least squares :math:`d\log_{10}\lambda^*/d\log_{10}\eta`),
        ``correlation`` (Pearson; NaN if λ* is constant), ``interaction`` (share of
        variance not explained by row + column effects).
    """
    x = np.log10(np.asarray(lrs, dtype=float))
    z = np.log10(np.asarray(decays, dtype=float))
    S = np.asarray(surface, dtype=float)
    if S.shape != (len(x), len(z)):
        raise ValueError(f"surface has shape {S.shape}, expected {(len(x), len(z))}")
    if not np.all(np.isfinite(S)):
        raise ValueError("surface has non-finite values")
    best_idx = S.argmin(axis=1)
    best = np.empty(len(x))
    for i, j in enumerate(best_idx):
        best[i] = z[j]
        if 0 < j < len(z) - 1:
            y0, y1, y2 = S[i, j - 1], S[i, j], S[i, j + 1]
            den = y0 - 2 * y1 + y2
            h = (z[j + 1] - z[j - 1]) / 2
            if den > 0:
                best[i] = z[j] + float(np.clip(0.5 * h * (y0 - y2) / den, -h, h))
    if len(x) > 1:
        slope = float(np.polyfit(x, best, 1)[0])
        corr = float(np.corrcoef(x, best)[0, 1]) if np.std(best) > 0 else float("nan")
    else:
        slope, corr = float("nan"), float("nan")
    C = S - S.mean()
    additive = S.mean(axis=1, keepdims=True) + S.mean(axis=0, keepdims=True) - 2 * S.mean()
    ss_tot = float((C**2).sum())
    interaction = float(((C - additive) ** 2).sum() / ss_tot) if ss_tot > 0 else 0.0
    return {
        "best_index": best_idx.tolist(),
        "best_log10_decay": best.tolist(),
        "slope": slope,
        "correlation": corr,
        "interaction": interaction,
    }


DATASET = "scikit-learn's digits (8x8 images of handwritten digits, 10 classes)"


def adam_grid_size(lrs=DEFAULT_LRS, decays=None, seeds=(0, 1)) -> int:
    """Training runs of a grid: Σ over optimizers of (learning rates × decays × seeds)."""
    decays = decays or DEFAULT_DECAYS
    return sum(len(lrs) * len(decays[o]) * len(seeds) for o in OPTIMIZERS)


def grid_conclusion(result: GridResult) -> str:
    """The finding in words: how far the best decay moves with the learning rate."""
    lines = [f"Data: {result.config.get('dataset', DATASET)}; {len(result.lrs)} learning "
             f"rates x {len(result.decays['adamw'])} decays x {len(result.seeds)} seed(s) per "
             "optimizer."]
    names = {"adam_l2": "Adam + L2 (coefficient κ)", "adamw": "AdamW (decay λ, paper coupling)"}
    sep = result.separability.get("test_loss", {})
    moves = {}
    for opt in OPTIMIZERS:
        best = sep.get(opt, {}).get("best_log10_decay")
        slope = sep.get(opt, {}).get("slope", float("nan"))
        if not best:
            lines.append(f"{names[opt]}: some runs diverged; no best decay to compare.")
            continue
        spread = float(max(best) - min(best))
        moves[opt] = spread
        lines.append(f"{names[opt]}: the best decay moves over {spread:.2f} decades across "
                     f"the learning rates (slope {slope:+.2f} decades per decade of "
                     "learning rate).")
    if len(moves) == 2:
        pair = ("adam_l2", "adamw")
        more, less = pair if moves["adam_l2"] > moves["adamw"] else pair[::-1]
        lines.append(f"So the best decay depends on the learning rate more for "
                     f"{names[more].split(' (')[0]} than for {names[less].split(' (')[0]}"
                     + (" -- the paper's claim that AdamW separates the two." if
                        more == "adam_l2" else " -- not what the paper reports here."))
    lines.append("Terms: 'best decay' is the decay with the lowest seed-averaged test loss "
                 "for one learning rate (refined between grid points); 'slope' is the "
                 "least-squares slope of log10(best decay) against log10(learning rate): "
                 "0 means the two can be tuned separately.")
    return "\n".join(lines)


def _model(hidden: int, depth: int, seed: int) -> nn.Sequential:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    d = 64
    for _ in range(depth):
        layers += [nn.Linear(d, hidden, bias=False), nn.LayerNorm(hidden), nn.ReLU()]
        d = hidden
    head = nn.Linear(d, 10)
    head.requires_grad_(False)  # fixed random classifier: all decayed weights scale-invariant
    layers.append(head)
    return nn.Sequential(*layers)


def _run_one(job: dict[str, Any]) -> dict[str, float]:
    """One training run (module-level so that worker processes can import it)."""
    with num_threads(job["threads"]):
        data = digits_tensors(job["n_train"], seed=job["data_seed"])
        model = _model(job["hidden"], job["depth"], job["seed"])
        groups = decay_groups(model, job["decay"])
        if job["opt"] == "adam_l2":
            opt = torch.optim.Adam(groups, lr=job["lr"], foreach=True)
        else:
            opt = AdamW(groups, lr=job["lr"], coupling="schedule", foreach=True)
        steps = job["epochs"] * math.ceil(job["n_train"] / job["batch_size"])
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        return train_classifier(
            model,
            opt,
            data,
            epochs=job["epochs"],
            batch_size=job["batch_size"],
            seed=job["seed"],
            scheduler=sched,
        )


def adam_vs_adamw_grid(
    *,
    lrs=DEFAULT_LRS,
    decays: dict[str, Any] | None = None,
    seeds=(0, 1),
    n_train: int = 500,
    epochs: int = 60,
    batch_size: int = 32,
    hidden: int = 128,
    depth: int = 2,
    data_seed: int = 0,
    n_jobs: int = 1,
    threads: int = 1,
    progress=None,
) -> GridResult:
    r"""Train Adam+L2 and AdamW (paper coupling) over an lr × decay grid.

    Parameters
    ----------
    lrs : sequence of float
        Base learning rates (default 6 values from 1e-4 to 10^-1.5).
    decays : dict, optional
        ``{"adam_l2": κ grid, "adamw": λ grid}``; default 6 values each
        (κ: 1e-4…10, λ: 1e-4…0.1).
    seeds : sequence of int
        Initialization and minibatch-order seeds; the surfaces are averaged.
    n_train, epochs, batch_size, hidden, depth, data_seed
        Problem size (defaults: 500 training images, 60 epochs of 16 batches).
    n_jobs : int
        Worker processes (``spawn``); 1 runs in this process.
    threads : int
        ``torch.set_num_threads`` in each run (1 is fastest for this tiny MLP).
    progress : callable, optional
        ``progress(done, total)`` after every training run (cell x seed x optimizer).

    Returns
    -------
    GridResult
        Surfaces, separability per metric and optimizer, configuration, runtime. The
        default configuration (6 × 6 × 2 seeds × 2 optimizers = 144 runs) takes a
        few minutes on two cores with ``n_jobs=2``.
    """
    lrs = [float(v) for v in lrs]
    decays = {k: [float(v) for v in vals] for k, vals in (decays or DEFAULT_DECAYS).items()}
    if set(decays) != set(OPTIMIZERS):
        raise ValueError(f"decays must have the keys {OPTIMIZERS}, got {sorted(decays)}")
    if not lrs or any(not (v > 0) for v in lrs):
        raise ValueError("lrs must be a non-empty sequence of positive numbers")
    for k, vals in decays.items():
        if not vals or any(not (v > 0) for v in vals):
            raise ValueError(f"decays[{k!r}] must be a non-empty sequence of positive numbers")
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must not be empty")
    base = dict(
        n_train=n_train,
        epochs=epochs,
        batch_size=batch_size,
        hidden=hidden,
        depth=depth,
        data_seed=data_seed,
        threads=threads,
    )
    jobs, index = [], []
    for opt in OPTIMIZERS:
        for i, lr in enumerate(lrs):
            for j, dec in enumerate(decays[opt]):
                for k, s in enumerate(seeds):
                    jobs.append({**base, "opt": opt, "lr": lr, "decay": dec, "seed": s})
                    index.append((opt, i, j, k))
    t0 = time.perf_counter()
    outs = []

    def done(out):
        outs.append(out)
        if progress is not None:
            progress(len(outs), len(jobs))

    if n_jobs > 1:
        import multiprocessing as mp

        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=mp.get_context("spawn")) as ex:
            for out in ex.map(_run_one, jobs, chunksize=1):
                done(out)
    else:
        for j in jobs:
            done(_run_one(j))
    runtime = time.perf_counter() - t0

    shape = {opt: (len(lrs), len(decays[opt]), len(seeds)) for opt in OPTIMIZERS}
    arrs = {
        m: {opt: np.full(shape[opt], np.nan) for opt in OPTIMIZERS}
        for m in ("test_error", "test_loss", "train_loss")
    }
    for (opt, i, j, k), out in zip(index, outs, strict=True):
        for m in arrs:
            arrs[m][opt][i, j, k] = out[m]
    sep: dict[str, dict[str, dict[str, Any]]] = {}
    for m in ("test_loss", "test_error"):
        sep[m] = {}
        for opt in OPTIMIZERS:
            surf = np.nan_to_num(arrs[m][opt].mean(axis=2), nan=np.inf)
            if np.all(np.isfinite(surf)):
                sep[m][opt] = separability(lrs, decays[opt], surf)
            else:  # diverged runs: report, don't guess
                sep[m][opt] = {"slope": float("nan"), "correlation": float("nan")}
    return GridResult(
        lrs=lrs,
        decays=decays,
        seeds=seeds,
        test_error={k: v.tolist() for k, v in arrs["test_error"].items()},
        test_loss={k: v.tolist() for k, v in arrs["test_loss"].items()},
        train_loss={k: v.tolist() for k, v in arrs["train_loss"].items()},
        separability=sep,
        config={**base, "n_jobs": n_jobs, "coupling_adamw": "schedule", "schedule": "cosine",
                "dataset": DATASET},
        runtime_s=runtime,
    )
