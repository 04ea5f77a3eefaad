"""Weight decay done one way: parameter groups, the paper's AdamW, conversions.

Run:  python examples/nn_weight_decay.py
(needs ``pip install ridgekit[torch]``; a few seconds on a laptop CPU)
"""

from __future__ import annotations

import torch
from sklearn.datasets import load_digits
from torch import nn

from ridgekit.nn import AdamW, decay_groups, l2_penalty
from ridgekit.nn.conventions import convert, ema_timescale

torch.manual_seed(0)
torch.set_num_threads(1)
model = nn.Sequential(nn.Linear(64, 128), nn.LayerNorm(128), nn.ReLU(), nn.Linear(128, 10))

# 1. Which parameters are decayed? Biases and LayerNorm are not.
groups = decay_groups(model, weight_decay=1e-3)
print(groups.describe())

# 2. The paper's AdamW: decay multiplied by the schedule factor lr_t/lr_0 only.
lr0, epochs, batch = 3e-3, 20, 50
X, y = load_digits(return_X_y=True)
X = torch.as_tensor((X - X.mean(0)) / (X.std(0) + 1.0), dtype=torch.float32)
y = torch.as_tensor(y)
Xtr, ytr, Xte, yte = X[:1000], y[:1000], X[1000:], y[1000:]
steps = epochs * (len(ytr) // batch)
opt = AdamW(groups, lr=lr0)  # coupling="schedule" is the default
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
for _ in range(epochs):
    perm = torch.randperm(len(ytr))
    for k in range(0, len(ytr), batch):
        idx = perm[k : k + batch]
        opt.zero_grad()
        nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx]).backward()
        opt.step()
        sched.step()
with torch.no_grad():
    err = (model(Xte).argmax(1) != yte).float().mean().item()
print(f"\ntest error after {epochs} epochs: {100 * err:.2f}%")

# 3. The same setting in other libraries' conventions.
wd_torch = convert(1e-3, "adamw_paper", "torch_adamw", lr0=lr0)
print(f"paper lambda 1e-3 at lr0={lr0}  ==  torch.optim.AdamW(weight_decay={wd_torch:.4g})")
print(f"                                ==  optax.adamw(weight_decay={wd_torch:.4g})")
tau = ema_timescale(lr0, wd_torch, n_samples=len(ytr), batch_size=batch)
print(
    f"EMA timescale at the peak lr: {tau['iterations']:.0f} iterations = {tau['epochs']:.1f} epochs"
)

# 4. The penalty form, for SGD: loss + l2_penalty(model, lam) == SGD(weight_decay=lam).
kappa = convert(1e-4, "keras_l2", "penalty")
print(f"\nkeras.regularizers.L2(1e-4) == l2_penalty(model, lam={kappa:g})")
print("penalty now:", l2_penalty(model, kappa).item())
