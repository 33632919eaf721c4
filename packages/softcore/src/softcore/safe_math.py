r"""Autograd-safe versions of functions with a singular domain boundary (the double-``where`` trick).

A plain ``where(mask, f(x), fallback)`` evaluates ``f`` (and its derivative) everywhere, so a
NaN or infinite derivative outside ``mask`` turns into a NaN gradient (``0 * inf``). Here ``f``
only ever sees ``where(mask, x, safe)`` with a harmless ``safe`` value:

==========  ==========================================================  =====================
function    value                                                        derivative off-domain
==========  ==========================================================  =====================
``sqrt``    ``sqrt(x)`` for ``x > 0``, 0 for ``x <= 0``                  0
``arcsin``  ``arcsin(x)`` for ``|x| < 1``, ``+-pi/2`` for ``+-x >= 1``   0
``arccos``  ``arccos(x)`` for ``|x| < 1``, 0 for ``x >= 1``, pi for      0
            ``x <= -1``
``div``     ``x / y`` for ``y != 0``, 0 for ``y == 0``                   0
``log``     ``log(x)`` for ``x > 0``, 0 for ``x <= 0``                   0
``norm``    ``sqrt(sum(x * x))`` with the safe sqrt (0 at x = 0)          0 at x = 0
==========  ==========================================================  =====================

NaN inputs propagate: the fallback is NaN (not 0) wherever the input is NaN, so a NaN is never
silently turned into a number (``sqrt(nan) = log(nan) = norm([nan]) = nan``, ``div(nan, 0) = nan``);
other elements are unaffected. Integer/boolean inputs are promoted to the default float dtype.
"""

from __future__ import annotations

import math
from typing import Any

from softcore._arrays import ensure_float
from softcore._numerics import safe_where
from softcore._typing import Array
from softcore._validate import check_bool
from softcore.logic import _canonicalize_axes

__all__ = ["arccos", "arcsin", "div", "log", "norm", "sqrt"]


def _zero_or_nan(x: Array, *, xp: Any) -> Array:
    """0 where ``x`` is a number, NaN where it is NaN: the fallback branch that lets NaN propagate."""
    return xp.where(xp.isnan(x), x, xp.zeros_like(x))


def sqrt(x: Array, *, bk: Any) -> Array:
    r"""Safe square root: ``sqrt(x)`` for ``x > 0``, 0 otherwise; the derivative at ``x <= 0`` is 0."""
    xp = bk.xp
    x = ensure_float(x, bk=bk)
    pos = x > 0
    return safe_where(pos, x, xp.sqrt, xp.ones_like(x), _zero_or_nan(x, xp=xp), xp=xp)


def log(x: Array, *, bk: Any) -> Array:
    r"""Safe logarithm: ``log(x)`` for ``x > 0``, 0 otherwise; the derivative at ``x <= 0`` is 0."""
    xp = bk.xp
    x = ensure_float(x, bk=bk)
    pos = x > 0
    return safe_where(pos, x, xp.log, xp.ones_like(x), _zero_or_nan(x, xp=xp), xp=xp)


def _clamped_inverse_trig(x: Array, fn: Any, at_minus_one: float, at_plus_one: float, *, xp: Any) -> Array:
    inside = (x > -1) & (x < 1)
    edge = xp.where(x >= 1, xp.full_like(x, at_plus_one), xp.where(x <= -1, xp.full_like(x, at_minus_one), x))
    return safe_where(inside, x, fn, xp.zeros_like(x), edge, xp=xp)


def arcsin(x: Array, *, bk: Any) -> Array:
    r"""Safe arcsine: ``arcsin(x)`` on ``(-1, 1)``, ``pi/2`` for ``x >= 1``, ``-pi/2`` for ``x <= -1``.

    The derivative is :math:`1/\sqrt{1 - x^2}` inside and 0 outside (never NaN).
    """
    xp = bk.xp
    x = ensure_float(x, bk=bk)
    return _clamped_inverse_trig(x, xp.asin, -math.pi / 2, math.pi / 2, xp=xp)


def arccos(x: Array, *, bk: Any) -> Array:
    r"""Safe arccosine: ``arccos(x)`` on ``(-1, 1)``, 0 for ``x >= 1``, ``pi`` for ``x <= -1``.

    The derivative is :math:`-1/\sqrt{1 - x^2}` inside and 0 outside (never NaN).
    """
    xp = bk.xp
    x = ensure_float(x, bk=bk)
    return _clamped_inverse_trig(x, xp.acos, math.pi, 0.0, xp=xp)


def div(x: Array, y: Array, *, bk: Any) -> Array:
    r"""Safe division: ``x / y`` where ``y != 0``, 0 where ``y == 0`` (derivatives there are 0).

    Shapes broadcast.
    """
    xp = bk.xp
    x = ensure_float(x, bk=bk)
    y = ensure_float(y, bk=bk)
    nonzero = y != 0
    y_safe = xp.where(nonzero, y, xp.ones_like(y))
    quotient = x / y_safe
    return xp.where(nonzero, quotient, _zero_or_nan(quotient, xp=xp))


def norm(x: Array, axis: Any = None, keepdims: bool = False, *, bk: Any, names: Any = None) -> Array:
    r"""Euclidean norm :math:`\sqrt{\sum x^2}` over ``axis`` (``None``: all axes) with a safe sqrt.

    The value and gradient are 0 at ``x = 0`` (``x / \|x\|`` elsewhere). To avoid overflow and
    underflow of ``x^2`` the sum is taken on ``x / m`` with the constant (gradient-stopped)
    ``m = max|x|``: :math:`m \sqrt{\sum (x/m)^2}` is the same function of ``x``, so values and
    all derivatives are unchanged up to round-off.

    Shapes: ``x`` (..., n, ...) -> reduced over ``axis`` (kept as size 1 with ``keepdims``).
    """
    xp = bk.xp
    axis_name = "axis" if names is None else names.get("axis", "axis")
    check_bool("keepdims" if names is None else names.get("keepdims", "keepdims"), keepdims)
    x = ensure_float(x, bk=bk)
    axes = _canonicalize_axes(axis, x.ndim, name=axis_name)
    m = bk.stop_gradient(xp.max(xp.abs(x), axis=axes, keepdims=True))
    m = xp.where(xp.isfinite(m) & (m > 0), m, xp.ones_like(m))  # all-zero or non-finite: no scaling
    z = x / m
    sq = xp.sum(z * z, axis=axes, keepdims=True)
    r = m * safe_where(sq > 0, sq, xp.sqrt, xp.ones_like(sq), _zero_or_nan(sq, xp=xp), xp=xp)
    return r if keepdims else (xp.squeeze(r, axis=axes) if axes is not None else xp.reshape(r, ()))
