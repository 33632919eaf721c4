"""Forward-mode AD (``jax.jvp`` / ``jax.jacfwd``, ``torch.func.jvp`` / ``torch.autograd.forward_ad``).

Every op supports forward mode: plain-autodiff code by construction, the two hand-written rules
(``PROJ_PERMUTAHEDRON``, ``OT_POTENTIALS``) through their ``jvp`` (``docs/design/backend-contract.md``).
Checks, in float64:

* rule level (NumPy reference backend): ``jvp`` against central finite differences of ``fwd``, and
  ``jvp`` is the transpose of ``bwd`` (``<jvp(t), c> == <t, bwd(c)>``);
* JAX: ``jacfwd == jacrev`` and ``jvp`` against central finite differences, for the projections,
  every catalogue case and every axis-wise op x method x soft mode; second derivatives compose
  (forward-over-reverse == reverse-over-reverse, and == torch's double backward);
* PyTorch: ``torch.func.jvp`` and ``forward_ad`` against finite differences and against the
  backward (dot test); ``torch.func.jacfwd`` / ``vmap`` where the rule's loops allow it.

Cost on two cores: the JAX checks compile one program per configuration, so the default tier runs
one soft mode per catalogue case and one method/mode per axis-wise op; the full grids run with
``-m slow``.
"""

from __future__ import annotations

import functools
import os

os.environ.setdefault("JAX_ENABLE_X64", "1")

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import softjax
import softtorch
from harness.assertions import assert_close
from harness.axiswise_grid import ALL_METHODS, ALL_OPS, INDEX_ONLY, OT_TIGHT, VALUE_ONLY_METHODS, call_op
from harness.backends import flatten_outputs
from harness.catalogue import ALL_CASES
from softcore._backend import get_backend
from softcore.axiswise.methods.permutahedron_sort import fast_soft_rank, fast_soft_sort
from softcore.projections.permutahedron import PROJ_PERMUTAHEDRON, proj_permutahedron
from softcore.projections.transport import OT_POTENTIALS, proj_transport_polytope
from softjax._backend import JAX
from softtorch._backend import TORCH

jax.config.update("jax_enable_x64", True)

SOFT_MODES = ("smooth", "c0", "c1", "c2")


def _inexact(outs):
    return [o for o in outs if jnp.issubdtype(o.dtype, jnp.inexact)]


def _check_jax_forward_mode(f, args, *, fd_rtol=1e-6, what="", jac_rtol=1e-10, seed=0):
    """``f(*args) -> list of arrays``: jacfwd == jacrev and the jvp along a random direction ==
    central finite differences (one jitted program)."""
    argnums = tuple(range(len(args)))
    rng = np.random.default_rng(seed)
    direction = tuple(jnp.asarray(rng.standard_normal(np.shape(a))) for a in args)
    scale = max(1.0, *(float(jnp.max(jnp.abs(a))) for a in args))
    h = 1e-6 * scale

    @jax.jit
    def run(*a):
        jf = jax.jacfwd(f, argnums=argnums)(*a)
        jr = jax.jacrev(f, argnums=argnums)(*a)
        _, tangent = jax.jvp(f, a, direction)
        plus = f(*(x + h * d for x, d in zip(a, direction, strict=True)))
        minus = f(*(x - h * d for x, d in zip(a, direction, strict=True)))
        return jf, jr, tangent, plus, minus

    jf, jr, tangent, plus, minus = run(*args)
    for a, b in zip(jax.tree.leaves(jf), jax.tree.leaves(jr), strict=True):
        assert np.all(np.isfinite(np.asarray(a))), f"{what}: non-finite jacfwd"
        assert_close(np.asarray(a), np.asarray(b), jac_rtol, what=f"{what}: jacfwd vs jacrev")
    for t, p, m in zip(tangent, plus, minus, strict=True):
        fd = (np.asarray(p) - np.asarray(m)) / (2 * h)
        assert_close(np.asarray(t), fd, fd_rtol, what=f"{what}: jvp vs finite differences")


