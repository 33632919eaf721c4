"""Small helpers shared by the softtorch wrapper modules."""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any, TypeVar

import torch

F = TypeVar("F", bound=Callable[..., Any])


def asarray(x: Any) -> torch.Tensor:
    """Tensors pass through untouched (device and autograd kept); anything else via ``torch.as_tensor``."""
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


def operand(x: Any) -> Any:
    """Second operands may stay Python scalars (they take the dtype of the tensor)."""
    if isinstance(x, numbers.Number) and not isinstance(x, bool):
        return x
    return asarray(x)


def doc_from(core_fn: Callable[..., Any]) -> Callable[[F], F]:
    """Use the softcore docstring (the maths lives there) for the PyTorch wrapper."""

    def decorate(fn: F) -> F:
        # cleandoc: the core docstring's indented body would not line up with the appended note.
        doc = inspect.cleandoc(core_fn.__doc__ or "").replace("``axis``", "``dim``").replace("keepdims", "keepdim")
        fn.__doc__ = doc + "\n\n(PyTorch wrapper of ``softcore." + core_fn.__name__ + "``.)"
        return fn

    return decorate
