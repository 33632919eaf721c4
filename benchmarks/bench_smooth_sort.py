"""Benchmark: forward + backward of ``method="smooth_sort"`` (soft sort along the last axis).

Run ``python benchmarks/bench_smooth_sort.py`` (``--sizes 64,256,1024``, ``--batch 1``,
``--softness 0.1``, ``--dtype float32|float64``, ``--threads N`` (default 1), ``--frameworks jax,torch``,
``--solver newton|lbfgs``: the dual solver; ``lbfgs`` times the projection directly).

What is timed, per framework, medians of 5 wall-clock runs after a warm-up: the soft ascending
sort ``y = P(anchors, x)`` of :mod:`softcore.axiswise.methods.smooth_sort` on raw normal scores
followed by the backward pass of ``sum(y * g)``; JAX: one jitted ``jax.value_and_grad`` (compile
time reported separately); torch: eager ``y.backward(g)``. The number of objective evaluations of
the forward solve is printed alongside (it dominates the cost; the backward is a few direct
pentadiagonal solves). The solve runs in float64 where the framework has it (torch; JAX only with
``JAX_ENABLE_X64``), whatever the input dtype.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _median_ms(fn: Callable[[], Any], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def _data(batch: int, n: int, dtype: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, n)).astype(dtype), rng.normal(size=(batch, n)).astype(dtype)


def bench_jax(x: np.ndarray, g: np.ndarray, softness: float, solver: str) -> tuple[float, float, float]:
    import jax
    import jax.numpy as jnp

    from softcore.axiswise.methods import smooth_sort
    from softcore.projections.permutahedron_smooth import proj_permutahedron_smooth
    from softjax._backend import JAX

    xj, gj = jnp.asarray(x), jnp.asarray(g)

    anchors = jnp.arange(x.shape[-1], dtype=xj.dtype) / max(x.shape[-1] - 1, 1)

    def loss(v: Any) -> Any:
        if solver == "newton":  # the public path
            return jnp.sum(smooth_sort.network_values(v, softness, "smooth", bk=JAX) * gj)
        return jnp.sum(proj_permutahedron_smooth(anchors, v, softness, z_ascending=True, solver=solver, bk=JAX) * gj)

    f = jax.jit(jax.value_and_grad(loss))
    t0 = time.perf_counter()
    jax.block_until_ready(f(xj))
    compile_ms = 1e3 * (time.perf_counter() - t0)
    ms = _median_ms(lambda: jax.block_until_ready(f(xj)))
    _, info = proj_permutahedron_smooth(
        anchors, xj, softness, z_ascending=True, return_info=True, solver=solver, bk=JAX
    )
    return ms, compile_ms, float(jnp.max(info.n_iter))


def bench_torch(x: np.ndarray, g: np.ndarray, softness: float, solver: str) -> tuple[float, float]:
    import torch

    from softcore.axiswise.methods import smooth_sort
    from softcore.projections.permutahedron_smooth import proj_permutahedron_smooth
    from softtorch._backend import TORCH

    gt = torch.tensor(g)
    anchors = torch.arange(x.shape[-1], dtype=gt.dtype) / max(x.shape[-1] - 1, 1)

    def run() -> None:
        xt = torch.tensor(x, requires_grad=True)
        if solver == "newton":  # the public path
            y = smooth_sort.network_values(xt, softness, "smooth", bk=TORCH)
        else:
            y = proj_permutahedron_smooth(anchors, xt, softness, z_ascending=True, solver=solver, bk=TORCH)
        y.backward(gt)

    run()  # warm-up
    ms = _median_ms(run)
    _, info = proj_permutahedron_smooth(
        anchors, torch.tensor(x), softness, z_ascending=True, return_info=True, solver=solver, bk=TORCH
    )
    return ms, float(info.n_iter.max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="64,256,1024")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--softness", type=float, default=0.1)
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--frameworks", default="jax,torch")
    parser.add_argument("--solver", default="newton", choices=("newton", "lbfgs"))
    args = parser.parse_args()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if args.dtype == "float64":
        os.environ["JAX_ENABLE_X64"] = "1"
    os.environ.setdefault("XLA_FLAGS", f"--xla_cpu_multi_thread_eigen={'true' if args.threads > 1 else 'false'}")
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    if "torch" in frameworks:
        import torch

        torch.set_num_threads(args.threads)
    print(
        f"smooth_sort fwd+bwd ({args.solver}), batch={args.batch}, softness={args.softness}, {args.dtype}, "
        f"CPU threads={args.threads}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        x, g = _data(args.batch, n, args.dtype)
        line = f"n={n:6d}"
        if "jax" in frameworks:
            ms, compile_ms, evals = bench_jax(x, g, args.softness, args.solver)
            line += f"  jax {ms:9.2f} ms (compile {compile_ms:7.0f} ms, {evals:5.0f} evals)"
        if "torch" in frameworks:
            ms, evals = bench_torch(x, g, args.softness, args.solver)
            line += f"  torch {ms:9.2f} ms ({evals:5.0f} evals)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
