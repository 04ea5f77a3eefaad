"""Difference operators: the usual smoothing Γ, sparse, null space the low-degree
polynomials."""

from __future__ import annotations

from math import comb

import numpy as np
from scipy import sparse

__all__ = ["difference_operator", "first_difference", "second_difference"]


def difference_operator(n_features: int, order: int = 1) -> sparse.csr_array:
    """Forward difference operator of the given order, shape (p - order, p), sparse.

    Row i holds :math:`(-1)^{order-m}\\binom{order}{m}` at column i + m, so
    :math:`(\\Gamma\\beta)_i = \\Delta^{order}\\beta_i`; the null space is the polynomials of
    degree < order (constants for order 1, straight lines for order 2).
    """
    if not isinstance(order, (int, np.integer)) or order < 0:
        raise ValueError(f"order must be a non-negative integer, got {order!r}")
    if not isinstance(n_features, (int, np.integer)) or n_features <= order:
        raise ValueError(
            f"n_features must be an integer > order={order}, got {n_features!r}"
        )
    k = n_features - order
    coefs = [(-1) ** (order - m) * comb(order, m) for m in range(order + 1)]
    diags = [np.full(k, float(c)) for c in coefs]
    return sparse.csr_array(sparse.diags(diags, list(range(order + 1)), shape=(k, n_features)))


def first_difference(n_features: int) -> sparse.csr_array:
    """:math:`(\\Gamma\\beta)_i = \\beta_{i+1} - \\beta_i`, shape (p - 1, p)."""
    return difference_operator(n_features, 1)


def second_difference(n_features: int) -> sparse.csr_array:
    """:math:`(\\Gamma\\beta)_i = \\beta_i - 2\\beta_{i+1} + \\beta_{i+2}`, shape (p - 2, p)."""
    return difference_operator(n_features, 2)
