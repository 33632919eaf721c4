r"""Soft ``argmax``, ``argmin``, ``max`` and ``min`` along an axis.

Scores are ``x_std = sigmoid((x - mean) / sqrt(var + 1e-6))`` (``standardize=True``) or ``x``.

* ``argmax``: a SoftIndex ``p`` (..., [n]) on the simplex: softsort ``proj(x_std)``
  (``softmax(x_std / s)`` in smooth mode), neuralsort ``proj((n - 1) x_std - A)`` with
  ``A_j = sum_i |x_i - x_j|_soft``, sorting_network the last row of the network's permutation.
  ``argmin(x) = argmax(-x)``.
* ``max``: ``sum_j p_j x_j`` (a convex combination of the ORIGINAL ``x``; ``gated_grad=False``
  stops the gradient through ``p``); sorting_network takes the top value of the soft network
  (mapped back by ``unsquash_and_destandardize``). ``min(x) = -max(-x)``.

``mode="hard"`` returns exactly the framework's ``argmax`` (as a floating one-hot) / ``max``.
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
    check_log_prob_request,
    check_nonempty,
    finish_index,
    nm,
    one_hot,
    prepare_scores,
    select,
)
from softcore.axiswise._plan import move_to_last, restore_reduced
from softcore.axiswise.sort import network_sorted

__all__ = ["argmax", "argmin", "max", "min"]


def _soft_argmax(
    xl: Array, softness: Any, mode: str, method: str, standardize: bool, log: bool, ot_kwargs: Any, *, bk: Any
) -> Array:
    """(..., n) -> (..., [n]) probabilities (or log-probabilities if ``log``); hard modes one-hot."""
    xp = bk.xp
    if mode in HARD_MODES:
        return one_hot(xp.argmax(xl, axis=-1), xl.shape[-1], xl.dtype, xp=xp)
    xs, _, _ = prepare_scores(xl, standardize, bk=bk)
    return _dispatch.argmax(method, xs, softness, mode, bk=bk, standardized=standardize, log=log, ot_kwargs=ot_kwargs)


def argmax(
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
    *,
    bk: Any,
    names: Names = None,
) -> SoftIndex:
    r"""Soft argmax: a SoftIndex ``(..., [n])`` whose leading shape is ``argmax(x, axis, keepdims).shape``.

    See the module docstring for the maths per method. ``return_log_probs`` returns
    log-probabilities (``log_prob_eps`` floors them at ``log eps`` and renormalises).
    """
    return _argext(
        x,
        axis,
        keepdims,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        False,
        bk=bk,
        names=names,
    )


def argmin(
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
    *,
    bk: Any,
    names: Names = None,
) -> SoftIndex:
    r"""Soft argmin ``= argmax(-x)``: SoftIndex ``(..., [n])``, leading shape ``argmin(x, axis, keepdims).shape``."""
    return _argext(
        x,
        axis,
        keepdims,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        True,
        bk=bk,
        names=names,
    )


def _argext(
    x: Array,
    axis: Any,
    keepdims: bool,
    softness: Any,
    mode: str,
    method: str,
    standardize: bool,
    ot_kwargs: Any,
    return_log_probs: bool,
    log_prob_eps: Any,
    negate: bool,
    *,
    bk: Any,
    names: Names = None,
) -> SoftIndex:
    xp = bk.xp
    check_common(mode, method, _dispatch.INDEX_METHODS, softness, standardize, ot_kwargs)
    check_bool(nm(names, "keepdims"), keepdims)
    check_log_prob_request(return_log_probs, log_prob_eps)
    x = ensure_float(x, bk=bk)
    xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
    check_nonempty(xl.shape[-1])
    if negate:
        xl = -xl
    soft_log = return_log_probs and mode not in HARD_MODES
    p = _soft_argmax(xl, softness, mode, method, standardize, soft_log, ot_kwargs, bk=bk)
    p = finish_index(p, log=return_log_probs, already_log=soft_log, log_prob_eps=log_prob_eps, xp=xp)
    return restore_reduced(p, plan, keepdims, xp=xp, trailing=1)


def max(  # noqa: A001
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    *,
    bk: Any,
    names: Names = None,
    return_index: bool = False,
) -> Any:
    r"""Soft maximum ``sum_j argmax(x)_j x_j`` (shape of ``max(x, axis, keepdims)``).

    ``return_index=True`` returns ``(values, soft_index)``; the index is ``None`` for the value-only
    methods (sorting_network, fast_soft_sort, smooth_sort).
    """
    return _ext(
        x,
        axis,
        keepdims,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        gated_grad,
        return_index,
        False,
        bk=bk,
        names=names,
    )


def min(  # noqa: A001
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    *,
    bk: Any,
    names: Names = None,
    return_index: bool = False,
) -> Any:
    r"""Soft minimum ``-max(-x)`` (shape of ``min(x, axis, keepdims)``); ``return_index`` as in :func:`max`."""
    return _ext(
        x,
        axis,
        keepdims,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        gated_grad,
        return_index,
        True,
        bk=bk,
        names=names,
    )


def _ext(
    x: Array,
    axis: Any,
    keepdims: bool,
    softness: Any,
    mode: str,
    method: str,
    standardize: bool,
    ot_kwargs: Any,
    gated_grad: bool,
    return_index: bool,
    negate: bool,
    *,
    bk: Any,
    names: Names = None,
) -> Any:
    xp = bk.xp
    check_common(mode, method, _dispatch.VALUE_METHODS, softness, standardize, ot_kwargs)
    check_bool(nm(names, "keepdims"), keepdims)
    check_bool("gated_grad", gated_grad)
    check_bool(nm(names, "return_index"), return_index)
    index = None
    if mode == "hard":
        xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
        check_nonempty(xl.shape[-1])
        values = xp.min(xl, axis=-1) if negate else xp.max(xl, axis=-1)
        if return_index:
            pos = xp.argmin(xl, axis=-1) if negate else xp.argmax(xl, axis=-1)
            index = restore_reduced(
                one_hot(pos, xl.shape[-1], ensure_float(xl, bk=bk).dtype, xp=xp), plan, keepdims, xp=xp, trailing=1
            )
        values = restore_reduced(values, plan, keepdims, xp=xp)
        return (values, index) if return_index else values
    x = ensure_float(x, bk=bk)
    xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
    check_nonempty(xl.shape[-1])
    if negate:
        xl = -xl
    if method in _dispatch.NETWORK_VALUE_METHODS:
        values = network_sorted(xl, softness, mode, method, standardize, ot_kwargs, bk=bk)[..., -1]
    else:
        p = _soft_argmax(xl, softness, mode, method, standardize, False, ot_kwargs, bk=bk)  # (..., [n])
        values = select(p[..., None, :] if gated_grad else bk.stop_gradient(p)[..., None, :], xl, xp=xp)[..., 0]
        if return_index:
            index = restore_reduced(p, plan, keepdims, xp=xp, trailing=1)
    if negate:
        values = -values
    values = restore_reduced(values, plan, keepdims, xp=xp)
    return (values, index) if return_index else values
