r"""Fuzzy logic on SoftBools (probabilities in [0, 1]); no mode, no softness.

Two t-norms are offered for conjunction (``use_geometric_mean``):

* product (default): :math:`\mathrm{all}(x) = \prod_i x_i`; exact on {0, 1} inputs;
* geometric mean: :math:`\mathrm{all}(x) = \exp(\mathrm{mean}_i \log \max(x_i, \varepsilon))`,
  which does not shrink with the number of operands (an "average" conjunction); on {0, 1}
  inputs it is exact up to a power of ``epsilon`` (``sqrt(1e-10) = 1e-5`` for two operands).

Everything else is derived by De Morgan duality with :math:`\lnot x = 1 - x`:

* ``any(x) = 1 - all(1 - x)`` (probabilistic sum; its inner ``epsilon`` is fixed at 1e-10);
* ``logical_and(x, y) = all([x, y])`` = ``x y`` or ``sqrt(max(x, eps) max(y, eps))``;
* ``logical_or(x, y) = any([x, y])`` = ``1 - (1 - x)(1 - y)`` or ``1 - sqrt(...)``;
* ``logical_xor(x, y) = or(and(x, not y), and(not x, y))``, the same t-norm in all three.

Integer and boolean inputs are promoted to the default float dtype. The geometric mean is
evaluated in at least float32 (``1e-10`` is below the float16 range) and cast back.
"""

from __future__ import annotations

import numbers
from typing import Any

from softcore._arrays import device as _device
from softcore._arrays import ensure_float
from softcore._typing import Array, SoftBool
from softcore._validate import canonicalize_axis, check_bool
from softcore.comparison import _check_nonnegative

__all__ = ["all", "any", "logical_and", "logical_not", "logical_or", "logical_xor"]

_ANY_EPSILON = 1e-10


def _canonicalize_axes(axis: Any, ndim: int, *, name: str = "axis") -> tuple[int, ...] | None:
    """``None`` (every axis), an int or a tuple/list of distinct ints -> sorted tuple or None."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        axes = tuple(canonicalize_axis(a, ndim, name=name) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{name}={tuple(axis)!r} contains a repeated axis.")
        return tuple(sorted(axes))
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{name} must be an int, a tuple of ints or None, got {axis!r}.")
    return (canonicalize_axis(axis, ndim, name=name),)


def _upcast_half(x: Array, *, xp: Any) -> Array:
    if x.dtype in (xp.float32, xp.float64):
        return x
    return xp.astype(x, xp.float32)


def _geometric_mean(x: Array, axes: tuple[int, ...] | None, epsilon: Any, *, xp: Any) -> Array:
    """``exp(mean(log(max(x, epsilon)), axes))``, in at least float32, cast back to x's dtype."""
    v = _upcast_half(x, xp=xp)
    return xp.astype(xp.exp(xp.mean(xp.log(xp.clip(v, min=epsilon)), axis=axes)), x.dtype)


def _and2(x: Array, y: Array, use_geometric_mean: bool, *, xp: Any) -> Array:
    """``all(stack([x, y], -1), -1)`` without materialising the stack (shapes broadcast)."""
    if not use_geometric_mean:
        return x * y
    u, v = _upcast_half(x, xp=xp), _upcast_half(y, xp=xp)
    logs = xp.log(xp.clip(u, min=_ANY_EPSILON)) + xp.log(xp.clip(v, min=_ANY_EPSILON))
    return xp.astype(xp.exp(logs / 2), x.dtype if x.dtype == y.dtype else logs.dtype)


def _or2(x: Array, y: Array, use_geometric_mean: bool, *, xp: Any) -> Array:
    return 1 - _and2(1 - x, 1 - y, use_geometric_mean, xp=xp)


def _floats(x: Array, y: Any, *, bk: Any) -> tuple[Array, Array]:
    """Floating operands; a Python scalar ``y`` takes the dtype of ``x``, arrays promote natively."""
    x = ensure_float(x, bk=bk)
    if isinstance(y, numbers.Number) and not isinstance(y, bool):
        return x, bk.xp.asarray(y, dtype=x.dtype, device=_device(x))
    return x, ensure_float(y, bk=bk)


