"""The op catalogue: every module in this package defines ``CASES: list[OpCase]``.

Modules are discovered automatically, so a topic adds its cases without touching this file.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

from harness.cases import OpCase

#: Topics whose generic tiers run in the `slow` tier only (`nox -s tests -- -m slow`). Empty: every
#: topic, the axis-wise catalogue included, runs in the default tier (and in CI); individual cases
#: can still set ``OpCase(slow=True)``.
SLOW_MODULES: set[str] = set()


def _load() -> list[OpCase]:
    cases: list[OpCase] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if info.name in SLOW_MODULES:
            cases.extend(dataclasses.replace(c, slow=True) for c in module.CASES)
        else:
            cases.extend(module.CASES)
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate catalogue ids: {sorted(duplicates)}")
    return cases


ALL_CASES: list[OpCase] = _load()
