"""Timing and memory of one benchmark case in JAX or PyTorch.

Every timing is the median wall-clock time of repeated calls after a warm-up call, with
``block_until_ready`` (JAX) or ``torch.cuda.synchronize`` (CUDA) before the clock stops. The number of
repeats shrinks (down to 1) when one call is so slow that ``repeats`` calls would exceed the per-case
time budget. The backward pass is that of ``sum(w * f(x))`` for a fixed random ``w``.

Memory columns (bytes):

* ``mem_fwd`` / ``mem_fwdbwd``: JAX: ``compiled.memory_analysis().temp_size_in_bytes`` of the forward
  and of the forward+backward program (XLA's scratch buffers, excluding inputs and outputs);
  PyTorch: ``mem_fwdbwd`` is the storage held for backward (autograd saved-tensor hooks, each
  storage counted once), ``mem_fwd`` is not defined;
* ``peak``: CUDA: ``torch.cuda.max_memory_allocated`` during one forward+backward, minus what was
  allocated before; CPU (both frameworks): growth of the process' peak resident set (``VmHWM``, reset
  through ``/proc/self/clear_refs``) over its resident set before the call, after ``malloc_trim``
  returned the heap's free pages. Page granularity and allocator caching (XLA's, libraries' own
  pools) make it approximate: treat values under about 1 MiB as zero.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchlib.calls import Target
from benchlib.grid import Case

NAN = math.nan
#: Result fields, in CSV order (times in ms, compile times in s, memory in bytes).
FIELDS = (
    "fwd_ms",
    "fwdbwd_ms",
    "compile_fwd_s",
    "compile_fwdbwd_s",
    "first_call_s",
    "mem_fwd",
    "mem_fwdbwd",
    "peak",
    "tc_compile_s",
    "tc_fwd_ms",
    "tc_fwdbwd_ms",
    "repeats",
)


def empty_result() -> dict[str, float]:
    return dict.fromkeys(FIELDS, NAN)


def median_ms(fn: Callable[[], Any], repeats: int, budget_s: float) -> tuple[float, int]:
    """Median time of ``fn()`` in ms (``fn`` already warmed up) and the number of calls timed."""
    times = [_timed(fn)]
    count = max(1, min(repeats, int(budget_s / max(times[0], 1e-9))))
    times += [_timed(fn) for _ in range(count - 1)]
    return 1e3 * statistics.median(times), count


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


_NESTED_ERROR = re.compile(r"^\s*([\w.]*(?:Error|Exception)): (.+)$")


def error_note(exc: BaseException) -> str:
    """``Type: message`` in one line; for errors that wrap another one's traceback (JAX callbacks) the
    innermost ``SomethingError: message`` line of the text."""
    lines = str(exc).strip().splitlines()
    nested = [m for m in map(_NESTED_ERROR.match, lines) if m]
    if len(lines) > 1 and nested:
        name, message = nested[-1].groups()
        return f"{name.rsplit('.', 1)[-1]}: {message[:160]}"
    return f"{type(exc).__name__}: {lines[0][:160] if lines else ''}"


# ---------------------------------------------------------------------------------------------
# peak resident set (CPU)
# ---------------------------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def _malloc_trim() -> None:
    """Hand the heap's free pages back to the OS (glibc), so the baseline RSS excludes memory that
    earlier calls freed and the allocator kept; a no-op elsewhere."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def peak_rss_growth(fn: Callable[[], Any]) -> float:
    """Bytes by which one call of ``fn`` raises the peak resident set over the (trimmed) current one
    (NaN where ``/proc/self/clear_refs`` cannot reset the peak, e.g. not on Linux)."""
    _malloc_trim()
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current VmRSS
        base = _status_kib("VmRSS")
    except OSError:
        return NAN
    fn()
    return 1024.0 * max(0, _status_kib("VmHWM") - base)


# ---------------------------------------------------------------------------------------------
# JAX
# ---------------------------------------------------------------------------------------------


def _temp_bytes(compiled: Any) -> float:
    analysis = compiled.memory_analysis()
    return NAN if analysis is None else float(analysis.temp_size_in_bytes)


def _jax_input(case: Case) -> Any:
    import jax
    import jax.numpy as jnp

    return jax.random.normal(jax.random.PRNGKey(0), (case.batch, case.n), dtype=jnp.float32)


def measure_jax_forward(target: Target, case: Case, repeats: int, budget_s: float) -> dict[str, float]:
    """Jitted forward of ``target`` on a float32 ``(batch, n)`` normal input: compile time, XLA scratch
    memory and median time."""
    import jax

    res = empty_result()
    x = _jax_input(case)
    t0 = time.perf_counter()
    fwd = jax.jit(target.fn).lower(x).compile()
    res["compile_fwd_s"] = time.perf_counter() - t0
    res["mem_fwd"] = _temp_bytes(fwd)
    jax.block_until_ready(fwd(x))  # warm-up
    res["fwd_ms"], res["repeats"] = median_ms(lambda: jax.block_until_ready(fwd(x)), repeats, budget_s)
    return res


