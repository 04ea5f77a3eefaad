"""Model files: bit-identical round trips, no pickle, atomic writes, and a clear
ModelFileError for every kind of damaged or foreign file."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pandas as pd
import pytest
import sklearn.linear_model as sk
from helpers import make_regression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ridgekit import Ridge
from ridgekit.io import LoadedModel, ModelFileError, load, save
from ridgekit.io import model_files as mf
from ridgekit.select._selection import Selection


@pytest.fixture
def data(rng):
    X, Y = make_regression(rng, 80, 5)
    return X, Y[:, 0]


@pytest.fixture
def selection(rng):
    alphas = np.geomspace(1e-3, 1e3, 25)
    mean = (np.log(alphas) - 0.5) ** 2 + 3.0
    return Selection.from_curve(alphas, "kfold", mean, se=np.full(25, 0.4),
                                df=np.linspace(6, 1, 25), rule="1se", warn_edge=False,
                                extra={"sigma2": 0.25, "fold_sizes": np.array([16, 16, 16])})


def _fresh(rng, p=5):
    return rng.normal(size=(33, p)) * 4.0


def test_ridge_round_trip_bit_identical(tmp_path, rng, data, selection):
    X, y = data
    model = Ridge(alpha=selection.alpha).fit(X, y)
    path = save(model, tmp_path / "m.npz", feature_names=list("abcde"), selection=selection,
                target="y", source="train.csv")
    loaded = load(path)
    assert isinstance(loaded, LoadedModel)
    Xn = _fresh(rng)
    np.testing.assert_array_equal(loaded.predict(Xn), model.predict(Xn))
    np.testing.assert_array_equal(loaded.coef_, model.coef_)
    assert loaded.intercept_ == model.intercept_ and np.ndim(loaded.intercept_) == 0
    assert loaded.alpha_ == selection.alpha
    meta = loaded.metadata
    assert meta["format"] == "ridgekit-model" and meta["schema_version"] == 2
    assert meta["estimator"]["class"] == "Ridge"
    assert meta["estimator"]["params"]["alpha"] == selection.alpha
    assert meta["feature_names"] == list("abcde") and loaded.feature_names == list("abcde")
    assert meta["alpha_choice"] == {"criterion": "kfold", "rule": "1se"}
    assert meta["user"] == {"target": "y", "source": "train.csv"}
    assert len(meta["checksum"]["arrays"]) == 64 and len(meta["checksum"]["metadata"]) == 64


def test_selection_is_rebuilt(tmp_path, data, selection):
    X, y = data
    save(Ridge(alpha=selection.alpha).fit(X, y), tmp_path / "m.npz", selection=selection)
    back = load(tmp_path / "m.npz").selection
    assert isinstance(back, Selection)
    for name in ("alphas", "mean", "se", "df"):
        np.testing.assert_array_equal(getattr(back, name), getattr(selection, name))
    assert back.criterion == "kfold" and back.rule == "1se"
    assert back.alpha == selection.alpha
    assert back.index_min == selection.index_min and back.index_1se == selection.index_1se
    assert back.alpha_min == selection.alpha_min and back.alpha_1se == selection.alpha_1se
    assert back.extra["sigma2"] == 0.25
    np.testing.assert_array_equal(back.extra["fold_sizes"], [16, 16, 16])


def test_refined_minimum_survives_the_file(tmp_path, rng):
    # RidgeCV refines λ_min between grid points; the loaded selection must report that
    # continuous minimizer, not the grid point next to it
    from ridgekit import RidgeCV

    X = rng.normal(size=(200, 8))
    y = X @ rng.normal(size=8) + rng.normal(size=200)
    model = RidgeCV(cv=5).fit(X, y)
    assert model.selection_.refined
    grid_min = model.selection_.alphas[model.selection_.index_min]
    assert model.selection_.alpha_min != grid_min
    back = load(save(model, tmp_path / "r.npz")).selection
    assert back.refined
    assert back.alpha_min == model.selection_.alpha_min == model.alpha_


def test_cv_estimator_selection_saved_automatically(tmp_path, data, selection):
    X, y = data

    class FakeRidgeCV(Ridge):  # what ridgekit.RidgeCV will look like
        pass

    model = FakeRidgeCV(alpha=selection.alpha).fit(X, y)
    model.alpha_ = selection.alpha
    model.selection_ = selection
    loaded = load(save(model, tmp_path / "cv.npz"))
    assert loaded.metadata["estimator"]["class"] == "FakeRidgeCV"
    assert loaded.selection.criterion == "kfold"
    assert loaded.alpha_ == selection.alpha


def test_multi_target_and_per_target_alpha(tmp_path, rng):
    X, Y = make_regression(rng, 60, 4, t=3)
    model = Ridge(alpha=[0.1, 1.0, 10.0]).fit(X, Y)
    loaded = load(save(model, tmp_path / "m.npz"))
    Xn = _fresh(rng, 4)
    np.testing.assert_array_equal(loaded.predict(Xn), model.predict(Xn))
    assert loaded.alpha_ == [0.1, 1.0, 10.0] and loaded.metadata["n_targets"] == 3


@pytest.mark.parametrize("estimator", [sk.Ridge(alpha=2.5), sk.LinearRegression(),
                                       sk.RidgeCV(alphas=[0.1, 1.0, 10.0]),
                                       sk.ElasticNet(alpha=0.01)])
def test_sklearn_linear_models(tmp_path, rng, data, estimator):
    X, y = data
    model = estimator.fit(X, y)
    loaded = load(save(model, tmp_path / "m.npz"))
    Xn = _fresh(rng)
    np.testing.assert_array_equal(loaded.predict(Xn), model.predict(Xn))
    assert loaded.metadata["estimator"]["class"] == type(estimator).__name__
    if hasattr(model, "alpha_"):
        assert loaded.alpha_ == model.alpha_


def test_standardizing_pipeline(tmp_path, rng, data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), Ridge(alpha=3.0)).fit(X, y)
    loaded = load(save(pipe, tmp_path / "p.npz"))
    Xn = _fresh(rng)
    np.testing.assert_array_equal(loaded.predict(Xn), pipe.predict(Xn))
    assert loaded.metadata["estimator"]["pipeline"] == ["StandardScaler", "Ridge"]
    assert loaded.metadata["preprocessing"]["arrays"] == ["x_mean", "x_scale"]
    np.testing.assert_array_equal(loaded.x_mean, pipe[0].mean_)
    no_mean = make_pipeline(StandardScaler(with_mean=False), sk.Ridge()).fit(X, y)
    back = load(save(no_mean, tmp_path / "q.npz"))
    assert back.x_mean is None
    np.testing.assert_array_equal(back.predict(Xn), no_mean.predict(Xn))
    with pytest.raises(ModelFileError, match="only a single StandardScaler"):
        from sklearn.preprocessing import PolynomialFeatures

        save(make_pipeline(PolynomialFeatures(), sk.Ridge()).fit(X, y), tmp_path / "r.npz")


def test_explicit_standardization(tmp_path, rng, data):
    X, y = data
    mean, scale = X.mean(axis=0), X.std(axis=0)
    model = Ridge(alpha=1.0).fit((X - mean) / scale, y)
    loaded = load(save(model, tmp_path / "m.npz", x_mean=mean, x_scale=scale))
    Xn = _fresh(rng)
    np.testing.assert_array_equal(loaded.predict(Xn), model.predict((Xn - mean) / scale))
    with pytest.raises(ModelFileError, match="x_scale must be positive"):
        save(model, tmp_path / "bad.npz", x_mean=mean, x_scale=-scale)
    with pytest.raises(ModelFileError, match=r"x_mean has shape \(3,\)"):
        save(model, tmp_path / "bad.npz", x_mean=mean[:3])


def test_dataframe_feature_names(tmp_path, data):
    X, y = data
    frame = pd.DataFrame(X, columns=list("pqrst"))
    model = Ridge(alpha=1.0).fit(frame, y)
    loaded = load(save(model, tmp_path / "m.npz"))
    assert list(loaded.feature_names_in_) == list("pqrst")
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))
    with pytest.raises(ValueError, match="differ from the model's feature names"):
        loaded.predict(frame[list("qprst")])


def test_resave_loaded_model(tmp_path, rng, data, selection):
    X, y = data
    model = Ridge(alpha=2.0).fit(X, y)
    first = load(save(model, tmp_path / "a.npz", feature_names=list("abcde"),
                      selection=selection))
    second = load(save(first, tmp_path / "b.npz"))
    Xn = _fresh(rng)
    np.testing.assert_array_equal(second.predict(Xn), model.predict(Xn))
    assert second.feature_names == list("abcde") and second.selection.criterion == "kfold"


def test_file_is_plain_arrays_without_pickle(tmp_path, data, selection):
    X, y = data
    path = save(Ridge().fit(X, y), tmp_path / "m.npz", selection=selection)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert all(name.endswith(".npy") for name in names)
    with np.load(path, allow_pickle=False) as archive:
        for key in archive.files:
            assert archive[key].dtype.kind in "fiu"
    assert "__metadata__.npy" in names and "coef.npy" in names


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path, data):
    X, y = data
    target = tmp_path / "m.npz"
    save(Ridge(alpha=1.0).fit(X, y), target)
    save(Ridge(alpha=5.0).fit(X, y), target)
    assert load(target).alpha_ == 5.0
    with pytest.raises(ModelFileError, match="not JSON-serializable"):
        save(Ridge(alpha=9.0).fit(X, y), target, note=object())
    assert load(target).alpha_ == 5.0
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()  # as a plain open() would


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_save_refuses_bad_models(tmp_path, data):
    X, y = data
    with pytest.raises(ModelFileError, match="no coef_"):
        save(Ridge(), tmp_path / "m.npz")
    model = Ridge().fit(X, y)
    with pytest.raises(ModelFileError, match="feature_names has 2 names"):
        save(model, tmp_path / "m.npz", feature_names=["a", "b"])
    model.coef_ = model.coef_.copy()
    model.coef_[0] = np.nan
    with pytest.raises(ModelFileError, match="non-finite"):
        save(model, tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


# ------------------------------------------------------------------ damaged files
def _rewrite(src, dst, edit_arrays=None, edit_meta=None, rehash=True):
    """Rebuild a model file after editing its arrays/metadata (optionally re-hashing)."""
    with np.load(src, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    meta = json.loads(arrays.pop("__metadata__").tobytes())
    if edit_arrays:
        edit_arrays(arrays)
    if edit_meta:
        edit_meta(meta)
    if rehash:
        meta["arrays"] = {k: {"dtype": v.dtype.str, "shape": list(v.shape)}
                          for k, v in arrays.items()}
        meta["checksum"]["arrays"] = mf._digest_arrays(arrays)
        meta["checksum"]["metadata"] = mf._digest_metadata(meta)
    blob = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(dst, **arrays, __metadata__=blob)
    return dst


@pytest.fixture
def saved(tmp_path, data, selection):
    X, y = data
    return save(Ridge(alpha=1.5).fit(X, y), tmp_path / "good.npz", selection=selection)


def _refused(path, match):
    with pytest.raises(ModelFileError, match=match) as info:
        load(path)
    assert "\n" not in str(info.value) and isinstance(info.value, ValueError)


def test_missing_foreign_and_truncated_files(tmp_path, saved):
    _refused(tmp_path / "absent.npz", "no such model file")
    _refused(tmp_path, "is a directory")
    (tmp_path / "text.npz").write_text("hello, not a model")
    _refused(tmp_path / "text.npz", "not a ridgekit model file")
    raw = saved.read_bytes()
    for cut in (10, len(raw) // 2, len(raw) - 30):
        (tmp_path / "cut.npz").write_bytes(raw[:cut])
        _refused(tmp_path / "cut.npz", "truncated or corrupted")
    np.save(tmp_path / "single.npy", np.zeros(3))
    _refused(tmp_path / "single.npy", "not an .npz archive")
    np.savez(tmp_path / "plain.npz", coef=np.zeros(3))
    _refused(tmp_path / "plain.npz", "no __metadata__")
    np.savez(tmp_path / "obj.npz", __metadata__=np.array([{"a": 1}], dtype=object))
    _refused(tmp_path / "obj.npz", "not a valid ridgekit model file")
    for name in ("text.npz", "obj.npz"):  # a model reader never suggests an unsafe load
        with pytest.raises(ModelFileError) as info:
            load(tmp_path / name)
        assert "allow_pickle" not in str(info.value)


def test_flipped_byte_is_detected(tmp_path, saved):
    raw = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("coef.npy")
    # a byte inside the stored coef data (zip local header 30 bytes + name, npy header 128)
    offset = info.header_offset + 30 + len(info.filename) + 128 + 3
    raw[offset] ^= 0x40
    (tmp_path / "flip.npz").write_bytes(bytes(raw))
    _refused(tmp_path / "flip.npz", "corrupted")


def test_unknown_schema_version(tmp_path, saved):
    path = _rewrite(saved, tmp_path / "v99.npz",
                    edit_meta=lambda m: m.update(schema_version=99))
    _refused(path, "schema version 99, which this ridgekit cannot read")
    path = _rewrite(saved, tmp_path / "fmt.npz", edit_meta=lambda m: m.update(format="other"))
    _refused(path, "not a ridgekit model file")


def test_tampered_metadata_and_arrays(tmp_path, saved):
    path = _rewrite(saved, tmp_path / "meta.npz", rehash=False,
                    edit_meta=lambda m: m.update(alpha=0.001))
    _refused(path, r"metadata was modified or corrupted \(checksum mismatch\)")

    def bump(arrays):
        arrays["coef"] = arrays["coef"] * 1.0001

    path = _rewrite(saved, tmp_path / "arr.npz", rehash=False, edit_arrays=bump)
    _refused(path, r"arrays were modified or corrupted \(checksum mismatch\)")
    path = _rewrite(saved, tmp_path / "nosum.npz", rehash=False,
                    edit_meta=lambda m: m.pop("checksum"))
    _refused(path, "no SHA-256 checksum")


def test_missing_unexpected_and_misshapen_arrays(tmp_path, saved):
    path = _rewrite(saved, tmp_path / "miss.npz", rehash=False,
                    edit_arrays=lambda a: a.pop("intercept"))
    _refused(path, "missing array")
    path = _rewrite(saved, tmp_path / "extra.npz", rehash=False,
                    edit_arrays=lambda a: a.update(evil=np.zeros(2)))
    _refused(path, "unexpected array")

    def shrink(arrays):
        arrays["coef"] = arrays["coef"][:3]

    path = _rewrite(saved, tmp_path / "shape.npz", rehash=False, edit_arrays=shrink)
    _refused(path, "but the metadata records")
    # even with consistent checksums, a coef that disagrees with n_features is refused
    path = _rewrite(saved, tmp_path / "shape2.npz", edit_arrays=shrink)
    _refused(path, "coef has 3 features but the metadata says 5")

    def bad_index(arrays):
        arrays["selection.index_min"] = np.array(99)

    path = _rewrite(saved, tmp_path / "idx.npz", edit_arrays=bad_index)
    _refused(path, "not a valid index")

    def drop_sel(arrays):
        arrays.pop("selection.mean")

    path = _rewrite(saved, tmp_path / "sel.npz", edit_arrays=drop_sel)
    _refused(path, "selection arrays")


# ------------------------------------------------------------ enet and classifiers
def test_enet_model_round_trip_with_path(tmp_path, rng, data):
    from ridgekit.linear_model import ElasticNetCV

    X, y = data
    model = ElasticNetCV(l1_ratio=[0.3, 0.9], alphas=20, cv=4).fit(X, y)
    loaded = load(save(model, tmp_path / "e.npz"))
    Xn = _fresh(rng)
    np.testing.assert_array_equal(loaded.predict(Xn), model.predict(Xn))
    assert loaded.l1_ratio_ == model.l1_ratio_ and loaded.family == "regression"
    np.testing.assert_array_equal(loaded.path.coefs, model.path_.coefs)
    np.testing.assert_array_equal(loaded.path.alphas, model.path_.alphas)
    assert loaded.path.l1_ratio == model.l1_ratio_
    np.testing.assert_array_equal(loaded.selection.mean, model.selection_.mean)
    with pytest.raises(AttributeError, match="classifier"):
        loaded.predict_proba(Xn)


@pytest.mark.parametrize("labels", [["no", "yes"], ["a", "b", "c"], [3, 7]])
def test_classifier_round_trip(tmp_path, rng, labels):
    from ridgekit.linear_model import LogisticRidgeCV

    X = rng.normal(size=(90, 4))
    y = np.asarray(labels)[np.argmax(X[:, :len(labels)] + rng.gumbel(size=(90, len(labels))),
                                     axis=1)]
    model = LogisticRidgeCV(alphas=8, cv=3).fit(X, y)
    loaded = load(save(model, tmp_path / "c.npz", feature_names=list("abcd")))
    Xn = _fresh(rng, 4)
    assert loaded.family == "classifier" and list(loaded.classes_) == list(model.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(Xn), model.predict_proba(Xn))
    np.testing.assert_array_equal(loaded.predict(Xn), model.predict(Xn))
    np.testing.assert_array_equal(loaded.path.coefs, model.path_.coefs)
    # re-saving a loaded classifier keeps it a classifier
    again = load(save(loaded, tmp_path / "c2.npz"))
    np.testing.assert_array_equal(again.predict_proba(Xn), model.predict_proba(Xn))


def test_classifier_file_checked(tmp_path, rng):
    from ridgekit.linear_model import LogisticRidgeCV

    X = rng.normal(size=(60, 3))
    y = np.where(X[:, 0] + rng.normal(size=60) > 0, "x", "y")
    saved = save(LogisticRidgeCV(alphas=5, cv=3).fit(X, y), tmp_path / "c.npz")
    path = _rewrite(saved, tmp_path / "cls.npz",
                    edit_meta=lambda m: m.update(classes=["x", "y", "z"]))
    _refused(path, "3 classes needs coef of shape")
    path = _rewrite(saved, tmp_path / "one.npz", edit_meta=lambda m: m.update(classes=["x"]))
    _refused(path, "at least 2 distinct labels")
    path = _rewrite(saved, tmp_path / "fam.npz", edit_meta=lambda m: m.update(family="tree"))
    _refused(path, "unknown model family")

    def drop_path(arrays):
        arrays.pop("path.df")

    path = _rewrite(saved, tmp_path / "path.npz", edit_arrays=drop_path)
    _refused(path, "path arrays")
