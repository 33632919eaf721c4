r"""Elementwise relaxations: sigmoidal, softrelu and the ops built on them.

Notation: ``s`` is the softness, ``x' = x / s`` and ``u = x / (5 s)``. The piecewise modes live on
the transition region ``|x| <= 5 s`` (``u`` in [-1, 1]), chosen so that they match the logistic
``sigmoid(+-5) ~ 0 / 1``. ``clip3(y) = 0 if u < -1, y if -1 <= u < 1, 1 if u >= 1``.

=============  ==========================================================  ==========
mode           sigmoidal :math:`\sigma(x)`                                 smoothness
=============  ==========================================================  ==========
``smooth``     ``sigmoid(x / s)``                                          C-infinity
``c0``         ``clip3((u + 1) / 2)``                                      C0
``c1``         ``clip3(-u^3/4 + 3u/4 + 1/2)`` (cubic smoothstep)           C1
``c2``         ``clip3(3u^5/16 - 5u^3/8 + 15u/16 + 1/2)`` (quintic)        C2
``_c1_pnorm``  ``clip3((u + sqrt(2 - u^2))^2 / 4)``                        C1
``_c2_pnorm``  ``clip3(b^3)``, ``b = t + u/2``, ``t^3 + (3u^2/4) t - 1/2 = 0``  C2
=============  ==========================================================  ==========

``_c1_pnorm``/``_c2_pnorm`` are the p = 3/2 and p = 4/3 simplex projections of ``[0, x]`` with
softness ``5 s``; they are private modes that link the elementwise and the projection families.

All polynomials are evaluated at ``clip(u, -1, 1)``, so neither the value nor any derivative
overflows for huge ``|x| / s`` (the unused branch of ``where`` stays finite).
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import device, ensure_float
from softcore._numerics import sigmoid
from softcore._typing import ELEMENTWISE_MODES, SIGMOIDAL_MODES, Array, SoftBool
from softcore._validate import check_bool, check_choice, check_int, check_softness

__all__ = ["abs", "clip", "heaviside", "relu", "round", "sigmoidal", "sign", "softrelu"]


def _polyval(coeffs: tuple[float, ...], u: Array) -> Array:
    """Horner evaluation, highest degree first (Python-float coefficients keep u's dtype)."""
    out = u * 0 + coeffs[0]
    for c in coeffs[1:]:
        out = out * u + c
    return out


_SMOOTHSTEP = {
    "c0": (0.5, 0.5),
    "c1": (-0.25, 0.0, 0.75, 0.5),
    "c2": (0.1875, 0.0, -0.625, 0.0, 0.9375, 0.5),
}
# Antiderivatives G of the smoothsteps with G(-1) = 0, so that d/dx softrelu = sigmoidal.
_SMOOTHSTEP_INTEGRAL = {
    "c0": (0.25, 0.5, 0.25),
    "c1": (-1 / 16, 0.0, 3 / 8, 0.5, 3 / 16),
    "c2": (1 / 32, 0.0, -5 / 32, 0.0, 15 / 32, 0.5, 5 / 32),
}


def _upcast_half(x: Array, *, xp: Any) -> Array:
    """float16/bfloat16 -> float32 for formulas that under/overflow in half precision."""
    if x.dtype in (xp.float32, xp.float64):
        return x
    return xp.astype(x, xp.float32)


def _c1_pnorm_core(u: Array, *, xp: Any) -> Array:
    # (u + sqrt(2 - u^2))^2 / 4 on |u| <= 1, where 2 - u^2 >= 1 (no sqrt singularity).
    return (u + xp.sqrt(2 - u * u)) ** 2 / 4


def _c2_pnorm_root(u: Array, *, xp: Any) -> Array:
    """``b = t + u/2`` with ``t`` the real root of ``t^3 + A t - 1/2 = 0``, ``A = 3u^2/4 >= 0``.

    Cardano with the second cube root taken from the product of the two (``-A/3``), so there is no
    cancellation: ``c = (1/4 + sqrt(1/16 + A^3/27))^(1/3)``, ``t = c - (A/3) / c``. ``c >= 2^(-1/3)``,
    so the formula and all its derivatives are smooth for every ``u``. Computed in at least float32.
    """
    v = _upcast_half(u, xp=xp)
    a = 0.75 * v * v
    c = (0.25 + xp.sqrt(0.0625 + a * a * a / 27)) ** (1 / 3)
    t = c - (a / 3) / c
    return xp.astype(t + v / 2, u.dtype)


def _c2_pnorm_core(u: Array, *, xp: Any) -> Array:
    # b is in [0, 1] in exact arithmetic; clip the last-ulp excursions at u = +-1.
    return xp.clip(_c2_pnorm_root(u, xp=xp), 0, 1) ** 3


def _clip3(u: Array, inner: Array, *, xp: Any) -> Array:
    # NaN fails both comparisons and falls through to `inner`, which propagates it.
    return xp.where(u < -1, xp.zeros_like(inner), xp.where(u >= 1, xp.ones_like(inner), inner))


def sigmoidal(x: Array, softness: Any = 0.1, mode: str = "smooth", *, bk: Any) -> SoftBool:
    r"""Soft step function :math:`\sigma(x) \in [0, 1]`, the building block of every relaxation.

    ``smooth`` is the logistic sigmoid ``sigmoid(x / softness)``; ``c0``/``c1``/``c2`` are the
    linear/cubic/quintic smoothsteps on ``|x| <= 5 softness``; see the module docstring.

    Shapes: ``x`` (...) -> (...), floating dtype of ``x`` (integers -> default float).
    """
    xp = bk.xp
    check_choice("mode", mode, SIGMOIDAL_MODES)
    check_softness(softness)
    x = ensure_float(x, bk=bk)
    if mode == "smooth":
        return sigmoid(x / softness, xp=xp)
    u = x / (5 * softness)
    uc = xp.clip(u, -1, 1)
    if mode in _SMOOTHSTEP:
        inner = _polyval(_SMOOTHSTEP[mode], uc)
    elif mode == "_c1_pnorm":
        inner = _c1_pnorm_core(uc, xp=xp)
    else:  # "_c2_pnorm"
        inner = _c2_pnorm_core(uc, xp=xp)
    return _clip3(u, inner, xp=xp)


def _softrelu_transition(uc: Array, mode: str, *, xp: Any) -> Array:
    """G(u): antiderivative of the sigmoidal on [-1, 1] with G(-1) = 0 and G(1) = 1."""
    if mode in _SMOOTHSTEP_INTEGRAL:
        return _polyval(_SMOOTHSTEP_INTEGRAL[mode], uc)
    if mode == "_c1_pnorm":
        return uc / 2 - (2 - uc * uc) ** 1.5 / 6 + 2 / 3
    # "_c2_pnorm": G = 3/4 + u g - 3/4 ((1 - g)^(4/3) + g^(4/3)), g = sigma(u) in [0, 1].
    g = xp.clip(_c2_pnorm_core(uc, xp=xp), 0, 1)
    # g^(4/3) through the real root b (g = b^3), avoiding fractional powers at 0.
    b = xp.clip(_c2_pnorm_root(uc, xp=xp), 0, 1)
    one_minus_b = xp.clip(_c2_pnorm_root(-uc, xp=xp), 0, 1)  # (1 - g)^(1/3) by symmetry
    return 0.75 + uc * g - 0.75 * (one_minus_b**4 + b**4)


def softrelu(x: Array, softness: Any = 0.1, mode: str = "smooth", gated: bool = False, *, bk: Any) -> Array:
    r"""Soft ReLU. Ungated: the antiderivative of :func:`sigmoidal` (``d/dx softrelu = sigmoidal``).

    * ``smooth``: ``s * softplus(x / s)``; gated: ``x * sigmoid(x / s)`` (SiLU-style).
    * piecewise: ``0`` for ``u < -1``, ``5 s G(u)`` on ``[-1, 1]``, ``x`` for ``u >= 1``, with
      ``G`` the antiderivative of the smoothstep; gated: ``x * sigmoidal(x)``.
    """
    xp = bk.xp
    check_choice("mode", mode, SIGMOIDAL_MODES)
    check_softness(softness)
    check_bool("gated", gated)
    x = ensure_float(x, bk=bk)
    if gated:
        return x * sigmoidal(x, softness, mode, bk=bk)
    if mode == "smooth":
        # s * softplus(x / s) = x + s log1p(exp(-x / s)) for x >= 0 and s log1p(exp(x / s)) for x < 0:
        # exp only sees non-positive arguments and x / s is never returned, so nothing overflows
        # (x / s may be inf in float16), and each branch is smooth at 0 (exact derivatives there).
        pos = x >= 0
        zero = xp.zeros_like(x)
        x_pos = xp.where(pos, x, zero)
        x_neg = xp.where(pos, zero, x)
        return xp.where(
            pos,
            x_pos + softness * xp.log1p(xp.exp(-x_pos / softness)),
            softness * xp.log1p(xp.exp(x_neg / softness)),
        )
    u = x / (5 * softness)
    uc = xp.clip(u, -1, 1)
    inner = 5 * softness * _softrelu_transition(uc, mode, xp=xp)
    return xp.where(u < -1, xp.zeros_like(x), xp.where(u < 1, inner, x))


def heaviside(x: Array, softness: Any = 0.1, mode: str = "smooth", *, bk: Any) -> SoftBool:
    """Soft Heaviside step ``sigmoidal(x)``; hard: ``H(x)`` with ``H(0) = 0.5`` (float)."""
    xp = bk.xp
    check_choice("mode", mode, ELEMENTWISE_MODES)
    x = ensure_float(x, bk=bk)
    if mode == "hard":
        at_zero = xp.where(x == 0, xp.full_like(x, 0.5), x)  # NaN stays NaN, as in the framework op
        return xp.where(x < 0, xp.zeros_like(x), xp.where(x > 0, xp.ones_like(x), at_zero))
    return sigmoidal(x, softness, mode, bk=bk)


def sign(x: Array, softness: Any = 0.1, mode: str = "smooth", *, bk: Any) -> Array:
    """Soft sign ``2 sigmoidal(x) - 1`` in [-1, 1]; hard: ``sign(x)`` as float."""
    xp = bk.xp
    check_choice("mode", mode, ELEMENTWISE_MODES)
    x = ensure_float(x, bk=bk)
    if mode == "hard":
        return xp.sign(x)
    return 2 * sigmoidal(x, softness, mode, bk=bk) - 1


def abs(x: Array, softness: Any = 0.1, mode: str = "smooth", *, bk: Any) -> Array:  # noqa: A001
    """Soft absolute value ``x * sign_soft(x) = x (2 sigmoidal(x) - 1)``; hard: ``abs(x)`` (dtype kept)."""
    xp = bk.xp
    check_choice("mode", mode, ELEMENTWISE_MODES)
    if mode == "hard":
        return xp.abs(x)
    x = ensure_float(x, bk=bk)
    return x * sign(x, softness, mode, bk=bk)


def relu(x: Array, softness: Any = 0.1, mode: str = "smooth", gated: bool = False, *, bk: Any) -> Array:
    """Soft ReLU (see :func:`softrelu`); hard: ``max(x, 0)`` (dtype kept)."""
    xp = bk.xp
    check_choice("mode", mode, ELEMENTWISE_MODES)
    check_bool("gated", gated)
    if mode == "hard":
        return xp.where(x < 0, xp.zeros_like(x), x)
    return softrelu(x, softness, mode, gated, bk=bk)


def clip(
    x: Array,
    a: Any,
    b: Any,
    softness: Any = 0.1,
    mode: str = "smooth",
    gated: bool = False,
    *,
    bk: Any,
) -> Array:
    """Soft clip to ``[a, b]``: ``a + softrelu(x - a) - softrelu(x - b)``; hard: ``clip(x, a, b)``."""
    xp = bk.xp
    check_choice("mode", mode, ELEMENTWISE_MODES)
    check_bool("gated", gated)
    if mode == "hard":
        return xp.clip(x, a, b)
    x = ensure_float(x, bk=bk)
    return a + softrelu(x - a, softness, mode, gated, bk=bk) - softrelu(x - b, softness, mode, gated, bk=bk)


def round(  # noqa: A001
    x: Array, softness: Any = 0.1, mode: str = "smooth", neighbor_radius: int = 5, *, bk: Any
) -> Array:
    r"""Soft rounding as a sum of soft steps over the ``2R + 1`` nearest integers (arXiv 2504.19026).

    With ``c = stop_gradient(floor(x))`` and ``n_m = c + m`` for ``m`` in ``-R..R``:
    :math:`\sum_m n_m (\sigma(x - n_m + 1/2) - \sigma(x - n_m - 1/2))`. Hard: round half to even.

    Shapes: ``x`` (...) -> (...); an intermediate (..., 2R + 1) is formed.
    """
    xp = bk.xp
    check_choice("mode", mode, ELEMENTWISE_MODES)
    check_int("neighbor_radius", neighbor_radius, minimum=0)
    x = ensure_float(x, bk=bk)
    if mode == "hard":
        return xp.round(x)
    check_softness(softness)
    offsets = xp.arange(-neighbor_radius, neighbor_radius + 1, dtype=x.dtype, device=device(x))
    finite = xp.isfinite(x)
    base = bk.stop_gradient(xp.floor(xp.where(finite, x, xp.zeros_like(x))))
    centres = base[..., None] + offsets  # (..., 2R + 1)
    xe = x[..., None]
    steps = sigmoidal(xe - centres + 0.5, softness, mode, bk=bk) - sigmoidal(xe - centres - 0.5, softness, mode, bk=bk)
    soft = xp.sum(centres * steps, axis=-1)
    # Non-finite inputs propagate as they would through the hard op.
    return xp.where(finite, soft, x)
