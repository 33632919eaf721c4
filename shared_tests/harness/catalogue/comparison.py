"""Catalogue entries for the comparisons (SPEC §1.2, §3.4).

With softness 0.1 the piecewise modes have kinks where ``|x - y| = 5 * 0.1 = 0.5`` (for
``equal``/``not_equal``/``isclose`` through the soft ``abs`` as well): differences are kept at
least 0.03 away from them and from 0 (a tie is a jump of the hard op, so the near-hard check
needs a gap well above the near-hard transition width ``5e-4``). Exact ties get their own cases
for the ops that are continuous there in the hard limit (``equal``, ``not_equal``, ``isclose``).
"""

from __future__ import annotations

import numpy as np

from harness.cases import OpCase, away_from

KINKS = (-0.5, 0.0, 0.5)
NAMES = ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isclose")
TORCH_OPS = {
    "greater": "gt",
    "greater_equal": "ge",
    "less": "lt",
    "less_equal": "le",
    "equal": "eq",
    "not_equal": "ne",
    "isclose": "isclose",
}


def _pair(rng: np.random.Generator):
    """x (3, 4) and y (4,) (broadcasting), differences away from the kinks and from ties."""
    y = rng.uniform(-1.0, 1.0, size=4)
    d = away_from(rng.uniform(-1.2, 1.2, size=(3, 4)), KINKS, 0.03)
    return (y + d, y)


def _pair_with_ties(rng: np.random.Generator):
    x, y = _pair(rng)
    x[0, 0], x[2, 3] = y[0], y[3]  # exact ties (flat index 0 and 11: not hit by the NaN test)
    return (x, y)


def _scalar_y(rng: np.random.Generator):
    return (0.3 + away_from(rng.uniform(-1.2, 1.2, size=7), KINKS, 0.03), 0.3)


def _hard(name):
    def ref(fw, xp, x, y, **kwargs):
        kwargs = {k: v for k, v in kwargs.items() if k in ("rtol", "atol")}  # not epsilon
        if fw == "torch":
            out = getattr(xp, TORCH_OPS[name])(x, xp.as_tensor(y, dtype=x.dtype), **kwargs)
            return out.to(x.dtype)
        out = getattr(xp, name)(x, y, **kwargs)
        return out.astype(xp.result_type(x, y))

    return ref


ERRORS = (
    ({"epsilon": -1e-3}, ValueError, "epsilon"),
    ({"epsilon": None}, TypeError, "epsilon"),
)


CASES = [OpCase(name, _pair, diff_argnums=(0, 1), hard_reference=_hard(name), extra_errors=ERRORS) for name in NAMES]
CASES += [
    OpCase(
        name,
        _pair_with_ties,
        diff_argnums=(0, 1),
        hard_reference=_hard(name),
        label="ties",
        # isclose at a tie is 2 sigma((atol + rtol |y|) / softness) (SPEC §3.4): above 1 + 1e-2 at
        # the near-hard softness 1e-4, so its tie case skips the near-hard check.
        near_hard=name != "isclose",
    )
    for name in ("equal", "not_equal", "isclose")
]
CASES += [
    OpCase("greater", _scalar_y, hard_reference=_hard("greater"), label="scalar-y", robust_inputs=lambda v: (v, 0.3)),
    OpCase("isclose", _scalar_y, hard_reference=_hard("isclose"), label="scalar-y", robust_inputs=lambda v: (v, 0.3)),
    OpCase(
        "less_equal",
        _pair,
        diff_argnums=(0, 1),
        kwargs={"epsilon": 1e-3},
        hard_reference=_hard("less_equal"),
        label="epsilon",
    ),
    OpCase(
        "isclose",
        _pair,
        diff_argnums=(0, 1),
        kwargs={"rtol": 0.01, "atol": 0.002},
        hard_reference=_hard("isclose"),
        label="tolerances",
        extra_errors=(
            ({"rtol": -0.1}, ValueError, "rtol"),
            ({"atol": "0.1"}, TypeError, "atol"),
            ({"atol": float("inf")}, ValueError, "atol"),
        ),
    ),
]
