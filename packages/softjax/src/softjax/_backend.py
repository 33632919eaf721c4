"""JaxBackend: the softcore backend contract implemented with JAX primitives."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from softcore._vjp import VJPRule

__all__ = ["JAX", "JaxBackend"]


class JaxBackend:
    name = "jax"
    xp = jnp  # jax.numpy implements the array API standard itself

    def __repr__(self) -> str:
        return "JaxBackend()"

    def stop_gradient(self, x: Any, /) -> Any:
        return jax.lax.stop_gradient(x)

    def custom_vjp(self, rule: VJPRule, /) -> Callable[..., Any]:
        def call(*arrays: Any, **static: Any) -> Any:
            return _jax_rule(rule, tuple(sorted(static.items())))(*arrays)

        return call

    def fori_loop(self, lower: int, upper: int, body: Callable[[Any, Any], Any], init: Any, /) -> Any:
        # Static bounds lower to a scan, which reverse-mode autodiff supports.
        return jax.lax.fori_loop(lower, upper, body, init)

    def while_loop(
        self,
        cond: Callable[[Any], Any],
        body: Callable[[Any], Any],
        init: Any,
        /,
        *,
        max_iter: int,
        check_every: int = 1,
    ) -> Any:
        n_blocks = math.ceil(max_iter / check_every)

        def block(carry: tuple[Any, Any]) -> tuple[Any, Any]:
            b, s = carry
            return b + 1, jax.lax.fori_loop(0, check_every, lambda _, t: body(t), s)

        def keep_going(carry: tuple[Any, Any]) -> Any:
            b, s = carry
            return (b < n_blocks) & cond(s)

        return jax.lax.while_loop(keep_going, block, (jnp.asarray(0), init))[1]

    def segment_sum(self, data: Any, segment_ids: Any, /, *, num_segments: int) -> Any:
        *batch, n = data.shape
        rows = math.prod(batch)
        offsets = jnp.arange(rows, dtype=segment_ids.dtype)[:, None] * num_segments
        flat_ids = (segment_ids.reshape(rows, n) + offsets).reshape(-1)
        flat = jax.ops.segment_sum(data.reshape(-1), flat_ids, num_segments=rows * num_segments)
        return flat.reshape(*batch, num_segments)

    def default_float_dtype(self) -> Any:
        return jnp.result_type(float)

    def checkpoint(self, fn: Callable[..., Any], /) -> Callable[..., Any]:
        # Rematerialise in the backward pass: chunked O(n^2) ops keep O(n * chunk) residuals.
        return jax.checkpoint(fn)


JAX = JaxBackend()


@functools.cache  # one custom derivative per (rule, static configuration): no retracing
def _jax_rule(rule: VJPRule, static: tuple[tuple[str, Any], ...]) -> Callable[..., Any]:
    kw = dict(static)
    if rule.jvp is not None:
        jvp_rule = rule.jvp

        @jax.custom_jvp
        def f_jvp(*arrays: Any) -> Any:
            return rule.fwd(*arrays, bk=JAX, **kw)[0]

        @f_jvp.defjvp
        def _(primals: Any, tangents: Any) -> Any:
            return jvp_rule(primals, tangents, bk=JAX, **kw)

        return f_jvp

    @jax.custom_vjp
    def f(*arrays: Any) -> Any:
        return rule.fwd(*arrays, bk=JAX, **kw)[0]

    def f_fwd(*arrays: Any) -> Any:
        return rule.fwd(*arrays, bk=JAX, **kw)

    def f_bwd(res: Any, g: Any) -> Any:
        return tuple(rule.bwd(res, g, bk=JAX, **kw))

    f.defvjp(f_fwd, f_bwd)
    return f
