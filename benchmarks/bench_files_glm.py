"""Logistic CV over Parquet files against the same fit in memory (issue 14).

Run: ``.venv/bin/python benchmarks/bench_files_glm.py`` (``--n``, ``--p``, ``--files``).

Writes ``--files`` Parquet files of a binary problem to a temporary folder, then times
:func:`ridgekit.scale.files.fit_files` (``family="binomial"``, 5 folds, 10 λ: Newton, one
pass over the files per lockstep round of the fold models) and
``LogisticRidgeCV(cv=HashFolds(5))`` on the same rows in memory, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import machine, table


def main(argv=None) -> int:
    import pandas as pd
    from scipy.special import expit

    from ridgekit.linear_model import LogisticRidgeCV
    from ridgekit.scale import HashFolds
    from ridgekit.scale.files import fit_files

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    n, p = args.n, args.p
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, p))
    y = (rng.uniform(size=n) < expit(X @ rng.normal(size=p) * 0.3)).astype(int)
    feats = [f"x{j}" for j in range(p)]
    grid = np.logspace(-1, 3, 10)
    with tempfile.TemporaryDirectory() as tmp:
        for k, rows in enumerate(np.array_split(np.arange(n), args.files)):
            df = pd.DataFrame(X[rows], columns=feats)
            df["label"] = y[rows]
            df.to_parquet(Path(tmp) / f"part{k}.parquet")
        t_files = t_mem = np.inf
        for _ in range(args.repeat):
            t = time.perf_counter()
            fit = fit_files(str(Path(tmp) / "*.parquet"), "label", feats, cv=5,
                            family="binomial", alphas=grid)
            t_files = min(t_files, time.perf_counter() - t)
            t = time.perf_counter()
            mem = LogisticRidgeCV(grid, cv=HashFolds(5)).fit(X, y)
            t_mem = min(t_mem, time.perf_counter() - t)
    same = bool(np.isclose(fit.model.alpha_, mem.alpha_, rtol=1e-9))
    rows = [{"fit": f"LogisticRidgeCV 5-fold x 10 λ, n={n:,}, p={p}, {args.files} files",
             "files s": f"{t_files:.2f}", "passes": f"{fit.passes}",
             "in memory s": f"{t_mem:.2f}", "files / memory": f"{t_files / t_mem:.2f}",
             "same α": str(same)}]
    print(f"# Logistic CV over files\n\n{machine()}\n\n"
          "`.venv/bin/python benchmarks/bench_files_glm.py`\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
