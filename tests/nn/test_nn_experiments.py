"""Tiny versions of the experiments: numbers, JSON and PNG output, the entry point."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")

from ridgekit.nn.experiments import (  # noqa: E402
    adam_vs_adamw_grid,
    early_stopping_vs_ridge,
    main,
    run,
    separability,
    sgd_l2_equivalence,
    weight_norms,
)


def _png_not_blank(path):
    import matplotlib.image as mpimg

    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    # more than one colour, and a fair share of non-white pixels
    flat = img[..., :3].reshape(-1, 3)
    assert np.unique(flat, axis=0).shape[0] > 20
    assert (flat.min(axis=1) < 0.9).mean() > 0.05


# ------------------------------------------------------------- separability
def test_separability_of_synthetic_surfaces():
    lrs = np.logspace(-4, -1, 7)
    decays = np.logspace(-5, 0, 11)
    x, z = np.meshgrid(np.log10(lrs), np.log10(decays), indexing="ij")
    diagonal = (z + x + 4) ** 2  # best log λ = -4 - log lr: slope -1
    separable = (z + 2.5) ** 2 + (x + 2) ** 2  # best log λ = -2.5 for every lr
    d = separability(lrs, decays, diagonal)
    s = separability(lrs, decays, separable)
    assert d["slope"] == pytest.approx(-1.0, abs=0.05)
    assert d["correlation"] == pytest.approx(-1.0, abs=1e-3)
    assert s["slope"] == pytest.approx(0.0, abs=1e-9)
    assert np.allclose(s["best_log10_decay"], -2.5)  # parabola refinement is exact here
    assert s["interaction"] < 1e-12 < d["interaction"]
    with pytest.raises(ValueError, match="shape"):
        separability(lrs, decays, diagonal[:, :3])


def test_tiny_grid_shapes_json_png(tmp_path):
    res = run("adam-grid", quick=True)
    assert len(res.lrs) == 2
    for opt in ("adam_l2", "adamw"):
        arr = np.asarray(res.test_error[opt])
        assert arr.shape == (2, 2, 1)
        assert np.all((arr >= 0) & (arr <= 1))
        assert set(res.separability["test_loss"][opt]) >= {"slope", "correlation", "interaction"}
    paths = res.save(tmp_path)
    data = json.loads(paths["json"].read_text())
    assert data["decays"]["adamw"] == [1e-3, 1e-2]
    assert np.asarray(data["test_loss"]["adam_l2"]).shape == (2, 2, 1)
    _png_not_blank(paths["png"])


def test_grid_is_reproducible_and_validates():
    kw = dict(
        lrs=(1e-2,),
        decays={"adam_l2": (1e-2,), "adamw": (1e-2,)},
        seeds=(3,),
        epochs=1,
        n_train=100,
        hidden=16,
    )
    a, b = adam_vs_adamw_grid(**kw), adam_vs_adamw_grid(**kw)
    assert a.test_loss == b.test_loss
    with pytest.raises(ValueError, match="keys"):
        adam_vs_adamw_grid(decays={"adam": (1.0,)})
    with pytest.raises(ValueError, match="positive"):
        adam_vs_adamw_grid(lrs=(-1.0,))


# ------------------------------------------------------------- other experiments
def test_sgd_equivalence_experiment(tmp_path):
    res = sgd_l2_equivalence(steps=100, momenta=(0.0, 0.9))
    assert max(res.max_diff_torch) < 1e-6
    assert res.max_diff_decoupled[0] < 1e-6  # plain SGD: decoupled == L2
    assert res.max_diff_decoupled[1] > 1e-4  # momentum: they differ
    _png_not_blank(res.save_png(tmp_path / "eq.png"))


def test_early_stopping_matches_spectral_filter_and_ridge():
    res = early_stopping_vs_ridge(max_iter=3000)
    assert res.max_filter_deviation < 1e-8  # GD iterates == 1 - (1 - η μ)^t filter
    # the best stopping time corresponds to about the best λ (λ ≈ 1/(η t)) ...
    ratio = res.lambda_equivalent_of_best_iteration / res.best_lambda
    assert 0.25 < ratio < 4.0
    # ... and the two regularizers reach similar test error, both beating the extremes
    assert res.best_gd_test_mse == pytest.approx(res.best_ridge_test_mse, rel=0.25)
    assert res.best_gd_test_mse < min(res.gd_test_mse[0], res.gd_test_mse[-1])


def test_weight_norms_experiment(tmp_path):
    res = weight_norms(epochs=4, n_train=300, weight_decay=5.0, lr=5e-3)
    assert set(res.norms) == {"adam", "adam_l2", "adamw"}
    assert all(len(v) == 5 for v in res.norms.values())
    assert res.norms["adamw"][-1] < res.norms["adam"][-1]
    assert res.norms["adam"][-1] > res.norms["adam"][0]  # no decay: norm grows
    d = res.to_dict()
    json.dumps(d)  # serializable
    assert d["timescale_epochs"] == pytest.approx(1 / (5e-3 * 5.0) / (300 / 50))


def test_main_writes_files(tmp_path, capsys):
    assert main(["sgd-l2", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "max_diff_torch" in out
    assert (tmp_path / "sgd_l2_equivalence.json").exists()
    _png_not_blank(tmp_path / "sgd_l2_equivalence.png")
    with pytest.raises(SystemExit) as exc:
        main(["no-such-experiment"])
    assert exc.value.code == 2
    with pytest.raises(ValueError, match="valid names"):
        run("nope")


def test_adamw_repr_says_what_it_does():
    """Issue 13 item 10: no `decoupled_weight_decay: False` beside the decoupled coupling;
    the repr states the decay rule (checked against the coupling's documented formula)."""
    torch = pytest.importorskip("torch")
    from ridgekit.nn import AdamW

    p = torch.nn.Parameter(torch.zeros(3))
    text = repr(AdamW([p], lr=1e-3, weight_decay=0.1))
    assert "decoupled_weight_decay" not in text
    assert "decoupled weight decay on top of torch.optim.Adam" in text
    assert "(lr_t/lr_0)·λ" in text and "λ = 0.1" in text
    lr_coupled = repr(AdamW([p], lr=1e-3, weight_decay=0.1, coupling="lr"))
    assert "lr·λ" in lr_coupled and "torch.optim.AdamW" in lr_coupled
    assert "none (weight_decay = 0)" in repr(AdamW([p], lr=1e-3, weight_decay=0.0))


def test_grid_conclusion_and_size_match_the_grid():
    pytest.importorskip("torch")
    from ridgekit.nn.experiments import adam_grid_size, grid_conclusion
    from ridgekit.nn.experiments.adam_grid import GridResult

    lrs, decays, seeds = [1e-3, 1e-2, 1e-1], {"adam_l2": [1e-3, 1e-2], "adamw": [1e-3]}, [0, 1]
    assert adam_grid_size(lrs, decays, seeds) == 3 * 2 * 2 + 3 * 1 * 2
    sep = {"test_loss": {"adam_l2": {"best_log10_decay": [-3.0, -2.0, -1.0], "slope": 1.0},
                         "adamw": {"best_log10_decay": [-2.0, -2.0, -2.0], "slope": 0.0}}}
    result = GridResult(lrs=lrs, decays=decays, seeds=seeds, test_error={}, test_loss={},
                        train_loss={}, separability=sep)
    text = grid_conclusion(result)
    assert "moves over 2.00 decades" in text and "moves over 0.00 decades" in text
    assert "more for Adam + L2 than for AdamW" in text and "digits" in text
