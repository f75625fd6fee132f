"""Row-wise products whose rounding does not depend on the rows beside them.

A batch holds one simulation per row. numpy's pairwise sums and BLAS's blocked matrix products
round a row differently depending on how many rows there are and how they lie in memory, so
the same run could end with a different last bit in a batch than alone. These helpers sum
over the columns in a fixed order (j = 0, 1, ..., d-1) for every row count and layout;
``tests/test_objectives.py`` checks them against plain loops.
"""

from __future__ import annotations

import numpy as np

_FEW_ROWS = 8  # up to this many rows, matmul_rows takes one cumsum over all the products


def rowdot(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Row sums of A * B, accumulated over the columns in order (j = 0, 1, ..., d-1).

    The order is the same for every row count and memory layout, so a run's value does not
    depend on which batch it is in. A column-major batch of two or more rows is summed by
    ``einsum`` one column at a time (in order, and fast); otherwise ``cumsum`` (in order by
    definition). ``tests/test_objectives.py`` checks both against a plain loop.
    """
    if A.shape[0] > 1 and A.flags.f_contiguous and B.flags.f_contiguous:
        return np.einsum("ij,ij->i", A, B)
    return np.cumsum(A * B, axis=1)[:, -1]


def matmul_rows(X: np.ndarray, M: np.ndarray) -> np.ndarray:
    """X @ M for X of shape (n, d), each output accumulated over j = 0, 1, ..., d-1 in order.

    A few rows: one ``cumsum`` over all the products (cheap for a lone run); more rows: one
    elementwise pass per j. Meant for start points and rotations, once per batch (d passes
    are too many for the iteration loop).
    """
    X = np.asarray(X, dtype=float)
    if X.shape[0] <= _FEW_ROWS:
        return np.cumsum(X[:, :, None] * M, axis=1)[:, -1]
    out = X[:, :1] * M[0]
    for j in range(1, X.shape[1]):
        out += X[:, j : j + 1] * M[j]
    return out
