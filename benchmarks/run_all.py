"""Run every benchmark script in this folder, one after another, and print their tables.

Run: ``make bench`` (installs the ``bench`` extra: himalaya, fracridge) or
``.venv/bin/python benchmarks/run_all.py [name ...]`` with names like ``ridge select``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    status = 0
    for script in scripts:
        print(f"\n## {script.stem}\n\nCommand: `python benchmarks/{script.name}`\n", flush=True)
        status |= subprocess.run([sys.executable, str(script)], cwd=HERE).returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
