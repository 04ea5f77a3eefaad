"""Shared pieces of the experiments: data, model, training loop, result saving."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ridgekit.io._atomic import atomic_write

__all__ = [
    "Result",
    "atomic_write",
    "digits_tensors",
    "make_mlp",
    "num_threads",
    "train_classifier",
]


def _jsonable(x: Any) -> Any:
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return {f.name: _jsonable(getattr(x, f.name)) for f in dataclasses.fields(x)}
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if math.isfinite(v) else None
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, torch.Tensor):
        return _jsonable(x.detach().cpu().numpy())
    return x


class Result:
    """Mixin for experiment result dataclasses: JSON and PNG output."""

    name: str = "experiment"

    def to_dict(self) -> dict[str, Any]:
        """All fields as JSON-compatible Python objects (non-finite floats → None)."""
        return _jsonable(self)

    def save_json(self, path: str | os.PathLike) -> Path:
        """Write :meth:`to_dict` as JSON (atomically)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "w") as fh:
            json.dump(self.to_dict(), fh, indent=2)
        return path

    def plot(self):  # pragma: no cover - every result class defines its figure
        """The experiment's figure (a matplotlib Figure)."""
        raise TypeError(f"{type(self).__name__} defines no figure")

    def save_png(self, path: str | os.PathLike, dpi: int = 120) -> Path:
        """Draw :meth:`plot` with the Agg backend and write a PNG (atomically)."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig = self.plot()
        try:
            with atomic_write(path, "wb") as fh:
                fig.savefig(fh, format="png", dpi=dpi, bbox_inches="tight")
        finally:
            plt.close(fig)
        return path

    def save(self, outdir: str | os.PathLike) -> dict[str, Path]:
        """Write ``<name>.json`` and ``<name>.png`` into ``outdir``."""
        outdir = Path(outdir)
        return {
            "json": self.save_json(outdir / f"{self.name}.json"),
            "png": self.save_png(outdir / f"{self.name}.png"),
        }


@contextmanager
def num_threads(n: int | None):
    """Temporarily set ``torch.set_num_threads`` (None: leave unchanged)."""
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def digits_tensors(
    n_train: int = 1000, seed: int = 0, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """scikit-learn's digits (8x8 images, 10 classes), standardized, split by seed.

    Returns
    -------
    X_train, y_train, X_test, y_test : torch.Tensor
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    if not 10 <= n_train < len(y):
        raise ValueError(f"n_train must be in [10, {len(y) - 1}], got {n_train}")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(y))
    tr, te = perm[:n_train], perm[n_train:]
    mu = X[tr].mean(0)
    sd = X[tr].std(0) + 1.0
    Xs = (X - mu) / sd
    as_t = lambda a, dt: torch.as_tensor(a, dtype=dt)  # noqa: E731
    return (
        as_t(Xs[tr], dtype),
        as_t(y[tr], torch.long),
        as_t(Xs[te], dtype),
        as_t(y[te], torch.long),
    )


def make_mlp(
    d_in: int = 64, hidden: int = 256, d_out: int = 10, depth: int = 2, norm: str = "layer"
) -> nn.Sequential:
    """MLP ``Linear → Norm → ReLU`` × depth, then a linear head."""
    layers: list[nn.Module] = []
    d = d_in
    for _ in range(depth):
        layers.append(nn.Linear(d, hidden))
        if norm == "layer":
            layers.append(nn.LayerNorm(hidden))
        elif norm == "batch":
            layers.append(nn.BatchNorm1d(hidden))
        elif norm != "none":
            raise ValueError(f"norm must be 'layer', 'batch' or 'none', got {norm!r}")
        layers.append(nn.ReLU())
        d = hidden
    layers.append(nn.Linear(d, d_out))
    return nn.Sequential(*layers)


def train_classifier(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    data: tuple[torch.Tensor, ...],
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    on_epoch: Callable[[int], None] | None = None,
) -> dict[str, float]:
    """Minibatch training with cross-entropy; returns final train/test loss and error."""
    Xtr, ytr, Xte, yte = data
    g = torch.Generator().manual_seed(seed)
    n = len(ytr)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=g)
        for k in range(0, n, batch_size):
            idx = perm[k : k + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx])
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
        if on_epoch is not None:
            on_epoch(ep)
    model.eval()
    with torch.no_grad():
        out = {}
        for tag, X, y in (("train", Xtr, ytr), ("test", Xte, yte)):
            logits = model(X)
            out[f"{tag}_loss"] = float(nn.functional.cross_entropy(logits, y))
            out[f"{tag}_error"] = float((logits.argmax(1) != y).float().mean())
    return out
