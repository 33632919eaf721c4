"""The backend contract: what softcore needs beyond the Python array API standard.

softcore is written once against the array API standard (``xp``, obtained through
``array-api-compat``). A handful of things are not in the standard but are needed by a library of
differentiable relaxations; a *backend* supplies them:

============================  ==================================================================
member                        meaning
============================  ==================================================================
``name``                      ``"array_api"`` (reference), ``"jax"`` or ``"torch"``
``xp``                        the array-API namespace of the framework
``stop_gradient(x)``          ``x`` with its derivative cut (identity for the reference backend)
``custom_vjp(rule)``          a callable that evaluates ``rule.fwd`` and differentiates with
                              ``rule.bwd`` and, in forward mode, ``rule.jvp`` (see
                              :class:`softcore._vjp.VJPRule`)
``fori_loop(lo, hi, f, s)``   ``for i in range(lo, hi): s = f(i, s)`` -- differentiable
``while_loop(c, f, s, ...)``  bounded while loop, checked every ``check_every`` steps;
                              only used inside rule forwards (never differentiated)
``segment_sum(d, ids, n)``    sum ``d`` (..., m) into ``n`` bins along the last axis
``linear_solve(A, b, f)``     ``x = f(b)`` (a solver) for a symmetric linear map ``A``
                              (``matvec``), differentiated as ``A^{-1} b``: linear and
                              transposable in ``b``, never through ``f``'s iterations
                              (``jax.lax.custom_linear_solve``; ``f(b)`` elsewhere)
``default_float_dtype()``     the framework's default floating dtype (for integer inputs)
``per_row(fn, *a, batch_ndim)`` ``fn(*a)`` for a solver whose leading ``batch_ndim`` axes index
                              independent problems; a backend may partition it over devices
                              (JAX: each device loops over its own rows, no collective)
``checkpoint(fn)``            ``fn`` with its intermediates recomputed in the backward pass
                              (``jax.checkpoint``; identity where the framework gains nothing)
``concrete(x)``               the Python value of a 0-d array when it is concrete (eager), or
                              ``None`` under tracing (jit, vmap, grad transforms, compile); a host
                              sync, used only for diagnostics such as solver warnings
============================  ==================================================================

Every member has a test in ``shared_tests/core`` that runs it on every backend. softcore never
imports a framework: the wrappers (softjax, softtorch) pass their backend explicitly as the
keyword-only ``bk`` argument of every core function.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

import array_api_compat

from softcore._vjp import VJPRule

__all__ = ["ArrayAPIBackend", "Backend", "get_backend"]

S = TypeVar("S")


@runtime_checkable
class Backend(Protocol):
    """Everything softcore needs beyond the array API standard. Keep this list short."""

    name: str
    xp: Any

    def stop_gradient(self, x: Any, /) -> Any: ...

    def custom_vjp(self, rule: VJPRule, /) -> Callable[..., Any]: ...

    def fori_loop(self, lower: int, upper: int, body: Callable[[Any, S], S], init: S, /) -> S: ...

    def while_loop(
        self,
        cond: Callable[[S], Any],
        body: Callable[[S], S],
        init: S,
        /,
        *,
        max_iter: int,
        check_every: int = 1,
    ) -> S: ...

    def segment_sum(self, data: Any, segment_ids: Any, /, *, num_segments: int) -> Any: ...

    def linear_solve(self, matvec: Callable[[Any], Any], b: Any, solve: Callable[[Any], Any], /) -> Any: ...

    def default_float_dtype(self) -> Any: ...

    def per_row(self, fn: Callable[..., Any], /, *arrays: Any, batch_ndim: int) -> Any: ...

    def checkpoint(self, fn: Callable[..., Any], /) -> Callable[..., Any]: ...

    def concrete(self, x: Any, /) -> Any: ...


class ArrayAPIBackend:
    """Reference backend over any array-API namespace: no custom autodiff, Python loops.

    Used for NumPy and array-api-strict arrays and for direct calls into softcore. It is also
    the executable specification of the loop semantics that the framework backends follow.
    """

    name = "array_api"

    def __init__(self, xp: Any) -> None:
        self.xp = xp

    def __repr__(self) -> str:
        return f"ArrayAPIBackend({getattr(self.xp, '__name__', self.xp)!r})"

    def stop_gradient(self, x: Any, /) -> Any:
        return x

    def custom_vjp(self, rule: VJPRule, /) -> Callable[..., Any]:
        def call(*arrays: Any, **static: Any) -> Any:
            return rule.fwd(*arrays, bk=self, **static)[0]

        return call

    def fori_loop(self, lower: int, upper: int, body: Callable[[Any, S], S], init: S, /) -> S:
        state = init
        for i in range(lower, upper):
            state = body(i, state)
        return state

    def while_loop(
        self,
        cond: Callable[[S], Any],
        body: Callable[[S], S],
        init: S,
        /,
        *,
        max_iter: int,
        check_every: int = 1,
    ) -> S:
        state = init
        for _ in range(math.ceil(max_iter / check_every)):
            if not bool(cond(state)):
                break
            for _ in range(check_every):
                state = body(state)
        return state

    def segment_sum(self, data: Any, segment_ids: Any, /, *, num_segments: int) -> Any:
        xp = self.xp
        bins = xp.arange(num_segments, device=array_api_compat.device(data))  # noqa: TID251  (no Dynamo here)
        one_hot = xp.astype(segment_ids[..., None] == bins, data.dtype)  # (..., m, k)
        return xp.sum(one_hot * data[..., None], axis=-2)

    def linear_solve(self, matvec: Callable[[Any], Any], b: Any, solve: Callable[[Any], Any], /) -> Any:
        return solve(b)

    def per_row(self, fn: Callable[..., Any], /, *arrays: Any, batch_ndim: int) -> Any:
        return fn(*arrays)

    def checkpoint(self, fn: Callable[..., Any], /) -> Callable[..., Any]:
        return fn

    def concrete(self, x: Any, /) -> Any:
        return x.item() if hasattr(x, "item") else x

    def default_float_dtype(self) -> Any:
        info = self.xp.__array_namespace_info__()
        return info.default_dtypes(device=None)["real floating"]


def get_backend(*arrays: Any) -> ArrayAPIBackend:
    """The reference backend for the namespace of ``arrays`` (NumPy, array-api-strict, ...)."""
    return ArrayAPIBackend(array_api_compat.array_namespace(*arrays))
