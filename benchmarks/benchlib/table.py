"""Benchmark rows: CSV files and markdown tables."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from benchlib.grid import Case
from benchlib.measure import FIELDS

#: Identify a row (with ``library``, ``device``, ``status`` and ``note`` they precede the result fields).
CASE_FIELDS = ("framework", "impl", "kind", "op", "method", "mode", "n", "batch")
COLUMNS = (*CASE_FIELDS, "library", "device", "status", "note", *FIELDS)
#: Statuses: ``ok``; ``partial`` (the forward ran, the backward raised: the note says what);
#: ``skipped`` (over the size budget); ``n/a`` (no equivalent / not installed); ``error`` (raised).
STATUSES = ("ok", "partial", "skipped", "n/a", "error")


def make_row(case: Case, library: str, device: str, status: str, note: str, result: dict[str, float]) -> dict:
    row: dict[str, Any] = {f: getattr(case, f) for f in CASE_FIELDS}
    row.update(library=library, device=device, status=status, note=note)
    row.update({f: result.get(f, math.nan) for f in FIELDS})
    return row


def write_csv(path: Path, rows: Iterable[dict], append: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not (append and path.exists())
    with path.open("w" if new else "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> list[dict]:
    """Rows with ``n``/``batch`` as int and the result fields as float (NaN where empty)."""
    rows = []
    with path.open(newline="") as fh:
        for raw in csv.DictReader(fh):
            row: dict[str, Any] = dict(raw)
            row["n"], row["batch"] = int(row["n"]), int(row["batch"])
            for f in FIELDS:
                row[f] = _float(row.get(f, ""))
            rows.append(row)
    return rows


def _float(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------


def fmt_ms(v: float) -> str:
    if v != v:
        return "-"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def fmt_s(v: float) -> str:
    return "-" if v != v else f"{v:.2f}"


def fmt_mib(v: float) -> str:
    if v != v:
        return "-"
    mib = v / 2**20
    return f"{mib:.3g}" if mib < 1000 else f"{mib:.0f}"


def fmt_ratio(v: float) -> str:
    if v != v or math.isinf(v):
        return "n/a"
    return f"{v:.2f}" if v < 10 else f"{v:.0f}"


def markdown(headers: Sequence[str], body: Iterable[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A GitHub markdown table; ``right[i]`` right-aligns column ``i``."""
    right = right or [False] * len(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" if r else "---" for r in right) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


RUN_HEADERS = (
    "fw",
    "impl",
    "op",
    "method",
    "mode",
    "n",
    "batch",
    "fwd ms",
    "fwd+bwd ms",
    "compile s",
    "mem fwd MiB",
    "mem f+b MiB",
    "peak MiB",
    "compiled fwd ms",
    "compiled f+b ms",
    "torch.compile s",
    "status",
)


def run_table(rows: Iterable[dict]) -> str:
    """The runner's summary: one line per row (``compile s`` is the JAX forward+backward compile)."""
    body = []
    for r in rows:
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {r['note']}"
        if r["status"] == "ok" and r["note"]:
            status = f"ok ({r['note']})"
        body.append(
            (
                r["framework"],
                r["impl"],
                r["op"],
                r["method"],
                r["mode"],
                str(r["n"]),
                str(r["batch"]),
                fmt_ms(r["fwd_ms"]),
                fmt_ms(r["fwdbwd_ms"]),
                fmt_s(r["compile_fwdbwd_s"]),
                fmt_mib(r["mem_fwd"]),
                fmt_mib(r["mem_fwdbwd"]),
                fmt_mib(r["peak"]),
                fmt_ms(r["tc_fwd_ms"]),
                fmt_ms(r["tc_fwdbwd_ms"]),
                fmt_s(r["tc_compile_s"]),
                status.replace("|", "/"),
            )
        )
    right = [h not in ("fw", "impl", "op", "method", "mode", "status") for h in RUN_HEADERS]
    return markdown(RUN_HEADERS, body, right)
