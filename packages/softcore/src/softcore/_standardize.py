r"""Standardise-and-squash preprocessing shared by the axis-wise ops (SPEC §2.2, §8).

``standardize_and_squash``: ``y = sigmoid(((x - mean) / sqrt(var + eps)) / T)`` along the last axis
(population variance), so that softness is relative to a (0, 1) scale.

``unsquash_and_destandardize``: the inverse map
``x = logit(clip(y, e, 1 - e)) * T * std + mean`` with ``e = max(eps, 10 * finfo(dtype).eps)``,
used by methods that produce values in squashed space (sorting networks, permutahedron).
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import is_low_precision
from softcore._numerics import sigmoid
from softcore._typing import Array

__all__ = ["standardize_and_squash", "unsquash_and_destandardize"]


def standardize_and_squash(
    x: Array, *, bk: Any, eps: float = 1e-6, temperature: float = 1.0
) -> tuple[Array, Array, Array]:
    """``(sigmoid(((x - mean) / std) / T), mean, std)`` along the last axis, ``std = sqrt(var + eps)``.

    The variance is accumulated on ``(x - mean) / a`` with the constant scale
    ``a = stop_gradient(max |x - mean|)``: ``std = a sqrt(mean(r^2) + eps / a^2)`` for ``a >= 1`` and
    ``sqrt(a^2 mean(r^2) + eps)`` otherwise. This is the same function of ``x`` (so the same
    derivatives), but it does not overflow for inputs near the largest finite value of the dtype.

    float16 / bfloat16 inputs are standardised in float32 and the three results cast back: the
    centred values of a narrow-spread half-precision row are subnormal, and XLA flushes those to
    zero (``0 / 0`` rows).

    Shapes: ``x`` (..., n) -> (..., n), (..., 1), (..., 1).
    """
    xp = bk.xp
    if is_low_precision(x, xp=xp):
        out = standardize_and_squash(xp.astype(x, xp.float32), bk=bk, eps=eps, temperature=temperature)
        return tuple(xp.astype(a, x.dtype) for a in out)
    mean = xp.mean(x, axis=-1, keepdims=True)
    centred = x - mean
    scale = bk.stop_gradient(xp.max(xp.abs(centred), axis=-1, keepdims=True))
    big = scale >= 1
    scale = xp.where(xp.isfinite(scale) & (scale > 0), scale, xp.ones_like(scale))
    r = centred / scale
    m2 = xp.mean(r * r, axis=-1, keepdims=True)
    big_scale = xp.where(big, scale, xp.ones_like(scale))  # each branch sees only its safe values
    small_scale = xp.where(big, xp.ones_like(scale), scale)
    std = xp.where(
        big,
        big_scale * xp.sqrt(m2 + eps / (big_scale * big_scale)),
        xp.sqrt(small_scale * small_scale * m2 + eps),
    )
    return sigmoid(centred / std / temperature, xp=xp), mean, std


def unsquash_and_destandardize(
    y: Array, mean: Array, std: Array, *, bk: Any, eps: float = 1e-10, temperature: float = 1.0
) -> Array:
    """Inverse of :func:`standardize_and_squash`: ``logit(clip(y, e, 1 - e)) * T * std + mean``.

    Shapes: ``y`` (..., m), ``mean``/``std`` (..., 1) -> (..., m).
    """
    xp = bk.xp
    e = max(eps, 10 * float(xp.finfo(y.dtype).eps))
    yc = xp.clip(y, e, 1 - e)
    return (xp.log(yc) - xp.log1p(-yc)) * temperature * std + mean
