"""The one place where ``method=`` is turned into code.

Every method provides (some of) these functions, all on scores along the LAST axis and for the
soft modes ``smooth``/``c0``/``c1``/``c2`` only (hard modes never reach this module):

``permutation_rows(xs, rows, softness, mode, *, bk, return_log_probs)``
    rows ``rows`` (m,) int of the ASCENDING soft permutation matrix -> (..., m, [n])
``argmax(xs, softness, mode, *, bk, return_log_probs)``
    (..., [n])
``sorted_values(x, xs, softness, mode, *, bk, gated_grad)``
    ascending soft-sorted values (..., n) of the original ``x``, fused (no n x n array)
``rank(xs, softness, mode, descending, *, bk)``
    ranks in [1, n] (..., n)

Optional, for methods that solve a smaller problem than the full permutation (``ot``):
``argtop_k(xs, k, softness, mode, *, bk, return_log_probs)`` -> (..., k, [n]) (largest first) and
``quantile_rows(xs, k, kp1, a, take_next, softness, mode, *, bk, return_log_probs)`` -> (..., kq, [n])
(``(1 - a) P[k] + a P[kp1]`` rows, or ``P[k]`` without ``take_next``; ``k``, ``kp1``, ``a`` (kq,) arrays).

Value-only methods (``sorting_network`` values, ``fast_soft_sort``, ``smooth_sort``) instead
provide ``network_values(xs, softness, mode, *, bk, standardized)`` (ascending values in the space
of ``xs``; the caller unsquashes). A method announces the optional keywords it takes with the
attributes ``uses_pad`` (``standardized=``) and ``uses_ot_kwargs`` (``ot_kwargs=``); with
``ignores_standardize = True`` it always receives the raw ``x`` (``smooth_sort``). Wiring a
method is one entry of ``_REGISTRY``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from softcore._arrays import is_low_precision
from softcore._typing import Array
from softcore.axiswise._common import device, quantile_mix, select, to_log
from softcore.axiswise.methods import neuralsort, smooth_sort, softsort
from softcore.axiswise.methods import sorting_network as _sn
from softcore.axiswise.methods.ot import OptimalTransport
from softcore.axiswise.methods.permutahedron_sort import fast_soft_rank, fast_soft_sort

__all__ = [
    "INDEX_METHODS",
    "NETWORK_VALUE_METHODS",
    "VALUE_METHODS",
    "argmax",
    "argtop_k",
    "network_values",
    "permutation_rows",
    "quantile_rows",
    "rank",
    "raw_scores",
    "sorted_values",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Methods that produce a SoftIndex (``arg*`` functions).
INDEX_METHODS = ("ot", "softsort", "neuralsort", "sorting_network")
#: Methods accepted by the value functions (``sort``, ``max``, ``quantile``, ``top_k``, ``rank``).
VALUE_METHODS = (*INDEX_METHODS, "fast_soft_sort", "smooth_sort")
#: Methods whose VALUES come from a network/projection of the values (not from ``P @ x``);
#: their ``max``/``sort``/``top_k``/``median`` return no SoftIndex.
NETWORK_VALUE_METHODS = ("sorting_network", "fast_soft_sort", "smooth_sort")


class _SortingNetwork:
    """Adapter of :mod:`softcore.axiswise.methods.sorting_network` to the method protocol.

    The network pads with ``1.0`` (squashed scores lie in (0, 1)) or ``max(x) + 1`` (raw scores).
    """

    uses_pad = True

    @staticmethod
    def _pad(standardized: bool) -> float | None:
        return 1.0 if standardized else None

    @staticmethod
    def permutation_rows(
        xs: Array, rows: Array, softness: Any, mode: str, *, bk: Any, return_log_probs: bool = False, standardized: bool
    ) -> Array:
        pad = _SortingNetwork._pad(standardized)
        p = bk.xp.take(_sn.sorting_network_permutation(xs, softness, mode, pad, bk=bk), rows, axis=-2)  # (..., m, [n])
        return to_log(p, xp=bk.xp) if return_log_probs else p

    @staticmethod
    def rank(xs: Array, softness: Any, mode: str, descending: bool, *, bk: Any, standardized: bool) -> Array:
        """Column-normalised ``P^T``: ``rank_i = sum_r w_r P[r, i] / sum_r P[r, i]``."""
        xp = bk.xp
        n = xs.shape[-1]
        p = _sn.sorting_network_permutation(xs, softness, mode, _SortingNetwork._pad(standardized), bk=bk)
        w = xp.arange(1, n + 1, dtype=xs.dtype, device=device(xs))
        if descending:
            w = xp.flip(w)
        num = xp.sum(p * w[:, None], axis=-2)
        den = xp.sum(p, axis=-2)
        return num / xp.maximum(den, xp.full_like(den, 1e-10))

    @staticmethod
    def network_values(xs: Array, softness: Any, mode: str, *, bk: Any, standardized: bool) -> Array:
        return _sn.sorting_network_values(xs, softness, mode, _SortingNetwork._pad(standardized), bk=bk)


class _FastSoftSort:
    """Adapter of :mod:`softcore.axiswise.methods.permutahedron_sort` (value-only, exact PAV)."""

    @staticmethod
    def network_values(xs: Array, softness: Any, mode: str, *, bk: Any, standardized: bool) -> Array:
        return fast_soft_sort(xs, softness, mode, bk=bk)

    @staticmethod
    def rank(xs: Array, softness: Any, mode: str, descending: bool, *, bk: Any) -> Array:
        return fast_soft_rank(xs, softness, mode, descending, bk=bk)


# method name -> implementation of the protocol above.
_REGISTRY: dict[str, Any] = {
    "softsort": softsort,
    "neuralsort": neuralsort,
    "sorting_network": _SortingNetwork,
    "fast_soft_sort": _FastSoftSort,
    "ot": OptimalTransport,
    "smooth_sort": smooth_sort,
}


def _at_least_float32(fn: F) -> F:
    """Evaluate a dispatch function in float32 when its scores are float16/bfloat16 and cast the
    result back: the n x n scores, thresholds and solver states of the methods need more than 8
    significant bits (bfloat16 NeuralSort at softness 1e-4 produced NaN rows under XLA)."""

    @functools.wraps(fn)
    def wrapper(method: str, *args: Any, bk: Any, **kwargs: Any) -> Any:
        xp = bk.xp
        dtype = args[0].dtype
        if not is_low_precision(args[0], xp=xp):
            return fn(method, *args, bk=bk, **kwargs)
        up = [xp.astype(a, xp.float32) if is_low_precision(a, xp=xp) else a for a in args]
        return xp.astype(fn(method, *up, bk=bk, **kwargs), dtype)

    return wrapper  # type: ignore[return-value]


def _impl(method: str) -> Any:
    impl = _REGISTRY.get(method)
    if impl is None:
        raise NotImplementedError(
            f"method={method!r} is not available yet; implemented methods: {', '.join(map(repr, _REGISTRY))}."
        )
    return impl


def _check_mode_for(method: str, mode: str) -> None:
    if method == "smooth_sort" and mode != "smooth":
        raise ValueError(f"method='smooth_sort' supports only mode='smooth' (or 'hard'), got mode={mode!r}.")


def raw_scores(method: str) -> bool:
    """True when the method works on the raw ``x`` whatever ``standardize`` says (``smooth_sort``)."""
    return bool(getattr(_impl(method), "ignores_standardize", False))


def _extra(impl: Any, standardized: bool, ot_kwargs: Any) -> dict[str, Any]:
    """Keyword arguments only some methods take: ``standardized`` (the sorting network's padding)
    and ``ot_kwargs`` (solver settings), announced by ``uses_pad`` / ``uses_ot_kwargs``."""
    extra: dict[str, Any] = {}
    if getattr(impl, "uses_pad", False):
        extra["standardized"] = standardized
    if getattr(impl, "uses_ot_kwargs", False):
        extra["ot_kwargs"] = ot_kwargs
    return extra


@_at_least_float32
def permutation_rows(
    method: str,
    xs: Array,
    rows: Array,
    softness: Any,
    mode: str,
    *,
    bk: Any,
    standardized: bool,
    log: bool = False,
    ot_kwargs: Any = None,
) -> Array:
    """Rows (m,) of the ascending soft permutation -> (..., m, [n]) (log-probabilities if ``log``)."""
    impl = _impl(method)
    extra = _extra(impl, standardized, ot_kwargs)
    return impl.permutation_rows(xs, rows, softness, mode, bk=bk, return_log_probs=log, **extra)


@_at_least_float32
def argmax(
    method: str,
    xs: Array,
    softness: Any,
    mode: str,
    *,
    bk: Any,
    standardized: bool,
    log: bool = False,
    ot_kwargs: Any = None,
) -> Array:
    """Soft argmax -> (..., [n]) (log-probabilities if ``log``)."""
    impl = _impl(method)
    extra = _extra(impl, standardized, ot_kwargs)
    if hasattr(impl, "argmax"):
        return impl.argmax(xs, softness, mode, bk=bk, return_log_probs=log, **extra)
    rows = bk.xp.arange(xs.shape[-1] - 1, xs.shape[-1], device=device(xs))
    return impl.permutation_rows(xs, rows, softness, mode, bk=bk, return_log_probs=log, **extra)[..., 0, :]


@_at_least_float32
def argtop_k(
    method: str,
    xs: Array,
    k: int,
    softness: Any,
    mode: str,
    *,
    bk: Any,
    standardized: bool,
    log: bool = False,
    ot_kwargs: Any = None,
) -> Array:
    """Soft top-k index rows (..., k, [n]), largest first (log-probabilities if ``log``)."""
    impl = _impl(method)
    extra = _extra(impl, standardized, ot_kwargs)
    if hasattr(impl, "argtop_k"):
        return impl.argtop_k(xs, k, softness, mode, bk=bk, return_log_probs=log, **extra)
    n = xs.shape[-1]
    rows = bk.xp.arange(n - 1, n - 1 - k, -1, device=device(xs))  # ascending rows of the k largest
    return impl.permutation_rows(xs, rows, softness, mode, bk=bk, return_log_probs=log, **extra)


@_at_least_float32
def quantile_rows(
    method: str,
    xs: Array,
    k: Array,
    kp1: Array,
    a: Array,
    take_next: bool,
    softness: Any,
    mode: str,
    *,
    bk: Any,
    standardized: bool,
    log: bool = False,
    ot_kwargs: Any = None,
) -> Array:
    """Soft quantile index rows (..., kq, [n]): ``(1 - a) P[k] + a P[kp1]`` (``P[k]`` without
    ``take_next``) of the ascending soft permutation, for ``k``, ``kp1``, ``a`` (kq,) arrays."""
    impl = _impl(method)
    extra = _extra(impl, standardized, ot_kwargs)
    if hasattr(impl, "quantile_rows"):
        return impl.quantile_rows(xs, k, kp1, a, take_next, softness, mode, bk=bk, return_log_probs=log, **extra)

    def rows_of(rows: Array) -> Array:
        return impl.permutation_rows(xs, rows, softness, mode, bk=bk, return_log_probs=log, **extra)

    return quantile_mix(rows_of, k, kp1, a, take_next, log=log, xp=bk.xp)


@_at_least_float32
def sorted_values(
    method: str,
    x: Array,
    xs: Array,
    softness: Any,
    mode: str,
    *,
    bk: Any,
    gated_grad: bool = True,
    ot_kwargs: Any = None,
) -> Array:
    """Ascending soft-sorted values of ``x`` (..., n) for SoftIndex methods (fused when possible)."""
    impl = _impl(method)
    extra = _extra(impl, True, ot_kwargs)
    if hasattr(impl, "sorted_values"):
        return impl.sorted_values(x, xs, softness, mode, bk=bk, gated_grad=gated_grad, **extra)
    xp = bk.xp
    rows = xp.arange(xs.shape[-1], device=device(xs))
    p = impl.permutation_rows(xs, rows, softness, mode, bk=bk, **extra)
    return select(p if gated_grad else bk.stop_gradient(p), x, xp=xp)


@_at_least_float32
def network_values(
    method: str, xs: Array, softness: Any, mode: str, *, bk: Any, standardized: bool, ot_kwargs: Any = None
) -> Array:
    """Ascending values in the space of ``xs`` for value-network methods -> (..., n)."""
    _check_mode_for(method, mode)
    impl = _impl(method)
    extra = _extra(impl, standardized, ot_kwargs)
    extra.setdefault("standardized", standardized)  # value methods always need it (unsquash / padding)
    return impl.network_values(xs, softness, mode, bk=bk, **extra)


@_at_least_float32
def rank(
    method: str,
    xs: Array,
    softness: Any,
    mode: str,
    descending: bool,
    *,
    bk: Any,
    standardized: bool,
    ot_kwargs: Any = None,
) -> Array:
    """Soft ranks in [1, n] -> (..., n); 1 is the smallest (largest if ``descending``)."""
    _check_mode_for(method, mode)
    impl = _impl(method)
    return impl.rank(xs, softness, mode, descending, bk=bk, **_extra(impl, standardized, ot_kwargs))
