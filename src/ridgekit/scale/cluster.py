"""A Dask client for a fit: a ``LocalCluster`` sized to the machine, or a scheduler address.

ridgekit builds no cluster of its own; this only starts Dask's ``LocalCluster`` or
connects to a running scheduler, with a clear error when it cannot be reached in time.
``distributed`` is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["SchedulerUnreachableError", "dask_client", "connect", "CONNECT_TIMEOUT"]

#: seconds to wait for a scheduler before giving up
CONNECT_TIMEOUT = 10.0


class SchedulerUnreachableError(ConnectionError, ValueError):
    """The Dask scheduler could not be reached (also a ValueError: bad input)."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ImportError("a Dask cluster needs the 'distributed' package: "
                          "pip install 'ridgekit[dask]'") from None
    return distributed


def connect(address: str, timeout: float = CONNECT_TIMEOUT):
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    Parameters
    ----------
    address : str
        E.g. ``"tcp://10.0.0.5:8786"`` (``host:port`` is read as TCP).
    timeout : float
        Seconds to wait.

    Raises
    ------
    SchedulerUnreachableError
        When no scheduler answers within ``timeout`` seconds.
    """
    distributed = _distributed()
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"scheduler address must be a non-empty string, got {address!r}")
    try:
        return distributed.Client(address, timeout=float(timeout))
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnreachableError(
            f"cannot reach the Dask scheduler at {address} within {float(timeout):g} s "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no answer'}"
            "); check the address and that the scheduler is running") from None


@contextmanager
def dask_client(scheduler: str | None = None, *, n_workers: int | None = None,
                threads_per_worker: int | None = None, processes: bool = True,
                timeout: float = CONNECT_TIMEOUT, **cluster_kwargs) -> Iterator:
    """A client for the duration of a ``with`` block.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler. None: start a ``LocalCluster`` (``n_workers``
        worker processes of ``threads_per_worker`` threads; Dask's defaults size it to
        the machine's cores and memory) and close it afterwards.
    n_workers, threads_per_worker : int, optional
    processes : bool
    timeout : float
        For ``scheduler``: seconds to wait for it.
    **cluster_kwargs
        Passed to ``LocalCluster`` (e.g. ``memory_limit``, ``dashboard_address``).

    Yields
    ------
    distributed.Client
        ``client.dashboard_link`` is the dashboard's address.
    """
    if scheduler is not None:
        client = connect(scheduler, timeout)
        try:
            yield client
        finally:
            client.close()
        return
    distributed = _distributed()
    cluster = distributed.LocalCluster(n_workers=n_workers,
                                       threads_per_worker=threads_per_worker,
                                       processes=processes, **cluster_kwargs)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
