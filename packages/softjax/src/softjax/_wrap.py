"""Small helpers shared by the softjax wrapper modules."""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any, TypeVar

import jax.numpy as jnp

F = TypeVar("F", bound=Callable[..., Any])


def asarray(x: Any) -> Any:
    """Accept anything ``jnp.asarray`` accepts (arrays, NumPy arrays, lists, scalars)."""
    return x if isinstance(x, jnp.ndarray) else jnp.asarray(x)


def operand(x: Any) -> Any:
    """Second operands may stay Python scalars (weak typing keeps the dtype of the array)."""
    if isinstance(x, numbers.Number) and not isinstance(x, bool):
        return x
    return asarray(x)


def doc_from(core_fn: Callable[..., Any]) -> Callable[[F], F]:
    """Use the softcore docstring (the maths lives there) for the JAX wrapper."""

    def decorate(fn: F) -> F:
        # cleandoc: the core docstring's indented body would not line up with the appended note.
        fn.__doc__ = (
            inspect.cleandoc(core_fn.__doc__ or "") + "\n\n(JAX wrapper of ``softcore." + core_fn.__name__ + "``.)"
        )
        return fn

    return decorate
