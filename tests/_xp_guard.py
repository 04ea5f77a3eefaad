"""The no-host-transfer guard of the array-API tests: inside ``no_torch_readback()`` every
way a torch tensor's values reach Python or numpy raises :class:`HostTransfer`."""

from __future__ import annotations

import contextlib

import pytest

READBACKS = ("numpy", "__array__", "item", "tolist", "__bool__", "__float__", "__int__",
             "__index__", "cpu")


class HostTransfer(AssertionError):
    pass


def _raiser(*args, **kwargs):
    raise HostTransfer("device-to-host transfer inside the fit")


@contextlib.contextmanager
def no_torch_readback():
    import torch

    guard = pytest.MonkeyPatch()
    for name in READBACKS:
        guard.setattr(torch.Tensor, name, _raiser)
    try:
        yield
    finally:
        guard.undo()
