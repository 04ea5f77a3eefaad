"""Old against new: ``LogisticRidgeCV(cv="alo")`` of an earlier commit and of the working
tree, alternated in one process with scikit-learn's default ``LogisticRegression`` fit.

Run: ``.venv/bin/python benchmarks/bench_alo_ab.py COMMIT [--rounds 16]``. The commit's
``src/ridgekit`` is exported with ``git archive`` into a temporary directory and imported
as ``ridgekit_old`` (its imports renamed), so both trees see the same data, the same
process and the same minutes of a noisy machine. Reports the minimum and median of each,
est / fit for both (minimum over minimum), and the paired difference new − old per round
(its median and the share of rounds where the new tree was faster): on a shared VM the
paired figures are the ones to trust.
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _common import machine

ROOT = Path(__file__).resolve().parents[1]


def export_old(commit: str, into: Path) -> None:
    """``src/ridgekit`` at ``commit`` as the package ``ridgekit_old`` under ``into``."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src/ridgekit"],
                         check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    package = into / "ridgekit_old"
    (into / "src" / "ridgekit").rename(package)
    for path in package.rglob("*.py"):
        path.write_text(re.sub(r"\bridgekit\b", "ridgekit_old", path.read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit")
    parser.add_argument("--rounds", type=int, default=16)
    args = parser.parse_args()
    from bench_logistic import _binary
    from sklearn.linear_model import LogisticRegression

    warnings.simplefilter("ignore")
    X, y = _binary(100_000, 100)
    with tempfile.TemporaryDirectory() as tmp:
        export_old(args.commit, Path(tmp))
        sys.path.insert(0, tmp)
        mods = {k: importlib.import_module(k + ".linear_model")
                for k in ("ridgekit_old", "ridgekit")}
        from ridgekit.linear_model._logistic import build_problem

        grid = build_problem(mods["ridgekit"].LogisticRidge(), X, y)[0].default_alphas(30)
        chosen = {}

        def est(k):
            t = time.perf_counter()
            m = mods[k].LogisticRidgeCV(grid, cv="alo").fit(X, y)
            chosen[k] = m.alpha_
            return time.perf_counter() - t

        def sk():
            t = time.perf_counter()
            LogisticRegression(C=1.0 / chosen["ridgekit"]).fit(X, y)
            return time.perf_counter() - t

        est("ridgekit"), est("ridgekit_old"), sk()  # compiled, warmed
        times = {"old": [], "new": [], "sk": []}
        for r in range(args.rounds):
            for k in (("ridgekit_old", "ridgekit") if r % 2 else ("ridgekit", "ridgekit_old")):
                times["sk"].append(sk())
                times["new" if k == "ridgekit" else "old"].append(est(k))
    print(f"# bench_alo_ab {args.commit} vs working tree, {args.rounds} rounds\n\n{machine()}\n")
    for k, v in times.items():
        print(f"{k}: min {1e3 * min(v):.1f} ms, median {1e3 * np.median(v):.1f} ms")
    print(f"est / fit: old {min(times['old']) / min(times['sk']):.2f}, "
          f"new {min(times['new']) / min(times['sk']):.2f}; "
          f"same alpha: {np.isclose(chosen['ridgekit'], chosen['ridgekit_old'])}")
    d = np.array(times["new"]) - np.array(times["old"])
    print(f"paired new - old: median {1e3 * np.median(d):.1f} ms, "
          f"new faster in {100 * (d < 0).mean():.0f} % of rounds")


if __name__ == "__main__":
    main()
