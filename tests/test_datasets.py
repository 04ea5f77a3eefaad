"""Bundled data against their sources' published values; generators against their
population moments."""

import numpy as np
import pytest

from ridgekit.datasets import load_filip, load_longley, load_prostate, make_correlated_regression


def test_prostate_shape_and_split():
    d = load_prostate()
    assert d.X.shape == (97, 8) and d.train.sum() == 67
    assert d.feature_names[0] == "lcavol" and d.target_name == "lpsa"
    np.testing.assert_allclose(d.X[31, 1], 3.804438)  # the corrected lweight of row 32


def test_nist_sets_carry_certified_values():
    longley, filip = load_longley(), load_filip()
    assert longley.X.shape == (16, 6) and longley.certified_coef.size == 7
    assert filip.X.shape == (82, 10) and filip.certified_coef.size == 11
    np.testing.assert_allclose(filip.X[:, 1], filip.X[:, 0] ** 2)


@pytest.mark.parametrize("structure", ["ar1", "equi"])
def test_correlated_design_has_its_population_covariance(structure):
    sim = make_correlated_regression(200_000, 5, correlation=0.8, structure=structure,
                                     noise=0.5, intercept=2.0, random_state=0)
    emp = np.cov(sim.X, rowvar=False)
    np.testing.assert_allclose(emp, sim.cov, atol=0.02)
    resid = sim.y - sim.X @ sim.coef - 2.0
    assert abs(resid.std() - 0.5) < 0.01
    expected = 0.8 ** np.abs(np.subtract.outer(range(5), range(5))) if structure == "ar1" \
        else np.where(np.eye(5) == 1, 1.0, 0.8)
    np.testing.assert_allclose(sim.cov, expected)


def test_generator_reproducible_and_validates():
    a = make_correlated_regression(50, 4, random_state=3)
    b = make_correlated_regression(50, 4, random_state=3)
    np.testing.assert_array_equal(a.X, b.X)
    multi = make_correlated_regression(30, 4, n_targets=3, random_state=1)
    assert multi.y.shape == (30, 3) and multi.coef.shape == (3, 4)
    with pytest.raises(ValueError, match="correlation"):
        make_correlated_regression(10, 3, correlation=1.0)
    with pytest.raises(ValueError, match="structure"):
        make_correlated_regression(10, 3, structure="band")
    with pytest.raises(ValueError, match="noise"):
        make_correlated_regression(10, 3, noise=-1)
