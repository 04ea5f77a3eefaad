"""The tridiagonal reduction, scipy-BLAS products and the null-space complement against
dense numpy references."""

import numpy as np
import pytest
from scipy import linalg

from ridgekit._scipy_blas import gram_lower, matmul
from ridgekit._tridiagonal import tridiagonalize
from ridgekit.tikhonov._pencil import _Complement


def _symmetric(rng, m):
    A = rng.normal(size=(m, m))
    return A + A.T


@pytest.mark.parametrize("m", [0, 1, 2, 3, 17, 120])
@pytest.mark.parametrize("lower", [True, False])
def test_reduction_reproduces_the_matrix(rng, m, lower):
    A = _symmetric(rng, m)
    # only one triangle may be read: poison the other
    given = np.tril(A) + np.triu(np.full((m, m), np.nan), 1) if lower else \
        np.triu(A) + np.tril(np.full((m, m), np.nan), -1)
    tri = tridiagonalize(given, lower=lower)
    T = np.diag(tri.diagonal) + np.diag(tri.offdiagonal, 1) + np.diag(tri.offdiagonal, -1)
    Q = tri.apply_q(np.eye(m))
    np.testing.assert_allclose(Q.T @ Q, np.eye(m), atol=1e-13)
    np.testing.assert_allclose(Q @ T @ Q.T, A, atol=1e-12 * max(1, np.abs(A).max(initial=0)))
    np.testing.assert_allclose(tri.apply_qt(np.eye(m)), Q.T, atol=1e-14)
    np.testing.assert_allclose(tri.eigenvalues, np.linalg.eigvalsh(A), atol=1e-12 * max(m, 1))
    S = tri.eigenvectors
    np.testing.assert_allclose((S * tri.eigenvalues) @ S.T, T, atol=1e-12 * max(m, 1))


def test_shifted_solves_against_dense(rng):
    m = 60
    A = _symmetric(rng, m)
    tri = tridiagonalize(A)
    T = np.diag(tri.diagonal) + np.diag(tri.offdiagonal, 1) + np.diag(tri.offdiagonal, -1)
    c = rng.normal(size=(m, 3))
    lo, hi = np.linalg.eigvalsh(T)[[0, -1]]
    # positive definite (ptsv) and indefinite (pivoting gtsv) shifts
    for alpha, beta in ((1.0 - lo, 1.0), (0.5 * (lo + hi), -1.0), (3.0, 0.25)):
        M = alpha * np.eye(m) + beta * T
        np.testing.assert_allclose(tri.solve_shifted(alpha, beta, c), np.linalg.solve(M, c),
                                   rtol=1e-8, atol=1e-10)
    # and through Q: (αI + βA)⁻¹ b = Q (αI + βT)⁻¹ Qᵀ b
    b = rng.normal(size=(m, 2))
    x = tri.apply_q(tri.solve_shifted(2.0 - lo, 1.0, tri.apply_qt(b)))
    np.testing.assert_allclose(x, np.linalg.solve((2.0 - lo) * np.eye(m) + A, b), rtol=1e-9)
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        tridiagonalize(np.zeros((4, 4))).solve_shifted(0.0, 1.0, c[:4])
    one = tridiagonalize(np.array([[2.0]]))
    np.testing.assert_allclose(one.solve_shifted(1.0, 2.0, np.array([[5.0]])), [[1.0]])


def test_scipy_blas_products_match_numpy(rng):
    A = rng.normal(size=(30, 20))
    B = rng.normal(size=(20, 7))
    for a in (A, np.asfortranarray(A), A[:, ::1][::1], A.T.copy().T, A[::2]):
        for b in (B, np.asfortranarray(B), B[:, ::2]):
            if a.shape[1] != b.shape[0]:
                continue
            np.testing.assert_allclose(matmul(a, b), a @ b, rtol=1e-13, atol=1e-13)
    assert matmul(np.zeros((3, 0)), np.zeros((0, 4))).shape == (3, 4)
    for X in (A, np.asfortranarray(A)):
        np.testing.assert_allclose(np.tril(gram_lower(X)), np.tril(X.T @ X), rtol=1e-13,
                                   atol=1e-12)


@pytest.mark.parametrize("q", [0, 1, 3])
def test_complement_against_explicit_basis(rng, q):
    p = 12
    N = np.linalg.qr(rng.normal(size=(p, q)))[0] if q else np.zeros((p, 0))
    comp = _Complement.of(N)
    Q_full = linalg.qr(N if q else np.eye(p), mode="full")[0] if q else np.eye(p)
    C = Q_full[:, q:]
    np.testing.assert_allclose(N.T @ comp.extend(np.eye(p - q)), 0, atol=1e-14)
    np.testing.assert_allclose(comp.extend(np.eye(p - q)), C, atol=1e-13)
    S = _symmetric(rng, p)
    restricted = comp.restrict(np.tril(S) if q else S)  # only the lower triangle is read
    np.testing.assert_allclose(np.tril(restricted), np.tril(C.T @ S @ C), atol=1e-12)
    B = rng.normal(size=(p, 4))
    np.testing.assert_allclose(comp.restrict_rows(B), C.T @ B, atol=1e-13)
