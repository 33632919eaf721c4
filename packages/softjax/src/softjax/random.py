"""Soft random sampling for JAX: ``softjax.random`` (maths in :mod:`softcore.random`).

Every sampler takes a key first, like ``jax.random``. ``mode="hard"`` calls the ``jax.random``
sampler itself; the soft modes draw the noise with the given key exactly as that sampler would
(``jax.random.gumbel`` / ``jax.random.uniform`` with the same shape, dtype and ``rng_mode``) and
relax the hard decision on that draw. The private ``mode="_hard"`` computes the hard sample from
the same draw; it equals ``mode="hard"`` bit for bit for ``categorical``, ``bernoulli`` and
``rademacher`` (and for ``choice`` with ``p``, either with ``replace=False`` or with
``noise="uniform"``), and in distribution for the others.

``X_st`` (``categorical_st``, ...) draws the noise once and returns the ``_hard`` sample in the
forward pass with the gradient of the relaxation of ``mode`` (straight-through).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Literal

import jax
import jax.numpy as jnp

from softcore import random as _core
from softcore._typing import Array, SoftBool, SoftIndex
from softcore._validate import canonicalize_axis, check_bool, check_choice
from softcore.axiswise._common import check_log_prob_request
from softcore.axiswise._dispatch import INDEX_METHODS
from softjax._backend import JAX
from softjax._wrap import asarray, doc_from
from softjax.straight_through import _private_hard_st

__all__ = [
    "bernoulli",
    "bernoulli_st",
    "binomial",
    "binomial_st",
    "categorical",
    "categorical_st",
    "choice",
    "choice_st",
    "multinomial",
    "multinomial_st",
    "permutation",
    "permutation_st",
    "rademacher",
    "rademacher_st",
]

SamplerMode = Literal["hard", "smooth", "c0", "c1", "c2"]
IndexMethod = Literal["ot", "softsort", "neuralsort", "sorting_network"]
Noise = Literal["gumbel", "uniform"]


def _bind(core_fn: Callable[..., Any]) -> Callable[..., Any]:
    return functools.partial(core_fn, bk=JAX)


_CORE_SAMPLERS = (
    _core.categorical,
    _core.choice,
    _core.bernoulli,
    _core.rademacher,
    _core.permutation,
    _core.binomial,
    _core.multinomial,
)
# core sampler -> (relaxation, straight-through relaxation: ``_hard`` forward, soft backward)
_RELAXED = {fn: (_bind(fn), _private_hard_st(_bind(fn))) for fn in _CORE_SAMPLERS}


def _relaxed(core_fn: Callable[..., Any], st: bool) -> Callable[..., Any]:
    """``core_fn`` bound to the backend; ``st``: hard (``_hard``) forward on the same draw, soft backward."""
    return _RELAXED[core_fn][st]


def _float(x: Any) -> Any:
    x = asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(jnp.result_type(float))


def _out_float_dtype(dtype: Any) -> Any:
    """Requested output dtype, or the default float (integer requests also give the default float)."""
    if dtype is None or not jnp.issubdtype(jnp.dtype(dtype), jnp.floating):
        return jnp.result_type(float)
    return jnp.dtype(dtype)


def _gumbel(key: Any, shape: tuple[int, ...], dtype: Any, rng_mode: Any) -> Any:
    return jax.random.gumbel(key, shape, dtype, mode=rng_mode)


def _noise(key: Any, noise: str, shape: tuple[int, ...], dtype: Any, rng_mode: Any) -> Any:
    if noise == "gumbel":
        return _gumbel(key, shape, dtype, rng_mode)
    return jax.random.uniform(key, shape, dtype)


def _check_hard_common(mode: str, noise: str, method: str | None = None, standardize: Any = False) -> None:
    _core.check_sampler_mode(mode)
    _core.check_noise(noise)
    if method is not None:
        check_choice("method", method, INDEX_METHODS)
    check_bool("standardize", standardize)


def _sampler_doc(core_fn: Callable[..., Any]) -> Callable[[Any], Any]:
    """The softcore maths, preceded by how this wrapper draws the noise."""
    name = core_fn.__name__
    head = (
        f"Soft ``{name}`` sample (JAX). The core's noise ``draws`` are drawn from ``key`` exactly as "
        f"``jax.random.{name}`` would (same shape, dtype and ``rng_mode``); ``mode='hard'`` calls "
        f"``jax.random.{name}`` itself.\n\n"
    )
    return _prepend(head, doc_from(core_fn))


def _prepend(head: str, decorate: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(fn: Any) -> Any:
        fn = decorate(fn)
        fn.__doc__ = head + (fn.__doc__ or "")
        return fn

    return apply


# ------------------------------------------------------------------------------------------------
# categorical
# ------------------------------------------------------------------------------------------------


def _categorical(st, key, logits, axis, shape, replace, rng_mode, softness, mode, method, noise, standardize,
                 ot_kwargs, return_log_probs, log_prob_eps):  # fmt: skip
    logits = _float(logits)
    _check_hard_common(mode, noise, method, standardize)
    _core.check_rng_mode(rng_mode)
    check_log_prob_request(return_log_probs, log_prob_eps)
    draws_shape = _core.categorical_draws_shape(logits.shape, axis, shape, replace, noise)
    if mode == "hard" and not st:
        out_shape = None if shape is None else _core.as_shape("shape", shape)
        idx = jax.random.categorical(key, logits, axis, out_shape, replace, mode=rng_mode)
        n = logits.shape[axis]
        return _core.one_hot_index(idx, n, logits.dtype, return_log_probs, log_prob_eps, bk=JAX)
    draws = _noise(key, noise, draws_shape, logits.dtype, rng_mode)
    return _relaxed(_core.categorical, st)(
        logits, draws, axis, shape, replace, softness, mode=mode, method=method, noise=noise,
        standardize=standardize, ot_kwargs=ot_kwargs, return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps,
    )  # fmt: skip


@_sampler_doc(_core.categorical)
def categorical(
    key: Array,
    logits: Array,
    axis: int = -1,
    shape: Sequence[int] | None = None,
    replace: bool = True,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _categorical(False, key, logits, axis, shape, replace, rng_mode, softness, mode, method, noise,
                        standardize, ot_kwargs, return_log_probs, log_prob_eps)  # fmt: skip


def categorical_st(
    key: Array,
    logits: Array,
    axis: int = -1,
    shape: Sequence[int] | None = None,
    replace: bool = True,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    """Straight-through :func:`categorical`: the exact one-hot sample forward, the relaxation's gradient."""
    return _categorical(True, key, logits, axis, shape, replace, rng_mode, softness, mode, method, noise,
                        standardize, ot_kwargs, return_log_probs, log_prob_eps)  # fmt: skip


