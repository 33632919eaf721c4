"""Soft (fuzzy) logic for PyTorch (maths in :mod:`softcore.logic`)."""

from __future__ import annotations

from typing import Any

from softcore import logic as _core
from softcore._typing import SoftBool
from softtorch._backend import TORCH
from softtorch._wrap import asarray, doc_from, operand

__all__ = ["all", "any", "logical_and", "logical_not", "logical_or", "logical_xor"]


@doc_from(_core.logical_not)
def logical_not(x: SoftBool) -> SoftBool:
    return _core.logical_not(asarray(x), bk=TORCH)


@doc_from(_core.logical_and)
def logical_and(x: SoftBool, y: SoftBool, use_geometric_mean: bool = False) -> SoftBool:
    return _core.logical_and(asarray(x), operand(y), use_geometric_mean, bk=TORCH)


@doc_from(_core.logical_or)
def logical_or(x: SoftBool, y: SoftBool, use_geometric_mean: bool = False) -> SoftBool:
    return _core.logical_or(asarray(x), operand(y), use_geometric_mean, bk=TORCH)


@doc_from(_core.logical_xor)
def logical_xor(x: SoftBool, y: SoftBool, use_geometric_mean: bool = False) -> SoftBool:
    return _core.logical_xor(asarray(x), operand(y), use_geometric_mean, bk=TORCH)


@doc_from(_core.all)
def all(x: SoftBool, dim: Any = -1, epsilon: float = 1e-10, use_geometric_mean: bool = False) -> SoftBool:  # noqa: A001
    return _core.all(asarray(x), dim, epsilon, use_geometric_mean, bk=TORCH, axis_name="dim")


@doc_from(_core.any)
def any(x: SoftBool, dim: Any = -1, use_geometric_mean: bool = False) -> SoftBool:  # noqa: A001
    return _core.any(asarray(x), dim, use_geometric_mean, bk=TORCH, axis_name="dim")
