r"""Weight norms over training with and without weight decay.

The same MLP (LayerNorm, trainable head) on digits with a constant learning rate,
trained by

* ``"adam"``: Adam, no decay;
* ``"adam_l2"``: Adam + L2 (``torch.optim.Adam(decay_groups(model, κ))``);
* ``"adamw"``: ``ridgekit.nn.AdamW(decay_groups(model, λ), coupling="lr")``
  (torch's convention, so that Wang & Aitchison's timescale
  :math:`\tau_{\rm iter} = 1/(\eta\lambda)` applies).

Recorded per epoch: the Frobenius norm :math:`\sqrt{\sum\|W\|_F^2}` of the decayed
parameters and the test error. Without decay the norm grows and stays up; with decay
it is held down. (With cross-entropy on separable data there is no fixed point: once
the training loss saturates, gradients fade and decay shrinks the weights further, so
the AdamW norm drifts down after a plateau of about one timescale rather than settling.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from ..conventions import ema_timescale
from ..decoupled import AdamW
from ..groups import decay_groups
from ._common import Result, digits_tensors, make_mlp, num_threads, train_classifier

__all__ = ["WeightNormResult", "weight_norms"]


@dataclass
class WeightNormResult(Result):
    """Norm of the decayed weights per epoch (index 0: before training)."""

    epochs: int
    norms: dict[str, list[float]]
    test_error: dict[str, float]
    timescale_epochs: float
    config: dict[str, Any] = field(default_factory=dict)
    name: str = "weight_norms"

    def plot(self):
        from .plots import plot_weight_norms

        return plot_weight_norms(self)


def weight_norms(
    *,
    epochs: int = 40,
    lr: float = 5e-3,
    weight_decay: float = 1.0,
    l2: float = 1e-3,
    n_train: int = 1000,
    batch_size: int = 50,
    hidden: int = 128,
    seed: int = 0,
    threads: int | None = 1,
) -> WeightNormResult:
    """Train three ways and record the decayed-weight norm after every epoch.

    Parameters
    ----------
    epochs, lr, batch_size, n_train, hidden, seed, threads
        Training set-up (constant learning rate).
    weight_decay : float
        λ of AdamW in torch's convention (shrink ``lr * λ`` per step).
    l2 : float
        κ of Adam + L2.

    Returns
    -------
    WeightNormResult
        ``timescale_epochs`` is :math:`1/(\\eta\\lambda)` in epochs.
    """
    configs = {"adam": 0.0, "adam_l2": l2, "adamw": weight_decay}
    norms: dict[str, list[float]] = {}
    errors: dict[str, float] = {}
    with num_threads(threads):
        data = digits_tensors(n_train, seed=seed)
        for name, dec in configs.items():
            torch.manual_seed(seed)
            model = make_mlp(hidden=hidden, norm="layer")
            groups = decay_groups(model, dec)
            decayed = groups.selection.decayed_params
            if name == "adamw":
                opt = AdamW(groups, lr=lr, coupling="lr")
            else:
                opt = torch.optim.Adam(groups, lr=lr)

            def norm(ps=decayed) -> float:
                with torch.no_grad():
                    return math.sqrt(sum(float(p.square().sum()) for p in ps))

            trace = [norm()]
            out = train_classifier(
                model,
                opt,
                data,
                epochs=epochs,
                batch_size=batch_size,
                seed=seed,
                on_epoch=lambda _ep, trace=trace, norm=norm: trace.append(norm()),
            )
            norms[name] = trace
            errors[name] = out["test_error"]
    tau = ema_timescale(lr, weight_decay, n_samples=n_train, batch_size=batch_size)["epochs"]
    return WeightNormResult(
        epochs=epochs,
        norms=norms,
        test_error=errors,
        timescale_epochs=tau,
        config={
            "lr": lr,
            "weight_decay": weight_decay,
            "l2": l2,
            "n_train": n_train,
            "batch_size": batch_size,
            "hidden": hidden,
            "seed": seed,
        },
    )
