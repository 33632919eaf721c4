"""Axis-wise soft operators for PyTorch (maths in :mod:`softcore.axiswise`).

Signatures and defaults follow SoftTorch: ``dim=``/``keepdim=``/``interpolation=``; ``sort`` and
``argsort`` default to ``dim=-1``, ``topk`` to the last axis, the others flatten for ``dim=None``.
``median`` uses the lower rule and ``interpolation="nearest"`` rounds half to even, like
``torch.median`` / ``torch.quantile``. Where torch returns ``torch.return_types`` (``sort``,
``topk``, ``max``/``min``/``median`` with an int ``dim``), so do these, with a SoftIndex (or
``None``) as ``indices``. Every index-returning op accepts ``return_log_probs``/``log_prob_eps``.
"""

from __future__ import annotations

from typing import Any, Literal

import torch

from softcore import axiswise as _core
from softcore._typing import Array, Mode, SoftIndex
from softcore.axiswise._dispatch import NETWORK_VALUE_METHODS
from softcore.axiswise.top_k import _argtop_k as _core_argtop_k
from softtorch._backend import TORCH
from softtorch._wrap import asarray, doc_from

__all__ = [
    "argmax",
    "argmedian",
    "argmin",
    "argpercentile",
    "argquantile",
    "argsort",
    "max",
    "median",
    "min",
    "percentile",
    "quantile",
    "rank",
    "sort",
    "topk",
]

IndexMethod = Literal["ot", "softsort", "neuralsort", "sorting_network"]
ValueMethod = Literal["ot", "softsort", "neuralsort", "sorting_network", "fast_soft_sort", "smooth_sort"]
Interpolation = Literal["linear", "lower", "higher", "nearest", "midpoint"]

_NAMES = {"axis": "dim", "keepdims": "keepdim", "quantile_method": "interpolation"}


def _q(q: Any) -> Any:
    """Python numbers/lists stay Python values (validated in the core); tensors pass through."""
    if isinstance(q, (int, float, list, tuple)) and not isinstance(q, bool):
        return q
    return asarray(q)


def _last_if_none(dim: int | None) -> int:
    return -1 if dim is None else dim


