"""Step time of ridgekit.nn's decoupled weight decay against torch.optim, side by side.

A transformer-like stack of about 10M parameters (embedding, attention and MLP
projections, LayerNorms, biases) gets fixed random gradients once; then every
optimizer's ``step()`` is timed, interleaved round by round so that all of them see
the same machine state. The table reports the median time per step and the ratio to
``torch.optim.AdamW(foreach=True)`` (or to torch SGD for the SGD rows).

Usage::

    python benchmarks/bench_nn.py [--params-m 10] [--rounds 7] [--steps 10]
                                  [--threads N] [--json out.json]

Target: ridgekit ``AdamW(coupling="lr")`` ≤ 1.15 × torch AdamW(foreach=True).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time

import torch
from torch import nn

from ridgekit.nn import SGDW, AdamW, decay_groups


def make_model(params_m: float = 10.0, d: int = 320, n_layer: int = 6) -> nn.Module:
    """Embedding + n_layer transformer-style blocks; vocabulary sized to hit params_m."""
    block = 4 * d * d + 2 * 4 * d * d + 13 * d  # qkv+proj, mlp, biases and norms (approx.)
    vocab = max(1000, int((params_m * 1e6 - n_layer * block) / d))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.ln_2 = nn.LayerNorm(d)
            self.fc = nn.Linear(d, 4 * d)
            self.out = nn.Linear(4 * d, d)

    model = nn.Sequential(
        nn.Embedding(vocab, d), *[Block() for _ in range(n_layer)], nn.LayerNorm(d)
    )
    return model


def build(model: nn.Module) -> dict[str, tuple[torch.optim.Optimizer, str]]:
    """name -> (optimizer, baseline name)."""
    wd, lr = 0.1, 1e-4
    g = lambda: decay_groups(model, wd)  # noqa: E731
    base = "torch AdamW (foreach)"
    sgd = "torch SGD momentum, L2 (foreach)"
    return {
        base: (torch.optim.AdamW(g(), lr=lr, foreach=True), base),
        "ridgekit AdamW, coupling lr": (AdamW(g(), lr=lr, coupling="lr", foreach=True), base),
        "ridgekit AdamW, coupling schedule": (
            AdamW(g(), lr=lr, weight_decay=wd, foreach=True),
            base,
        ),
        "ridgekit AdamW, L2-SP (reference=initial)": (
            AdamW(g(), lr=lr, coupling="lr", reference="initial", foreach=True),
            base,
        ),
        "ridgekit AdamW, cautious": (
            AdamW(g(), lr=lr, coupling="lr", cautious=True, foreach=True),
            base,
        ),
        "torch Adam + L2 (foreach)": (torch.optim.Adam(g(), lr=lr, foreach=True), base),
        sgd: (torch.optim.SGD(g(), lr=lr, momentum=0.9, foreach=True), sgd),
        "ridgekit SGDW, coupling lr": (
            SGDW(g(), lr=lr, momentum=0.9, coupling="lr", foreach=True),
            sgd,
        ),
    }


def run(params_m: float, rounds: int, steps: int, threads: int | None) -> dict:
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = make_model(params_m)
    n_params = sum(p.numel() for p in model.parameters())
    n_tensors = sum(1 for _ in model.parameters())
    for p in model.parameters():
        p.grad = torch.randn_like(p) * 1e-3
    opts = build(model)
    for opt, _ in opts.values():  # warm-up: allocate state
        for _ in range(3):
            opt.step()
    times: dict[str, list[float]] = {k: [] for k in opts}
    for _ in range(rounds):
        for name, (opt, _) in opts.items():
            t0 = time.perf_counter()
            for _ in range(steps):
                opt.step()
            times[name].append((time.perf_counter() - t0) / steps)
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = [
        {
            "optimizer": k,
            "ms_per_step": 1e3 * med[k],
            "baseline": b,
            "ratio": med[k] / med[b],
        }
        for k, (_, b) in opts.items()
    ]
    return {
        "params": n_params,
        "tensors": n_tensors,
        "rounds": rounds,
        "steps_per_round": steps,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rows": rows,
    }


def markdown(result: dict) -> str:
    head = (
        f"ridgekit.nn optimizer step, {result['params'] / 1e6:.1f}M parameters in "
        f"{result['tensors']} tensors, torch {result['torch']}, "
        f"{result['threads']} threads, median of {result['rounds']} rounds x "
        f"{result['steps_per_round']} steps\n\n"
    )
    lines = ["| optimizer | ms / step | ratio | baseline |", "|---|---:|---:|---|"]
    for r in result["rows"]:
        lines.append(
            f"| {r['optimizer']} | {r['ms_per_step']:.2f} | {r['ratio']:.3f} | {r['baseline']} |"
        )
    return head + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--params-m", type=float, default=10.0, help="model size in millions")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--json", default=None, help="also write the numbers to this file")
    args = ap.parse_args(argv)
    if args.rounds < 1 or args.steps < 1 or args.params_m <= 0:
        ap.error("--rounds, --steps and --params-m must be positive")
    result = run(args.params_m, args.rounds, args.steps, args.threads)
    print(markdown(result))
    ours = next(r for r in result["rows"] if r["optimizer"] == "ridgekit AdamW, coupling lr")
    verdict = "meets" if ours["ratio"] <= 1.15 else "MISSES"
    print(
        f"\nridgekit AdamW(coupling='lr') / torch AdamW = {ours['ratio']:.3f} ({verdict} <= 1.15)"
    )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
