"""Argument checks: only Python scalars and static configuration are validated, never array values
(no host synchronisation, and JAX tracers pass through unchecked)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

__all__ = ["canonicalize_axis", "check_choice", "check_softness", "check_bool", "check_int"]


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed`` (public names listed)."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        public = [a for a in allowed if not a.startswith("_")]
        raise ValueError(f"Invalid {name}: {value!r}. Allowed values: {', '.join(map(repr, public))}.")
    return value


def check_softness(softness: Any) -> Any:
    """``softness`` must be positive when it is a Python number; arrays/tracers are not checked."""
    if isinstance(softness, bool):
        raise TypeError(f"softness must be a positive number or an array, got {softness!r}.")
    if isinstance(softness, numbers.Real):
        if not softness > 0:  # type: ignore[operator]  # also catches NaN
            raise ValueError(f"softness must be positive, got {softness!r}.")
        return softness
    if isinstance(softness, (str, bytes)) or softness is None:
        raise TypeError(f"softness must be a positive number or an array, got {softness!r}.")
    return softness


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {value!r}.")
    return value


def check_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}.")
    return int(value)


def canonicalize_axis(axis: Any, ndim: int, *, name: str = "axis") -> int:
    """Normalise an integer axis to ``[0, ndim)``; ``ValueError``/``TypeError`` otherwise."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {axis!r}.")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}={axis} is out of range for an array of dimension {ndim}.")
    return axis % ndim
