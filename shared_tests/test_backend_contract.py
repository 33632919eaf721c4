"""Every member of the backend contract, on every backend (reference/NumPy, JAX, PyTorch)."""

from __future__ import annotations

import numpy as np
import pytest

import softcore
from softcore._vjp import VJPRule


def _square_fwd(x, *, bk, scale):
    return scale * x * x, (x,)


def _square_bwd(res, g, *, bk, scale):
    (x,) = res
    return (2 * scale * x * g * 10,)  # deliberately NOT the true derivative: proves the rule is used


SQUARE = VJPRule("square_times_ten_grad", _square_fwd, _square_bwd)


def _backend_and_array(name, values):
    if name == "numpy":
        a = np.asarray(values, dtype=np.float64)
        return softcore.get_backend(a), a
    if name == "jax":
        from conftest import get_harness

        h = get_harness("jax")
        from softjax._backend import JAX

        return JAX, h.to_fw(np.asarray(values, dtype=np.float64))
    import torch

    from softtorch._backend import TORCH

    return TORCH, torch.tensor(values, dtype=torch.float64)


from conftest import selected_backends  # noqa: E402

BACKENDS = ["numpy", *selected_backends()]


@pytest.mark.parametrize("name", BACKENDS)
def test_loops_and_segment_sum(name):
    bk, x = _backend_and_array(name, [1.0, 2.0, 3.0, 4.0])
    xp = bk.xp
    total = bk.fori_loop(0, 4, lambda i, s: s + x[i], xp.zeros((), dtype=x.dtype))
    assert float(total) == 10.0
    # while_loop: cond checked before each block of `check_every` bodies, at most max_iter bodies
    state = bk.while_loop(lambda s: s < 5, lambda s: s + 1, xp.asarray(0), max_iter=100, check_every=3)
    assert int(state) == 6  # 0 -> 3 -> 6 (checked at 0 and 3, stopped at 6)
    capped = bk.while_loop(lambda s: s < 1000, lambda s: s + 1, xp.asarray(0), max_iter=7, check_every=2)
    assert int(capped) == 8  # ceil(7 / 2) = 4 blocks of 2
    data = xp.reshape(xp.arange(6, dtype=x.dtype), (2, 3))
    ids = xp.asarray([[0, 0, 2], [1, 1, 1]])
    sums = bk.segment_sum(data, ids, num_segments=3)
    np.testing.assert_array_equal(np.asarray(sums.tolist()), [[1.0, 0.0, 2.0], [0.0, 12.0, 0.0]])
    assert bk.default_float_dtype() is not None


@pytest.mark.parametrize("name", BACKENDS)
def test_custom_vjp_rule_is_used(name):
    bk, x = _backend_and_array(name, [1.0, -2.0])
    f = bk.custom_vjp(SQUARE)
    np.testing.assert_allclose(np.asarray(f(x, scale=3.0).tolist()), [3.0, 12.0])
    if name == "jax":
        import jax

        g = jax.grad(lambda t: f(t, scale=3.0).sum())(x)
        np.testing.assert_allclose(np.asarray(g), [60.0, -120.0])
        # stop_gradient
        assert float(jax.grad(lambda t: bk.stop_gradient(t).sum() + t.sum())(x)[0]) == 1.0
    elif name == "torch":
        import torch

        t = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(f(t, scale=3.0).sum(), t)
        np.testing.assert_allclose(g.numpy(), [60.0, -120.0])
        (g2,) = torch.autograd.grad((bk.stop_gradient(t) + t).sum(), t)
        assert float(g2[0]) == 1.0
        # torch.func works with the setup_context-style Function
        np.testing.assert_allclose(torch.func.grad(lambda u: f(u, scale=3.0).sum())(x).numpy(), [60.0, -120.0])
    else:
        assert bk.stop_gradient(x) is x


@pytest.mark.parametrize("name", BACKENDS)
def test_checkpoint_keeps_values(name):
    bk, x = _backend_and_array(name, [1.0, -2.0])
    f = bk.checkpoint(lambda t: t * t + 1)
    np.testing.assert_allclose(np.asarray(f(x).tolist()), [2.0, 5.0])
    if name == "jax":
        import jax

        np.testing.assert_allclose(np.asarray(jax.grad(lambda t: f(t).sum())(x)), [2.0, -4.0])
