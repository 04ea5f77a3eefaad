"""``ridgekit fit`` over several files or on Dask: ``--dask`` (a ``LocalCluster`` sized to
the machine), ``--scheduler ADDRESS``, or a directory / glob of Parquet/CSV/npy files.

Every family goes through :func:`ridgekit.scale.files.fit_files`: ridge and the elastic
net (``--l1-ratio``) from the per-fold moments of one pass, L2 logistic / softmax
(``--family binomial|multinomial``) by Newton, one pass over the files per lockstep round
of the fold models. Folds are :class:`ridgekit.scale.HashFolds` (k, seed): a function of
each row's position, so they do not depend on how the rows are split into files or
blocks, and ``RidgeCV`` / ``ElasticNetCV`` / ``LogisticRidgeCV`` with
``cv=HashFolds(k, seed)`` in memory reproduce them. The progress bar runs over the blocks
of each pass, its total known from the start.
"""

from __future__ import annotations

import glob
from contextlib import contextmanager
from pathlib import Path

from ridgekit.cli._common import UsageProblem, _bar, note, show_progress
from ridgekit.io import _interrupt

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
    from ridgekit.cli._families import SCORINGS
    from ridgekit.cli._pipeline import FAMILIES, FitOutcome
    from ridgekit.scale.files import fit_files

    family = FAMILIES[req.family]
    logistic = family.needs_rows
    if req.folds_column is not None:
        raise UsageProblem("--folds-column is not available over several files or on Dask; "
                           "the folds are hashed from each row's position")
    if logistic and req.cv.kind != "kfold":
        raise UsageProblem(f"--cv {req.cv.name} with --family {req.family} over files or on "
                           "Dask: Newton over blocks chooses α by k-fold only; use --cv K")
    if logistic and any(r > 0 for r in req.l1_ratio or []):
        raise UsageProblem(f"--l1-ratio with --family {req.family} over files or on Dask: "
                           "Newton over blocks fits the L2 logistic only; give one file "
                           "without --dask/--scheduler for the elastic-net logistic")
    if logistic and req.scoring not in ON_BLOCKS:
        raise UsageProblem(f"--scoring {req.scoring} over files or on Dask: use "
                           f"{', '.join(ON_BLOCKS)} (they are sums over the rows)")
    if family.name == "enet" and req.cv.kind != "kfold":
        from ridgekit.cli._families import kfold_only

        kfold_only(req)
    if req.cv.kind in ("loo", "alo"):
        raise UsageProblem(f"--cv {req.cv.name} over files or on Dask: use k-fold (--cv K) "
                           "or a rule that needs only moments (gcv, ...)")
    if not glob.glob(str(req.data)) and not Path(str(req.data)).exists():
        raise UsageProblem(f"no files match {req.data}")
    cv = req.cv.folds if req.cv.kind == "kfold" else req.cv.name
    grid = req.alphas if req.alphas is not None else req.n_alphas
    title = "logistic path + CV" if logistic else "reading + moments"
    with files_bar(title) as progress:
        fitted = fit_files(str(req.data), req.target, req.features, req.weight, cv=cv,
                           alphas=grid, rule=req.rule, seed=req.seed,
                           family="gaussian" if not logistic else req.family,
                           l1_ratio=req.l1_ratio if family.name == "enet" else None,
                           standardize=req.standardize,
                           scoring=SCORINGS[req.scoring] if logistic else None, dask=dask,
                           scheduler=scheduler, n_workers=n_workers, timeout=timeout,
                           format=req.format, progress=progress, on_dashboard=_dashboard)
    info = fitted.info
    out = FitOutcome(fitted.model, list(info.feature_names), str(info.target_name),
                     int(info.n_samples), fitted.x_mean, fitted.x_scale)
    where = f"{len(info.files)} file(s)" + (" on Dask" if dask or scheduler else "")
    if logistic:
        where += f", {fitted.passes} passes"
    out.folds_used = (f"{req.cv.folds} hashed folds (HashFolds({req.cv.folds}, "
                      f"seed={req.seed})) over {where}" if req.cv.kind == "kfold" else where)
    return out


#: --scoring values a fit over blocks can sum up
ON_BLOCKS = ("deviance", "log-loss", "accuracy")


class _Bar:
    """``update(done, total)`` and ``start(measure, total, what)`` over a rich bar: one
    line, reset for every pass, in rows or (CSV, first pass) bytes."""

    def __init__(self, bar, task, title: str):
        self.bar, self.task, self.title = bar, task, title
        self.measure, self.total = "rows", None

    def start(self, measure: str, total: int, what: str) -> None:
        self.measure, self.total = measure, int(total)
        self.bar.reset(self.task, total=self.total or None, completed=0,
                       description=f"{self.title}, {what}", amount=self._amount(0))
        _interrupt.check()

    def __call__(self, done: int, total: int | None = None) -> None:
        total = self.total if total is None else total
        self.bar.update(self.task, completed=done, total=total or None,
                        amount=self._amount(done, total))
        _interrupt.check()

    def _amount(self, done: int, total: int | None = None) -> str:
        total = self.total if total is None else total
        if self.measure == "bytes":
            return f"{done / 1e6:,.1f}/{(total or 0) / 1e6:,.1f} MB"
        return f"{done:,}/{total:,} rows" if total else f"{done:,} rows"


class _Silent:
    def start(self, measure, total, what) -> None:
        _interrupt.check()

    def __call__(self, done, total=None) -> None:
        _interrupt.check()


@contextmanager
def files_bar(title: str):
    """The progress of passes over files: one bar over the blocks of each pass, its
    total known from the start (Parquet/npy metadata rows; CSV bytes), silent when bars
    are off; an interrupt stops the work."""
    if not show_progress():
        yield _Silent()
        return
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

    bar = _bar(TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn("{task.fields[amount]}"), TimeElapsedColumn())
    with bar:
        yield _Bar(bar, bar.add_task(f"{title}: starting", total=None, amount=""),
                   title)


def _dashboard(link: str | None) -> None:
    note(f"Dask dashboard: {link}" if link else "Dask dashboard: none (install bokeh for it)")
