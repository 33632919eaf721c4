"""``per_row``: run a row-independent solver so that a sharded batch needs no communication.

The iterative methods (pool-adjacent-violators, Sinkhorn / L-BFGS / Newton, CG) loop until every
row of their batch has converged. Under ``jax.jit`` with a batch sharded over devices
(``NamedSharding``), XLA's partitioner sees one loop over the *global* batch, so each iteration
all-reduces the stopping test (a scalar ``pred``) across devices. Inside ``shard_map`` each device
runs its own loop on its own rows and no collective is needed: rows are independent, and a
converged row is frozen, so stopping a device's loop early changes nothing.

:func:`per_row` gives the ``jit`` + ``NamedSharding`` case the ``shard_map`` behaviour without
asking the caller for a mesh. The solver becomes a ``custom_partitioning`` call whose sharding rule
says: the leading ``batch_ndim`` axes of every operand and result are one set of batch factors
(shardable, passed through), every other axis must be replicated. The partitioner then runs the
solver on each device's block of rows (the per-device program is the solver traced on the local
shapes), with no collective when the soft axes are not sharded, and an all-gather of exactly the
sharded soft axes when they are.

``custom_partitioning`` has neither a batching nor a differentiation rule, so two wrappers
surround it:

* ``custom_vmap``: under ``jax.vmap`` the mapped axis becomes one more leading batch axis (unmapped
  operands are broadcast), and the call recurses with ``batch_ndim + 1``;
* ``custom_jvp``: the solvers run inside derivative rules and are never differentiated, but if one
  is, its derivative is that of the plain ``fn`` (what it was before this wrapper).

On one device the lowering is the plain ``fn``. ``fn`` must take every array it needs as an
argument: a closure over a traced array (a jaxpr constant) cannot be re-traced per device, so such
a call runs ``fn`` directly (correct, with the global stopping test).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.custom_batching import custom_vmap
from jax.experimental.custom_partitioning import custom_partitioning
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

__all__ = ["per_row"]


def per_row(fn: Callable[..., Any], arrays: tuple[Any, ...], batch_ndim: int) -> Any:
    """``fn(*arrays)``, partitioned over the leading ``batch_ndim`` axes (see the module docstring).

    ``arrays``: each ``(*batch, ...)`` (leading axes broadcastable to one batch shape). ``fn``
    returns a pytree of arrays, each ``(*batch, ...)``, and must treat the rows independently."""
    if not arrays:
        return fn(*arrays)
    # (batch_ndim = 0 still goes through the wrappers: under vmap the mapped axis becomes a batch axis)
    batch = jnp.broadcast_shapes(*(a.shape[:batch_ndim] for a in arrays))
    arrays = tuple(jnp.broadcast_to(a, batch + a.shape[batch_ndim:]) for a in arrays)
    if 0 in batch:
        return fn(*arrays)
    closed, out_shapes = jax.make_jaxpr(fn, return_shape=True)(*arrays)
    out_leaves, out_tree = jax.tree.flatten(out_shapes)
    if closed.consts or any(len(o.shape) < batch_ndim for o in out_leaves):
        return fn(*arrays)  # not expressible as a per-row call: run it as it is

    def flat_fn(*args: Any) -> tuple[Any, ...]:
        return tuple(jax.tree.leaves(fn(*args)))

    return jax.tree.unflatten(out_tree, _differentiable(flat_fn, batch_ndim)(*arrays))


def _differentiable(flat_fn: Callable[..., tuple[Any, ...]], batch_ndim: int) -> Callable[..., Any]:
    @jax.custom_jvp
    def call(*arrays: Any) -> Any:
        return _batchable(flat_fn, batch_ndim)(*arrays)

    @call.defjvp
    def call_jvp(primals: Any, tangents: Any) -> Any:
        return jax.jvp(flat_fn, primals, tangents)

    return call


def _batchable(flat_fn: Callable[..., tuple[Any, ...]], batch_ndim: int) -> Callable[..., Any]:
    @custom_vmap
    def call(*arrays: Any) -> Any:
        return _partitioned(flat_fn, batch_ndim)(*arrays)

    @call.def_vmap
    def call_vmap(axis_size: int, in_batched: Any, *arrays: Any) -> Any:
        # batched operands carry the mapped axis first; it becomes the outermost batch axis
        arrays = tuple(
            a if b else jnp.broadcast_to(a, (axis_size, *a.shape)) for a, b in zip(arrays, in_batched, strict=True)
        )
        outs = _batchable(flat_fn, batch_ndim + 1)(*arrays)
        return outs, (True,) * len(outs)

    return call


def _partitioned(flat_fn: Callable[..., tuple[Any, ...]], batch_ndim: int) -> Callable[..., Any]:
    call = custom_partitioning(flat_fn)

    def batch_spec(mesh: Any, arg_shapes: Any) -> tuple[Any, ...]:
        """The batch part of the first operand's partition spec (``None`` where unknown)."""
        sharding = arg_shapes[0].sharding
        spec = tuple(getattr(sharding, "spec", ()))[:batch_ndim]
        return spec + (None,) * (batch_ndim - len(spec))

    def shardings(mesh: Any, spec: tuple[Any, ...], shapes: Any) -> tuple[Any, ...]:
        # batch axes as the first operand's, everything else replicated
        return tuple(NamedSharding(mesh, P(*spec, *(None,) * (len(s.shape) - batch_ndim))) for s in shapes)

    def partition(mesh: Any, arg_shapes: Any, result_shape: Any) -> Any:
        spec = batch_spec(mesh, arg_shapes)
        return mesh, flat_fn, shardings(mesh, spec, result_shape), shardings(mesh, spec, arg_shapes)

    def infer_sharding_from_operands(mesh: Any, arg_shapes: Any, result_shape: Any) -> Any:
        return shardings(mesh, batch_spec(mesh, arg_shapes), result_shape)

    def propagate_user_sharding(mesh: Any, user_shape: Any) -> Any:  # (GSPMD only; Shardy uses the rule)
        return jax.tree.map(lambda s: s.sharding, user_shape)

    def sharding_rule(mesh: Any, operand_types: Any, result_types: Any) -> Any:
        return _rule(batch_ndim, [len(t.shape) for t in operand_types], [len(t.shape) for t in result_types])

    call.def_partition(
        partition=partition,
        infer_sharding_from_operands=infer_sharding_from_operands,
        propagate_user_sharding=propagate_user_sharding,
        sharding_rule=sharding_rule,
    )
    return call


def _rule(batch_ndim: int, operand_ranks: list[int], result_ranks: list[int]) -> tuple[str, dict[str, Any]]:
    """Shardy rule in einsum notation: shared batch factors ``b0 b1 ...``, then one factor per
    other axis, each of which must be replicated. E.g. ``b0 i0_0, b0 i1_0 -> b0 o0_0``."""
    batch = [f"b{k}" for k in range(batch_ndim)]
    own: list[str] = []

    def operand(tag: str, rank: int) -> str:
        rest = [f"{tag}_{k}" for k in range(rank - batch_ndim)]
        own.extend(rest)
        return " ".join(batch + rest)

    ins = ", ".join(operand(f"i{j}", r) for j, r in enumerate(operand_ranks))
    outs = ", ".join(operand(f"o{j}", r) for j, r in enumerate(result_ranks))
    return f"{ins} -> {outs}", ({"need_replication_factors": tuple(own)} if own else {})
