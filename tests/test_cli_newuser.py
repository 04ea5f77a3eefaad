"""The `ridgekit` command on a new user's findings: report on multi-file models and on
other data, piping stdout, one-line usage errors, one `interrupted`, messages."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

RIDGEKIT = str(Path(sys.executable).parent / "ridgekit")
NAMES = ["a", "b", "c", "d"]


def run(*args, cwd=None, **kw):
    return subprocess.run([RIDGEKIT, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=180, **kw)


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """One data set as one CSV and as three Parquet parts in a folder."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("newuser")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    y = X @ [1.0, -2.0, 0.0, 0.5] + 1 + rng.normal(size=300)
    (folder / "pq").mkdir()
    for k, rows in enumerate(np.array_split(np.arange(300), 3)):
        cols = {n: X[rows, j] for j, n in enumerate(NAMES)} | {"y": y[rows]}
        pq.write_table(pa.table(cols), folder / "pq" / f"part{k}.parquet")
    lines = [",".join([*NAMES, "y"])] + [",".join(repr(float(v)) for v in [*r, t])
                                         for r, t in zip(X, y, strict=True)]
    (folder / "d.csv").write_text("\n".join(lines) + "\n")
    return folder, X, y


def _text(page: Path) -> str:
    import html

    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text())))


@pytest.mark.parametrize("spec", ["pq/*.parquet", "pq"])
def test_report_reads_the_glob_or_folder_fit_read(parts, spec):
    from sklearn.metrics import r2_score

    from ridgekit.io import load

    folder, X, y = parts
    assert run("-q", "fit", spec, "-t", "y", "--cv", "5", "--out", "m.npz",
               cwd=folder).returncode == 0
    done = run("report", "m.npz", "--out", "r.html", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    text = _text(folder / "r.html")
    assert "Data rows (n) 300" in text
    # training R² of the report = scikit-learn's on all rows of all parts
    r2 = float(re.search(r"R² \(training\) ([-\d.]+)", text).group(1))
    model = load(folder / "m.npz")
    assert r2 == pytest.approx(r2_score(y, model.predict(X)), abs=6e-4)


def test_report_on_other_rows_warns(parts):
    folder, X, y = parts
    assert run("-q", "fit", "pq/*.parquet", "-t", "y", "--out", "m2.npz",
               cwd=folder).returncode == 0
    done = run("report", "m2.npz", "--data", "pq/part0.parquet", "--out", "r2.html",
               cwd=folder)
    assert done.returncode == 0
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("warning:")]
    assert len(lines) == 1 and "has 100 rows" in lines[0] and "300 rows" in lines[0]
    assert "fitted on 300 rows" in _text(folder / "r2.html")
    # the same data under another name is no mismatch
    same = run("report", "m2.npz", "--data", "pq", "--out", "r3.html", cwd=folder)
    assert same.returncode == 0 and "warning" not in same.stderr


