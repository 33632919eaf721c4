"""Soft random sampling for PyTorch: ``softtorch.random`` (maths in :mod:`softcore.random`).

Same samplers, parameters and defaults as ``softjax.random`` without the key, with torch naming
(``dim=`` for ``axis=``) and a keyword-only ``generator: torch.Generator | None = None`` (plus
``device=`` where there is no input tensor to take it from)::

    categorical(logits, dim=-1, shape=None, replace=True, rng_mode=None, softness=0.1, mode="smooth",
                method="softsort", noise="gumbel", standardize=False, ot_kwargs=None,
                return_log_probs=False, log_prob_eps=None, *, generator=None)
    choice(a, shape=(), replace=True, p=None, dim=0, rng_mode=None, softness=0.1, mode="smooth",
           method="softsort", noise="gumbel", standardize=False, ot_kwargs=None, *, generator=None,
           device=None)
    bernoulli(p=0.5, shape=None, rng_mode="low", softness=0.1, mode="smooth", noise="uniform", *,
              generator=None, device=None)
    rademacher(shape=(), dtype=None, softness=0.1, mode="smooth", noise="uniform", *, generator=None,
               device=None)
    permutation(x, dim=0, independent=False, *, rng_mode=None, softness=0.1, mode="smooth",
                method="neuralsort", noise="gumbel", standardize=False, ot_kwargs=None, generator=None,
                device=None)
    binomial(n, p, shape=None, dtype=None, softness=0.1, mode="smooth", noise="uniform", *,
             generator=None)
    multinomial(n, p, *, shape=None, dtype=None, unroll=1, softness=0.1, mode="smooth",
                method="softsort", noise="gumbel", standardize=False, ot_kwargs=None, generator=None)

and the ``*_st`` variants with the same signatures. ``unroll`` is accepted for signature parity
and unused; JAX's ``out_sharding`` has no torch counterpart.

The noise is ``torch.rand(..., generator=generator)`` (turned into Gumbel noise by
:func:`softcore.random.gumbel_from_uniform`); ``mode="hard"`` and the private ``"_hard"`` both
return the exact sample of that draw, so for one generator seed they are identical, and the hard
samples are distributed like ``torch.multinomial`` / ``torch.bernoulli`` / ``torch.randperm``.
``X_st`` draws the noise once: the hard sample forward, the relaxation's gradient backward.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch

from softcore import random as _core
from softcore._typing import Array, SoftBool, SoftIndex
from softcore._validate import canonicalize_axis, check_bool
from softtorch._backend import TORCH
from softtorch._wrap import asarray, doc_from
from softtorch.straight_through import _private_hard_st

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

_NAMES = {"axis": "dim"}


def _bind(core_fn: Callable[..., Any]) -> Callable[..., Any]:
    return functools.partial(core_fn, bk=TORCH)


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


def _float(x: torch.Tensor) -> torch.Tensor:
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


def _out_float_dtype(dtype: Any) -> torch.dtype:
    """Requested output dtype, or the default float (integer requests also give the default float)."""
    if dtype is None or not dtype.is_floating_point:
        return torch.get_default_dtype()
    return dtype


def _check_generator(generator: Any) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}.")


def _noise(
    noise: str, shape: tuple[int, ...], dtype: torch.dtype, device: Any, generator: Any, rng_mode: Any
) -> torch.Tensor:
    """Uniforms in [0, 1) or standard Gumbels (``rng_mode="high"``: from two uniforms per value)."""
    _check_generator(generator)
    if noise == "uniform":
        return torch.rand(shape, generator=generator, dtype=dtype, device=device)
    u_shape = (2, *shape) if rng_mode == "high" else shape
    u = torch.rand(u_shape, generator=generator, dtype=dtype, device=device)
    return _core.gumbel_from_uniform(u, rng_mode, bk=TORCH)


def _check_common(mode: str, noise: str) -> None:
    _core.check_sampler_mode(mode)
    _core.check_noise(noise)


def _sampler_doc(core_fn: Callable[..., Any]) -> Callable[[Any], Any]:
    """The softcore maths, preceded by how this wrapper draws the noise."""
    name = core_fn.__name__
    head = (
        f"Soft ``{name}`` sample (PyTorch). The core's noise ``draws`` are ``torch.rand(..., generator=generator)`` "
        "on the input's device (Gumbel noise: ``-log(-log u)``); ``generator`` is keyword-only and ``axis`` "
        "is called ``dim``.\n\n"
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


def _categorical(st, logits, dim, shape, replace, rng_mode, softness, mode, method, noise, standardize, ot_kwargs,
                 return_log_probs, log_prob_eps, generator):  # fmt: skip
    _check_common(mode, noise)
    _core.check_rng_mode(rng_mode)
    logits = _float(asarray(logits))
    draws_shape = _core.categorical_draws_shape(logits.shape, dim, shape, replace, noise, names=_NAMES)
    draws = _noise(noise, draws_shape, logits.dtype, logits.device, generator, rng_mode)
    return _relaxed(_core.categorical, st)(
        logits, draws, dim, shape, replace, softness, mode=mode, method=method, noise=noise,
        standardize=standardize, ot_kwargs=ot_kwargs, return_log_probs=return_log_probs,
        log_prob_eps=log_prob_eps, names=_NAMES,
    )  # fmt: skip


@_sampler_doc(_core.categorical)
def categorical(
    logits: Array,
    dim: int = -1,
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
    *,
    generator: torch.Generator | None = None,
) -> SoftIndex:
    return _categorical(False, logits, dim, shape, replace, rng_mode, softness, mode, method, noise, standardize,
                        ot_kwargs, return_log_probs, log_prob_eps, generator)  # fmt: skip


def categorical_st(
    logits: Array,
    dim: int = -1,
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
    *,
    generator: torch.Generator | None = None,
) -> SoftIndex:
    """Straight-through :func:`categorical`: the exact one-hot sample forward, the relaxation's gradient."""
    return _categorical(True, logits, dim, shape, replace, rng_mode, softness, mode, method, noise, standardize,
                        ot_kwargs, return_log_probs, log_prob_eps, generator)  # fmt: skip


