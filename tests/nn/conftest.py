"""Shared fixtures of the ridgekit.nn tests (torch is imported lazily)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """Tiny models run fastest single-threaded (and do not fight pytest-xdist workers)."""
    try:
        import torch
    except ImportError:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="session")
def digits64():
    """Digits images (float64, standardized) and labels as torch tensors."""
    torch = pytest.importorskip("torch")
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X - X.mean(0)) / (X.std(0) + 1.0)
    return torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(y, dtype=torch.long)


@pytest.fixture
def make_cnn():
    """Factory of a small real model: conv + BatchNorm + linear + LayerNorm, float64."""
    torch = pytest.importorskip("torch")
    from torch import nn

    class SmallCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 6, 3, padding=1)
            self.bn = nn.BatchNorm2d(6)
            self.fc1 = nn.Linear(6 * 16, 32)
            self.ln = nn.LayerNorm(32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            x = x.view(-1, 1, 8, 8)
            x = torch.relu(self.bn(self.conv(x)))
            x = nn.functional.max_pool2d(x, 2).flatten(1)
            return self.fc2(torch.relu(self.ln(self.fc1(x))))

    def factory(seed: int = 0):
        torch.manual_seed(seed)
        return SmallCNN().double()

    return factory


@pytest.fixture
def batches(digits64):
    """The same list of 100 minibatches (64 images) for every trainer in a test."""
    torch = pytest.importorskip("torch")
    X, y = digits64
    g = torch.Generator().manual_seed(123)
    out = []
    for _ in range(100):
        idx = torch.randint(0, len(y), (64,), generator=g)
        out.append((X[idx], y[idx]))
    return out


def max_param_diff(a, b) -> float:
    return max(
        float((p.detach() - q.detach()).abs().max())
        for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


@pytest.fixture
def param_diff():
    return max_param_diff