def test_report_glob_gone_says_so(parts, tmp_path):
    folder, X, y = parts
    import shutil

    shutil.copytree(folder / "pq", tmp_path / "pq")
    assert run("-q", "fit", "pq/*.parquet", "-t", "y", "--out", "m.npz",
               cwd=tmp_path).returncode == 0
    shutil.rmtree(tmp_path / "pq")
    done = run("report", "m.npz", "--out", "r.html", cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "matches no files any more: give --data" in done.stderr
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("extra", [[], ["--l1-ratio", "0.5"]])
def test_pipe_closed_keeps_the_model(parts, extra):
    from ridgekit.io import load

    folder, X, y = parts
    out = folder / f"pipe{len(extra)}.npz"
    out.unlink(missing_ok=True)
    shell = (f"{RIDGEKIT} fit d.csv -t y --alphas logspace:-2:3:30 {' '.join(extra)} "
             f"--out {out.name} | head -c 1; exit ${{PIPESTATUS[0]}}")
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True,
                          cwd=folder, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr and "Traceback" not in done.stderr
    model = load(out)
    if not extra:  # a complete fit: scikit-learn's Ridge at the model's alpha
        assert model.predict(X) == pytest.approx(_ridge(X, y, float(model.alpha_)), abs=1e-8)


def _ridge(X, y, alpha):
    from sklearn.linear_model import Ridge

    return Ridge(alpha=alpha).fit(X, y).predict(X)


@pytest.mark.parametrize(("args", "says"), [
    (["fit", "d.csv", "--bogus"], "no such option: --bogus"),
    (["fit"], "missing argument 'DATA'"),
    (["predict", "m.npz", "d.csv"], "missing option '--out'"),
    (["fit", "d.csv", "-t", "y", "--seed", "abc"], "invalid value for '--seed'"),
    (["fit", "d.csv", "-t", "y", "--n-alphas", "x"], "invalid value for '--n-alphas'"),
    (["bogus"], "no such command 'bogus'"),
])
def test_usage_errors_are_one_line(parts, args, says):
    folder, X, y = parts
    done = run(*args, cwd=folder)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert says in lines[0]
    assert "Possible options" not in lines[0] and "Usage:" not in lines[0]


def test_unquoted_glob_hint(parts):
    folder, X, y = parts
    files = sorted(str(p.relative_to(folder)) for p in (folder / "pq").glob("*.parquet"))
    done = run("fit", *files, "-t", "y", cwd=folder)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: several data files given")
    assert "quote it" in lines[0] and files[1] in lines[0]


def test_ctrl_c_says_interrupted_once(tmp_path):
    from interrupts import ctrl_c_leaves_nothing

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300_000, 6))
    # CSV: parsed block by block, slow enough that the signal lands mid-fit
    np.savetxt(tmp_path / "big.csv", np.c_[X, X.sum(1)], delimiter=",", fmt="%.6g",
               header="a,b,c,d,e,f,y", comments="")
    ctrl_c_leaves_nothing(["fit", tmp_path / "big.csv", "-t", "y", "--cv", "10"], tmp_path,
                          attempts=2, max_delay=0.05, seed=1)


def test_enet_gcv_over_files_gives_the_real_reason(parts):
    folder, X, y = parts
    done = run("fit", "pq/*.parquet", "-t", "y", "--cv", "gcv", "--l1-ratio", "0.5",
               cwd=folder)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "the elastic net chooses α by k-fold only" in done.stderr
    ridge = run("-q", "fit", "pq/*.parquet", "-t", "y", "--cv", "gcv", cwd=folder)
    assert ridge.returncode == 0, ridge.stderr


def test_refused_scheduler_is_refused_fast(parts):
    import socket
    import time

    pytest.importorskip("distributed")
    folder, X, y = parts
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    done = run("fit", "pq/*.parquet", "-t", "y", "--scheduler", f"tcp://127.0.0.1:{port}",
               "--timeout", "30", "--out", "s.npz", cwd=folder)
    assert time.perf_counter() - start < 25  # not the 30 s of --timeout
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert f"tcp://127.0.0.1:{port}: connection refused" in done.stderr
    assert not (folder / "s.npz").exists()
    bad = run("fit", "pq/*.parquet", "-t", "y", "--scheduler", "nonsense://x", cwd=folder)
    assert bad.returncode == 2 and "[" not in bad.stderr
    assert "--scheduler nonsense://x: unknown address scheme 'nonsense'" in bad.stderr


def test_busy_dashboard_port_prints_the_one_dask_took(parts):
    import socket

    pytest.importorskip("distributed")
    folder, X, y = parts
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("0.0.0.0", 8787))
    except OSError:
        pass  # already busy: the case under test either way
    else:
        holder.listen()
    try:
        done = run("fit", "pq/*.parquet", "-t", "y", "--cv", "3", "--dask", "--workers", "1",
                   "--l1-ratio", "0.5", "--out", "e.npz", cwd=folder)
    finally:
        holder.close()
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr, done.stderr
    links = re.findall(r"note: Dask dashboard: http://[\d.]+:(\d+)/status", done.stderr)
    assert len(links) == 1 and links[0] != "8787"


