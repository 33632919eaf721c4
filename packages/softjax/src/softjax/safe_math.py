"""Autograd-safe sqrt / arcsin / arccos / div / log / norm for JAX (maths in :mod:`softcore.safe_math`)."""

from __future__ import annotations

from typing import Any

from softcore import safe_math as _core
from softcore._typing import Array
from softjax._backend import JAX
from softjax._wrap import asarray, doc_from

__all__ = ["arccos", "arcsin", "div", "log", "norm", "sqrt"]


@doc_from(_core.sqrt)
def sqrt(x: Array) -> Array:
    return _core.sqrt(asarray(x), bk=JAX)


@doc_from(_core.arcsin)
def arcsin(x: Array) -> Array:
    return _core.arcsin(asarray(x), bk=JAX)


@doc_from(_core.arccos)
def arccos(x: Array) -> Array:
    return _core.arccos(asarray(x), bk=JAX)


@doc_from(_core.div)
def div(x: Array, y: Array) -> Array:
    return _core.div(asarray(x), asarray(y), bk=JAX)


@doc_from(_core.log)
def log(x: Array) -> Array:
    return _core.log(asarray(x), bk=JAX)


@doc_from(_core.norm)
def norm(x: Array, axis: Any = None, keepdims: bool = False) -> Array:
    return _core.norm(asarray(x), axis, keepdims, bk=JAX)
