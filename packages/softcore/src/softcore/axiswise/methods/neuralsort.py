r"""NeuralSort (Grover et al., arXiv 1903.08850).

With scores ``x`` (..., n) and ``A_j = sum_i |x_i - x_j|_soft`` (the elementwise soft ``abs`` of
:mod:`softcore.elementwise` in the same mode and softness), row ``r`` (0-based, ascending order:
row 0 is the smallest) of the soft permutation matrix is

.. math::  P_{r, :} = \mathrm{proj}_\Delta\big((2r + 1 - n)\, x - A\big)

(the original descending NeuralSort rows ``(n + 1 - 2i) x - A`` read from the bottom). Special
cases: argmax is row ``n - 1`` (``(n - 1) x - A``); rank is column-normalised:
``rank_i = sum_r w_r P_{r, i} / max(sum_r P_{r, i}, 1e-10)`` with ``w_r = r + 1`` (ascending) or
``n - r`` (descending). ``A`` and the fused value ops are evaluated in chunks of 128 columns/rows,
so no n x n array is held unless the SoftIndex itself is returned.
"""

from __future__ import annotations

from typing import Any

from softcore import elementwise
from softcore.axiswise._common import map_row_chunks, select, sum_row_chunks
from softcore.projections.simplex import proj_simplex

__all__ = ["abs_sums", "argmax", "permutation_rows", "rank", "sorted_values"]

Array = Any


def abs_sums(xs: Array, softness: Any, mode: str, *, bk: Any) -> Array:
    """``A_j = sum_i softabs(x_i - x_j)`` -> (..., n), in column chunks."""
    xp = bk.xp

    def chunk(cols: Array) -> Array:
        diff = xs[..., :, None] - xp.take(xs, cols, axis=-1)[..., None, :]  # (..., n, c)
        return xp.sum(elementwise.abs(diff, softness, mode, bk=bk), axis=-2)

    return map_row_chunks(chunk, xs.shape[-1], xs, bk=bk)


def _scores(xs: Array, sums: Array, rows: Array, *, xp: Any) -> Array:
    """``(2r + 1 - n) x_j - A_j`` for rows (m,) -> (..., m, n)."""
    n = xs.shape[-1]
    coef = xp.astype(2 * rows + (1 - n), xs.dtype)  # integer arithmetic, exact
    return coef[:, None] * xs[..., None, :] - sums[..., None, :]


def permutation_rows(
    xs: Array,
    rows: Array,
    softness: Any,
    mode: str,
    *,
    bk: Any,
    return_log_probs: bool = False,
    sums: Array | None = None,
) -> Array:
    """Rows ``rows`` (m,) of the ascending soft permutation matrix -> (..., m, n)."""
    if sums is None:
        sums = abs_sums(xs, softness, mode, bk=bk)
    return proj_simplex(_scores(xs, sums, rows, xp=bk.xp), softness, mode, return_log_probs=return_log_probs, bk=bk)


def argmax(xs: Array, softness: Any, mode: str, *, bk: Any, return_log_probs: bool = False) -> Array:
    """``proj((n - 1) x - A)`` -> (..., n)."""
    n = xs.shape[-1]
    sums = abs_sums(xs, softness, mode, bk=bk)
    return proj_simplex((n - 1) * xs - sums, softness, mode, return_log_probs=return_log_probs, bk=bk)


def sorted_values(x: Array, xs: Array, softness: Any, mode: str, *, bk: Any, gated_grad: bool = True) -> Array:
    """Ascending soft-sorted values ``P x`` (..., n), evaluated in row chunks."""
    xp = bk.xp
    sums = abs_sums(xs, softness, mode, bk=bk)

    def chunk(rows: Array) -> Array:
        p = proj_simplex(_scores(xs, sums, rows, xp=bk.xp), softness, mode, bk=bk)  # (..., c, n)
        if not gated_grad:
            p = bk.stop_gradient(p)
        return select(p, x, xp=xp)

    return map_row_chunks(chunk, xs.shape[-1], x, bk=bk)


def rank(xs: Array, softness: Any, mode: str, descending: bool, *, bk: Any) -> Array:
    """Column-normalised ranks in [1, n] -> (..., n), accumulated over row chunks."""
    xp = bk.xp
    n = xs.shape[-1]
    sums = abs_sums(xs, softness, mode, bk=bk)

    def chunk(rows: Array, valid: Array | None) -> tuple[Array, Array]:
        p = proj_simplex(_scores(xs, sums, rows, xp=bk.xp), softness, mode, bk=bk)  # (..., c, n)
        w = (n - rows) if descending else (rows + 1)
        w = xp.astype(w, xs.dtype)
        if valid is not None:
            keep = xp.astype(valid, xs.dtype)
            w = w * keep
            p = p * keep[:, None]
        return xp.sum(p * w[:, None], axis=-2), xp.sum(p, axis=-2)

    zeros = xp.zeros_like(xs)
    num, den = sum_row_chunks(chunk, n, (zeros, zeros), bk=bk)
    return num / xp.maximum(den, xp.full_like(den, 1e-10))
