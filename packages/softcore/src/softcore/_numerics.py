"""Numerically safe scalar functions on arrays, in array-API code."""

from __future__ import annotations

from typing import Any

__all__ = ["sigmoid", "softplus", "safe_where", "logsumexp", "softmax", "log_softmax"]

Array = Any


def sigmoid(x: Array, *, xp: Any) -> Array:
    """Logistic function ``1 / (1 + exp(-x))`` without overflow for either sign of ``x``."""
    # Each branch sees only arguments where exp cannot overflow, so values AND derivatives are
    # finite everywhere (an exp(-|x|) formulation would get a zero derivative at x = 0 from abs').
    pos = x >= 0
    x_pos = xp.where(pos, x, xp.zeros_like(x))
    e_neg = xp.exp(xp.where(pos, xp.zeros_like(x), x))
    return xp.where(pos, 1 / (1 + xp.exp(-x_pos)), e_neg / (1 + e_neg))


def softplus(x: Array, *, xp: Any) -> Array:
    """``log(1 + exp(x))``, stable for every x, with exact derivatives of every order at 0.

    ``x + log1p(exp(-x))`` for ``x >= 0`` and ``log1p(exp(x))`` for ``x < 0``, each branch fed only
    its own half-line (double where), so nothing overflows and no derivative is NaN. (A formula
    through ``|x|`` would inherit ``d|x|/dx = 0`` at 0 and get the second derivative wrong there.)
    """
    pos = x >= 0
    zero = xp.zeros_like(x)
    x_pos = xp.where(pos, x, zero)
    x_neg = xp.where(pos, zero, x)
    return xp.where(pos, x_pos + xp.log1p(xp.exp(-x_pos)), xp.log1p(xp.exp(x_neg)))


def safe_where(mask: Array, x: Array, fn: Any, safe_value: Any, fallback: Array, *, xp: Any) -> Array:
    """``where(mask, fn(x), fallback)`` whose gradient is NaN-free (the double-where trick).

    ``fn`` is evaluated only on ``where(mask, x, safe_value)``, so its derivative is never taken
    at a point where it is undefined.
    """
    return xp.where(mask, fn(xp.where(mask, x, safe_value)), fallback)


def logsumexp(x: Array, *, axis: int, keepdims: bool = False, xp: Any) -> Array:
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    out = xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else xp.squeeze(out, axis=axis)


def log_softmax(x: Array, *, axis: int, xp: Any) -> Array:
    return x - logsumexp(x, axis=axis, keepdims=True, xp=xp)


def softmax(x: Array, *, axis: int, xp: Any) -> Array:
    m = xp.max(x, axis=axis, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    e = xp.exp(x - m)
    return e / xp.sum(e, axis=axis, keepdims=True)
