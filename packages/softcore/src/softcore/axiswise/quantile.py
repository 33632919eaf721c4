r"""Soft quantiles: ``argquantile``/``quantile``, ``argmedian``/``median``, ``argpercentile``/``percentile``.

With ``p = q (n - 1)`` the interpolation rule (``quantile_method``) picks order statistics ``k``,
``kp1 = min(k + 1, n - 1)`` and a weight ``a`` (see :func:`softcore.axiswise._common.quantile_params`):
``q_hat = (1 - a) x_(k) + a x_(kp1)``. The soft version mixes the corresponding rows of the
ascending soft permutation, ``P_q = (1 - a) P_k + a P_kp1`` (a SoftIndex on the simplex; mixed in
log space for ``return_log_probs``), and ``quantile = P_q x``. Value methods (sorting_network, ...)
interpolate their soft-sorted values instead. A vector ``q`` (any shape, works under jit/compile:
``k`` and ``a`` are arrays) prepends ``q.shape`` to the result. Python ``q`` must lie in [0, 1]
(ValueError otherwise); array ``q`` is clipped.

``median`` is ``quantile(q=0.5)`` with the ``midpoint`` rule (``jnp.median``) by default; the
torch wrapper passes ``quantile_method="lower"`` (``torch.median``). ``convention`` (``"jax"`` or
``"torch"``) selects the tie rule of ``nearest`` (ties down like ``jnp.quantile``, half to even like
``torch.quantile``) and the interpolation arithmetic of the hard/value paths (bit-identical to the
framework's quantile).
``percentile(x, p) = quantile(x, p / 100)``. ``mode="hard"`` returns exactly the framework value.
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import ensure_float
from softcore._typing import Array, SoftIndex
from softcore._validate import check_bool, check_choice
from softcore.axiswise import _dispatch
from softcore.axiswise._common import (
    HARD_MODES,
    QUANTILE_METHODS,
    Names,
    as_q,
    check_common,
    check_log_prob_request,
    check_nonempty,
    finish_index,
    interpolate,
    nm,
    prepare_scores,
    quantile_mix,
    quantile_params,
    select,
)
from softcore.axiswise._plan import AxisPlan, move_axis, move_to_last, restore_reduced
from softcore.axiswise.sort import network_sorted, permutation

__all__ = ["argmedian", "argpercentile", "argquantile", "median", "percentile", "quantile"]

CONVENTIONS = ("jax", "torch")


def _check(quantile_method: str, convention: str, keepdims: Any, names: Names) -> None:
    check_choice(nm(names, "quantile_method"), quantile_method, QUANTILE_METHODS)
    check_choice("convention", convention, CONVENTIONS)
    check_bool(nm(names, "keepdims"), keepdims)


def _finish(y: Array, q_shape: tuple[int, ...], plan: AxisPlan, keepdims: bool, *, xp: Any, trailing: int) -> Array:
    """``y``: ``batch + (kq,) + trailing`` -> ``q_shape + reduced batch + trailing``."""
    y = move_axis(y, y.ndim - 1 - trailing, 0, xp=xp)  # (kq, ..., *trailing)
    y = restore_reduced(y, plan, keepdims, xp=xp, lead=1, trailing=trailing)
    return xp.reshape(y, q_shape + tuple(y.shape[1:]))


def _soft_index(
    xl: Array,
    q: Array,
    softness: Any,
    mode: str,
    method: str,
    quantile_method: str,
    convention: str,
    standardize: bool,
    ot_kwargs: Any,
    *,
    bk: Any,
    log: bool,
) -> Array:
    """``P_q`` (..., kq, [n]) for flat ``q`` (kq,): mixed rows of the ascending permutation."""
    xp = bk.xp
    n = xl.shape[-1]
    k, kp1, a, take_next = quantile_params(q, n, quantile_method, convention, xp=xp)
    if mode not in HARD_MODES:
        xs, _, _ = prepare_scores(xl, standardize, bk=bk)
        return _dispatch.quantile_rows(
            method,
            xs,
            k,
            kp1,
            a,
            take_next,
            softness,
            mode,
            bk=bk,
            standardized=standardize,
            log=log,
            ot_kwargs=ot_kwargs,
        )

    def rows_of(rows: Array) -> Array:
        return permutation(xl, rows, False, softness, mode, method, standardize, ot_kwargs, bk=bk, log=log)

    return quantile_mix(rows_of, k, kp1, a, take_next, log=log, xp=xp)


def argquantile(
    x: Array,
    q: Any,
    axis: int | None = None,
    keepdims: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    quantile_method: str = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
    *,
    bk: Any,
    names: Names = None,
    convention: str = "jax",
    q_name: str = "q",
    q_scale: float = 1.0,
) -> SoftIndex:
    r"""Soft argquantile: SoftIndex ``q.shape + reduced shape + ([n],)`` mixing order-statistic rows."""
    xp = bk.xp
    check_common(mode, method, _dispatch.INDEX_METHODS, softness, standardize, ot_kwargs)
    _check(quantile_method, convention, keepdims, names)
    check_log_prob_request(return_log_probs, log_prob_eps)
    x = ensure_float(x, bk=bk)
    xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
    check_nonempty(xl.shape[-1])
    qa = as_q(q, xl, xp=xp, name=q_name, scale=q_scale)
    q_shape = tuple(qa.shape)
    soft_log = return_log_probs and mode not in HARD_MODES
    p = _soft_index(
        xl,
        xp.reshape(qa, (-1,)),
        softness,
        mode,
        method,
        quantile_method,
        convention,
        standardize,
        ot_kwargs,
        bk=bk,
        log=soft_log,
    )
    p = finish_index(p, log=return_log_probs, already_log=soft_log, log_prob_eps=log_prob_eps, xp=xp)
    return _finish(p, q_shape, plan, keepdims, xp=xp, trailing=1)


def quantile(
    x: Array,
    q: Any,
    axis: int | None = None,
    keepdims: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    quantile_method: str = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    *,
    bk: Any,
    names: Names = None,
    convention: str = "jax",
    return_index: bool = False,
    q_name: str = "q",
    q_scale: float = 1.0,
) -> Any:
    r"""Soft quantile ``P_q x`` (shape ``q.shape + reduced shape``); ``return_index`` adds the SoftIndex
    (``None`` for the value methods)."""
    xp = bk.xp
    check_common(mode, method, _dispatch.VALUE_METHODS, softness, standardize, ot_kwargs)
    _check(quantile_method, convention, keepdims, names)
    check_bool("gated_grad", gated_grad)
    check_bool(nm(names, "return_index"), return_index)
    x = ensure_float(x, bk=bk)  # the framework quantiles promote integers too
    xl, plan = move_to_last(x, axis, xp=xp, name=nm(names, "axis"))
    n = xl.shape[-1]
    check_nonempty(n)
    qa = as_q(q, xl, xp=xp, name=q_name, scale=q_scale)
    q_shape = tuple(qa.shape)
    qf = xp.reshape(qa, (-1,))
    index = None
    if mode == "hard" or method in _dispatch.NETWORK_VALUE_METHODS:
        if mode == "hard":
            ordered = xp.sort(xl, axis=-1, stable=True)
        else:
            ordered = network_sorted(xl, softness, mode, method, standardize, ot_kwargs, bk=bk)
        k, kp1, a, take_next = quantile_params(qf, n, quantile_method, convention, xp=xp)
        lo = xp.take(ordered, k, axis=-1)  # (..., kq)
        hi = xp.take(ordered, kp1, axis=-1) if take_next else lo
        values = interpolate(lo, hi, a, quantile_method, convention, xp=xp)
        if return_index and mode == "hard":
            index = _soft_index(
                xl, qf, softness, mode, method, quantile_method, convention, standardize, ot_kwargs, bk=bk, log=False
            )
    else:
        p = _soft_index(
            xl, qf, softness, mode, method, quantile_method, convention, standardize, ot_kwargs, bk=bk, log=False
        )
        values = select(p if gated_grad else bk.stop_gradient(p), xl, xp=xp)
        index = p if return_index else None
    values = _finish(values, q_shape, plan, keepdims, xp=xp, trailing=0)
    if index is not None:
        index = _finish(index, q_shape, plan, keepdims, xp=xp, trailing=1)
    return (values, index) if return_index else values


def argmedian(
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
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
    quantile_method: str = "midpoint",
) -> SoftIndex:
    r"""Soft argmedian = ``argquantile(q=0.5, quantile_method="midpoint")`` (torch: ``"lower"``)."""
    return argquantile(
        x,
        0.5,
        axis,
        keepdims,
        softness,
        mode,
        method,
        quantile_method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=bk,
        names=names,
    )


def median(
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    *,
    bk: Any,
    names: Names = None,
    quantile_method: str = "midpoint",
    return_index: bool = False,
) -> Any:
    r"""Soft median = ``quantile(q=0.5, quantile_method="midpoint")`` (torch: ``"lower"``)."""
    return quantile(
        x,
        0.5,
        axis,
        keepdims,
        softness,
        mode,
        method,
        quantile_method,
        standardize,
        ot_kwargs,
        gated_grad,
        bk=bk,
        return_index=return_index,
        names=names,
    )


def argpercentile(
    x: Array,
    p: Any,
    axis: int | None = None,
    keepdims: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    quantile_method: str = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
    *,
    bk: Any,
    names: Names = None,
    convention: str = "jax",
) -> SoftIndex:
    r"""Soft argpercentile = ``argquantile(q=p/100)``; Python ``p`` must lie in [0, 100]."""
    return argquantile(
        x,
        p,
        axis,
        keepdims,
        softness,
        mode,
        method,
        quantile_method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=bk,
        convention=convention,
        q_name="p",
        q_scale=100.0,
        names=names,
    )


def percentile(
    x: Array,
    p: Any,
    axis: int | None = None,
    keepdims: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    quantile_method: str = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    *,
    bk: Any,
    names: Names = None,
    convention: str = "jax",
    return_index: bool = False,
) -> Any:
    r"""Soft percentile = ``quantile(q=p/100)``; Python ``p`` must lie in [0, 100]."""
    return quantile(
        x,
        p,
        axis,
        keepdims,
        softness,
        mode,
        method,
        quantile_method,
        standardize,
        ot_kwargs,
        gated_grad,
        bk=bk,
        convention=convention,
        return_index=return_index,
        q_name="p",
        q_scale=100.0,
        names=names,
    )
