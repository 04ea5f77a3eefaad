"""Matrix products on scipy's BLAS, for code paths that run scipy's LAPACK.

numpy and scipy ship separate OpenBLAS builds, each with its own thread pool. After a
threaded call, a pool's threads keep spinning for a while (~0.1 s); a call into the
other pool during that time shares the cores with them and runs up to 30 % slower
(measured on 2 cores: ``sytrd`` 0.26 s alone, 0.33–0.36 s right after a numpy GEMM).
Paths built on scipy's LAPACK therefore do their large products here too.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import blas

__all__ = ["matmul", "gram_lower"]


def _fortran_view(A: np.ndarray) -> tuple[np.ndarray, int]:
    """(F-ordered operand, transpose flag) without copying C- or F-ordered A."""
    if A.flags.f_contiguous:
        return A, 0
    if A.flags.c_contiguous:
        return A.T, 1
    return np.asfortranarray(A), 0


def matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """:math:`AB` for 2-D float64 arrays through scipy's ``dgemm``; result F-ordered."""
    a, ta = _fortran_view(np.asarray(A, dtype=float))
    b, tb = _fortran_view(np.asarray(B, dtype=float))
    if A.shape[0] == 0 or B.shape[1] == 0 or A.shape[1] == 0:
        return np.zeros((A.shape[0], B.shape[1]), order="F")
    return blas.dgemm(1.0, a, b, trans_a=ta, trans_b=tb)


def gram_lower(A: np.ndarray) -> np.ndarray:
    """:math:`A^TA` through scipy's ``syrk``; only the lower triangle is set (F-ordered)."""
    a, ta = _fortran_view(np.asarray(A, dtype=float))
    # syrk computes a aᵀ (trans=0) or aᵀ a (trans=1) of its F-ordered operand
    return blas.dsyrk(1.0, a, trans=0 if ta else 1, lower=1)
