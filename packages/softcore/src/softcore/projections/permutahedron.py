r"""Regularised projections onto the permutahedron (Blondel et al., arXiv 2002.08871).

For ``z, w`` (..., n) and softness ``s`` (SPEC §2.3 "fast_soft_sort"):

.. math::  y = \nabla R^*\bigl(z_\sigma - v\bigr)_{\sigma^{-1}},\qquad
           v = \operatorname{argmin}_{v_1 \ge \dots \ge v_n} \sum_i R^*(z_{\sigma(i)} - v_i) + w_{(i)} v_i

with ``z <- z / s``, ``sigma = argsort(-z)`` (stable), ``w_(1) >= ... >= w_(n)`` sorted in
descending order and the decreasing isotonic regression solved by
:func:`softcore.solvers.isotonic.isotonic_decreasing` (exact blocks ``B``). In sorted order, with
``t = z_sigma - v`` and ``Sum_B`` the block sum broadcast to the block's positions:

==========  ===========================  ===============================================================
mode        output ``y`` (sorted order)  VJP for a cotangent ``g`` (sorted order)
==========  ===========================  ===============================================================
``c0``      ``t``                        ``grad_z = g - mean_B g``; ``grad_w = mean_B g``
``smooth``  ``t``                        ``grad_z = g - softmax_B(t) Sum_B g``; ``grad_w = softmax_B(w) Sum_B g``
``c1``      ``t |t|``                    ``g_t = 2|t| g``; ``grad_z = g_t - (|t| / Sum_B|t|) Sum_B g_t``;
                                         ``grad_w = Sum_B g_t / (2 Sum_B |t|)``
``c2``      ``t^3``                      ``g_t = 3 t^2 g``; ``grad_z = g_t - (t^2 / Sum_B t^2) Sum_B g_t``;
                                         ``grad_w = Sum_B g_t / (3 Sum_B t^2)``
==========  ===========================  ===============================================================

(``smooth``: ``softmax_B(t) = softmax_B(z_sigma)``, since ``t`` and ``z_sigma`` differ by a
constant on each block; ``y`` is the log of Blondel's KL projection of ``e^z`` onto
``Perm(e^w)``.) These follow from ``y_i = h(z_i - gamma_B)`` with ``h = nabla R^*`` and the block
equation ``Sum_B h(z - gamma_B) = Sum_B w``. Where ``Sum_B h'(t) = 0`` (c1/c2 blocks whose ``t`` are
all zero, i.e. ``Sum_B w = 0``) the limit of a singleton block is used (``grad_w = mean_B g``).

The forward (sorts and the solver) runs without autodiff; ``bwd`` is plain array-API code
(segment sums and gathers), so frameworks can differentiate it again. ``jvp`` (forward mode) is
its transpose, ``dy = dz - Sum_B(softmax_B(t) dz) + Sum_B(softmax_B(w) dw)`` (smooth) and
``dy = h'(t) (dz - Sum_B(alpha dz)) + (h'(t) / Sum_B h'(t)) Sum_B dw`` (c0/c1/c2), in sorted order;
JAX transposes it back for reverse mode. The residuals (``t``, the permutations, the block ids)
are treated as constants by a second differentiation, which is exact for ``c0``
(piecewise-linear projection) and drops the curvature terms of the other modes. Half precision
runs in float32, ``c1``/``c2`` in float64 where the framework has it.
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import cumsum, device
from softcore._typing import Array
from softcore._validate import check_bool, check_choice, check_softness
from softcore._vjp import VJPRule
from softcore.solvers.isotonic import ISOTONIC_MODES, _take, isotonic_decreasing, working_dtype

__all__ = ["PERMUTAHEDRON_MODES", "PROJ_PERMUTAHEDRON", "proj_permutahedron"]

PERMUTAHEDRON_MODES = ISOTONIC_MODES


def _inverse_permutation(perm: Array, *, bk: Any) -> Array:
    """``inv[..., perm[..., i]] = i`` (one scatter, no sort)."""
    xp = bk.xp
    n = perm.shape[-1]
    pos = xp.broadcast_to(xp.arange(n, dtype=perm.dtype, device=device(perm)), perm.shape)
    return bk.segment_sum(pos, perm, num_segments=n)


def _block_sum(x: Array, block_ids: Array, *, bk: Any) -> Array:
    """Sum of ``x`` over each position's block, broadcast back to the positions."""
    sums = bk.segment_sum(x, block_ids, num_segments=x.shape[-1])
    return _take(sums, block_ids, bk=bk)


def _block_starts(block_ids: Array, *, bk: Any) -> Array:
    """The first position of each position's block, ``(..., n)`` (block sizes, their exclusive
    cumulative sum, gathered back)."""
    xp = bk.xp
    counts = bk.segment_sum(xp.ones_like(block_ids), block_ids, num_segments=block_ids.shape[-1])
    return _take(cumsum(counts, xp=xp) - counts, block_ids, bk=bk)


