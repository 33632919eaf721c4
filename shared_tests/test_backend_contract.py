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


def _sqrt_rows(bk):
    """A row-independent solver: Newton for ``sqrt(a)`` until every row has converged (the loop's
    stopping test spans the batch), and a per-row sum."""
    xp = bk.xp

    def solve(a, b):
        done = lambda s: xp.all(xp.abs(s * s - a) <= 1e-12 * a)  # noqa: E731
        root = bk.while_loop(lambda s: ~done(s), lambda s: 0.5 * (s + a / s), a + 1.0, max_iter=100)
        return root, xp.sum(b, axis=-1)

    return solve


@pytest.mark.parametrize("name", BACKENDS)
def test_per_row(name):
    bk, a = _backend_and_array(name, [[1.0, 4.0, 9.0], [2.0, 3.0, 5.0]])
    xp = bk.xp
    b = a * 2
    root, total = bk.per_row(_sqrt_rows(bk), a, b, batch_ndim=1)
    np.testing.assert_allclose(np.asarray(root.tolist()), np.sqrt([[1, 4, 9], [2, 3, 5]]), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(total.tolist()), [28.0, 20.0])
    assert tuple(root.shape) == (2, 3) and tuple(total.shape) == (2,)
    if name != "jax":
        return
    import jax

    # jit, vmap (an unmapped operand is broadcast), nested vmap, forward mode (the plain solver's JVP)
    solve = _sqrt_rows(bk)
    jitted = jax.jit(lambda a, b: bk.per_row(solve, a, b, batch_ndim=1))(a, b)
    np.testing.assert_allclose(np.asarray(jitted[0]), np.asarray(root), rtol=1e-15)
    mapped = jax.vmap(lambda a, b: bk.per_row(solve, a, b, batch_ndim=0), in_axes=(0, None))(a, b[0])
    np.testing.assert_allclose(np.asarray(mapped[0]), np.asarray(root), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(mapped[1]), [28.0, 28.0])
    nested = jax.vmap(jax.vmap(lambda a, b: bk.per_row(solve, a, b, batch_ndim=0)))(a[..., None], b[..., None])
    np.testing.assert_allclose(np.asarray(nested[0])[..., 0], np.asarray(root), rtol=1e-15)
    _, tangent = jax.jvp(lambda a: bk.per_row(solve, a, b, batch_ndim=1)[0], (a,), (xp.ones_like(a),))
    np.testing.assert_allclose(np.asarray(tangent), 0.5 / np.sqrt(np.asarray(a)), rtol=1e-10)
    # a solver closing over a traced array cannot be partitioned; it still runs, as it is
    closed = jax.jit(lambda a, b: bk.per_row(lambda a: solve(a, b), a, batch_ndim=1))(a, b)
    np.testing.assert_allclose(np.asarray(closed[1]), [28.0, 20.0])


@pytest.mark.parametrize("name", BACKENDS)
def test_checkpoint_keeps_values(name):
    bk, x = _backend_and_array(name, [1.0, -2.0])
    f = bk.checkpoint(lambda t: t * t + 1)
    np.testing.assert_allclose(np.asarray(f(x).tolist()), [2.0, 5.0])
    if name == "jax":
        import jax

        np.testing.assert_allclose(np.asarray(jax.grad(lambda t: f(t).sum())(x)), [2.0, -4.0])


@pytest.mark.parametrize("name", BACKENDS)
def test_concrete_eager_value_and_none_under_tracing(name):
    bk, x = _backend_and_array(name, [1.0, -2.0])
    assert bk.concrete(bk.xp.sum(x)) == -1.0
    assert bk.concrete(bk.xp.all(x > 0)) is False
    seen = []
    if name == "jax":
        import jax

        jax.jit(lambda t: seen.append(bk.concrete(bk.xp.sum(t))) or t)(x)
        jax.vmap(lambda t: seen.append(bk.concrete(t)) or t)(x)
        assert seen == [None, None]
    elif name == "torch":
        import torch

        torch.func.vmap(lambda t: seen.append(bk.concrete(t)) or t)(x)
        torch.func.grad(lambda t: seen.append(bk.concrete(t.sum())) or t.sum())(x)
        assert seen == [None, None]


_SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, -0.5], [0.5, -0.5, 2.0]])


@pytest.mark.parametrize("name", BACKENDS)
def test_linear_solve(name):
    """``x = solve(b)`` for a symmetric ``matvec``, differentiated as ``A^{-1} b`` (implicitly):
    the solve here is a tolerance-driven ``bk.while_loop`` CG, which JAX cannot differentiate,
    so JAX derivatives prove that the solve is never differentiated through."""
    from softcore.solvers.cg import cg_solve

    bk, b = _backend_and_array(name, [1.0, -2.0, 0.5])
    xp = bk.xp
    a_inv = np.linalg.inv(_SPD)

    def solve_with(a):
        def matvec(v):
            return xp.sum(a * v[..., None, :], axis=-1)

        def solve(rhs):
            return cg_solve(matvec, rhs, tol=1e-14, max_iter=50, bk=bk).x

        return lambda rhs: bk.linear_solve(matvec, rhs, solve)

    a = xp.asarray(_SPD, dtype=b.dtype) if name != "torch" else b.new_tensor(_SPD)
    x = solve_with(a)(b)
    np.testing.assert_allclose(np.asarray(x.tolist()), a_inv @ np.asarray(b.tolist()), rtol=1e-12)

    # a pytree right-hand side (tuple of arrays), as the transport rule uses
    def matvec2(uv):
        u, v = uv
        return 2 * u + v, u + 3 * v

    def solve2(rhs):
        p, q = rhs
        return (3 * p - q) / 5, (2 * q - p) / 5

    u, v = bk.linear_solve(matvec2, (b, 2 * b), solve2)
    np.testing.assert_allclose(np.asarray((2 * u + v).tolist()), np.asarray(b.tolist()), rtol=1e-12)
    np.testing.assert_allclose(np.asarray((u + 3 * v).tolist()), 2 * np.asarray(b.tolist()), rtol=1e-12)

    if name == "jax":
        import jax

        f = solve_with(a)
        np.testing.assert_allclose(np.asarray(jax.jacrev(f)(b)), a_inv, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.asarray(jax.jacfwd(f)(b)), a_inv, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(np.asarray(jax.jit(jax.jacrev(f))(b)), a_inv, rtol=1e-10, atol=1e-12)
        # through the matrix that matvec closes over: dx = -A^{-1} dA x
        d_a = np.array([[0.3, -0.2, 0.0], [-0.2, 0.1, 0.4], [0.0, 0.4, -0.5]])
        _, dx = jax.jvp(lambda m: solve_with(m)(b), (a,), (jax.numpy.asarray(d_a),))
        x_np = a_inv @ np.asarray(b)
        np.testing.assert_allclose(np.asarray(dx), -a_inv @ d_a @ x_np, rtol=1e-10, atol=1e-12)
        g = jax.grad(lambda m: solve_with(m)(b).sum())(a)
        np.testing.assert_allclose(np.asarray(g), -np.outer(a_inv @ np.ones(3), x_np), rtol=1e-10, atol=1e-12)
    elif name == "torch":
        import torch

        t = b.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(solve_with(a)(t).sum(), t)
        np.testing.assert_allclose(g.numpy(), a_inv @ np.ones(3), rtol=1e-10)


def _scaled_fwd(x, y, *, bk, scale):
    return (scale * x * y, x + y), (x, y)


def _scaled_bwd(res, g, *, bk, scale):
    x, y = res
    gp, gs = g
    gp = bk.xp.zeros_like(x) if gp is None else gp
    gs = bk.xp.zeros_like(x) if gs is None else gs
    return 10 * (scale * y * gp + gs), 10 * (scale * x * gp + gs)


def _scaled_jvp(res, tangents, *, bk, scale):
    # deliberately 10x the true JVP (and the transpose of the 10x bwd): proves the rule is used
    x, y = res
    dx, dy = tangents
    dx = bk.xp.zeros_like(x) if dx is None else dx
    dy = bk.xp.zeros_like(y) if dy is None else dy
    return 10 * scale * (y * dx + x * dy), 10 * (dx + dy)


SCALED = VJPRule("scaled_product_and_sum", _scaled_fwd, _scaled_bwd, n_outputs=2, jvp=_scaled_jvp)


@pytest.mark.parametrize("name", BACKENDS)
def test_custom_vjp_rule_with_jvp(name):
    """A rule with ``jvp``: forward mode runs it (JAX, torch), JAX reverse mode transposes it, torch
    reverse mode runs ``bwd``; ``torch.func.vmap`` batches the rule by calling it on a larger batch."""
    bk, x = _backend_and_array(name, [1.0, -2.0, 0.5])
    y = x * 0 + 3.0
    f = bk.custom_vjp(SCALED)
    p, s = f(x, y, scale=2.0)
    np.testing.assert_allclose(np.asarray(p.tolist()), [6.0, -12.0, 3.0])
    np.testing.assert_allclose(np.asarray(s.tolist()), [4.0, 1.0, 3.5])
    dx = np.array([1.0, 0.0, -1.0])
    want_p = 10 * 2.0 * 3.0 * dx  # dy = 0
    if name == "jax":
        import jax
        import jax.numpy as jnp

        (p2, s2), (tp, ts) = jax.jvp(lambda a: f(a, y, scale=2.0), (x,), (jnp.asarray(dx),))
        np.testing.assert_allclose(np.asarray(tp), want_p)
        np.testing.assert_allclose(np.asarray(ts), 10 * dx)
        jf = jax.jacfwd(lambda a: f(a, y, scale=2.0)[0])(x)
        np.testing.assert_allclose(np.asarray(jf), np.diag([60.0] * 3))
        g = jax.grad(lambda a: f(a, y, scale=2.0)[1].sum())(x)  # transposed jvp
        np.testing.assert_allclose(np.asarray(g), [10.0] * 3)
        # second order: the rule's own primal call nests, the coefficients are constants
        gg = jax.grad(lambda a: jax.grad(lambda b: (f(b, y, scale=2.0)[0] ** 2).sum())(a).sum())(x)
        np.testing.assert_allclose(np.asarray(gg), 2 * 60.0 * 60.0 * np.ones(3))
        jj = jax.jit(jax.vmap(lambda a: f(a, y, scale=2.0)[0]))(jnp.stack([x, 2 * x]))
        np.testing.assert_allclose(np.asarray(jj), [[6.0, -12.0, 3.0], [12.0, -24.0, 6.0]])
    elif name == "torch":
        import torch
        import torch.autograd.forward_ad as fwAD

        (tp, ts) = torch.func.jvp(lambda a: f(a, y, scale=2.0), (x,), (torch.tensor(dx),))[1]
        np.testing.assert_allclose(tp.numpy(), want_p)
        np.testing.assert_allclose(ts.numpy(), 10 * dx)
        with fwAD.dual_level():
            out = f(fwAD.make_dual(x, torch.tensor(dx)), y, scale=2.0)
            np.testing.assert_allclose(fwAD.unpack_dual(out[0]).tangent.numpy(), want_p)
        jf = torch.func.jacfwd(lambda a: f(a, y, scale=2.0)[0])(x)
        np.testing.assert_allclose(jf.numpy(), np.diag([60.0] * 3))
        t = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(f(t, y, scale=2.0)[1].sum(), t)  # bwd
        np.testing.assert_allclose(g.numpy(), [10.0] * 3)
        vm = torch.func.vmap(lambda a: f(a, y, scale=2.0)[0])(torch.stack([x, 2 * x]))
        np.testing.assert_allclose(vm.numpy(), [[6.0, -12.0, 3.0], [12.0, -24.0, 6.0]])


def _ident_fwd(x, *, bk):
    y = 2 * x
    return y, (y,)  # the output itself is a residual


def _ident_bwd(res, g, *, bk):
    (y,) = res
    return (2 * g + 0 * y,)


def test_torch_residual_that_is_an_output_keeps_its_gradient():
    """Regression: a residual identical to an output used to be marked non-differentiable."""
    import torch

    from softcore._vjp import VJPRule
    from softtorch._backend import TORCH

    f = TORCH.custom_vjp(VJPRule("double", _ident_fwd, _ident_bwd))
    x = torch.tensor([1.0, -3.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    np.testing.assert_allclose(g.numpy(), [2.0, 2.0])
