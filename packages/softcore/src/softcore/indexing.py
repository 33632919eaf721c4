r"""Selection with soft Booleans and soft indices (expectations instead of gathers).

A *SoftIndex* holds probabilities over positions along its **last** axis; its leading shape is
the shape of the integer index it relaxes. Selecting with it is the expectation
:math:`\sum_j x_j p_j` -- no renormalisation and no check that ``p`` sums to one, so a one-hot
``p`` reproduces the hard gather exactly and a log-probability index is *not* accepted here.

=========================  =================================================================
op                         formula / shapes
=========================  =================================================================
``where(c, x, y)``         :math:`x c + y (1 - c)`, shapes broadcast
``take_along_axis``        x (..., n, ...), p (..., k, ..., [n]) -> (..., k, ...)
``take``                   x (..., n, ...), p (k, [n]) -> (..., k, ...); ``axis=None`` ravels x
``choose``                 p (..., [n]), choices (n, ...) -> broadcast (...):
                           :math:`\sum_j choices_j p_{..., j}`
``dynamic_index_in_dim``   x (..., n, ...), p ([n],) -> (..., {1}, ...)
``dynamic_slice_in_dim``   x (..., n, ...), p ([n],) -> (..., size, ...):
                           :math:`y_t = \sum_j x_{(j + t) \bmod n} p_j` (wraps around)
``dynamic_slice``          one ``dynamic_slice_in_dim`` per axis
=========================  =================================================================

Contractions are written as broadcast-multiply-sum (never a matrix product, whose float32
precision is backend-dependent on GPUs), so both frameworks agree to round-off. Integer/boolean
inputs are promoted to the default float dtype; other dtypes follow the frameworks' promotion.

Unlike ``jax.lax.dynamic_slice_in_dim``, which clamps the start so that the slice stays in bounds,
the soft slices wrap around circularly: a one-hot start 3 with size 2 on ``arange(4)`` gives
``[3, 0]`` (jax: ``[2, 3]``).

Validation (Python-level only): shape and ndim mismatches and bad sizes raise ``ValueError``,
wrong argument types ``TypeError``, each naming the argument. The keyword-only ``names`` maps
the canonical (JAX) argument names to the names a wrapper exposes (e.g. ``axis -> dim``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from softcore._arrays import device as _device
from softcore._arrays import ensure_float
from softcore._typing import Array, SoftBool, SoftIndex
from softcore._validate import canonicalize_axis, check_bool, check_int

__all__ = [
    "choose",
    "dynamic_index_in_dim",
    "dynamic_slice",
    "dynamic_slice_in_dim",
    "take",
    "take_along_axis",
    "where",
]

Names = Mapping[str, str] | None


def _nm(names: Names, key: str) -> str:
    return key if names is None else names.get(key, key)


def _check_array(name: str, value: Any) -> None:
    if not hasattr(value, "shape") or not hasattr(value, "dtype"):
        raise TypeError(f"{name} must be an array, got {type(value).__name__}.")


def _check_broadcastable(a: tuple[int, ...], b: tuple[int, ...], what: str) -> None:
    """Right-aligned NumPy broadcasting check with a readable ValueError."""
    for da, db in zip(reversed(a), reversed(b), strict=False):
        if da != db and da != 1 and db != 1:
            raise ValueError(f"{what}: shapes {tuple(a)} and {tuple(b)} do not broadcast.")


def _moveaxis(x: Array, source: int, destination: int, *, xp: Any) -> Array:
    """``moveaxis`` through ``permute_dims`` (torch.func.vmap has no batching rule for ``aten::moveaxis``)."""
    source, destination = source % x.ndim, destination % x.ndim
    if source == destination:
        return x
    order = [i for i in range(x.ndim) if i != source]
    order.insert(destination, source)
    return xp.permute_dims(x, tuple(order))


def _contract(x: Array, p: Array, *, xp: Any) -> Array:
    """``sum_j x[..., j] p[..., k, j]``: x (..., n), p (..., k, n) -> (..., k) (batch dims broadcast)."""
    return xp.sum(x[..., None, :] * p, axis=-1)


def where(condition: SoftBool, x: Any, y: Any, *, bk: Any) -> Array:
    r"""Soft selection :math:`x c + y (1 - c)` with ``c = condition`` in [0, 1]; shapes broadcast.

    With a Boolean ``condition`` this equals ``where(condition, x, y)`` for finite ``x`` and ``y``
    (an infinite unselected operand gives NaN, as ``inf * 0`` does).
    """
    _check_array("condition", condition)
    c = ensure_float(condition, bk=bk)
    if hasattr(x, "dtype"):
        x = ensure_float(x, bk=bk)
    if hasattr(y, "dtype"):
        y = ensure_float(y, bk=bk)
    return x * c + y * (1 - c)


def take_along_axis(x: Array, soft_index: SoftIndex, axis: int | None = -1, *, bk: Any, names: Names = None) -> Array:
    r"""Soft ``take_along_axis``: :math:`y_{..., k, ...} = \sum_j x_{..., j, ...} p_{..., k, ..., j}`.

    Shapes: ``x`` (..., n, ...) with ``n`` at ``axis``; ``soft_index`` (..., k, ..., [n]) with
    ``soft_index.ndim == x.ndim + 1``, ``k`` at ``axis`` and the other dimensions broadcasting
    against those of ``x``; result (..., k, ...). ``axis=None`` ravels ``x`` to (N,); then
    ``soft_index`` must be (k, [N]) and the result is (k,).
    """
    xp = bk.xp
    n_idx = _nm(names, "soft_index")
    _check_array("x", x)
    _check_array(n_idx, soft_index)
    x = ensure_float(x, bk=bk)
    p = ensure_float(soft_index, bk=bk)
    if axis is None:
        x = xp.reshape(x, (-1,))
        if p.ndim != 2:
            raise ValueError(
                f"With {_nm(names, 'axis')}=None, {n_idx} must have shape (k, [n]) (2-D), got shape {tuple(p.shape)}."
            )
        axis = 0
    else:
        axis = canonicalize_axis(axis, x.ndim, name=_nm(names, "axis"))
        if p.ndim != x.ndim + 1:
            raise ValueError(
                f"{n_idx} must have one more dimension than x (the trailing probability axis): "
                f"x.ndim={x.ndim}, {n_idx}.ndim={p.ndim}."
            )
    n = x.shape[axis]
    if p.shape[-1] != n:
        raise ValueError(
            f"{n_idx} has {p.shape[-1]} probabilities on its last axis but x has {n} entries along "
            f"{_nm(names, 'axis')}={axis}."
        )
    xm = _moveaxis(x, axis, -1, xp=xp)  # (..., n)
    pm = _moveaxis(p, axis, -2, xp=xp)  # (..., k, [n])
    _check_broadcastable(tuple(xm.shape[:-1]), tuple(pm.shape[:-2]), f"x and {n_idx} outside the axis")
    return _moveaxis(_contract(xm, pm, xp=xp), -1, axis, xp=xp)


def take(x: Array, soft_index: SoftIndex, axis: int | None = None, *, bk: Any, names: Names = None) -> Array:
    r"""Soft ``take``: the ``k`` soft picks of ``soft_index`` (k, [n]) along ``axis`` of ``x``.

    :math:`y_{..., k, ...} = \sum_j x_{..., j, ...} p_{k, j}`. Shapes: ``x`` (..., n, ...) ->
    (..., k, ...); ``axis=None`` ravels ``x`` first (result (k,)).
    """
    xp = bk.xp
    n_idx = _nm(names, "soft_index")
    _check_array("x", x)
    _check_array(n_idx, soft_index)
    x = ensure_float(x, bk=bk)
    p = ensure_float(soft_index, bk=bk)
    if p.ndim != 2:
        raise ValueError(f"{n_idx} must have shape (k, [n]) (2-D), got shape {tuple(p.shape)}.")
    if axis is None:
        x = xp.reshape(x, (-1,))
        axis = 0
    else:
        axis = canonicalize_axis(axis, x.ndim, name=_nm(names, "axis"))
    n = x.shape[axis]
    if p.shape[-1] != n:
        raise ValueError(
            f"{n_idx} has {p.shape[-1]} probabilities on its last axis but x has {n} entries along the taken axis."
        )
    xm = _moveaxis(x, axis, -1, xp=xp)  # (..., n)
    return _moveaxis(_contract(xm, p, xp=xp), -1, axis, xp=xp)  # (..., k) -> (..., k, ...)


def choose(soft_index: SoftIndex, choices: Array, *, bk: Any, names: Names = None) -> Array:
    r"""Soft ``choose``: :math:`y_{...} = \sum_j choices_{j, ...} \, p_{..., j}`.

    Shapes: ``soft_index`` (..., [n]), ``choices`` (n, ...) with the same ndim; the result has the
    broadcast shape of ``soft_index.shape[:-1]`` and ``choices.shape[1:]``.
    """
    xp = bk.xp
    n_idx = _nm(names, "soft_index")
    _check_array(n_idx, soft_index)
    _check_array("choices", choices)
    p = ensure_float(soft_index, bk=bk)
    c = ensure_float(choices, bk=bk)
    if c.ndim < 1 or p.ndim != c.ndim:
        raise ValueError(
            f"{n_idx} (..., [n]) and choices (n, ...) must have the same ndim >= 1, "
            f"got {n_idx}.ndim={p.ndim}, choices.ndim={c.ndim}."
        )
    if p.shape[-1] != c.shape[0]:
        raise ValueError(
            f"{n_idx} has {p.shape[-1]} probabilities on its last axis but there are {c.shape[0]} choices."
        )
    _check_broadcastable(tuple(p.shape[:-1]), tuple(c.shape[1:]), f"{n_idx} and choices")
    cm = _moveaxis(c, 0, -1, xp=xp)  # (..., n)
    return xp.sum(cm * p, axis=-1)


def _check_soft_position(p: Array, n: int, name: str, axis_name: str) -> None:
    if p.ndim != 1:
        raise ValueError(f"{name} must be a 1-D SoftIndex of shape ([n],), got shape {tuple(p.shape)}.")
    if p.shape[0] != n:
        raise ValueError(f"{name} has {p.shape[0]} probabilities but x has {n} entries along {axis_name}.")


def dynamic_index_in_dim(
    x: Array, soft_index: SoftIndex, axis: int = 0, keepdims: bool = True, *, bk: Any, names: Names = None
) -> Array:
    r"""Soft single index along ``axis``: :math:`y = \sum_j x_{..., j, ...} p_j`.

    Shapes: ``x`` (..., n, ...), ``soft_index`` ([n],) -> (..., 1, ...) with ``keepdims=True``,
    else (..., ...).
    """
    xp = bk.xp
    n_idx, n_axis = _nm(names, "soft_index"), _nm(names, "axis")
    _check_array("x", x)
    _check_array(n_idx, soft_index)
    check_bool(_nm(names, "keepdims"), keepdims)
    x = ensure_float(x, bk=bk)
    p = ensure_float(soft_index, bk=bk)
    axis = canonicalize_axis(axis, x.ndim, name=n_axis)
    _check_soft_position(p, x.shape[axis], n_idx, f"{n_axis}={axis}")
    out = xp.sum(_moveaxis(x, axis, -1, xp=xp) * p, axis=-1)  # (..., ...)
    return xp.expand_dims(out, axis=axis) if keepdims else out


def _circulant(p: Array, size: int, *, xp: Any) -> Array:
    """``Q[t, i] = p[(i - t) mod n]`` (size, n), gathered with a static index table."""
    n = p.shape[0]
    dev = _device(p)
    i = xp.arange(n, device=dev)
    t = xp.arange(size, device=dev)
    table = (i[None, :] - t[:, None] + n) % n  # (size, n), non-negative
    return xp.reshape(xp.take(p, xp.reshape(table, (-1,)), axis=0), (size, n))


def dynamic_slice_in_dim(
    x: Array,
    soft_start_index: SoftIndex,
    slice_size: int,
    axis: int = 0,
    *,
    bk: Any,
    names: Names = None,
) -> Array:
    r"""Soft slice of length ``slice_size`` along ``axis`` starting at a soft position, wrapping around.

    :math:`y_{..., t, ...} = \sum_j x_{..., (j + t) \bmod n, ...} \, p_j` for ``t < slice_size``,
    computed as :math:`\sum_i x_i Q_{t, i}` with the circulant :math:`Q_{t, i} = p_{(i - t) \bmod n}`.

    Shapes: ``x`` (..., n, ...), ``soft_start_index`` ([n],) -> (..., slice_size, ...);
    ``0 < slice_size <= n``.
    """
    xp = bk.xp
    n_idx, n_axis, n_size = _nm(names, "soft_start_index"), _nm(names, "axis"), _nm(names, "slice_size")
    _check_array("x", x)
    _check_array(n_idx, soft_start_index)
    check_int(n_size, slice_size)
    x = ensure_float(x, bk=bk)
    p = ensure_float(soft_start_index, bk=bk)
    axis = canonicalize_axis(axis, x.ndim, name=n_axis)
    n = x.shape[axis]
    _check_soft_position(p, n, n_idx, f"{n_axis}={axis}")
    if not 0 < slice_size <= n:
        raise ValueError(f"{n_size} must satisfy 0 < {n_size} <= {n} (the size of {n_axis}={axis}), got {slice_size}.")
    q = _circulant(p, slice_size, xp=xp)  # (size, [n])
    xm = _moveaxis(x, axis, -1, xp=xp)  # (..., n)
    return _moveaxis(_contract(xm, q, xp=xp), -1, axis, xp=xp)  # (..., size) -> (..., size, ...)


def dynamic_slice(
    x: Array, soft_start_indices: Sequence[SoftIndex], slice_sizes: Sequence[int], *, bk: Any, names: Names = None
) -> Array:
    r"""Soft multi-dimensional slice: :func:`dynamic_slice_in_dim` along every axis in turn.

    ``soft_start_indices`` holds one SoftIndex ([n_i],) per axis of ``x`` and ``slice_sizes`` one
    size ``0 < l_i <= n_i`` per axis. Shapes: ``x`` (n_0, ..., n_{d-1}) -> (l_0, ..., l_{d-1}).
    Wraps around circularly on every axis.
    """
    n_idx, n_sizes = _nm(names, "soft_start_indices"), _nm(names, "slice_sizes")
    _check_array("x", x)
    if hasattr(soft_start_indices, "shape") and getattr(soft_start_indices, "ndim", 0) != 2:
        raise ValueError(f"{n_idx} must be a sequence of 1-D SoftIndex arrays, one per axis of x.")
    if not hasattr(soft_start_indices, "shape") and not isinstance(soft_start_indices, Sequence):
        raise TypeError(f"{n_idx} must be a sequence of arrays, got {type(soft_start_indices).__name__}.")
    if not isinstance(slice_sizes, Sequence) or isinstance(slice_sizes, (str, bytes)):
        raise TypeError(f"{n_sizes} must be a sequence of ints, got {type(slice_sizes).__name__}.")
    if hasattr(soft_start_indices, "shape"):  # a (ndim, n) array: one row per axis
        rows: Any = soft_start_indices
        starts = [rows[i, ...] for i in range(rows.shape[0])]
    else:
        starts = list(soft_start_indices)
    if len(starts) != x.ndim:
        raise ValueError(f"{n_idx} must hold one SoftIndex per axis of x ({x.ndim}), got {len(starts)}.")
    if len(slice_sizes) != x.ndim:
        raise ValueError(f"{n_sizes} must hold one size per axis of x ({x.ndim}), got {len(slice_sizes)}.")
    for a, (p, size) in enumerate(zip(starts, slice_sizes, strict=True)):
        x = dynamic_slice_in_dim(
            x, p, size, a, bk=bk, names={"soft_start_index": f"{n_idx}[{a}]", "slice_size": f"{n_sizes}[{a}]"}
        )
    return x
