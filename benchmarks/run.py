"""Benchmark runner: forward, forward+backward, compile time and memory of the soft ops.

For every case of the grid (framework x implementation x op x method x mode x n x batch, float32
``(batch, n)`` normal inputs, ``softness=0.1``) it measures

* JAX: jitted forward and forward+backward (``jax.value_and_grad`` of ``sum(w * op(x))``), their
  compile times, XLA's scratch memory of both programs and the growth of the peak RSS;
* PyTorch: eager forward (under ``no_grad``) and forward+backward, the first call, the bytes saved
  for backward and the peak memory (CUDA allocator peak, or peak RSS growth on CPU); with
  ``--torch-compile`` also the ``torch.compile``'d forward and forward+backward and their compile time.

Cases over the size budget (``--max-elements``) are listed as skipped; ``--impls hard`` adds the
framework's own hard ops as the lower bound. Results go to a CSV (default:
``benchmarks/results/raw/run-<time>.csv``) and a markdown table on stdout; progress goes to stderr.
The column meanings are in ``benchmarks/README.md`` and :mod:`benchlib.measure`.

Examples::

    python benchmarks/run.py --quick
    python benchmarks/run.py --frameworks jax --ops sort rank --methods neuralsort --n 1024 4096 --batch 1
    python benchmarks/run.py --impls soft hard --modes smooth --torch-compile
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("JAX_ENABLE_X64", "0")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import grid, machine  # noqa: E402
from benchlib.calls import NotApplicable, build  # noqa: E402
from benchlib.measure import error_note, measure_jax, measure_torch  # noqa: E402
from benchlib.table import make_row, run_table, write_csv  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
QUICK = {
    "impls": ["soft", "hard"],
    "ops": ["sort", "rank", "top_k"],
    "elementwise_ops": ["sigmoidal", "relu"],
    "methods": ["softsort", "neuralsort", "fast_soft_sort"],
    "modes": ["smooth"],
    "n": [64, 1024],
    "elementwise_n": [131072],
    "batch": [1],
    "repeats": 3,
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_grid_args(p)
    p.add_argument("--quick", action="store_true", help="a small grid that runs in a few minutes on 2 CPU cores")
    p.add_argument("--impls", nargs="+", default=["soft"], choices=grid.IMPLS, help="implementations to time")
    p.add_argument("--torch-compile", action="store_true", help="also time torch.compile'd calls (slow)")
    p.add_argument("--device", default="auto", help="torch device (auto: cuda if available)")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="intra-op threads: torch.set_num_threads, and 1 also makes XLA's CPU backend single-threaded "
        "(0: the frameworks' defaults; default 1, the steadiest on a busy CPU)",
    )
    p.add_argument(
        "--checkpoint",
        choices=["backend", "on", "off"],
        default="backend",
        help="rematerialise the row chunks of ours in backward: on (jax.checkpoint / torch.utils.checkpoint), "
        "off, or backend (the backend's default)",
    )
    p.add_argument("--csv", type=Path, help="output CSV (default: benchmarks/results/raw/run-<time>.csv)")
    p.add_argument("--append", action="store_true", help="append to --csv instead of overwriting it")
    p.add_argument("--no-table", action="store_true", help="do not print the markdown table")
    if p.parse_args(argv).quick:  # --quick changes the defaults; explicit options still win
        p.set_defaults(**QUICK)
    return p.parse_args(argv)


def add_grid_args(p: argparse.ArgumentParser) -> None:
    """The grid and budget options (shared with ``compare.py``)."""
    p.add_argument("--frameworks", nargs="+", default=list(grid.FRAMEWORKS), choices=grid.FRAMEWORKS)
    p.add_argument("--ops", nargs="*", default=list(grid.AXISWISE_OPS), help="axis-wise ops (none: skip them)")
    p.add_argument(
        "--elementwise-ops", nargs="*", default=list(grid.ELEMENTWISE_OPS), help="element-wise ops (none: skip them)"
    )
    p.add_argument("--methods", nargs="+", default=list(grid.METHODS), choices=grid.METHODS)
    p.add_argument("--modes", nargs="+", default=list(grid.MODES))
    p.add_argument("--n", nargs="+", type=int, default=list(grid.AXISWISE_N), help="row lengths (axis-wise)")
    p.add_argument("--elementwise-n", nargs="+", type=int, default=list(grid.ELEMENTWISE_N), help="element counts")
    p.add_argument("--batch", nargs="+", type=int, default=list(grid.BATCHES), help="rows (axis-wise)")
    p.add_argument("--repeats", type=int, default=5, help="timed calls per measurement (median)")
    p.add_argument("--budget-s", type=float, default=5.0, help="fewer repeats when they would take longer")
    p.add_argument("--max-elements", type=int, default=grid.MAX_ELEMENTS, help="skip larger cases (floats)")


def grid_spec(args: argparse.Namespace) -> grid.GridSpec:
    return grid.GridSpec(
        frameworks=args.frameworks,
        impls=args.impls,
        ops=args.ops,
        elementwise_ops=args.elementwise_ops,
        methods=args.methods,
        modes=args.modes,
        n=args.n,
        elementwise_n=args.elementwise_n,
        batch=args.batch,
    )


def set_checkpoint(choice: str, frameworks: list[str]) -> None:
    """Override ``bk.checkpoint`` of our backends (``backend``: leave them alone; older releases have no
    such hook and are left alone too)."""
    if choice == "backend":
        return
    if "jax" in frameworks:
        try:
            import jax

            from softjax._backend import JAX
        except ImportError:
            pass
        else:
            JAX.checkpoint = jax.checkpoint if choice == "on" else (lambda fn: fn)
    if "torch" in frameworks:
        try:
            import torch.utils.checkpoint

            from softtorch._backend import TORCH
        except ImportError:
            return

        def remat(fn):
            return lambda *a: torch.utils.checkpoint.checkpoint(fn, *a, use_reentrant=False)

        TORCH.checkpoint = remat if choice == "on" else (lambda fn: fn)


def run_case(case: grid.Case, args: argparse.Namespace, torch_dev: str) -> dict:
    """Measure one case; never raises for a failing case (the row's status says what happened)."""
    device = machine.device_name(case.framework, torch_dev)
    reason = grid.skip_reason(case, args.max_elements)
    if reason:
        return make_row(case, "", device, "skipped", reason, {})
    try:
        target = build(case, torch_dev)
    except NotApplicable as exc:
        return make_row(case, "", device, "n/a", str(exc), {})
    try:
        if case.framework == "jax":
            result, note = measure_jax(target, case, args.repeats, args.budget_s)
        else:
            result, note = measure_torch(target, case, args.repeats, args.budget_s, torch_dev, args.torch_compile)
    except Exception as exc:  # one failing case must not end the run
        return make_row(case, target.library, device, "error", error_note(exc), {})
    finally:
        _release(case.framework)
    status = "partial" if note.startswith("fwd+bwd failed") else "ok"
    return make_row(case, target.library, device, status, note, result)


def _release(framework: str) -> None:
    """Drop compiled programs and garbage between cases, so memory does not pile up over a long run."""
    if framework == "jax":
        import jax

        jax.clear_caches()
    gc.collect()


class Progress:
    """``[i/N elapsed] case ... status`` lines on stderr."""

    def __init__(self, total: int) -> None:
        self.total, self.t0 = total, time.perf_counter()

    def start(self, i: int, case: grid.Case) -> None:
        elapsed = time.perf_counter() - self.t0
        print(
            f"[{i + 1:>{len(str(self.total))}}/{self.total} {elapsed:6.0f}s] {case.label} ...", end="", file=sys.stderr
        )
        sys.stderr.flush()
        self.case_t0 = time.perf_counter()

    def done(self, row: dict) -> None:
        took = time.perf_counter() - self.case_t0
        note = f" ({row['note']})" if row["note"] else ""
        print(f" {row['status']}{note} [{took:.1f}s]", file=sys.stderr, flush=True)


def set_threads(threads: int, frameworks: list[str]) -> None:
    """Intra-op threads: on a loaded machine, idle-waiting worker threads can make small kernels 100x
    slower, so ``1`` gives the steadiest figures there. Must run before JAX is imported."""
    if not threads:
        return
    if threads == 1 and "jax" in frameworks:
        flags = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()
    if "torch" in frameworks:
        import torch

        torch.set_num_threads(threads)


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    set_threads(args.threads, args.frameworks)
    set_checkpoint(args.checkpoint, args.frameworks)
    torch_dev = machine.torch_device(args.device) if "torch" in args.frameworks else "-"
    csv_path = args.csv or RESULTS / "raw" / f"run-{datetime.now():%Y%m%d-%H%M%S}.csv"
    cases = list(grid.cases(grid_spec(args)))
    progress, rows = Progress(len(cases)), []
    if not args.append:
        write_csv(csv_path, [])
    for i, case in enumerate(cases):
        progress.start(i, case)
        row = run_case(case, args, torch_dev)
        write_csv(csv_path, [row], append=True)  # row by row: an interrupted run keeps what it measured
        rows.append(row)
        progress.done(row)
    print(f"wrote {len(rows)} rows to {csv_path} in {time.perf_counter() - progress.t0:.0f}s", file=sys.stderr)
    if not args.no_table:
        print("\n".join(machine.describe(args.frameworks)))
        threads = args.threads or "default"
        print(f"float32, softness=0.1, checkpoint={args.checkpoint}, threads={threads}, torch device: {torch_dev}\n")
        print(run_table(rows))
    return rows


if __name__ == "__main__":
    main()
