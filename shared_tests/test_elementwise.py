"""Elementwise ops against independent NumPy oracles (SPEC §3), on both frameworks."""

from __future__ import annotations

import numpy as np
import pytest

from harness import reference as ref
from harness.assertions import assert_close

MODES = ["smooth", "c0", "c1", "c2", "_c1_pnorm", "_c2_pnorm"]
X = np.concatenate([np.linspace(-2, 2, 41), [0.0, 1e-9, -1e-9, 0.4999, 0.5001, 1e6, -1e6]])


def _api(harness):
    return harness.api


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("softness", [0.1, 0.37, 2.0])
def test_sigmoidal_matches_oracle(harness, mode, softness):
    out = harness.to_numpy(_api(harness).sigmoidal(harness.to_fw(X), softness=softness, mode=mode))
    assert_close(out, ref.sigmoidal(X, softness, mode), 1e-12, what=mode)
    assert np.all((out >= 0) & (out <= 1))
    # symmetry sigma(-x) = 1 - sigma(x)
    neg = harness.to_numpy(_api(harness).sigmoidal(harness.to_fw(-X), softness=softness, mode=mode))
    assert_close(neg, 1 - out, 1e-12, what=f"{mode} symmetry")


@pytest.mark.parametrize("mode", MODES)
def test_softrelu_is_the_antiderivative_of_sigmoidal(harness, mode):
    x = np.linspace(-1.0, 1.0, 23)
    out = harness.to_numpy(_api(harness).softrelu(harness.to_fw(x), softness=0.1, mode=mode))
    assert_close(out, ref.softrelu(x, 0.1, mode), 1e-7, what=f"{mode} vs quadrature")


def _case(name, **kwargs):
    from harness.cases import OpCase

    return OpCase(name, lambda rng: (), kwargs=kwargs)


@pytest.mark.parametrize("mode", MODES)
def test_softrelu_derivative_is_sigmoidal(harness, mode):
    x = np.linspace(-1.0, 1.0, 21) + 0.013
    outs, (grad,) = harness.value_and_grad(_case("softrelu"), (x,), mode, cot_seed=0)
    # with the cotangent g, the gradient is g * sigmoidal(x)
    from harness.backends import cotangents_for

    (g,) = cotangents_for(outs, 0)
    assert_close(grad, g * ref.sigmoidal(x, 0.1, mode), 1e-12, what=mode)


@pytest.mark.parametrize("mode", MODES)
def test_gated_softrelu_and_derived_ops(harness, mode):
    api, x = _api(harness), harness.to_fw(X)
    s = ref.sigmoidal(X, 0.1, mode)
    assert_close(harness.to_numpy(api.softrelu(x, 0.1, mode, gated=True)), X * s, 1e-12)
    assert_close(harness.to_numpy(api.heaviside(x, 0.1, mode)), s, 1e-12)
    assert_close(harness.to_numpy(api.sign(x, 0.1, mode)), 2 * s - 1, 1e-12)
    assert_close(harness.to_numpy(api.abs(x, 0.1, mode)), X * (2 * s - 1), 1e-12)
    assert_close(
        harness.to_numpy(api.relu(x, 0.1, mode)),
        ref.softrelu(X, 0.1, mode) if mode == "smooth" else harness.to_numpy(api.softrelu(x, 0.1, mode)),
        1e-12,
    )
    clip = api.clip if harness.name == "jax" else api.clamp
    a, b = -0.3, 0.6
    expected = (
        a
        + harness.to_numpy(api.softrelu(harness.to_fw(X - a), 0.1, mode))
        - harness.to_numpy(api.softrelu(harness.to_fw(X - b), 0.1, mode))
    )
    assert_close(harness.to_numpy(clip(x, a, b, 0.1, mode)), expected, 1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_round_matches_oracle_and_limits(harness, mode):
    x = np.linspace(-3.3, 3.3, 31)
    out = harness.to_numpy(_api(harness).round(harness.to_fw(x), 0.1, mode))
    assert_close(out, ref.soft_round(x, 0.1, mode), 1e-12)
    hard = harness.to_numpy(_api(harness).round(harness.to_fw(np.array([0.5, 1.5, 2.5, -0.5])), mode="hard"))
    np.testing.assert_array_equal(hard, [0.0, 2.0, 2.0, -0.0])  # half to even


def test_hard_modes_keep_integer_dtypes(harness):
    api = _api(harness)
    xi = harness.to_fw(np.array([-2, 0, 3]), dtype=None)
    for fn in (api.abs, api.relu):
        assert harness.dtype_name(fn(xi, mode="hard")) == "int64"
    clip = api.clip if harness.name == "jax" else api.clamp
    assert harness.dtype_name(clip(xi, 0, 2, mode="hard")) == "int64"
    # ops whose hard result is a (soft) boolean / sign return floats
    assert harness.dtype_name(api.heaviside(xi, mode="hard")).startswith("float")
    assert harness.dtype_name(api.sign(xi, mode="hard")).startswith("float")


def test_gradient_at_zero_is_exact(harness):
    """Derivative conventions of |x| at 0 must not leak into smooth functions."""
    api = _api(harness)
    for fn, expected in ((api.sigmoidal, 1 / (4 * 0.1)), (api.softrelu, 0.5), (api.sign, 2 / (4 * 0.1))):
        if harness.name == "jax":
            g = float(harness.jax.grad(lambda t, fn=fn: fn(t, 0.1, "smooth"))(harness.jnp.asarray(0.0)))
        else:
            t = harness.torch.tensor(0.0, dtype=harness.torch.float64, requires_grad=True)
            (g,) = harness.torch.autograd.grad(fn(t, 0.1, "smooth"), t)
            g = float(g)
        assert g == pytest.approx(expected, rel=1e-12)
