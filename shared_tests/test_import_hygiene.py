"""softcore imports no framework; softjax does not import torch and softtorch does not import jax."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import selected_backends

CORE_SRC = Path(__file__).resolve().parents[1] / "packages" / "softcore" / "src" / "softcore"


def _modules_after_import(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_softcore_imports_no_framework():
    modules = _modules_after_import(
        "import softcore, pkgutil, importlib; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(softcore.__path__, 'softcore.')]"
    )
    for framework in ("jax", "torch", "numpy"):
        assert framework not in modules, f"importing softcore pulled in {framework}"


def test_softcore_source_mentions_no_framework_import():
    for path in CORE_SRC.rglob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            for framework in ("jax", "torch", "numpy"):
                assert not stripped.startswith((f"import {framework}", f"from {framework}")), f"{path}: {line}"


@pytest.mark.parametrize(
    ("package", "other"),
    [p for p in (("softjax", "torch"), ("softtorch", "jax")) if p[0].removeprefix("soft") in selected_backends()],
)
def test_wrappers_do_not_import_each_others_framework(package, other):
    assert other not in _modules_after_import(f"import {package}")
