r"""Soft comparisons: relaxed ``>``, ``>=``, ``<``, ``<=``, ``==``, ``!=`` and ``isclose``.

Every comparison returns a SoftBool (a probability in [0, 1]) of the broadcast shape of ``x`` and
``y``, in the floating dtype of ``x - y`` (integer/boolean inputs are promoted to the default
float first). With :math:`\sigma` the elementwise :func:`softcore.elementwise.sigmoidal`
(same ``softness`` and ``mode``), :math:`|\cdot|_s` the soft :func:`softcore.elementwise.abs`,
:math:`d = x - y` and :math:`\varepsilon` = ``epsilon``:

=================  ===============================================================  =================
op                 soft                                                             hard (0./1.)
=================  ===============================================================  =================
``greater``        :math:`\sigma(d - \varepsilon)`                                  ``x > y``
``greater_equal``  :math:`\sigma(d + \varepsilon)`                                  ``x >= y``
``less``           :math:`1 - \sigma(d + \varepsilon)`                              ``x < y``
``less_equal``     :math:`1 - \sigma(d - \varepsilon)`                              ``x <= y``
``equal``          :math:`2 (1 - \sigma(|d|_s - \varepsilon))`                      ``x == y``
``not_equal``      :math:`2 \sigma(|d|_s - \varepsilon) - 1`                        ``x != y``
``isclose``        :math:`2 (1 - \sigma(|d|_s - atol - rtol |y|_s - \varepsilon))`  ``isclose``
=================  ===============================================================  =================

``epsilon`` breaks ties: as ``softness -> 0``, ``greater`` tends to 0 and ``greater_equal`` to 1
at ``x == y``. Every sigmoidal in the table is symmetric, ``1 - \sigma(z) = \sigma(-z)``, and
``1 - \sigma(z)`` is evaluated as ``\sigma(-z)`` so that small probabilities keep their relative
precision (the two agree to round-off).

Hard mode returns ``astype(x OP y, dtype)``: 0./1. floats, never booleans. ``isclose`` follows
``jnp.isclose`` / ``torch.isclose``: ``x == y`` (so equal infinities are close), or a finite
``|x - y| <= atol + rtol |y|``.
"""

from __future__ import annotations

import numbers
from typing import Any

from softcore import elementwise as _ew
from softcore._arrays import device as _device
from softcore._arrays import ensure_float
from softcore._typing import ELEMENTWISE_MODES, Array, Mode, SoftBool
from softcore._validate import check_choice

__all__ = ["equal", "greater", "greater_equal", "isclose", "less", "less_equal", "not_equal"]


