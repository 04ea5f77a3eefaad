"""Fits over data files beside ridge: L2 logistic / softmax by Newton passes over the files
(in this process and on a LocalCluster started here) and the elastic net from one pass of
fold moments. References: ridgekit's in-memory LogisticRidgeCV / ElasticNetCV with the
same hashed folds on the concatenated rows, the optimality condition checked by hand,
scikit-learn's StandardScaler, file sizes and pyarrow's own row counts for the progress
totals."""

import warnings

import numpy as np
import pytest
from scale_reference import make_data, rel_error

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow", reason="pyarrow reads Parquet and CSV")

from ridgekit.io import DataError  # noqa: E402
from ridgekit.linear_model import ElasticNetCV, LogisticRidgeCV  # noqa: E402
from ridgekit.scale import HashFolds  # noqa: E402
from ridgekit.scale.files import fit_files  # noqa: E402

CUTS = (0, 1, 500, 1200, 1600)  # uneven files, one of a single row
N, P = 1600, 4
GRID = np.logspace(-1, 3, 7)


@pytest.fixture(scope="module")
def classes(tmp_path_factory):
    """A binary problem with text labels and weights, a 3-class one with numbers, as
    Parquet and CSV parts."""
    folder = tmp_path_factory.mktemp("glm_files")
    rng = np.random.default_rng(8)
    X = rng.normal(size=(N, P)) + np.linspace(-1, 1, P)
    eta = X @ rng.normal(size=P) - 0.3
    y2 = np.where(eta + rng.logistic(size=N) > 0, "spam", "ham")
    y3 = np.digitize(eta + rng.logistic(size=N), [-1.0, 1.0])
    w = rng.uniform(0.2, 3.0, N)
    cols = [f"x{j}" for j in range(P)]
    df = pd.DataFrame(X, columns=cols).assign(label=y2, kind=y3, w=w)
    for i, (a, b) in enumerate(zip(CUTS[:-1], CUTS[1:], strict=True)):
        df.iloc[a:b].to_parquet(folder / f"p{i}.parquet", index=False)
        df.iloc[a:b].to_csv(folder / f"c{i}.csv", index=False)
    return folder, X, y2, y3, w


def _gradient(X, y, w, model, alpha):
    """Gradient of sum_i w_i logloss_i + alpha/2 ||B||^2 in (intercept, B), by hand."""
    codes = np.searchsorted(model.classes_, y)
    eta = X @ model.coef_.T + model.intercept_
    if model.classes_.size == 2:
        Y = (codes == 1).astype(float)[:, None]
        prob = 1.0 / (1.0 + np.exp(-eta))
    else:
        Y = np.eye(model.classes_.size)[codes]
        E = np.exp(eta - eta.max(axis=1, keepdims=True))
        prob = E / E.sum(axis=1, keepdims=True)
    R = w[:, None] * (prob - Y)
    return np.r_[R.sum(axis=0)[None], X.T @ R + alpha * model.coef_.T]


@pytest.mark.parametrize("pattern", ["p*.parquet", "c*.csv"])
def test_binary_over_files_equals_in_memory_logistic_cv(classes, pattern):
    folder, X, y2, _, w = classes
    fit = fit_files(str(folder / pattern), "label", [f"x{j}" for j in range(P)], "w", cv=5,
                    seed=7, alphas=GRID, family="binomial", rule="1se", block_rows=170)
    mem = LogisticRidgeCV(GRID, cv=HashFolds(5, 7), rule="1se").fit(X, y2, sample_weight=w)
    got = fit.model
    assert list(got.classes_) == ["ham", "spam"]
    assert got.alpha_ == mem.alpha_
    assert rel_error(got.coef_, mem.coef_) < 1e-8
    assert rel_error(got.intercept_, mem.intercept_) < 1e-8
    assert rel_error(got.selection_.mean, mem.selection_.mean) < 1e-8
    assert rel_error(got.selection_.se, mem.selection_.se) < 1e-7
    g = _gradient(X, y2, w, got, got.alpha_)
    assert np.linalg.norm(g) < 1e-6  # the in-memory default tol, 1e-8, with room
    assert fit.info.n_samples == N and fit.info.rows_per_file == list(np.diff(CUTS))
    assert fit.passes == got.n_passes_ and fit.passes < 8 * GRID.size


def test_multinomial_over_files_standardized_equals_in_memory(classes):
    folder, X, _, y3, _ = classes
    fit = fit_files(str(folder / "p*.parquet"), "kind", [f"x{j}" for j in range(P)], cv=4,
                    alphas=GRID, family="multinomial", standardize=True, scoring="log_loss",
                    block_rows=400)
    mem = LogisticRidgeCV(GRID, cv=HashFolds(4), standardize=True, scoring="log_loss").fit(
        X, y3)
    assert fit.model.alpha_ == mem.alpha_ and list(fit.model.classes_) == [0, 1, 2]
    assert rel_error(fit.model.coef_, mem.coef_) < 1e-8
    assert rel_error(fit.model.selection_.mean, mem.selection_.mean) < 1e-8


