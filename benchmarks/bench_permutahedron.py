"""Benchmark: forward + backward of ``fast_soft_sort`` along the last axis (issue 4).

Run ``python benchmarks/bench_permutahedron.py`` (``--quick`` for a shorter grid,
``--modes smooth,c0``, ``--softness 0.1``, ``--kernels`` to also time the candidate kernel-slot
overrides of ``softcore.solvers.isotonic``, ``--threads N`` (default 1: on a small shared machine
several intra-op threads make both libraries' timings erratic), ``--device cuda`` for the GPU).

What is timed, per framework, float32, medians of 5 wall-clock runs after a warm-up:

* ``soft``: ``y = fast_soft_sort(squash(x))`` followed by the backward pass of ``sum(y * g)``
  (``squash`` = the standardisation of SPEC §2.2, ``sigmoid((x - mean) / sqrt(var + 1e-6))``);
  JAX: one jitted ``jax.value_and_grad`` (compile time excluded); torch: eager
  ``y.backward(g)``;
* ``hard``: the same with ``sort(x)`` (``jnp.sort`` / ``torch.sort``) in place of the soft sort.

It prints the times, the ratio ``soft / hard`` (target <= 10), the exponent of a power-law fit of
``soft`` over ``n = 1024 .. 65536`` at batch 1 (target: no worse than ``n log n``, i.e. about 1.1 or
below over this range), and the ratios against SoftJAX 0.1.1 / SoftTorch 0.1.1 / torchsort when
those packages are importable (``softjax_old`` / ``softtorch_old`` module names, e.g. from a nox
session that installs ``softjax==0.1.1 softtorch==0.1.1`` into its own venv under those names, or
``torchsort``).
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _median_ms(fn: Callable[[], Any], repeats: int = 5) -> float:
    fn()  # warm-up (and compilation for JAX)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def _data(batch: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, n)).astype(np.float32), rng.normal(size=(batch, n)).astype(np.float32)


# ------------------------------------------------------------------------------------------------
# JAX
# ------------------------------------------------------------------------------------------------


def jax_cases(
    softness: float, mode: str, kernels: bool, device: str
) -> dict[str, Callable[[np.ndarray, np.ndarray], Callable[[], Any]]]:
    import jax
    import jax.numpy as jnp

    from softcore.axiswise.methods.permutahedron_sort import fast_soft_sort
    from softjax._backend import JAX, JaxBackend

    bk: Any = JAX
    if kernels:

        class _JaxWithKernels(JaxBackend):
            kernels = {"cumulative_min": lambda x: jax.lax.cummin(x, axis=x.ndim - 1)}

        bk = _JaxWithKernels()

    def squash(x: Any) -> Any:
        m = jnp.mean(x, axis=-1, keepdims=True)
        v = jnp.var(x, axis=-1, keepdims=True)
        return jax.nn.sigmoid((x - m) / jnp.sqrt(v + 1e-6))

    soft = jax.jit(jax.value_and_grad(lambda x, g: jnp.sum(fast_soft_sort(squash(x), softness, mode, bk=bk) * g)))
    hard = jax.jit(jax.value_and_grad(lambda x, g: jnp.sum(jnp.sort(x, axis=-1) * g)))

    def make(f: Any) -> Callable[[np.ndarray, np.ndarray], Callable[[], Any]]:
        def bind(x: np.ndarray, g: np.ndarray) -> Callable[[], Any]:
            xj, gj = jnp.asarray(x), jnp.asarray(g)
            return lambda: jax.block_until_ready(f(xj, gj))

        return bind

    cases = {"soft": make(soft), "hard": make(hard)}
    try:  # SoftJAX 0.1.1 installed under another name (see module docstring)
        old = importlib.import_module("softjax_old")
        f_old = jax.jit(
            jax.value_and_grad(
                lambda x, g: jnp.sum(old.sort(x, axis=-1, softness=softness, mode=mode, method="fast_soft_sort") * g)
            )
        )
        cases["softjax_0.1.1"] = make(f_old)
    except Exception:  # noqa: BLE001 - optional comparison
        pass
    return cases


# ------------------------------------------------------------------------------------------------
# torch
# ------------------------------------------------------------------------------------------------


def torch_cases(
    softness: float, mode: str, kernels: bool, device: str
) -> dict[str, Callable[[np.ndarray, np.ndarray], Callable[[], Any]]]:
    import torch

    from softcore.axiswise.methods.permutahedron_sort import fast_soft_sort
    from softtorch._backend import TORCH, TorchBackend

    bk: Any = TORCH
    if kernels:

        class _TorchWithKernels(TorchBackend):
            kernels = {"cumulative_min": lambda x: torch.cummin(x, dim=-1).values}

        bk = _TorchWithKernels()

    def squash(x: Any) -> Any:
        m = x.mean(dim=-1, keepdim=True)
        v = x.var(dim=-1, unbiased=False, keepdim=True)
        return torch.sigmoid((x - m) / torch.sqrt(v + 1e-6))

    def make(fn: Callable[[Any], Any]) -> Callable[[np.ndarray, np.ndarray], Callable[[], Any]]:
        def bind(x: np.ndarray, g: np.ndarray) -> Callable[[], Any]:
            xt, gt = torch.tensor(x, device=device), torch.tensor(g, device=device)

            def run() -> Any:
                xr = xt.clone().requires_grad_(True)
                fn(xr).backward(gt)
                if device != "cpu":
                    torch.cuda.synchronize()
                return xr.grad

            return run

        return bind

    cases = {
        "soft": make(lambda x: fast_soft_sort(squash(x), softness, mode, bk=bk)),
        "hard": make(lambda x: torch.sort(x, dim=-1).values),
    }
    try:
        old = importlib.import_module("softtorch_old")
        cases["softtorch_0.1.1"] = make(
            lambda x: old.sort(x, dim=-1, softness=softness, mode=mode, method="fast_soft_sort").values
        )
    except Exception:  # noqa: BLE001 - optional comparison
        pass
    try:
        torchsort = importlib.import_module("torchsort")
        if mode in ("c0", "smooth"):
            reg = "l2" if mode == "c0" else "kl"
            cases["torchsort"] = make(
                lambda x: torchsort.soft_sort(x, regularization=reg, regularization_strength=softness)
            )
    except Exception:  # noqa: BLE001 - optional comparison
        pass
    return cases


# ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="smooth,c0")
    parser.add_argument("--softness", type=float, default=0.1)
    parser.add_argument("--frameworks", default="jax,torch")
    parser.add_argument("--quick", action="store_true", help="only the two headline cases")
    parser.add_argument("--kernels", action="store_true", help="also time the candidate kernel-slot overrides")
    parser.add_argument(
        "--threads", type=int, default=1, help="intra-op threads of torch and XLA:CPU (0: library defaults)"
    )
    parser.add_argument("--device", default="cpu", help="cpu or cuda (torch device; JAX uses its default GPU)")
    args = parser.parse_args(argv)
    if args.device == "cpu":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if args.threads:  # before jax is imported: XLA reads its flags once
        flags = f"--xla_cpu_multi_thread_eigen={'true' if args.threads > 1 else 'false'}"
        os.environ["XLA_FLAGS"] = (
            f"{os.environ.get('XLA_FLAGS', '')} {flags} intra_op_parallelism_threads={args.threads}"
        )
        import torch

        torch.set_num_threads(args.threads)

    grid = [(64, 1024), (1, 16384)]
    sweep = [] if args.quick else [(1, 1024), (1, 4096), (1, 16384), (1, 65536)]
    print(
        f"fast_soft_sort forward+backward, float32, softness={args.softness}, device={args.device}, medians of 5 (ms)"
    )
    for fw in args.frameworks.split(","):
        for mode in args.modes.split(","):
            for use_kernels in (False, True) if args.kernels else (False,):
                maker = jax_cases if fw == "jax" else torch_cases
                cases = maker(args.softness, mode, use_kernels, args.device)
                tag = f"{fw} mode={mode}" + (" +kernels" if use_kernels else "")
                for batch, n in grid + [c for c in sweep if c not in grid]:
                    x, g = _data(batch, n)
                    row = {name: _median_ms(bind(x, g)) for name, bind in cases.items()}
                    extra = "".join(
                        f"  {name} {t:8.2f} (soft/{name} {row['soft'] / t:5.2f})"
                        for name, t in row.items()
                        if name not in ("soft", "hard")
                    )
                    print(
                        f"{tag:24s} batch {batch:3d} x n {n:6d}: soft {row['soft']:8.2f}  hard {row['hard']:7.2f}"
                        f"  soft/hard {row['soft'] / row['hard']:6.2f}{extra}",
                        flush=True,
                    )
                    if batch == 1:
                        cases_n = getattr(main, "_sweep", {})
                        cases_n.setdefault(tag, []).append((n, row["soft"]))
                        main._sweep = cases_n  # type: ignore[attr-defined]
    for tag, pts in getattr(main, "_sweep", {}).items():
        pts = sorted(set(pts))
        if len(pts) >= 3:
            ln = np.log([p[0] for p in pts])
            lt = np.log([p[1] for p in pts])
            slope = float(np.polyfit(ln, lt, 1)[0])
            nlogn = float(np.polyfit(ln, np.log([p[0] * math.log(p[0]) for p in pts]), 1)[0])
            print(
                f"{tag}: fitted exponent of time vs n (batch 1, n {pts[0][0]}..{pts[-1][0]}): {slope:.2f}"
                f" (n log n over this range: {nlogn:.2f})"
            )


if __name__ == "__main__":
    sys.exit(main())
