"""Fits on a real distributed.LocalCluster (2 worker processes, started here): equal to
the in-memory fit, identical after a worker is killed mid-fit, errors found during the
pass, an unreachable scheduler refused in time, files fitted on the workers."""

import os
import signal
import time

import numpy as np
import pytest
from scale_reference import brute_force_kfold, make_data

da = pytest.importorskip("dask.array", reason="dask is not installed")
dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
distributed = pytest.importorskip("distributed", reason="distributed is not installed")
pd = pytest.importorskip("pandas")

from dask import delayed  # noqa: E402

from ridgekit.linear_model import LogisticRidge, RidgeCV  # noqa: E402
from ridgekit.scale import HashFolds, options  # noqa: E402
from ridgekit.scale.cluster import SchedulerUnreachableError, connect  # noqa: E402
from ridgekit.scale.files import fit_files, fold_moments_from_files  # noqa: E402

GRID = np.logspace(-2, 3, 20)
# the generated data are nearly noiseless in places: the smallest alpha may win
pytestmark = pytest.mark.filterwarnings("ignore::ridgekit.select.GridEdgeWarning")
P = 5


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", memory_limit="1GiB")
    c = distributed.Client(cluster)
    # warm the workers (imports on first use) so that timings below measure the pass
    RidgeCV(GRID, cv=2).fit(*_generated((50, 50, 50, 50)))
    yield c
    c.close()
    cluster.close()


def _block(i, rows, delay):
    """Rows of [X | y] made on the worker from the block index (deterministic)."""
    time.sleep(delay)
    rng = np.random.default_rng(1000 + i)
    X = rng.normal(size=(rows, P)) + np.arange(P)
    y = X @ np.linspace(1, 2, P) + rng.normal(size=rows)
    return np.c_[X, y]


def _generated(rows, delay=0.0, delays=None):
    parts = [da.from_delayed(delayed(_block, pure=True)(i, r, delay if delays is None
                                                        else delays[i]),
                             shape=(r, P + 1), dtype=float) for i, r in enumerate(rows)]
    Z = da.concatenate(parts)
    return Z[:, :P], Z[:, P]


def _in_memory(rows):
    Z = np.concatenate([_block(i, r, 0.0) for i, r in enumerate(rows)])
    return Z[:, :P], Z[:, P]


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b)))


ROWS = (300, 1, 599, 250, 450, 400)


def test_kfold_on_cluster_equals_in_memory_and_brute_force(client):
    Xd, yd = _generated(ROWS)
    got = RidgeCV(GRID, cv=10, rule="1se").fit(Xd, yd)
    X, y = _in_memory(ROWS)
    mem = RidgeCV(GRID, cv=HashFolds(10), rule="1se").fit(X, y)
    assert got.alpha_ == mem.alpha_
    assert _rel(got.selection_.mean, mem.selection_.mean) < 1e-10
    assert _rel(got.coef_, mem.coef_) < 1e-10
    mean, se = brute_force_kfold(X, y, None, HashFolds(10).fold_ids(X.shape[0]), GRID)
    assert _rel(got.selection_.mean, mean) < 1e-10
    assert _rel(got.selection_.se, se) < 1e-9


def test_dataframe_with_weights_on_cluster(client):
    rng = np.random.default_rng(5)
    X, y = make_data(rng, 1500, P)
    w = rng.uniform(0.5, 2.0, 1500)
    cols = [f"c{j}" for j in range(P)]
    df = pd.DataFrame(X, columns=cols).assign(target=y, weight=w)
    ddf = dd.from_pandas(df, npartitions=3).repartition(divisions=[0, 10, 900, 1499])
    got = RidgeCV(GRID, cv="gcv").fit(ddf[cols], ddf["target"], sample_weight=ddf["weight"])
    mem = RidgeCV(GRID, cv="gcv").fit(X, y, sample_weight=w)
    assert abs(got.alpha_ - mem.alpha_) <= 1e-10 * mem.alpha_
    assert _rel(got.coef_, mem.coef_) < 1e-10
    got = RidgeCV(GRID, cv=5).fit(ddf[cols], ddf["target"], sample_weight=ddf["weight"])
    mem = RidgeCV(GRID, cv=HashFolds(5), rule="min").fit(X, y, sample_weight=w)
    assert got.alpha_ == mem.alpha_ and _rel(got.coef_, mem.coef_) < 1e-10


def test_worker_killed_mid_fit_gives_the_identical_result(client):
    rows = (200,) * 12
    undisturbed = RidgeCV(GRID, cv=10).fit(*_generated(rows))
    pids = client.run(os.getpid)
    victim = {"pid": None}

    def kill_one(done, total):
        if done == 2 and victim["pid"] is None:
            victim["pid"] = next(iter(pids.values()))
            os.kill(victim["pid"], signal.SIGKILL)

    with options(progress=kill_one):
        got = RidgeCV(GRID, cv=10).fit(*_generated(rows, delay=0.3))
    assert victim["pid"] is not None
    client.wait_for_workers(2, timeout=60)
    assert victim["pid"] not in client.run(os.getpid).values()  # the worker was replaced
    np.testing.assert_array_equal(got.coef_, undisturbed.coef_)
    np.testing.assert_array_equal(got.selection_.mean, undisturbed.selection_.mean)
    assert got.alpha_ == undisturbed.alpha_
    X, y = _in_memory(rows)
    mem = RidgeCV(GRID, cv=HashFolds(10)).fit(X, y)
    assert got.alpha_ == mem.alpha_ and _rel(got.coef_, mem.coef_) < 1e-10


