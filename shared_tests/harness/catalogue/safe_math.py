"""Catalogue entries for the autograd-safe utilities (SPEC §1.6): sqrt, arcsin, arccos, div, log, norm.

No mode. Inputs avoid the domain boundaries (0 for sqrt/log, +-1 for arcsin/arccos, y = 0 for div
with differentiated y), where the functions are not differentiable and finite differences are
meaningless; the outside-the-domain branches (value and zero gradient) are covered by inputs
beyond the boundaries, and the boundaries themselves by the robustness tier and
``test_comparison_logic_indexing.py``.
"""

from __future__ import annotations

import numpy as np

from harness.cases import OpCase, away_from


def _around_zero(rng):
    return (away_from(rng.uniform(-2.0, 2.0, size=9), (0.0,), 0.1),)


def _around_one(rng):
    x = away_from(rng.uniform(-1.6, 1.6, size=9), (-1.0, 1.0), 0.05)
    x[3] = 0.0
    return (x,)


def _div(rng):
    return (rng.normal(size=(3, 4)), away_from(rng.uniform(-2.0, 2.0, size=4), (0.0,), 0.3))


def _div_zero_denominator(rng):
    x, y = _div(rng)
    y[0] = y[3] = 0.0  # x[:, 1] (where the NaN test puts its NaN) keeps a non-zero denominator
    return (x, y)


def _robust_div(v):
    # Denominators of magnitude >= 1 (or exactly 0): x / y and its y-derivative -x / y^2 stay representable.
    y = np.where(v == 0, 0.0, np.sign(v) * np.maximum(np.abs(v), 1.0))
    return (v, np.roll(y, 1))


def _norm(rng):
    return (rng.normal(size=(3, 4)),)


def _norm_with_zero_row(rng):
    x = rng.normal(size=(3, 4))
    x[2] = 0.0  # value 0 and gradient 0 there (central differences of |.| at 0 are 0 as well)
    return (x,)


def _robust_norm(v):
    return (np.stack([v, np.roll(v, 1)]),)


CASES = [
    OpCase("sqrt", _around_zero, modes=()),
    OpCase("log", _around_zero, modes=()),
    OpCase("arcsin", _around_one, modes=()),
    OpCase("arccos", _around_one, modes=()),
    OpCase("div", _div, modes=(), diff_argnums=(0, 1), robust_inputs=_robust_div),
    OpCase("div", _div_zero_denominator, modes=(), label="zero-denominator", robust_inputs=_robust_div),
    OpCase(
        "norm",
        _norm,
        modes=(),
        kwargs={"axis": 1},
        elementwise=False,
        robust_inputs=_robust_norm,
        extra_errors=(({"axis": 2}, ValueError, "axis|dim"), ({"keepdims": "no"}, TypeError, "keepdim")),
    ),
    OpCase("norm", _norm, modes=(), elementwise=False, label="all-axes", robust_inputs=_robust_norm),
    OpCase(
        "norm",
        _norm_with_zero_row,
        modes=(),
        kwargs={"axis": -1, "keepdims": True},
        elementwise=False,
        label="zero-row-keepdims",
        robust_inputs=_robust_norm,
        hessian=False,
    ),
]
