"""Bounded memory on disk: peak resident memory of a streamed k-fold fit over a Parquet
directory, against the size of the data.

Run: ``python benchmarks/bench_disk_memory.py`` (generates 5 GB of Parquet in a temporary
directory, removed afterwards) or ``--quick`` (0.2 GB); ``--gb`` sets the size, ``--keep
DIR`` writes (and keeps) the files there. ``--family binomial`` fits L2 logistic over the
same files instead (``fit_files(..., family="binomial", cv=3, alphas=5)``: a pass per
Newton round, each in the same bounded memory; a label column is added), ``--l1-ratio R``
the elastic net from the one pass of fold moments. The fit runs in a fresh subprocess
(``ridgekit.scale.files.fit_files(dir, target="y", cv=10)``, the function behind
``ridgekit fit 'dir/*.parquet' --target y --cv 10``); its peak RSS is read from
``getrusage(RUSAGE_CHILDREN)`` after it exits. Goal: < 1 GB at 5 GB of data, i.e. memory
independent of n (one block of rows and 10 sets of p x p moments).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine, table  # noqa: E402

P = 50
ROWS_PER_FILE = 500_000


def generate(directory: Path, gb: float, seed: int = 0, label: bool = False) -> int:
    """Parquet files of P features + y (+ a 0/1 label), ~gb GB of float64 in total;
    returns the rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    beta = rng.normal(size=P)
    n_total = int(gb * 1e9 / ((P + 1) * 8))
    names = [f"x{j}" for j in range(P)] + ["y"] + (["label"] if label else [])
    written, i = 0, 0
    while written < n_total:
        m = min(ROWS_PER_FILE, n_total - written)
        X = rng.standard_normal((m, P))
        y = X @ beta + rng.standard_normal(m)
        cols = [pa.array(X[:, j]) for j in range(P)] + [pa.array(y)]
        if label:  # P(label = 1) = logistic(x0 - x1): far from separable
            cols.append(pa.array((X[:, 0] - X[:, 1] + rng.logistic(size=m) > 0).astype(int)))
        pq.write_table(pa.Table.from_arrays(cols, names=names),
                       directory / f"part-{i:05d}.parquet", compression="none",
                       row_group_size=100_000)
        written += m
        i += 1
    return written


CHILD = """
import sys, time
from ridgekit.scale.files import fit_files
features = [f"x{j}" for j in range(int(sys.argv[2]))]
if sys.argv[3] == "binomial":
    kw = dict(target="label", family="binomial", cv=3, alphas=5)
elif sys.argv[4] != "none":
    kw = dict(target="y", cv=10, l1_ratio=float(sys.argv[4]))
else:
    kw = dict(target="y", cv=10)
t = time.perf_counter()
fit = fit_files(sys.argv[1], features=features, **kw)
print(f"{time.perf_counter() - t:.2f} {fit.info.n_samples} {fit.model.alpha_:.6g} {fit.passes}")
"""


def measure(directory: Path, family: str = "gaussian",
            l1_ratio: float | None = None) -> tuple[float, int, float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", CHILD, str(directory), str(P), family,
                          "none" if l1_ratio is None else str(l1_ratio)], check=True,
                         capture_output=True, text=True).stdout.split()
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kb <= before:  # an earlier child was bigger; ru_maxrss is a maximum
        raise RuntimeError("run each measurement in a fresh benchmark process")
    return float(out[0]), int(out[1]), float(out[2]), peak_kb * 1024 / 1e9, int(out[3])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="0.2 GB: a smoke run")
    ap.add_argument("--gb", type=float, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="write the files here, keep them")
    ap.add_argument("--family", choices=("gaussian", "binomial"), default="gaussian")
    ap.add_argument("--l1-ratio", type=float, default=None, help="the elastic net (gaussian)")
    args = ap.parse_args(argv)
    gb = args.gb or (0.2 if args.quick else 5.0)
    print(f"Machine: {machine()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        n = generate(directory, gb, label=args.family == "binomial")
        size = sum(f.stat().st_size for f in directory.glob("*.parquet")) / 1e9
        print(f"generated {n:,} rows x {P + 1} columns, {size:.2f} GB on disk in "
              f"{time.perf_counter() - t0:.0f} s\n", flush=True)
        secs, rows, alpha, peak, passes = measure(directory, args.family, args.l1_ratio)
        assert rows == n
        what = ("logistic --cv 3, 5 λ" if args.family == "binomial" else
                "ridge --cv 10" if args.l1_ratio is None else f"enet {args.l1_ratio} --cv 10")
        print(table([{"data on disk": f"{size:.2f} GB ({n:,} rows, p={P})",
                      "fit": what, "passes": passes, "s": f"{secs:.1f}",
                      "rows/s": f"{n / secs:,.0f}", "alpha": f"{alpha:.4g}",
                      "peak RSS": f"{peak:.2f} GB", "goal": "< 1 GB"}]))


if __name__ == "__main__":
    main()