# ------------------------------------------------------------------------------------------------
# Rule level: the NumPy reference backend, float64
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", SOFT_MODES)
@pytest.mark.parametrize(("z_ascending", "w_ascending"), [(False, False), (True, False), (False, True)])
def test_permutahedron_rule_jvp(mode, z_ascending, w_ascending):
    rng = np.random.default_rng(0)
    kw = {"mode": mode, "z_ascending": z_ascending, "w_ascending": w_ascending}
    for n in (1, 2, 7):
        z, w = rng.normal(size=(2, n)), rng.normal(size=(2, n))
        z = np.sort(z, axis=-1) if z_ascending else z
        w = np.sort(w, axis=-1) if w_ascending else w
        bk = get_backend(z)
        dz, dw, cot = rng.normal(size=(3, 2, n))
        dz = np.zeros_like(dz) if z_ascending else dz  # a promised order is kept by the tangent
        dw = np.zeros_like(dw) if w_ascending else dw
        _, res = PROJ_PERMUTAHEDRON.fwd(z, w, bk=bk, **kw)
        tangent = PROJ_PERMUTAHEDRON.jvp(res, (dz, dw), bk=bk, **kw)
        eps = 1e-6
        fd = (
            PROJ_PERMUTAHEDRON.fwd(z + eps * dz, w + eps * dw, bk=bk, **kw)[0]
            - PROJ_PERMUTAHEDRON.fwd(z - eps * dz, w - eps * dw, bk=bk, **kw)[0]
        ) / (2 * eps)
        assert_close(tangent, fd, 1e-7, what=f"jvp vs fd n={n}")
        gz, gw = PROJ_PERMUTAHEDRON.bwd(res, cot, bk=bk, **kw)
        assert np.sum(tangent * cot) == pytest.approx(np.sum(gz * dz) + np.sum(gw * dw), rel=1e-12, abs=1e-12)
        # a zero tangent may be passed as None
        only_z = PROJ_PERMUTAHEDRON.jvp(res, (dz, None), bk=bk, **kw)
        only_w = PROJ_PERMUTAHEDRON.jvp(res, (None, dw), bk=bk, **kw)
        assert_close(only_z + only_w, tangent, 1e-13, what="jvp is additive over the inputs")
        assert PROJ_PERMUTAHEDRON.jvp(res, (None, None), bk=bk, **kw) is None


def _ot_problem(seed, n, m, batch=(2,)):
    rng = np.random.default_rng(seed)
    cost = rng.random((*batch, n, m))
    mu, nu = rng.random((*batch, n)) + 0.5, rng.random((*batch, m)) + 0.5
    return cost, mu / mu.sum(-1, keepdims=True), nu / nu.sum(-1, keepdims=True)


_OT_SOLVERS = [("smooth", None, "sinkhorn"), ("smooth", None, "lbfgs"), ("c0", 2, "lbfgs"), ("c1", 3, "lbfgs")]
_OT_SOLVERS += [("c2", 4, "lbfgs")]


