r"""Differentiable bitonic sorting network (Petersen et al., "Differentiable Sorting Networks", arXiv 2105.04019).

The last axis (length ``n``) is padded to ``N = 2^ceil(log2 n)`` (``n = 1 -> N = 2``) with a value
larger than the data, and sorted ascending by a bitonic network of ``L = log2N (log2N + 1) / 2``
layers. Layer ``(phase, sub_step)``, ``phase in range(log2 N)``, ``sub_step in range(phase + 1)``,
pairs position ``i`` with ``i XOR d``, ``d = 2^(phase - sub_step)``; the pair ``(lo, hi)``, ``lo < hi``,
lies in an ascending block iff ``lo & 2^(phase + 1) == 0``.

Soft compare-and-swap of ``a = v[lo]``, ``b = v[hi]`` with the elementwise sigmoidal
(:func:`softcore.elementwise.sigmoidal`; ``sigma ~ 1`` when ``a > b``, i.e. when they must swap):

.. math::

    \sigma = \mathrm{sigmoidal}(a - b),\qquad
    \min{}_s = \sigma b + (1 - \sigma) a,\qquad \max{}_s = \sigma a + (1 - \sigma) b.

Ascending blocks write ``(min_s, max_s)`` to ``(lo, hi)``, descending blocks ``(max_s, min_s)``.
With ``tau = sigma`` (ascending) or ``1 - sigma`` (descending) both cases read

.. math::  v'[lo] = \tau b + (1 - \tau) a,\qquad v'[hi] = \tau a + (1 - \tau) b.

Every layer is linear in the tracked rows, so the relaxed permutation matrix ``P`` (``N x N``,
initially the identity, ``P[position, element]``) follows the same update row-wise:
``P'[lo] = tau P[hi] + (1 - tau) P[lo]``, ``P'[hi] = tau P[lo] + (1 - tau) P[hi]``. Hence
``P @ x_padded`` equals the network values after every layer (up to round-off). In the notation
``P <- (1 - mix) P + mix P[partner]``, ``mix = tau`` at both positions of a pair.

Both rows of a pair therefore get ``tau * (partner row) + (1 - tau) * (own row)``. Each layer is
vectorised by a static reshape ``(..., N) -> (..., N / 2d, 2, d)`` (``lo`` is index 0, ``hi`` index 1
of the middle axis; the partner is a flip of that axis), so there is no gather and no loop over
elements; the layers are a static Python loop, and gradients come from ordinary autodiff through it.
"""

from __future__ import annotations

import numbers
from typing import Any

import array_api_compat

from softcore._arrays import ensure_float
from softcore._typing import SIGMOIDAL_MODES, Array
from softcore._validate import check_choice, check_softness
from softcore.elementwise import sigmoidal

__all__ = ["sorting_network_both", "sorting_network_permutation", "sorting_network_values", "bitonic_layers"]


def bitonic_layers(size: int) -> list[tuple[int, int]]:
    """The ``(phase, d)`` of every layer of the bitonic network on ``size = 2^k`` positions."""
    log_n = size.bit_length() - 1
    return [(phase, 2 ** (phase - sub_step)) for phase in range(log_n) for sub_step in range(phase + 1)]


def _padded_size(n: int) -> int:
    """Next power of two ``>= max(n, 2)``."""
    return max(2, 1 << (n - 1).bit_length())


def _validate(x: Array, softness: Any, mode: str, *, bk: Any) -> Array:
    check_choice("mode", mode, SIGMOIDAL_MODES)
    check_softness(softness)
    x = ensure_float(x, bk=bk)
    if x.ndim < 1:
        raise ValueError("sorting_network needs an array with at least one axis, got a 0-d array.")
    return x


def _pad(x: Array, pad_value: Any, *, bk: Any) -> Array:
    """``(..., n) -> (..., N)``: append ``N - n`` copies of ``pad_value`` (default ``max(x) + 1``)."""
    xp = bk.xp
    n = x.shape[-1]
    size = _padded_size(n)
    if size == n:
        return x
    batch = tuple(x.shape[:-1])
    if pad_value is None:
        pad = xp.max(x, axis=-1, keepdims=True) + 1.0  # (..., 1), ordinary gradient
    elif isinstance(pad_value, numbers.Real) and not isinstance(pad_value, bool):
        pad = xp.full((*batch, 1), float(pad_value), dtype=x.dtype, device=array_api_compat.device(x))
    else:  # an array broadcastable to (..., 1)
        pad = xp.astype(xp.asarray(pad_value, device=array_api_compat.device(x)), x.dtype)
    pad = xp.broadcast_to(pad, (*batch, size - n))  # (..., N - n)
    return xp.concat([x, pad], axis=-1)  # (..., N)