def test_unequal_folds_weighted_by_size_as_documented(parts, tmp_path):
    """--help says fold MSEs are weighted by fold size (cv.glmnet): check the stored CV
    curve against scikit-learn Ridge fitted fold by fold, and that --help says it."""
    from sklearn.linear_model import Ridge

    from ridgekit.io import load

    folder, X, y = parts
    fold = np.repeat([0, 1, 2], [40, 100, 160])  # unequal folds
    lines = [",".join([*NAMES, "y", "fold"])] + [
        ",".join([*(repr(float(v)) for v in [*r, t]), str(f)])
        for r, t, f in zip(X, y, fold, strict=True)]
    (tmp_path / "f.csv").write_text("\n".join(lines) + "\n")
    grid = [0.1, 10.0, 300.0]
    done = run("-q", "fit", "f.csv", "-t", "y", "--features", ",".join(NAMES),
               "--folds-column", "fold", "--alphas", ",".join(map(str, grid)),
               "--out", "m.npz", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    mean = np.ravel(load(tmp_path / "m.npz").selection.mean)
    per_fold = np.array([[np.mean((Ridge(alpha=a).fit(X[fold != k], y[fold != k])
                                   .predict(X[fold == k]) - y[fold == k]) ** 2)
                          for a in grid] for k in range(3)])
    sizes = np.bincount(fold)
    assert mean == pytest.approx(sizes @ per_fold / sizes.sum(), rel=1e-8)
    assert not np.allclose(mean, per_fold.mean(0), rtol=1e-3)  # not the plain mean
    text = " ".join(run("fit", "--help").stdout.split())
    assert "weighted by the fold's size" in text and "unweighted" in text


@pytest.mark.parametrize(("family", "cv"), [("binomial", "alo"), ("multinomial", "loo")])
def test_logistic_l1_ratio_refused_with_the_reason(tmp_path, family, cv):
    """The logistic elastic net (since wired by k-fold) refuses leave-one-out rules in one
    line that says why; l1_ratio 0 is L2 and is still fitted by them."""
    rng = np.random.default_rng(1)
    labels = rng.choice(["p", "q", "r"][:2 if family == "binomial" else 3], size=60)
    X = rng.normal(size=(60, 2))
    (tmp_path / "c.csv").write_text("a,b,label\n" + "\n".join(
        f"{r[0]},{r[1]},{t}" for r, t in zip(X, labels, strict=True)) + "\n")
    done = run("fit", "c.csv", "-t", "label", "--family", family, "--l1-ratio", "0.5",
               "--cv", cv, "--out", "m.npz", cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"error: --cv {cv}") and "k-fold only" in done.stderr
    assert not (tmp_path / "m.npz").exists()
    assert run("-q", "fit", "c.csv", "-t", "label", "--family", family, "--l1-ratio", "0",
               "--cv", cv, cwd=tmp_path).returncode == 0


def test_messages_without_numpy_reprs(tmp_path):
    (tmp_path / "h.csv").write_text("a,b,y\n")
    (tmp_path / "one.csv").write_text("a,label\n1,yes\n2,yes\n3,yes\n")
    (tmp_path / "r.csv").write_text("a,y\n" + "\n".join(f"{i},{i % 3}" for i in range(30)))
    cases = [
        (["fit", "h.csv", "-t", "y"], "h.csv has no data rows"),
        (["fit", "one.csv", "-t", "label", "--family", "binomial"], "one class only ('yes')"),
        (["fit", "r.csv", "-t", "y", "--l1-ratio", "0.5", "--alphas", "0,1"],
         "--alphas: the elastic net needs values > 0; got 0"),
    ]
    for args, says in cases:
        done = run(*args, cwd=tmp_path)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
        assert says in done.stderr
        assert "np." not in done.stderr and "array(" not in done.stderr


def test_tidy_drops_numpy_reprs():
    from ridgekit.cli._common import tidy

    assert tidy("got array([0.])") == "got 0"
    assert tidy("class (np.str_('yes'))") == "class ('yes')"
    assert tidy("got array([1.5, 2.])") == "got 1.5, 2"


@pytest.mark.parametrize("family", ["binomial", "multinomial"])
def test_continuous_label_says_drop_family(parts, family):
    folder, X, y = parts
    done = run("fit", "d.csv", "-t", "y", "--family", family, cwd=folder)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert "looks continuous" in done.stderr and "drop --family" in done.stderr
    assert f"({len(np.unique(y))} distinct values" in done.stderr
    assert "use --family multinomial" not in done.stderr


def test_quiet_after_the_subcommand(parts):
    from sklearn.linear_model import Ridge

    from ridgekit.io import load

    folder, X, y = parts
    done = run("fit", "d.csv", "-t", "y", "--cv", "5", "-q", "--out", "q.npz", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
    model = load(folder / "q.npz")
    ref = Ridge(alpha=float(model.alpha_)).fit(X, y)
    assert np.ravel(model.estimator.coef_) == pytest.approx(ref.coef_, rel=1e-8)


def test_cv_minimum_per_l1_ratio_is_shown(parts):
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    folder, X, y = parts
    grid = np.logspace(-3, 0, 12)
    done = run("fit", "d.csv", "-t", "y", "--l1-ratio", "0.2,1", "--cv", "5",
               "--alphas", ",".join(repr(float(a)) for a in grid), cwd=folder)
    assert done.returncode == 0, done.stderr
    line = re.search(r"k-fold CV MSE minimum per l1_ratio: (.*)", done.stdout).group(1)
    shown = dict(part.split(": ") for part in line.split(", "))
    ref = ElasticNetCV(l1_ratio=[0.2, 1.0], alphas=grid, cv=KFold(5, shuffle=True,
                       random_state=0), tol=1e-10, max_iter=100_000).fit(X, y)
    best = ref.mse_path_.mean(axis=2).min(axis=1)  # 300 rows: 5 equal folds
    assert float(shown["0.2"]) == pytest.approx(best[0], rel=1e-3)
    assert float(shown["1"]) == pytest.approx(best[1], rel=1e-3)


def test_multinomial_report_draws_every_class(tmp_path):
    rng = np.random.default_rng(2)
    names = np.array(["setosa", "versicolor", "virginica"])
    X = rng.normal(size=(150, 2))
    labels = names[np.argmax(X @ [[1, 0, -1], [0, 1, -1]] + rng.normal(size=(150, 3)), 1)]
    (tmp_path / "m.csv").write_text("a,b,sp\n" + "\n".join(
        f"{r[0]},{r[1]},{t}" for r, t in zip(X, labels, strict=True)) + "\n")
    assert run("-q", "fit", "m.csv", "-t", "sp", "--family", "multinomial", "--cv", "3",
               "--out", "m.npz", cwd=tmp_path).returncode == 0
    done = run("report", "m.npz", "--out", "r.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = _text(tmp_path / "r.html")
    for name in names:
        assert f"Coefficient path against λ and effective degrees of freedom of class '{name}'" \
            in text
        assert f"Calibration on the training rows of class '{name}'" in text
    assert "np.str_" not in text


@pytest.mark.parametrize("extra", [[], ["--l1-ratio", "0.5", "--standardize"],
                                   ["--sample-weight", "w"]])
def test_report_same_row_count_other_rows_warns(parts, tmp_path, extra):
    """Two halves of one data set, as many rows each: the report on the other half warns
    (its weighted mean residual is not the 0 an unpenalized intercept leaves)."""
    folder, X, y = parts
    w = 1 + np.abs(X[:, 0])
    for name, rows in (("h1.csv", slice(0, 150)), ("h2.csv", slice(150, 300))):
        lines = [",".join([*NAMES, "w", "y"])] + [
            ",".join(repr(float(v)) for v in [*r, u, t])
            for r, u, t in zip(X[rows], w[rows], y[rows], strict=True)]
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    assert run("-q", "fit", "h1.csv", "-t", "y", "--features", ",".join(NAMES), *extra,
               "--out", "m.npz", cwd=tmp_path).returncode == 0
    same = run("report", "m.npz", "--out", "r.html", cwd=tmp_path)
    assert same.returncode == 0 and "warning" not in same.stderr, same.stderr
    done = run("report", "m.npz", "--data", "h2.csv", "--out", "r2.html", cwd=tmp_path)
    assert done.returncode == 0
    warned = [ln for ln in done.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warned) == 1 and "not the model's training rows" in warned[0], done.stderr


# --------------------------------------------------------------- leftovers (18, 2, 16)
def test_num_keeps_the_significant_zeros():
    """18: 4 significant digits, trailing zeros kept when the value was rounded
    (3.99994 is not the integer 4); reference: Python's own rounding, '%.4g'."""
    from ridgekit.cli._common import num

    assert num(3.99994) == "4.000" and num(2.000049) == "2.000"
    assert num(0.5) == "0.5" and num(1.44) == "1.44" and num(7.0) == "7"
    assert num(1.2000004e-7) == "1.200e-07" and num(-0.0271299) == "-0.02713"
    rng = np.random.default_rng(0)
    for x in np.concatenate([rng.normal(size=200) * 10.0 ** rng.integers(-6, 7, 200),
                             np.round(rng.normal(size=50), 2)]):
        text = num(float(x))
        assert float(text) == float(f"{x:.4g}")  # the same rounding as %.4g
        digits = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
        assert len(digits) == 4 or float(text) == x, (x, text)


def test_lasso_cv_minimum_printed_with_4_digits(parts):
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    folder, X, y = parts
    grid = np.logspace(-3, 0, 12)
    done = run("fit", "d.csv", "-t", "y", "--l1-ratio", "1", "--cv", "5", "--alphas",
               ",".join(repr(float(a)) for a in grid), cwd=folder)
    assert done.returncode == 0, done.stderr
    shown = re.search(r"k-fold CV MSE at the minimum: (\S+) \(RMSE (\S+)\)", done.stdout)
    ref = ElasticNetCV(l1_ratio=1.0, alphas=grid, cv=KFold(5, shuffle=True, random_state=0),
                       tol=1e-10, max_iter=100_000).fit(X, y)
    best = ref.mse_path_.mean(axis=1).min()
    for text, value in ((shown.group(1), best), (shown.group(2), np.sqrt(best))):
        assert float(text) == pytest.approx(value, rel=1e-3)
        assert len(text.replace(".", "").lstrip("0")) == 4, text


def _choice_rows(text: str) -> dict[str, float]:
    table = text[text.index("Choice of λ"):text.index("The highlighted row")]
    return {m.group(1).strip(): float(m.group(2)) for m in re.finditer(
        r"((?:model|kfold min, best grid λ|kfold min|kfold 1se)) ([-\d.e+]+) ", table)}


def test_report_kfold_min_is_the_models_refined_alpha(parts):
    """2: the report's 'kfold min' is the model's λ (refined between grid points), and the
    grid's own minimum is labelled as such; reference: per-fold scikit-learn Ridge."""
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold

    from ridgekit.io import load

    folder, X, y = parts
    assert run("-q", "fit", "d.csv", "-t", "y", "--cv", "5", "--out", "rf.npz",
               cwd=folder).returncode == 0
    model = load(folder / "rf.npz")
    grid = np.asarray(model.selection.alphas)
    assert "alpha_refined" in model.selection.extra
    done = run("report", "rf.npz", "--out", "rf.html", cwd=folder)
    assert done.returncode == 0, done.stderr
    text = _text(folder / "rf.html")
    rows = _choice_rows(text)
    assert "model" not in rows  # no separate row: kfold min is the model's λ
    assert rows["kfold min"] == pytest.approx(float(model.alpha_), rel=1e-5)
    cv = np.zeros(grid.size)
    for train, test in KFold(5, shuffle=True, random_state=0).split(X):
        for i, a in enumerate(grid):  # 300 rows, 5 equal folds: the plain mean
            fit = Ridge(alpha=a).fit(X[train], y[train])
            cv[i] += np.mean((y[test] - fit.predict(X[test])) ** 2) / 5
    assert rows["kfold min, best grid λ"] == pytest.approx(grid[np.argmin(cv)], rel=1e-5)
    assert rows["kfold min"] != pytest.approx(rows["kfold min, best grid λ"], rel=1e-6)
    assert "best grid λ” is that grid minimum" in text


def test_logistic_report_names_its_criterion(tmp_path):
    from sklearn.model_selection import StratifiedKFold

    from ridgekit.linear_model import LogisticRidgeCV

    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 3))
    labels = np.where(X[:, 0] - X[:, 1] + rng.normal(size=200) > 0, "yes", "no")
    (tmp_path / "b.csv").write_text("a,b,c,label\n" + "\n".join(
        ",".join(repr(float(v)) for v in r) + f",{t}" for r, t in zip(X, labels, strict=True))
        + "\n")
    for scoring, name in (("deviance", "held-out deviance"),
                          ("accuracy", "misclassification rate")):
        assert run("-q", "fit", "b.csv", "-t", "label", "--family", "binomial", "--cv", "4",
                   "--n-alphas", "15", "--scoring", scoring, "--out", "b.npz",
                   cwd=tmp_path).returncode == 0
        assert run("report", "b.npz", "--out", "b.html", cwd=tmp_path).returncode == 0
        text = _text(tmp_path / "b.html")
        shown = re.search(rf"kfold {name} at the model's λ / minimum \S+ / (\S+)", text)
        assert shown, text[:2000]
        ref = LogisticRidgeCV(alphas=15, cv=StratifiedKFold(4, shuffle=True, random_state=0),
                              scoring=None if scoring == "deviance" else scoring
                              ).fit(X, labels)
        assert float(shown.group(1)) == pytest.approx(float(np.min(ref.selection_.mean)),
                                                      rel=1e-3)


def test_wide_path_table_is_transposed_and_short(tmp_path):
    """18: 60 features printed one row per feature (short lines, piped too); each row is
    scikit-learn's Ridge coefficient at the printed λ."""
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(6)
    X = rng.normal(size=(150, 60))
    y = X[:, :5] @ [3.0, -2, 1, 1, 0.5] + rng.normal(size=150)
    names = [f"x{j}" for j in range(60)]
    (tmp_path / "w.csv").write_text(",".join([*names, "y"]) + "\n" + "\n".join(
        ",".join(repr(float(v)) for v in [*r, t]) for r, t in zip(X, y, strict=True)) + "\n")
    grid = [0.1, 1.0, 10.0, 100.0]
    done = run("path", "w.csv", "-t", "y", "--alphas", ",".join(map(str, grid)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) < 100, max(lines, key=len)
    rows = {ln.split()[0]: ln.split()[1:] for ln in lines[1:] if ln.strip()}
    assert [float(v) for v in rows["alpha"]] == grid
    for j in (0, 4, 37):
        want = [Ridge(alpha=a).fit(X, y).coef_[j] for a in grid]
        np.testing.assert_allclose([float(v) for v in rows[f"x{j}"]], want, rtol=6e-4,
                                   atol=1e-9)


def test_path_and_report_show_the_cv_minimum_per_l1_ratio(parts):
    """16: path prints each candidate ratio's CV minimum, the report lists them; reference:
    scikit-learn's ElasticNetCV.mse_path_ on the same folds (300 rows: equal folds)."""
    from sklearn.linear_model import ElasticNetCV
    from sklearn.model_selection import KFold

    folder, X, y = parts
    grid = np.logspace(-3, 0, 12)
    args = ["-t", "y", "--l1-ratio", "0.2,1", "--cv", "5", "--alphas",
            ",".join(repr(float(a)) for a in grid)]
    ref = ElasticNetCV(l1_ratio=[0.2, 1.0], alphas=grid, cv=KFold(5, shuffle=True,
                       random_state=0), tol=1e-10, max_iter=100_000).fit(X, y)
    best = ref.mse_path_.mean(axis=2).min(axis=1)
    done = run("path", "d.csv", *args, cwd=folder)
    assert done.returncode == 0, done.stderr
    line = re.search(r"k-fold CV MSE minimum per l1_ratio: (.*)", done.stdout).group(1)
    shown = dict(part.split(": ") for part in line.split(", "))
    assert float(shown["0.2"]) == pytest.approx(best[0], rel=1e-3)
    assert float(shown["1"]) == pytest.approx(best[1], rel=1e-3)
    assert run("-q", "fit", "d.csv", *args, "--out", "lr.npz", cwd=folder).returncode == 0
    assert run("report", "lr.npz", "--out", "lr.html", cwd=folder).returncode == 0
    text = _text(folder / "lr.html")
    row = re.search(r"CV MSE minimum per l1_ratio \(candidates\) 0\.2: (\S+), 1: (\S+)", text)
    assert row, text[:1500]
    assert float(row.group(1).rstrip(",")) == pytest.approx(best[0], rel=1e-3)
    assert float(row.group(2)) == pytest.approx(best[1], rel=1e-3)
