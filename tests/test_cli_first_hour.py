"""Issue 13 through the real `ridgekit` command (subprocess): Ctrl-C, index columns,
folds as scikit-learn's shuffled KFold, grids, messages, streamed LOO, readable tables,
help, the report; and issue 10's command-side parts (one df convention, ddof=0, every
rule by name). References: scikit-learn (KFold, Ridge, StandardScaler, RidgeCV), ridgekit's
in-memory RidgeCV on the same folds, ESL Table 3.3, the pty's width."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from interrupts import ctrl_c_leaves_nothing
from sklearn.linear_model import Ridge as SkRidge
from sklearn.model_selection import KFold

from ridgekit.io import load

RIDGEKIT = str(Path(sys.executable).parent / "ridgekit")


def run(*args, cwd=None, timeout=180):
    return subprocess.run([RIDGEKIT, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def one_line_exit_2(res, *needles, absent=()):
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    for needle in needles:
        assert needle.lower() in lines[0].lower(), lines[0]
    for bad in absent:
        assert bad not in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    """scikit-learn's diabetes written by pandas, with and without its index."""
    from sklearn.datasets import load_diabetes

    folder = tmp_path_factory.mktemp("diabetes")
    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame.to_csv(folder / "with_index.csv")
    frame.to_csv(folder / "plain.csv", index=False)
    frame.to_parquet(folder / "plain.parquet")
    X = frame.drop(columns="target").to_numpy(float)
    return folder, X, frame["target"].to_numpy(float), list(frame.columns[:-1])


# ------------------------------------------------------------------------ item 1
@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(0)
    n, p = 1_000_000, 8  # the streamed fit runs ~1.5 s: every delay below lands in the work
    X = rng.normal(size=(n, p))
    y = X @ np.arange(1, p + 1) + rng.normal(size=n)
    path = tmp_path_factory.mktemp("big") / "big.csv"
    pacsv.write_csv(pa.table({**{f"x{j}": X[:, j] for j in range(p)}, "y": y}), path)
    return path


def test_ctrl_c_ten_times_exits_130_and_leaves_nothing(big_csv, tmp_path):
    ctrl_c_leaves_nothing(["fit", big_csv, "-t", "y", "--cv", "10"], tmp_path, 10, 0.4, 1)


# ------------------------------------------------------------------------ item 2
def test_index_columns_detected_announced_and_chosen(diabetes, tmp_path):
    folder, X, y, names = diabetes
    m1, m2 = tmp_path / "a.npz", tmp_path / "b.npz"
    res = run("fit", folder / "with_index.csv", "-t", "target", "--cv", "gcv", "-o", m1)
    assert res.returncode == 0, res.stderr
    assert "index" in res.stderr and "row labels" in res.stderr
    assert run("fit", folder / "plain.csv", "-t", "target", "--cv", "gcv",
               "-o", m2).returncode == 0
    a, b = load(m1), load(m2)
    assert a.feature_names == names
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10)
    ref = SkRidge(alpha=a.alpha_).fit(X, y)
    np.testing.assert_allclose(a.coef_, ref.coef_, rtol=1e-7)
    # R's write.csv: quoted empty header, row names as text
    r_file = tmp_path / "mtcars.csv"
    r_file.write_text('"","mpg","cyl","wt"\n"Mazda RX4",21,6,2.62\n"Datsun 710",22.8,4,2.32\n'
                      '"Hornet 4 Drive",21.4,6,3.215\n"Valiant",18.1,6,3.46\n'
                      '"Duster 360",14.3,8,3.57\n')
    res = run("fit", r_file, "-t", "mpg", "--cv", "gcv")
    assert res.returncode == 0, res.stderr
    one_line_exit_2(run("fit", r_file, "-t", "mpg", "--cv", "gcv", "--index-col", "none"),
                    "not numeric", "Mazda RX4")
    # a named column as the index
    res = run("fit", folder / "plain.csv", "-t", "target", "--cv", "gcv", "--index-col",
              "age", "-o", m1)
    assert res.returncode == 0, res.stderr
    assert load(m1).feature_names == names[1:]


