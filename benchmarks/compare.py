"""Compare this repository's softjax / softtorch with the 0.1.1 releases and the frameworks' hard ops.

The two versions share their module names, so each runs in its own interpreter: ``--ours-python``
(default: this one) runs ``run.py --impls soft hard``, ``--old-python`` (a venv holding softjax and
softtorch 0.1.1, and torchsort / diffsort where they installed) runs ``run.py --impls soft torchsort
diffsort`` on the same grid. The rows are then joined per case into ``<out-dir>/compare.csv``, a
markdown table of ratios (``<out-dir>/compare.md`` and stdout) and log-log plots of time and memory
against n (``<out-dir>/plots/compare_<op>.png``, needs matplotlib).

``nox -s bench-compare`` builds both venvs and runs this script; by hand::

    python benchmarks/compare.py --old-python /path/to/old-venv/bin/python
    python benchmarks/compare.py --old-python ... --n 64 256 --ops sort rank --no-targets
    python benchmarks/compare.py --reuse            # re-join the last raw CSVs, redraw tables and plots

Besides the main grid, the issue-4 targets (``fast_soft_sort`` sort and rank at batch 1, n=16384)
run unless ``--no-targets``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from benchlib import machine  # noqa: E402
from benchlib.table import fmt_ms, fmt_ratio, markdown, read_csv  # noqa: E402

RESULTS = HERE / "results"
#: The comparison grid (a subset of run.py's defaults that fits a 2-core CPU in well under an hour).
DEFAULTS = {
    "frameworks": ["jax", "torch"],
    "ops": ["sort", "rank", "top_k", "quantile", "max"],
    "elementwise_ops": ["sigmoidal", "relu", "clip", "round"],
    "methods": ["softsort", "neuralsort", "sorting_network", "fast_soft_sort", "ot"],
    "modes": ["smooth"],
    "n": [64, 256, 1024, 4096],
    "elementwise_n": [131072],
    "batch": [1],
}
#: The issue-4 target cases, run in addition to the grid.
TARGETS = ["--ops", "sort", "rank", "--elementwise-ops", "--methods", "fast_soft_sort", "--n", "16384", "--batch", "1"]
KEY = ("framework", "kind", "op", "method", "mode", "n", "batch")
THIRD_PARTY = ("torchsort", "diffsort")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--old-python", help="interpreter of the venv holding softjax/softtorch 0.1.1")
    p.add_argument("--ours-python", default=sys.executable, help="interpreter with this repository's packages")
    p.add_argument("--frameworks", nargs="+", default=DEFAULTS["frameworks"])
    p.add_argument("--ops", nargs="*", default=DEFAULTS["ops"])
    p.add_argument("--elementwise-ops", nargs="*", default=DEFAULTS["elementwise_ops"])
    p.add_argument("--methods", nargs="+", default=DEFAULTS["methods"])
    p.add_argument("--modes", nargs="+", default=DEFAULTS["modes"])
    p.add_argument("--n", nargs="+", default=DEFAULTS["n"])
    p.add_argument("--elementwise-n", nargs="+", default=DEFAULTS["elementwise_n"])
    p.add_argument("--batch", nargs="+", default=DEFAULTS["batch"])
    p.add_argument("--repeats", default="9", help="see run.py --repeats")
    p.add_argument("--budget-s", default="3", help="see run.py --budget-s")
    p.add_argument("--threads", default="1", help="see run.py --threads (default 1: steadiest on a busy machine)")
    p.add_argument("--torch-compile", action="store_true", help="also time torch.compile'd calls (slow)")
    p.add_argument("--no-targets", action="store_true", help="skip the fast_soft_sort 1 x 16384 target cases")
    p.add_argument("--reuse", action="store_true", help="do not run anything: join the raw CSVs of the last run")
    p.add_argument("--out-dir", type=Path, default=RESULTS, help="where compare.csv, compare.md and plots/ go")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument(
        "--note", default="", help="a line about the conditions (e.g. other load) for the report (kept for --reuse)"
    )
    args = p.parse_args(argv)
    if not args.reuse and not args.old_python:
        p.error("--old-python is required unless --reuse")
    return args


# ---------------------------------------------------------------------------------------------
# running the two interpreters
# ---------------------------------------------------------------------------------------------


def _grid_argv(args: argparse.Namespace) -> list[str]:
    argv = ["--frameworks", *args.frameworks, "--methods", *args.methods, "--modes", *args.modes]
    argv += ["--ops", *args.ops, "--elementwise-ops", *args.elementwise_ops]
    argv += ["--n", *map(str, args.n), "--elementwise-n", *map(str, args.elementwise_n)]
    argv += ["--batch", *map(str, args.batch), "--repeats", str(args.repeats), "--budget-s", str(args.budget_s)]
    argv += ["--threads", str(args.threads), "--no-table"]
    return argv + (["--torch-compile"] if args.torch_compile else [])


def _run(python: str, impls: list[str], csv_path: Path, args: argparse.Namespace) -> None:
    """run.py in ``python`` on the grid (and the targets, appended to the same CSV)."""
    base = [python, str(HERE / "run.py"), "--impls", *impls, "--csv", str(csv_path)]
    print(f"== {' '.join(impls)} with {python}", file=sys.stderr, flush=True)
    subprocess.run([*base, *_grid_argv(args)], check=True)
    if not args.no_targets:
        targets = [*_grid_argv(args), *TARGETS]  # later options win over the grid's
        subprocess.run([*base, "--append", *targets], check=True)


# ---------------------------------------------------------------------------------------------
# joining rows into ratios
# ---------------------------------------------------------------------------------------------


def _key(row: dict, method: str | None = None, mode: str | None = None) -> tuple:
    values = dict(row, **({"method": method} if method else {}), **({"mode": mode} if mode else {}))
    return tuple(values[k] for k in KEY)


def _index(rows: Iterable[dict], impl: str) -> dict[tuple, dict]:
    return {_key(r): r for r in rows if r["impl"] == impl}


def _ratio(a: float, b: float) -> float:
    if a != a or b != b or b <= 0:
        return math.nan
    return a / b


def join(ours_rows: list[dict], old_rows: list[dict]) -> list[dict]:
    """One dict per case of ours: its row (``ours``), 0.1.1's (``old``), the hard op's (``hard``) and
    the third-party rows (by impl name), any of them None where missing."""
    old, hard = _index(old_rows, "soft"), _index(ours_rows, "hard")
    third = {name: _index(old_rows, name) for name in THIRD_PARTY}
    joined = []
    for row in ours_rows:
        if row["impl"] != "soft":
            continue
        entry = {"ours": row, "old": old.get(_key(row)), "hard": hard.get(_key(row, "-", "-"))}
        for name in THIRD_PARTY:
            entry[name] = third[name].get(_key(row, mode="-"))
        joined.append(entry)
    return joined


def _ok(row: dict | None) -> bool:
    return row is not None and row["status"] in ("ok", "partial")


def _val(row: dict | None, field: str) -> float:
    return row[field] if _ok(row) else math.nan


def ratios(entry: dict) -> dict[str, float]:
    """Ours over 0.1.1 (fwd, fwd+bwd, JAX compile, memory) and over the hard op and third parties."""
    ours, old, hard = entry["ours"], entry["old"], entry["hard"]
    out = {
        "fwdbwd_vs_old": _ratio(_val(ours, "fwdbwd_ms"), _val(old, "fwdbwd_ms")),
        "fwd_vs_old": _ratio(_val(ours, "fwd_ms"), _val(old, "fwd_ms")),
        "compile_vs_old": _ratio(_val(ours, "compile_fwdbwd_s"), _val(old, "compile_fwdbwd_s")),
        "mem_vs_old": _ratio(_val(ours, "mem_fwdbwd"), _val(old, "mem_fwdbwd")),
        "fwdbwd_vs_hard": _ratio(_val(ours, "fwdbwd_ms"), _val(hard, "fwdbwd_ms")),
        "fwd_vs_hard": _ratio(_val(ours, "fwd_ms"), _val(hard, "fwd_ms")),
    }
    for name in THIRD_PARTY:
        out[f"fwdbwd_vs_{name}"] = _ratio(_val(ours, "fwdbwd_ms"), _val(entry[name], "fwdbwd_ms"))
    return out


CSV_FIELDS = ("fwd_ms", "fwdbwd_ms", "compile_fwdbwd_s", "mem_fwdbwd", "peak", "tc_fwd_ms", "tc_fwdbwd_ms")


def write_joined_csv(path: Path, joined: list[dict]) -> None:
    """The joined table: the case, each implementation's status and figures, and the ratios."""
    impls = ("ours", "old", "hard", *THIRD_PARTY)
    header = [*KEY]
    for impl in impls:
        header += [f"{impl}_library", f"{impl}_status", *(f"{impl}_{f}" for f in CSV_FIELDS)]
    header += list(ratios(joined[0]).keys()) if joined else []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for entry in joined:
            cells = [entry["ours"][k] for k in KEY]
            for impl in impls:
                row = entry[impl]
                cells += [row["library"] if row else "", row["status"] if row else "missing"]
                cells += [_csv_num(row[f]) if row else "" for f in CSV_FIELDS]
            cells += [_csv_num(v) for v in ratios(entry).values()]
            writer.writerow(cells)