def _blocks(y: Array, d: int, *, xp: Any) -> Array:
    """``(..., N, m) -> (..., N / 2d, 2, d, m)``: index 0 / 1 of axis -3 is the lower / upper row of a pair."""
    *batch, size, m = y.shape
    return xp.reshape(y, (*batch, size // (2 * d), 2, d, m))


def _mix(blocks: Array, tau: Array, keep: Array, *, xp: Any) -> Array:
    """``tau * partner + (1 - tau) * self`` for both rows of every pair; back to ``(..., N, m)``."""
    *batch, n_blocks, two, d, m = blocks.shape
    mixed = tau * xp.flip(blocks, axis=-3) + keep * blocks  # (..., N/2d, 2, d, m)
    return xp.reshape(mixed, (*batch, n_blocks * two * d, m))


def _ascending_flags(size: int, phase: int, d: int) -> list[bool]:
    """Static: pair block ``k`` (first index ``2 d k``) of layer ``(phase, d)`` is ascending."""
    return [((2 * d * k) & (2 ** (phase + 1))) == 0 for k in range(size // (2 * d))]


def _network(
    x_padded: Array, softness: Any, mode: str, track_permutation: bool, *, bk: Any
) -> tuple[Array, Array | None]:
    """Run the soft bitonic network on ``(..., N)``; returns values ``(..., N)`` and ``P (..., N, [N])`` or None."""
    xp = bk.xp
    device = array_api_compat.device(x_padded)
    size = x_padded.shape[-1]
    values = x_padded[..., None]  # (..., N, 1): positions on axis -2, like the rows of P
    perm = None
    if track_permutation:
        eye = xp.eye(size, dtype=x_padded.dtype, device=device)  # (N, [N])
        perm = xp.broadcast_to(eye, (*x_padded.shape[:-1], size, size))  # (..., N, [N])
    for phase, d in bitonic_layers(size):
        blocks = _blocks(values, d, xp=xp)  # (..., N/2d, 2, d, 1)
        a, b = blocks[..., 0:1, :, :], blocks[..., 1:2, :, :]  # (..., N/2d, 1, d, 1) lower / upper
        sigma = sigmoidal(a - b, softness, mode, bk=bk)  # ~1 where a > b
        flags = _ascending_flags(size, phase, d)
        if all(flags):  # the whole last phase
            tau = sigma  # weight of the partner row, at both rows of a pair
        else:
            ascending = xp.reshape(xp.asarray(flags, dtype=xp.bool, device=device), (len(flags), 1, 1, 1))
            tau = xp.where(ascending, sigma, 1.0 - sigma)
        keep = 1.0 - tau
        values = _mix(blocks, tau, keep, xp=xp)
        if perm is not None:
            perm = _mix(_blocks(perm, d, xp=xp), tau, keep, xp=xp)  # (..., N, [N])
    return values[..., 0], perm


def _strip_and_normalise(perm: Array, n: int, *, xp: Any) -> Array:
    """``(..., N, [N]) -> (..., n, [n])``: data rows/columns, rows renormalised to sum 1."""
    p = perm[..., :n, :n]
    row_sum = xp.sum(p, axis=-1, keepdims=True)  # (..., n, 1)
    return p / xp.maximum(row_sum, xp.finfo(p.dtype).tiny)


def sorting_network_both(
    x: Array, softness: Any = 0.1, mode: str = "smooth", pad_value: Any = None, *, bk: Any
) -> tuple[Array, Array]:
    """Soft-sorted values ``(..., n)`` (ascending) and the relaxed permutation ``P (..., n, [n])`` in one pass.

    ``pad_value``: ``None`` (``max(x, axis=-1) + 1``), a Python number, or an array broadcastable to
    ``(..., 1)``; it must exceed the data so that the padding ends up in the stripped positions.
    ``P[..., r, j]`` is the weight of element ``j`` at ascending position ``r`` (rows sum to 1).
    """
    xp = bk.xp
    x = _validate(x, softness, mode, bk=bk)
    n = x.shape[-1]
    values, perm = _network(_pad(x, pad_value, bk=bk), softness, mode, True, bk=bk)
    return values[..., :n], _strip_and_normalise(perm, n, xp=xp)


def sorting_network_values(
    x: Array, softness: Any = 0.1, mode: str = "smooth", pad_value: Any = None, *, bk: Any
) -> Array:
    r"""Soft-sorted values ``(..., n)`` in ascending order: the first ``n`` outputs of the padded network.

    Costs ``O(N log^2 N)`` per row (no permutation matrix). ``pad_value`` as in :func:`sorting_network_both`.
    """
    x = _validate(x, softness, mode, bk=bk)
    n = x.shape[-1]
    values, _ = _network(_pad(x, pad_value, bk=bk), softness, mode, False, bk=bk)
    return values[..., :n]


def sorting_network_permutation(
    x: Array, softness: Any = 0.1, mode: str = "smooth", pad_value: Any = None, *, bk: Any
) -> Array:
    r"""Relaxed ascending permutation ``P (..., n, [n])``, ``P[..., r, j]`` = weight of element ``j`` at rank ``r``.

    ``P`` is tracked through the network (``O(N^2 log^2 N)`` per row), padding rows/columns are
    stripped and rows renormalised to sum 1. Descending order: flip the rows (``P[..., ::-1, :]``).
    """
    return sorting_network_both(x, softness, mode, pad_value, bk=bk)[1]