# ------------------------------------------------------------------------ item 3
@pytest.mark.parametrize("name", ["plain.csv", "plain.parquet"])
def test_streamed_folds_are_sklearn_shuffled_kfold(diabetes, tmp_path, name):
    folder, X, y, _ = diabetes
    from ridgekit import RidgeCV

    grid = np.logspace(-3, 2, 25)
    out = tmp_path / "m.npz"
    res = run("fit", folder / name, "-t", "target", "--cv", "10", "--seed", "7",
              "--alphas", "logspace:-3:2:25", "-o", out)
    assert res.returncode == 0, res.stderr
    ref = RidgeCV(grid, cv=KFold(10, shuffle=True, random_state=7)).fit(X, y)
    got = load(out)
    np.testing.assert_allclose(got.selection.mean, ref.selection_.mean, rtol=1e-8)
    assert got.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    # balanced: the folds sklearn makes on 442 rows have sizes 45, 45, 44, ...
    sizes = [te.size for _, te in KFold(10, shuffle=True, random_state=7).split(X)]
    assert max(sizes) - min(sizes) <= 1


def test_fold_column_and_too_many_folds(diabetes, tmp_path):
    folder, X, y, names = diabetes
    from ridgekit import RidgeCV

    ids = np.arange(y.size) % 4
    frame_path = tmp_path / "with_folds.csv"
    header = ",".join([*names, "target", "fold"])
    rows = [",".join(map(str, [*map(float, r), float(t), int(f)]))
            for r, t, f in zip(X, y, ids, strict=True)]
    frame_path.write_text(header + "\n" + "\n".join(rows) + "\n")
    out = tmp_path / "m.npz"
    res = run("fit", frame_path, "-t", "target", "--folds-column", "fold",
              "--alphas", "logspace:-3:2:25", "-o", out)
    assert res.returncode == 0, res.stderr
    ref = RidgeCV(np.logspace(-3, 2, 25), cv=ids).fit(X, y)
    got = load(out)
    assert got.feature_names == names  # the fold column is not a feature
    np.testing.assert_allclose(got.selection.mean, ref.selection_.mean, rtol=1e-8)
    small = tmp_path / "small.csv"
    small.write_text("a,y\n" + "".join(f"{i},{i * 2 + 1}\n" for i in range(16)))
    one_line_exit_2(run("fit", small, "-t", "y", "--cv", "17"), "17 folds", "16 rows")


# ------------------------------------------------------------------------ item 4
def test_alphas_values_and_n_alphas(diabetes, tmp_path):
    folder, X, y, _ = diabetes
    out = tmp_path / "m.npz"
    for text, value in (("5", 5.0), ("1", 1.0), ("5.0", 5.0)):
        assert run("fit", folder / "plain.csv", "-t", "target", "--cv", "gcv", "--alphas",
                   text, "-o", out).returncode == 0
        got = load(out)
        assert got.alpha_ == pytest.approx(value)
        np.testing.assert_allclose(got.coef_, SkRidge(alpha=value).fit(X, y).coef_, rtol=1e-8)
    assert run("fit", folder / "plain.csv", "-t", "target", "--cv", "5", "--n-alphas", "7",
               "-o", out).returncode == 0
    assert load(out).selection.alphas.size >= 7
    assert run("fit", folder / "plain.csv", "-t", "target", "--cv", "gcv", "--alphas",
               "logspace:-2:2:9", "-o", out).returncode == 0
    np.testing.assert_allclose(load(out).selection.alphas, np.logspace(-2, 2, 9))
    one_line_exit_2(run("fit", folder / "plain.csv", "-t", "target", "--alphas", "1",
                        "--n-alphas", "5"), "not both")
    one_line_exit_2(run("fit", folder / "plain.csv", "-t", "target", "--alphas", "-1"),
                    "-1", absent=("np.float64",))
    one_line_exit_2(run("fit", folder / "plain.csv", "-t", "target", "--alphas",
                        "logspace:0:1:-3"), "logspace", absent=("Number of samples",))


