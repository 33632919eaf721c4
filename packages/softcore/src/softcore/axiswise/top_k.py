r"""Soft ``top_k`` (values and SoftIndex) and the private ``_argtop_k``.

The SoftIndex holds the first ``k`` rows of the DESCENDING soft permutation (softsort: anchors
``top_k(x_std)``; neuralsort: rows ``(n + 1 - 2i) x_std - A``, ``i = 1..k``; sorting_network: the
network's permutation), shape ``(..., k, ..., [n])`` with the ``k`` axis at ``axis``. Values are
``P x`` (convex combinations of the original ``x``; ``gated_grad=False`` stops the gradient through
``P``). Value methods (sorting_network, fast_soft_sort, smooth_sort) return the top ``k`` values of
their soft sort and ``None`` as index. ``mode="hard"`` gives the framework's top-k (ties: lower
index first) and a floating one-hot index.
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import ensure_float
from softcore._typing import Array, SoftIndex
from softcore._validate import check_bool
from softcore.axiswise import _dispatch
from softcore.axiswise._common import (
    HARD_MODES,
    Names,
    check_common,
    check_k,
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
from softcore.axiswise.sort import network_sorted, permutation

__all__ = ["top_k"]


def _top_rows(
    xl: Array, k: int, softness: Any, mode: str, method: str, standardize: bool, ot_kwargs: Any, *, bk: Any, log: bool
) -> Array:
    """Index rows (..., k, [n]) of the ``k`` largest, largest first (one-hot in hard modes)."""
    xp = bk.xp
    if mode in HARD_MODES:
        rows = xp.arange(k, dtype=index_dtype(xp, xl), device=device(xl))
        return permutation(xl, rows, True, softness, mode, method, standardize, ot_kwargs, bk=bk, log=log)
    xs, _, _ = prepare_scores(xl, standardize, bk=bk)
    return _dispatch.argtop_k(
        method, xs, k, softness, mode, bk=bk, standardized=standardize, log=log, ot_kwargs=ot_kwargs
    )  # (..., k, [n])


def _argtop_k(
    x: Array,
    k: int,
    axis: int | None = -1,
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
    r"""SoftIndex of the ``k`` largest elements, ``(..., k, ..., [n])`` (``axis=None`` flattens)."""
    xp = bk.xp
    check_common(mode, method, _dispatch.INDEX_METHODS, softness, standardize, ot_kwargs)
    check_log_prob_request(return_log_probs, log_prob_eps)
    x = ensure_float(x, bk=bk)
    xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
    check_nonempty(xl.shape[-1])
    k = check_k(k, xl.shape[-1])
    soft_log = return_log_probs and mode not in HARD_MODES
    p = _top_rows(xl, k, softness, mode, method, standardize, ot_kwargs, bk=bk, log=soft_log)
    p = finish_index(p, log=return_log_probs, already_log=soft_log, log_prob_eps=log_prob_eps, xp=xp)
    return restore_positions(p, plan, xp=xp, trailing=1)


def top_k(
    x: Array,
    k: int,
    axis: int | None = -1,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
    *,
    bk: Any,
    names: Names = None,
) -> tuple[Array, SoftIndex | None]:
    r"""Soft top-k: ``(values (..., k, ...), soft_index (..., k, ..., [n]) or None)``."""
    xp = bk.xp
    check_common(mode, method, _dispatch.VALUE_METHODS, softness, standardize, ot_kwargs)
    check_bool("gated_grad", gated_grad)
    check_log_prob_request(return_log_probs, log_prob_eps)
    if mode == "hard":
        xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
        n = xl.shape[-1]
        check_nonempty(n)
        k = check_k(k, n)
        order = xp.argsort(xl, axis=-1, descending=True, stable=True)[..., :k]  # (..., k)
        values = xp.take_along_axis(xl, order, axis=-1)
        p = one_hot(order, n, ensure_float(xl, bk=bk).dtype, xp=xp)
        p = finish_index(p, log=return_log_probs, already_log=False, log_prob_eps=log_prob_eps, xp=xp)
        return restore_positions(values, plan, xp=xp), restore_positions(p, plan, xp=xp, trailing=1)
    x = ensure_float(x, bk=bk)
    xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
    n = xl.shape[-1]
    check_nonempty(n)
    k = check_k(k, n)
    if method in _dispatch.NETWORK_VALUE_METHODS:
        values = xp.flip(
            network_sorted(xl, softness, mode, method, standardize, ot_kwargs, bk=bk)[..., n - k :], axis=-1
        )
        return restore_positions(values, plan, xp=xp), None
    soft_log = return_log_probs and mode not in HARD_MODES
    p = _top_rows(xl, k, softness, mode, method, standardize, ot_kwargs, bk=bk, log=soft_log)
    probs = xp.exp(p) if soft_log else p
    values = select(probs if gated_grad else bk.stop_gradient(probs), xl, xp=xp)
    p = finish_index(p, log=return_log_probs, already_log=soft_log, log_prob_eps=log_prob_eps, xp=xp)
    return restore_positions(values, plan, xp=xp), restore_positions(p, plan, xp=xp, trailing=1)