def _block_softmax(x: Array, block_ids: Array, *, bk: Any, starts: Array | None = None) -> Array:
    """``exp(x_i) / Sum_B exp(x)`` for data sorted in descending order within blocks (shifted by
    the block's first, largest, entry; ``starts``: :func:`_block_starts`, when already known)."""
    xp = bk.xp
    if starts is None:
        starts = _block_starts(block_ids, bk=bk)
    e = xp.exp(x - bk.stop_gradient(_take(x, starts, bk=bk)))
    return e / _block_sum(e, block_ids, bk=bk)


def _h(t: Array, mode: str, *, xp: Any) -> Array:
    """``nabla R^*``: identity (c0, smooth), ``t |t|`` (c1), ``t^3`` (c2)."""
    if mode == "c1":
        return t * xp.abs(t)
    if mode == "c2":
        return t * t * t
    return t


def _sort_desc(x: Array, ascending: bool, *, bk: Any) -> tuple[Array, Array | None, Array | None]:
    """``x`` in descending order along the last axis, with the permutation and its inverse.

    ``ascending=True`` promises a strictly increasing ``x``: the order is then a flip (no sort,
    permutations ``None``)."""
    xp = bk.xp
    if ascending:
        return xp.flip(x, axis=-1), None, None
    perm = xp.argsort(-x, axis=-1, stable=True)  # (..., n)
    return _take(x, perm, bk=bk), perm, _inverse_permutation(perm, bk=bk)


def _unsort(x: Array, inv: Array | None, *, bk: Any) -> Array:
    xp = bk.xp
    return xp.flip(x, axis=-1) if inv is None else _take(x, inv, bk=bk)


def _proj_fwd(
    z: Array, w: Array, *, mode: str, z_ascending: bool, w_ascending: bool, bk: Any
) -> tuple[Array, tuple[Array, ...]]:
    xp = bk.xp
    out_dtype = z.dtype
    dt = working_dtype(z.dtype, mode, xp=xp)
    z = xp.astype(bk.stop_gradient(z), dt, copy=False)
    w = xp.astype(bk.stop_gradient(w), dt, copy=False)
    zs, perm_z, inv_z = _sort_desc(z, z_ascending, bk=bk)
    ws, _, inv_w = _sort_desc(w, w_ascending, bk=bk)
    v, block_ids = isotonic_decreasing(zs, ws, mode, bk=bk)
    t = zs - v
    y = _unsort(_h(t, mode, xp=xp), inv_z, bk=bk)
    perms = tuple(p for p in (perm_z, inv_z, inv_w) if p is not None)
    return xp.astype(y, out_dtype, copy=False), (*perms, block_ids, t, ws)


def _proj_bwd(
    res: tuple[Array, ...], g: Array, *, mode: str, z_ascending: bool, w_ascending: bool, bk: Any
) -> tuple[Array, Array]:
    xp = bk.xp
    *perms, block_ids, t, ws = res
    perm_z, inv_z = (None, None) if z_ascending else (perms.pop(0), perms.pop(0))
    inv_w = None if w_ascending else perms.pop(0)
    out_dtype = g.dtype
    g = xp.astype(g, t.dtype, copy=False)
    gs = xp.flip(g, axis=-1) if perm_z is None else _take(g, perm_z, bk=bk)  # sorted order
    if mode == "smooth":
        starts = _block_starts(block_ids, bk=bk)
        sum_g = _block_sum(gs, block_ids, bk=bk)
        grad_zs = gs - _block_softmax(t, block_ids, bk=bk, starts=starts) * sum_g
        grad_ws = _block_softmax(ws, block_ids, bk=bk, starts=starts) * sum_g
    else:
        dh, alpha, ok, den, size = _block_weights(t, block_ids, mode, bk=bk)
        g_t = dh * gs
        sum_gt = _block_sum(g_t, block_ids, bk=bk)
        grad_zs = g_t - alpha * sum_gt
        grad_ws = xp.where(ok, sum_gt / den, _block_sum(gs, block_ids, bk=bk) / size)
    grad_z = _unsort(grad_zs, inv_z, bk=bk)
    grad_w = _unsort(grad_ws, inv_w, bk=bk)
    return xp.astype(grad_z, out_dtype, copy=False), xp.astype(grad_w, out_dtype, copy=False)


def _block_weights(t: Array, block_ids: Array, mode: str, *, bk: Any) -> tuple[Array, ...]:
    """Per-element coefficients of the p-norm modes (sorted order), shared by the VJP and the JVP:
    ``h'(t)`` (1, ``2|t|``, ``3t^2`` for c0/c1/c2), ``alpha = h'(t) / Sum_B h'(t)`` (``1 / |B|``
    where ``Sum_B h'(t) = 0``), the mask ``Sum_B h'(t) > 0``, that sum made safe, and ``|B|``."""
    xp = bk.xp
    if mode == "c0":
        dh = xp.ones_like(t)
    elif mode == "c1":
        dh = 2 * xp.abs(t)
    else:
        dh = 3 * t * t
    sum_dh = _block_sum(dh, block_ids, bk=bk)
    size = _block_sum(xp.ones_like(t), block_ids, bk=bk)
    ok = sum_dh > 0
    den = xp.where(ok, sum_dh, xp.ones_like(sum_dh))
    alpha = xp.where(ok, dh / den, 1 / size)  # uniform in the degenerate limit
    return dh, alpha, ok, den, size


