"""Run every op on batch-sharded inputs over 8 host CPU devices; print one JSON line per config.

Started by ``shared_tests/test_sharding.py`` in its own process (the device count is fixed when
JAX initialises: ``XLA_FLAGS=--xla_force_host_platform_device_count=8``). For each configuration:

* ``jit(vmap(op))`` on inputs with ``NamedSharding(mesh, P("batch"))`` == the unsharded run;
* ``shard_map(vmap(op))`` over the same mesh == the unsharded run;
* per-sample gradients ``jit(vmap(grad(loss)))`` on sharded inputs == unsharded;
* the collectives (all-reduce, all-gather, ...) in the compiled HLO of the sharded forward and
  gradient programs, counted by kind (the soft axis is never sharded, so there should be none);
* for the axis-wise grid, the same for the op called directly on the whole sharded batch
  (``jit(op)`` with the soft axis past the batch axis, no ``vmap``).

Usage: ``python jax_sharding_check.py [--only PREFIX ...]`` (prints ``{"id": ..., ...}`` lines).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback

if __name__ == "__main__":  # importing this module (for its config ids) must not change the devices
    os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
os.environ.setdefault("JAX_ENABLE_X64", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import Mesh, NamedSharding  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

import softjax  # noqa: E402
from harness.axiswise_grid import ALL_METHODS, OT_TIGHT, call_op, ops_of  # noqa: E402
from harness.backends import flatten_outputs  # noqa: E402
from harness.catalogue import ALL_CASES  # noqa: E402

jax.config.update("jax_enable_x64", True)

BATCH = 8
COLLECTIVES = ("all-reduce", "all-gather", "all-to-all", "collective-permute", "reduce-scatter")


def collectives(compiled_text: str) -> list[str]:
    """The collective instructions of an optimised HLO module, as ``"kind shape"`` strings (e.g.
    ``"all-reduce pred[]"``)."""
    kinds = "|".join(COLLECTIVES)
    pattern = rf"= (\S+) ({kinds})(?:-start)?\("
    return [f"{kind} {shape}" for shape, kind in re.findall(pattern, compiled_text)]


def _configs():
    """(id, per-sample function of float64 arrays, list of per-sample input arrays of sample k).

    Ids are unique: a grid id that a catalogue case already uses (e.g. ``top_k[neuralsort]-smooth``)
    gets a ``#grid`` suffix, so no configuration hides another in the results."""
    seen = set()
    for case in ALL_CASES:
        if case.kwargs.get("method") is not None:
            continue  # axis-wise methods: covered by the op x method grid below
        mode = case.soft_modes[0] if case.has_mode else None
        inputs = case.inputs()
        array_pos = [i for i, a in enumerate(inputs) if isinstance(a, np.ndarray)]
        diff_pos = [array_pos.index(i) for i in case.diff_argnums if i in array_pos]

        def f(*arrays, case=case, inputs=inputs, array_pos=array_pos, mode=mode):
            args = list(inputs)
            for i, a in zip(array_pos, arrays, strict=True):
                args[i] = a
            return flatten_outputs(_jax_harness().call_raw(case, args, mode))

        samples = [[case.inputs(seed)[i] for i in array_pos] for seed in range(BATCH)]
        seen.add(f"{case.id}-{mode}")
        yield f"{case.id}-{mode}", f, samples, diff_pos, None
    rng = np.random.default_rng(0)
    for method in ALL_METHODS:
        for name, kw in ops_of(method):
            extra = {"ot_kwargs": OT_TIGHT} if method == "ot" else {}

            def g(x, name=name, kw=kw, method=method, extra=extra):
                return flatten_outputs(call_op(softjax, name, x, method, "smooth", kw, torch=False, **extra))

            samples = [[rng.standard_normal((3, 5))] for _ in range(BATCH)]
            cid = f"{name}[{method}]-smooth"
            yield (f"{cid}#grid" if cid in seen else cid), g, samples, [0], _direct(name, kw, method, extra)


def _direct(name, kw, method, extra):
    """The grid op called on the whole ``(BATCH, 3, 5)`` stack (no ``vmap``; the soft axis moved
    past the batch axis), or ``None`` for ``axis=None`` (which would mix the batch in)."""
    if "axis" in kw and kw["axis"] is None:
        return None
    kw = {**kw, "axis": kw["axis"] + 1} if kw.get("axis", -1) >= 0 else kw

    def d(x):
        return flatten_outputs(call_op(softjax, name, x, method, "smooth", kw, torch=False, **extra))

    return d


