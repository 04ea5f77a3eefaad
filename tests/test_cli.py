"""The real `ridgekit` command in a subprocess: every subcommand on every file format,
and every kind of bad input (one line, exit status 2, no partial output)."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import dump_svmlight_file
from sklearn.linear_model import RidgeCV as SkRidgeCV

RIDGEKIT = str(Path(sys.executable).parent / "ridgekit")
FEATURES = ["a", "b", "c"]


def run(*args, cwd=None):
    return subprocess.run([RIDGEKIT, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(120, 3)) + [1.0, -2.0, 0.5]
    y = X @ [1.5, -0.7, 0.2] + 3 + rng.normal(size=120)
    return X, y


def write(fmt: str, folder: Path, X, y) -> tuple[Path, list[str]]:
    """The data in one format; returns the path and the fit arguments naming the target."""
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        path = folder / f"d.{fmt}"
        rows = [sep.join([*FEATURES, "y"])] + [sep.join(repr(float(v)) for v in [*r, t])
                                               for r, t in zip(X, y, strict=True)]
        path.write_text("\n".join(rows) + "\n")
        return path, ["--target", "y"]
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = folder / "d.parquet"
        pq.write_table(pa.table({**{f: X[:, j] for j, f in enumerate(FEATURES)}, "y": y}), path)
        return path, ["--target", "y"]
    if fmt == "npy":
        path = folder / "d.npy"
        np.save(path, np.c_[X, y])
        return path, ["--target", "x3"]
    if fmt == "npz":
        path = folder / "d.npz"
        np.savez(path, X=X, y=y, feature_names=np.array(FEATURES))
        return path, []
    if fmt == "svmlight":
        path = folder / "d.svm"
        dump_svmlight_file(X, y, str(path))
        return path, []
    raise AssertionError(fmt)


FORMATS = ["csv", "tsv", "parquet", "npy", "npz", "svmlight"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_subcommand_on_every_format(tmp_path, data, fmt):
    X, y = data
    path, target_args = write(fmt, tmp_path, X, y)
    model = tmp_path / "m.npz"
    grid = "logspace:-2:3:20"
    res = run("fit", path, *target_args, "--cv", "gcv", "--alphas", grid, "--out", model)
    assert res.returncode == 0, res.stderr
    assert model.exists()
    # gcv on the same grid chooses what scikit-learn's GCV-mode RidgeCV chooses
    ref = SkRidgeCV(np.logspace(-2, 3, 20), gcv_mode="svd").fit(X, y)
    from ridgekit.io import load

    loaded = load(model)
    np.testing.assert_allclose(loaded.alpha_, ref.alpha_, rtol=1e-12)

    preds = tmp_path / "p.csv"
    res = run("predict", model, path, "--out", preds)
    assert res.returncode == 0, res.stderr
    got = np.loadtxt(preds, skiprows=1)
    np.testing.assert_allclose(got, loaded.predict(X), rtol=1e-10)

    png = tmp_path / "trace.png"
    res = run("path", path, *target_args, "--plot", png)
    assert res.returncode == 0, res.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    html = tmp_path / "r.html"
    res = run("report", model, "--data", path, "--out", html)
    assert res.returncode == 0, res.stderr
    assert "<img" in html.read_text()


def test_kfold_fit_streams_and_matches_in_memory(tmp_path, data):
    X, y = data
    path, args = write("csv", tmp_path, X, y)
    model = tmp_path / "m.npz"
    res = run("--progress", "fit", path, *args, "--cv", "5", "--rule", "1se",
              "--alphas", "logspace:-2:3:20", "--seed", "3", "--out", model)
    assert res.returncode == 0, res.stderr
    assert "rows" in res.stderr  # the progress bar was drawn
    from sklearn.model_selection import KFold

    from ridgekit import RidgeCV
    from ridgekit.io import load

    ref = RidgeCV(np.logspace(-2, 3, 20), cv=KFold(5, shuffle=True, random_state=3),
                  rule="1se").fit(X, y)
    loaded = load(model)
    np.testing.assert_allclose(loaded.alpha_, ref.alpha_, rtol=1e-12)
    np.testing.assert_allclose(loaded.coef_, ref.coef_, rtol=1e-9)


def test_standardize_in_streaming_and_in_memory_agree(tmp_path, data):
    X, y = data
    path, args = write("csv", tmp_path, X, y)
    m1, m2 = tmp_path / "m1.npz", tmp_path / "m2.npz"
    assert run("fit", path, *args, "--cv", "loo", "--alphas", "0.5", "--standardize",
               "--out", m1).returncode == 0
    assert run("fit", path, *args, "--cv", "4", "--alphas", "0.5", "--standardize",
               "--out", m2).returncode == 0
    from ridgekit.io import load

    a, b = load(m1), load(m2)
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-9)
    Xs = (X - X.mean(0)) / X.std(0)  # population sd (ddof=0), as StandardScaler
    from sklearn.linear_model import Ridge

    np.testing.assert_allclose(a.predict(X), Ridge(0.5).fit(Xs, y).predict(Xs), rtol=1e-9)


def test_demo_prints_the_table_and_writes_report(tmp_path):
    res = run("demo", "--report", tmp_path / "demo.html")
    assert res.returncode == 0, res.stderr
    # least squares column of Hastie, Tibshirani & Friedman, Table 3.2/3.3
    for value in ("2.465", "0.680", "0.263", "-0.141", "0.210", "0.305", "-0.288", "-0.021",
                  "0.267", "0.521", "0.179"):
        assert value in res.stdout
    assert (tmp_path / "demo.html").stat().st_size > 10_000


def one_line_exit_2(res, needle):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert needle.lower() in lines[0].lower(), lines[0]


def test_bad_data_inputs(tmp_path, data):
    X, y = data
    path, args = write("csv", tmp_path, X, y)
    out = tmp_path / "never.npz"
    one_line_exit_2(run("fit", tmp_path / "missing.csv", "--target", "y", "--out", out),
                    "missing.csv")
    one_line_exit_2(run("fit", path, "--target", "nope", "--out", out), "nope")
    text = path.read_text().splitlines()
    bad = tmp_path / "text.csv"
    bad.write_text("\n".join([text[0]] + [ln.replace(ln.split(",")[1], "abc", 1) if i == 5
                                          else ln for i, ln in enumerate(text[1:])]) + "\n")
    one_line_exit_2(run("fit", bad, "--target", "y", "--out", out), "b")
    holes = tmp_path / "holes.csv"
    holes.write_text("\n".join([text[0]] + [",".join(ln.split(",")[:2] + ["", ln.split(",")[3]])
                                            if i == 7 else ln
                                            for i, ln in enumerate(text[1:])]) + "\n")
    one_line_exit_2(run("fit", holes, "--target", "y", "--out", out), "c")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    one_line_exit_2(run("fit", empty, "--target", "y", "--out", out), "empty")
    one_line_exit_2(run("fit", path, "--target", "y", "--cv", "bogus", "--out", out), "--cv")
    assert not out.exists()
    assert not list(tmp_path.glob("*.tmp*"))


def test_bad_model_files(tmp_path, data):
    X, y = data
    path, args = write("csv", tmp_path, X, y)
    model = tmp_path / "m.npz"
    assert run("fit", path, *args, "--cv", "gcv", "--out", model).returncode == 0
    out = tmp_path / "p.csv"
    truncated = tmp_path / "trunc.npz"
    truncated.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    one_line_exit_2(run("predict", truncated, path, "--out", out), "trunc.npz")
    # a file from another schema version
    other = tmp_path / "other.npz"
    with zipfile.ZipFile(model) as src, zipfile.ZipFile(other, "w") as dst:
        for item in src.namelist():
            content = src.read(item)
            dst.writestr(item, content)
    from ridgekit.io import load
    from ridgekit.io import model_files as mf

    meta_key = next(k for k in np.load(model, allow_pickle=False).files if "meta" in k)
    arrays = dict(np.load(model, allow_pickle=False))
    meta = json.loads(bytes(arrays[meta_key]).decode())
    meta["schema_version"] = 999
    arrays[meta_key] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(other, **arrays)
    one_line_exit_2(run("predict", other, path, "--out", out), "version")
    one_line_exit_2(run("predict", tmp_path / "none.npz", path, "--out", out), "none.npz")
    assert not out.exists()
    assert load(model) is not None and mf is not None


def test_help_for_every_command():
    for cmd in ("demo", "fit", "predict", "path", "report"):
        res = run(cmd, "--help")
        assert res.returncode == 0
        assert "Example" in res.stdout


def test_experiment_command_quick(tmp_path):
    pytest.importorskip("torch")
    res = run("--progress", "experiment", "sgd-l2", "--quick", "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "1/1" in res.stderr  # the step bar was drawn
    result = json.loads((tmp_path / "sgd_l2_equivalence.json").read_text())
    assert result  # numbers written
    assert (tmp_path / "sgd_l2_equivalence.png").read_bytes()[:4] == b"\x89PNG"
    one_line_exit_2(run("experiment", "nope", "--out", tmp_path), "nope")
