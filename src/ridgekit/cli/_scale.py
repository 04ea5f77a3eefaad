"""``ridgekit fit`` over several files or on Dask: ``--dask`` (a ``LocalCluster`` sized to
the machine), ``--scheduler ADDRESS``, or a directory / glob of Parquet/CSV/npy files.

Ridge goes through :func:`ridgekit.scale.files.fit_files` (one pass, per-fold moments
tree-reduced on the workers); the elastic net, and ridge with ``--standardize``, take the
per-fold moments of the same pass (:func:`ridgekit.scale.files.fold_moments_from_files`)
through the pipeline's family step. Folds are :class:`ridgekit.scale.HashFolds` (k,
seed): a function of each row's position, so they do not depend on how the rows are split
into files or blocks, and ``RidgeCV(cv=HashFolds(k, seed))`` in memory reproduces them.
"""

from __future__ import annotations

import glob
from contextlib import contextmanager
from pathlib import Path

from ridgekit.cli._common import UsageProblem, note, rows_bar

__all__ = ["wants_files", "fit_over_files"]


def wants_files(data, dask: bool, scheduler: str | None) -> bool:
    """Whether the fit goes through the file/Dask route: ``--dask``, ``--scheduler``, a
    directory, or a glob pattern that is not an existing file's name."""
    text = str(data)
    if dask or scheduler is not None or Path(text).is_dir():
        return True
    return not Path(text).exists() and any(c in text for c in "*?[")


def fit_over_files(req, *, dask: bool, scheduler: str | None, n_workers: int | None,
                   timeout: float | None):
    """Fit over the files of ``req.data``; returns a FitOutcome."""
    if scheduler is not None:
        check_scheduler(scheduler, timeout)
    with _quiet_cluster():
        return _fit_over_files(req, dask=dask, scheduler=scheduler, n_workers=n_workers,
                               timeout=timeout)


def check_scheduler(address: str, timeout: float | None) -> None:
    """Refuse a --scheduler address at once when its scheme is unknown or a TCP host
    refuses the connection (rather than waiting the whole timeout); an address that
    does not answer is left to Dask's own wait."""
    import socket

    try:
        from distributed.comm import registry
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:
        return  # dask_client says what to install
    scheme = address.split("://", 1)[0] if "://" in address else "tcp"
    if scheme not in registry.backends:
        raise UsageProblem(f"--scheduler {address}: unknown address scheme {scheme!r} "
                           f"(known: {', '.join(sorted(registry.backends))})")
    if scheme != "tcp":
        return
    try:
        host, port = parse_host_port(parse_address(address)[1])
    except (ValueError, TypeError) as exc:
        raise UsageProblem(f"--scheduler {address}: {exc}") from None
    try:
        with socket.create_connection((host, int(port)), timeout=min(timeout or 10.0, 2.0)):
            pass
    except ConnectionRefusedError:
        raise UsageProblem(f"cannot reach the Dask scheduler at {address}: connection "
                           "refused (nothing listens there); check the address and that the "
                           "scheduler is running") from None
    except OSError as exc:
        if isinstance(exc, socket.gaierror):
            raise UsageProblem(f"cannot reach the Dask scheduler at {address}: unknown "
                               f"host {host!r}") from None
        # a time-out or another network error: Dask waits and reports


@contextmanager
def _quiet_cluster():
    """Dask's start-up chatter is no warning of ridgekit's: 'Port 8787 is already in use'
    (the dashboard then takes a free port, and the note prints the one it took) and the
    ResourceWarning of the socket Dask used to probe the port."""
    import gc
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
        warnings.filterwarnings("ignore", category=ResourceWarning,
                                message=r"unclosed <socket")
        try:
            yield
        finally:
            gc.collect()  # the unclosed socket's warning, while it is still filtered


def _fit_over_files(req, *, dask: bool, scheduler: str | None, n_workers: int | None,
                    timeout: float | None):
    from ridgekit.cli._pipeline import FAMILIES, FitOutcome, standardize_folds

    family = FAMILIES[req.family]
    if family.needs_rows:
        raise UsageProblem(f"--family {req.family} reads the rows into memory: give one file, "
                           "without --dask/--scheduler")
    if req.folds_column is not None:
        raise UsageProblem("--folds-column is not available over several files or on Dask; "
                           "the folds are hashed from each row's position")
    if family.name == "enet" and req.cv.kind != "kfold":
        from ridgekit.cli._families import kfold_only

        kfold_only(req)
    if req.cv.kind == "loo":
        raise UsageProblem(f"--cv {req.cv.name} over files or on Dask: use k-fold (--cv K) "
                           "or a rule that needs only moments (gcv, ...)")
    if not glob.glob(str(req.data)) and not Path(str(req.data)).exists():
        raise UsageProblem(f"no files match {req.data}")
    cv = req.cv.folds if req.cv.kind == "kfold" else req.cv.name
    grid = req.alphas if req.alphas is not None else req.n_alphas
    out = FitOutcome(None, [], "", 0)
    with rows_bar("reading + moments (blocks)") as progress:
        if family.name == "ridge" and not req.standardize:
            from ridgekit.scale.files import fit_files

            fitted = fit_files(str(req.data), req.target, req.features, req.weight, cv=cv,
                               alphas=grid, rule=req.rule, seed=req.seed, dask=dask,
                               scheduler=scheduler, n_workers=n_workers, timeout=timeout,
                               format=req.format, progress=progress, on_dashboard=_dashboard)
            out.model, info = fitted.model, fitted.info
        else:
            with _client(dask, scheduler, n_workers, timeout) as client:
                fm, info = _fold_moments(req, cv, client, progress)
            if req.standardize:
                fm, out.x_mean, out.x_scale = standardize_folds(fm)
            out.model = (family.from_folds(fm, req) if req.cv.kind == "kfold"
                         else family.from_moments(fm.total(), req))
    out.feature_names = list(info.feature_names)
    out.target_name = str(info.target_name)
    out.n_rows = int(info.n_samples)
    where = f"{len(info.files)} file(s)" + (" on Dask" if dask or scheduler else "")
    out.folds_used = (f"{req.cv.folds} hashed folds (HashFolds({req.cv.folds}, "
                      f"seed={req.seed})) over {where}" if req.cv.kind == "kfold" else where)
    return out


def _fold_moments(req, cv, client, progress):
    from ridgekit.scale.files import fold_moments_from_files
    from ridgekit.scale.folds import HashFolds

    folds = HashFolds(int(cv), req.seed) if req.cv.kind == "kfold" else None
    return fold_moments_from_files(str(req.data), req.target, req.features, req.weight,
                                   folds=folds, format=req.format, client=client,
                                   progress=progress)


@contextmanager
def _client(dask: bool, scheduler: str | None, n_workers: int | None, timeout: float | None):
    if not (dask or scheduler is not None):
        yield None
        return
    from ridgekit.scale.cluster import CONNECT_TIMEOUT, dask_client

    with dask_client(scheduler, n_workers=n_workers,
                     timeout=CONNECT_TIMEOUT if timeout is None else timeout) as client:
        _dashboard(client.dashboard_link)
        yield client


def _dashboard(link: str | None) -> None:
    note(f"Dask dashboard: {link}" if link else "Dask dashboard: none (install bokeh for it)")