@doc_from(_core.argmax)
def argmax(
    x: Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argmax(
        asarray(x),
        dim,
        keepdim,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=TORCH,
        names=_NAMES,
    )


@doc_from(_core.argmin)
def argmin(
    x: Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argmin(
        asarray(x),
        dim,
        keepdim,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=TORCH,
        names=_NAMES,
    )


def _extremum(core_fn: Any, result_type: Any, x: Array, dim: int | None, keepdim: bool, *args: Any) -> Any:
    if dim is None:
        return core_fn(asarray(x), None, keepdim, *args, bk=TORCH, names=_NAMES)
    values, index = core_fn(asarray(x), dim, keepdim, *args, bk=TORCH, names=_NAMES, return_index=True)
    return result_type((values, index))


@doc_from(_core.max)
def max(  # noqa: A001
    x: Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Any:
    """``dim=None``: a 0-d tensor; ``dim=int``: ``torch.return_types.max(values, indices)``."""
    return _extremum(
        _core.max, torch.return_types.max, x, dim, keepdim, softness, mode, method, standardize, ot_kwargs, gated_grad
    )


@doc_from(_core.min)
def min(  # noqa: A001
    x: Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "softsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Any:
    return _extremum(
        _core.min, torch.return_types.min, x, dim, keepdim, softness, mode, method, standardize, ot_kwargs, gated_grad
    )


@doc_from(_core.argsort)
def argsort(
    x: Array,
    dim: int | None = -1,
    descending: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argsort(
        asarray(x),
        _last_if_none(dim),
        descending,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=TORCH,
        names=_NAMES,
    )


@doc_from(_core.sort)
def sort(
    x: Array,
    dim: int | None = -1,
    descending: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    return_indices: bool = True,
) -> Any:
    """Returns ``torch.return_types.sort(values, indices)``; ``indices`` is the soft permutation, or
    ``None`` for ``return_indices=False`` and the value methods (sorting_network, fast_soft_sort, ...)."""
    out = _core.sort(
        asarray(x),
        _last_if_none(dim),
        descending,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        gated_grad,
        bk=TORCH,
        names={**_NAMES, "return_index": "return_indices"},
        return_index=return_indices,
    )
    values, index = out if return_indices is True else (out, None)
    return torch.return_types.sort((values, index))  # type: ignore[arg-type]  # indices may be None


@doc_from(_core.rank)
def rank(
    x: Array,
    dim: int | None = None,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    descending: bool = True,
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
) -> Array:
    return _core.rank(
        asarray(x), dim, softness, mode, method, descending, standardize, ot_kwargs, bk=TORCH, names=_NAMES
    )


@doc_from(_core.top_k)
def topk(
    x: Array,
    k: int,
    dim: int | None = None,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> Any:
    """Returns ``torch.return_types.topk(values, indices)`` (``indices`` ``None`` for the value methods)."""
    values, index = _core.top_k(
        asarray(x),
        k,
        _last_if_none(dim),
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        gated_grad,
        return_log_probs,
        log_prob_eps,
        bk=TORCH,
        names=_NAMES,
    )
    return torch.return_types.topk((values, index))  # type: ignore[arg-type]  # indices may be None


@doc_from(_core_argtop_k)
def _argtopk(
    x: Array,
    k: int,
    dim: int | None = -1,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core_argtop_k(
        asarray(x),
        k,
        dim,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=TORCH,
        names=_NAMES,
    )


@doc_from(_core.argquantile)
def argquantile(
    x: Array,
    q: float | Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    interpolation: Interpolation = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argquantile(
        asarray(x),
        _q(q),
        dim,
        keepdim,
        softness,
        mode,
        method,
        interpolation,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=TORCH,
        names=_NAMES,
        convention="torch",
    )


@doc_from(_core.quantile)
def quantile(
    x: Array,
    q: float | Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    interpolation: Interpolation = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_argquantile: bool = False,
    gated_grad: bool = True,
) -> Any:
    """``return_argquantile=True`` returns ``(values, soft_index)`` (not for the value methods)."""
    if return_argquantile is True and method in NETWORK_VALUE_METHODS:
        raise ValueError(f"return_argquantile=True needs a SoftIndex method, got method={method!r}.")
    return _core.quantile(
        asarray(x),
        _q(q),
        dim,
        keepdim,
        softness,
        mode,
        method,
        interpolation,
        standardize,
        ot_kwargs,
        gated_grad,
        bk=TORCH,
        names={**_NAMES, "return_index": "return_argquantile"},
        convention="torch",
        return_index=return_argquantile,
    )


@doc_from(_core.argmedian)
def argmedian(
    x: Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    """Soft argmedian with the lower rule of ``torch.median``."""
    return _core.argmedian(
        asarray(x),
        dim,
        keepdim,
        softness,
        mode,
        method,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=TORCH,
        names=_NAMES,
        quantile_method="lower",
    )


@doc_from(_core.median)
def median(
    x: Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Any:
    """Lower median (``torch.median``): ``dim=None`` -> 0-d tensor; ``dim=int`` ->
    ``torch.return_types.median(values, indices)`` (a SoftIndex; not for the value methods)."""
    args = (softness, mode, method, standardize, ot_kwargs, gated_grad)
    if dim is None:
        if keepdim is True:
            raise ValueError("median: keepdim=True needs an int dim (dim=None reduces over all elements).")
        return _core.median(asarray(x), None, keepdim, *args, bk=TORCH, names=_NAMES, quantile_method="lower")
    if method in NETWORK_VALUE_METHODS:
        raise ValueError(f"median with an int dim returns a SoftIndex, which method={method!r} does not provide.")
    values, index = _core.median(
        asarray(x), dim, keepdim, *args, bk=TORCH, names=_NAMES, quantile_method="lower", return_index=True
    )
    return torch.return_types.median((values, index))


@doc_from(_core.argpercentile)
def argpercentile(
    x: Array,
    p: float | Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: IndexMethod = "neuralsort",
    interpolation: Interpolation = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
) -> SoftIndex:
    return _core.argpercentile(
        asarray(x),
        _q(p),
        dim,
        keepdim,
        softness,
        mode,
        method,
        interpolation,
        standardize,
        ot_kwargs,
        return_log_probs,
        log_prob_eps,
        bk=TORCH,
        names=_NAMES,
        convention="torch",
    )


@doc_from(_core.percentile)
def percentile(
    x: Array,
    p: float | Array,
    dim: int | None = None,
    keepdim: bool = False,
    softness: float | Array = 0.1,
    mode: Mode = "smooth",
    method: ValueMethod = "neuralsort",
    interpolation: Interpolation = "linear",
    standardize: bool = True,
    ot_kwargs: dict[str, Any] | None = None,
    gated_grad: bool = True,
) -> Array:
    return _core.percentile(
        asarray(x),
        _q(p),
        dim,
        keepdim,
        softness,
        mode,
        method,
        interpolation,
        standardize,
        ot_kwargs,
        gated_grad,
        bk=TORCH,
        names=_NAMES,
        convention="torch",
    )
