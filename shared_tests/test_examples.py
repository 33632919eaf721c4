"""Every script in examples/ runs in its small mode and reports success (default tier).

Each example trains the same model with softjax and softtorch and ends with a line starting with
``OK:`` once it has checked that training worked (and, for the deterministic ones, that both
frameworks agree to float64 rounding). Here each one runs in a subprocess with the current
interpreter and ``--small`` (less data, fewer steps, no plot), a few seconds each.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
EXPECTED = {
    "categorical_policy.py",
    "demo.py",
    "feature_selection.py",
    "interval_rules.py",
    "learning_to_rank.py",
    "robust_regression.py",
    "threshold_gate.py",
}


def test_examples_are_all_listed() -> None:
    """A new example gets a line in docs/examples.md and here (so nobody forgets the docs page)."""
    assert {p.name for p in EXAMPLES} == EXPECTED
    page = (ROOT / "docs" / "examples.md").read_text()
    missing = sorted(name for name in EXPECTED if f"examples/{name}" not in page)
    assert not missing, f"examples not described in docs/examples.md: {missing}"


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_in_small_mode(script: Path) -> None:
    for framework in ("jax", "torch"):
        if importlib.util.find_spec(framework) is None:
            pytest.skip(f"the examples run both frameworks; {framework} is not installed here")
    env = {**os.environ, "SOFT_EXAMPLES_SMALL": "1", "JAX_PLATFORMS": "cpu", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(script), "--small"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    assert result.returncode == 0, f"{script.name} exited with {result.returncode}\n{output}"
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert last.startswith("OK:") and "both frameworks" in last, f"{script.name} did not report success\n{output}"