# ------------------------------------------------------------------------------------------------
# choice
# ------------------------------------------------------------------------------------------------


def _arange_if_int(a: Any, device: Any, name: str) -> torch.Tensor:
    """An int (or 0-d integer tensor) ``a`` becomes ``arange(a)``; tensors/array-likes pass through."""
    if isinstance(a, numbers.Integral) and not isinstance(a, bool):
        return torch.arange(int(a), device=device)
    t = asarray(a)
    if t.ndim > 0:
        return t
    if t.is_floating_point() or t.dtype == torch.bool:
        raise TypeError(f"{name} must be an int or a tensor with at least one dimension, got {a!r}.")
    return torch.arange(int(t), device=t.device)  # a 0-d integer tensor sets a static size


def _choice(st, a, shape, replace, p, dim, rng_mode, softness, mode, method, noise, standardize, ot_kwargs,
            generator, device):  # fmt: skip
    _check_common(mode, noise)
    _core.check_rng_mode(rng_mode)
    check_bool("replace", replace)
    p = None if p is None else _float(asarray(p))
    a = _arange_if_int(a, p.device if (device is None and p is not None) else device, "a")
    dtype = p.dtype if p is not None else _float(a).dtype
    n = a.shape[canonicalize_axis(dim, a.ndim, name="dim")]
    draws = _noise(noise, _core.choice_draws_shape(n, shape, replace, noise), dtype, a.device, generator, rng_mode)
    return _relaxed(_core.choice, st)(
        a, draws, shape, replace, p, dim, softness, mode=mode, method=method, noise=noise, standardize=standardize,
        ot_kwargs=ot_kwargs, names=_NAMES,
    )  # fmt: skip


@_sampler_doc(_core.choice)
def choice(
    a: int | Array,
    shape: Sequence[int] = (),
    replace: bool = True,
    p: Array | None = None,
    dim: int = 0,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    *,
    generator: torch.Generator | None = None,
    device: Any = None,
) -> Array:
    return _choice(False, a, shape, replace, p, dim, rng_mode, softness, mode, method, noise, standardize, ot_kwargs,
                   generator, device)  # fmt: skip


