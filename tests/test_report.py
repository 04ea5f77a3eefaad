"""HTML report: self-contained, numbers against independent references, renders in a
real browser (headless Chromium; skipped with a reason when it is not installed)."""

from __future__ import annotations

import base64
import html as html_lib
import io
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from matplotlib.image import imread
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ridgekit import Ridge
from ridgekit.datasets import load_prostate
from ridgekit.io import load, save
from ridgekit.report import write_report
from ridgekit.select._selection import Selection


@pytest.fixture(scope="module")
def prostate():
    return load_prostate()


@pytest.fixture(scope="module")
def selection():
    alphas = np.geomspace(1e-2, 1e4, 40)
    mean = 0.5 + 0.02 * (np.log(alphas) - 1.0) ** 2
    return Selection.from_curve(alphas, "kfold", mean, se=np.full(40, 0.05),
                                df=np.linspace(9, 1, 40), rule="1se", warn_edge=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory, prostate, selection):
    path = tmp_path_factory.mktemp("report") / "report.html"
    model = Ridge(alpha=selection.alpha).fit(prostate.X, prostate.y)
    rules = {"gcv": 2.5, "kfold min": selection.alpha_min, "kfold 1se": selection.alpha_1se}
    write_report(path, model, prostate.X, prostate.y, prostate.feature_names, rules=rules,
                 selection=selection, target_name="lpsa", data_source="prostate.tsv")
    return path, model


def _images(text):
    return re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)


def _non_blank(png: bytes, min_colors=20):
    pixels = imread(io.BytesIO(png), format="png")[..., :3]
    colors = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    return pixels.std() > 0.02 and len(colors) >= min_colors


def test_self_contained(report):
    path, _ = report
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", text, flags=re.I)
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert "url(" not in text
    sources = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    images = _images(text)
    assert len(images) == 4  # CV curve, ridge trace, residuals, filter factors
    for data in images:
        png = base64.b64decode(data)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and _non_blank(png)


def _number_after(text, label):
    m = re.search(re.escape(label) + r'</th><td class="name">([-0-9.e+]+)', text)
    assert m, f"no value for {label!r}"
    return float(m.group(1))


def test_numbers_match_independent_references(report, prostate, selection):
    path, model = report
    text = html_lib.unescape(path.read_text(encoding="utf-8"))
    X, y = prostate.X, prostate.y
    n, p = X.shape
    Xc = X - X.mean(axis=0)
    ols = np.linalg.lstsq(np.column_stack([np.ones(n), X]), y, rcond=None)[0][1:]
    alpha = selection.alpha
    hat = Xc @ np.linalg.solve(Xc.T @ Xc + alpha * np.eye(p), Xc.T)
    df = np.trace(hat)  # the intercept not counted, as the command prints it
    assert _number_after(text, "effective degrees of freedom (intercept not counted)") == \
        pytest.approx(df, rel=1e-5)
    gram = Xc.T @ Xc
    assert _number_after(text, "κ(XᵀX)") == pytest.approx(np.linalg.cond(gram), rel=1e-3)
    assert _number_after(text, "κ(X) (centered)") == pytest.approx(np.linalg.cond(Xc),
                                                                   rel=1e-3)
    rows = re.findall(r'<tr><td class="name">(\w+)</td><td>([-0-9.e+]+)</td>'
                      r'<td>([-0-9.e+]+)</td><td class="name"><div class="bar" '
                      r'title="β/β_LS = ([-0-9.e+]+)', text)
    assert {r[0] for r in rows} == set(prostate.feature_names)
    for name, beta, beta_ls, ratio in rows:  # 4 significant digits shown, ratio 3
        j = prostate.feature_names.index(name)
        assert float(beta) == pytest.approx(model.coef_[j], rel=6e-4)
        assert float(beta_ls) == pytest.approx(ols[j], rel=6e-4)
        assert float(ratio) == pytest.approx(model.coef_[j] / ols[j], rel=6e-3)
    # every rule is listed with its own df
    for rule, a in {"gcv": 2.5, "kfold min": selection.alpha_min}.items():
        h = Xc @ np.linalg.solve(gram + a * np.eye(p), Xc.T)
        m = re.search(rf'<td class="name">{rule}</td><td>[-0-9.e+]+</td><td>([0-9.]+)</td>',
                      text)
        assert m and float(m.group(1)) == pytest.approx(np.trace(h), abs=6e-4)
    assert "lpsa (target)" in text and "prostate.tsv" in text


def test_names_are_escaped(tmp_path, rng):
    X = rng.normal(size=(30, 2))
    y = X @ [1.0, -1.0] + rng.normal(size=30)
    names = ["<b>bold</b>", 'q"uote & amp']
    path = write_report(tmp_path / "r.html", Ridge(alpha=1.0).fit(X, y), X, y, names)
    text = path.read_text(encoding="utf-8")
    assert "<b>bold</b>" not in text and "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "q&quot;uote &amp; amp" in text