def _csv_num(v: float) -> str:
    return "" if v != v else f"{v:.6g}"


# ---------------------------------------------------------------------------------------------
# markdown
# ---------------------------------------------------------------------------------------------


def _cell_ms(row: dict | None, field: str) -> str:
    if row is None:
        return "n/a"
    if row["status"] not in ("ok", "partial"):
        return row["status"]
    return "error" if row[field] != row[field] and row["status"] == "partial" else fmt_ms(row[field])


def ratio_table(joined: list[dict]) -> str:
    """The ratio table: one line per case; ``n/a`` where a side did not produce the figure."""
    third = [name for name in THIRD_PARTY if any(_ok(e[name]) for e in joined)]
    headers = ["fw", "op", "method", "mode", "n", "batch", "ours f+b ms", "0.1.1 f+b ms", "hard f+b ms"]
    headers += ["f+b ours/0.1.1", "fwd ours/0.1.1", "compile ours/0.1.1", "mem ours/0.1.1", "f+b ours/hard"]
    headers += [f"f+b ours/{name}" for name in third]
    body = []
    for e in joined:
        o, r = e["ours"], ratios(e)
        cells = [o["framework"], o["op"], o["method"], o["mode"], str(o["n"]), str(o["batch"])]
        cells += [_cell_ms(o, "fwdbwd_ms"), _cell_ms(e["old"], "fwdbwd_ms"), _cell_ms(e["hard"], "fwdbwd_ms")]
        keys = ["fwdbwd_vs_old", "fwd_vs_old", "compile_vs_old", "mem_vs_old", "fwdbwd_vs_hard"]
        cells += [fmt_ratio(r[k]) for k in keys + [f"fwdbwd_vs_{name}" for name in third]]
        body.append(cells)
    right = [i >= 4 for i in range(len(headers))]
    return markdown(headers, body, right)