def choice_st(
    a: int | Array,
    shape: Sequence[int] = (),
    replace: bool = True,
    p: Array | None = None,
    dim: int = 0,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    *,
    generator: torch.Generator | None = None,
    device: Any = None,
) -> Array:
    """Straight-through :func:`choice`: exactly chosen entries forward, the relaxation's gradient."""
    return _choice(True, a, shape, replace, p, dim, rng_mode, softness, mode, method, noise, standardize, ot_kwargs,
                   generator, device)  # fmt: skip


# ------------------------------------------------------------------------------------------------
# bernoulli and rademacher
# ------------------------------------------------------------------------------------------------


def _bernoulli(st, p, shape, rng_mode, softness, mode, noise, generator, device):
    _check_common(mode, noise)
    _core.check_rng_mode(rng_mode, allow_none=False)
    if isinstance(p, torch.Tensor):
        p = _float(p)
    else:
        p = torch.as_tensor(p, dtype=torch.get_default_dtype(), device=device)
    draws_shape = _core.bernoulli_draws_shape(p.shape, shape, noise, rng_mode)
    draws = _noise(noise, draws_shape, p.dtype, p.device, generator, rng_mode)
    return _relaxed(_core.bernoulli, st)(p, draws, softness, mode=mode, noise=noise, rng_mode=rng_mode)


@_sampler_doc(_core.bernoulli)
def bernoulli(
    p: float | Array = 0.5,
    shape: Sequence[int] | None = None,
    rng_mode: str = "low",
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
    *,
    generator: torch.Generator | None = None,
    device: Any = None,
) -> SoftBool:
    return _bernoulli(False, p, shape, rng_mode, softness, mode, noise, generator, device)


def bernoulli_st(
    p: float | Array = 0.5,
    shape: Sequence[int] | None = None,
    rng_mode: str = "low",
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
    *,
    generator: torch.Generator | None = None,
    device: Any = None,
) -> SoftBool:
    """Straight-through :func:`bernoulli`: exact 0./1. sample forward, the relaxation's gradient."""
    return _bernoulli(True, p, shape, rng_mode, softness, mode, noise, generator, device)


def _rademacher(st, shape, dtype, softness, mode, noise, generator, device):
    _check_common(mode, noise)
    out_dtype = _out_float_dtype(dtype)
    draws_shape = _core.bernoulli_draws_shape(_core.as_shape("shape", shape), None, noise, "low")
    draws = _noise(noise, draws_shape, out_dtype, device, generator, None)
    return _relaxed(_core.rademacher, st)(draws, softness, mode=mode, noise=noise)


@_sampler_doc(_core.rademacher)
def rademacher(
    shape: Sequence[int] = (),
    dtype: torch.dtype | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
    *,
    generator: torch.Generator | None = None,
    device: Any = None,
) -> Array:
    return _rademacher(False, shape, dtype, softness, mode, noise, generator, device)


def rademacher_st(
    shape: Sequence[int] = (),
    dtype: torch.dtype | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
    *,
    generator: torch.Generator | None = None,
    device: Any = None,
) -> Array:
    """Straight-through :func:`rademacher`: exact +-1 forward, the relaxation's gradient."""
    return _rademacher(True, shape, dtype, softness, mode, noise, generator, device)


# ------------------------------------------------------------------------------------------------
# permutation
# ------------------------------------------------------------------------------------------------


def _permutation(st, x, dim, independent, rng_mode, softness, mode, method, noise, standardize, ot_kwargs, generator,
                 device):  # fmt: skip
    _check_common(mode, noise)
    _core.check_rng_mode(rng_mode)
    x = _arange_if_int(x, device, "x")
    draws_shape = _core.permutation_draws_shape(x.shape, dim, independent, names=_NAMES)
    draws = _noise(noise, draws_shape, _float(x).dtype, x.device, generator, rng_mode)
    return _relaxed(_core.permutation, st)(
        x, draws, dim, independent, softness, mode=mode, method=method, noise=noise, standardize=standardize,
        ot_kwargs=ot_kwargs, names=_NAMES,
    )  # fmt: skip


