"""Dtype and axis helpers shared by the topic modules."""

from __future__ import annotations

from typing import Any

import array_api_compat

__all__ = ["cumsum", "device", "ensure_float", "is_floating", "is_low_precision"]


def is_floating(x: Any, *, xp: Any) -> bool:
    return bool(xp.isdtype(x.dtype, "real floating"))


def is_low_precision(x: Any, *, xp: Any) -> bool:
    """True for float16 / bfloat16 arrays (floating dtypes narrower than float32)."""
    dt = getattr(x, "dtype", None)
    return dt is not None and bool(xp.isdtype(dt, "real floating")) and dt not in (xp.float32, xp.float64)


def ensure_float(x: Any, *, bk: Any) -> Any:
    """Integer and boolean inputs become the framework's default float dtype; floats are kept."""
    xp = bk.xp
    if xp.isdtype(x.dtype, "real floating"):
        return x
    return xp.astype(x, bk.default_float_dtype())


def device(x: Any) -> Any:
    """The device of ``x``. torch tensors are asked directly: ``array_api_compat.device`` goes through
    an ``lru_cache`` that torch.compile (Dynamo) warns about. (Under ``jax.jit`` this is ``None``,
    which array creation functions accept.)"""
    if type(x).__module__.startswith("torch"):
        return x.device
    return array_api_compat.device(x)  # noqa: TID251  (the one sanctioned call)


def cumsum(x: Any, *, xp: Any) -> Any:
    """Cumulative sum along the last axis. The namespace's own ``cumsum`` (positional axis in NumPy,
    JAX and torch) when it has one: array-api-compat's torch ``cumulative_sum`` looks the namespace
    up through an ``lru_cache`` that torch.compile (Dynamo) warns about."""
    fn = getattr(xp, "cumsum", None)
    return fn(x, -1) if fn is not None else xp.cumulative_sum(x, axis=-1)