def logical_not(x: SoftBool, *, bk: Any) -> SoftBool:
    r"""Soft negation :math:`1 - x`."""
    return 1 - ensure_float(x, bk=bk)


def all(  # noqa: A001
    x: SoftBool,
    axis: Any = -1,
    epsilon: Any = 1e-10,
    use_geometric_mean: bool = False,
    *,
    bk: Any,
    axis_name: str = "axis",
) -> SoftBool:
    r"""Soft conjunction along ``axis``: :math:`\prod_i x_i` (product t-norm), or with
    ``use_geometric_mean=True`` :math:`\exp(\mathrm{mean}_i \log \max(x_i, \varepsilon))`.

    Shapes: ``x`` (..., n, ...) -> (..., ...) (``axis`` removed; ``None`` reduces everything, a
    tuple reduces several axes).
    """
    xp = bk.xp
    check_bool("use_geometric_mean", use_geometric_mean)
    _check_nonnegative("epsilon", epsilon)
    x = ensure_float(x, bk=bk)
    axes = _canonicalize_axes(axis, x.ndim, name=axis_name)
    if use_geometric_mean:
        return _geometric_mean(x, axes, epsilon, xp=xp)
    return xp.prod(x, axis=axes)


def any(  # noqa: A001
    x: SoftBool, axis: Any = -1, use_geometric_mean: bool = False, *, bk: Any, axis_name: str = "axis"
) -> SoftBool:
    r"""Soft disjunction along ``axis``: ``1 - all(1 - x)`` (probabilistic sum
    :math:`1 - \prod_i (1 - x_i)`, or the geometric-mean dual with ``epsilon = 1e-10``).

    Shapes: ``x`` (..., n, ...) -> (..., ...).
    """
    check_bool("use_geometric_mean", use_geometric_mean)
    x = ensure_float(x, bk=bk)
    return 1 - all(1 - x, axis, _ANY_EPSILON, use_geometric_mean, bk=bk, axis_name=axis_name)


def logical_and(x: SoftBool, y: SoftBool, use_geometric_mean: bool = False, *, bk: Any) -> SoftBool:
    r"""Soft ``x AND y``: :math:`x y`, or :math:`\sqrt{\max(x, \varepsilon) \max(y, \varepsilon)}`.

    Equal to ``all(stack([x, y], -1), -1)``; shapes broadcast.
    """
    check_bool("use_geometric_mean", use_geometric_mean)
    x, y = _floats(x, y, bk=bk)
    return _and2(x, y, use_geometric_mean, xp=bk.xp)


def logical_or(x: SoftBool, y: SoftBool, use_geometric_mean: bool = False, *, bk: Any) -> SoftBool:
    r"""Soft ``x OR y``: :math:`1 - (1 - x)(1 - y)`, or :math:`1 - \sqrt{\max(1-x, \varepsilon)\max(1-y, \varepsilon)}`.

    Equal to ``any(stack([x, y], -1), -1)``; shapes broadcast.
    """
    check_bool("use_geometric_mean", use_geometric_mean)
    x, y = _floats(x, y, bk=bk)
    return _or2(x, y, use_geometric_mean, xp=bk.xp)


def logical_xor(x: SoftBool, y: SoftBool, use_geometric_mean: bool = False, *, bk: Any) -> SoftBool:
    r"""Soft ``x XOR y = (x AND NOT y) OR (NOT x AND y)``, the same t-norm in all three operations.

    With the product t-norm: :math:`1 - (1 - x(1-y))(1 - (1-x)y)`. Shapes broadcast.
    """
    check_bool("use_geometric_mean", use_geometric_mean)
    x, y = _floats(x, y, bk=bk)
    xp = bk.xp
    return _or2(
        _and2(x, 1 - y, use_geometric_mean, xp=xp),
        _and2(1 - x, y, use_geometric_mean, xp=xp),
        use_geometric_mean,
        xp=xp,
    )
