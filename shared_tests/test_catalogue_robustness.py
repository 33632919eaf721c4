"""Robustness tier: property-based awkward inputs (ties, zeros, extreme magnitudes), softness from
1e-4 to 1e4, half to double precision, integer inputs, n = 1, NaN/inf inputs.

Properties: outputs (and, in float32/float64, gradients) are finite wherever the input is finite,
dtypes are kept, and a NaN/inf element does not poison unrelated outputs or gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cases import case_list, case_params
from harness.catalogue import ALL_CASES

AWKWARD = [0.0, 0.0, 1.0, -1.0, 0.5, -0.5, 1e-30, -1e-30, 1e30, -1e30, 3.0, 3.0, 7.25]
DTYPES = ["float16", "bfloat16", "float32", "float64"]
SOFTNESS = [1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 1e2, 1e4]
MAX_FINITE = {"float16": 6.0e4, "bfloat16": 3.0e38, "float32": 3.0e38, "float64": 1.0e300}

values_strategy = st.lists(
    st.one_of(st.sampled_from(AWKWARD), st.floats(-1e3, 1e3, allow_nan=False, width=32)), min_size=1, max_size=7
)


def _fit_dtype(values: np.ndarray, dtype: str) -> np.ndarray:
    limit = MAX_FINITE[dtype] / 1e3  # extreme, but representable with headroom for x - y etc.
    return np.clip(values, -limit, limit)


def _fit_inputs(inputs, dtype):
    return tuple(_fit_dtype(np.asarray(a, dtype=np.float64), dtype) if isinstance(a, np.ndarray) else a for a in inputs)


@pytest.mark.parametrize("case", case_list(ALL_CASES))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_finite_outputs_and_dtypes(harness, case, data):
    values = np.asarray(data.draw(values_strategy), dtype=np.float64)
    dtype = data.draw(st.sampled_from(DTYPES))
    mode = data.draw(st.sampled_from(case.modes)) if case.has_mode else None
    softness = data.draw(st.sampled_from(SOFTNESS))
    inputs = _fit_inputs(case.robust(values), dtype)
    fw = harness.convert_inputs(inputs, dtype)
    from harness.backends import flatten_outputs

    outs = flatten_outputs(harness.call_raw(case, fw, mode, softness))
    for o in outs:
        assert harness.dtype_name(o) == dtype, f"{case.id} {mode}: {dtype} input gave {harness.dtype_name(o)}"
        assert np.all(np.isfinite(harness.to_numpy(o))), f"{case.id} {mode} softness={softness} {dtype}: {inputs}"
    if dtype in ("float32", "float64") and mode != "hard":
        _, grads = _grads(harness, case, inputs, mode, softness, dtype)
        for g in grads:
            assert np.all(np.isfinite(g)), f"{case.id} {mode} softness={softness} {dtype}: non-finite gradient"


def _grads(harness, case, inputs, mode, softness, dtype):
    if dtype == "float64":
        return harness.value_and_grad(case, inputs, mode, softness)
    # float32 gradients: go through the framework directly
    from harness.backends import cotangents_for, flatten_outputs

    fw = harness.convert_inputs(inputs, dtype)
    outs = [harness.to_numpy(o) for o in flatten_outputs(harness.call_raw(case, fw, mode, softness))]
    cots = cotangents_for(outs)
    if harness.name == "jax":
        jnp = harness.jnp

        def loss(*d):
            args = list(fw)
            for i, a in zip(case.diff_argnums, d, strict=True):
                args[i] = a
            out = flatten_outputs(harness.call_raw(case, args, mode, softness))
            return sum(jnp.sum(jnp.asarray(c, dtype=o.dtype) * o) for c, o in zip(cots, out, strict=True))

        grads = harness.jax.grad(loss, argnums=tuple(range(len(case.diff_argnums))))(
            *[fw[i] for i in case.diff_argnums]
        )
        return outs, [np.asarray(g) for g in grads]
    torch = harness.torch
    for i in case.diff_argnums:
        fw[i] = fw[i].clone().requires_grad_(True)
    out = flatten_outputs(harness.call_raw(case, fw, mode, softness))
    loss = sum((torch.as_tensor(c, dtype=o.dtype) * o).sum() for c, o in zip(cots, out, strict=True))
    grads = torch.autograd.grad(loss, [fw[i] for i in case.diff_argnums], allow_unused=True)
    return outs, [np.zeros(1) if g is None else harness.to_numpy(g) for g in grads]


@pytest.mark.parametrize("case", case_list([c for c in ALL_CASES if c.int_input_ok]))
def test_integer_inputs(harness, case):
    """Integer inputs are promoted to the framework's default float in soft modes."""
    inputs = tuple(np.round(a * 3).astype(np.int64) if isinstance(a, np.ndarray) else a for a in case.inputs())
    fw = harness.convert_inputs(inputs, dtype=None)
    as_float = harness.convert_inputs(
        [np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in inputs]
    )
    from harness.backends import flatten_outputs

    for mode in case.soft_modes or (None,):
        outs = flatten_outputs(harness.call_raw(case, fw, mode))
        ref = flatten_outputs(harness.call_raw(case, as_float, mode))
        for o, r in zip(outs, ref, strict=True):
            name = harness.dtype_name(o)
            assert name.startswith("float"), f"{case.id} {mode}: integer input gave {name}"
            np.testing.assert_allclose(harness.to_numpy(o), harness.to_numpy(r), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("case", "mode"), case_params([c for c in ALL_CASES if c.elementwise]))
def test_nonfinite_input_does_not_poison_other_elements(harness, case, mode):
    """NaN, +inf and -inf in three elements: NaN propagates, every other element is unaffected."""
    inputs = list(case.inputs())
    first = case.diff_argnums[0]
    x = np.array(inputs[first], dtype=np.float64)
    bad_values = [np.nan, np.inf, -np.inf][: max(1, x.size - 1)]
    bad_index = list(range(1, 1 + len(bad_values))) if x.size > 1 else [0]
    x.reshape(-1)[bad_index] = bad_values
    poisoned = list(inputs)
    poisoned[first] = x
    clean_out = harness.call(case, inputs, mode)
    bad_out = harness.call(case, poisoned, mode)
    for c, b in zip(clean_out, bad_out, strict=True):
        mask = np.ones(c.shape, dtype=bool)
        if c.shape == x.shape:
            mask.reshape(-1)[bad_index] = False
            if mode != "hard":  # hard comparisons follow the framework (NaN > y is False)
                assert np.isnan(b.reshape(-1)[bad_index[0]]), f"{case.id} {mode}: NaN input did not propagate"
        np.testing.assert_array_equal(b[mask], c[mask])
    if mode != "hard":
        _, g_clean = harness.value_and_grad(case, inputs, mode)
        _, g_bad = harness.value_and_grad(case, poisoned, mode)
        gc, gb = g_clean[0], g_bad[0]
        mask = np.ones(gc.shape, dtype=bool)
        mask.reshape(-1)[bad_index] = False
        assert np.all(np.isfinite(gb[mask])), f"{case.id} {mode}: non-finite inputs poisoned other gradients"
        np.testing.assert_allclose(gb[mask], gc[mask], rtol=1e-12, atol=1e-300)
