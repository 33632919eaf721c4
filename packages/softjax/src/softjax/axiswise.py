"""Axis-wise soft operators for JAX (maths in :mod:`softcore.axiswise`).

Signatures and defaults follow SoftJAX: ``axis=None`` flattens (``top_k`` acts on the last axis),
``median`` uses the midpoint rule and ``quantile_method="nearest"`` rounds ties down, like
``jnp.median`` / ``jnp.quantile``.

Each call runs under ``jax.jit``, compiled once per static configuration (axis, mode, method,
...; softness and array ``q`` are traced, so changing them does not recompile). Eager calls
therefore cost one XLA compilation per configuration and shape instead of one per primitive;
inside a user's ``jit`` the inner ``jit`` is simply inlined.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, Literal

import jax
import jax.numpy as jnp

from softcore import axiswise as _core
from softcore._typing import Array, Mode, SoftIndex
from softcore._validate import check_softness
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


_SOFT_MODES = ("smooth", "c0", "c1", "c2")
_JITTED: dict[Any, Callable[..., Any]] = {}


def _freeze(v: Any) -> Any:
    """A hashable stand-in for a static argument (lists -> tuples, dicts -> sorted item tuples)."""
    if isinstance(v, dict):
        return ("__dict__", tuple(sorted((k, _freeze(w)) for k, w in v.items())))
    if isinstance(v, (list, tuple)):
        return tuple(_freeze(w) for w in v)
    return v


def _thaw(v: Any) -> Any:
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "__dict__":
        return {k: _thaw(w) for k, w in v[1]}
    return v


def _is_array(v: Any) -> bool:
    return isinstance(v, (jax.Array, jnp.ndarray)) or hasattr(v, "__array__") and not isinstance(v, (list, tuple))


def _run(core_fn: Callable[..., Any], x: Any, softness: Any, mode: Any, **kwargs: Any) -> Any:
    """``core_fn(x, softness=..., mode=..., **kwargs, bk=JAX)`` under a ``jax.jit`` cached per static
    configuration. A Python ``softness`` is validated here and traced as a weakly typed scalar;
    array arguments (``q``) are traced; everything else is static."""
    x = asarray(x)
    if isinstance(softness, numbers.Real) and not isinstance(softness, bool):
        if isinstance(mode, str) and mode in _SOFT_MODES:
            check_softness(softness)
        softness = jnp.asarray(softness)
    dynamic = {k: asarray(v) for k, v in kwargs.items() if _is_array(v)}
    static = {k: _freeze(v) for k, v in kwargs.items() if k not in dynamic}
    if not isinstance(softness, jax.Array):
        static["softness"] = softness
    else:
        dynamic["softness"] = softness
    static["mode"] = mode
    try:  # the types are part of the key: 1 == 1.0 == True must not share a compilation
        key = (core_fn, tuple(sorted((k, type(v), v) for k, v in static.items())))
        hash(key)
    except TypeError:  # an unhashable static argument: run eagerly (the core reports bad values)
        return core_fn(x, **{k: _thaw(v) for k, v in static.items()}, **dynamic, bk=JAX)
    fn = _JITTED.get(key)
    if fn is None:
        thawed = {k: _thaw(v) for k, v in static.items()}

        def call(x: Any, **dyn: Any) -> Any:
            return core_fn(x, **thawed, **dyn, bk=JAX)

        fn = _JITTED[key] = jax.jit(call)
    return fn(x, **dynamic)


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
    return _run(
        _core.argmax,
        x,
        softness,
        mode,
        axis=axis,
        keepdims=keepdims,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps,
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
    return _run(
        _core.argmin,
        x,
        softness,
        mode,
        axis=axis,
        keepdims=keepdims,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps,
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
    return _run(
        _core.max,
        x,
        softness,
        mode,
        axis=axis,
        keepdims=keepdims,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        gated_grad=gated_grad,
    )


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
    return _run(
        _core.min,
        x,
        softness,
        mode,
        axis=axis,
        keepdims=keepdims,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        gated_grad=gated_grad,
    )


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
    return _run(
        _core.argsort,
        x,
        softness,
        mode,
        axis=axis,
        descending=descending,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps,
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
    return _run(
        _core.sort,
        x,
        softness,
        mode,
        axis=axis,
        descending=descending,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        gated_grad=gated_grad,
    )


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
    return _run(
        _core.rank,
        x,
        softness,
        mode,
        axis=axis,
        method=method,
        descending=descending,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
    )


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
    return _run(
        _core.top_k,
        x,
        softness,
        mode,
        k=k,
        axis=axis,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        gated_grad=gated_grad,
        return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps,
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
    return _run(
        _core_argtop_k,
        x,
        softness,
        mode,
        k=k,
        axis=axis,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps,
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
    return _run(
        _core.argquantile,
        x,
        softness,
        mode,
        q=q,
        axis=axis,
        keepdims=keepdims,
        method=method,
        quantile_method=quantile_method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps,
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
    return _run(
        _core.quantile,
        x,
        softness,
        mode,
        q=q,
        axis=axis,
        keepdims=keepdims,
        method=method,
        quantile_method=quantile_method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        gated_grad=gated_grad,
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
    return _run(
        _core.argmedian,
        x,
        softness,
        mode,
        axis=axis,
        keepdims=keepdims,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps,
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
    return _run(
        _core.median,
        x,
        softness,
        mode,
        axis=axis,
        keepdims=keepdims,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        gated_grad=gated_grad,
    )


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
    return _run(
        _core.argpercentile,
        x,
        softness,
        mode,
        p=p,
        axis=axis,
        keepdims=keepdims,
        method=method,
        quantile_method=quantile_method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps,
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
    return _run(
        _core.percentile,
        x,
        softness,
        mode,
        p=p,
        axis=axis,
        keepdims=keepdims,
        method=method,
        quantile_method=quantile_method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        gated_grad=gated_grad,
    )
