"""Axis-wise ops only: a shortcut for ``run.py --elementwise-ops`` (no element-wise cases).

Every option of ``benchmarks/run.py`` applies (``--checkpoint on|off|backend`` chooses how our
row-chunked value ops treat their chunks in the backward pass). Examples::

    python benchmarks/bench_axiswise.py --quick
    python benchmarks/bench_axiswise.py --ops sort rank --methods neuralsort --n 1024 4096 --checkpoint on
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402


def main(argv: list[str] | None = None) -> list[dict]:
    argv = sys.argv[1:] if argv is None else argv
    return run.main([*argv, "--elementwise-ops"])


if __name__ == "__main__":
    main()