@pytest.mark.parametrize(("mode", "q", "solver"), _OT_SOLVERS, ids=[f"{m}-{s}" for m, _, s in _OT_SOLVERS])
@pytest.mark.parametrize(("n", "m"), [(5, 4), (3, 6)])
def test_ot_potentials_rule_jvp(mode, q, solver, n, m):
    """Tangents of the potentials (implicit function theorem) against finite differences of the
    solver run to 1e-13, and the transpose of the implicit VJP. The finite differences keep the
    total masses equal (the projection normalises them); the dot test holds for any tangent."""
    cost, mu, nu = _ot_problem(1, n, m)
    cost = cost / 0.3
    static = {"solver": solver, "q": q, "tol": 1e-13, "max_iter": 20000, "check_every": 10, "history": 10}
    static |= {"dual": "auto", "anneal": True, "cg_tol": 1e-12, "cg_max_iter": 200}
    bk = get_backend(cost)
    rng = np.random.default_rng(2)
    (f, g, _), res = OT_POTENTIALS.fwd(cost, mu, nu, bk=bk, **static)
    d_cost, d_mu, d_nu = rng.normal(size=cost.shape), rng.normal(size=mu.shape), rng.normal(size=nu.shape)
    d_nu_equal = d_nu + (d_mu.sum(-1, keepdims=True) - d_nu.sum(-1, keepdims=True)) / m
    df, dg, d_iter = OT_POTENTIALS.jvp(res, (d_cost, d_mu, d_nu_equal), bk=bk, **static)
    assert d_iter is None
    eps = 1e-6
    plus = OT_POTENTIALS.fwd(cost + eps * d_cost, mu + eps * d_mu, nu + eps * d_nu_equal, bk=bk, **static)[0]
    minus = OT_POTENTIALS.fwd(cost - eps * d_cost, mu - eps * d_mu, nu - eps * d_nu_equal, bk=bk, **static)[0]
    assert_close(df, (plus[0] - minus[0]) / (2 * eps), 1e-6, what="df vs fd")
    assert_close(dg, (plus[1] - minus[1]) / (2 * eps), 1e-6, what="dg vs fd")
    # transpose of the backward, for arbitrary tangents (unequal masses included)
    df, dg, _ = OT_POTENTIALS.jvp(res, (d_cost, d_mu, d_nu), bk=bk, **static)
    c_f, c_g = rng.normal(size=f.shape), rng.normal(size=g.shape)
    b_cost, b_mu, b_nu = OT_POTENTIALS.bwd(res, (c_f, c_g, None), bk=bk, **static)
    lhs = np.sum(df * c_f) + np.sum(dg * c_g)
    rhs = np.sum(b_cost * d_cost) + np.sum(b_mu * d_mu) + np.sum(b_nu * d_nu)
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-12)
    # partial tangents (None = zero) add up
    parts = [OT_POTENTIALS.jvp(res, t, bk=bk, **static) for t in ((d_cost, None, None), (None, d_mu, d_nu))]
    assert_close(parts[0][0] + parts[1][0], df, 1e-9, what="df additive")


# ------------------------------------------------------------------------------------------------
# JAX: the projections and the methods built on them
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", SOFT_MODES)
def test_jax_permutahedron_forward_mode(mode):
    rng = np.random.default_rng(3)
    z, w = jnp.asarray(rng.normal(size=(2, 7))), jnp.asarray(rng.normal(size=(2, 7)))
    x = jnp.asarray(rng.uniform(size=(2, 6)))

    def f(z, w, x):
        return [
            proj_permutahedron(z, w, 0.7, mode, bk=JAX),
            fast_soft_sort(x, 0.3, mode, bk=JAX),
            fast_soft_rank(x, 0.3, mode, True, bk=JAX),
        ]

    _check_jax_forward_mode(f, (z, w, x), what=f"permutahedron {mode}")


@pytest.mark.parametrize("mode", SOFT_MODES)
def test_jax_permutahedron_second_order(mode):
    """Forward-over-reverse == reverse-over-reverse (both differentiate the rule again with its
    block coefficients held constant, as torch's double backward does) == torch."""
    rng = np.random.default_rng(4)
    z, w, v = rng.normal(size=(3, 2, 6))

    def loss(bk, z, w):
        y = proj_permutahedron(z, w, 0.5, mode, bk=bk)
        return (y * y * y).sum() + (y * w).sum()

    grad = jax.grad(functools.partial(loss, JAX), argnums=(0, 1))

    @jax.jit
    def hvps(z, w, v):
        fwd_over_rev = jax.jvp(lambda a: grad(a, w)[0], (z,), (v,))[1]
        rev_over_rev = jax.grad(lambda a: jnp.sum(grad(a, w)[0] * v))(z)
        return fwd_over_rev, rev_over_rev

    fr, rr = hvps(jnp.asarray(z), jnp.asarray(w), jnp.asarray(v))
    assert_close(np.asarray(fr), np.asarray(rr), 1e-11, what="jvp(grad) vs grad(grad)")
    zt = torch.tensor(z, requires_grad=True)
    (g,) = torch.autograd.grad(loss(TORCH, zt, torch.tensor(w)), zt, create_graph=True)
    (h,) = torch.autograd.grad((g * torch.tensor(v)).sum(), zt)
    assert_close(h.numpy(), np.asarray(fr), 1e-11, what="jax vs torch HVP")


