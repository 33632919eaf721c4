"""Error tier: every invalid argument raises ValueError/TypeError naming the argument."""

from __future__ import annotations

import pytest

from harness.cases import case_list
from harness.catalogue import ALL_CASES

MODE_CASES = [c for c in ALL_CASES if c.has_mode]


def _call(harness, case, **override):
    fw = harness.convert_inputs(case.inputs())
    kwargs = harness.op_kwargs(case, case.soft_modes[0] if case.has_mode else None, case.softness)
    kwargs.update(harness.rename(override))
    return harness.fn(case)(*fw, **kwargs)


@pytest.mark.parametrize("case", case_list(MODE_CASES))
def test_invalid_mode(harness, case):
    for bad_mode in ["soft", "Smooth", "", "c3", None, 1]:
        with pytest.raises((ValueError, TypeError), match="mode"):
            _call(harness, case, mode=bad_mode)


@pytest.mark.parametrize("case", case_list(MODE_CASES))
def test_invalid_softness(harness, case):
    for bad_softness in [0.0, -0.1, float("nan"), -1]:
        with pytest.raises(ValueError, match="softness"):
            _call(harness, case, softness=bad_softness)
    for bad_softness in ["0.1", None, True]:
        with pytest.raises(TypeError, match="softness"):
            _call(harness, case, softness=bad_softness)


@pytest.mark.parametrize(
    ("case", "override", "exc", "match"),
    [pytest.param(c, o, e, m, id=f"{c.id}-{m}", marks=c.marks) for c in ALL_CASES for (o, e, m) in c.extra_errors],
)
def test_case_specific_errors(harness, case, override, exc, match):
    with pytest.raises(exc, match=match):
        _call(harness, case, **override)