def test_logistic_bad_input_over_files(classes, tmp_path):
    folder, *_ = classes
    feats = [f"x{j}" for j in range(P)]
    with pytest.raises(ValueError, match="binomial needs two classes; y holds 3"):
        fit_files(str(folder / "p*.parquet"), "kind", feats, family="binomial", cv=3)
    with pytest.raises(ValueError, match="k-fold only"):
        fit_files(str(folder / "p*.parquet"), "label", feats, family="binomial", cv="gcv")
    with pytest.raises(ValueError, match="l1_ratio goes with family='gaussian'"):
        fit_files(str(folder / "p*.parquet"), "label", feats, family="binomial", l1_ratio=0.5)
    frame = pd.read_csv(folder / "c2.csv")
    frame.loc[5, "label"] = None
    frame.to_csv(tmp_path / "gap.csv", index=False)
    with pytest.raises(DataError, match=r"label column 'label' of .*gap\.csv has a missing "
                                        r"or non-finite label at row 6"):
        fit_files(tmp_path / "gap.csv", "label", feats, family="binomial", cv=3)
    frame = pd.read_csv(folder / "c2.csv").assign(label=1.5)
    frame.loc[:10, "label"] = 0.0
    frame.to_csv(tmp_path / "cont.csv", index=False)
    with pytest.raises(ValueError, match="continuous"):
        fit_files(tmp_path / "cont.csv", "label", feats, family="binomial", cv=3)


# ------------------------------------------------------------------ elastic net
@pytest.fixture(scope="module")
def regression(tmp_path_factory):
    folder = tmp_path_factory.mktemp("enet_files")
    rng = np.random.default_rng(5)
    X, _ = make_data(rng, N, 6, offset=1.0)
    X[:, 2] *= 30.0  # scales far apart: standardizing matters
    y = X @ np.r_[1.5, 0.0, 0.02, 0.0, -1.0, 0.0] + 2.0 + 2.0 * rng.normal(size=N)
    w = rng.uniform(0.2, 3.0, N)
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(6)]).assign(y=y, w=w)
    for i, (a, b) in enumerate(zip(CUTS[:-1], CUTS[1:], strict=True)):
        df.iloc[a:b].to_parquet(folder / f"r{i}.parquet", index=False)
    return folder, X, y, w