def measure_jax_backward(target: Target, case: Case, res: dict[str, float], repeats: int, budget_s: float) -> None:
    """Jitted ``jax.value_and_grad`` of ``sum(w * target(x))``: compile time, memory, median time (into ``res``)."""
    import jax
    import jax.numpy as jnp

    x = _jax_input(case)
    w = jax.random.normal(jax.random.PRNGKey(1), jax.eval_shape(target.fn, x).shape, dtype=jnp.float32)

    def loss(a: Any) -> Any:
        return jnp.sum(w * target.fn(a))

    t0 = time.perf_counter()
    grad = jax.jit(jax.value_and_grad(loss)).lower(x).compile()
    res["compile_fwdbwd_s"] = time.perf_counter() - t0
    res["mem_fwdbwd"] = _temp_bytes(grad)
    jax.block_until_ready(grad(x))  # warm-up
    res["peak"] = peak_rss_growth(lambda: jax.block_until_ready(grad(x)))
    res["fwdbwd_ms"], _ = median_ms(lambda: jax.block_until_ready(grad(x)), repeats, budget_s)


def measure_jax(target: Target, case: Case, repeats: int, budget_s: float) -> tuple[dict[str, float], str]:
    """:func:`measure_jax_forward` and, if it differentiates, :func:`measure_jax_backward`; a failing
    backward keeps the forward figures and is described in the returned note."""
    res = measure_jax_forward(target, case, repeats, budget_s)
    if not target.differentiable:
        return res, ""
    try:
        measure_jax_backward(target, case, res, repeats, budget_s)
    except Exception as exc:  # e.g. a solver of an older release failing in its backward
        return res, f"fwd+bwd failed: {error_note(exc)}"
    return res, ""


# ---------------------------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------------------------


class _TorchRun:
    """Eager (or compiled) forward / forward+backward calls of one target on one input."""

    def __init__(self, fn: Callable[[Any], Any], x: Any, device: str) -> None:
        import torch

        self.torch, self.fn, self.x, self.device = torch, fn, x, device
        self.w: Any = None

    def sync(self) -> None:
        if self.device.startswith("cuda"):
            self.torch.cuda.synchronize()

    def forward(self) -> Any:
        with self.torch.no_grad():
            out = self.fn(self.x)
        self.sync()
        return out

    def backward(self) -> None:
        xr = self.x.detach().clone().requires_grad_(True)
        (self.w * self.fn(xr)).sum().backward()
        self.sync()


def _saved_bytes(run: _TorchRun) -> float:
    """Bytes of the storages autograd keeps between forward and backward (each storage once)."""
    torch = run.torch
    saved: dict[Any, int] = {}

    def pack(t: Any) -> Any:
        try:
            storage = t.untyped_storage()
            saved[(storage.data_ptr(), storage.nbytes())] = storage.nbytes()
        except (RuntimeError, NotImplementedError):  # tensors without a storage (e.g. subclasses)
            saved[id(t)] = t.numel() * t.element_size()
        return t

    xr = run.x.detach().clone().requires_grad_(True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = run.fn(xr)
    (run.w * out).sum().backward()
    run.sync()
    return float(sum(saved.values()))


def _peak_bytes(run: _TorchRun) -> float:
    torch = run.torch
    if not run.device.startswith("cuda"):
        return peak_rss_growth(run.backward)
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    run.backward()
    return float(torch.cuda.max_memory_allocated() - base)


def measure_torch(
    target: Target, case: Case, repeats: int, budget_s: float, device: str, compile_: bool
) -> tuple[dict[str, float], str]:
    """Eager (and, with ``compile_``, ``torch.compile``'d) timings and memory; returns the result and a
    note (empty unless the backward or torch.compile failed: the figures obtained before are kept)."""
    import torch

    res = empty_result()
    gen = torch.Generator().manual_seed(0)
    run = _TorchRun(target.fn, torch.randn(case.batch, case.n, generator=gen).to(device), device)
    t0 = time.perf_counter()
    out = run.forward()  # warm-up: lazy initialisation (numba, ...) lands here
    res["first_call_s"] = time.perf_counter() - t0
    res["fwd_ms"], res["repeats"] = median_ms(run.forward, repeats, budget_s)
    notes = []
    if target.differentiable:
        run.w = torch.randn(out.shape, generator=gen).to(device)
        try:
            res["mem_fwdbwd"] = _saved_bytes(run)  # doubles as the backward's warm-up
            res["peak"] = _peak_bytes(run)
            res["fwdbwd_ms"], _ = median_ms(run.backward, repeats, budget_s)
        except Exception as exc:  # e.g. a solver of an older release failing in its backward
            notes.append(f"fwd+bwd failed: {error_note(exc)}")
    if compile_:
        try:
            _measure_compiled(run, target, res, repeats, budget_s)
        except Exception as exc:  # a compile failure must not lose the eager figures
            notes.append(f"torch.compile failed: {error_note(exc)}")
    return res, "; ".join(notes)


def _measure_compiled(run: _TorchRun, target: Target, res: dict[str, float], repeats: int, budget_s: float) -> None:
    """``torch.compile``'d forward and forward+backward; the compile time is that of the first calls."""
    import torch

    torch._dynamo.reset()  # a fresh cache per case: no recompile limits, compile time measured fully
    compiled = _TorchRun(torch.compile(target.fn), run.x, run.device)
    compiled.w = run.w
    t0 = time.perf_counter()
    compiled.forward()
    if target.differentiable:
        compiled.backward()
    res["tc_compile_s"] = time.perf_counter() - t0
    res["tc_fwd_ms"], _ = median_ms(compiled.forward, repeats, budget_s)
    if target.differentiable:
        res["tc_fwdbwd_ms"], _ = median_ms(compiled.backward, repeats, budget_s)
