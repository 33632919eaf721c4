"""Forward values for every catalogue op: cross-framework parity, hard mode == framework op,
soft -> hard as softness -> 0."""

from __future__ import annotations

import numpy as np
import pytest

from harness.assertions import assert_close
from harness.cases import case_params
from harness.catalogue import ALL_CASES


@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES))
def test_forward_parity(harnesses, case, mode):
    inputs = case.inputs()
    reference, *others = harnesses
    expected = reference.call(case, inputs, mode)
    for h in others:
        actual = h.call(case, inputs, mode)
        assert len(actual) == len(expected)
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, case.parity_rtol, what=f"{case.id} {mode} output {i}: {h.name} vs {reference.name}")


@pytest.mark.parametrize(("case", "mode"), case_params([c for c in ALL_CASES if c.hard_reference], modes="hard"))
def test_hard_mode_is_the_framework_op(harness, case, mode):
    xp = harness.jnp if harness.name == "jax" else harness.torch
    fw_inputs = harness.convert_inputs(case.inputs())
    ours = harness.call_raw(case, fw_inputs, "hard")
    theirs = case.hard_reference(harness.name, xp, *fw_inputs, **harness.rename(dict(case.kwargs)))
    ours_flat, theirs_flat = list(_flat(ours)), list(_flat(theirs))
    assert len(ours_flat) == len(theirs_flat)
    for o, t in zip(ours_flat, theirs_flat, strict=True):
        assert harness.dtype_name(o) == harness.dtype_name(t), (
            f"{case.id}: dtype {harness.dtype_name(o)} != {harness.dtype_name(t)}"
        )
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_array_equal(harness.to_numpy(o), harness.to_numpy(t))


def _flat(out):
    from harness.backends import flatten_outputs

    return flatten_outputs(out)


@pytest.mark.parametrize(
    ("case", "mode"), case_params([c for c in ALL_CASES if c.near_hard and "hard" in c.modes], modes="soft")
)
def test_soft_approaches_hard(harness, case, mode):
    inputs = case.inputs()
    hard = harness.call(case, inputs, "hard")
    soft = harness.call(case, inputs, mode, softness=case.near_hard_softness)
    for s, h in zip(soft, hard, strict=True):
        np.testing.assert_allclose(s, h, atol=case.near_hard_atol, rtol=0, err_msg=f"{case.id} {mode}")


@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES, modes="all"))
def test_dtype_and_shape_kept(harness, case, mode):
    """float32 in -> float32 out (float64 is checked by parity); shapes agree with float64."""
    inputs = case.inputs()
    out64 = harness.call(case, inputs, mode)
    names = harness.dtypes(case, inputs, mode, dtype="float32")
    out32 = harness.call(case, inputs, mode, dtype="float32")
    assert all(n in ("float32",) for n in names), f"{case.id} {mode}: float32 input gave {names}"
    for a, b in zip(out32, out64, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-3)
