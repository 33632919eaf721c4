"""Development sessions for the softjax / softtorch monorepo.

    python3 -m pip install nox
    python3 -m nox -s demo                # train a soft threshold classifier in JAX and PyTorch
    python3 -m nox -s tests               # the test suite CI runs (everything except the `slow` tier)
    python3 -m nox -s lint                # ruff check, ruff format --check, mypy on softcore
    python3 -m nox -s isolated-jax isolated-torch   # each wrapper installed without the other framework
    python3 -m nox -s build               # wheels + sdists of the three packages into dist/

Extra pytest arguments go after ``--``: ``nox -s tests -- -x -k sigmoidal``; ``nox -s tests -- -m slow``
runs only the slow tier, ``nox -s tests -- -m ""`` runs every tier.

Virtual environments use the standard library ``venv`` and pip (``uv`` would resolve a multi-GB CUDA
build of torch); they are reused between runs. Environment variables:

* ``SOFT_TORCH_SPEC`` (default ``torch==2.13.0``, a CPU wheel that the development machines hold
  locally) and ``SOFT_JAX_SPEC`` (default ``jax>=0.4.35``) choose the framework versions;
* ``SOFT_TEST_BACKENDS`` overrides the backends the ``tests`` session runs (default ``jax,torch``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import nox

nox.needs_version = ">=2024.10.9"
nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "tests"]

ROOT = Path(__file__).parent
PYTHON = "3.11"


def _group(name: str) -> list[str]:
    """Requirement strings of a ``[dependency-groups]`` entry (pip 23 has no ``--group``)."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    out: list[str] = []
    for item in groups[name]:
        out += _group(item["include-group"]) if isinstance(item, dict) else [item]
    return out


FRAMEWORK = {
    "jax": os.environ.get("SOFT_JAX_SPEC", "jax>=0.4.35"),
    "torch": os.environ.get("SOFT_TORCH_SPEC", "torch==2.13.0"),
}
PACKAGE_DIR = {"core": "packages/softcore", "jax": "packages/softjax", "torch": "packages/softtorch"}
# Two workers: CI machines have 2 cores and most tests are single-threaded Python + small kernels.
DEFAULT_PYTEST_ARGS = ["-m", "not slow", "-n", os.environ.get("SOFT_TEST_WORKERS", "2")]


def _editable(*names: str) -> list[str]:
    args: list[str] = []
    for name in names:
        args += ["-e", PACKAGE_DIR[name]]
    return args


def _pytest(session: nox.Session, backends: str) -> None:
    session.run(
        "python",
        "-m",
        "pytest",
        *DEFAULT_PYTEST_ARGS,
        *session.posargs,
        env={"SOFT_TEST_BACKENDS": backends},
    )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The shared suite on JAX and PyTorch in one environment: the command CI runs."""
    session.install(*_group("test"), FRAMEWORK["jax"], FRAMEWORK["torch"], *_editable("core", "jax", "torch"))
    _pytest(session, os.environ.get("SOFT_TEST_BACKENDS", "jax,torch"))


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint + format check) on the whole tree and mypy on the framework-free core."""
    session.install(*_group("lint"), *_editable("core"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "packages/softcore/src")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Train a soft threshold classifier with softjax and softtorch and compare the two."""
    session.install(FRAMEWORK["jax"], FRAMEWORK["torch"], *_editable("core", "jax", "torch"))
    session.run("python", "examples/demo.py", *session.posargs)


def _isolated(session: nox.Session, framework: str) -> None:
    other = {"jax": "torch", "torch": "jax"}[framework]
    session.install(*_group("test"), FRAMEWORK[framework], *_editable("core", framework))
    session.run(
        "python",
        "-c",
        f"import importlib.util, sys; import soft{framework}; "
        f"assert importlib.util.find_spec('{other}') is None, '{other} must not be installed here'; "
        f"assert '{other}' not in sys.modules, 'soft{framework} imported {other}'; "
        f"print('soft{framework} imports without {other}')",
    )
    _pytest(session, framework)


@nox.session(name="isolated-jax", python=PYTHON, default=False)
def isolated_jax(session: nox.Session) -> None:
    """softcore + softjax only (no torch installed): import check and the suite on JAX."""
    _isolated(session, "jax")


@nox.session(name="isolated-torch", python=PYTHON, default=False)
def isolated_torch(session: nox.Session) -> None:
    """softcore + softtorch only (no jax installed): import check and the suite on PyTorch."""
    _isolated(session, "torch")


@nox.session(python=PYTHON, default=False)
def build(session: nox.Session) -> None:
    """Wheels and sdists of the three packages into dist/, then a clean install of two wheels."""
    session.install("build>=1.2")
    dist = ROOT / "dist"
    for old in dist.glob("soft*"):
        old.unlink()
    for name in ("core", "jax", "torch"):
        session.run("python", "-m", "build", "--outdir", str(dist), PACKAGE_DIR[name])
    # The wrappers pin softcore==X.Y.Z exactly; installing the local wheels side by side must resolve.
    venv = Path(session.create_tmp()) / "wheel-check"
    session.run("python", "-m", "venv", "--clear", str(venv))
    py = str(venv / "bin" / "python")
    wheels = [str(next(dist.glob(f"{name}-*.whl"))) for name in ("softcore", "softjax")]
    session.run(py, "-m", "pip", "install", "--quiet", *wheels, FRAMEWORK["jax"], external=True)
    check = "import softcore, softjax; print('wheels install and import:', softcore.__version__, softjax.__version__)"
    session.run(py, "-c", check, external=True)
