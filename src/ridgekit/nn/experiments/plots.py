"""Matplotlib figures from experiment results (they never train anything).

Each function takes a result object and returns a ``matplotlib.figure.Figure``; the
Agg backend is selected if no backend has been chosen yet.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_early_stopping", "plot_equivalence", "plot_grid", "plot_weight_norms"]


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


_TITLES = {"adam_l2": "Adam + L2 (κ)", "adamw": "AdamW, paper coupling (λ)"}


def plot_grid(result):
    """Heatmaps (rows: optimizers; columns: test error, test loss) with the best-λ ridge."""
    plt = _plt()
    metrics = [("test_error", "test error (%)", 100.0), ("test_loss", "test loss", 1.0)]
    opts = list(result.decays)
    fig, axes = plt.subplots(len(opts), len(metrics), figsize=(5.2 * len(metrics), 4.2 * len(opts)))
    axes = np.atleast_2d(axes)
    # one colour scale per metric across the optimizers, so the maps compare cell by cell;
    # clipped at the 85th percentile of both so a few diverged corners do not flatten it
    limits = {}
    for metric, _label, scale in metrics:
        both = np.concatenate([(result.mean(metric, o) * scale).ravel() for o in opts])
        both = both[np.isfinite(both)]
        limits[metric] = (float(both.min()), float(np.quantile(both, 0.85))) if both.size \
            else (None, None)
    for r, opt in enumerate(opts):
        for c, (metric, label, scale) in enumerate(metrics):
            ax = axes[r, c]
            S = result.mean(metric, opt) * scale
            vmin, vmax = limits[metric]
            im = ax.imshow(S, origin="lower", aspect="auto", cmap="viridis", vmin=vmin,
                           vmax=vmax)
            fig.colorbar(im, ax=ax, label=f"{label} (one scale, clipped)")
            ax.set_xticks(range(len(result.decays[opt])))
            ax.set_xticklabels([f"{v:.0e}" for v in result.decays[opt]], rotation=45)
            ax.set_yticks(range(len(result.lrs)))
            ax.set_yticklabels([f"{v:.0e}" for v in result.lrs])
            ax.set_xlabel("weight decay" if opt == "adamw" else "L2 coefficient")
            ax.set_ylabel("learning rate")
            sep = result.separability.get(metric, {}).get(opt, {})
            best = sep.get("best_index")
            if best is not None:
                ax.plot(best, range(len(best)), "w*-", ms=10, lw=1)
            slope = sep.get("slope", float("nan"))
            ax.set_title(f"{_TITLES.get(opt, opt)}\n{label}; ridge slope {slope:+.2f}")
    dataset = result.config.get("dataset", "scikit-learn's digits")
    fig.suptitle(f"Adam + L2 vs AdamW on {dataset}", fontsize="medium")
    fig.tight_layout()
    return fig


def plot_equivalence(result):
    """Max |ΔW| per step: penalty vs torch weight_decay, and vs decoupled SGDW."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    steps = np.arange(1, result.steps + 1)
    for m, dt, dd in zip(result.momenta, result.diff_torch, result.diff_decoupled, strict=True):
        ax.semilogy(steps, np.maximum(dt, 1e-18), label=f"SGD wd, momentum {m:g}")
        ax.semilogy(steps, np.maximum(dd, 1e-18), "--", label=f"SGDW, momentum {m:g}")
    ax.set_xlabel("step")
    ax.set_ylabel("max |W − W_penalty|")
    ax.set_title("SGD + l2_penalty against weight_decay and decoupled decay")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_early_stopping(result):
    """Test MSE along GD iterations and along the ridge path at λ = 1/(η t)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.semilogx(result.iterations, result.gd_test_mse, label="gradient descent, iteration t")
    t_equiv = 1.0 / (result.step_size * np.asarray(result.lambdas))
    ax.semilogx(t_equiv, result.ridge_test_mse, "--", label="ridge at λ = 1/(η t)")
    ax.axvline(result.best_iteration, color="C0", lw=0.8, ls=":")
    ax.set_xlabel("t (iterations)  ~  1/(η λ)")
    ax.set_ylabel("test MSE")
    ax.set_title(
        f"best: early stopping {result.best_gd_test_mse:.3f}, "
        f"ridge {result.best_ridge_test_mse:.3f}"
    )
    ax.legend()
    fig.tight_layout()
    return fig


def plot_weight_norms(result):
    """Norm of the decayed weights per epoch for each optimizer."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, trace in result.norms.items():
        err = result.test_error.get(name, float("nan"))
        ax.plot(range(len(trace)), trace, label=f"{name} (test error {100 * err:.1f}%)")
    ax.axvline(result.timescale_epochs, color="gray", ls=":", lw=1, label="AdamW τ (epochs)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("‖W‖ of decayed parameters")
    ax.legend()
    fig.tight_layout()
    return fig
