"""Benchmark: ``method="ot"`` soft argsort / sort, forward and forward+backward (issue 5).

Run ``python benchmarks/bench_transport.py`` (``--n 64 256 1024``, ``--modes smooth,c0,c1,c2``,
``--ops argsort,sort``, ``--frameworks jax,torch``, ``--softness 0.1``, ``--repeats 5``,
``--device cuda``, ``--lbfgs-smooth`` to also time the entropic L-BFGS solver, ``--threads N``
for torch's intra-op threads).

What is timed, per framework, float32, batch 1, medians of ``--repeats`` wall-clock runs after a
warm-up (default solver settings: tolerance 1e-5 on the L1 marginal error):

* ``fwd``: ``ot_argsort(squash(x))`` (``argsort``) or its values ``P @ x`` (``sort``);
  JAX: jitted (compile time reported separately in ``compile``), torch: eager under ``no_grad``;
* ``fwd+bwd``: the same followed by the backward pass of ``sum(out * g)`` (implicit
  differentiation: one CG solve); JAX: one jitted ``value_and_grad``;
* ``iters``: solver iterations (Sinkhorn updates / L-BFGS evaluations) and whether the tolerance
  was met (``ok``).

``squash`` is the standardisation of SPEC 2.2, ``sigmoid((x - mean) / sqrt(var + 1e-6))``. When
SoftJAX 0.1.1 / SoftTorch 0.1.1 are importable as ``softjax_old`` / ``softtorch_old`` (e.g. from a
nox session that installs them under those names) their ``sort/argsort(method="ot")`` are timed
in the same run and the ratio is printed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _median_ms(fn: Callable[[], Any], repeats: int) -> float:
    fn()  # warm-up (and compilation for JAX)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(1, n)).astype(np.float32), rng.normal(size=(1, n, n)).astype(np.float32)


def _run_jax(op: str, mode: str, n: int, softness: float, kwargs: dict, repeats: int) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp

    from softcore.axiswise.methods.ot import ot_argsort
    from softjax._backend import JAX

    def soft(x: Any) -> tuple[Any, Any]:
        m = jnp.mean(x, axis=-1, keepdims=True)
        v = jnp.var(x, axis=-1, keepdims=True)
        p, info = ot_argsort(
            jax.nn.sigmoid((x - m) / jnp.sqrt(v + 1e-6)), softness, mode, False, kwargs, bk=JAX, return_info=True
        )
        out = p if op == "argsort" else jnp.sum(p * x[..., None, :], axis=-1)
        return out, info

    x_np, g_np = _data(n)
    x, g = jnp.asarray(x_np), jnp.asarray(g_np if op == "argsort" else g_np[..., 0])
    fwd = jax.jit(soft)
    vg = jax.jit(jax.value_and_grad(lambda x: jnp.sum(soft(x)[0] * g)))
    t0 = time.perf_counter()
    vg.lower(x).compile()
    compile_s = time.perf_counter() - t0
    _, info = fwd(x)
    return {
        "fwd": _median_ms(lambda: jax.block_until_ready(fwd(x)), repeats),
        "fwd+bwd": _median_ms(lambda: jax.block_until_ready(vg(x)), repeats),
        "compile": compile_s,
        "iters": int(np.asarray(info.n_iter).max()),
        "ok": bool(np.asarray(info.converged).all()),
    }


def _run_torch(op: str, mode: str, n: int, softness: float, kwargs: dict, repeats: int, device: str) -> dict[str, Any]:
    import torch

    from softcore.axiswise.methods.ot import ot_argsort
    from softtorch._backend import TORCH

    def soft(x: Any) -> tuple[Any, Any]:
        m = x.mean(dim=-1, keepdim=True)
        v = x.var(dim=-1, unbiased=False, keepdim=True)
        p, info = ot_argsort(
            torch.sigmoid((x - m) / torch.sqrt(v + 1e-6)), softness, mode, False, kwargs, bk=TORCH, return_info=True
        )
        out = p if op == "argsort" else (p * x[..., None, :]).sum(-1)
        return out, info

    x_np, g_np = _data(n)
    x = torch.tensor(x_np, device=device)
    g = torch.tensor(g_np if op == "argsort" else g_np[..., 0], device=device)

    def sync() -> None:
        if device != "cpu":
            torch.cuda.synchronize()

    def fwd() -> Any:
        with torch.no_grad():
            out = soft(x)
        sync()
        return out

    def fwd_bwd() -> Any:
        xr = x.clone().requires_grad_(True)
        (soft(xr)[0] * g).sum().backward()
        sync()
        return xr.grad

    _, info = fwd()
    return {
        "fwd": _median_ms(fwd, repeats),
        "fwd+bwd": _median_ms(fwd_bwd, repeats),
        "compile": float("nan"),
        "iters": int(info.n_iter.max()),
        "ok": bool(info.converged.all()),
    }


def _run_old(fw: str, op: str, mode: str, n: int, softness: float, repeats: int, device: str) -> dict[str, Any] | None:
    """SoftJAX / SoftTorch 0.1.1 (``softjax_old`` / ``softtorch_old``), if importable."""
    try:
        old = importlib.import_module("softjax_old" if fw == "jax" else "softtorch_old")
    except Exception:  # noqa: BLE001 - optional comparison
        return None
    x_np, g_np = _data(n)
    if fw == "jax":
        import jax
        import jax.numpy as jnp

        def f(x: Any) -> Any:
            if op == "argsort":
                return old.argsort(x, axis=-1, softness=softness, mode=mode, method="ot")
            return old.sort(x, axis=-1, softness=softness, mode=mode, method="ot")

        x, g = jnp.asarray(x_np), jnp.asarray(g_np if op == "argsort" else g_np[..., 0])
        fwd = jax.jit(f)
        vg = jax.jit(jax.value_and_grad(lambda x: jnp.sum(f(x) * g)))
        return {
            "fwd": _median_ms(lambda: jax.block_until_ready(fwd(x)), repeats),
            "fwd+bwd": _median_ms(lambda: jax.block_until_ready(vg(x)), repeats),
        }
    import torch

    def ft(x: Any) -> Any:
        if op == "argsort":
            return old.argsort(x, dim=-1, softness=softness, mode=mode, method="ot")
        return old.sort(x, dim=-1, softness=softness, mode=mode, method="ot").values

    x = torch.tensor(x_np, device=device)
    gt = torch.tensor(g_np if op == "argsort" else g_np[..., 0], device=device)

    def run_fb() -> Any:
        xr = x.clone().requires_grad_(True)
        (ft(xr) * gt).sum().backward()
        return xr.grad

    def run_f() -> Any:
        with torch.no_grad():
            return ft(x)

    return {"fwd": _median_ms(run_f, repeats), "fwd+bwd": _median_ms(run_fb, repeats)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--modes", default="smooth,c0,c1,c2")
    parser.add_argument("--ops", default="argsort,sort")
    parser.add_argument("--frameworks", default="jax,torch")
    parser.add_argument("--softness", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (torch device; JAX uses its default device)")
    parser.add_argument("--lbfgs-smooth", action="store_true", help="also time smooth mode with the L-BFGS solver")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: library default)")
    args = parser.parse_args(argv)
    if args.device == "cpu":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    variants = [(m, {}) for m in args.modes.split(",")]
    if args.lbfgs_smooth:
        variants.append(("smooth", {"use_entropic_ot_sinkhorn_on_entropic": False}))
    print(
        f"method='ot', float32, batch 1, softness={args.softness}, device={args.device}, medians of {args.repeats} (ms)"
    )
    print(
        f"{'fw':6} {'op':8} {'mode':14} {'n':>5} {'fwd':>9} {'fwd+bwd':>9} {'compile_s':>9} {'iters':>6} ok  vs 0.1.1 (fwd+bwd)"  # noqa: E501
    )
    for fw in args.frameworks.split(","):
        for op in args.ops.split(","):
            for mode, kw in variants:
                label = mode + ("/lbfgs" if kw else "")
                for n in args.n:
                    if fw == "jax":
                        r = _run_jax(op, mode, n, args.softness, kw, args.repeats)
                    else:
                        r = _run_torch(op, mode, n, args.softness, kw, args.repeats, args.device)
                    old = None if kw else _run_old(fw, op, mode, n, args.softness, args.repeats, args.device)
                    ratio = f"{r['fwd+bwd'] / old['fwd+bwd']:.2f}x ({old['fwd+bwd']:.1f} ms)" if old else "-"
                    print(
                        f"{fw:6} {op:8} {label:14} {n:5d} {r['fwd']:9.2f} {r['fwd+bwd']:9.2f} {r['compile']:9.2f} "
                        f"{r['iters']:6d} {'y' if r['ok'] else 'n':2}  {ratio}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