def test_loaded_model_pipeline_and_selection_only(tmp_path, prostate, selection):
    X, y = prostate.X, prostate.y
    pipe = make_pipeline(StandardScaler(), Ridge(alpha=3.0)).fit(X, y)
    model_file = save(pipe, tmp_path / "m.npz", feature_names=prostate.feature_names,
                      selection=selection)
    loaded = load(model_file)
    out = write_report(tmp_path / "loaded.html", loaded, X, y)
    text = out.read_text(encoding="utf-8")
    assert "standardized" in text and "lcavol" in text and len(_images(text)) == 4
    assert "model file" in text
    out = write_report(tmp_path / "sel.html", selection, X, y, prostate.feature_names)
    assert len(_images(out.read_text(encoding="utf-8"))) == 4
    out = write_report(tmp_path / "plain.html", Ridge(alpha=1.0).fit(X, y), X, y)
    assert len(_images(out.read_text(encoding="utf-8"))) == 3  # no criterion curve


def test_l_curve_selection_is_drawn_as_l_curve(tmp_path, prostate):
    alphas = np.geomspace(1e-2, 1e4, 30)
    sel = Selection(alphas, "lcurve", None, None, None, "corner", alphas[12],
                    extra={"rss": np.linspace(10, 50, 30), "norm": np.linspace(3, 0.1, 30)})
    out = write_report(tmp_path / "l.html", sel, prostate.X, prostate.y)
    assert len(_images(out.read_text(encoding="utf-8"))) == 4


def test_bad_input_writes_nothing(tmp_path, prostate):
    X, y = prostate.X, prostate.y
    model = Ridge().fit(X, y)
    target = tmp_path / "r.html"
    with pytest.raises(ValueError, match="one target"):
        write_report(target, model, X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="X has 97 rows but y has 96"):
        write_report(target, model, X, y[:-1])
    with pytest.raises(ValueError, match="3 feature names for 8 features"):
        write_report(target, model, X, y, ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"rules\['gcv'\] must be finite and >= 0"):
        write_report(target, model, X, y, rules={"gcv": -1.0})
    with pytest.raises(TypeError, match="fitted linear model or a Selection"):
        write_report(target, object(), X, y)
    assert os.listdir(tmp_path) == []


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


@pytest.mark.browser
def test_renders_in_headless_chromium(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("headless Chromium is not installed (apt-get install -y chromium); "
                    "skipping the browser rendering check of the HTML report")
    path, _ = report
    shot = tmp_path / "shot.png"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           f"--screenshot={shot}", "--window-size=1200,2000", path.resolve().as_uri()]
    result = subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert shot.exists(), f"no screenshot; chromium said: {result.stderr[-2000:]!r}"
    pixels = imread(shot)[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    assert _non_blank(shot.read_bytes(), min_colors=50)
    nonwhite = np.mean(np.any(pixels < 0.9, axis=-1))
    assert 0.02 < nonwhite < 0.9, f"{nonwhite:.1%} of the page is non-white"


# ------------------------------------------------------- elastic net, classifiers
def _h2(text: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", text)


def test_enet_estimator_report_lists_exactly_the_nonzero_features(tmp_path, prostate):
    from ridgekit.linear_model import ElasticNetCV

    X, y, names = prostate.X, prostate.y, list(prostate.feature_names)
    model = ElasticNetCV(l1_ratio=1.0, cv=5, rule="1se").fit(X, y)
    path = write_report(tmp_path / "e.html", model, X, y, names)
    text = path.read_text()
    assert "Selected features" in _h2(text) and "Coefficients" not in _h2(text)
    body = text.split("<h2>Selected features</h2>")[1].split("</table>")[0]
    listed = re.findall(r'<td class="name">([^<]+)</td>', body)
    assert sorted(listed) == sorted(names[j] for j in np.flatnonzero(model.coef_))
    # the training R² in the report is the one of the model's own predictions
    r2 = 1 - np.sum((y - model.predict(X)) ** 2) / np.sum((y - y.mean()) ** 2)
    shown = float(re.search(r"R² \(training\)</th><td class=\"name\">([-\d.e]+)", text)[1])
    assert shown == pytest.approx(r2, rel=1e-3)


def test_classifier_estimator_report(tmp_path, rng):
    from sklearn.metrics import accuracy_score

    from ridgekit.linear_model import LogisticRidgeCV

    X = rng.normal(size=(150, 4))
    y = np.where(X @ [1.0, -1.0, 0.5, 0] + rng.logistic(size=150) > 0, "pos", "neg")
    model = LogisticRidgeCV(alphas=10, cv=3).fit(X, y)
    text = write_report(tmp_path / "c.html", model, X, y, list("abcd")).read_text()
    for title in ("Fit", "Confusion matrix", "Coefficients", "Figures"):
        assert title in _h2(text)
    assert text.count("data:image/png;base64") == 4
    acc = float(re.search(r"accuracy \(training\)</th><td class=\"name\">([\d.]+)", text)[1])
    assert acc == pytest.approx(accuracy_score(y, model.predict(X)), abs=5e-4)


def test_demo_report_has_the_grouping_effect(tmp_path):
    from ridgekit.demo import grouping_design

    g = grouping_design()
    lasso = np.asarray(g.paths["lasso"].coefs)
    enet = np.asarray(g.paths["elastic net (l1_ratio 0.5)"].coefs)
    # along the path the lasso leaves a member of the correlated group at zero where the
    # elastic net already holds the whole group (Zou & Hastie's grouping effect)
    some = (lasso[:, g.group] != 0).any(axis=1)
    assert np.any(some & (lasso[:, g.group] == 0).any(axis=1))
    assert np.any(some & (enet[:, g.group] != 0).all(axis=1))
