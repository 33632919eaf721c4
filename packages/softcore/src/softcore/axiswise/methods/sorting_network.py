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
vectorised over all positions (the partner row ``i XOR d`` is a roll by ``-d`` or ``+d``); the layers
run in ``bk.fori_loop`` (one compiled body in JAX, a Python loop in torch), and gradients come from
ordinary autodiff through it (no custom rules).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import array_api_compat

from softcore._arrays import device, ensure_float
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
        pad = xp.full((*batch, 1), float(pad_value), dtype=x.dtype, device=device(x))
    else:  # an array broadcastable to (..., 1)
        if not array_api_compat.is_array_api_obj(pad_value):
            pad_value = xp.asarray(pad_value, device=device(x))
        pad = xp.astype(pad_value, x.dtype)
    pad = xp.broadcast_to(pad, (*batch, size - n))  # (..., N - n)
    return xp.concat([x, pad], axis=-1)  # (..., N)


#: (backend name, namespace id, mode, N) -> loop body. A plain dict rather than ``functools.lru_cache``, which
#: torch.compile (Dynamo) warns about; the key space is tiny (modes x powers of two).
_LAYER_FNS: dict[tuple[str, int, str, int], Callable[..., Any]] = {}


def _layer_fn(bk: Any, mode: str, size: int) -> Callable[[Any, tuple[Array, Array | None, Array]], Any]:
    key = (bk.name, id(bk.xp), mode, size)
    fn = _LAYER_FNS.get(key)
    if fn is None:
        fn = _LAYER_FNS[key] = _make_layer_fn(bk, mode, size)
    return fn


def _make_layer_fn(bk: Any, mode: str, size: int) -> Callable[[Any, tuple[Array, Array | None, Array]], Any]:
    """The ``fori_loop`` body for one (backend, mode, N): cached, so that JAX reuses its trace and
    compilation across eager calls (softness is part of the loop state, not a closure constant).

    The body is rematerialised (``bk.checkpoint``, where the backend has one): reverse mode then
    stores only the loop state per layer instead of every intermediate, which in JAX also makes
    the backward pass several times faster (measured 7x on CPU at n = 1024).
    """
    xp = bk.xp
    layers = bitonic_layers(size)
    distances = [d for _, d in layers]
    block_bits = [2 ** (phase + 1) for phase, _ in layers]

    def layer(step: Any, state: tuple[Array, Array | None, Array]) -> tuple[Array, Array | None, Array]:
        values, perm, softness = state  # (..., N), (..., N, [N]) or None, softness
        dev = device(values)
        positions = xp.arange(size, device=dev)  # (N,)
        if isinstance(step, int):  # a Python loop (torch, reference backend): static shifts
            dist, block_bit = distances[step], block_bits[step]
        else:  # a traced loop counter (JAX): look the layer up
            dist = xp.asarray(distances, dtype=positions.dtype, device=dev)[step]
            block_bit = xp.asarray(block_bits, dtype=positions.dtype, device=dev)[step]
        is_lower = (positions & dist) == 0  # (N,) i < partner = i XOR dist
        ascending = (positions & block_bit) == 0  # (N,) same bit for both rows of a pair
        # partner row: i + dist for lower rows, i - dist for upper rows (rolls, not a gather:
        # their transposes are rolls again, cheaper than the scatter-add of a gather)
        other = xp.where(is_lower, xp.roll(values, -dist, axis=-1), xp.roll(values, dist, axis=-1))  # (..., N)
        diff = xp.where(is_lower, values - other, other - values)  # a - b: lower minus upper row
        sigma = sigmoidal(diff, softness, mode, bk=bk)  # ~1 where a > b
        tau = xp.where(ascending, sigma, 1.0 - sigma)  # weight of the partner row
        # v + tau (v_partner - v) = tau v_partner + (1 - tau) v. This form makes autodiff take
        # d/dtau = v_partner - v, exactly 0 at ties (tau * v_partner - tau * v would cancel
        # catastrophically for huge |v| once a compiler fuses it into an FMA).
        new_values = values + tau * (other - values)
        if perm is None:
            return new_values, None, softness
        rows_lower = is_lower[:, None]  # (N, 1)
        perm_other = xp.where(rows_lower, xp.roll(perm, -dist, axis=-2), xp.roll(perm, dist, axis=-2))
        new_perm = perm + tau[..., None] * (perm_other - perm)  # (..., N, [N])
        return new_values, new_perm, softness

    checkpoint = getattr(bk, "checkpoint", None)
    return layer if checkpoint is None else checkpoint(layer)


def _network(
    x_padded: Array, softness: Any, mode: str, track_permutation: bool, *, bk: Any
) -> tuple[Array, Array | None]:
    """Run the soft bitonic network on ``(..., N)``; returns values ``(..., N)`` and ``P (..., N, [N])`` or None.

    One ``bk.fori_loop`` step per layer (compiled once, whatever the number of layers). At layer
    ``l`` every position ``i`` reads its partner ``i XOR d_l`` (``i +- d_l``, by rolls); the pair difference
    ``a - b`` (lower minus upper) is ``+-(v_i - v_partner)``, so ``sigma`` is evaluated at both rows
    of a pair with the same argument.
    """
    xp = bk.xp
    dev = device(x_padded)
    size = x_padded.shape[-1]
    if isinstance(softness, numbers.Real):  # loop state, so one compiled body serves every softness
        softness = xp.asarray(float(softness), dtype=x_padded.dtype, device=dev)
    else:
        softness = xp.astype(softness, x_padded.dtype)
    perm = None
    if track_permutation:
        eye = xp.eye(size, dtype=x_padded.dtype, device=dev)  # (N, [N])
        perm = xp.broadcast_to(eye, (*x_padded.shape[:-1], size, size))  # (..., N, [N])
    n_layers = len(bitonic_layers(size))
    values, perm, _ = bk.fori_loop(0, n_layers, _layer_fn(bk, mode, size), (x_padded, perm, softness))
    return values, perm


def _strip_and_normalise(perm: Array, n: int, *, xp: Any) -> Array:
    """``(..., N, [N]) -> (..., n, [n])``: data rows/columns, rows renormalised to sum 1."""
    p = perm[..., :n, :n]
    row_sum = xp.sum(p, axis=-1, keepdims=True)  # (..., n, 1)
    tiny = xp.full_like(row_sum, xp.finfo(p.dtype).smallest_normal)  # an array, not a scalar: one Dynamo graph
    return p / xp.maximum(row_sum, tiny)


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
