r"""Soft ``rank`` along an axis: values in [1, n]; with ``descending=True`` (default) rank 1 is the
largest element, with ``descending=False`` the smallest.

* softsort (fused): ``rank_i = sum_j (j + 1) proj(-|x_i - a_j|)_j`` with anchors ``a = sort(x_std)``
  (descending if requested): a projection over sorted positions for every element;
* neuralsort (fused): the NeuralSort matrix ``P`` (rows = positions), column-normalised:
  ``rank_i = sum_r w_r P_{r,i} / max(sum_r P_{r,i}, 1e-10)``, ``w_r`` the rank of position ``r``;
* sorting_network: the same column normalisation of the network's permutation.

softsort and neuralsort evaluate ``P`` in chunks of 128 rows (O(n * 128) memory).
``mode="hard"``: ``argsort(argsort(x, descending)) + 1`` as floating point (stable ties).
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import ensure_float
from softcore._typing import Array
from softcore._validate import check_bool
from softcore.axiswise import _dispatch
from softcore.axiswise._common import HARD_MODES, Names, check_common, check_nonempty, nm, prepare_scores
from softcore.axiswise._plan import move_to_last, restore_positions

__all__ = ["rank"]


def rank(
    x: Array,
    axis: int | None = None,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    descending: bool = True,
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    *,
    bk: Any,
    names: Names = None,
) -> Array:
    r"""Soft ranks in [1, n], shape of ``x`` (flattened for ``axis=None``)."""
    xp = bk.xp
    check_common(mode, method, _dispatch.VALUE_METHODS, softness, standardize, ot_kwargs)
    check_bool("descending", descending)
    x = ensure_float(x, bk=bk)
    xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
    check_nonempty(xl.shape[-1])
    if mode in HARD_MODES:
        order = xp.argsort(xl, axis=-1, descending=descending, stable=True)
        ranks = xp.astype(xp.argsort(order, axis=-1, stable=True) + 1, xl.dtype)
    else:
        standardize = standardize and not _dispatch.raw_scores(method)
        xs, _, _ = prepare_scores(xl, standardize, bk=bk)
        ranks = _dispatch.rank(
            method, xs, softness, mode, descending, bk=bk, standardized=standardize, ot_kwargs=ot_kwargs
        )
    return restore_positions(ranks, plan, xp=xp)
