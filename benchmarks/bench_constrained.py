"""Constrained ridge (fraction of the least-squares norm): ridgekit against fracridge.

Run: ``.venv/bin/pip install fracridge`` once, then
``.venv/bin/python benchmarks/bench_constrained.py`` (prints a markdown table).

Both produce, for every requested fraction f and every target, the coefficients whose
norm is f times the least-squares norm, and the λ that gives them. fracridge interpolates
λ on a fixed grid; ridgekit root-finds the exact λ (vectorized Newton on the spectrum).
Accuracy is the largest |‖β‖/‖β_LS‖ − f| over all (f, target), with ‖β_LS‖ from an
independent ``numpy.linalg.lstsq``.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from _common import best_time, machine, table
from fracridge import fracridge

from ridgekit.decompose import build_spectrum
from ridgekit.linear_model._constrained import alpha_for_norm

COMMAND = ".venv/bin/python benchmarks/bench_constrained.py"


def ours(X, Y, fracs):
    spec = build_spectrum(X, Y, None, False)  # the auto rule (here: gram)
    sol = alpha_for_norm(spec, fraction=fracs[:, None])
    coef = np.stack([spec.coef(a) for a in sol.alpha], axis=1)  # (t, F, p)
    return np.moveaxis(coef, 2, 0).swapaxes(1, 2), sol.alpha  # (p, F, t), (F, t)


def theirs(X, Y, fracs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fracridge(X, Y, fracs)


def run(n, p, t, n_fracs, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) @ np.diag(np.geomspace(1, 1e-2, p))
    Y = X @ rng.normal(size=(p, t)) + rng.normal(size=(n, t)) * rng.uniform(0.1, 3, t)
    fracs = np.linspace(0.05, 1.0, n_fracs)
    ols_norm = np.linalg.norm(np.linalg.lstsq(X, Y, rcond=None)[0], axis=0)  # (t,)
    c_ours, a_ours = ours(X, Y, fracs)
    c_fr, a_fr = theirs(X, Y, fracs)
    t_ours = best_time(lambda: ours(X, Y, fracs))
    t_fr = best_time(lambda: theirs(X, Y, fracs))

    def err(c):
        return np.max(np.abs(np.linalg.norm(c, axis=0) / ols_norm - fracs[:, None]))

    return {
        "problem": f"n={n}, p={p}, targets={t}, fractions={n_fracs}",
        "fracridge s": f"{t_fr:.3f}", "ridgekit s": f"{t_ours:.3f}",
        "speedup": f"{t_fr / t_ours:.1f}x",
        "max |frac error| fracridge": f"{err(c_fr):.1e}",
        "max |frac error| ridgekit": f"{err(c_ours):.1e}",
        "max rel λ diff": f"{np.nanmax(np.abs(a_fr - a_ours) / np.maximum(a_ours, 1e-300)):.1e}",
    }


def main() -> None:
    rows = [run(1000, 100, 1, 20), run(1000, 100, 1000, 20), run(500, 50, 10_000, 20)]
    print(f"Command: `{COMMAND}` (best of 3)\n")
    print(f"Machine: {machine()}\n")
    print(table(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