_HARNESS = []


def _jax_harness():
    if not _HARNESS:
        from harness.backends import JaxHarness

        _HARNESS.append(JaxHarness())
    return _HARNESS[0]


def _max_diff(a, b):
    return max(
        (float(np.max(np.abs(np.asarray(x) - np.asarray(y)), initial=0.0)) for x, y in zip(a, b, strict=True)),
        default=0.0,
    )


def check(f, samples, diff_pos, mesh, direct=None):
    """Sharded vs unsharded values and per-sample gradients, and the collectives of each program
    (each program is compiled once: the executable both runs and shows its HLO). ``direct``: the
    op on the whole stacked batch (no ``vmap``), checked the same way (``direct_*`` keys)."""
    stacked = [jnp.asarray(np.stack([s[i] for s in samples])) for i in range(len(samples[0]))]
    shard = NamedSharding(mesh, P("batch"))
    sharded = [jax.device_put(a, shard) for a in stacked]
    batched = jax.vmap(f)
    reference = jax.jit(batched)(*stacked)
    fwd = jax.jit(batched).lower(*sharded).compile()
    out = fwd(*sharded)
    smap = jax.jit(jax.shard_map(batched, mesh=mesh, in_specs=P("batch"), out_specs=P("batch")))
    smap = smap.lower(*sharded).compile()
    result = {
        "fwd_diff": _max_diff(out, reference),
        "shard_map_diff": _max_diff(smap(*sharded), reference),
        "fwd_collectives": collectives(fwd.as_text()),
        "shard_map_collectives": collectives(smap.as_text()),
        "out_sharded": all(o.sharding.is_equivalent_to(shard, o.ndim) for o in out),
    }
    if diff_pos:
        cots = [np.random.default_rng(1).standard_normal(np.shape(o)[1:]) for o in reference]

        def loss(*arrays):
            outs = f(*arrays)
            return sum(
                jnp.sum(jnp.asarray(c) * o)
                for c, o in zip(cots, outs, strict=True)
                if jnp.issubdtype(o.dtype, jnp.inexact)
            )

        per_sample_grad = jax.jit(jax.vmap(jax.grad(loss, argnums=tuple(diff_pos))))
        g_ref = per_sample_grad(*stacked)
        grad_sharded = per_sample_grad.lower(*sharded).compile()
        result["grad_diff"] = _max_diff(grad_sharded(*sharded), g_ref)
        result["grad_collectives"] = collectives(grad_sharded.as_text())
    if direct is not None:
        result.update(_check_direct(direct, stacked, sharded))
    return result


def _check_direct(direct, stacked, sharded):
    (x,), (xs,) = stacked, sharded
    reference = jax.jit(direct)(x)
    fwd = jax.jit(direct).lower(xs).compile()
    cots = [np.random.default_rng(2).standard_normal(np.shape(o)) for o in reference]

    def loss(x):
        outs = direct(x)
        return sum(
            jnp.sum(jnp.asarray(c) * o) for c, o in zip(cots, outs, strict=True) if jnp.issubdtype(o.dtype, jnp.inexact)
        )

    grad = jax.jit(jax.grad(loss))
    grad_sharded = grad.lower(xs).compile()
    return {
        "direct_diff": _max_diff(fwd(xs), reference),
        "direct_grad_diff": _max_diff([grad_sharded(xs)], [grad(x)]),
        "direct_collectives": collectives(fwd.as_text()),
        "direct_grad_collectives": collectives(grad_sharded.as_text()),
    }


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", default=[])
    args = parser.parse_args(argv)
    devices = jax.devices()
    mesh = Mesh(np.array(devices), ("batch",))
    print(json.dumps({"id": "_devices", "count": len(devices)}), flush=True)
    for cid, f, samples, diff_pos, direct in _configs():
        if args.only and not cid.startswith(tuple(args.only)):
            continue
        try:
            result = check(f, samples, diff_pos, mesh, direct)
        except Exception as exc:  # reported per configuration, the test fails on it
            result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=4)}
        print(json.dumps({"id": cid, **result}), flush=True)


if __name__ == "__main__":
    main()
