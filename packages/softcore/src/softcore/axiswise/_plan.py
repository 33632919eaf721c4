"""Axis handling for the axis-wise ops: move the working axis last (or flatten), and put results back.

Every axis-wise op computes on ``(..., n)`` with ``n`` the last axis. Results come in three layouts:

* reduced (``max``, ``argmax``, ``quantile``): ``batch + trailing`` -> the framework's reduced shape,
  with the axis re-inserted as size 1 when ``keepdims``;
* positional (``sort``, ``argsort``, ``rank``, ``top_k``): ``batch + (m,) + trailing`` -> the
  ``m`` axis goes back to where ``axis`` was;
* ``trailing`` axes (the ``[n]`` probability axis of a SoftIndex) always stay last; ``lead`` axes
  (the ``k`` of a vector ``q``) always stay first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from softcore._typing import Array
from softcore._validate import canonicalize_axis

__all__ = ["AxisPlan", "move_axis", "move_to_last", "restore_positions", "restore_reduced"]


def move_axis(x: Array, source: int, destination: int, *, xp: Any) -> Array:
    """``moveaxis`` through ``permute_dims`` (torch.func.vmap has no batching rule for
    ``torch.moveaxis``)."""
    ndim = x.ndim
    source, destination = source % ndim, destination % ndim
    if source == destination:
        return x
    order = [i for i in range(ndim) if i != source]
    order.insert(destination, source)
    return xp.permute_dims(x, tuple(order))


@dataclass(frozen=True)
class AxisPlan:
    """Static description of how the input was laid out: its shape and the canonical axis."""

    shape: tuple[int, ...]
    axis: int | None  # None: the input was flattened

    @property
    def ndim(self) -> int:
        return len(self.shape)


def move_to_last(x: Array, axis: Any, *, xp: Any, name: str = "axis") -> tuple[Array, AxisPlan]:
    """``axis=None`` flattens; an int axis is validated and moved last. Returns ``(x (..., n), plan)``."""
    shape = tuple(x.shape)
    if axis is None:
        return xp.reshape(x, (-1,)), AxisPlan(shape, None)
    ax = canonicalize_axis(axis, x.ndim, name=name)
    if ax != x.ndim - 1:
        x = move_axis(x, ax, -1, xp=xp)
    return x, AxisPlan(shape, ax)


def restore_reduced(y: Array, plan: AxisPlan, keepdims: bool, *, xp: Any, lead: int = 0, trailing: int = 0) -> Array:
    """``y``: ``lead + batch + trailing`` -> the reduced layout (size-1 axis kept if ``keepdims``)."""
    if not keepdims:
        return y
    shape = tuple(y.shape)
    head, tail = shape[:lead], shape[len(shape) - trailing :]
    if plan.axis is None:
        return xp.reshape(y, head + (1,) * plan.ndim + tail)
    batch = shape[lead : len(shape) - trailing]
    return xp.reshape(y, head + batch[: plan.axis] + (1,) + batch[plan.axis :] + tail)


def restore_positions(y: Array, plan: AxisPlan, *, xp: Any, trailing: int = 0) -> Array:
    """``y``: ``batch + (m,) + trailing`` -> the ``m`` axis moved back to ``plan.axis``."""
    if plan.axis is None:
        return y
    src = y.ndim - 1 - trailing
    if src == plan.axis:
        return y
    return move_axis(y, src, plan.axis, xp=xp)
