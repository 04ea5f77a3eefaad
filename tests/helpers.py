"""Reference helpers shared by the tests (independent of ridgekit)."""

import csv
import re
import subprocess
import sys
from pathlib import Path

import numpy as np


def make_regression(rng, n, p, t=1, offset=3.0):
    """A well-conditioned random problem with nonzero means (so centering matters)."""
    X = rng.normal(size=(n, p)) + offset * rng.normal(size=p)
    beta = rng.normal(size=(p, t))
    Y = X @ beta + 5.0 + rng.normal(size=(n, t))
    return X, Y


def rel(a, b) -> float:
    """Largest absolute difference relative to the largest entry of the reference b."""
    return np.abs(np.asarray(a) - b).max() / max(np.abs(b).max(), 1e-300)


def dense_ridge(X, Y, w, alpha, fit_intercept=True):
    """Reference ridge: solve the weighted normal equations with an explicit, unpenalized
    intercept column. Returns (coef (t, p), intercept (t,), design A)."""
    n, p = X.shape
    Y = Y[:, None] if Y.ndim == 1 else Y
    w = np.ones(n) if w is None else w
    A = np.c_[np.ones(n), X] if fit_intercept else X
    P = np.eye(A.shape[1]) * alpha
    if fit_intercept:
        P[0, 0] = 0.0
    sol = np.linalg.solve(A.T @ (w[:, None] * A) + P, A.T @ (w[:, None] * Y))
    if fit_intercept:
        return sol[1:].T, sol[0], A
    return sol.T, np.zeros(Y.shape[1]), A


# ------------------------------------------------------------------ optional dependencies
#: Prepended to a subprocess's code: a meta-path finder that makes the top-level packages
#: in ``_HIDDEN`` look uninstalled by raising ModuleNotFoundError, as real absence does
#: (``sys.modules[name] = None`` would do too, but libraries that peek into sys.modules,
#: scipy's array-API helpers for one, crash on a None entry, which absence never causes).
_HIDE_PRELUDE = """
import sys

_HIDDEN = frozenset({names!r})


class _Hidden:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in _HIDDEN:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None


for _m in [m for m in sys.modules if m.split(".")[0] in _HIDDEN]:
    del sys.modules[_m]
sys.meta_path.insert(0, _Hidden())
"""


def run_without(hidden, code: str, *, timeout: float = 300):
    """Run ``code`` (dedented) in a fresh interpreter in which the packages ``hidden``
    (top-level names) cannot be imported. Returns the ``subprocess.CompletedProcess``."""
    import subprocess
    import sys
    import textwrap

    prelude = _HIDE_PRELUDE.format(names=sorted(hidden))
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=timeout)


def import_without(hidden, module: str, *, timeout: float = 300) -> str:
    """Import ``ridgekit`` and ``ridgekit.conventions``, then ``module``, with ``hidden``
    absent. Returns ``"IMPORTED"`` or ``"IMPORTERROR: <message>"``; the first two imports
    must succeed (the subprocess must exit cleanly)."""
    r = run_without(hidden, f"""
        import ridgekit, ridgekit.conventions
        try:
            import {module}
        except ImportError as exc:
            print("IMPORTERROR:", exc)
        else:
            print("IMPORTED")
        """, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def assert_tests_skip_without(hidden, directory, missing: str, *, timeout: float = 300):
    """Run the tests in ``directory`` with ``hidden`` absent and check that every one is
    skipped (no pass, failure or collection error) with pytest's reason
    ``could not import '<missing>'``."""
    r = run_without(hidden, f"""
        import pytest
        sys.exit(pytest.main([{str(directory)!r}, "-q", "-rs", "-p", "no:cacheprovider",
                              "-p", "no:xdist"]))
        """, timeout=timeout)
    out = r.stdout + r.stderr
    lines = [line for line in out.splitlines() if line.strip()]
    summary = lines[-1].strip("= ") if lines else ""
    assert re.fullmatch(r"\d+ skipped in [\d.]+s( \([\d:]+\))?", summary), out
    assert f"could not import {missing!r}" in out, out


RIDGEKIT = str(Path(sys.executable).parent / "ridgekit")


def run_cli(*args, timeout: float = 180):
    """The installed ``ridgekit`` command with ``args``; the completed process."""
    return subprocess.run([RIDGEKIT, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def one_line_exit_2(res, *needles: str) -> None:
    """A refused command: exit 2, one line on stderr holding every needle, no traceback."""
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    for needle in needles:
        assert needle.lower() in lines[0].lower(), lines[0]


def read_predictions(path):
    """A classifier's ``predict`` CSV: (header, predicted classes, probability matrix)."""
    with open(path) as handle:
        rows = list(csv.reader(handle))
    proba = np.array([[float(v) for v in row[1:]] for row in rows[1:]])
    return rows[0], [row[0] for row in rows[1:]], proba
