"""Soft selection and indexing for JAX (maths in :mod:`softcore.indexing`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from softcore import indexing as _core
from softcore._typing import Array, SoftBool, SoftIndex
from softjax._backend import JAX
from softjax._wrap import asarray, doc_from, operand

__all__ = [
    "choose",
    "dynamic_index_in_dim",
    "dynamic_slice",
    "dynamic_slice_in_dim",
    "take",
    "take_along_axis",
    "where",
]


def _index_list(indices: Any) -> Any:
    if isinstance(indices, (list, tuple)):
        return [asarray(p) for p in indices]
    return indices


@doc_from(_core.where)
def where(condition: SoftBool, x: Any, y: Any) -> Array:
    return _core.where(asarray(condition), operand(x), operand(y), bk=JAX)


@doc_from(_core.take_along_axis)
def take_along_axis(x: Array, soft_index: SoftIndex, axis: int | None = -1) -> Array:
    return _core.take_along_axis(asarray(x), asarray(soft_index), axis, bk=JAX)


@doc_from(_core.take)
def take(x: Array, soft_index: SoftIndex, axis: int | None = None) -> Array:
    return _core.take(asarray(x), asarray(soft_index), axis, bk=JAX)


@doc_from(_core.choose)
def choose(soft_index: SoftIndex, choices: Array) -> Array:
    return _core.choose(asarray(soft_index), asarray(choices), bk=JAX)


@doc_from(_core.dynamic_index_in_dim)
def dynamic_index_in_dim(x: Array, soft_index: SoftIndex, axis: int = 0, keepdims: bool = True) -> Array:
    return _core.dynamic_index_in_dim(asarray(x), asarray(soft_index), axis, keepdims, bk=JAX)


@doc_from(_core.dynamic_slice_in_dim)
def dynamic_slice_in_dim(x: Array, soft_start_index: SoftIndex, slice_size: int, axis: int = 0) -> Array:
    return _core.dynamic_slice_in_dim(asarray(x), asarray(soft_start_index), slice_size, axis, bk=JAX)


@doc_from(_core.dynamic_slice)
def dynamic_slice(x: Array, soft_start_indices: Sequence[SoftIndex], slice_sizes: Sequence[int]) -> Array:
    return _core.dynamic_slice(asarray(x), _index_list(soft_start_indices), slice_sizes, bk=JAX)