# ------------------------------------------------------------------------------------------------
# choice
# ------------------------------------------------------------------------------------------------


def _choice(st, key, a, shape, replace, p, axis, rng_mode, softness, mode, method, noise, standardize, ot_kwargs):
    _check_hard_common(mode, noise, method, standardize)
    _core.check_rng_mode(rng_mode)
    check_bool("replace", replace)
    a_arr = asarray(a)
    if mode == "hard" and not st:
        return jax.random.choice(key, a, _core.as_shape("shape", shape), replace, p, axis, mode=rng_mode)
    if a_arr.ndim == 0:
        if not jnp.issubdtype(a_arr.dtype, jnp.integer):
            raise TypeError(f"a must be an int or an array with at least one dimension, got {a!r}.")
        a_arr = jnp.arange(int(a))
    p_arr = None if p is None else _float(p)
    dtype = p_arr.dtype if p_arr is not None else _float(a_arr).dtype
    n = a_arr.shape[canonicalize_axis(axis, a_arr.ndim)]
    draws_shape = _core.choice_draws_shape(n, shape, replace, noise)
    draws = _noise(key, noise, draws_shape, dtype, rng_mode)
    return _relaxed(_core.choice, st)(
        a_arr, draws, shape, replace, p_arr, axis, softness, mode=mode, method=method, noise=noise,
        standardize=standardize, ot_kwargs=ot_kwargs,
    )  # fmt: skip


@_sampler_doc(_core.choice)
def choice(
    key: Array,
    a: int | Array,
    shape: Sequence[int] = (),
    replace: bool = True,
    p: Array | None = None,
    axis: int = 0,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
) -> Array:
    return _choice(False, key, a, shape, replace, p, axis, rng_mode, softness, mode, method, noise, standardize,
                   ot_kwargs)  # fmt: skip


