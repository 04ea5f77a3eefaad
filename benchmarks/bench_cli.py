"""The command line on a 1,000,000-row CSV against pyarrow + an in-memory fit.

Run: ``.venv/bin/python benchmarks/bench_cli.py [--quick]`` (prints a markdown table).
The streamed leave-one-out (``--cv loo``: one pass for the moments, one blocked pass for
the residuals) is timed against pyarrow + ``RidgeCV(cv="loo")`` in memory, with the peak
memory of the command (``ru_maxrss`` of the child; measured first, so it is its own).
The new families: ``--l1-ratio 0.5 --cv 10`` (streamed fold moments) against pyarrow +
``ElasticNetCV`` on the same folds, and ``--family binomial --cv 10`` (rows read whole)
on a fifth of the rows against pyarrow + ``LogisticRidgeCV`` on the same folds.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _common import machine, table

from ridgekit import RidgeCV

N_ROWS, N_FEATURES = 1_000_000, 10


def write_csv(path: Path, n_rows: int | None = None, labels: bool = False) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n = N_ROWS if n_rows is None else n_rows
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, N_FEATURES))
    y = X @ rng.normal(size=N_FEATURES) + rng.normal(size=n)
    cols = {f"x{j}": X[:, j] for j in range(N_FEATURES)}
    cols["y"] = np.where(y + 2 * rng.logistic(size=n) > 0, "yes", "no") if labels else y
    pacsv.write_csv(pa.table(cols), path)


def in_memory_family(path: Path, family: str) -> float:
    """pyarrow read + the family's CV estimator on the command's folds."""
    import pyarrow.csv as pacsv
    from sklearn.model_selection import KFold, StratifiedKFold

    from ridgekit.linear_model import ElasticNetCV, LogisticRidgeCV

    start = time.perf_counter()
    tbl = pacsv.read_csv(path)
    X = np.column_stack([tbl.column(f"x{j}").to_numpy() for j in range(N_FEATURES)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "enet":
            y = tbl.column("y").to_numpy()
            ElasticNetCV(l1_ratio=0.5, cv=KFold(10, shuffle=True, random_state=0)).fit(X, y)
        else:
            y = np.asarray(tbl.column("y").to_pylist())
            LogisticRidgeCV(cv=StratifiedKFold(10, shuffle=True, random_state=0)).fit(X, y)
    return time.perf_counter() - start


def in_memory(path: Path, cv=10) -> float:
    """pyarrow read + RidgeCV(cv=cv) on the same file: the in-process reference."""
    import pyarrow.csv as pacsv

    start = time.perf_counter()
    tbl = pacsv.read_csv(path)
    y = tbl.column("y").to_numpy()
    X = np.column_stack([tbl.column(f"x{j}").to_numpy() for j in range(N_FEATURES)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        RidgeCV(cv=cv).fit(X, y)
    return time.perf_counter() - start


def command_line(path: Path, out: Path, cv: str = "10", *extra: str) -> tuple[float, bool]:
    exe = Path(sys.executable).parent / "ridgekit"
    start = time.perf_counter()
    res = subprocess.run([str(exe), "--progress", "fit", str(path), "--target", "y",
                          "--cv", cv, *extra, "--out", str(out)], capture_output=True,
                         text=True)
    elapsed = time.perf_counter() - start
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return elapsed, "rows" in res.stderr


def main() -> None:
    import resource

    global N_ROWS
    if "--quick" in sys.argv:
        N_ROWS = 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        write_csv(path)
        size_mb = path.stat().st_size / 1e6
        t_loo_cli, _ = command_line(path, Path(tmp) / "l.npz", "loo")
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        t_loo_cli = min(t_loo_cli, command_line(path, Path(tmp) / "l.npz", "loo")[0])
        t_loo_ref = min(in_memory(path, cv="loo") for _ in range(2))
        t_ref = min(in_memory(path) for _ in range(2))
        t_cli, progress = min(command_line(path, Path(tmp) / "m.npz") for _ in range(2))
        t_enet_cli = min(command_line(path, Path(tmp) / "e.npz", "10", "--l1-ratio", "0.5")[0]
                         for _ in range(2))
        t_enet_ref = min(in_memory_family(path, "enet") for _ in range(2))
        labelled = Path(tmp) / "labels.csv"
        write_csv(labelled, N_ROWS // 5, labels=True)
        t_log_cli = min(command_line(labelled, Path(tmp) / "b.npz", "10", "--family",
                                     "binomial")[0] for _ in range(2))
        t_log_ref = min(in_memory_family(labelled, "binomial") for _ in range(2))
    print(f"Machine: {machine()}\n")
    case = f"on a {N_ROWS:,}-row CSV ({N_FEATURES} features, {size_mb:.0f} MB)"
    print(table([{
        "case": f"fit --cv 10 {case}",
        "ridgekit command s": f"{t_cli:.2f} (incl. start-up)",
        "pyarrow read + RidgeCV.fit s": f"{t_ref:.2f}",
        "ratio": f"{t_cli / t_ref:.2f} (goal <= 2)",
        "progress shown": str(progress),
    }, {
        "case": f"fit --cv loo {case}, peak {peak_mb:.0f} MB",
        "ridgekit command s": f"{t_loo_cli:.2f} (incl. start-up)",
        "pyarrow read + RidgeCV.fit s": f"{t_loo_ref:.2f}",
        "ratio": f"{t_loo_cli / t_loo_ref:.2f}",
        "progress shown": "",
    }, {
        "case": f"fit --l1-ratio 0.5 --cv 10 {case}",
        "ridgekit command s": f"{t_enet_cli:.2f} (incl. start-up)",
        "pyarrow read + RidgeCV.fit s": f"{t_enet_ref:.2f} (ElasticNetCV, same folds)",
        "ratio": f"{t_enet_cli / t_enet_ref:.2f}",
        "progress shown": "",
    }, {
        "case": f"fit --family binomial --cv 10 on {N_ROWS // 5:,} rows",
        "ridgekit command s": f"{t_log_cli:.2f} (incl. start-up)",
        "pyarrow read + RidgeCV.fit s": f"{t_log_ref:.2f} (LogisticRidgeCV, same folds)",
        "ratio": f"{t_log_cli / t_log_ref:.2f}",
        "progress shown": "",
    }]))


if __name__ == "__main__":
    main()
