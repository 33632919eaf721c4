"""JaxBackend: the softcore backend contract implemented with JAX primitives."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero

from softcore._vjp import VJPRule
from softjax._per_row import per_row

__all__ = ["JAX", "JaxBackend"]


def _varying_axes(aval: Any) -> frozenset[Any]:
    """The manual mesh axes (``shard_map``) along which a value differs between devices."""
    axis_type = getattr(aval, "manual_axis_type", None)
    if axis_type is not None:
        return frozenset(axis_type.varying)
    return frozenset(getattr(aval, "vma", ()))


def _vary_like(body: Callable[[Any], Any], init: Any) -> Any:
    """Inside ``shard_map``, mark the loop's initial carry as varying along the mesh axes that the
    body's output varies along (``jax.lax.pcast``). softcore builds initial carries with
    ``zeros``/``full`` (replicated), while the body mixes in the sharded input, and a loop's carry
    must keep one type. Outside ``shard_map`` (no manual axes) this is a no-op that costs nothing;
    inside it costs a few extra abstract traces of ``body`` (until the carry types agree)."""
    if not jax.sharding.get_abstract_mesh().manual_axes:
        return init
    leaves, treedef = jax.tree.flatten(init)
    for _ in range(len(leaves) + 1):  # varying-ness spreads one carry component per pass at most
        out_leaves = jax.tree.leaves(jax.eval_shape(body, jax.tree.unflatten(treedef, leaves)))
        missing = [_varying_axes(o) - _varying_axes(jax.typeof(a)) for a, o in zip(leaves, out_leaves, strict=True)]
        if not any(missing):
            break
        leaves = [
            jax.lax.pcast(a, tuple(sorted(m)), to="varying") if m else a for a, m in zip(leaves, missing, strict=True)
        ]
    return jax.tree.unflatten(treedef, leaves)


def _gather(x: Any, idx: Any) -> Any:
    """``x[idx]`` for 1-D ``x`` and in-bounds non-negative ``idx``: ``mode="clip"`` compiles to a
    plain gather (the default ``"fill"`` adds an out-of-bounds mask and select, ~4x slower on CPU)."""
    return jnp.take(x, idx, mode="clip")


def _take_along_axis(x: Any, idx: Any) -> Any:
    """``take_along_axis(x, idx, axis=-1)`` for in-bounds non-negative ``idx``: a gather with batch
    dimensions, which the partitioner keeps on each device's rows (a gather from the flattened
    batch would all-gather a sharded batch)."""
    return jnp.take_along_axis(x, idx, axis=-1, mode="clip")


def _segment_min(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
    """Minimum of each segment of 1-D ``data`` (ids sorted; empty segments: the dtype's maximum)."""
    return jax.ops.segment_min(data, segment_ids, num_segments=num_segments, indices_are_sorted=True)


def _cumulative_min(x: Any) -> Any:
    return jax.lax.cummin(x, axis=x.ndim - 1)


class JaxBackend:
    name = "jax"
    xp = jnp  # jax.numpy implements the array API standard itself
    #: Kernel slots (softcore DESIGN §4.8), each faster in ``benchmarks/``.
    kernels = {
        "gather": _gather,
        "take_along_axis": _take_along_axis,
        "segment_min": _segment_min,
        "cumulative_min": _cumulative_min,
    }

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
        init = _vary_like(lambda c: body(lower, c), init)
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

        return jax.lax.while_loop(keep_going, block, (jnp.asarray(0), _vary_like(body, init)))[1]

    def segment_sum(self, data: Any, segment_ids: Any, /, *, num_segments: int) -> Any:
        # One scatter with batch dimensions (vmap): it stays on each device's rows when the batch is
        # sharded, where a scatter into the flattened batch would all-reduce it.
        def row_sum(d: Any, ids: Any) -> Any:
            return jax.ops.segment_sum(d, ids, num_segments=num_segments)

        for _ in range(data.ndim - 1):
            row_sum = jax.vmap(row_sum)
        return row_sum(data, segment_ids)

    def linear_solve(self, matvec: Callable[[Any], Any], b: Any, solve: Callable[[Any], Any], /) -> Any:
        # Implicit differentiation: linear and transposable in b (the transpose solves again,
        # matvec being symmetric), never differentiated through solve's iterations.
        return jax.lax.custom_linear_solve(matvec, b, lambda _matvec, rhs: solve(rhs), symmetric=True)

    def default_float_dtype(self) -> Any:
        return jnp.result_type(float)

    def per_row(self, fn: Callable[..., Any], /, *arrays: Any, batch_ndim: int) -> Any:
        # A custom_partitioning call: under jit + NamedSharding each device runs the solver (and
        # its stopping test) on its own rows; see softjax._per_row.
        return per_row(fn, arrays, batch_ndim)

    def checkpoint(self, fn: Callable[..., Any], /) -> Callable[..., Any]:
        # Rematerialise in the backward pass: chunked O(n^2) ops keep O(n * chunk) residuals.
        return jax.checkpoint(fn)

    def concrete(self, x: Any, /) -> Any:
        # Tracers (jit, vmap, grad, ...) have no value; concrete arrays do (a device -> host copy).
        if isinstance(x, jax.core.Tracer):
            return None
        return x.item()


JAX = JaxBackend()


@functools.cache  # one custom derivative per (rule, static configuration): no retracing
def _jax_rule(rule: VJPRule, static: tuple[tuple[str, Any], ...]) -> Callable[..., Any]:
    kw = dict(static)
    if rule.jvp is not None:
        return _jax_rule_jvp(rule, kw)

    @jax.custom_vjp
    def f(*arrays: Any) -> Any:
        return rule.fwd(*arrays, bk=JAX, **kw)[0]

    def f_fwd(*arrays: Any) -> Any:
        return rule.fwd(*arrays, bk=JAX, **kw)

    def f_bwd(res: Any, g: Any) -> Any:
        return tuple(rule.bwd(res, g, bk=JAX, **kw))

    f.defvjp(f_fwd, f_bwd)
    return f


def _zero_tangent(x: Any) -> Any:
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.zeros_like(x)
    return jnp.zeros(x.shape, dtype=jax.dtypes.float0)  # integer and bool outputs


def _jax_rule_jvp(rule: VJPRule, kw: dict[str, Any]) -> Callable[..., Any]:
    """``custom_jvp`` over ``(out, residuals)``: forward mode runs ``rule.jvp``, reverse mode
    transposes it. The residuals are outputs with zero tangents, so that the rule's own call
    ``f_res(*primals)`` inside the JVP rule nests correctly under higher-order differentiation
    (the primal output keeps its custom derivative; the JVP's coefficients act as constants,
    exactly as the residuals of ``bwd`` do)."""
    multi = rule.n_outputs > 1

    @jax.custom_jvp
    def f_res(*arrays: Any) -> Any:
        out, res = rule.fwd(*arrays, bk=JAX, **kw)
        return out, tuple(res)

    def f_jvp(primals: Any, tangents: Any) -> Any:
        out, res = f_res(*primals)
        tan = tuple(None if isinstance(t, SymbolicZero) else t for t in tangents)
        t_out = rule.jvp(res, tan, bk=JAX, **kw)
        outs = out if multi else (out,)
        t_outs = tuple(t_out) if multi else (t_out,)
        t_outs = tuple(_zero_tangent(o) if t is None else t for o, t in zip(outs, t_outs, strict=True))
        return (out, res), (t_outs if multi else t_outs[0], tuple(_zero_tangent(r) for r in res))

    f_res.defjvp(f_jvp, symbolic_zeros=True)

    def f(*arrays: Any) -> Any:
        return f_res(*arrays)[0]

    return f
