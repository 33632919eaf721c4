"""Soft comparisons for JAX (maths in :mod:`softcore.comparison`)."""

from __future__ import annotations

from typing import Any

from softcore import comparison as _core
from softcore._typing import Array, Mode, SoftBool
from softjax._backend import JAX
from softjax._wrap import asarray, doc_from, operand

__all__ = ["equal", "greater", "greater_equal", "isclose", "less", "less_equal", "not_equal"]


@doc_from(_core.greater)
def greater(x: Array, y: Any, softness: float | Array = 0.1, mode: Mode = "smooth", epsilon: float = 1e-10) -> SoftBool:
    return _core.greater(asarray(x), operand(y), softness, mode, epsilon, bk=JAX)


@doc_from(_core.greater_equal)
def greater_equal(
    x: Array, y: Any, softness: float | Array = 0.1, mode: Mode = "smooth", epsilon: float = 1e-10
) -> SoftBool:
    return _core.greater_equal(asarray(x), operand(y), softness, mode, epsilon, bk=JAX)


@doc_from(_core.less)
def less(x: Array, y: Any, softness: float | Array = 0.1, mode: Mode = "smooth", epsilon: float = 1e-10) -> SoftBool:
    return _core.less(asarray(x), operand(y), softness, mode, epsilon, bk=JAX)


@doc_from(_core.less_equal)
def less_equal(
    x: Array, y: Any, softness: float | Array = 0.1, mode: Mode = "smooth", epsilon: float = 1e-10
) -> SoftBool:
    return _core.less_equal(asarray(x), operand(y), softness, mode, epsilon, bk=JAX)


@doc_from(_core.equal)
def equal(x: Array, y: Any, softness: float | Array = 0.1, mode: Mode = "smooth", epsilon: float = 1e-10) -> SoftBool:
    return _core.equal(asarray(x), operand(y), softness, mode, epsilon, bk=JAX)


@doc_from(_core.not_equal)
def not_equal(
    x: Array, y: Any, softness: float | Array = 0.1, mode: Mode = "smooth", epsilon: float = 1e-10
) -> SoftBool:
    return _core.not_equal(asarray(x), operand(y), softness, mode, epsilon, bk=JAX)


@doc_from(_core.isclose)
def isclose(
    x: Array,
    y: Any,
    softness: float | Array = 0.1,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    mode: Mode = "smooth",
    epsilon: float = 1e-10,
) -> SoftBool:
    return _core.isclose(asarray(x), operand(y), softness, rtol, atol, mode, epsilon, bk=JAX)
