"""``ridgekit fit --family binomial|multinomial --l1-ratio``: the elastic-net logistic fit
from the command equals the in-memory LogisticRidgeCV(l1_ratio=...) on the same stratified
folds, its coefficients meet the subgradient conditions checked directly with numpy, and
``ridgekit predict`` returns that estimator's probabilities; bad combinations exit 2 with
one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import one_line_exit_2, read_predictions
from helpers import run_cli as run
from scipy.special import expit
from sklearn.model_selection import StratifiedKFold

from ridgekit.io import load
from ridgekit.linear_model import LogisticRidgeCV

pytestmark = pytest.mark.filterwarnings("ignore::ridgekit.select.GridEdgeWarning")


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    folder = tmp_path_factory.mktemp("enet_cli")
    rng = np.random.default_rng(5)
    n, p = 240, 7
    X = rng.normal(size=(n, p))
    eta = X @ np.array([1.0, 0, 0.5, -1.0, 0, 0, 0]) - 0.3
    labels = np.where(rng.random(n) < expit(eta), "spam", "ham")
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)]).assign(label=labels)
    frame.to_csv(folder / "bin.csv", index=False)
    scores = np.c_[X[:, 0], X[:, 3], -X[:, 0] - X[:, 3]] + rng.gumbel(size=(n, 3))
    frame.assign(label=np.array(["a", "b", "c"])[np.argmax(scores, axis=1)]).to_csv(
        folder / "multi3.csv", index=False)
    return folder, X, labels


def test_fit_l1_ratio_equals_in_memory_and_meets_kkt(binary, tmp_path):
    folder, X, labels = binary
    model = tmp_path / "m.npz"
    res = run("fit", folder / "bin.csv", "-t", "label", "--family", "binomial", "--l1-ratio",
              "0.5", "--cv", "5", "--n-alphas", "15", "-o", model)
    assert res.returncode == 0, res.stderr
    assert "elastic net, l1_ratio = 0.5" in res.stdout and "coefficients nonzero" in res.stdout
    loaded = load(model)
    ref = LogisticRidgeCV(alphas=15, l1_ratio=0.5,
                          cv=StratifiedKFold(5, shuffle=True, random_state=0)).fit(X, labels)
    assert loaded.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(loaded.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(loaded.intercept_, ref.intercept_, rtol=1e-9, atol=1e-12)
    # the subgradient conditions of sum l + alpha (0.5 |b|_1 + 0.25 |b|^2), from scratch
    y = (labels == "spam").astype(float)
    coef, a = loaded.coef_[0], loaded.alpha_
    r = expit(X @ coef + loaded.intercept_[0]) - y
    q = X.T @ r + a * 0.5 * coef
    act = coef != 0
    assert 0 < act.sum() < coef.size  # some coefficients set to zero
    assert np.all(np.abs(q[act] + 0.5 * a * np.sign(coef[act])) <= 1e-7)
    assert np.all(np.abs(q[~act]) <= 0.5 * a + 1e-7) and abs(r.sum()) <= 1e-7
    out = tmp_path / "p.csv"
    assert run("predict", model, folder / "bin.csv", "-o", out).returncode == 0
    header, _, proba = read_predictions(out)
    assert header == ["predicted_class", "proba_ham", "proba_spam"]
    np.testing.assert_allclose(proba, ref.predict_proba(X), rtol=1e-9, atol=1e-12)


def test_fit_l1_ratio_list_chosen_jointly(binary):
    folder, X, labels = binary
    res = run("fit", folder / "bin.csv", "-t", "label", "--family", "binomial", "--l1-ratio",
              "0.3,1", "--cv", "4", "--n-alphas", "12", "--rule", "1se")
    assert res.returncode == 0, res.stderr
    ref = LogisticRidgeCV(alphas=12, l1_ratio=[0.3, 1.0], rule="1se",
                          cv=StratifiedKFold(4, shuffle=True, random_state=0)).fit(X, labels)
    assert f"l1_ratio = {ref.l1_ratio_:g}" in res.stdout
    assert "minimum per l1_ratio" in res.stdout
    assert f"alpha = {ref.alpha_:.6g}"[:12] in res.stdout


def test_multinomial_l1_ratio_equals_in_memory(binary, tmp_path):
    folder, X, _ = binary
    frame = pd.read_csv(folder / "multi3.csv")
    model = tmp_path / "m3.npz"
    res = run("fit", folder / "multi3.csv", "-t", "label", "--family", "multinomial",
              "--l1-ratio", "0.8", "--cv", "3", "--n-alphas", "8", "-o", model)
    assert res.returncode == 0, res.stderr
    loaded = load(model)
    ref = LogisticRidgeCV(alphas=8, l1_ratio=0.8,
                          cv=StratifiedKFold(3, shuffle=True, random_state=0)).fit(
        X, frame["label"].to_numpy())
    assert loaded.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    assert list(loaded.classes_) == ["a", "b", "c"]
    np.testing.assert_allclose(loaded.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    assert 0 < np.count_nonzero(loaded.coef_) < loaded.coef_.size


def test_bad_l1_ratio_combinations_exit_2(binary):
    folder, *_ = binary
    one_line_exit_2(run("fit", folder / "bin.csv", "-t", "label", "--family", "binomial",
                         "--l1-ratio", "0.5", "--cv", "alo"), "k-fold")
    one_line_exit_2(run("fit", folder / "bin.csv", "-t", "label", "--family", "binomial",
                         "--l1-ratio", "0,0.5"), "(0, 1]")