@pytest.mark.slow
@pytest.mark.parametrize("mode", SOFT_MODES)
def test_jax_transport_forward_mode(mode):
    """jacfwd == jacrev through the implicit rule (both sides of the Schur complement), jvp ==
    finite differences (tight solver tolerances), and both second-order compositions agree."""
    kw = {"softness": 0.3, "mode": mode, "sinkhorn_tol": 1e-12, "lbfgs_tol": 1e-12}
    for n, m in ((5, 4), (3, 6)):
        cost, mu, nu = (jnp.asarray(a[0]) for a in _ot_problem(5, n, m))

        def f(cost, mu, nu=nu):
            return [proj_transport_polytope(cost, mu, nu, bk=JAX, **kw)]

        fd_rtol = 1e-5 if mode == "c0" else 1e-6  # c0: plan entries are piecewise linear in t
        _check_jax_forward_mode(f, (cost, mu), fd_rtol=fd_rtol, jac_rtol=1e-9, what=f"ot {mode} {n}x{m}")
    v = jnp.asarray(np.random.default_rng(6).standard_normal(cost.shape))

    def loss(c):
        plan = proj_transport_polytope(c, mu, nu, bk=JAX, **kw)
        return jnp.sum(plan * plan * plan)

    @jax.jit
    def hvps(c):
        fwd_over_rev = jax.jvp(jax.grad(loss), (c,), (v,))[1]
        rev_over_rev = jax.grad(lambda a: jnp.sum(jax.grad(loss)(a) * v))(c)
        return fwd_over_rev, rev_over_rev

    fr, rr = hvps(cost)
    assert np.all(np.isfinite(np.asarray(fr)))
    assert_close(np.asarray(fr), np.asarray(rr), 1e-8, what="ot jvp(grad) vs grad(grad)")


def test_jax_transport_jvp_smoke():
    """One cheap transport configuration in the default tier (the full sweep is slow)."""
    cost, mu, nu = (jnp.asarray(a) for a in _ot_problem(7, 4, 3))
    kw = {"softness": 0.5, "mode": "smooth", "sinkhorn_tol": 1e-12}
    d = jnp.asarray(np.random.default_rng(8).standard_normal(cost.shape))
    f = jax.jit(lambda c: proj_transport_polytope(c, mu, nu, bk=JAX, **kw))
    plan, tangent = jax.jit(lambda c, d: jax.jvp(f, (c,), (d,)))(cost, d)
    fd = (f(cost + 1e-6 * d) - f(cost - 1e-6 * d)) / 2e-6
    assert_close(np.asarray(tangent), np.asarray(fd), 1e-6, what="ot jvp vs fd")
    assert_close(np.asarray(plan), np.asarray(f(cost)), 1e-14, what="primal under jvp")


# ------------------------------------------------------------------------------------------------
# PyTorch: forward mode through autograd.Function.jvp, vmap through autograd.Function.vmap
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", SOFT_MODES)
def test_torch_permutahedron_forward_mode(mode):
    import torch.autograd.forward_ad as fwad

    rng = np.random.default_rng(9)
    z, w, dz, dw = (torch.tensor(a) for a in rng.normal(size=(4, 2, 7)))

    def f(z, w):
        return proj_permutahedron(z, w, 0.7, mode, bk=TORCH)

    _, tangent = torch.func.jvp(f, (z, w), (dz, dw))
    fd = (f(z + 1e-6 * dz, w + 1e-6 * dw) - f(z - 1e-6 * dz, w - 1e-6 * dw)) / 2e-6
    assert_close(tangent.numpy(), fd.numpy(), 1e-6, what="torch.func.jvp vs fd")
    with fwad.dual_level():
        out = f(fwad.make_dual(z, dz), fwad.make_dual(w, dw))
        assert_close(fwad.unpack_dual(out).tangent.numpy(), tangent.numpy(), 1e-14, what="forward_ad")
    jacs = torch.func.jacfwd(f, argnums=(0, 1))(z, w), torch.func.jacrev(f, argnums=(0, 1))(z, w)
    for jf, jr in zip(*jacs, strict=True):
        assert_close(jf.numpy(), jr.numpy(), 1e-12, what="torch jacfwd vs jacrev")
    # vmap: the rule is called once on the larger batch, unbatched inputs are broadcast
    batched = torch.func.vmap(f, in_dims=(1, None))(z.T.contiguous(), w[0])
    assert_close(batched.numpy(), torch.stack([f(z[i], w[0]) for i in range(2)]).numpy(), 1e-14, what="vmap")
    x = torch.tensor(rng.uniform(size=(3, 5)))
    g_fwd = torch.func.jacfwd(lambda a: fast_soft_rank(a, 0.3, mode, False, bk=TORCH))(x)
    g_rev = torch.func.jacrev(lambda a: fast_soft_rank(a, 0.3, mode, False, bk=TORCH))(x)
    assert_close(g_fwd.numpy(), g_rev.numpy(), 1e-12, what="fast_soft_rank jacfwd vs jacrev")


