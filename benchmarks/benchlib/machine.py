"""What the benchmarks ran on: CPU model, core count, load, framework versions, accelerator."""

from __future__ import annotations

import os
import platform
import sys


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def torch_device(requested: str = "auto") -> str:
    """``cuda`` when available (or requested), else ``cpu``; ``-`` when torch is not installed."""
    try:
        import torch
    except ImportError:
        return "-"
    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def device_name(framework: str, torch_dev: str) -> str:
    """A short name of the device a framework computes on (``cpu`` or the GPU's name)."""
    if framework == "jax":
        import jax

        dev = jax.devices()[0]
        return "cpu" if dev.platform == "cpu" else f"{dev.platform}: {getattr(dev, 'device_kind', '')}"
    import torch

    return torch.cuda.get_device_name() if torch_dev.startswith("cuda") else "cpu"


def describe(frameworks: list[str] | tuple[str, ...]) -> list[str]:
    """Lines describing the machine and software (for the header of a report)."""
    lines = [
        f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; load average at start: {load_average()}",
        f"python {sys.version.split()[0]} on {platform.system()} {platform.release()}",
    ]
    for name in ("jax", "torch", "softjax", "softtorch"):
        if name in ("jax", "softjax") and "jax" not in frameworks:
            continue
        if name in ("torch", "softtorch") and "torch" not in frameworks:
            continue
        try:
            module = __import__(name)
            lines.append(f"{name} {getattr(module, '__version__', '?')}")
        except ImportError:
            lines.append(f"{name}: not installed")
    return lines
