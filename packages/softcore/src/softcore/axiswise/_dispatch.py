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

Value-only methods (``sorting_network`` values, ``fast_soft_sort``, ``smooth_sort``) instead
provide ``network_values(xs, softness, mode, *, bk, standardized)`` (ascending values in the space
of ``xs``; the caller unsquashes). A method announces the optional keywords it takes with the
attributes ``uses_pad`` (``standardized=``) and ``uses_ot_kwargs`` (``ot_kwargs=``). Wiring a
method is one entry of ``_REGISTRY``.
"""

from __future__ import annotations

from typing import Any

from softcore._typing import Array
from softcore.axiswise._common import device, select, to_log
from softcore.axiswise.methods import neuralsort, softsort
from softcore.axiswise.methods import sorting_network as _sn

__all__ = [
    "INDEX_METHODS",
    "NETWORK_VALUE_METHODS",
    "VALUE_METHODS",
    "argmax",
    "network_values",
    "permutation_rows",
    "rank",
    "sorted_values",
]

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


# method name -> implementation of the protocol above. Not yet wired (NotImplementedError):
# "ot", "fast_soft_sort", "smooth_sort".
_REGISTRY: dict[str, Any] = {
    "softsort": softsort,
    "neuralsort": neuralsort,
    "sorting_network": _SortingNetwork,
}


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


def _extra(impl: Any, standardized: bool, ot_kwargs: Any) -> dict[str, Any]:
    """Keyword arguments only some methods take: ``standardized`` (the sorting network's padding)
    and ``ot_kwargs`` (solver settings), announced by ``uses_pad`` / ``uses_ot_kwargs``."""
    extra: dict[str, Any] = {}
    if getattr(impl, "uses_pad", False):
        extra["standardized"] = standardized
    if getattr(impl, "uses_ot_kwargs", False):
        extra["ot_kwargs"] = ot_kwargs
    return extra


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


def network_values(
    method: str, xs: Array, softness: Any, mode: str, *, bk: Any, standardized: bool, ot_kwargs: Any = None
) -> Array:
    """Ascending values in the space of ``xs`` for value-network methods -> (..., n)."""
    _check_mode_for(method, mode)
    impl = _impl(method)
    extra = _extra(impl, standardized, ot_kwargs)
    extra.setdefault("standardized", standardized)  # value methods always need it (unsquash / padding)
    return impl.network_values(xs, softness, mode, bk=bk, **extra)


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
