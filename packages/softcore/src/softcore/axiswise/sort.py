r"""Soft ``argsort`` and ``sort`` along an axis.

``argsort`` returns the soft permutation matrix ``P`` as a SoftIndex of shape ``x.shape + ([n],)``
(sorted-position axis at ``axis``, probability axis last): row ``r`` is the distribution of the
``r``-th smallest element (largest if ``descending``). Per method (``x_std`` the standardised,
squashed scores):

* softsort: ``P_{r,j} = proj(-|sort(x_std)_r - x_std_j|)``;
* neuralsort: ``P_{r,:} = proj((2r + 1 - n) x_std - A)``, ``A_j = sum_i |x_i - x_j|_soft``;
* sorting_network: the relaxed permutation tracked through a soft bitonic network.

``sort`` returns ``P x`` (a convex combination of the original ``x``) computed in row chunks
without forming ``P`` (softsort/neuralsort), or, for the value methods (sorting_network, ...), the
network output in squashed space mapped back by ``unsquash_and_destandardize``.
``mode="hard"`` returns exactly the framework's ``sort``/``argsort`` (one-hot, floating).
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import ensure_float
from softcore._standardize import unsquash_and_destandardize
from softcore._typing import Array, SoftIndex
from softcore._validate import check_bool
from softcore.axiswise import _dispatch
from softcore.axiswise._common import (
    HARD_MODES,
    Names,
    check_common,
    check_log_prob_request,
    check_nonempty,
    device,
    finish_index,
    index_dtype,
    nm,
    one_hot,
    prepare_scores,
    select,
)
from softcore.axiswise._plan import move_to_last, restore_positions

__all__ = ["argsort", "sort"]


def permutation(
    xl: Array,
    rows: Array,
    descending: bool,
    softness: Any,
    mode: str,
    method: str,
    standardize: bool,
    ot_kwargs: Any,
    *,
    bk: Any,
    log: bool = False,
) -> Array:
    """Rows ``rows`` (m,) of the soft permutation (descending order if ``descending``) -> (..., m, [n]).

    Hard modes give one-hot rows of the stable ``argsort``; soft modes dispatch on ``method``
    (probabilities, or log-probabilities if ``log``).
    """
    xp = bk.xp
    n = xl.shape[-1]
    if mode in HARD_MODES:
        order = xp.argsort(xl, axis=-1, descending=descending, stable=True)  # (..., n)
        return one_hot(xp.take(order, rows, axis=-1), n, xl.dtype, xp=xp)
    asc_rows = (n - 1) - rows if descending else rows
    xs, _, _ = prepare_scores(xl, standardize, bk=bk)
    return _dispatch.permutation_rows(
        method, xs, asc_rows, softness, mode, bk=bk, standardized=standardize, log=log, ot_kwargs=ot_kwargs
    )


def argsort(
    x: Array,
    axis: int | None = None,
    descending: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
    *,
    bk: Any,
    names: Names = None,
) -> SoftIndex:
    r"""Soft argsort: the soft permutation matrix, SoftIndex ``x.shape + ([n],)`` (``(N, [N])`` for ``axis=None``)."""
    xp = bk.xp
    check_common(mode, method, _dispatch.INDEX_METHODS, softness, standardize, ot_kwargs)
    check_bool("descending", descending)
    check_log_prob_request(return_log_probs, log_prob_eps)
    x = ensure_float(x, bk=bk)
    xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
    n = xl.shape[-1]
    check_nonempty(n)
    soft_log = return_log_probs and mode not in HARD_MODES
    rows = xp.arange(n, dtype=index_dtype(xp, xl), device=device(xl))
    p = permutation(xl, rows, descending, softness, mode, method, standardize, ot_kwargs, bk=bk, log=soft_log)
    p = finish_index(p, log=return_log_probs, already_log=soft_log, log_prob_eps=log_prob_eps, xp=xp)
    return restore_positions(p, plan, xp=xp, trailing=1)


def sort(
    x: Array,
    axis: int | None = None,
    descending: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    *,
    bk: Any,
    names: Names = None,
    return_index: bool = False,
) -> Any:
    r"""Soft sort (shape of ``x``; flattened for ``axis=None``).

    ``return_index=True`` returns ``(values, soft_index)``: the index is the soft permutation
    (as :func:`argsort`), or ``None`` for the value methods (sorting_network, fast_soft_sort,
    smooth_sort). Without it, softsort/neuralsort never form the n x n matrix (row chunks).
    """
    xp = bk.xp
    check_common(mode, method, _dispatch.VALUE_METHODS, softness, standardize, ot_kwargs)
    check_bool("descending", descending)
    check_bool("gated_grad", gated_grad)
    check_bool(nm(names, "return_index"), return_index)
    if mode == "hard":
        xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
        check_nonempty(xl.shape[-1])
        values = restore_positions(xp.sort(xl, axis=-1, descending=descending, stable=True), plan, xp=xp)
        if not return_index:
            return values
        order = xp.argsort(xl, axis=-1, descending=descending, stable=True)
        index = one_hot(order, xl.shape[-1], ensure_float(xl, bk=bk).dtype, xp=xp)
        return values, restore_positions(index, plan, xp=xp, trailing=1)
    x = ensure_float(x, bk=bk)
    xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
    n = xl.shape[-1]
    check_nonempty(n)
    index = None
    if method in _dispatch.NETWORK_VALUE_METHODS:
        values = network_sorted(xl, softness, mode, method, standardize, ot_kwargs, bk=bk)
        if descending:
            values = xp.flip(values, axis=-1)
    elif return_index or mode == "_hard":
        rows = xp.arange(n, dtype=index_dtype(xp, xl), device=device(xl))
        p = permutation(xl, rows, descending, softness, mode, method, standardize, ot_kwargs, bk=bk)
        values = select(p if gated_grad else bk.stop_gradient(p), xl, xp=xp)
        index = restore_positions(p, plan, xp=xp, trailing=1) if return_index else None
    else:
        xs, _, _ = prepare_scores(xl, standardize, bk=bk)
        values = _dispatch.sorted_values(
            method, xl, xs, softness, mode, bk=bk, gated_grad=gated_grad, ot_kwargs=ot_kwargs
        )
        if descending:
            values = xp.flip(values, axis=-1)
    values = restore_positions(values, plan, xp=xp)
    return (values, index) if return_index else values


def network_sorted(
    xl: Array, softness: Any, mode: str, method: str, standardize: bool, ot_kwargs: Any, *, bk: Any
) -> Array:
    """Ascending values (..., n) from a value method (hard sort for ``_hard``), mapped back to x's scale."""
    xp = bk.xp
    if mode == "_hard":
        return xp.sort(xl, axis=-1, stable=True)
    standardize = standardize and not _dispatch.raw_scores(method)
    xs, mean, std = prepare_scores(xl, standardize, bk=bk)
    values = _dispatch.network_values(method, xs, softness, mode, bk=bk, standardized=standardize, ot_kwargs=ot_kwargs)
    return unsquash_and_destandardize(values, mean, std, bk=bk) if standardize else values