@pytest.mark.parametrize("mode", SOFT_MODES)
def test_torch_transport_forward_mode(mode):
    """torch.func.jvp == finite differences and == the backward (dot test). ``jacfwd``/``jacrev``
    are out of reach: the rule's CG checks convergence on the host, which torch.func.vmap forbids
    on batched tangents; vmap of the forward itself works (the rule runs on the larger batch)."""
    cost, mu, nu = (torch.tensor(a[0]) for a in _ot_problem(10, 5, 4))
    kw = {"softness": 0.3, "mode": mode, "sinkhorn_tol": 1e-12, "lbfgs_tol": 1e-12}

    def f(c):
        return proj_transport_polytope(c, mu, nu, bk=TORCH, **kw)

    rng = np.random.default_rng(11)
    d, cot = torch.tensor(rng.standard_normal(cost.shape)), torch.tensor(rng.standard_normal(cost.shape))
    _, tangent = torch.func.jvp(f, (cost,), (d,))
    fd = (f(cost + 1e-6 * d) - f(cost - 1e-6 * d)) / 2e-6
    assert_close(tangent.numpy(), fd.numpy(), 1e-5 if mode == "c0" else 1e-6, what="jvp vs fd")
    c = cost.clone().requires_grad_(True)
    (g,) = torch.autograd.grad((f(c) * cot).sum(), c)
    assert float((tangent * cot).sum()) == pytest.approx(float((g * d).sum()), rel=1e-9, abs=1e-12)
    batch = torch.stack([cost, cost.flip(0)])
    batched = torch.func.vmap(f)(batch)
    assert_close(batched.numpy(), torch.stack([f(batch[0]), f(batch[1])]).numpy(), 1e-12, what="vmap")


# ------------------------------------------------------------------------------------------------
# The catalogue: every op (JAX)
# ------------------------------------------------------------------------------------------------


def _catalogue_params():
    """Every catalogue case x soft mode; the first soft mode of each case runs in the default tier
    (unless the case is slow), the others in the slow tier."""
    params = []
    for c in ALL_CASES:
        modes = c.soft_modes if c.has_mode else (None,)
        for i, mode in enumerate(modes):
            marks = c.marks if (i == 0 or c.slow) else (pytest.mark.slow,)
            params.append(pytest.param(c, mode, id=c.id if mode is None else f"{c.id}-{mode}", marks=marks))
    return params


@pytest.mark.jax
@pytest.mark.parametrize(("case", "mode"), _catalogue_params())
def test_catalogue_jacfwd_matches_jacrev(case, mode):
    from conftest import get_harness, selected_backends

    if "jax" not in selected_backends():
        pytest.skip("jax not selected")
    h = get_harness("jax")
    inputs = case.inputs()
    fixed = h.convert_inputs(inputs)
    idx = list(case.diff_argnums)

    def f(*diff):
        args = list(fixed)
        for i, d in zip(idx, diff, strict=True):
            args[i] = d
        return _inexact(flatten_outputs(h.call_raw(case, args, mode)))

    _check_jax_forward_mode(f, tuple(h.to_fw(inputs[i]) for i in idx), fd_rtol=case.fd_rtol, what=f"{case.id} {mode}")