def _labels(y):
    return np.where(y > 17.5, "up", "down")  # E y = 17.5; the noise keeps it unseparated


def test_logistic_on_cluster_survives_a_killed_worker_identically(client):
    """Newton passes on the workers; a worker killed during the third pass changes
    nothing: the lost blocks are recomputed and the merge tree is fixed."""
    rows = (200,) * 8
    Xd, yd = _generated(rows)
    X, y = _in_memory(rows)
    undisturbed = LogisticRidge(alpha=2.0, tol=1e-10).fit(Xd, yd.map_blocks(
        _labels, dtype="<U4", meta=np.empty(0, "<U4")))
    pids = client.run(os.getpid)
    state = {"pid": None, "calls": 0}

    def kill_one(done, total):
        state["calls"] += 1
        if state["calls"] == 2 * total + 2 and state["pid"] is None:  # pass 3, block 2
            state["pid"] = next(iter(pids.values()))
            os.kill(state["pid"], signal.SIGKILL)

    Xs, ys = _generated(rows, delay=0.05)
    with options(progress=kill_one):
        got = LogisticRidge(alpha=2.0, tol=1e-10).fit(Xs, ys.map_blocks(
            _labels, dtype="<U4", meta=np.empty(0, "<U4")))
    assert state["pid"] is not None
    client.wait_for_workers(2, timeout=60)
    np.testing.assert_array_equal(got.coef_, undisturbed.coef_)
    np.testing.assert_array_equal(got.intercept_, undisturbed.intercept_)
    mem = LogisticRidge(alpha=2.0, tol=1e-10).fit(X, _labels(y))
    assert _rel(got.coef_, mem.coef_) < 1e-10 and list(got.classes_) == ["down", "up"]


def _with_nan(i, rows, delay):  # row 7 of every block
    Z = _block(i, rows, delay)
    Z[7, 3] = np.nan
    return Z


def test_nan_found_and_named_during_the_pass(client):
    rows = (100,) * 16
    parts = [da.from_delayed(delayed(_with_nan, pure=True)(i, r, 1.5),
                             shape=(r, P + 1), dtype=float) for i, r in enumerate(rows)]
    Z = da.concatenate(parts)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"X has NaN in column x3 at row \d*7 \(block "
                                         r"\d+, rows \d+\.\.\d*99\)"):
        RidgeCV(GRID, cv=5).fit(Z[:, :P], Z[:, P])
    # every block is bad and takes 1.5 s: the whole pass takes >= 12 s on 2 workers, the
    # first block's error comes after about one block
    assert time.perf_counter() - start < 7.0


def test_unreachable_scheduler_is_refused_within_the_timeout(tmp_path):
    start = time.perf_counter()
    with pytest.raises(SchedulerUnreachableError, match="cannot reach the Dask scheduler at "
                                                        "tcp://127.0.0.1:9 within 1 s"):
        connect("tcp://127.0.0.1:9", timeout=1.0)
    assert time.perf_counter() - start < 10.0
    f = tmp_path / "d.csv"
    f.write_text("a,y\n1,2\n2,3\n3,5\n")
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler"):
        fit_files(str(f), "y", cv=2, scheduler="tcp://127.0.0.1:9", timeout=1.0)


def test_files_fitted_on_the_workers(client, tmp_path):
    rng = np.random.default_rng(9)
    X, y = make_data(rng, 2400, P)
    w = rng.uniform(0.1, 2.0, 2400)
    cols = [f"f{j}" for j in range(P)]
    df = pd.DataFrame(X, columns=cols).assign(y=y, w=w)
    cuts = [0, 500, 501, 1800, 2400]
    for i, (a, b) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
        df.iloc[a:b].to_parquet(tmp_path / f"part-{i}.parquet", index=False)
        df.iloc[a:b].to_csv(tmp_path / f"part-{i}.csv", index=False)
    mem = RidgeCV(GRID, cv=HashFolds(10, seed=2)).fit(X, y, sample_weight=w)
    seen = []
    for pattern in ("part-*.parquet", "part-*.csv"):
        fm, info = fold_moments_from_files(str(tmp_path / pattern), "y", weight="w",
                                           folds=HashFolds(10, seed=2), client=client,
                                           progress=lambda d, t: seen.append((d, t)))
        assert info.n_samples == 2400 and info.rows_per_file == [500, 1, 1299, 600]
        fit = RidgeCV(GRID).fit_moments(fm)
        assert fit.alpha_ == mem.alpha_ and _rel(fit.coef_, mem.coef_) < 1e-10
    assert seen[-1] == (2400, 2400)
