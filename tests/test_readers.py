"""Data readers: every format against an independent loader (pandas / numpy / sklearn),
streaming against in-memory, and one clear DataError per kind of bad input."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from sklearn.datasets import dump_svmlight_file, load_svmlight_file

from ridgekit.io import DataError, detect_format, open_blocks, read_data, read_moments
from ridgekit.moments import Moments
from ridgekit.spectrum import from_moments


@pytest.fixture
def frame(rng):
    n = 257
    df = pd.DataFrame({
        "a": rng.normal(size=n) * 3 + 10,
        "b": rng.integers(-5, 5, size=n),
        "c": rng.normal(size=n) * 1e-3,
        "target": rng.normal(size=n),
        "w": rng.uniform(0.1, 2.0, size=n),
    })
    df["target2"] = df["a"] * 0.5 + rng.normal(size=n)
    return df


def _expected(df, features=("a", "b", "c")):
    return df[list(features)].to_numpy(float), df["target"].to_numpy(float)


@pytest.mark.parametrize("suffix", ["csv", "tsv", "csv.gz", "parquet"])
def test_tabular_formats_match_pandas(tmp_path, frame, suffix):
    path = tmp_path / f"data.{suffix}"
    if suffix == "parquet":
        frame.to_parquet(path)
        reference = pd.read_parquet(path)
    else:
        sep = "\t" if suffix == "tsv" else ","
        frame.to_csv(path, sep=sep, index=False)
        reference = pd.read_csv(path, sep=sep)
    data = read_data(path, "target", features=["a", "b", "c"], weight="w")
    X, y, names, w = data
    assert names == ["a", "b", "c"]
    np.testing.assert_array_equal(X, reference[["a", "b", "c"]].to_numpy(float))
    np.testing.assert_array_equal(y, reference["target"].to_numpy(float))
    np.testing.assert_array_equal(w, reference["w"].to_numpy(float))
    assert X.dtype == np.float64 and X.flags.c_contiguous
    assert data.target_name == "target" and data.weight_name == "w"
    assert data.format == detect_format(path)


def test_default_features_are_all_other_columns(tmp_path, frame):
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    data = read_data(path, "target", weight="w")
    assert data.feature_names == ["a", "b", "c", "target2"]
    assert data.sample_weight is not None
    no_w = read_data(path, "target")
    assert no_w.feature_names == ["a", "b", "c", "w", "target2"]
    assert no_w.sample_weight is None


def test_feature_order_and_multi_target(tmp_path, frame):
    path = tmp_path / "d.parquet"
    frame.to_parquet(path)
    X, Y, names, _ = read_data(path, ["target", "target2"], features=["c", "a"])
    assert names == ["c", "a"]
    np.testing.assert_array_equal(X, frame[["c", "a"]].to_numpy(float))
    np.testing.assert_array_equal(Y, frame[["target", "target2"]].to_numpy(float))


def test_npy_structured_and_positional(tmp_path, frame):
    rec = frame.to_records(index=False)
    np.save(tmp_path / "s.npy", rec)
    X, y, names, w = read_data(tmp_path / "s.npy", "target", features=["a", "b", "c"],
                               weight="w")
    Xe, ye = _expected(frame)
    np.testing.assert_array_equal(X, Xe)
    np.testing.assert_array_equal(y, ye)
    np.testing.assert_array_equal(w, frame["w"].to_numpy())

    M = frame[["a", "b", "c", "target"]].to_numpy(float)
    np.save(tmp_path / "m.npy", M)
    for target in ("-1", "3", "x3", 3):
        X, y, names, _ = read_data(tmp_path / "m.npy", target)
        assert names == ["x0", "x1", "x2"]
        np.testing.assert_array_equal(X, M[:, :3])
        np.testing.assert_array_equal(y, M[:, 3])


def test_npz_layouts(tmp_path, frame):
    Xe, ye = _expected(frame)
    np.savez(tmp_path / "xy.npz", X=Xe, y=ye, w=frame["w"].to_numpy(),
             feature_names=np.array(["a", "b", "c"]))
    X, y, names, w = read_data(tmp_path / "xy.npz", weight="w")
    assert names == ["a", "b", "c"]
    np.testing.assert_array_equal(X, Xe)
    np.testing.assert_array_equal(y, ye)
    np.testing.assert_array_equal(w, frame["w"].to_numpy())

    np.savez(tmp_path / "cols.npz", **{k: frame[k].to_numpy() for k in frame.columns})
    X, y, names, w = read_data(tmp_path / "cols.npz", "target", weight="w")
    assert names == ["a", "b", "c", "target2"]
    np.testing.assert_array_equal(X, frame[names].to_numpy(float))


def test_svmlight_matches_sklearn(tmp_path, rng):
    X = rng.normal(size=(40, 6))
    X = np.round(X, 6)
    X[X < 0.3] = 0.0
    y = rng.normal(size=40)
    path = tmp_path / "d.svm"
    dump_svmlight_file(X, y, str(path), zero_based=False)
    Xr, yr, names, w = read_data(path)
    Xs, ys = load_svmlight_file(str(path))
    assert names == [f"f{j}" for j in range(1, 7)]
    assert w is None and Xr.format == "csr"
    np.testing.assert_array_equal(Xr.toarray(), Xs.toarray()[:, -6:])
    np.testing.assert_array_equal(Xr.toarray(), X)
    np.testing.assert_array_equal(yr, ys)
    sub, _, sub_names, _ = read_data(path, features=["f3", "f1"])
    np.testing.assert_array_equal(sub.toarray(), X[:, [2, 0]])
    assert sub_names == ["f3", "f1"]
    blocks = list(open_blocks(path, block_rows=16))
    np.testing.assert_array_equal(np.concatenate([b[0] for b in blocks]), X)


@pytest.mark.parametrize("suffix", ["csv", "parquet", "npy", "npz"])
def test_streamed_blocks_equal_whole_read(tmp_path, frame, suffix):
    path = tmp_path / f"d.{suffix}"
    if suffix == "csv":
        frame.to_csv(path, index=False)
    elif suffix == "parquet":
        pq.write_table(pa.Table.from_pandas(frame), path, row_group_size=50)
    elif suffix == "npy":
        np.save(path, frame.to_records(index=False))
    else:
        np.savez(path, **{k: frame[k].to_numpy() for k in frame.columns})
    whole = read_data(path, "target", weight="w")
    reader = open_blocks(path, "target", weight="w", block_rows=37)
    blocks = list(reader)
    assert all(b[0].shape[0] <= 37 for b in blocks) and len(blocks) >= 7
    np.testing.assert_array_equal(np.concatenate([b[0] for b in blocks]), whole.X)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in blocks]), whole.y)
    np.testing.assert_array_equal(np.concatenate([b[2] for b in blocks]), whole.sample_weight)
    assert reader.rows_read == reader.n_rows == len(frame)
    assert reader.feature_names == whole.feature_names


def _naive_moments(X, y, w):
    """Independent reference: weighted means and centered cross products by formula."""
    s = w.sum()
    mx, my = w @ X / s, w @ y / s
    Xc, yc = X - mx, y - my
    return s, mx, my, (Xc * w[:, None]).T @ Xc, (Xc * w[:, None]).T @ yc, (w * yc) @ yc


def test_read_moments_match_formula_and_progress(tmp_path, frame):
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    calls = []
    moments, reader = read_moments(path, "target", features=["a", "b", "c"], weight="w",
                                   block_rows=40, progress=lambda *a: calls.append(a))
    Xe, ye = _expected(frame)
    s, mx, my, cxx, cxy, cyy = _naive_moments(Xe, ye, frame["w"].to_numpy())
    assert moments.n_samples == len(frame)
    np.testing.assert_allclose(moments.weight, s, rtol=1e-13)
    np.testing.assert_allclose(moments.mean_x, mx, rtol=1e-12)
    np.testing.assert_allclose(moments.mean_y, [my], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(moments.cxx, cxx, rtol=1e-11)
    np.testing.assert_allclose(moments.cxy[:, 0], cxy, rtol=1e-11)
    np.testing.assert_allclose(moments.cyy, [cyy], rtol=1e-11)
    assert reader.feature_names == ["a", "b", "c"]
    rows = [c[0] for c in calls]
    done = [c[1] for c in calls]
    assert len(calls) >= 7 and rows == sorted(rows) and done == sorted(done)
    assert calls[-1] == (len(frame), path.stat().st_size, path.stat().st_size)
    assert all(c[2] == path.stat().st_size for c in calls)


def test_million_row_csv_streams_in_one_pass(tmp_path):
    rng = np.random.default_rng(7)
    n, p = 1_000_000, 3
    X = np.round(rng.normal(size=(n, p)) * [1.0, 10.0, 0.1] + [5.0, -2.0, 0.0], 3)
    y = np.round(X @ [1.0, -0.5, 2.0] + rng.normal(size=n), 3)
    path = tmp_path / "big.csv"
    table = pa.table({"x0": X[:, 0], "x1": X[:, 1], "x2": X[:, 2], "y": y})
    pacsv.write_csv(table, path)
    calls = []
    start = time.perf_counter()
    moments, reader = read_moments(path, "y", progress=lambda *a: calls.append(a))
    elapsed = time.perf_counter() - start
    reference = Moments.from_arrays(X, y)
    assert moments.n_samples == reader.rows_read == n
    np.testing.assert_allclose(moments.mean_x, reference.mean_x, rtol=1e-12)
    np.testing.assert_allclose(moments.cxx, reference.cxx, rtol=1e-10)
    np.testing.assert_allclose(moments.cxy, reference.cxy, rtol=1e-10)
    assert len(calls) > 5 and calls[-1][0] == n and calls[-1][1] == calls[-1][2]
    # ... and the fit from the streamed moments is the closed form on the arrays
    coef = from_moments(moments).coef(10.0)[0]
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    np.testing.assert_allclose(coef, np.linalg.solve(Xc.T @ Xc + 10.0 * np.eye(p), Xc.T @ yc),
                               rtol=1e-9)
    assert elapsed < 20, f"streaming 1e6 rows took {elapsed:.1f}s"


# ------------------------------------------------------------------------ bad input
def _raises(match, fn, *args, **kwargs):
    with pytest.raises(DataError, match=match) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message and isinstance(info.value, ValueError)
    return message


def test_missing_empty_and_unknown_files(tmp_path):
    _raises("no such file", read_data, tmp_path / "nope.csv", "y")
    _raises("is a directory", read_data, tmp_path, "y")
    (tmp_path / "empty.csv").write_text("")
    _raises("empty", read_data, tmp_path / "empty.csv", "y")
    (tmp_path / "head.csv").write_text("a,y\n")
    _raises("no data rows", read_data, tmp_path / "head.csv", "y")
    (tmp_path / "x.dat").write_text("a,y\n1,2\n")
    _raises("cannot tell the format", read_data, tmp_path / "x.dat", "y")
    X, y, _, _ = read_data(tmp_path / "x.dat", "y", format="csv")
    assert X.tolist() == [[1.0]] and y.tolist() == [2.0]
    _raises("unknown format", read_data, tmp_path / "x.dat", "y", format="xlsx")


def test_unknown_columns_list_the_available_ones(tmp_path, frame):
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    msg = _raises("unknown target column 'price'", read_data, path, "price")
    assert "'a', 'b', 'c', 'target', 'w', 'target2'" in msg
    _raises("unknown feature column 'zz'", read_data, path, "target", features=["a", "zz"])
    _raises("unknown weight column 'q'", read_data, path, "target", weight="q")
    _raises("no target column given", read_data, path)
    _raises("both a feature and the target", read_data, path, "target", features=["target"])
    _raises("both the target and the weight", read_data, path, "target", weight="target")
    _raises("more than once", read_data, path, "target", features=["a", "a"])


def test_non_numeric_column_is_named_with_row(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,2,3\n4,5,6\n7,eight,9\n")
    _raises(r"column 'b' of .* is not numeric: it holds 'eight' \(first at row 3\)",
            read_data, path, "y")
    # not used -> not a problem
    assert read_data(path, "y", features=["a"]).X.tolist() == [[1.0], [4.0], [7.0]]
    pq.write_table(pa.table({"a": [1.0, 2.0], "s": ["u", "v"], "y": [1.0, 2.0]}),
                   tmp_path / "d.parquet")
    _raises(r"column 's' .* not numeric \(Parquet type string\)", read_data,
            tmp_path / "d.parquet", "y")
    rec = np.array([(1.0, "u"), (2.0, "v")], dtype=[("y", "f8"), ("s", "U2")])
    np.save(tmp_path / "d.npy", rec)
    _raises(r"column 's' .* not numeric", read_data, tmp_path / "d.npy", "y")


@pytest.mark.parametrize("cell", ["", "NA", "nan"])
def test_missing_values_name_column_and_first_row(tmp_path, cell):
    lines = ["a,y"] + [f"{i},{i}" for i in range(200)]
    lines[151] = f"{cell},150"  # data row 151
    lines[180] = f"{cell},179"
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n")
    _raises(r"column 'a' of .* has missing values \(first at row 151\)", read_data, path, "y",
            block_rows=64)
    with pytest.raises(DataError, match="first at row 151"):
        list(open_blocks(path, "y", block_rows=64))


def test_missing_values_in_parquet_npy_and_infinite(tmp_path):
    pq.write_table(pa.table({"a": [1.0, None, 3.0], "y": [1, 2, 3]}), tmp_path / "d.parquet")
    _raises(r"column 'a' .* missing values \(first at row 2\)", read_data,
            tmp_path / "d.parquet", "y")
    np.save(tmp_path / "d.npy", np.array([[1.0, 2.0], [3.0, np.nan]]))
    _raises(r"column 'x1' .* missing values \(first at row 2\)", read_data,
            tmp_path / "d.npy", "0")
    (tmp_path / "inf.csv").write_text("a,y\n1,2\ninf,3\n")
    _raises(r"column 'a' .* non-finite value inf at row 2", read_data, tmp_path / "inf.csv",
            "y")


def test_bad_weights(tmp_path):
    (tmp_path / "neg.csv").write_text("a,w,y\n1,1,2\n2,-1,3\n")
    _raises(r"negative value -1.0 at row 2", read_data, tmp_path / "neg.csv", "y", weight="w")
    (tmp_path / "zero.csv").write_text("a,w,y\n1,0,2\n2,0,3\n")
    _raises("sums to zero", read_data, tmp_path / "zero.csv", "y", weight="w")


def test_malformed_files(tmp_path):
    (tmp_path / "ragged.csv").write_text("a,b,y\n1,2,3\n4,5\n")
    _raises("cannot read .* as CSV", read_data, tmp_path / "ragged.csv", "y")
    (tmp_path / "dup.csv").write_text("a,a,y\n1,2,3\n")
    _raises("appears 2 times", read_data, tmp_path / "dup.csv", "y")
    (tmp_path / "fake.parquet").write_text("not parquet at all")
    _raises("cannot read .* as Parquet", read_data, tmp_path / "fake.parquet", "y")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    _raises("object arrays are refused", read_data, tmp_path / "obj.npy", "0")
    np.save(tmp_path / "three.npy", np.zeros((2, 2, 2)))
    _raises("expected a 2-D array", read_data, tmp_path / "three.npy", "0")
    np.savez(tmp_path / "bad.npz", a=np.zeros(3), y=np.zeros(4))
    _raises(r"array 'y' .* expected \(3,\)", read_data, tmp_path / "bad.npz", "y")
    (tmp_path / "bad.svm").write_text("1 1:2 3:x\n")
    _raises("cannot read .* as svmlight", read_data, tmp_path / "bad.svm")
    (tmp_path / "ok.svm").write_text("1 1:2 2:3\n0 1:1\n")
    _raises("no weight column", read_data, tmp_path / "ok.svm", weight="w")
    _raises("target of an svmlight file is its label", read_data, tmp_path / "ok.svm", "f1")
    pq.write_table(pa.table({"a": np.arange(1000.0), "y": np.arange(1000.0)}),
                   tmp_path / "cut.parquet")
    data = (tmp_path / "cut.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 2])
    _raises("cannot read .* as Parquet", read_data, tmp_path / "cut.parquet", "y")


# ----------------------------------------------------------------- label columns
@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "npz"])
def test_read_labelled_against_pandas(tmp_path, frame, rng, fmt):
    from ridgekit.io.labels import read_labelled

    df = frame.assign(kind=rng.choice(["cat", "dog", "emu"], size=len(frame)))
    if fmt == "npz":
        path = tmp_path / "d.npz"
        np.savez(path, **{c: df[c].to_numpy(str if c == "kind" else float) for c in df.columns})
    elif fmt == "parquet":
        path = tmp_path / "d.parquet"
        df.to_parquet(path)
    else:
        path = tmp_path / f"d.{fmt}"
        df.to_csv(path, index=False, sep="," if fmt == "csv" else "\t")
    data = read_labelled(path, "kind", ["a", "b", "c"], "w", block_rows=50)
    np.testing.assert_array_equal(data.X, df[["a", "b", "c"]].to_numpy(float))
    np.testing.assert_array_equal(data.y, df["kind"].to_numpy(str))
    np.testing.assert_array_equal(data.sample_weight, df["w"].to_numpy())
    # whole numbers as integer labels, the numeric target as float labels
    df.assign(kind=rng.integers(0, 3, len(df))).to_parquet(tmp_path / "i.parquet")
    ints = read_labelled(tmp_path / "i.parquet", "kind")
    assert ints.y.dtype == np.int64 and "kind" not in ints.feature_names
    assert read_labelled(tmp_path / "i.parquet", "target").y.dtype == np.float64


def test_read_labelled_errors(tmp_path, frame):
    from ridgekit.io.labels import read_labelled

    df = frame.assign(kind="x")
    df.loc[7, "kind"] = None
    df.to_csv(tmp_path / "gap.csv", index=False)
    with pytest.raises(DataError, match="missing label at row 8"):
        read_labelled(tmp_path / "gap.csv", "kind")
    with pytest.raises(DataError, match="unknown target column 'nope'"):
        read_labelled(tmp_path / "gap.csv", "nope")
    df = frame.assign(kind="x", a=frame["a"].astype(object))
    df.loc[3, "a"] = "oops"
    df.to_csv(tmp_path / "text.csv", index=False)
    with pytest.raises(DataError, match="'a'.*not numeric"):
        read_labelled(tmp_path / "text.csv", "kind")