# ------------------------------------------------------------------------------------------------
# Every axis-wise op x method x soft mode (JAX: jacfwd/jacrev/fd; torch: jvp/fd)
# ------------------------------------------------------------------------------------------------

#: every wired method (a method still pending in ``_dispatch`` joins the grid once it is registered)
METHODS = ALL_METHODS


def _modes_of(method):
    return ("smooth",) if method == "smooth_sort" else SOFT_MODES


def _grid_params():
    """One combination per op (rotating methods and modes so that each appears) in the default
    tier, the full op x method x soft-mode grid in the slow tier."""
    params = []
    for i, (name, kw) in enumerate(ALL_OPS):
        for j, method in enumerate(METHODS):
            if method in VALUE_ONLY_METHODS and name in INDEX_ONLY:
                continue
            for mode in _modes_of(method):
                fast = method != "ot" and (j, SOFT_MODES.index(mode)) == (i % len(METHODS), i % 4)
                marks = () if fast else (pytest.mark.slow,)
                params.append(pytest.param(name, kw, method, mode, marks=marks, id=f"{name}-{method}-{mode}"))
    return params


def _x(seed=21, shape=(3, 5)):
    rng = np.random.default_rng(seed)
    n = shape[-1]
    rows = [rng.permutation(n) * 0.45 - 0.45 * (n - 1) / 2 + rng.uniform(-0.1, 0.1, size=n) for _ in range(shape[0])]
    return np.stack(rows)


def _call(lib, name, x, method, mode, kw):
    extra = {"ot_kwargs": OT_TIGHT} if method == "ot" else {}
    return call_op(lib, name, x, method, mode, kw, torch=lib is softtorch, **extra)


def _rtols(method, mode):
    """(fd_rtol, jac_rtol): OT plans carry the solver tolerance (1e-12) into finite differences.
    The ``ot`` + ``c0`` cases sit at degenerate vertices of the transport polytope (masses k/n: plan
    entries with t = 0 up to rounding), which once exposed an inconsistent support decision (see
    ``softcore.projections.transport._c0_support``)."""
    return (1e-5, 1e-9) if method == "ot" else (1e-6, 1e-9)


@pytest.mark.parametrize(("name", "kw", "method", "mode"), _grid_params())
def test_jax_every_op_method_mode(name, kw, method, mode):
    def f(a):
        return _inexact(flatten_outputs(_call(softjax, name, a, method, mode, kw)))

    fd_rtol, jac_rtol = _rtols(method, mode)
    _check_jax_forward_mode(f, (jnp.asarray(_x()),), fd_rtol=fd_rtol, jac_rtol=jac_rtol, what=f"{name} {method} {mode}")


@pytest.mark.parametrize(("name", "kw", "method", "mode"), _grid_params())
def test_torch_every_op_method_mode(name, kw, method, mode):
    """torch.func.jvp == finite differences == the backward (dot test) for a random direction."""
    x = torch.tensor(_x())
    rng = np.random.default_rng(22)
    d = torch.tensor(rng.standard_normal(x.shape))

    def f(a):
        return tuple(o for o in flatten_outputs(_call(softtorch, name, a, method, mode, kw)) if o.is_floating_point())

    outs, tangents = torch.func.jvp(f, (x,), (d,))
    plus, minus = f(x + 1e-6 * d), f(x - 1e-6 * d)
    cots = [torch.tensor(rng.standard_normal(o.shape)) for o in outs]
    xg = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(sum((c * o).sum() for c, o in zip(cots, f(xg), strict=True)), xg)
    for t, p, m in zip(tangents, plus, minus, strict=True):
        assert_close(t.numpy(), ((p - m) / 2e-6).numpy(), _rtols(method, mode)[0], what=f"{name} {method} {mode}")
    dot_fwd = sum(float((c * t).sum()) for c, t in zip(cots, tangents, strict=True))
    assert dot_fwd == pytest.approx(float((g * d).sum()), rel=1e-9, abs=1e-12)