def choice_st(
    key: Array,
    a: int | Array,
    shape: Sequence[int] = (),
    replace: bool = True,
    p: Array | None = None,
    axis: int = 0,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
) -> Array:
    """Straight-through :func:`choice`: exactly chosen entries forward, the relaxation's gradient."""
    return _choice(True, key, a, shape, replace, p, axis, rng_mode, softness, mode, method, noise, standardize,
                   ot_kwargs)  # fmt: skip


# ------------------------------------------------------------------------------------------------
# bernoulli and rademacher
# ------------------------------------------------------------------------------------------------


def _bernoulli(st, key, p, shape, rng_mode, softness, mode, noise):
    _check_hard_common(mode, noise)
    _core.check_rng_mode(rng_mode, allow_none=False)
    p = _float(p)
    draws_shape = _core.bernoulli_draws_shape(p.shape, shape, noise, rng_mode)
    if mode == "hard" and not st:
        out_shape = None if shape is None else _core.as_shape("shape", shape)
        return jax.random.bernoulli(key, p, out_shape, mode=rng_mode).astype(p.dtype)
    draws = _noise(key, noise, draws_shape, p.dtype, rng_mode)
    return _relaxed(_core.bernoulli, st)(p, draws, softness, mode=mode, noise=noise, rng_mode=rng_mode)


@_sampler_doc(_core.bernoulli)
def bernoulli(
    key: Array,
    p: float | Array = 0.5,
    shape: Sequence[int] | None = None,
    rng_mode: str = "low",
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
) -> SoftBool:
    return _bernoulli(False, key, p, shape, rng_mode, softness, mode, noise)


def bernoulli_st(
    key: Array,
    p: float | Array = 0.5,
    shape: Sequence[int] | None = None,
    rng_mode: str = "low",
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
) -> SoftBool:
    """Straight-through :func:`bernoulli`: exact 0./1. sample forward, the relaxation's gradient."""
    return _bernoulli(True, key, p, shape, rng_mode, softness, mode, noise)


def _rademacher(st, key, shape, dtype, softness, mode, noise):
    _check_hard_common(mode, noise)
    out_dtype = _out_float_dtype(dtype)
    shape = _core.as_shape("shape", shape)
    if mode == "hard" and not st:
        return jax.random.rademacher(key, shape, out_dtype)
    # jax.random.rademacher draws bernoulli(key, 0.5, shape): uniforms of the default float dtype
    noise_dtype = jnp.result_type(float)
    draws_shape = _core.bernoulli_draws_shape(shape, None, noise, "low")
    draws = _noise(key, noise, draws_shape, noise_dtype, None)
    return _relaxed(_core.rademacher, st)(draws, softness, mode=mode, noise=noise).astype(out_dtype)


@_sampler_doc(_core.rademacher)
def rademacher(
    key: Array,
    shape: Sequence[int] = (),
    dtype: Any = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
) -> Array:
    return _rademacher(False, key, shape, dtype, softness, mode, noise)


def rademacher_st(
    key: Array,
    shape: Sequence[int] = (),
    dtype: Any = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
) -> Array:
    """Straight-through :func:`rademacher`: exact +-1 forward, the relaxation's gradient."""
    return _rademacher(True, key, shape, dtype, softness, mode, noise)


# ------------------------------------------------------------------------------------------------
# permutation
# ------------------------------------------------------------------------------------------------


def _permutation(st, key, x, axis, independent, out_sharding, rng_mode, softness, mode, method, noise, standardize,
                 ot_kwargs):  # fmt: skip
    _check_hard_common(mode, noise, method, standardize)
    _core.check_rng_mode(rng_mode)
    check_bool("independent", independent)
    if mode == "hard" and not st:
        return jax.random.permutation(key, x, axis, independent, out_sharding=out_sharding)
    if out_sharding is not None:
        raise ValueError("out_sharding is only supported with mode='hard'.")
    x_arr = asarray(x)
    if x_arr.ndim == 0:
        if not jnp.issubdtype(x_arr.dtype, jnp.integer):
            raise TypeError("x must be an integer or at least 1-dimensional.")
        x_arr = jnp.arange(int(x))
    draws_shape = _core.permutation_draws_shape(x_arr.shape, axis, independent)
    draws = _noise(key, noise, draws_shape, _float(x_arr).dtype, rng_mode)
    return _relaxed(_core.permutation, st)(
        x_arr, draws, axis, independent, softness, mode=mode, method=method, noise=noise, standardize=standardize,
        ot_kwargs=ot_kwargs,
    )  # fmt: skip


