"""Soft selection and indexing for PyTorch (maths in :mod:`softcore.indexing`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from softcore import indexing as _core
from softcore._typing import Array, SoftBool, SoftIndex
from softtorch._backend import TORCH
from softtorch._wrap import asarray, doc_from, operand

__all__ = [
    "choose",
    "dynamic_slice",
    "index_select",
    "narrow",
    "take",
    "take_along_dim",
    "where",
]

_DIM = {"axis": "dim", "keepdims": "keepdim"}


def _index_list(indices: Any) -> Any:
    if isinstance(indices, (list, tuple)):
        return [asarray(p) for p in indices]
    return indices


@doc_from(_core.where)
def where(condition: SoftBool, x: Any, y: Any) -> Array:
    return _core.where(asarray(condition), operand(x), operand(y), bk=TORCH)


@doc_from(_core.take_along_axis)
def take_along_dim(x: Array, soft_index: SoftIndex, dim: int | None = None) -> Array:
    p = asarray(soft_index)
    if dim is None and p.ndim > 2:  # like torch.take_along_dim, dim=None flattens the index too
        p = p.reshape(-1, p.shape[-1])
    return _core.take_along_axis(asarray(x), p, dim, bk=TORCH, names=_DIM)


@doc_from(_core.take)
def take(x: Array, soft_index: SoftIndex, dim: int | None = None) -> Array:
    return _core.take(asarray(x), asarray(soft_index), dim, bk=TORCH, names=_DIM)


@doc_from(_core.choose)
def choose(soft_index: SoftIndex, choices: Array) -> Array:
    return _core.choose(asarray(soft_index), asarray(choices), bk=TORCH)


@doc_from(_core.dynamic_index_in_dim)
def index_select(x: Array, soft_index: SoftIndex, dim: int, keepdim: bool = True) -> Array:
    return _core.dynamic_index_in_dim(asarray(x), asarray(soft_index), dim, keepdim, bk=TORCH, names=_DIM)


@doc_from(_core.dynamic_slice_in_dim)
def narrow(x: Array, soft_start: SoftIndex, length: int, dim: int = 0) -> Array:
    names = {**_DIM, "soft_start_index": "soft_start", "slice_size": "length"}
    return _core.dynamic_slice_in_dim(asarray(x), asarray(soft_start), length, dim, bk=TORCH, names=names)


@doc_from(_core.dynamic_slice)
def dynamic_slice(x: Array, soft_start_indices: Sequence[SoftIndex], slice_sizes: Sequence[int]) -> Array:
    return _core.dynamic_slice(asarray(x), _index_list(soft_start_indices), slice_sizes, bk=TORCH)
