"""VJPRule: a primal with a hand-written reverse-mode rule, written once in array-API code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["VJPRule"]


@dataclass(frozen=True, eq=False)  # hashed by identity: safe as a cache key in the wrappers
class VJPRule:
    """A primal function together with its vector-Jacobian product.

    ``fwd(*arrays, bk, **static) -> (out, residuals)``
        ``out`` is an array (or a tuple of ``n_outputs`` arrays); ``residuals`` is a flat tuple
        of arrays (never Python objects) that ``bwd`` needs.
    ``bwd(residuals, cotangent, bk, **static) -> tuple``
        One entry per array input of ``fwd``; ``None`` means a zero cotangent.

    Static keyword arguments must be hashable Python values. ``bwd`` is array-API code, so the
    frameworks can differentiate it again (second derivatives).

    ``jvp(primals, tangents, bk, **static) -> (out, tangent_out)`` is optional. When present,
    the JAX backend registers a ``custom_jvp`` (which JAX transposes for reverse mode, so
    ``jacfwd`` and Hessians work); otherwise a ``custom_vjp``.
    """

    name: str
    fwd: Callable[..., tuple[Any, tuple[Any, ...]]]
    bwd: Callable[..., tuple[Any, ...]]
    n_outputs: int = 1
    jvp: Callable[..., tuple[Any, Any]] | None = None