# ------------------------------------------------------------------------ item 5
def test_messages_formats_and_paths(diabetes, tmp_path):
    folder, X, y, names = diabetes
    model = tmp_path / "m.npz"
    assert run("fit", folder / "plain.csv", "-t", "target", "--cv", "gcv",
               "-o", model).returncode == 0
    partial = tmp_path / "partial.csv"
    partial.write_text(",".join(names[:-1]) + "\n" + "\n".join(
        ",".join(map(str, map(float, r[:-1]))) for r in X[:5]) + "\n")
    one_line_exit_2(run("predict", model, partial, "-o", tmp_path / "p.csv"), "feature",
                    "s6", absent=("target",))
    text_model = tmp_path / "notes.txt"
    text_model.write_text("hello\n")
    one_line_exit_2(run("predict", text_model, folder / "plain.csv", "-o", tmp_path / "p.csv"),
                    "not a ridgekit model file", absent=("pickle", "allow_pickle"))
    for suffix, magic in ((".pdf", b"%PDF"), (".svg", b"<?xml"), (".png", b"\x89PNG")):
        fig = tmp_path / f"t{suffix}"
        res = run("path", folder / "plain.csv", "-t", "target", "--plot", fig)
        assert res.returncode == 0, res.stderr
        assert fig.read_bytes()[:len(magic)] == magic
    one_line_exit_2(run("path", folder / "plain.csv", "-t", "target", "--plot",
                        tmp_path / "t.jpg"), ".jpg")
    # the stored data path is absolute: the report works from another folder
    other = tmp_path / "elsewhere"
    other.mkdir()
    res = run("report", model, "-o", "r.html", cwd=other)
    assert res.returncode == 0, res.stderr
    # --data overrides, --format reads a file whose name does not tell
    txt = tmp_path / "data.txt"
    txt.write_text((folder / "plain.csv").read_text())
    res = run("report", model, "--data", txt, "--format", "csv", "-o", tmp_path / "r2.html")
    assert res.returncode == 0, res.stderr
    one_line_exit_2(run("report", model, "--data", txt, "-o", tmp_path / "r3.html"),
                    "--format")


# ------------------------------------------------------------------------ item 6
def test_streamed_loo_equals_in_memory_and_shows_progress(diabetes, tmp_path):
    folder, X, y, _ = diabetes
    from ridgekit import RidgeCV

    out = tmp_path / "m.npz"
    res = run("--progress", "fit", folder / "plain.csv", "-t", "target", "--cv", "loo",
              "--alphas", "logspace:-3:2:30", "-o", out)
    assert res.returncode == 0, res.stderr
    assert "leave-one-out pass" in res.stderr and "reading + moments" in res.stderr
    ref = RidgeCV(np.logspace(-3, 2, 30), cv="loo").fit(X, y)
    got = load(out)
    np.testing.assert_allclose(got.selection.mean, ref.selection_.mean, rtol=1e-8)
    np.testing.assert_allclose(got.selection.se, ref.selection_.se, rtol=1e-6)
    assert got.alpha_ == pytest.approx(ref.alpha_)