@_sampler_doc(_core.permutation)
def permutation(
    x: int | Array,
    dim: int = 0,
    independent: bool = False,
    *,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "neuralsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    generator: torch.Generator | None = None,
    device: Any = None,
) -> Array:
    return _permutation(False, x, dim, independent, rng_mode, softness, mode, method, noise, standardize, ot_kwargs,
                        generator, device)  # fmt: skip


def permutation_st(
    x: int | Array,
    dim: int = 0,
    independent: bool = False,
    *,
    rng_mode: str | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "neuralsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    generator: torch.Generator | None = None,
    device: Any = None,
) -> Array:
    """Straight-through :func:`permutation`: an exact permutation forward, the relaxation's gradient."""
    return _permutation(True, x, dim, independent, rng_mode, softness, mode, method, noise, standardize, ot_kwargs,
                        generator, device)  # fmt: skip


# ------------------------------------------------------------------------------------------------
# binomial and multinomial
# ------------------------------------------------------------------------------------------------


def _binomial(st, n, p, shape, dtype, softness, mode, noise, generator):
    _check_common(mode, noise)
    out_dtype = _out_float_dtype(dtype)
    p = asarray(p).to(out_dtype)
    draws = _noise(noise, _core.binomial_draws_shape(n, p.shape, shape, noise), out_dtype, p.device, generator, None)
    return _relaxed(_core.binomial, st)(n, p, draws, softness, mode=mode, noise=noise)


@_sampler_doc(_core.binomial)
def binomial(
    n: int,
    p: float | Array,
    shape: Sequence[int] | None = None,
    dtype: torch.dtype | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
    *,
    generator: torch.Generator | None = None,
) -> Array:
    return _binomial(False, n, p, shape, dtype, softness, mode, noise, generator)


def binomial_st(
    n: int,
    p: float | Array,
    shape: Sequence[int] | None = None,
    dtype: torch.dtype | None = None,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    noise: Noise = "uniform",
    *,
    generator: torch.Generator | None = None,
) -> Array:
    """Straight-through :func:`binomial`: exact integer counts forward, the relaxation's gradient."""
    return _binomial(True, n, p, shape, dtype, softness, mode, noise, generator)


def _multinomial(st, n, p, shape, dtype, softness, mode, method, noise, standardize, ot_kwargs, generator):
    _check_common(mode, noise)
    out_dtype = _out_float_dtype(dtype)
    p = asarray(p).to(out_dtype)
    draws_shape = _core.multinomial_draws_shape(n, p.shape, shape, noise)
    draws = _noise(noise, draws_shape, out_dtype, p.device, generator, None)
    return _relaxed(_core.multinomial, st)(
        n, p, draws, shape, softness, mode=mode, method=method, noise=noise, standardize=standardize,
        ot_kwargs=ot_kwargs,
    )  # fmt: skip


@_sampler_doc(_core.multinomial)
def multinomial(
    n: int,
    p: Array,
    *,
    shape: Sequence[int] | None = None,
    dtype: torch.dtype | None = None,
    unroll: int | bool = 1,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    generator: torch.Generator | None = None,
) -> Array:
    return _multinomial(False, n, p, shape, dtype, softness, mode, method, noise, standardize, ot_kwargs, generator)


def multinomial_st(
    n: int,
    p: Array,
    *,
    shape: Sequence[int] | None = None,
    dtype: torch.dtype | None = None,
    unroll: int | bool = 1,
    softness: float | Array = 0.1,
    mode: SamplerMode = "smooth",
    method: IndexMethod = "softsort",
    noise: Noise = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    generator: torch.Generator | None = None,
) -> Array:
    """Straight-through :func:`multinomial`: exact counts forward, the relaxation's gradient."""
    return _multinomial(True, n, p, shape, dtype, softness, mode, method, noise, standardize, ot_kwargs, generator)