def _proj_jvp(
    res: tuple[Array, ...],
    tangents: tuple[Array | None, Array | None],
    *,
    mode: str,
    z_ascending: bool,
    w_ascending: bool,
    bk: Any,
) -> Array | None:
    """The transpose of :func:`_proj_bwd` (same block coefficients), in sorted order::

        smooth:  dy = dz - Sum_B(softmax_B(t) dz) + Sum_B(softmax_B(w) dw)
        c0..c2:  dy = h'(t) (dz - Sum_B(alpha dz)) + c Sum_B(dw),  c = h'(t) / Sum_B h'(t)
                 (c = 1 / |B| where Sum_B h'(t) = 0)

    Gathers and segment sums only, so JAX transposes it for reverse mode."""
    xp = bk.xp
    *perms, block_ids, t, ws = res
    perm_z, inv_z = (None, None) if z_ascending else (perms.pop(0), perms.pop(0))
    inv_w = None if w_ascending else perms.pop(0)
    dz, dw = tangents
    given = [d for d in (dz, dw) if d is not None]
    if not given:
        return None
    out_dtype = given[0].dtype
    n = t.shape[-1]
    dzs = dws = None
    if dz is not None:
        dz = xp.astype(dz, t.dtype)
        dzs = xp.flip(dz, axis=-1) if perm_z is None else _take(dz, perm_z, bk=bk)  # sorted order
    if dw is not None:
        dw = xp.astype(dw, t.dtype)
        # sorted order: dws[inv_w[i]] = dw[i] (a scatter by the inverse permutation)
        dws = xp.flip(dw, axis=-1) if inv_w is None else bk.segment_sum(dw, inv_w, num_segments=n)
    dys = xp.zeros_like(t)
    if mode == "smooth":
        if dzs is not None:
            dys = dys + dzs - _block_sum(_block_softmax(t, block_ids, bk=bk) * dzs, block_ids, bk=bk)
        if dws is not None:
            dys = dys + _block_sum(_block_softmax(ws, block_ids, bk=bk) * dws, block_ids, bk=bk)
    else:
        dh, alpha, _, _, _ = _block_weights(t, block_ids, mode, bk=bk)
        if dzs is not None:
            dys = dys + dh * (dzs - _block_sum(alpha * dzs, block_ids, bk=bk))
        if dws is not None:
            dys = dys + alpha * _block_sum(dws, block_ids, bk=bk)
    return xp.astype(_unsort(dys, inv_z, bk=bk), out_dtype)


PROJ_PERMUTAHEDRON = VJPRule("proj_permutahedron", _proj_fwd, _proj_bwd, jvp=_proj_jvp)


def proj_permutahedron(
    z: Array,
    w: Array,
    softness: Any = 1.0,
    mode: str = "smooth",
    *,
    z_ascending: bool = False,
    w_ascending: bool = False,
    bk: Any,
) -> Array:
    r"""Project ``z / softness`` onto the permutahedron of ``w`` along the last axis (see module docstring).

    ``z`` and ``w`` broadcast to a common shape ``(..., n)`` (floating; integers -> default float);
    returns ``y`` of that shape. ``mode`` in ``smooth`` (log-KL), ``c0`` (Euclidean), ``c1``
    (p = 3/2), ``c2`` (p = 4/3). Hard limit (``softness -> 0``): ``y = w`` rearranged in the order
    of ``z`` (the largest ``w`` where ``z`` is largest). Gradients flow to both ``z`` and ``w``.

    ``z_ascending`` / ``w_ascending``: promise that ``z`` / ``w`` is strictly increasing along the
    last axis (anchors, rank grids), which replaces its sort by a flip.
    """
    xp = bk.xp
    check_choice("mode", mode, PERMUTAHEDRON_MODES)
    check_softness(softness)
    dtype = xp.result_type(z.dtype, w.dtype)
    if not xp.isdtype(dtype, "real floating"):
        dtype = bk.default_float_dtype()
    z = z if z.dtype == dtype else xp.astype(z, dtype)
    w = w if w.dtype == dtype else xp.astype(w, dtype)
    z, w = xp.broadcast_arrays(z, w)
    check_bool("z_ascending", z_ascending)
    check_bool("w_ascending", w_ascending)
    return bk.custom_vjp(PROJ_PERMUTAHEDRON)(
        z / softness, w, mode=mode, z_ascending=z_ascending, w_ascending=w_ascending
    )
