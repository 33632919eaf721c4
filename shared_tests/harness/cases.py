"""The op catalogue entry (`OpCase`) and the JAX -> PyTorch naming tables.

One `OpCase` describes how to call one public op (by its softjax name) with NumPy-generated
inputs; every generic test (parity, finite differences, Hessians, transforms, robustness, errors,
API surface) is parametrised over the catalogue, so adding a case gives an op all checks at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: softjax name -> softtorch name, where they differ (SPEC §1.0).
TORCH_NAMES: dict[str, str] = {
    "clip": "clamp",
    "equal": "eq",
    "top_k": "topk",
    "take_along_axis": "take_along_dim",
    "dynamic_index_in_dim": "index_select",
    "dynamic_slice_in_dim": "narrow",
    "clip_st": "clamp_st",
    "equal_st": "eq_st",
    "top_k_st": "topk_st",
    "_argtop_k": "_argtopk",
}

#: softjax keyword -> softtorch keyword.
TORCH_KWARGS: dict[str, str] = {
    "axis": "dim",
    "keepdims": "keepdim",
    "quantile_method": "interpolation",
    "soft_start_index": "soft_start",
    "slice_size": "length",
}

ELEMENTWISE_SOFT_MODES = ("smooth", "c0", "c1", "c2", "_c1_pnorm", "_c2_pnorm")
ALL_MODES = ("hard", *ELEMENTWISE_SOFT_MODES)
#: Modes whose outputs are twice differentiable (Hessians are checked for these).
SMOOTH_ENOUGH_FOR_HESSIAN = ("smooth", "c1", "c2", "_c1_pnorm", "_c2_pnorm")

Inputs = tuple[Any, ...]


def _default_robust_inputs(values: np.ndarray, n_inputs: int) -> Inputs:
    """Spread one 1-D array of awkward values over the op's positional inputs."""
    return tuple(np.roll(values, i) for i in range(n_inputs))


@dataclass(frozen=True)
class OpCase:
    """How to call one op in the generic tests.

    name:         the softjax name (softtorch name from `TORCH_NAMES`).
    make_inputs:  rng -> tuple of float64 NumPy arrays (tie-free, away from kinks of c0/c1/c2).
                  Entries may also be Python scalars/ints (passed through unchanged).
    kwargs:       extra keyword arguments in JAX naming (renamed for torch via `TORCH_KWARGS`).
    modes:        modes to test ("hard" included when the op has one); () for ops without mode.
    diff_argnums: positional inputs that are differentiated.
    hard_reference: (framework_name, xp_module, *inputs, **kwargs) -> the framework's own op result
                  for hard mode (e.g. jnp.greater(x, y).astype(float)); None if not applicable.
    robust_inputs: 1-D float array of awkward values -> inputs (ties, extremes, zeros, ...).
    elementwise:  outputs depend on inputs elementwise (NaN in one element must not poison others).
    label:        distinguishes several cases of the same op (e.g. "gated").
    near_hard_softness: softness at which the soft op must be within `near_hard_atol` of hard.
    """

    name: str
    make_inputs: Callable[[np.random.Generator], Inputs]
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    modes: tuple[str, ...] = ALL_MODES
    diff_argnums: tuple[int, ...] = (0,)
    hard_reference: Callable[..., Any] | None = None
    robust_inputs: Callable[[np.ndarray], Inputs] | None = None
    elementwise: bool = True
    label: str = ""
    softness: float = 0.1
    near_hard_softness: float = 1e-4
    near_hard_atol: float = 1e-2
    near_hard: bool = True
    parity_rtol: float = 1e-12
    fd_rtol: float = 1e-6
    hessian: bool = True
    int_input_ok: bool = True
    extra_errors: tuple[tuple[Mapping[str, Any], type[Exception], str], ...] = ()
    #: run this case's generic tiers only in the `slow` tier (`nox -s tests -- -m slow`)
    slow: bool = False

    @property
    def id(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name

    @property
    def has_mode(self) -> bool:
        return bool(self.modes)

    @property
    def soft_modes(self) -> tuple[str, ...]:
        return tuple(m for m in self.modes if m not in ("hard", "_hard"))  # _hard: private, no gradient

    @property
    def marks(self) -> tuple[Any, ...]:
        import pytest

        return (pytest.mark.slow,) if self.slow else ()

    def torch_name(self) -> str:
        return TORCH_NAMES.get(self.name, self.name)

    def inputs(self, seed: int = 0) -> Inputs:
        return self.make_inputs(np.random.default_rng(seed))

    def robust(self, values: np.ndarray) -> Inputs:
        if self.robust_inputs is not None:
            return self.robust_inputs(values)
        n_inputs = len(self.inputs())
        return _default_robust_inputs(values, n_inputs)


def away_from(values: np.ndarray, points: tuple[float, ...], gap: float) -> np.ndarray:
    """Push values that lie within `gap` of any of `points` to a safe distance (keeps sign)."""
    out = np.array(values, dtype=np.float64)
    for p in points:
        close = np.abs(out - p) < gap
        out[close] = p + np.where(out[close] >= p, gap, -gap)
    return out


def case_params(cases: list[OpCase], *, modes: str = "all") -> list[Any]:
    """pytest params (case, mode) with readable ids; modes: 'all', 'soft', 'hessian', 'hard'."""
    import pytest

    params = []
    for c in cases:
        if not c.has_mode:
            if modes in ("all", "soft") or (modes == "hessian" and c.hessian):
                params.append(pytest.param(c, None, id=c.id, marks=c.marks))
            continue
        if modes == "all":
            chosen = c.modes
        elif modes == "soft":
            chosen = c.soft_modes
        elif modes == "hessian":
            chosen = tuple(m for m in c.soft_modes if m in SMOOTH_ENOUGH_FOR_HESSIAN) if c.hessian else ()
        elif modes == "hard":
            chosen = ("hard",) if "hard" in c.modes else ()
        else:
            raise ValueError(modes)
        params.extend(pytest.param(c, m, id=f"{c.id}-{m}", marks=c.marks) for m in chosen)
    return params


def case_list(cases: list[OpCase]) -> list[Any]:
    """pytest params of whole cases (no mode axis), carrying each case's marks."""
    import pytest

    return [pytest.param(c, id=c.id, marks=c.marks) for c in cases]
