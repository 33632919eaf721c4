"""Straight-through: every ``*_st`` op has the hard op's value and the soft op's gradient; ``st``
and ``grad_replace`` on user functions (pytrees, positional mode, no mode parameter)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import selected_backends

from harness.assertions import assert_close
from harness.cases import case_params
from harness.catalogue import ALL_CASES


def _has_st(case):
    import importlib

    from harness.cases import TORCH_NAMES

    for backend in selected_backends():
        api = importlib.import_module(f"soft{backend}")
        name = f"{case.name}_st" if backend == "jax" else TORCH_NAMES.get(f"{case.name}_st", f"{case.name}_st")
        if name not in api.__all__:
            return False
    return True


ST_CASES = [dataclasses.replace(c, name=f"{c.name}_st") for c in ALL_CASES if "hard" in c.modes and _has_st(c)]
BASE = {c.id.replace(c.name, f"{c.name}_st", 1): c for c in ALL_CASES}


def test_every_op_with_a_hard_mode_has_an_st_variant():
    for c in ALL_CASES:
        if "hard" in c.modes and not c.name.startswith("_"):
            assert _has_st(c), f"{c.name}_st missing"


@pytest.mark.parametrize(("case", "mode"), case_params(ST_CASES, modes="soft"))
def test_st_forward_is_hard_and_gradient_is_soft(harness, case, mode):
    base = BASE[case.id]
    inputs = case.inputs()
    st_out, st_grad = harness.value_and_grad(case, inputs, mode)
    hard_out = harness.call(base, inputs, "hard")
    _, soft_grad = harness.value_and_grad(base, inputs, mode)
    for a, h in zip(st_out, hard_out, strict=True):
        np.testing.assert_array_equal(a, h)
    for a, s in zip(st_grad, soft_grad, strict=True):
        assert_close(a, s, 1e-12, what=f"{case.id} {mode} gradient")


def test_st_on_user_functions(harness):
    api = harness.api
    x = harness.to_fw(np.array([-1.0, 0.3, 2.0]))
    relu_hard = np.array([0.0, 0.3, 2.0])

    @api.st
    def positional_mode(x, softness=0.1, mode="c1"):
        return (api.relu(x, softness, mode), None)

    @api.st
    def no_mode_parameter(x, **kwargs):
        return [api.relu(x, **kwargs)]

    for fn, kwargs in ((positional_mode, {}), (positional_mode, {"mode": "smooth"}), (no_mode_parameter, {})):
        out = fn(x, **kwargs)
        assert out[-1] is None if fn is positional_mode else True
        np.testing.assert_array_equal(harness.to_numpy(out[0]), relu_hard)
    # positional mode argument
    np.testing.assert_array_equal(harness.to_numpy(positional_mode(x, 0.1, "c0")[0]), relu_hard)

    def grad_of(fn, **kwargs):
        if harness.name == "jax":
            return np.asarray(harness.jax.grad(lambda t: fn(t, **kwargs)[0].sum())(x))
        t = x.clone().requires_grad_(True)
        fn(t, **kwargs)[0].sum().backward()
        return harness.to_numpy(t.grad)

    def soft_grad(mode):
        if harness.name == "jax":
            return np.asarray(harness.jax.grad(lambda t: api.relu(t, 0.1, mode).sum())(x))
        t = x.clone().requires_grad_(True)
        api.relu(t, 0.1, mode).sum().backward()
        return harness.to_numpy(t.grad)

    assert_close(grad_of(positional_mode), soft_grad("c1"), 1e-12)
    assert_close(grad_of(positional_mode, mode="smooth"), soft_grad("smooth"), 1e-12)
    assert_close(grad_of(no_mode_parameter), soft_grad("smooth"), 1e-12)

    @api.grad_replace
    def replaced(x, forward=True):
        return (x * 0 + 7.0) if forward else x * x

    out = replaced(x)
    np.testing.assert_array_equal(harness.to_numpy(out), [7.0, 7.0, 7.0])
    assert_close(grad_of(lambda t: (replaced(t),)), 2 * harness.to_numpy(x), 1e-12)


def test_st_keeps_nonfinite_forward_values_without_nan_gradients(harness):
    """-inf forward values (e.g. log-probabilities) stay exact and get a zero, not NaN, gradient."""
    api = harness.api
    x = harness.to_fw(np.array([-1.0, 0.5]))
    log_probs = harness.to_fw(np.array([-np.inf, 0.0]))

    def fn(x, mode="smooth"):
        if mode == "hard":
            return x * 0 + log_probs
        return x * 0 + log_probs + x

    f = api.st(fn)
    np.testing.assert_array_equal(harness.to_numpy(f(x)), [-np.inf, 0.0])
    if harness.name == "jax":
        g = np.asarray(harness.jax.grad(lambda t: f(t)[1])(x))
    else:
        t = x.clone().requires_grad_(True)
        f(t)[1].backward()
        g = harness.to_numpy(t.grad)
    np.testing.assert_array_equal(g, [0.0, 1.0])
