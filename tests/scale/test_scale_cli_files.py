"""The real `ridgekit` command (subprocess) over several files and on Dask for the families
beside ridge: L2 logistic / softmax (--family) and the elastic net (--l1-ratio). References:
ridgekit's in-memory LogisticRidgeCV / ElasticNetCV with the same hashed folds on the
concatenated rows, their predict_proba, the row count of the data written."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scale_reference import rel_error

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow", reason="pyarrow reads Parquet and CSV")

from helpers import one_line_exit_2  # noqa: E402  (tests/ is on the path)
from helpers import run_cli as run  # noqa: E402

from ridgekit.io import load  # noqa: E402
from ridgekit.linear_model import ElasticNetCV, LogisticRidgeCV  # noqa: E402
from ridgekit.scale import HashFolds  # noqa: E402

GRID = "logspace:-1:3:7"
ALPHAS = np.logspace(-1, 3, 7)
CUTS = (0, 300, 301, 900, 1300)
N, P = 1300, 3


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli_parts")
    rng = np.random.default_rng(12)
    X = rng.normal(size=(N, P)) + np.array([0.0, 1.0, -1.0])
    eta = X @ np.array([1.0, -0.8, 0.5]) + 0.2
    label = np.where(eta + rng.logistic(size=N) > 0, "yes", "no")
    kind = np.array(["a", "b", "c"])[np.digitize(eta + rng.logistic(size=N), [-0.8, 0.8])]
    y = X @ np.array([2.0, 0.0, -1.0]) + 1.0 + 1.5 * rng.normal(size=N)
    w = rng.uniform(0.3, 2.0, N)
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(label=label, kind=kind, y=y, w=w)
    for i, (lo, hi) in enumerate(zip(CUTS[:-1], CUTS[1:], strict=True)):
        df.iloc[lo:hi].to_parquet(folder / f"p{i}.parquet", index=False)
        df.iloc[lo:hi].to_csv(folder / f"c{i}.csv", index=False)
    return folder, X, label, kind, y, w


def test_binomial_over_parquet_files_then_predict_and_report(parts, tmp_path):
    folder, X, label, _, _, w = parts
    model = tmp_path / "m.npz"
    res = run("--progress", "fit", f"{folder}/p*.parquet", "--target", "label", "--features",
              "a,b,c", "--sample-weight", "w", "--family", "binomial", "--cv", "5",
              "--alphas", GRID, "-o", model)
    assert res.returncode == 0, res.stderr
    assert "pass 1" in res.stderr and f"/{N:,} rows" in res.stderr  # totals from the start
    assert "0/? rows" not in res.stderr
    mem = LogisticRidgeCV(ALPHAS, cv=HashFolds(5, 0)).fit(X, label, sample_weight=w)
    got = load(model)
    assert got.alpha_ == pytest.approx(mem.alpha_, rel=1e-12)
    assert rel_error(got.coef_, mem.coef_) < 1e-8
    assert rel_error(got.intercept_, mem.intercept_) < 1e-8
    assert list(got.classes_) == ["no", "yes"]
    assert "HashFolds(5, seed=0)" in res.stdout
    out = tmp_path / "pred.csv"
    res = run("predict", model, folder / "c2.csv", "-o", out)
    assert res.returncode == 0, res.stderr
    pred = pd.read_csv(out)
    rows = slice(CUTS[2], CUTS[3])
    np.testing.assert_allclose(pred["proba_yes"], mem.predict_proba(X[rows])[:, 1], rtol=1e-7)
    assert list(pred["predicted_class"]) == list(mem.predict(X[rows]))
    res = run("report", model, "-o", tmp_path / "r.html")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_multinomial_over_csv_files_shows_bytes_then_rows(parts, tmp_path):
    folder, X, _, kind, _, _ = parts
    model = tmp_path / "k.npz"
    res = run("--progress", "fit", f"{folder}/c*.csv", "-t", "kind", "--features", "a,b,c",
              "--family", "multinomial", "--cv", "4", "--scoring", "accuracy", "--alphas",
              GRID, "-o", model)
    assert res.returncode == 0, res.stderr
    assert " MB" in res.stderr and f"/{N:,} rows" in res.stderr
    mem = LogisticRidgeCV(ALPHAS, cv=HashFolds(4, 0), scoring="accuracy").fit(X, kind)
    got = load(model)
    assert got.alpha_ == pytest.approx(mem.alpha_, rel=1e-12)
    assert rel_error(got.coef_, mem.coef_) < 1e-8


def test_logistic_and_enet_with_dask(parts, tmp_path):
    pytest.importorskip("distributed", reason="--dask needs distributed")
    folder, X, label, _, y, w = parts
    model = tmp_path / "d.npz"
    res = run("--progress", "fit", f"{folder}/c*.csv", "-t", "label", "--features", "a,b,c",
              "--family", "binomial", "--cv", "5", "--seed", "3", "--alphas", GRID, "--dask",
              "--workers", "2", "-o", model)
    assert res.returncode == 0, res.stderr
    assert "Dask dashboard:" in res.stderr and f"/{N:,} rows" in res.stderr
    mem = LogisticRidgeCV(ALPHAS, cv=HashFolds(5, 3)).fit(X, label)
    got = load(model)
    assert got.alpha_ == pytest.approx(mem.alpha_, rel=1e-12)
    assert rel_error(got.coef_, mem.coef_) < 1e-8
    # the elastic net, standardized, over the same files on Dask
    model = tmp_path / "e.npz"
    res = run("fit", f"{folder}/p*.parquet", "-t", "y", "--features", "a,b,c",
              "--sample-weight", "w", "--l1-ratio", "0.2,0.8", "--cv", "5", "--n-alphas", "20",
              "--standardize", "--dask", "--workers", "1", "-o", model)
    assert res.returncode == 0, res.stderr
    mean = np.average(X, axis=0, weights=w)
    sd = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=w))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # grid edge
        ref = ElasticNetCV(l1_ratio=[0.2, 0.8], alphas=20, cv=HashFolds(5, 0)).fit(
            (X - mean) / sd, y, sample_weight=w)
    got = load(model)
    assert got.alpha_ == pytest.approx(ref.alpha_, rel=1e-9)
    np.testing.assert_allclose(got.estimator.coef_, ref.coef_, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(got.x_scale, sd, rtol=1e-10)


def test_bad_input_over_files_is_one_line_exit_2(parts):
    folder, *_ = parts
    glob = f"{folder}/p*.parquet"
    one_line_exit_2(run("fit", glob, "-t", "label", "--family", "binomial", "--cv", "alo"),
                    "k-fold only")
    one_line_exit_2(run("fit", glob, "-t", "label", "--family", "binomial", "--scoring",
                        "roc-auc"), "--scoring roc-auc", "deviance")
    one_line_exit_2(run("fit", glob, "-t", "kind", "--features", "a,b,c", "--family",
                        "binomial"), "two classes", "multinomial")
    one_line_exit_2(run("fit", glob, "-t", "nolabel", "--family", "binomial"), "nolabel")
    one_line_exit_2(run("fit", glob, "-t", "label", "--family", "binomial", "--l1-ratio",
                        "0.5"), "--l1-ratio", "L2 logistic only")