def _check_nonnegative(name: str, value: Any) -> Any:
    """A Python number must be finite and ``>= 0``; arrays (and tracers) pass unchecked."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a non-negative number or an array, got {value!r}.")
    if isinstance(value, numbers.Real):
        if not 0.0 <= float(value) < float("inf"):  # also rejects NaN
            raise ValueError(f"{name} must be a finite non-negative number, got {value!r}.")
    elif not hasattr(value, "shape"):
        raise TypeError(f"{name} must be a non-negative number or an array, got {value!r}.")
    return value


def _operands(x: Array, y: Any, mode: str, epsilon: Any, *, bk: Any) -> tuple[Array, Array, Array]:
    """Validate, promote to floating point and return ``(x, y, x - y)``."""
    check_choice("mode", mode, ELEMENTWISE_MODES)
    _check_nonnegative("epsilon", epsilon)
    xp = bk.xp
    x = ensure_float(x, bk=bk)
    if isinstance(y, numbers.Number) and not isinstance(y, bool):
        # A Python scalar takes the dtype of x (weak typing, as in jnp and torch).
        y = xp.asarray(y, dtype=x.dtype, device=_device(x))
    else:
        y = ensure_float(y, bk=bk)
    return x, y, x - y


def _hard(mask: Array, d: Array, *, xp: Any) -> Array:
    return xp.astype(mask, d.dtype)


def greater(x: Array, y: Any, softness: Any = 0.1, mode: Mode = "smooth", epsilon: Any = 1e-10, *, bk: Any) -> SoftBool:
    r"""Soft ``x > y``: :math:`\sigma(x - y - \varepsilon)`; hard: ``x > y`` as 0./1. floats.

    Shapes: ``x`` and ``y`` broadcast; the result has the broadcast shape.
    """
    x, y, d = _operands(x, y, mode, epsilon, bk=bk)
    if mode == "hard":
        return _hard(x > y, d, xp=bk.xp)
    return _ew.sigmoidal(d - epsilon, softness, mode, bk=bk)


def greater_equal(
    x: Array, y: Any, softness: Any = 0.1, mode: Mode = "smooth", epsilon: Any = 1e-10, *, bk: Any
) -> SoftBool:
    r"""Soft ``x >= y``: :math:`\sigma(x - y + \varepsilon)`; hard: ``x >= y`` as 0./1. floats."""
    x, y, d = _operands(x, y, mode, epsilon, bk=bk)
    if mode == "hard":
        return _hard(x >= y, d, xp=bk.xp)
    return _ew.sigmoidal(d + epsilon, softness, mode, bk=bk)


def less(x: Array, y: Any, softness: Any = 0.1, mode: Mode = "smooth", epsilon: Any = 1e-10, *, bk: Any) -> SoftBool:
    r"""Soft ``x < y = 1 - greater_equal(x, y)``: :math:`1 - \sigma(x - y + \varepsilon)`; hard: ``x < y``."""
    x, y, d = _operands(x, y, mode, epsilon, bk=bk)
    if mode == "hard":
        return _hard(x < y, d, xp=bk.xp)
    return _ew.sigmoidal(-d - epsilon, softness, mode, bk=bk)  # = 1 - sigma(d + eps)


def less_equal(
    x: Array, y: Any, softness: Any = 0.1, mode: Mode = "smooth", epsilon: Any = 1e-10, *, bk: Any
) -> SoftBool:
    r"""Soft ``x <= y = 1 - greater(x, y)``: :math:`1 - \sigma(x - y - \varepsilon)`; hard: ``x <= y``."""
    x, y, d = _operands(x, y, mode, epsilon, bk=bk)
    if mode == "hard":
        return _hard(x <= y, d, xp=bk.xp)
    return _ew.sigmoidal(epsilon - d, softness, mode, bk=bk)  # = 1 - sigma(d - eps)


def equal(x: Array, y: Any, softness: Any = 0.1, mode: Mode = "smooth", epsilon: Any = 1e-10, *, bk: Any) -> SoftBool:
    r"""Soft ``x == y = 2 less_equal(|x - y|_s, 0)``: :math:`2 (1 - \sigma(|x - y|_s - \varepsilon))`.

    ``|.|_s`` is the soft absolute value of the same mode and softness; since it is non-negative
    the result lies in [0, 1] (up to ``epsilon``). Hard: ``x == y`` as 0./1. floats.
    """
    x, y, d = _operands(x, y, mode, epsilon, bk=bk)
    if mode == "hard":
        return _hard(x == y, d, xp=bk.xp)
    dist = _ew.abs(d, softness, mode, bk=bk)
    return 2 * _ew.sigmoidal(epsilon - dist, softness, mode, bk=bk)


def not_equal(
    x: Array, y: Any, softness: Any = 0.1, mode: Mode = "smooth", epsilon: Any = 1e-10, *, bk: Any
) -> SoftBool:
    r"""Soft ``x != y = 2 greater(|x - y|_s, 0) - 1``: :math:`2 \sigma(|x - y|_s - \varepsilon) - 1`.

    Hard: ``x != y`` as 0./1. floats.
    """
    x, y, d = _operands(x, y, mode, epsilon, bk=bk)
    if mode == "hard":
        return _hard(x != y, d, xp=bk.xp)
    dist = _ew.abs(d, softness, mode, bk=bk)
    return 2 * _ew.sigmoidal(dist - epsilon, softness, mode, bk=bk) - 1


def isclose(
    x: Array,
    y: Any,
    softness: Any = 0.1,
    rtol: Any = 1e-05,
    atol: Any = 1e-08,
    mode: Mode = "smooth",
    epsilon: Any = 1e-10,
    *,
    bk: Any,
) -> SoftBool:
    r"""Soft ``isclose``: :math:`2 (1 - \sigma(|x - y|_s - atol - rtol |y|_s - \varepsilon))`.

    That is ``2 less_equal(|x - y|_s, atol + rtol |y|_s)`` with the soft absolute value of the
    same mode. Hard (as ``jnp.isclose`` / ``torch.isclose``, ``equal_nan=False``):
    ``(x == y) | (isfinite(x - y) & (|x - y| <= atol + rtol |y|))`` as 0./1. floats.
    """
    _check_nonnegative("rtol", rtol)
    _check_nonnegative("atol", atol)
    x, y, d = _operands(x, y, mode, epsilon, bk=bk)
    xp = bk.xp
    if mode == "hard":
        ad = xp.abs(d)
        close = (x == y) | (xp.isfinite(ad) & (ad <= atol + rtol * xp.abs(y)))
        return _hard(close, d, xp=xp)
    dist = _ew.abs(d, softness, mode, bk=bk)
    tol = atol + rtol * _ew.abs(y, softness, mode, bk=bk)
    return 2 * _ew.sigmoidal(tol + epsilon - dist, softness, mode, bk=bk)