# ------------------------------------------------------------------------ item 7
def _in_pty(args, columns=80):
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm"}
    proc = subprocess.Popen([RIDGEKIT, *map(str, args)], stdout=slave, stderr=slave,
                            stdin=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace")
    return proc.returncode, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def test_tables_fit_80_columns_and_numbers_have_4_digits(diabetes, tmp_path):
    folder, *_ = diabetes
    rc, text = _in_pty(["--no-progress", "path", folder / "plain.csv", "-t", "target"])
    assert rc == 0, text
    lines = text.replace("\r", "").splitlines()
    assert max(len(ln) for ln in lines) <= 80, max(lines, key=len)
    assert "…" not in text
    assert "(1/" in text  # the wide table was stacked, not truncated
    for cell in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", text):
        assert len(cell.lstrip("-").split("e")[0].replace(".", "").lstrip("0")) <= 4, cell
    # piped: plain text, a long warning on one line
    res = run("fit", folder / "plain.csv", "-t", "target", "--cv", "5", "--alphas",
              "logspace:3:5:4")
    warning = [ln for ln in res.stderr.splitlines() if ln.startswith("warning:")]
    assert warning and "widen the grid" in warning[0], res.stderr
    title = res.stdout.splitlines()[0]
    assert re.search(r"alpha = \d+(\.\d+)?,", title) and len(title) < 100, title


# ------------------------------------------------------------------------ item 8
def test_errors_leak_no_internals_and_outputs_checked_first(diabetes, tmp_path):
    folder, *_ = diabetes
    adir = tmp_path / "adir"
    adir.mkdir()
    line = one_line_exit_2(run("fit", folder / "plain.csv", "-t", "target", "-o", adir),
                           "directory", absent=("Errno", ".tmp"))
    assert "adir" in line
    start = time.perf_counter()
    one_line_exit_2(run("fit", folder / "plain.csv", "-t", "target", "--cv", "loo", "-o",
                        tmp_path / "missing" / "m.npz"), "does not exist")
    assert not list(tmp_path.glob("**/*.tmp"))
    del start
    assert not list(adir.iterdir())


# ------------------------------------------------------------------------ item 9
def test_help_version_quiet_warnings():
    res = run("experiment", "--help")
    assert "ridgekit[torch]" in res.stdout
    for cmd in ("fit", "predict", "path", "report", "demo", "experiment"):
        text = run(cmd, "--help").stdout
        assert "<bool>" not in text, cmd
        assert not re.search(r"\{[a-z_]+\}", text), (cmd, text[:200])
    res = run("--version")
    assert res.returncode == 0 and re.match(r"ridgekit \d", res.stdout)


def test_quiet_still_shows_the_grid_edge_warning(diabetes):
    folder, *_ = diabetes
    res = run("-q", "fit", folder / "plain.csv", "-t", "target", "--cv", "5", "--alphas",
              "logspace:3:5:4")
    assert res.returncode == 0
    assert res.stdout == ""
    assert "warning:" in res.stderr and "grid" in res.stderr


def test_adam_grid_counts_cells_and_concludes(tmp_path):
    pytest.importorskip("torch")
    res = run("--progress", "experiment", "adam-grid", "--quick", "--out", tmp_path,
              timeout=400)
    assert res.returncode == 0, res.stderr
    assert "8/8" in res.stderr  # 2 lr x 2 decays x 1 seed x 2 optimizers
    assert "digits" in res.stdout and "decades" in res.stdout and "Terms:" in res.stdout


# ------------------------------------------------------------------------ item 11
def test_report_sections_and_one_df(diabetes, tmp_path):
    folder, X, y, _ = diabetes
    model = tmp_path / "m.npz"
    res = run("fit", folder / "plain.csv", "-t", "target", "--cv", "5", "--standardize",
              "--alphas", "logspace:-1:0:4", "-o", model)
    assert res.returncode == 0, res.stderr
    html_path = tmp_path / "r.html"
    assert run("report", model, "-o", html_path).returncode == 0
    html = html_path.read_text()
    for needle in ("R² (training)", "RMSE by k-fold CV", "Warnings", "β, standardized X",
                   "β, original X", "HKB", "Lawless-Wang", "L-curve", "evidence",
                   "discrepancy", 'class="bar"', "residuals against fitted"):
        assert needle in html, needle
    assert html.count("data:image/png;base64") >= 4
    # one df everywhere: the command's title and the report agree (intercept not counted)
    df_cmd = float(re.search(r"df = ([\d.]+)", res.stdout).group(1))
    df_rep = float(re.search(r"effective df \(intercept not counted\)</th><td "
                             r'class="name">([\d.]+)', html).group(1))
    assert df_cmd == pytest.approx(df_rep, rel=1e-3)
    # --standardize is StandardScaler's (ddof=0) + Ridge at the chosen alpha
    from sklearn.preprocessing import StandardScaler

    loaded = load(model)
    Xs = StandardScaler().fit_transform(X)
    ref = SkRidge(alpha=loaded.alpha_).fit(Xs, y)
    np.testing.assert_allclose(loaded.predict(X), ref.predict(Xs), rtol=1e-9)


def test_every_rule_by_name_matches_ridgecv(diabetes, tmp_path):
    folder, X, y, _ = diabetes
    from ridgekit import RidgeCV

    out = tmp_path / "m.npz"
    for name in ("hkb", "lawless-wang", "evidence", "gcv-mass"):
        res = run("fit", folder / "plain.csv", "-t", "target", "--cv", name, "-o", out)
        assert res.returncode == 0, (name, res.stderr)
        ref = RidgeCV(cv=name).fit(X, y)
        assert load(out).alpha_ == pytest.approx(ref.alpha_, rel=1e-6), name
    res = run("fit", folder / "plain.csv", "-t", "target", "--cv", "df", "--df", "5", "-o", out)
    assert res.returncode == 0, res.stderr
    # df 5 to the rule's tolerance: 4 significant digits, the zeros kept (not "5")
    assert float(re.search(r"df = (\S+) ", res.stdout).group(1)) == pytest.approx(5, abs=5e-4)
    ref = RidgeCV(cv="df", df=5).fit(X, y)
    assert load(out).alpha_ == pytest.approx(ref.alpha_, rel=1e-8)


def test_demo_shows_esl_df5_column(tmp_path):
    res = run("demo", "--report", tmp_path / "demo.html")
    assert res.returncode == 0, res.stderr
    # Hastie, Tibshirani & Friedman, Table 3.3, ridge column (df = 5)
    esl = {"lcavol": 0.420, "lweight": 0.238, "age": -0.046, "lbph": 0.162, "svi": 0.227,
           "lcp": 0.000, "gleason": 0.040, "pgg45": 0.133}
    assert "Ridge df=5 (ESL)" in res.stdout
    rows = {ln.split()[0]: ln.split()[1:] for ln in res.stdout.splitlines() if ln.split()}
    for name, value in esl.items():
        assert abs(float(rows[name][1]) - value) <= 0.0025, (name, rows[name])
    test_error = rows["Test"][2]  # "Test Error" row: LS, df=5, 1-SE
    assert abs(float(test_error) - 0.492) <= 0.01
    assert rows["df"][1] == "5"


# ------------------------------------------------------------------------ item 12
def test_license_is_an_spdx_string():
    import tomllib

    meta = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert meta["project"]["license"] == "BSD-3-Clause"


@pytest.mark.browser
def test_report_sections_render_in_chromium(diabetes, tmp_path):
    import shutil

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("headless Chromium is not installed (make browser)")
    folder, *_ = diabetes
    model = tmp_path / "m.npz"
    assert run("fit", folder / "plain.csv", "-t", "target", "--cv", "5", "--standardize",
               "--alphas", "logspace:-1:0:4", "-o", model).returncode == 0
    page = tmp_path / "r.html"
    assert run("report", model, "-o", page).returncode == 0
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--no-first-run", "--disable-background-networking",
                          "--disable-component-update", f"--user-data-dir={tmp_path / 'p'}",
                          "--dump-dom", page.resolve().as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    for section in ("Fit", "Warnings", "Choice of λ", "Coefficients", "Figures"):
        assert f"<h2>{section}</h2>" in dom, section
    assert dom.count("<img") >= 4
