"""Development sessions for the softjax / softtorch monorepo.

    python3 -m pip install nox
    python3 -m nox -s demo                # train a soft threshold classifier in JAX and PyTorch
    python3 -m nox -s tests               # the test suite CI runs (everything except the `slow` tier)
    python3 -m nox -s lint                # ruff check, ruff format --check, mypy on softcore
    python3 -m nox -s isolated-jax isolated-torch   # each wrapper installed without the other framework
    python3 -m nox -s build               # wheels + sdists of the three packages into dist/
    python3 -m nox -s bench -- --quick    # benchmark runner (benchmarks/run.py; a few minutes with --quick)
    python3 -m nox -s bench-compare       # ours vs softjax/softtorch 0.1.1 and the hard ops (benchmarks/compare.py)
    python3 -m nox -s docs                # the documentation site (mkdocs, strict) into site/

Extra pytest arguments go after ``--``: ``nox -s tests -- -x -k sigmoidal``; ``nox -s tests -- -m slow``
runs only the slow tier, ``nox -s tests -- -m ""`` runs every tier.

Virtual environments use the standard library ``venv`` and pip (``uv`` would resolve a multi-GB CUDA
build of torch); they are reused between runs. Environment variables:

* ``SOFT_TORCH_SPEC`` (default ``torch==2.13.0``, a CPU wheel that the development machines hold
  locally) and ``SOFT_JAX_SPEC`` (default ``jax>=0.4.35``) choose the framework versions;
* ``SOFT_TEST_BACKENDS`` overrides the backends the ``tests`` session runs (default ``jax,torch``);
* ``SOFT_BENCH_JAX_SPEC`` (default ``jax==0.10.2``): the JAX of both benchmark sessions and of the
  0.1.1 venv, pinned so that figures of different runs and of both sides compare.
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


@nox.session(python=PYTHON, default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site into site/ with ``mkdocs build --strict`` (any warning fails)."""
    session.install(*_group("docs"), FRAMEWORK["jax"], FRAMEWORK["torch"], *_editable("core", "jax", "torch"))
    # NO_MKDOCS_2_WARNING: mkdocs-material's end-of-life banner, printed on every build.
    session.run("mkdocs", "build", "--strict", *session.posargs, env={"NO_MKDOCS_2_WARNING": "1"})


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


# ---------------------------------------------------------------------------------------------
# benchmarks
# ---------------------------------------------------------------------------------------------

BENCH_JAX = os.environ.get("SOFT_BENCH_JAX_SPEC", "jax==0.10.2")
#: The releases compared against; they declare Requires-Python >= 3.12 but run on 3.11, so they are
#: installed with --ignore-requires-python --no-deps into their own venv (never into ours).
OLD_RELEASES = ("softjax==0.1.1", "softtorch==0.1.1")
#: Their runtime requirements (wheel metadata), installed normally so pip picks 3.11-compatible builds.
OLD_RELEASE_DEPS = (
    "equinox>=0.13.1",
    "jaxtyping>=0.3.2",
    "lineax>=0.0.8",
    "optimistix>=0.0.9",
    "ott-jax>=0.5.0",
    "numba>=0.61",
    "numpy>=1.26",
    "pot>=0.9.3",
    "torchopt>=0.7.0",
)
#: Optional third-party baselines: benchmarked where they install, skipped (n/a) where they do not.
THIRD_PARTY_BASELINES = (("diffsort",), ("--no-build-isolation", "torchsort"))


def _bench_install(session: nox.Session) -> None:
    # torch first: with the pinned CPU wheel resolved up front, nothing pulls a CUDA build.
    session.install(FRAMEWORK["torch"], BENCH_JAX, *_group("bench"), *_editable("core", "jax", "torch"))


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """benchmarks/run.py: time and memory of the soft ops (``nox -s bench -- --quick``; options after --)."""
    _bench_install(session)
    session.run("python", "benchmarks/run.py", *session.posargs)


def _old_release_python(session: nox.Session) -> str:
    """A venv (kept between runs) with softjax/softtorch 0.1.1, their dependencies, and the
    third-party baselines that install cleanly; returns its interpreter."""
    venv = Path(session.create_tmp()) / "soft-0.1.1"
    py = str(venv / "bin" / "python")
    if not (venv / "bin" / "python").exists():
        session.run("python", "-m", "venv", str(venv))
    pip = [py, "-m", "pip", "install", "--quiet"]
    session.run(*pip, FRAMEWORK["torch"], BENCH_JAX, *OLD_RELEASE_DEPS, *_group("bench"), external=True)
    session.run(*pip, "--ignore-requires-python", "--no-deps", *OLD_RELEASES, external=True)
    for args in THIRD_PARTY_BASELINES:
        session.run(*pip, *args, external=True, success_codes=[0, 1])
    return py


@nox.session(name="bench-compare", python=PYTHON, default=False)
def bench_compare(session: nox.Session) -> None:
    """benchmarks/compare.py: this repository vs softjax/softtorch 0.1.1 and the hard ops (options after --)."""
    _bench_install(session)
    session.run("python", "benchmarks/compare.py", "--old-python", _old_release_python(session), *session.posargs)
