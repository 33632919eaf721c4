"""The op x method grid shared by the axis-wise topic tests (parity in ``test_axiswise.py``,
forward mode in ``test_forward_mode.py``): one call form per op, the methods that exist, and how
an op is called in either framework."""

from __future__ import annotations

from typing import Any

from harness.cases import TORCH_KWARGS, TORCH_NAMES
from softcore.axiswise import _dispatch

#: Every public axis-wise op with the keyword arguments (JAX names) of its grid call.
ALL_OPS: list[tuple[str, dict[str, Any]]] = [
    ("argmax", {"axis": 1, "keepdims": True}),
    ("argmin", {"axis": 0}),
    ("max", {"axis": None}),
    ("min", {"axis": None}),
    ("argsort", {"axis": 0, "descending": True}),
    ("sort", {"axis": 1}),
    ("rank", {"axis": 1, "descending": False}),
    ("top_k", {"k": 2}),
    ("_argtop_k", {"k": 3, "axis": 0}),
    ("argquantile", {"q": [0.2, 0.7], "axis": 1}),
    ("quantile", {"q": 0.42, "axis": None, "quantile_method": "midpoint"}),
    ("argmedian", {"axis": 1}),
    ("median", {"axis": None}),
    ("argpercentile", {"p": 35.0, "axis": 1, "quantile_method": "higher"}),
    ("percentile", {"p": [10.0, 65.0], "axis": 0, "keepdims": True}),
]
#: Ops that return only a SoftIndex (value-only methods reject them).
INDEX_ONLY = {"argmax", "argmin", "argsort", "_argtop_k", "argquantile", "argmedian", "argpercentile"}
#: SoftIndex methods, then the wired value-only methods.
INDEX_METHODS = ("softsort", "neuralsort", "sorting_network", "ot")
VALUE_ONLY_METHODS = tuple(m for m in ("fast_soft_sort", "smooth_sort") if m in _dispatch._REGISTRY)
ALL_METHODS = (*INDEX_METHODS, *VALUE_ONLY_METHODS)
#: ``method="ot"`` solved to round-off in float64, so that finite differences see a smooth map
#: (stalls at the round-off floor a few 1e-12 away are expected: no warning for them).
OT_TIGHT = {"sinkhorn_tol": 1e-12, "lbfgs_tol": 1e-12, "warn_unconverged": False}


def ops_of(method: str) -> list[tuple[str, dict[str, Any]]]:
    """Value-only methods have no SoftIndex ops."""
    return [(n, kw) for n, kw in ALL_OPS if not (method in VALUE_ONLY_METHODS and n in INDEX_ONLY)]


def call_op(
    lib: Any, name: str, x: Any, method: str, mode: str, kw: dict[str, Any], *, torch: bool, **extra: Any
) -> Any:
    """``lib.<name>(x, method, mode, softness=0.2, **kw, **extra)`` with torch names and keywords
    when ``torch`` (and ``sort(return_indices=False)``, so both frameworks return the values)."""
    kw = {**kw, **extra}
    if torch:
        name = TORCH_NAMES.get(name, name)
        kw = {TORCH_KWARGS.get(k, k): v for k, v in kw.items()}
        if name == "sort":
            kw["return_indices"] = False
    return getattr(lib, name)(x, method=method, mode=mode, softness=0.2, **kw)
