"""Benchmark the axis-wise soft ops: forward, forward+backward and JAX compile time, peak memory.

For every (framework, op, method, mode, n, batch) it prints one line:

* ``fwd``: forward time (median of repeats, after warm-up; JAX jitted, torch eager under no_grad);
* ``fwd+bwd``: forward and backward of ``sum(w * op(x))``;
* ``compile``: JAX compile time of the forward+backward function;
* memory: JAX ``compiled.memory_analysis().temp_size_in_bytes`` of the forward and of the
  forward+backward program; torch: bytes saved for backward (autograd saved-tensor hooks, i.e. what
  is held between forward and backward) and the growth of the process' max RSS.

``--checkpoint on|off|backend`` decides how the row-chunked value ops (sort, rank, ...) treat their
chunks in the backward pass: ``on`` rematerialises them on both backends (``jax.checkpoint`` /
``torch.utils.checkpoint``: O(n * 128) memory), ``off`` keeps every chunk's residuals (O(n^2)),
``backend`` (default) uses whatever ``bk.checkpoint`` the backends provide.

Examples::

    python benchmarks/bench_axiswise.py --quick
    python benchmarks/bench_axiswise.py --ops sort rank --methods neuralsort --n 1024 4096 --checkpoint on
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("JAX_ENABLE_X64", "0")

OPS = ("sort", "rank", "argsort", "max", "quantile", "top_k")
METHODS = ("softsort", "neuralsort", "sorting_network", "fast_soft_sort", "ot")
#: Skip configurations that would hold more than this many floats in an n x n SoftIndex (argsort,
#: top_k index) or in the sorting network's tracked permutation.
MAX_ELEMENTS = 2**27


def _install(bk, choice, remat):
    """Set the backend instance's ``checkpoint`` for this run (``backend``: leave the class's own)."""
    if "checkpoint" in vars(bk):
        del bk.checkpoint
    if choice == "on":
        bk.checkpoint = remat
    elif choice == "off":
        bk.checkpoint = lambda fn: fn


def _timeit(fn, repeats):
    fn()  # warm-up (and compile)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _too_big(op, method, n, batch):
    dense = op in ("argsort",) or (op == "top_k" and method != "sorting_network")
    elements = batch * n * n if dense else 0
    if method == "sorting_network" and op != "sort":
        layers = max(1, (n - 1).bit_length()) ** 2
        elements = batch * n * n * layers // 2
    return elements > MAX_ELEMENTS


def _call(lib, framework, op, x, method, mode, n):
    kw = {"method": method, "mode": mode, "softness": 0.1}
    if op == "sort":
        return (
            lib.sort(x, axis=-1, **kw) if framework == "jax" else lib.sort(x, dim=-1, return_indices=False, **kw).values
        )
    if op == "rank":
        return lib.rank(x, **({"axis": -1} if framework == "jax" else {"dim": -1}), **kw)
    if op == "argsort":
        return lib.argsort(x, **({"axis": -1} if framework == "jax" else {"dim": -1}), **kw)
    if op == "max":
        return lib.max(x, **({"axis": -1} if framework == "jax" else {"dim": -1}), **kw)
    if op == "quantile":
        q = [0.25, 0.5, 0.75]
        return lib.quantile(x, q, **({"axis": -1} if framework == "jax" else {"dim": -1}), **kw)
    if op == "top_k":
        k = max(1, n // 8)
        out = lib.top_k(x, k, **kw) if framework == "jax" else lib.topk(x, k, **kw)
        return out[0]
    raise ValueError(op)


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def bench_jax(op, method, mode, n, batch, repeats, checkpoint):
    import jax
    import jax.numpy as jnp

    import softjax.axiswise as sj
    from softjax._backend import JAX

    _install(JAX, checkpoint, jax.checkpoint)
    key = jax.random.PRNGKey(0)
    x = jax.random.normal(key, (batch, n), dtype=jnp.float32)
    w = jax.random.normal(
        jax.random.PRNGKey(1), _first(_call(sj, "jax", op, x, method, mode, n)).shape, dtype=jnp.float32
    )

    def fwd(a):
        return _first(_call(sj, "jax", op, a, method, mode, n))

    def loss(a):
        return jnp.sum(w * fwd(a))

    f_jit = jax.jit(fwd)
    g_jit = jax.jit(jax.value_and_grad(loss))
    f_comp = f_jit.lower(x).compile()
    t0 = time.perf_counter()
    g_comp = g_jit.lower(x).compile()
    compile_s = time.perf_counter() - t0
    mem_f = f_comp.memory_analysis().temp_size_in_bytes
    mem_g = g_comp.memory_analysis().temp_size_in_bytes
    t_f = _timeit(lambda: f_comp(x).block_until_ready(), repeats)
    t_g = _timeit(lambda: jax.block_until_ready(g_comp(x)), repeats)
    return {"fwd": t_f, "fwd+bwd": t_g, "compile": compile_s, "mem_fwd": mem_f, "mem_fwd+bwd": mem_g}


def bench_torch(op, method, mode, n, batch, repeats, checkpoint):
    import torch
    import torch.utils.checkpoint

    import softtorch.axiswise as st
    from softtorch._backend import TORCH

    def ckpt(fn):
        return lambda *args: torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False)

    _install(TORCH, checkpoint, ckpt)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, n, generator=gen).to(device)
    with torch.no_grad():
        w = torch.randn(_call(st, "torch", op, x, method, mode, n).shape, generator=gen).to(device)

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    def run_fwd():
        with torch.no_grad():
            _call(st, "torch", op, x, method, mode, n)
        sync()

    def run_bwd():
        xr = x.clone().requires_grad_(True)
        (w * _call(st, "torch", op, xr, method, mode, n)).sum().backward()
        sync()

    saved: dict[int, int] = {}

    def pack(t):
        saved[id(t)] = t.numel() * t.element_size()  # upper bound: views counted separately
        return t

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    xr = x.clone().requires_grad_(True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = _call(st, "torch", op, xr, method, mode, n)
    (w * out).sum().backward()
    del out
    peak = torch.cuda.max_memory_allocated() if device == "cuda" else None
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * 1024
    t_f = _timeit(run_fwd, repeats)
    t_g = _timeit(run_bwd, repeats)
    return {
        "fwd": t_f,
        "fwd+bwd": t_g,
        "compile": float("nan"),
        "mem_fwd": float("nan"),
        "mem_fwd+bwd": sum(saved.values()),
        "peak": peak if peak is not None else rss_growth,
    }


def _mb(b):
    return "-" if b != b else f"{b / 2**20:9.1f}"  # NaN -> "-"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="n in {64, 256}, batch 1, sort/rank, softsort/neuralsort")
    p.add_argument("--frameworks", nargs="+", default=["jax", "torch"])
    p.add_argument("--ops", nargs="+", default=list(OPS))
    p.add_argument("--methods", nargs="+", default=list(METHODS))
    p.add_argument("--modes", nargs="+", default=["smooth"])
    p.add_argument("--n", nargs="+", type=int, default=[64, 256, 1024, 4096])
    p.add_argument("--batch", nargs="+", type=int, default=[1, 64])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    p.add_argument("--checkpoint", choices=["backend", "on", "off"], default="backend", help="chunk rematerialisation")
    args = p.parse_args(argv)
    if args.torch_threads and "torch" in args.frameworks:
        import torch

        torch.set_num_threads(args.torch_threads)
    if args.quick:
        args.n, args.batch, args.ops, args.methods, args.repeats = (
            [64, 256],
            [1],
            ["sort", "rank"],
            ["softsort", "neuralsort"],
            3,
        )
    print(f"# python {sys.version.split()[0]}; checkpoint={args.checkpoint}; float32")
    print(
        f"{'fw':5s} {'op':8s} {'method':15s} {'mode':6s} {'n':>5s} {'batch':>5s} {'fwd ms':>9s} {'f+b ms':>9s} "
        f"{'compile s':>9s} {'fwd MB':>9s} {'f+b MB':>9s} {'peak MB':>9s}"
    )
    grid = itertools.product(args.frameworks, args.ops, args.methods, args.modes, args.n, args.batch)
    for fw, op, method, mode, n, batch in grid:
        head = f"{fw:5s} {op:8s} {method:15s} {mode:6s} {n:5d} {batch:5d}"
        if _too_big(op, method, n, batch):
            print(f"{head}   skipped (dense n x n too large)")
            continue
        bench = bench_jax if fw == "jax" else bench_torch
        r = bench(op, method, mode, n, batch, args.repeats, args.checkpoint)
        print(
            f"{head} {1e3 * r['fwd']:9.2f} {1e3 * r['fwd+bwd']:9.2f} {r['compile']:9.2f} {_mb(r['mem_fwd'])} "
            f"{_mb(r['mem_fwd+bwd'])} {_mb(r.get('peak', float('nan')))}",
            flush=True,
        )


if __name__ == "__main__":
    main()