@pytest.mark.parametrize("standardize", [False, True])
def test_enet_over_files_equals_in_memory_enet_cv(regression, standardize):
    from sklearn.preprocessing import StandardScaler

    folder, X, y, w = regression
    grid = np.logspace(0, -3, 15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # grid edge
        fit = fit_files(str(folder / "r*.parquet"), "y", weight="w", cv=5, seed=2, alphas=grid,
                        l1_ratio=[0.3, 0.9], standardize=standardize, block_rows=256)
        Xs = StandardScaler().fit(X).transform(X) if standardize else X  # population sd
        mem = ElasticNetCV(l1_ratio=[0.3, 0.9], alphas=grid, cv=HashFolds(5, 2)).fit(
            Xs, y, sample_weight=w)
    if standardize:  # the weighted mean and sd of the moments, not StandardScaler's
        Xs = (X - fit.x_mean) / fit.x_scale
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mem = ElasticNetCV(l1_ratio=[0.3, 0.9], alphas=grid, cv=HashFolds(5, 2)).fit(
                Xs, y, sample_weight=w)
        np.testing.assert_allclose(fit.x_mean, np.average(X, axis=0, weights=w), rtol=1e-12)
    got = fit.model
    assert got.alpha_ == mem.alpha_ and got.l1_ratio_ == mem.l1_ratio_
    assert rel_error(got.mse_path_, mem.mse_path_) < 1e-9
    assert rel_error(got.coef_, mem.coef_) < 1e-9
    assert list(got.feature_names_in_) == [f"f{j}" for j in range(6)]


# ------------------------------------------------------------------ progress totals
class _Recorder:
    def __init__(self):
        self.starts, self.calls = [], []

    def start(self, measure, total, what):
        self.starts.append((measure, total, what, len(self.calls)))

    def __call__(self, done, total):
        self.calls.append((done, total))


def test_progress_totals_come_from_metadata_and_file_sizes(classes):
    import pyarrow.parquet as pq

    folder, *_ = classes
    feats = [f"x{j}" for j in range(P)]
    parquet = sorted(folder.glob("p*.parquet"))
    rows = sum(len(pq.read_table(f)) for f in parquet)  # the data itself, read whole
    rec = _Recorder()
    fit_files(str(folder / "p*.parquet"), "label", feats, cv=3, alphas=GRID, block_rows=300,
              family="binomial", progress=rec)
    assert rec.starts[0][:3] == ("rows", rows, "pass 1") and rec.starts[0][3] == 0
    assert all(s[1] == rows for s in rec.starts)  # every pass has its total up front
    assert rec.calls[-1] == (rows, rows) and all(t == rows for _, t in rec.calls)
    # CSV in this process: bytes of the files on the first pass, then rows
    csv = sorted(folder.glob("c*.csv"))
    rec = _Recorder()
    fit_files(str(folder / "c*.csv"), "label", feats, cv=3, alphas=GRID, block_rows=300,
              family="binomial", progress=rec)
    size = sum(f.stat().st_size for f in csv)
    assert rec.starts[0][:3] == ("bytes", size, "pass 1")
    first = rec.calls[:rec.starts[1][3]]
    assert first[-1] == (size, size) and all(t == size for _, t in first)
    assert rec.starts[1][:2] == ("rows", N)
    # a plain callable (no start): rows, with the total where it is known
    seen = []
    fit_files(str(folder / "c*.csv"), "label", feats, cv=3, alphas=[1.0], block_rows=300,
              family="binomial", progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (1, None) and seen[-1] == (N, N)  # c0.csv holds one row


# ------------------------------------------------------------------ on a LocalCluster
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed", reason="distributed is not installed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a busy dashboard port
        c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=":0", memory_limit="1GiB")
    yield c
    c.close()


@pytest.mark.parametrize("pattern", ["p*.parquet", "c*.csv"])
def test_logistic_on_a_local_cluster_equals_in_memory(classes, cluster, pattern):
    folder, X, y2, y3, w = classes
    feats = [f"x{j}" for j in range(P)]
    rec = _Recorder()
    fit = fit_files(str(folder / pattern), "kind", feats, "w", cv=5, alphas=GRID,
                    family="multinomial", scheduler=cluster.scheduler_address, block_rows=300,
                    progress=rec)
    mem = LogisticRidgeCV(GRID, cv=HashFolds(5)).fit(X, y3, sample_weight=w)
    assert fit.model.alpha_ == mem.alpha_
    assert rel_error(fit.model.coef_, mem.coef_) < 1e-8
    assert rel_error(fit.model.selection_.mean, mem.selection_.mean) < 1e-8
    assert fit.dashboard_link is not None
    # rows known before the first pass: the CSV parts counted on the workers first
    passes = [s for s in rec.starts if s[2].startswith("pass")]
    assert passes[0][:3] == ("rows", N, "pass 1")
    assert (rec.starts[0][0] == "bytes") == (pattern == "c*.csv")  # the count, in bytes
    assert rec.calls[-1] == (N, N)


def test_enet_on_a_local_cluster_equals_in_memory(regression, cluster):
    folder, X, y, w = regression
    grid = np.logspace(0, -3, 15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # grid edge
        fit = fit_files(str(folder / "r*.parquet"), "y", weight="w", cv=5, alphas=grid,
                        l1_ratio=0.5, scheduler=cluster.scheduler_address)
        mem = ElasticNetCV(l1_ratio=0.5, alphas=grid, cv=HashFolds(5)).fit(X, y,
                                                                           sample_weight=w)
    assert fit.model.alpha_ == mem.alpha_
    assert rel_error(fit.model.coef_, mem.coef_) < 1e-9


def test_a_worker_killed_mid_fit_over_files_changes_nothing(classes, cluster):
    """A worker process killed during the third Newton pass: its files are read again
    and merged in the same place of the fixed tree, so the fit is bitwise the same."""
    import os
    import signal

    import distributed

    folder, X, y2, _, w = classes
    feats = [f"x{j}" for j in range(P)]
    kw = dict(cv=3, alphas=GRID[::3], family="binomial", scheduler=cluster.scheduler_address)
    undisturbed = fit_files(str(folder / "p*.parquet"), "label", feats, "w", **kw)
    with distributed.Client(cluster) as c:
        pids = c.run(os.getpid)
    state = {"pass": 0, "pid": None}

    class Killer(_Recorder):
        def start(self, measure, total, what):
            state["pass"] += what.startswith("pass")

        def __call__(self, done, total):
            if state["pass"] == 3 and state["pid"] is None:
                state["pid"] = next(iter(pids.values()))
                os.kill(state["pid"], signal.SIGKILL)

    got = fit_files(str(folder / "p*.parquet"), "label", feats, "w", progress=Killer(), **kw)
    assert state["pid"] is not None
    with distributed.Client(cluster) as c:
        c.wait_for_workers(2, timeout=60)
        assert state["pid"] not in c.run(os.getpid).values()  # the worker was replaced
    np.testing.assert_array_equal(got.model.coef_, undisturbed.model.coef_)
    np.testing.assert_array_equal(got.model.selection_.mean, undisturbed.model.selection_.mean)
    mem = LogisticRidgeCV(GRID[::3], cv=HashFolds(3)).fit(X, y2, sample_weight=w)
    assert got.model.alpha_ == mem.alpha_ and rel_error(got.model.coef_, mem.coef_) < 1e-8