@_sampler_doc(_core.permutation)
def permutation(
    key: Array,
    x: int | Array,
    axis: int = 0,
    independent: bool = False,
    *,
    out_sharding: Any = None,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "neuralsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
) -> Array:
    return _permutation(False, key, x, axis, independent, out_sharding, rng_mode, softness, mode, method, noise,
                        standardize, ot_kwargs)  # fmt: skip


def permutation_st(
    key: Array,
    x: int | Array,
    axis: int = 0,
    independent: bool = False,
    *,
    out_sharding: Any = None,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "neuralsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
) -> Array:
    """Straight-through :func:`permutation`: an exact permutation forward, the relaxation's gradient."""
    return _permutation(True, key, x, axis, independent, out_sharding, rng_mode, softness, mode, method, noise,
                        standardize, ot_kwargs)  # fmt: skip


# ------------------------------------------------------------------------------------------------
# binomial and multinomial
# ------------------------------------------------------------------------------------------------


def _binomial(st, key, n, p, shape, dtype, softness, mode, noise):
    _check_hard_common(mode, noise)
    out_dtype = _out_float_dtype(dtype)
    if mode == "hard" and not st:
        return jax.random.binomial(key, n, p, None if shape is None else _core.as_shape("shape", shape), out_dtype)
    p = asarray(p).astype(out_dtype)
    draws_shape = _core.binomial_draws_shape(n, p.shape, shape, noise)
    draws = _noise(key, noise, draws_shape, out_dtype, None)
    return _relaxed(_core.binomial, st)(n, p, draws, softness, mode=mode, noise=noise)


@_sampler_doc(_core.binomial)
def binomial(
    key: Array,
    n: int,
    p: float | Array,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
) -> Array:
    return _binomial(False, key, n, p, shape, dtype, softness, mode, noise)


def binomial_st(
    key: Array,
    n: int,
    p: float | Array,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
) -> Array:
    """Straight-through :func:`binomial`: exact integer counts forward, the relaxation's gradient."""
    return _binomial(True, key, n, p, shape, dtype, softness, mode, noise)


def _multinomial(st, key, n, p, shape, dtype, unroll, softness, mode, method, noise, standardize, ot_kwargs):
    _check_hard_common(mode, noise, method, standardize)
    out_dtype = _out_float_dtype(dtype)
    if mode == "hard" and not st:
        out_shape = None if shape is None else _core.as_shape("shape", shape)
        return jax.random.multinomial(key, n, p, shape=out_shape, dtype=out_dtype, unroll=unroll)
    p = asarray(p).astype(out_dtype)
    draws_shape = _core.multinomial_draws_shape(n, p.shape, shape, noise)
    draws = _noise(key, noise, draws_shape, out_dtype, None)
    return _relaxed(_core.multinomial, st)(
        n, p, draws, shape, softness, mode=mode, method=method, noise=noise, standardize=standardize,
        ot_kwargs=ot_kwargs,
    )  # fmt: skip


@_sampler_doc(_core.multinomial)
def multinomial(
    key: Array,
    n: int,
    p: Array,
    *,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
    unroll: int | bool = 1,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
) -> Array:
    return _multinomial(False, key, n, p, shape, dtype, unroll, softness, mode, method, noise, standardize,
                        ot_kwargs)  # fmt: skip


def multinomial_st(
    key: Array,
    n: int,
    p: Array,
    *,
    shape: Sequence[int] | None = None,
    dtype: Any = None,
    unroll: int | bool = 1,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
) -> Array:
    """Straight-through :func:`multinomial`: exact counts forward, the relaxation's gradient."""
    return _multinomial(True, key, n, p, shape, dtype, unroll, softness, mode, method, noise, standardize,
                        ot_kwargs)  # fmt: skip
