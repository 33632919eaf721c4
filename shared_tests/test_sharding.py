"""JAX sharding: every op on batch-sharded inputs over 8 host CPU devices (issue 8).

The check runs in its own process (``scripts/jax_sharding_check.py``; the host device count is
fixed when JAX initialises) and reports, per configuration, the sharded-vs-unsharded differences of
values (``jit`` with ``NamedSharding`` and ``shard_map``) and per-sample gradients, and the
collectives in the compiled programs. Asserted here:

* sharded == unsharded to 1e-12 (float64) for ``jit`` and ``shard_map``, values and gradients, and
  the outputs stay sharded along the batch axis;
* ``shard_map`` and ``jit`` + ``NamedSharding``: no collective at all, in the forward and the
  gradient programs. That includes the iterative methods (``fast_soft_sort``'s
  pool-adjacent-violators, ``ot``, ``smooth_sort``): their solvers are ``bk.per_row`` calls, which
  the JAX backend partitions so that each device stops its loops on its own rows (without it, a
  loop over the global batch all-reduces its stopping test every iteration).

The default tier runs five axis-wise ops (one per code path) with every method and a sample of the
element-wise ops; ``-m slow`` runs every axis-wise op x method and every catalogue op.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "scripts" / "jax_sharding_check.py"
#: Element-wise catalogue ops of the default tier (one per topic module; ``-m slow`` runs all).
DEFAULT_ELEMENTWISE = ("sigmoidal-", "clip-", "round-", "where-", "logical_and-", "take_along_axis-", "norm-")
TOL = 1e-12


def _run(only: list[str]) -> dict[str, dict]:
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", *only],
        capture_output=True,
        text=True,
        env=env,
        timeout=3000,
        check=False,
    )
    assert proc.returncode == 0, f"sharding script failed:\n{proc.stderr[-4000:]}"
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return {row.pop("id"): row for row in rows}


def _problems(cid: str, row: dict) -> list[str]:
    if "error" in row:
        return [f"{cid}: {row['error']}\n{row.get('traceback', '')}"]
    out = []
    for key in ("fwd_diff", "shard_map_diff", "grad_diff", "direct_diff", "direct_grad_diff"):
        if row.get(key, 0.0) > TOL:
            out.append(f"{cid}: {key} = {row[key]:.3g}")
    if not row["out_sharded"]:
        out.append(f"{cid}: outputs are not sharded along the batch axis")
    if row["shard_map_collectives"]:
        out.append(f"{cid}: shard_map program has collectives {row['shard_map_collectives']}")
    for key in ("fwd_collectives", "grad_collectives", "direct_collectives", "direct_grad_collectives"):
        if row.get(key):
            out.append(f"{cid}: {key} {row[key]}")
    return out


def _check(only: list[str], expected_min: int) -> None:
    results = _run(only)
    assert results.pop("_devices")["count"] == 8
    assert len(results) >= expected_min, f"only {len(results)} configurations ran: {sorted(results)}"
    problems = [p for cid, row in sorted(results.items()) for p in _problems(cid, row)]
    assert not problems, "\n".join(problems)


#: Axis-wise ops of the default tier: one per code path (SoftIndex, row-chunked values, network
#: values, top-k and quantile anchors); ``-m slow`` runs every op x method.
DEFAULT_AXISWISE_OPS = ("argmax", "sort", "rank", "top_k", "quantile")


def _axiswise_ids(ops: tuple[str, ...] | None = None) -> list[str]:
    from harness.axiswise_grid import ALL_METHODS, ops_of

    return [f"{name}[{m}]-" for m in ALL_METHODS for name, _ in ops_of(m) if ops is None or name in ops]


@pytest.mark.jax
@pytest.mark.compile
def test_sharded_axiswise_and_sampled_elementwise():
    ids = _axiswise_ids(DEFAULT_AXISWISE_OPS)
    _check([*ids, *DEFAULT_ELEMENTWISE], expected_min=len(ids) + len(DEFAULT_ELEMENTWISE))


@pytest.mark.jax
@pytest.mark.compile
@pytest.mark.slow
def test_sharded_every_catalogue_op():
    from harness.catalogue import ALL_CASES

    elementwise = [c for c in ALL_CASES if c.kwargs.get("method") is None]
    _check([], expected_min=len(elementwise) + len(_axiswise_ids()))