def _geomean(values: list[float]) -> float:
    finite = [v for v in values if v == v and v > 0 and not math.isinf(v)]
    return math.exp(sum(map(math.log, finite)) / len(finite)) if finite else math.nan


def summary_table(joined: list[dict]) -> str:
    """Per framework and method (element-wise ops under ``-``): geometric means of the ratios over the
    ops and sizes both sides measured, and the range of the fwd+bwd ratio."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for e in joined:
        groups.setdefault((e["ours"]["framework"], e["ours"]["method"]), []).append(ratios(e))
    headers = ["fw", "method", "cases", "f+b ours/0.1.1", "range", "fwd ours/0.1.1"]
    headers += ["compile ours/0.1.1", "mem ours/0.1.1", "f+b ours/hard"]
    body = []
    for (fw, method), rs in groups.items():
        vs_old = [r["fwdbwd_vs_old"] for r in rs if r["fwdbwd_vs_old"] == r["fwdbwd_vs_old"]]
        spread = f"{fmt_ratio(min(vs_old))} - {fmt_ratio(max(vs_old))}" if vs_old else "n/a"
        cells = [
            fw,
            "element-wise" if method == "-" else method,
            f"{len(vs_old)}/{len(rs)}",
            fmt_ratio(_geomean(vs_old)),
            spread,
        ]
        for key in ("fwd_vs_old", "compile_vs_old", "mem_vs_old", "fwdbwd_vs_hard"):
            cells.append(fmt_ratio(_geomean([r[key] for r in rs])))
        body.append(cells)
    return markdown(headers, body, [i >= 2 for i in range(len(headers))])


def problems(joined: list[dict]) -> list[str]:
    """One line per case some implementation skipped, could not run or failed (a library that is not
    installed gets one line in all)."""
    lines, missing = [], set()
    labels = {"ours": "ours", "old": "0.1.1", "hard": "hard", **{name: name for name in THIRD_PARTY}}
    for e in joined:
        o = e["ours"]
        for impl, label in labels.items():
            row = e[impl]
            if row is None or row["status"] == "ok":
                continue
            if row["status"] == "n/a" and row["note"].endswith("is not installed"):
                missing.add(row["note"])
                continue
            lines.append(
                f"- {o['framework']} {o['op']} {o['method']} {o['mode']} n={o['n']} b={o['batch']}: "
                f"{label} {row['status']} ({row['note']})"
            )
    return [f"- {note}: none of its cases ran" for note in sorted(missing)] + lines


def report(joined: list[dict], header: list[str]) -> str:
    text = ["# softjax / softtorch: this repository vs 0.1.1 and the hard ops", ""]
    text += [f"- {line}" for line in header]
    text += ["", "## Summary (geometric means over ops and n)", "", summary_table(joined), ""]
    text += ["## Every case", "", ratio_table(joined), ""]
    issues = problems(joined)
    if issues:
        text += ["## Cases not measured (or only partly) on one side", "", *issues, ""]
    return "\n".join(text)


def _libraries(rows: Iterable[dict]) -> list[str]:
    return sorted({r["library"] for r in rows if r["library"]})


def _run_both(args: argparse.Namespace, ours_csv: Path, old_csv: Path, meta: Path) -> None:
    """Both interpreters on the grid; the run's circumstances go to ``meta`` (JSON)."""
    started, load = datetime.now(), machine.load_average()
    _run(args.ours_python, ["soft", "hard"], ours_csv, args)
    _run(args.old_python, ["soft", *THIRD_PARTY], old_csv, args)
    minutes = (datetime.now() - started).total_seconds() / 60
    info = {
        "run": f"run {started:%Y-%m-%d %H:%M}, {minutes:.0f} min; load average at start: {load}",
        "settings": f"threads: {args.threads}; float32, softness=0.1; "
        f"medians of up to {args.repeats} calls after a warm-up (fewer past {args.budget_s} s)",
        "note": args.note,
    }
    meta.write_text(json.dumps(info, indent=1) + "\n")


def _header(meta: Path, rows: list[dict], note: str) -> list[str]:
    info = json.loads(meta.read_text()) if meta.exists() else {"run": "run time unknown", "settings": "", "note": ""}
    lines = [f"CPU: {machine.cpu_model()}, {os.cpu_count()} logical cores", info["run"], info["settings"]]
    lines.append("libraries: " + ", ".join(_libraries(rows)))
    return [line for line in [*lines, note or info["note"]] if line]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raw = args.out_dir / "raw"
    ours_csv, old_csv, meta = raw / "compare-ours.csv", raw / "compare-old.csv", raw / "compare-meta.json"
    if not args.reuse:
        _run_both(args, ours_csv, old_csv, meta)
    ours_rows, old_rows = read_csv(ours_csv), read_csv(old_csv)
    joined = join(ours_rows, old_rows)
    write_joined_csv(args.out_dir / "compare.csv", joined)
    text = report(joined, _header(meta, ours_rows + old_rows, args.note))
    (args.out_dir / "compare.md").write_text(text)
    print(text)
    if not args.no_plots:
        from benchlib.plots import plot_comparison

        for path in plot_comparison(ours_rows, old_rows, args.out_dir / "plots"):
            print(f"plot: {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
