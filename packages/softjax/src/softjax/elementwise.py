"""Elementwise soft operators for JAX (maths in :mod:`softcore.elementwise`)."""

from __future__ import annotations

from typing import Any

from softcore import elementwise as _core
from softcore._typing import Array, Mode, SigmoidalMode, SoftBool
from softjax._backend import JAX
from softjax._wrap import asarray, doc_from, operand

__all__ = ["abs", "clip", "heaviside", "relu", "round", "sigmoidal", "sign", "softrelu"]


@doc_from(_core.sigmoidal)
def sigmoidal(x: Array, softness: float | Array = 0.1, mode: SigmoidalMode = "smooth") -> SoftBool:
    return _core.sigmoidal(asarray(x), softness, mode, bk=JAX)


@doc_from(_core.softrelu)
def softrelu(x: Array, softness: float | Array = 0.1, mode: SigmoidalMode = "smooth", gated: bool = False) -> Array:
    return _core.softrelu(asarray(x), softness, mode, gated, bk=JAX)


@doc_from(_core.heaviside)
def heaviside(x: Array, softness: float | Array = 0.1, mode: Mode = "smooth") -> SoftBool:
    return _core.heaviside(asarray(x), softness, mode, bk=JAX)


@doc_from(_core.round)
def round(x: Array, softness: float | Array = 0.1, mode: Mode = "smooth", neighbor_radius: int = 5) -> Array:  # noqa: A001
    return _core.round(asarray(x), softness, mode, neighbor_radius, bk=JAX)


@doc_from(_core.sign)
def sign(x: Array, softness: float | Array = 0.1, mode: Mode = "smooth") -> Array:
    return _core.sign(asarray(x), softness, mode, bk=JAX)


@doc_from(_core.abs)
def abs(x: Array, softness: float | Array = 0.1, mode: Mode = "smooth") -> Array:  # noqa: A001
    return _core.abs(asarray(x), softness, mode, bk=JAX)


@doc_from(_core.relu)
def relu(x: Array, softness: float | Array = 0.1, mode: Mode = "smooth", gated: bool = False) -> Array:
    return _core.relu(asarray(x), softness, mode, gated, bk=JAX)


@doc_from(_core.clip)
def clip(x: Array, a: Any, b: Any, softness: float | Array = 0.1, mode: Mode = "smooth", gated: bool = False) -> Array:
    return _core.clip(asarray(x), operand(a), operand(b), softness, mode, gated, bk=JAX)
