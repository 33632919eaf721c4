r"""SoftSort (Prillo & Eisenschlos, arXiv 2006.16038).

With scores ``x`` (standardised or raw, (..., n)) and anchors ``a = sort(x)`` (ascending), the
soft permutation matrix is

.. math::  P_{r, j} = \mathrm{proj}_\Delta\big(-|a_r - x_j|\big)_j

(row ``r``: distribution over the elements ``j`` of the ``r``-th smallest), with
:func:`softcore.projections.simplex.proj_simplex` in the requested mode (softmax for ``smooth``).
Special cases:

* argmax: ``proj(x)`` (equal to the last row by shift invariance of the projection);
* rank (fused): ``rank_i = sum_j (j + 1) proj(-|x_i - a_j|)_j``, a projection over the sorted
  positions ``j`` for each element ``i`` (anchors descending for ``descending=True``);
* sorted values (fused): ``v_r = sum_j P_{r, j} x_orig_j``, evaluated in chunks of rows.

Gradients are plain autodiff through ``sort`` (the anchors are not stop-gradiented) and through the
projection. ``|d|`` is taken with derivative 0 at ``d = 0`` in every framework.
"""

from __future__ import annotations

from typing import Any

from softcore.axiswise._common import device, map_row_chunks, select
from softcore.projections.simplex import proj_simplex

__all__ = ["argmax", "permutation_rows", "rank", "sorted_values"]

Array = Any


def _abs(d: Array, *, xp: Any) -> Array:
    """``|d|`` with derivative 0 at ``d = 0`` in every framework (jax's ``abs'(0)`` is 1, torch's 0).

    ``maximum(d, -d)``: at the tie ``d = 0`` both frameworks split the derivative evenly between
    the arguments, ``(1 - 1) / 2 = 0``; two passes over the (..., m, n) differences instead of six
    (an eager framework pays for each; array-API ``sign`` would also break ``torch.func.vmap``)."""
    return xp.maximum(d, -d)


def _rows(xs: Array, anchors: Array, softness: Any, mode: str, *, bk: Any, log: bool = False) -> Array:
    """``proj(-|anchors_r - xs_j|)`` over j: anchors (..., m), xs (..., n) -> (..., m, n)."""
    xp = bk.xp
    scores = -_abs(anchors[..., :, None] - xs[..., None, :], xp=xp)
    return proj_simplex(scores, softness, mode, return_log_probs=log, bk=bk)


def permutation_rows(
    xs: Array, rows: Array, softness: Any, mode: str, *, bk: Any, return_log_probs: bool = False
) -> Array:
    """Rows ``rows`` (m,) of the ascending soft permutation matrix -> (..., m, n)."""
    xp = bk.xp
    anchors = xp.take(xp.sort(xs, axis=-1, stable=True), rows, axis=-1)  # (..., m)
    return _rows(xs, anchors, softness, mode, bk=bk, log=return_log_probs)


def argmax(xs: Array, softness: Any, mode: str, *, bk: Any, return_log_probs: bool = False) -> Array:
    """``proj(xs)`` -> (..., n)."""
    return proj_simplex(xs, softness, mode, return_log_probs=return_log_probs, bk=bk)


def sorted_values(x: Array, xs: Array, softness: Any, mode: str, *, bk: Any, gated_grad: bool = True) -> Array:
    """Ascending soft-sorted values ``P x`` (..., n) without materialising ``P`` (row chunks)."""
    xp = bk.xp
    sorted_xs = xp.sort(xs, axis=-1, stable=True)

    def chunk(rows: Array) -> Array:
        p = _rows(xs, xp.take(sorted_xs, rows, axis=-1), softness, mode, bk=bk)  # (..., c, n)
        if not gated_grad:
            p = bk.stop_gradient(p)
        return select(p, x, xp=xp)

    return map_row_chunks(chunk, xs.shape[-1], x, bk=bk)


def rank(xs: Array, softness: Any, mode: str, descending: bool, *, bk: Any) -> Array:
    """``rank_i = sum_j (j + 1) proj(-|x_i - a_j|)_j`` in [1, n] -> (..., n) (row chunks over i)."""
    xp = bk.xp
    n = xs.shape[-1]
    anchors = xp.sort(xs, axis=-1, descending=descending, stable=True)  # (..., n)
    weights = xp.arange(1, n + 1, dtype=xs.dtype, device=device(xs))

    def chunk(rows: Array) -> Array:
        q = _rows(anchors, xp.take(xs, rows, axis=-1), softness, mode, bk=bk)  # (..., c, n) over positions
        return xp.sum(q * weights, axis=-1)

    return map_row_chunks(chunk, n, xs, bk=bk)
