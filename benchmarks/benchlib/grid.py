"""The benchmark grid: which (framework, implementation, op, method, mode, n, batch) cases exist, and
which of them are skipped for exceeding the size budget."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

AXISWISE_OPS = ("sort", "rank", "argsort", "max", "quantile", "top_k", "argmax")
ELEMENTWISE_OPS = ("sigmoidal", "softrelu", "relu", "clip", "round", "abs", "sign", "heaviside")
METHODS = ("softsort", "neuralsort", "sorting_network", "fast_soft_sort", "smooth_sort", "ot")
#: Methods that produce a soft index (the ``arg*`` ops accept only these).
INDEX_METHODS = ("softsort", "neuralsort", "sorting_network", "ot")
INDEX_OPS = ("argsort", "argmax")
MODES = ("smooth", "c0", "c1", "c2")
FRAMEWORKS = ("jax", "torch")
#: ``soft``: whichever softjax / softtorch is importable (ours, or an older release in another venv);
#: ``hard``: the framework's own op; ``torchsort`` / ``diffsort``: third-party PyTorch libraries.
IMPLS = ("soft", "hard", "torchsort", "diffsort")
#: The method of ours each third-party library corresponds to, and the ops it provides.
THIRD_PARTY = {"torchsort": ("fast_soft_sort", ("sort", "rank")), "diffsort": ("sorting_network", ("sort",))}

AXISWISE_N = (64, 256, 1024, 4096, 16384)
ELEMENTWISE_N = (4096, 32768, 131072)
BATCHES = (1, 64)
QUANTILES = (0.25, 0.5, 0.75)
#: Default budget: skip a case whose largest intermediate (or, for chunked methods, its pairwise
#: work) exceeds this many float32 elements (2**27 floats = 512 MiB).
MAX_ELEMENTS = 2**27


@dataclass(frozen=True)
class Case:
    """One benchmark configuration. ``method`` is ``"-"`` for element-wise ops and hard ops; element-wise
    cases use ``n`` as the number of elements of a ``(batch, n)`` input."""

    framework: str
    impl: str
    kind: str
    op: str
    method: str
    mode: str
    n: int
    batch: int

    @property
    def label(self) -> str:
        return f"{self.framework} {self.impl} {self.op} {self.method} {self.mode} n={self.n} b={self.batch}"


def top_k_k(n: int) -> int:
    """The ``k`` of the top_k cases: an eighth of the row."""
    return max(1, n // 8)


def _network_layers(n: int) -> int:
    log2n = max(1, math.ceil(math.log2(max(n, 2))))
    return log2n * (log2n + 1) // 2


def _soft_rows(op: str, n: int) -> int:
    """How many rows of the n-wide soft permutation the op needs (sort-like ops need all of them)."""
    return {"max": 1, "argmax": 1, "quantile": 2 * len(QUANTILES), "top_k": top_k_k(n)}.get(op, n)


def estimated_elements(case: Case) -> int:
    """A rough count of the float elements the case materialises or sweeps over (memory and work proxy).

    Dense methods (softsort, neuralsort, ot) cost ``batch * n * rows`` (neuralsort also needs the
    ``n x n`` pairwise sums); index outputs hold ``batch * rows * n``; the sorting network's ops other
    than ``sort``/``max``/``quantile`` track an ``n x n`` permutation through every layer; the PAV /
    Newton methods are near-linear.
    """
    b, n, op, method = case.batch, case.n, case.op, case.method
    if case.kind == "elementwise" or case.impl == "hard":
        return b * n
    if method in ("fast_soft_sort", "smooth_sort"):
        return b * n * 32
    if case.impl == "diffsort":  # dense (n x n) permutation matmuls in every layer, all kept for backward
        return 4 * b * n * n * _network_layers(n)
    if method == "sorting_network":
        if op in ("sort", "max", "quantile"):
            return b * n * _network_layers(n)
        return b * n * n * _network_layers(n) // 2
    rows = _soft_rows(op, n)
    if method == "neuralsort":
        rows = max(rows, n)
    if method == "ot":
        rows = {"sort": n, "rank": n, "argsort": n}.get(op, rows + 2)
    return b * n * rows


def skip_reason(case: Case, max_elements: int) -> str | None:
    """Why the case is not run (``None``: run it)."""
    elements = estimated_elements(case)
    if elements > max_elements:
        return f"over budget (~{elements:.2g} elements > --max-elements {max_elements:.2g})"
    return None


def supported(kind: str, op: str, method: str, mode: str) -> bool:
    """Whether our API accepts this combination at all (unsupported ones are left out of the grid)."""
    if kind == "elementwise":
        return method == "-"
    if op in INDEX_OPS and method not in INDEX_METHODS:
        return False
    return not (method == "smooth_sort" and mode != "smooth")


@dataclass
class GridSpec:
    """The axes of a run; :func:`cases` expands them."""

    frameworks: Sequence[str] = FRAMEWORKS
    impls: Sequence[str] = ("soft",)
    ops: Sequence[str] = AXISWISE_OPS
    elementwise_ops: Sequence[str] = ELEMENTWISE_OPS
    methods: Sequence[str] = METHODS
    modes: Sequence[str] = MODES
    n: Sequence[int] = AXISWISE_N
    elementwise_n: Sequence[int] = ELEMENTWISE_N
    batch: Sequence[int] = BATCHES


def cases(spec: GridSpec) -> Iterator[Case]:
    """Every case of the grid, axis-wise first. Hard ops have no ``method`` / ``mode`` axis: they appear
    once per (op, n, batch) with method and mode ``"-"``; torchsort / diffsort appear under the method
    of ours they correspond to (:data:`THIRD_PARTY`) with mode ``"-"``."""
    for fw, impl in itertools.product(spec.frameworks, spec.impls):
        if impl in ("torchsort", "diffsort") and fw != "torch":
            continue
        yield from _axiswise(spec, fw, impl)
        if impl in ("soft", "hard"):
            yield from _elementwise(spec, fw, impl)


def _axiswise(spec: GridSpec, fw: str, impl: str) -> Iterator[Case]:
    ops, methods, modes = spec.ops, spec.methods, spec.modes
    if impl == "hard":
        methods, modes = ("-",), ("-",)
    elif impl in THIRD_PARTY:
        method, provided = THIRD_PARTY[impl]
        ops = [op for op in ops if op in provided]
        methods, modes = ((method,) if method in methods else ()), ("-",)
    for op, method, mode, n, b in itertools.product(ops, methods, modes, spec.n, spec.batch):
        if impl != "soft" or supported("axiswise", op, method, mode):
            yield Case(fw, impl, "axiswise", op, method, mode, n, b)


def _elementwise(spec: GridSpec, fw: str, impl: str) -> Iterator[Case]:
    modes = spec.modes if impl == "soft" else ("-",)
    for op, mode, n in itertools.product(spec.elementwise_ops, modes, spec.elementwise_n):
        yield Case(fw, impl, "elementwise", op, "-", mode, n, 1)
