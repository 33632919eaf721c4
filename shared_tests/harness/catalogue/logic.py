"""Catalogue entries for the fuzzy-logic ops (SPEC §1.3, §4): no mode, no softness.

Inputs are probabilities in [0.05, 0.95], away from the epsilon floor of the geometric mean (where
its derivative jumps); robustness inputs are the awkward values clipped to [0, 1], so exact zeros
and ones are covered there.
"""

from __future__ import annotations

import numpy as np

from harness.cases import OpCase


def _p(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.uniform(0.05, 0.95, size=shape)


def _unary(rng):
    return (_p(rng, (3, 4)),)


def _binary(rng):
    return (_p(rng, (3, 4)), _p(rng, (4,)))


def _reduce(rng):
    return (_p(rng, (3, 5)),)


def _robust_unary(v):
    return (np.clip(v, 0.0, 1.0),)


def _robust_binary(v):
    return (np.clip(v, 0.0, 1.0), np.clip(np.roll(v, 1), 0.0, 1.0))


GEO = {"use_geometric_mean": True}
BAD_GEO = (({"use_geometric_mean": "yes"}, TypeError, "use_geometric_mean"),)
BAD_AXIS = (({"axis": 2}, ValueError, "axis|dim"), ({"axis": 1.0}, TypeError, "axis|dim"))

CASES = [OpCase("logical_not", _unary, modes=(), robust_inputs=_robust_unary)]
for _name in ("logical_and", "logical_or", "logical_xor"):
    CASES += [
        OpCase(_name, _binary, modes=(), diff_argnums=(0, 1), robust_inputs=_robust_binary, extra_errors=BAD_GEO),
        OpCase(
            _name, _binary, modes=(), diff_argnums=(0, 1), robust_inputs=_robust_binary, kwargs=GEO, label="geometric"
        ),
    ]
for _name in ("all", "any"):
    CASES += [
        OpCase(
            _name, _reduce, modes=(), elementwise=False, robust_inputs=_robust_unary, extra_errors=BAD_GEO + BAD_AXIS
        ),
        OpCase(
            _name,
            _reduce,
            modes=(),
            elementwise=False,
            robust_inputs=_robust_unary,
            kwargs={**GEO, "axis": 0},
            label="geometric-axis0",
        ),
        OpCase(
            _name,
            _reduce,
            modes=(),
            elementwise=False,
            robust_inputs=_robust_unary,
            kwargs={"axis": None},
            label="axis-none",
        ),
    ]
CASES.append(
    OpCase(
        "all",
        _reduce,
        modes=(),
        elementwise=False,
        robust_inputs=_robust_unary,
        kwargs={**GEO, "epsilon": 1e-3},
        label="geometric-epsilon",
        extra_errors=(({"epsilon": -1.0}, ValueError, "epsilon"),),
    )
)
