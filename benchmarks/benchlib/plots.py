"""Log-log plots of time and memory against n for the comparison (needs matplotlib)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: (impl, label, style) of the plotted lines; ``old`` is the 0.1.1 release's ``soft`` rows.
LINES = (
    ("ours", "ours", {"color": "C0", "marker": "o"}),
    ("old", "0.1.1", {"color": "C1", "marker": "s"}),
    ("hard", "hard op", {"color": "0.5", "marker": ".", "linestyle": ":"}),
    ("torchsort", "torchsort", {"color": "C2", "marker": "^"}),
    ("diffsort", "diffsort", {"color": "C3", "marker": "v"}),
)
#: Columns of each figure: (framework, field, title).
PANELS = (
    ("jax", "fwdbwd_ms", "JAX fwd+bwd [ms]"),
    ("torch", "fwdbwd_ms", "PyTorch fwd+bwd [ms]"),
    ("jax", "mem_fwdbwd", "JAX XLA temp [MiB]"),
    ("torch", "mem_fwdbwd", "PyTorch saved for bwd [MiB]"),
)


def _series(rows: Iterable[dict], field: str) -> tuple[list[int], list[float]]:
    points = sorted((r["n"], r[field]) for r in rows if r[field] == r[field] and r[field] > 0)  # NaN: not measured
    scale = 1 / 2**20 if field.startswith("mem") else 1.0
    return [n for n, _ in points], [v * scale for _, v in points]


def _select(rows: list[dict], framework: str, op: str, method: str, batch: int, impl: str) -> list[dict]:
    """The rows of one line (``rows``: one implementation's); hard ops have no method, third parties
    stand under their method of ours."""
    out = []
    for r in rows:
        if (r["framework"], r["op"], r["batch"]) != (framework, op, batch):
            continue
        if impl == "hard" or r["method"] == method:
            out.append(r)
    return out


def _rows_by_impl(ours_rows: list[dict], old_rows: list[dict]) -> dict[str, list[dict]]:
    by_impl = {
        "ours": [r for r in ours_rows if r["impl"] == "soft" and r["mode"] in ("smooth", "-")],
        "old": [r for r in old_rows if r["impl"] == "soft" and r["mode"] in ("smooth", "-")],
        "hard": [r for r in ours_rows if r["impl"] == "hard"],
    }
    for name in ("torchsort", "diffsort"):
        by_impl[name] = [r for r in old_rows if r["impl"] == name]
    return by_impl


def _figures(ours: list[dict]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(file stem, title, [(op, method) per subplot row]): one figure per axis-wise op (a row per
    method) and one for all element-wise ops (a row per op)."""
    figures = []
    for op in sorted({r["op"] for r in ours if r["kind"] == "axiswise"}):
        methods = sorted({r["method"] for r in ours if r["op"] == op})
        figures.append((f"compare_{op}", op, [(op, m) for m in methods]))
    elementwise = sorted({r["op"] for r in ours if r["kind"] == "elementwise"})
    if elementwise:
        figures.append(("compare_elementwise", "element-wise ops", [(op, "-") for op in elementwise]))
    return figures


def plot_comparison(ours_rows: list[dict], old_rows: list[dict], out_dir: Path, batch: int = 1) -> list[Path]:
    """The PNGs of :func:`_figures` (columns: :data:`PANELS`) at the given batch, smooth mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_impl = _rows_by_impl(ours_rows, old_rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, title, panel_rows in _figures(by_impl["ours"]):
        fig, axes = plt.subplots(len(panel_rows), len(PANELS), figsize=(11, 2.2 * len(panel_rows) + 0.6), squeeze=False)
        for i, (op, method) in enumerate(panel_rows):
            for j, (fw, field, panel_title) in enumerate(PANELS):
                _draw_panel(axes[i][j], by_impl, fw, op, method, batch, field)
                axes[i][j].set_title(f"{op if method == '-' else method}: {panel_title}", fontsize=8)
        handles, labels = _legend(axes)
        fig.suptitle(f"{title} (batch {batch}, float32, smooth mode; x axis: n)", fontsize=10, y=0.995)
        top = 1 - 0.55 / fig.get_figheight()
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, top), ncol=max(1, len(labels)), fontsize=8)
        fig.tight_layout(rect=(0, 0, 1, top - 0.25 / fig.get_figheight()))
        path = out_dir / f"{stem}.png"
        fig.savefig(path, dpi=60)
        plt.close(fig)
        _shrink(path)
        paths.append(path)
    return paths


def _shrink(path: Path) -> None:
    """Re-save as a 64-colour palette PNG (a third of the size; Pillow comes with matplotlib)."""
    from PIL import Image

    with Image.open(path) as img:
        small = img.convert("RGB").quantize(colors=64)
    small.save(path, optimize=True)


def _legend(axes: Any) -> tuple[list[Any], list[str]]:
    handles: list[Any] = []
    labels: list[str] = []
    for row in axes:
        for ax in row:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
    return handles, labels


def _draw_panel(ax: Any, by_impl: dict, fw: str, op: str, method: str, batch: int, field: str) -> None:
    from matplotlib.ticker import NullFormatter

    values: list[float] = []
    for impl, label, style in LINES:
        if impl == "hard" and field.startswith("mem"):
            continue
        xs, ys = _series(_select(by_impl[impl], fw, op, method, batch, impl), field)
        if xs:
            ax.plot(xs, ys, label=label, markersize=4, linewidth=1.2, **style)
            values += ys
    if values:  # whole decades, so that every panel has labelled major ticks
        ax.set_ylim(10 ** math.floor(math.log10(min(values))), 10 ** math.ceil(math.log10(max(values)) + 1e-9))
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(labelsize=7)
    ax.grid(True, which="both", linewidth=0.3, alpha=0.5)
