"""GPU smoke check: every public op keeps CUDA tensors / GPU arrays on the device, forward and backward.

Run on a machine with a GPU (``python benchmarks/gpu_check.py``); prints one line per op and a
summary, and writes ``gpu_check.json`` next to ``$OUT`` if that variable is set. Not part of the
test suite (CI has no GPU).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

import numpy as np


def _torch_checks() -> list[dict]:
    import torch

    import softtorch as st

    dev = torch.device("cuda")
    rows = []
    x = torch.randn(4, 33, device=dev, dtype=torch.float32)
    y = torch.randn(4, 33, device=dev, dtype=torch.float32)
    p = torch.softmax(torch.randn(4, 5, 33, device=dev), -1)
    calls = {
        "sigmoidal": lambda t: st.sigmoidal(t),
        "softrelu": lambda t: st.softrelu(t),
        "heaviside": lambda t: st.heaviside(t),
        "round": lambda t: st.round(t),
        "sign": lambda t: st.sign(t),
        "abs": lambda t: st.abs(t),
        "relu": lambda t: st.relu(t),
        "clamp": lambda t: st.clamp(t, -0.5, 0.5),
        "greater": lambda t: st.greater(t, y),
        "eq": lambda t: st.eq(t, y),
        "isclose": lambda t: st.isclose(t, y),
        "logical_and": lambda t: st.logical_and(torch.sigmoid(t), torch.sigmoid(y)),
        "all": lambda t: st.all(torch.sigmoid(t)),
        "take_along_dim": lambda t: st.take_along_dim(t, p, dim=-1),
        "sqrt": lambda t: st.sqrt(t),
    }
    for name in ("argmax", "max", "argsort", "sort", "rank", "topk", "quantile", "median"):
        if hasattr(st, name):
            fn = getattr(st, name)
            if name == "topk":
                calls[name] = lambda t, fn=fn: fn(t, 3, dim=-1)
            elif name == "quantile":
                calls[name] = lambda t, fn=fn: fn(t, 0.3, dim=-1)
            else:
                calls[name] = lambda t, fn=fn: fn(t, dim=-1)
            for method in ("softsort", "neuralsort", "sorting_network", "fast_soft_sort", "smooth_sort", "ot"):
                if name in ("sort", "rank"):
                    calls[f"{name}[{method}]"] = lambda t, fn=fn, m=method: fn(t, dim=-1, method=m)
    for name, call in calls.items():
        t = x.clone().requires_grad_(True)
        row = {"framework": "torch", "op": name}
        try:
            torch.cuda.synchronize()
            start = time.perf_counter()
            out = call(t)
            outs = [o for o in (out if isinstance(out, tuple) else (out,)) if isinstance(o, torch.Tensor)]
            sum(o.float().sum() for o in outs).backward()
            torch.cuda.synchronize()
            row["ms"] = 1e3 * (time.perf_counter() - start)
            row["out_on_cuda"] = all(o.is_cuda for o in outs)
            row["grad_on_cuda"] = t.grad is not None and t.grad.is_cuda
            row["finite"] = all(bool(torch.isfinite(o).all()) for o in outs) and bool(torch.isfinite(t.grad).all())
            row["ok"] = row["out_on_cuda"] and row["grad_on_cuda"] and row["finite"]
        except NotImplementedError:
            row["ok"], row["error"] = True, "method not wired yet (NotImplementedError)"
        except Exception as e:  # report, keep going
            row["ok"] = False
            row["error"] = f"{type(e).__name__}: {e}"[:300]
        rows.append(row)
    return rows


def _jax_checks() -> list[dict]:
    import jax
    import jax.numpy as jnp

    import softjax as sj

    gpu = [d for d in jax.devices() if d.platform == "gpu"]
    rows = [{"framework": "jax", "op": "devices", "ok": bool(gpu), "devices": str(jax.devices())}]
    x = jnp.asarray(np.random.default_rng(0).standard_normal((4, 33)), dtype=jnp.float32)
    y = jnp.asarray(np.random.default_rng(1).standard_normal((4, 33)), dtype=jnp.float32)
    calls = {
        "sigmoidal": lambda t: sj.sigmoidal(t),
        "round": lambda t: sj.round(t),
        "clip": lambda t: sj.clip(t, -0.5, 0.5),
        "greater": lambda t: sj.greater(t, y),
        "isclose": lambda t: sj.isclose(t, y),
        "all": lambda t: sj.all(jax.nn.sigmoid(t)),
    }
    for name in ("argmax", "max", "argsort", "sort", "rank", "quantile", "median"):
        if hasattr(sj, name):
            fn = getattr(sj, name)
            if name == "quantile":
                calls[name] = lambda t, fn=fn: fn(t, 0.3, axis=-1)
            else:
                calls[name] = lambda t, fn=fn: fn(t, axis=-1)
            for method in ("softsort", "neuralsort", "sorting_network", "fast_soft_sort", "smooth_sort", "ot"):
                if name in ("sort", "rank"):
                    calls[f"{name}[{method}]"] = lambda t, fn=fn, m=method: fn(t, axis=-1, method=m)
    if hasattr(sj, "top_k"):
        calls["top_k"] = lambda t: sj.top_k(t, 3)
    for name, call in calls.items():
        row = {"framework": "jax", "op": name}
        try:

            def loss(t, call=call):
                out = call(t)
                leaves = list(jax.tree_util.tree_leaves(out))
                return sum(jnp.sum(o.astype(jnp.float32)) for o in leaves)

            f = jax.jit(jax.value_and_grad(loss))
            value, grad = f(x)
            grad.block_until_ready()
            start = time.perf_counter()
            value, grad = f(x)
            grad.block_until_ready()
            row["ms"] = 1e3 * (time.perf_counter() - start)
            row["on_gpu"] = all(d.platform == "gpu" for d in grad.devices())
            row["finite"] = bool(jnp.isfinite(value)) and bool(jnp.all(jnp.isfinite(grad)))
            row["ok"] = row["on_gpu"] and row["finite"]
        except NotImplementedError:
            row["ok"], row["error"] = True, "method not wired yet (NotImplementedError)"
        except Exception as e:
            row["ok"] = False
            row["error"] = f"{type(e).__name__}: {e}"[:300]
        rows.append(row)
    return rows


def main() -> int:
    rows: list[dict] = []
    for check in (_torch_checks, _jax_checks):
        try:
            rows += check()
        except Exception:
            traceback.print_exc()
            rows.append({"framework": check.__name__, "ok": False, "error": "setup failed"})
    for r in rows:
        status = "ok  " if r.get("ok") else "FAIL"
        extra = r.get("error", "") or (f"{r['ms']:.2f} ms" if "ms" in r else r.get("devices", ""))
        print(f"{status} {r['framework']:5s} {r.get('op', ''):28s} {extra}")
    failed = [r for r in rows if not r.get("ok")]
    print(f"{len(rows) - len(failed)}/{len(rows)} checks passed")
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, "gpu_check.json"), "w") as fh:
            json.dump(rows, fh, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
