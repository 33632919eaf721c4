"""Suite configuration: float64 parity, backend selection, device, harness fixtures.

``SOFT_TEST_BACKENDS`` (default ``jax,torch``) selects the frameworks. A requested backend that
fails to import is an ERROR (never a silent skip).

``SOFT_TEST_DEVICE`` (default ``cpu``) selects where the harnesses place their inputs. With
``cuda`` the whole suite runs on the GPU (JAX sees its GPU and CPU platforms, GPU first; no memory
preallocation, so several test workers share the card), and the ``gpu`` tier
(``test_gpu.py``: device placement, GPU == CPU) runs instead of skipping.
"""

from __future__ import annotations

import gc
import os
import sys

os.environ.setdefault("JAX_ENABLE_X64", "1")  # before any jax import: float64 parity
if os.environ.get("SOFT_TEST_DEVICE", "cpu").strip().lower() == "cuda":
    os.environ.setdefault("JAX_PLATFORMS", "cuda,cpu")
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
else:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

import pytest  # noqa: E402

from harness.backends import HARNESS_FACTORIES, Harness  # noqa: E402


def selected_backends() -> list[str]:
    requested = os.environ.get("SOFT_TEST_BACKENDS", "jax,torch")
    names = [n.strip() for n in requested.split(",") if n.strip()]
    unknown = set(names) - set(HARNESS_FACTORIES)
    if unknown or not names:
        raise pytest.UsageError(
            f"SOFT_TEST_BACKENDS: unknown backends {sorted(unknown)}; known: {sorted(HARNESS_FACTORIES)}"
        )
    return names


_CACHE: dict[str, Harness] = {}


def get_harness(name: str) -> Harness:
    if name not in _CACHE:
        _CACHE[name] = HARNESS_FACTORIES[name]()  # ImportError propagates: a missing backend fails
    return _CACHE[name]


def pytest_configure(config: pytest.Config) -> None:
    for name in selected_backends():
        harness = get_harness(name)  # fail fast and loudly if a requested framework cannot be imported
        if harness.device == "cuda" and not harness.gpu_available():
            raise pytest.UsageError(f"SOFT_TEST_DEVICE=cuda, but {name} sees no CUDA device")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "harness" in metafunc.fixturenames:
        names = selected_backends()
        metafunc.parametrize(
            "harness",
            [pytest.param(n, marks=getattr(pytest.mark, n), id=n) for n in names],
            indirect=True,
        )


@pytest.fixture
def harness(request: pytest.FixtureRequest) -> Harness:
    return get_harness(request.param)


@pytest.fixture
def harnesses() -> list[Harness]:
    """All selected harnesses; parity tests need at least two and say so when not."""
    names = selected_backends()
    if len(names) < 2:
        pytest.skip("cross-framework parity needs two backends (SOFT_TEST_BACKENDS selects one)")
    return [get_harness(n) for n in names]


# Every compiled XLA program keeps its machine code in its own memory mappings until JAX's caches
# drop it. A test worker compiles thousands of programs (fresh closures per test), and near the
# kernel's vm.max_map_count (65530 by default) LLVM's next mmap fails and XLA segfaults mid-compile
# (seen in CI at ~42,000 mappings after 40 minutes). So every few tests the worker checks its
# mapping count and, past a safe threshold, releases the compiled programs.
_MAPS_FILE = "/proc/self/maps"
_MAPS_THRESHOLD = 20_000
_CHECK_EVERY = 20
_teardowns = 0


def _mapping_count() -> int:
    try:
        with open(_MAPS_FILE, "rb") as f:
            return sum(1 for _ in f)
    except OSError:  # not Linux: nothing to watch
        return 0


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    global _teardowns
    _teardowns += 1
    if _teardowns % _CHECK_EVERY or _mapping_count() < _MAPS_THRESHOLD:
        return
    if "jax" in sys.modules:
        sys.modules["jax"].clear_caches()
    gc.collect()
