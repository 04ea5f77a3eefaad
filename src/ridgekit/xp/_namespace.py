"""Namespace, device and precision of array-API inputs, and the one way back to the host."""

from __future__ import annotations

import numpy as np

__all__ = ["Context", "context", "to_numpy"]


class Context:
    """Where and in what precision a fit runs.

    Attributes
    ----------
    xp : module
        The array-API namespace (through ``array_api_compat``).
    device : object
        The input's device; every array of the fit is created there.
    dtype : dtype
        The input's floating dtype (of the returned coefficients).
    acc : dtype
        The accumulation dtype: float64 where the device supports it (CPU, CUDA, ROCm),
        else the input dtype (e.g. Apple ``mps``, which has no float64).
    """

    def __init__(self, xp, device, dtype, acc):
        self.xp, self.device, self.dtype, self.acc = xp, device, dtype, acc

    def asarray(self, a, dtype=None):
        """A host value (scalar, list, numpy array) on the fit's device: host -> device."""
        return self.xp.asarray(np.asarray(a), dtype=self.acc if dtype is None else dtype,
                               device=self.device)

    def eps(self) -> float:
        return float(self.xp.finfo(self.acc).eps)


def context(X, *others) -> Context:
    """The context of ``X`` and arrays that must share its namespace and device."""
    import array_api_compat as compat

    arrays = [X, *[o for o in others if o is not None]]
    try:
        xp = compat.array_namespace(*arrays)
    except TypeError as exc:
        raise TypeError("X and y must be arrays of the same namespace (e.g. both torch "
                        f"tensors): {exc}") from exc
    device = compat.device(X)
    for o in arrays[1:]:
        if compat.device(o) != device:
            raise ValueError(f"X is on device {device} but another input is on "
                             f"{compat.device(o)}; put them on one device")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {tuple(X.shape)}")
    if xp.isdtype(X.dtype, "real floating"):
        dtype = X.dtype
    elif xp.isdtype(X.dtype, ("integral", "bool")):
        dtype = _default_float(xp, device)
    else:
        raise TypeError(f"X must hold real numbers; got dtype {X.dtype}")
    acc = xp.float64 if _has_float64(xp, device) else dtype
    return Context(xp, device, dtype, acc)


def _has_float64(xp, device) -> bool:
    try:
        return "float64" in xp.__array_namespace_info__().dtypes(device=device,
                                                                  kind="real floating")
    except Exception:  # an older namespace without the inspection API
        return "mps" not in str(device)


def _default_float(xp, device):
    try:
        return xp.__array_namespace_info__().default_dtypes(device=device)["real floating"]
    except Exception:
        return xp.float32


def to_numpy(a) -> np.ndarray:
    """Device -> host copy of one array, for results read after a fit (never inside it)."""
    import array_api_compat as compat

    if compat.is_torch_array(a):
        return a.detach().cpu().numpy()
    if compat.is_cupy_array(a):
        return a.get()
    if hasattr(a, "to_device") and hasattr(a, "__array_namespace__"):
        xp = compat.array_namespace(a)
        try:
            cpu = xp.__array_namespace_info__().default_device()
            return np.asarray(a.to_device(cpu))
        except Exception:
            pass
    return np.asarray(a)
