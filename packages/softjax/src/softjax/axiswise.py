"""Axis-wise soft operators for JAX (maths in :mod:`softcore.axiswise`).

Signatures and defaults follow SoftJAX: ``axis=None`` flattens (``top_k`` acts on the last axis),
``median`` uses the midpoint rule and ``quantile_method="nearest"`` rounds ties down, like
``jnp.median`` / ``jnp.quantile``.
"""

from __future__ import annotations

from typing import Any, Literal

from softcore import axiswise as _core
from softcore._typing import Array, Mode, SoftIndex
from softcore.axiswise.top_k import _argtop_k as _core_argtop_k
from softjax._backend import JAX
from softjax._wrap import asarray, doc_from

__all__ = [
    "argmax",
    "argmedian",
    "argmin",
    "argpercentile",
    "argquantile",
    "argsort",
    "max",
    "median",
    "min",
    "percentile",
    "quantile",
    "rank",
    "sort",
    "top_k",
]

IndexMethod = Literal["ot", "softsort", "neuralsort", "sorting_network"]
ValueMethod = Literal["ot", "softsort", "neuralsort", "sorting_network", "fast_soft_sort", "smooth_sort"]
QuantileMethod = Literal["linear", "lower", "higher", "nearest", "midpoint"]


def _q(q: Any) -> Any:
    """Python numbers/lists stay Python values (validated in the core); arrays become jax arrays."""
    if isinstance(q, (int, float, list, tuple)) and not isinstance(q, bool):
        return q
    return asarray(q)


@doc_from(_core.argmax)
def argmax(
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argmax(
        asarray(x),
        axis,
        keepdims,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=JAX,
    )


@doc_from(_core.argmin)
def argmin(
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argmin(
        asarray(x),
        axis,
        keepdims,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=JAX,
    )


@doc_from(_core.max)
def max(  # noqa: A001
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Array:
    return _core.max(asarray(x), axis, keepdims, softness, mode, method, standardize, ot_kwargs, gated_grad, bk=JAX)


@doc_from(_core.min)
def min(  # noqa: A001
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Array:
    return _core.min(asarray(x), axis, keepdims, softness, mode, method, standardize, ot_kwargs, gated_grad, bk=JAX)


@doc_from(_core.argsort)
def argsort(
    x: Array,
    axis: int | None = None,
    descending: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argsort(
        asarray(x),
        axis,
        descending,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=JAX,
    )


@doc_from(_core.sort)
def sort(
    x: Array,
    axis: int | None = None,
    descending: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Array:
    return _core.sort(asarray(x), axis, descending, softness, mode, method, standardize, ot_kwargs, gated_grad, bk=JAX)


@doc_from(_core.rank)
def rank(
    x: Array,
    axis: int | None = None,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    descending: bool = True,
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
) -> Array:
    return _core.rank(asarray(x), axis, softness, mode, method, descending, standardize, ot_kwargs, bk=JAX)


@doc_from(_core.top_k)
def top_k(
    x: Array,
    k: int,
    axis: int | None = -1,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> tuple[Array, SoftIndex | None]:
    return _core.top_k(
        asarray(x),
        k,
        axis,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        gated_grad,
        return_log_probs,
        log_prob_eps,
        bk=JAX,
    )


@doc_from(_core_argtop_k)
def _argtop_k(
    x: Array,
    k: int,
    axis: int | None = -1,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core_argtop_k(
        asarray(x), k, axis, softness, mode, method, standardize, ot_kwargs, return_log_probs, log_prob_eps, bk=JAX
    )


@doc_from(_core.argquantile)
def argquantile(
    x: Array,
    q: float | Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    quantile_method: QuantileMethod = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argquantile(
        asarray(x),
        _q(q),
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
        bk=JAX,
    )


@doc_from(_core.quantile)
def quantile(
    x: Array,
    q: float | Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    quantile_method: QuantileMethod = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Array:
    return _core.quantile(
        asarray(x),
        _q(q),
        axis,
        keepdims,
        softness,
        mode,
        method,
        quantile_method,
        standardize,
        ot_kwargs,
        gated_grad,
        bk=JAX,
    )


@doc_from(_core.argmedian)
def argmedian(
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argmedian(
        asarray(x),
        axis,
        keepdims,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=JAX,
    )


@doc_from(_core.median)
def median(
    x: Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Array:
    return _core.median(asarray(x), axis, keepdims, softness, mode, method, standardize, ot_kwargs, gated_grad, bk=JAX)


@doc_from(_core.argpercentile)
def argpercentile(
    x: Array,
    p: float | Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    quantile_method: QuantileMethod = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argpercentile(
        asarray(x),
        _q(p),
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
        bk=JAX,
    )


@doc_from(_core.percentile)
def percentile(
    x: Array,
    p: float | Array,
    axis: int | None = None,
    keepdims: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    quantile_method: QuantileMethod = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Array:
    return _core.percentile(
        asarray(x),
        _q(p),
        axis,
        keepdims,
        softness,
        mode,
        method,
        quantile_method,
        standardize,
        ot_kwargs,
        gated_grad,
        bk=JAX,
    )
