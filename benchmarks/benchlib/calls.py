"""How each implementation computes a benchmark case: a function ``x -> array`` for one framework.

``soft`` calls whichever ``softjax`` / ``softtorch`` the interpreter imports (this repository's, or an
older release installed in a separate venv; both share the public signatures used here), ``hard``
the framework's own op, ``torchsort`` / ``diffsort`` the third-party PyTorch libraries when they are
installed. Every call uses ``softness=SOFTNESS`` and the library defaults otherwise.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchlib.grid import QUANTILES, Case, top_k_k

SOFTNESS = 0.1
#: Bounds of the ``clip`` cases.
CLIP = (-0.5, 0.5)


class NotApplicable(Exception):
    """The implementation has no equivalent of the case (reported as ``n/a``, not as an error)."""


@dataclass
class Target:
    """What a case runs: ``fn(x)`` returns one array; ``differentiable`` False skips the backward
    timing (hard ops with integer outputs); ``library`` names the package and version."""

    fn: Callable[[Any], Any]
    library: str
    differentiable: bool = True


def library_version(name: str) -> str:
    """``"name X.Y.Z"`` of an importable module (raises NotApplicable when it is missing)."""
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise NotApplicable(f"{name} is not installed") from exc
    version = getattr(module, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version(name)
    return f"{name} {version}"


def _first(out: Any) -> Any:
    """The values of a ``(values, index)`` result (tuples and torch's named tuples)."""
    return out[0] if isinstance(out, tuple) else out


def build(case: Case, device: str = "cpu") -> Target:
    """The :class:`Target` of ``case`` (NotApplicable when its implementation cannot run it); ``device``
    is the torch device (only diffsort, which builds its network up front, needs it)."""
    if case.impl == "soft":
        return _soft(case)
    if case.impl == "hard":
        return _hard_jax(case) if case.framework == "jax" else _hard_torch(case)
    if case.impl == "torchsort":
        return _torchsort(case)
    if case.impl == "diffsort":
        return _diffsort(case, device)
    raise ValueError(f"unknown implementation {case.impl!r}")


# ---------------------------------------------------------------------------------------------
# soft: softjax / softtorch (ours or an older release)
# ---------------------------------------------------------------------------------------------


def _soft(case: Case) -> Target:
    name = "softjax" if case.framework == "jax" else "softtorch"
    library = library_version(name)
    lib = importlib.import_module(name)
    kw = {"softness": SOFTNESS, "mode": case.mode}
    if case.kind == "elementwise":
        return Target(_soft_elementwise(lib, case.framework, case.op, kw), library)
    kw["method"] = case.method
    fn = _soft_axiswise_jax(lib, case, kw) if case.framework == "jax" else _soft_axiswise_torch(lib, case, kw)
    return Target(fn, library)


def _soft_elementwise(lib: Any, framework: str, op: str, kw: dict[str, Any]) -> Callable[[Any], Any]:
    if op == "clip":
        clip = lib.clip if framework == "jax" else lib.clamp
        return lambda x: clip(x, *CLIP, **kw)
    fn = getattr(lib, op)
    return lambda x: fn(x, **kw)


def _soft_axiswise_jax(lib: Any, case: Case, kw: dict[str, Any]) -> Callable[[Any], Any]:
    import jax.numpy as jnp

    op, k = case.op, top_k_k(case.n)
    q = jnp.asarray(QUANTILES, dtype=jnp.float32)
    calls: dict[str, Callable[[Any], Any]] = {
        "sort": lambda x: lib.sort(x, axis=-1, **kw),
        "rank": lambda x: lib.rank(x, axis=-1, **kw),
        "argsort": lambda x: lib.argsort(x, axis=-1, **kw),
        "max": lambda x: lib.max(x, axis=-1, **kw),
        "argmax": lambda x: lib.argmax(x, axis=-1, **kw),
        "quantile": lambda x: lib.quantile(x, q, axis=-1, **kw),
        "top_k": lambda x: _first(lib.top_k(x, k, axis=-1, **kw)),
    }
    return calls[op]


def _soft_axiswise_torch(lib: Any, case: Case, kw: dict[str, Any]) -> Callable[[Any], Any]:
    import torch

    op, k = case.op, top_k_k(case.n)
    q = torch.tensor(QUANTILES, dtype=torch.float32)
    calls: dict[str, Callable[[Any], Any]] = {
        "sort": lambda x: lib.sort(x, dim=-1, return_indices=False, **kw).values,
        "rank": lambda x: lib.rank(x, dim=-1, **kw),
        "argsort": lambda x: lib.argsort(x, dim=-1, **kw),
        "max": lambda x: _first(lib.max(x, dim=-1, **kw)),
        "argmax": lambda x: lib.argmax(x, dim=-1, **kw),
        "quantile": lambda x: lib.quantile(x, q.to(x.device), dim=-1, **kw),
        "top_k": lambda x: _first(lib.topk(x, k, dim=-1, **kw)),
    }
    return calls[op]


# ---------------------------------------------------------------------------------------------
# hard: the framework's own op (the lower bound)
# ---------------------------------------------------------------------------------------------

#: Hard ops whose output carries no gradient (integer indices, steps): forward only.
_NOT_DIFFERENTIABLE = ("rank", "argsort", "argmax", "sigmoidal", "heaviside")


def _hard_jax(case: Case) -> Target:
    import jax
    import jax.numpy as jnp

    k, q = top_k_k(case.n), jnp.asarray(QUANTILES, dtype=jnp.float32)
    calls: dict[str, Callable[[Any], Any]] = {
        "sort": lambda x: jnp.sort(x, axis=-1),
        "rank": lambda x: jnp.argsort(jnp.argsort(x, axis=-1), axis=-1),
        "argsort": lambda x: jnp.argsort(x, axis=-1),
        "max": lambda x: jnp.max(x, axis=-1),
        "argmax": lambda x: jnp.argmax(x, axis=-1),
        "quantile": lambda x: jnp.quantile(x, q, axis=-1),
        "top_k": lambda x: jax.lax.top_k(x, k)[0],
        "sigmoidal": lambda x: (x > 0).astype(x.dtype),
        "softrelu": jax.nn.relu,
        "relu": jax.nn.relu,
        "clip": lambda x: jnp.clip(x, *CLIP),
        "round": jnp.round,
        "abs": jnp.abs,
        "sign": jnp.sign,
        "heaviside": lambda x: (x > 0).astype(x.dtype),
    }
    return Target(calls[case.op], f"jax {jax.__version__}", case.op not in _NOT_DIFFERENTIABLE)


def _hard_torch(case: Case) -> Target:
    import torch

    k, q = top_k_k(case.n), torch.tensor(QUANTILES, dtype=torch.float32)
    calls: dict[str, Callable[[Any], Any]] = {
        "sort": lambda x: torch.sort(x, dim=-1).values,
        "rank": lambda x: torch.argsort(torch.argsort(x, dim=-1), dim=-1),
        "argsort": lambda x: torch.argsort(x, dim=-1),
        "max": lambda x: torch.amax(x, dim=-1),
        "argmax": lambda x: torch.argmax(x, dim=-1),
        "quantile": lambda x: torch.quantile(x, q.to(x.device), dim=-1),
        "top_k": lambda x: torch.topk(x, k, dim=-1).values,
        "sigmoidal": lambda x: (x > 0).to(x.dtype),
        "softrelu": torch.relu,
        "relu": torch.relu,
        "clip": lambda x: torch.clamp(x, *CLIP),
        "round": torch.round,
        "abs": torch.abs,
        "sign": torch.sign,
        "heaviside": lambda x: (x > 0).to(x.dtype),
    }
    return Target(calls[case.op], f"torch {torch.__version__}", case.op not in _NOT_DIFFERENTIABLE)


# ---------------------------------------------------------------------------------------------
# third-party PyTorch libraries (optional; only in the comparison venv when they install)
# ---------------------------------------------------------------------------------------------


def _torchsort(case: Case) -> Target:
    library = library_version("torchsort")
    import torchsort

    fn = {"sort": torchsort.soft_sort, "rank": torchsort.soft_rank}.get(case.op)
    if fn is None:
        raise NotApplicable(f"torchsort has no {case.op}")
    return Target(lambda x: fn(x, regularization_strength=SOFTNESS), library)


def _diffsort(case: Case, device: str) -> Target:
    library = library_version("diffsort")
    if case.op != "sort":
        raise NotApplicable(f"diffsort has no {case.op}")
    if case.n & (case.n - 1):
        raise NotApplicable("diffsort's bitonic network needs a power-of-two n")
    from diffsort import DiffSortNet

    net = DiffSortNet("bitonic", case.n, device=device, steepness=1.0 / SOFTNESS, distribution="logistic")
    return Target(lambda x: net(x)[0], library)
