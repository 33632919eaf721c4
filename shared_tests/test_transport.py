"""Transport-polytope projection and ``method="ot"`` against independent NumPy oracles.

Oracles: a plain-loop scaling-form Sinkhorn run to 1e-13 (smooth); for c0/c1/c2 the KKT
conditions of the primal, checked directly on the returned plan (a least-squares fit of the dual
potentials on the support, then dual feasibility off the support). Gradients: the implicit VJP
against central finite differences of the forward (float64, tight solver tolerances) and against
autodiff through the unrolled solver. Every check runs on the NumPy reference backend, JAX and
torch where it applies; JAX calls are jitted (one compilation per configuration).
"""

from __future__ import annotations

import functools
import os
import warnings

os.environ.setdefault("JAX_ENABLE_X64", "1")

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from softcore._backend import get_backend
from softcore.axiswise.methods import ot
from softcore.projections.transport import proj_transport_polytope
from softjax._backend import JAX
from softtorch._backend import TORCH

jax.config.update("jax_enable_x64", True)

MODES = ("smooth", "c0", "c1", "c2")
BACKENDS = ("numpy", "jax", "torch")
# The solver code is shared; JAX (one XLA compilation per configuration, seconds each) is checked
# by the parity / gradient / transform tests below, the bulk of the oracle tests run eagerly.
EAGER = ("numpy", "torch")
_Q = {"c0": 2, "c1": 3, "c2": 4}
TIGHT = {"sinkhorn_tol": 1e-12, "lbfgs_tol": 1e-12}


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _to(backend: str, a: np.ndarray, dtype: str = "float64"):
    a = np.asarray(a, dtype=np.float64)
    if backend == "jax":
        return jnp.asarray(a, dtype=getattr(jnp, dtype))
    if backend == "torch":
        return torch.tensor(a, dtype=getattr(torch, dtype))
    return a.astype(dtype)


def _np(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().float().numpy() if a.dtype == torch.bfloat16 else a.detach().numpy()
    return np.asarray(a, dtype=np.float64) if getattr(a, "dtype", None) == jnp.bfloat16 else np.asarray(a)


def _bk(backend: str, like=None):
    if backend == "jax":
        return JAX
    if backend == "torch":
        return TORCH
    return get_backend(np.zeros(1) if like is None else like)


def _problem(seed: int, batch: tuple[int, ...] = (2,), n: int = 5, m: int = 4):
    rng = np.random.default_rng(seed)
    cost = rng.random((*batch, n, m))
    mu = rng.random((*batch, n)) + 0.5
    nu = rng.random((*batch, m)) + 0.5
    mu /= mu.sum(-1, keepdims=True)
    nu /= nu.sum(-1, keepdims=True)
    return cost, mu, nu


def _scores(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """Standardised-and-squashed scores in (0, 1), as the public ops feed the methods."""
    z = np.random.default_rng(seed).standard_normal(shape)
    z = (z - z.mean(-1, keepdims=True)) / z.std(-1, keepdims=True)
    return 1 / (1 + np.exp(-z))


def _solve(backend: str, cost, mu, nu, softness, mode, dtype="float64", **kw):
    bk = _bk(backend, cost)
    c, a, b = (_to(backend, v, dtype) for v in (cost, mu, nu))
    if backend == "jax":
        fn = jax.jit(
            functools.partial(proj_transport_polytope, softness=softness, mode=mode, bk=JAX, return_info=True, **kw)
        )
        return fn(c, a, b)
    return proj_transport_polytope(c, a, b, softness, mode, bk=bk, return_info=True, **kw)


# ------------------------------------------------------------------------------------------------
# Oracles
# ------------------------------------------------------------------------------------------------


def oracle_sinkhorn(cost: np.ndarray, mu: np.ndarray, nu: np.ndarray, eps: float) -> np.ndarray:
    """Plain scaling-form Sinkhorn on one problem, float64, to an L1 marginal error of 1e-13."""
    k = np.exp(-(cost - cost.min()) / eps)
    u, v = np.ones_like(mu), np.ones_like(nu)
    for _ in range(200000):
        u = mu / (k @ v)
        v = nu / (k.T @ u)
        plan = u[:, None] * k * v[None, :]
        if np.abs(plan.sum(1) - mu).sum() < 1e-13:
            return plan
    raise AssertionError("oracle Sinkhorn did not converge")


def kkt_violation(plan: np.ndarray, cost: np.ndarray, mu: np.ndarray, nu: np.ndarray, lam: float, q: int) -> dict:
    """KKT of ``min <C, P> + lam R_p(P)`` on one plan: ``P = [f + g - C/lam]_+^{q-1}``.

    Fits ``(f, g)`` by least squares on the support ``P > 0`` from ``P^{1/(q-1)} + C/lam = f + g``
    and reports the fit residual, the largest ``f_i + g_j - C_ij/lam`` off the support (must be
    <= 0) and the marginal errors.
    """
    n, m = cost.shape
    cs = cost / lam
    support = plan > 1e-14
    rows, cols = np.nonzero(support)
    a = np.zeros((len(rows), n + m))
    a[np.arange(len(rows)), rows] = 1
    a[np.arange(len(rows)), n + cols] = 1
    t = plan[rows, cols] ** (1 / (q - 1)) + cs[rows, cols]
    sol = np.linalg.lstsq(a, t, rcond=None)[0]
    f, g = sol[:n], sol[n:]
    slack = f[:, None] + g[None, :] - cs
    return {
        "fit": float(np.abs(a @ sol - t).max()),
        "dual_infeasible": float(np.max(np.where(support, -np.inf, slack))) if (~support).any() else -1.0,
        "marginals": float(np.abs(plan.sum(1) - mu).sum() + np.abs(plan.sum(0) - nu).sum()),
    }


def oracle_pnorm_ot(cost: np.ndarray, mu: np.ndarray, nu: np.ndarray, lam: float, q: int) -> np.ndarray:
    """p-norm regularised OT plan for one problem, float64, to an L1 marginal error of 1e-13.

    Dense damped Newton on the concave dual ``mu.f + nu.g - (1/q) sum [f + g - C/lam]_+^q`` with
    exact linear algebra: the (generalised) Hessian ``[[diag(W1), W], [W^T, diag(W^T 1)]]`` plus
    a Levenberg-Marquardt ridge ``1e-2 ||grad||_1`` is factorised by ``numpy.linalg.solve`` (no
    CG, no gauge term, no step cap); backtracking on the Armijo condition. Independent of the
    solver code; its result is also checked against the KKT conditions by the tests.
    """
    n, m = cost.shape
    cs = cost / lam

    def value_grad(f, g):
        tp = np.maximum(f[:, None] + g[None, :] - cs, 0)
        plan = tp ** (q - 1)
        value = (plan * tp).sum() / q - mu @ f - nu @ g
        return value, np.concatenate([plan.sum(1) - mu, plan.sum(0) - nu]), tp

    f, g = cs.min(1) + 1.0, np.zeros(m)  # every row has some support
    value, grad, tp = value_grad(f, g)
    for _ in range(2000):
        err = np.abs(grad).sum()
        if err < 1e-13:
            return tp ** (q - 1)
        w = (tp > 0).astype(float) if q == 2 else (q - 1) * tp ** (q - 2)
        hess = np.block([[np.diag(w.sum(1)), w], [w.T, np.diag(w.sum(0))]])
        d = np.linalg.solve(hess + 1e-2 * err * np.eye(n + m), -grad)
        step = 1.0
        while step > 1e-12:
            new_value, new_grad, new_tp = value_grad(f + step * d[:n], g + step * d[n:])
            if new_value <= value + 1e-4 * step * (grad @ d) + 1e-15 * abs(value):
                break
            step /= 2
        f, g = f + step * d[:n], g + step * d[n:]
        value, grad, tp = new_value, new_grad, new_tp
    raise AssertionError("oracle p-norm OT did not converge")


# ------------------------------------------------------------------------------------------------
# Projection: values
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", EAGER)
@pytest.mark.parametrize("sinkhorn", [True, False], ids=["sinkhorn", "lbfgs"])
def test_smooth_matches_sinkhorn_oracle(backend, sinkhorn):
    cost, mu, nu = _problem(0, batch=(2,), n=5, m=4)
    plan, info = _solve(backend, cost, mu, nu, 0.3, "smooth", use_entropic_ot_sinkhorn_on_entropic=sinkhorn, **TIGHT)
    plan = _np(plan)
    for b in range(2):
        np.testing.assert_allclose(plan[b], oracle_sinkhorn(cost[b], mu[b], nu[b], 0.3), atol=1e-10, rtol=0)
    assert np.all(_np(info.converged))


@pytest.mark.parametrize("backend", EAGER)
@pytest.mark.parametrize("mode", ["c0", "c1", "c2"])
def test_sparse_modes_satisfy_kkt(backend, mode):
    cost, mu, nu = _problem(1, batch=(2,), n=6, m=4)
    lam = 0.05
    plan, info = _solve(backend, cost, mu, nu, lam, mode, **TIGHT)
    plan = _np(plan)
    assert np.all(_np(info.converged))
    for b in range(2):
        v = kkt_violation(plan[b], cost[b], mu[b], nu[b], lam, _Q[mode])
        assert v["marginals"] < 1e-11, v
        assert v["fit"] < 1e-8, v
        assert v["dual_infeasible"] < 1e-8, v
        assert (plan[b] == 0).any()  # sparse at this softness


@pytest.mark.parametrize("backend", EAGER)
@pytest.mark.parametrize("mode", MODES)
def test_marginals_hold_to_default_tolerance(backend, mode):
    cost, mu, nu = _problem(2, batch=(3,), n=8, m=8)
    plan, info = _solve(backend, cost, mu, nu, 0.1, mode)
    plan = _np(plan)
    err = np.abs(plan.sum(-1) - mu).sum(-1) + np.abs(plan.sum(-2) - nu).sum(-1)
    assert np.all(err <= 1e-5)
    np.testing.assert_allclose(_np(info.marginal_error), err, atol=1e-12)
    assert np.all(_np(info.converged)) and np.all(_np(info.n_iter) >= 1)


def test_nonconvergence_is_reported():
    cost, mu, nu = _problem(3, batch=(2,), n=6, m=6)
    for mode in MODES:
        _, info = _solve("numpy", cost, mu, nu, 1e-3, mode, sinkhorn_max_iter=3, lbfgs_max_iter=3)
        assert not np.any(info.converged) and np.all(info.marginal_error > 1e-5), mode


def _sort_problem(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``argsort`` cost ``(x_i - j/(n-1))^2`` (rows: elements) and uniform marginals, one row."""
    n = x.shape[-1]
    return (x[:, None] - np.arange(n) / (n - 1)) ** 2, np.full(n, 1 / n)


@pytest.mark.parametrize("n", [64, 256])
@pytest.mark.parametrize("mode", ["c0", "c1", "c2"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_sparse_square_problems_reach_tolerance(backend, mode, n):
    """Issue 5: the square problems of argsort / sort / rank (n anchors, uniform marginals) reach
    a tight marginal tolerance in float64 and match the dense-Newton oracle plan."""
    lam, tol = 0.1, 1e-9
    x = _scores(20 + n, (1, n))
    cost, mu = _sort_problem(x[0])
    ref = oracle_pnorm_ot(cost, mu, mu, lam, _Q[mode])  # (elements, anchors)
    bk = _bk(backend, x)
    kw = {"softness": lam, "mode": mode, "ot_kwargs": {"lbfgs_tol": tol}, "bk": bk, "return_info": True}
    argsort = functools.partial(ot.ot_argsort, descending=False, **kw)
    p, info = jax.jit(argsort)(_to("jax", x)) if backend == "jax" else argsort(_to(backend, x))
    p = _np(p)[0]  # (anchors, elements) = (Gamma n)^T
    err = (np.abs(p.sum(-1) - 1).sum() + np.abs(p.sum(-2) - 1).sum()) / n
    assert err <= tol and bool(_np(info.converged)[0]), (err, _np(info.marginal_error))
    np.testing.assert_allclose(_np(info.marginal_error)[0], err, rtol=1e-3, atol=1e-13)
    # The plan is unique (strictly convex primal); measured distance to the oracle ~1e-12.
    np.testing.assert_allclose(p, n * ref.T, atol=n * 1e-10, rtol=0)
    # sort values are P x; rank_i = sum_j (j + 1) Gamma_ij / sum_j Gamma_ij.
    np.testing.assert_allclose(p @ x[0], n * ref.T @ x[0], atol=1e-8, rtol=0)
    if backend != "jax":
        rank = _np(ot.ot_rank(_to(backend, x), lam, mode, False, {"lbfgs_tol": tol}, bk=bk))[0]
        ref_rank = ref @ np.arange(1, n + 1) / ref.sum(1)
        np.testing.assert_allclose(rank, ref_rank, atol=1e-6, rtol=0)


@pytest.mark.parametrize("mode", ["c0", "c1", "c2"])
@pytest.mark.parametrize("backend", EAGER)
def test_sparse_square_float32_reaches_default_tolerance(backend, mode):
    """float32, n = 64, softness 0.1: the default tolerance 1e-5 is reached (c0 at ~4e-6)."""
    n = 64
    x = _scores(21, (1, n))
    cost, mu = _sort_problem(x[0])
    ref = oracle_pnorm_ot(cost, mu, mu, 0.1, _Q[mode])
    p, info = ot.ot_argsort(_to(backend, x, "float32"), 0.1, mode, False, None, bk=_bk(backend, x), return_info=True)
    p = _np(p)[0].astype(np.float64)
    err = (np.abs(p.sum(-1) - 1).sum() + np.abs(p.sum(-2) - 1).sum()) / n
    assert err <= 1e-5 and bool(_np(info.converged)[0]), (err, _np(info.marginal_error))
    np.testing.assert_allclose(p, n * ref.T, atol=1e-4, rtol=0)


def test_float32_shortfall_is_reported():
    """Where float32 cannot reach the tolerance (c0, n = 256, softness 0.01: round-off floor ~1e-4)
    the shortfall is observable: ``info`` reports the plan's true error and the eager op warns."""
    n, tol = 256, 1e-5
    x = _scores(22, (1, n)).astype(np.float32)
    bk = _bk("numpy", x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p, info = ot.ot_argsort(x, 0.01, "c0", False, {"lbfgs_tol": tol}, bk=bk, return_info=True)
    p = p[0].astype(np.float64)
    err = (np.abs(p.sum(-1) - 1).sum() + np.abs(p.sum(-2) - 1).sum()) / n
    np.testing.assert_allclose(info.marginal_error[0], err, rtol=0.05)
    assert bool(info.converged[0]) == (err <= tol)
    warned = any(issubclass(w.category, ot.OTConvergenceWarning) for w in caught)
    assert warned == (not bool(info.converged[0])), (err, [str(w.message) for w in caught])
    assert err < 1e-3  # the best iterate, at the round-off floor (1.9 before issue 5: mass dropped)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nan_unconverged_marks_missed_rows_under_jit(backend):
    """``ot_kwargs["nan_unconverged"]``: a result whose plan misses the tolerance comes back NaN
    (jitted in JAX, where no warning can be raised); a converged one is unchanged."""
    x = _scores(23, (2, 8))
    bk = _bk(backend, x)

    def rank(**ot_kwargs):
        fn = functools.partial(
            ot.ot_rank, softness=0.1, mode="c0", descending=False, ot_kwargs=ot_kwargs, bk=bk, return_info=True
        )
        out, info = jax.jit(fn)(_to("jax", x)) if backend == "jax" else fn(_to(backend, x))
        return _np(out), _np(info.converged)

    quiet = {"lbfgs_tol": 1e-9, "warn_unconverged": False}
    ref, converged = rank(**quiet)
    out, converged_nan = rank(**quiet, nan_unconverged=True)
    assert converged.all() and converged_nan.all() and np.isfinite(ref).all()
    np.testing.assert_allclose(out, ref, rtol=1e-14, atol=0)  # XLA may fuse the jitted op differently
    short, missed = rank(**quiet, lbfgs_max_iter=2)  # too few evaluations
    short_nan, missed_nan = rank(**quiet, lbfgs_max_iter=2, nan_unconverged=True)
    assert not missed.any() and not missed_nan.any()
    assert np.isfinite(short).all()  # without the option: the best iterate
    assert np.isnan(short_nan).all()


def test_batch_composition_does_not_change_rows():
    cost, mu, nu = _problem(4, batch=(3,), n=6, m=5)
    cost[1] *= 5  # a slower row in the same batch
    for mode in MODES:
        batched = _np(_solve("numpy", cost, mu, nu, 0.1, mode)[0])
        alone = _np(_solve("numpy", cost[:1], mu[:1], nu[:1], 0.1, mode)[0])
        np.testing.assert_allclose(batched[0], alone[0], atol=1e-14, rtol=0)


# ------------------------------------------------------------------------------------------------
# Gradients
# ------------------------------------------------------------------------------------------------


def _grad(backend: str, fn, x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Gradient of ``sum(weights * fn(x))`` in float64."""
    if backend == "jax":
        w = jnp.asarray(weights)
        return np.asarray(jax.jit(jax.grad(lambda v: jnp.sum(w * fn(v, JAX))))(jnp.asarray(x)))
    xt = torch.tensor(x, requires_grad=True)
    (torch.tensor(weights) * fn(xt, TORCH)).sum().backward()
    return xt.grad.numpy()


def _central_fd(fn, x: np.ndarray, weights: np.ndarray, h: float = 1e-6) -> np.ndarray:
    bk = get_backend(x)
    out = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        out[idx] = (np.sum(weights * fn(x + e, bk)) - np.sum(weights * fn(x - e, bk))) / (2 * h)
    return out


_GRAD_CASES = [("smooth", True), ("smooth", False), ("c0", False), ("c1", False), ("c2", False)]


@pytest.mark.parametrize("backend", ["torch"])
@pytest.mark.parametrize(("mode", "sinkhorn"), _GRAD_CASES, ids=[f"{m}-{'sk' if s else 'lb'}" for m, s in _GRAD_CASES])
def test_implicit_gradient_matches_finite_differences(backend, mode, sinkhorn):
    """d/dC of a weighted plan, implicit VJP vs central differences (SoftTorch 0.1.1 was off by 0.7)."""
    cost, mu, nu = _problem(6, batch=(2,), n=4, m=3)
    weights = np.random.default_rng(7).standard_normal(cost.shape)
    kw = dict(TIGHT, use_entropic_ot_sinkhorn_on_entropic=sinkhorn)

    def fn(c, bk):
        xp = bk.xp
        return proj_transport_polytope(c, xp.asarray(mu), xp.asarray(nu), 0.2, mode, bk=bk, **kw)

    fd = _central_fd(fn, cost, weights)
    g = _grad(backend, fn, cost, weights)
    np.testing.assert_allclose(g, fd, atol=2e-7 * max(1.0, np.abs(fd).max()), rtol=0)


@pytest.mark.parametrize("mode", MODES)
def test_argsort_jax_torch_parity_and_finite_differences(mode):
    """Values: jax == torch == numpy to round-off; d/dx of a weighted soft argsort vs central
    differences in both frameworks (one jitted value-and-grad per mode in JAX)."""
    x = _scores(8, (2, 5))
    weights = np.random.default_rng(9).standard_normal((2, 5, 5))

    def fn(v, bk):
        return ot.ot_argsort(v, 0.1, mode, False, TIGHT, bk=bk)

    w = jnp.asarray(weights)
    val_j, grad_j = jax.jit(jax.value_and_grad(lambda v: jnp.sum(w * fn(v, JAX)), has_aux=False))(jnp.asarray(x))
    xt = torch.tensor(x, requires_grad=True)
    val_t = (torch.tensor(weights) * fn(xt, TORCH)).sum()
    val_t.backward()
    np.testing.assert_allclose(float(val_j), float(val_t.detach()), atol=1e-10, rtol=0)
    p_np = fn(x, _bk("numpy"))
    np.testing.assert_allclose(_np(fn(torch.tensor(x), TORCH)), p_np, atol=1e-10, rtol=0)
    fd = _central_fd(fn, x, weights)
    tol = 1e-6 * max(1.0, np.abs(fd).max())
    np.testing.assert_allclose(np.asarray(grad_j), fd, atol=tol, rtol=0)
    np.testing.assert_allclose(xt.grad.numpy(), fd, atol=tol, rtol=0)


@pytest.mark.parametrize("mode", MODES)
def test_softness_gradient_matches_finite_differences(mode):
    """Softness enters through ``cost / softness`` outside the rule: ordinary autodiff."""
    cost, mu, nu = _problem(12, batch=(2,), n=4, m=3)
    weights = np.random.default_rng(13).standard_normal(cost.shape)

    def loss(s: float) -> float:
        plan = proj_transport_polytope(cost, mu, nu, s, mode, bk=_bk("numpy"), **TIGHT)
        return float(np.sum(weights * plan))

    s0, h = 0.2, 1e-6
    fd = (loss(s0 + h) - loss(s0 - h)) / (2 * h)
    st = torch.tensor(s0, dtype=torch.float64, requires_grad=True)
    plan = proj_transport_polytope(torch.tensor(cost), torch.tensor(mu), torch.tensor(nu), st, mode, bk=TORCH, **TIGHT)
    (torch.tensor(weights) * plan).sum().backward()
    np.testing.assert_allclose(st.grad.item(), fd, atol=1e-6 * max(1.0, abs(fd)), rtol=0)


@pytest.mark.parametrize(("mode", "sinkhorn"), _GRAD_CASES, ids=[f"{m}-{'sk' if s else 'lb'}" for m, s in _GRAD_CASES])
def test_implicit_gradient_matches_unrolled(mode, sinkhorn):
    """Implicit VJP vs torch autograd through exactly ``max_iter`` unrolled solver steps."""
    iters, tol = 60, 1e-7
    cost, mu, nu = _problem(10, batch=(2,), n=5, m=4)
    weights = np.random.default_rng(11).standard_normal(cost.shape)
    grads = []
    for implicit in (True, False):
        kw = {
            "use_entropic_ot_sinkhorn_on_entropic": sinkhorn,
            "implicit_diff": implicit,
            "sinkhorn_max_iter": iters,
            "lbfgs_max_iter": iters,
            "sinkhorn_tol": 1e-13,
            "lbfgs_tol": 1e-13,
        }

        def fn(c, bk, kw=kw):
            return proj_transport_polytope(c, bk.xp.asarray(mu), bk.xp.asarray(nu), 0.3, mode, bk=bk, **kw)

        grads.append(_grad("torch", fn, cost, weights))
    np.testing.assert_allclose(grads[0], grads[1], atol=tol, rtol=0)


def test_gradients_finite_at_ties():
    x = torch.tensor([[0.2, 0.5, 0.5, 0.5, 0.8]], dtype=torch.float64, requires_grad=True)
    for mode in MODES:
        x.grad = None
        ot.ot_argsort(x, 0.01, mode, True, None, bk=TORCH).square().sum().backward()
        assert torch.isfinite(x.grad).all(), mode


# ------------------------------------------------------------------------------------------------
# Method-level functions
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_near_hard_limit(mode):
    x = np.array([[0.55, 0.1, 0.9, 0.3, 0.7, 0.2]])
    bk = _bk("numpy")
    order = np.argsort(x[0])
    p = ot.ot_argsort(x, 1e-3, mode, False, None, bk=bk)
    np.testing.assert_allclose(p[0], np.eye(6)[order], atol=1e-2)
    p_desc = ot.ot_argsort(x, 1e-3, mode, True, None, bk=bk)
    np.testing.assert_allclose(p_desc[0], np.eye(6)[order[::-1]], atol=1e-2)
    ranks = np.empty(6)
    ranks[order[::-1]] = np.arange(1, 7)
    np.testing.assert_allclose(ot.ot_rank(x, 1e-3, mode, True, None, bk=bk)[0], ranks, atol=1e-2)
    np.testing.assert_allclose(ot.ot_argmax(x, 1e-3, mode, None, bk=bk)[0], np.eye(6)[2], atol=1e-2)
    np.testing.assert_allclose(ot.ot_argtop_k(x, 2, 1e-3, mode, None, bk=bk)[0], np.eye(6)[[2, 4]], atol=1e-2)
    # 0-based order statistic 2 of 6 is x[4]... ascending: 0.1, 0.2, 0.3, 0.55, 0.7, 0.9
    single = ot.ot_argquantile(x, 2, 2, 0.0, False, 1e-3, mode, None, bk=bk)
    np.testing.assert_allclose(single[0], np.eye(6)[3], atol=1e-2)
    mixed = ot.ot_argquantile(x, 2, 3, 0.25, True, 1e-3, mode, None, bk=bk)
    np.testing.assert_allclose(mixed[0], 0.75 * np.eye(6)[3] + 0.25 * np.eye(6)[0], atol=1e-2)


@pytest.mark.parametrize("mode", MODES)
def test_method_shapes_simplex_and_log_probs(mode):
    x = _scores(12, (2, 3, 6))
    bk = _bk("numpy")
    n = 6
    outs = {
        "argsort": (ot.ot_argsort, (0.1, mode, True, None), (2, 3, n, n)),
        "argmax": (ot.ot_argmax, (0.1, mode, None), (2, 3, n)),
        "top_k": (lambda v, *a, **k: ot.ot_argtop_k(v, 3, *a, **k), (0.1, mode, None), (2, 3, 3, n)),
        "top_n": (lambda v, *a, **k: ot.ot_argtop_k(v, n, *a, **k), (0.1, mode, None), (2, 3, n, n)),
        "quantile": (lambda v, *a, **k: ot.ot_argquantile(v, 1, 2, 0.3, True, *a, **k), (0.1, mode, None), (2, 3, n)),
        "quantile1": (lambda v, *a, **k: ot.ot_argquantile(v, 4, 5, 0.0, False, *a, **k), (0.1, mode, None), (2, 3, n)),
    }
    for name, (fn, args, shape) in outs.items():
        p = fn(x, *args, bk=bk)
        assert p.shape == shape, name
        np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-4, err_msg=name)  # a distribution over elements
        assert (p >= 0).all(), name
        logp = fn(x, *args, bk=bk, return_log_probs=True)
        np.testing.assert_allclose(np.exp(logp), p, atol=1e-12, err_msg=name)
        if mode != "smooth":
            assert np.all(np.isneginf(logp[p == 0])), name
    r = ot.ot_rank(x, 0.1, mode, False, None, bk=bk)
    assert r.shape == (2, 3, n) and (r >= 1 - 1e-9).all() and (r <= n + 1e-9).all()
    np.testing.assert_allclose(r.sum(-1), n * (n + 1) / 2, atol=1e-3)
    np.testing.assert_allclose(
        ot.ot_argtop_k(x, n, 0.1, mode, None, bk=bk), ot.ot_argsort(x, 0.1, mode, True, None, bk=bk)
    )


def test_ot_kwargs_validation():
    x = _scores(13, (4,))
    bk = _bk("numpy")
    with pytest.raises(ValueError, match="bogus_key"):
        ot.ot_argsort(x, 0.1, "smooth", False, {"bogus_key": 1}, bk=bk)
    with pytest.raises(TypeError):
        ot.ot_argmax(x, 0.1, "smooth", [("sinkhorn_tol", 1e-3)], bk=bk)
    with pytest.raises(ValueError, match="sinkhorn_tol"):
        ot.ot_argmax(x, 0.1, "smooth", {"sinkhorn_tol": -1.0}, bk=bk)
    with pytest.raises(TypeError, match="lbfgs_max_iter"):
        ot.ot_argmax(x, 0.1, "c0", {"lbfgs_max_iter": 1.5}, bk=bk)
    with pytest.raises(ValueError, match="mode"):
        ot.ot_argmax(x, 0.1, "hard", None, bk=bk)
    with pytest.raises(ValueError, match="softness"):
        ot.ot_argmax(x, 0.0, "smooth", None, bk=bk)
    with pytest.raises(ValueError, match="k"):
        ot.ot_argtop_k(x, 5, 0.1, "smooth", None, bk=bk)
    with pytest.raises(ValueError):
        ot.ot_argquantile(x, 3, 2, 0.5, True, 0.1, "smooth", None, bk=bk)
    all_keys = {
        "sinkhorn_tol": 1e-6,
        "sinkhorn_max_iter": 50,
        "lbfgs_tol": 1e-6,
        "lbfgs_max_iter": 50,
        "use_entropic_ot_sinkhorn_on_entropic": False,
        "implicit_diff": True,
        "sinkhorn_anneal": False,
        "check_every": 5,
        "lbfgs_history": 4,
        "dual": "full",
        "cg_tol": 1e-8,
        "cg_max_iter": 30,
        "warn_unconverged": False,
        "nan_unconverged": True,
    }
    assert set(all_keys) == set(ot.OT_KWARGS_KEYS)
    assert ot.ot_argmax(x, 0.1, "c1", all_keys, bk=bk).shape == (4,)


# ------------------------------------------------------------------------------------------------
# Transforms and precision
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["smooth"])
def test_jax_jit_vmap_grad(mode):
    x = _scores(14, (3, 6))
    fn = functools.partial(ot.ot_rank, softness=0.1, mode=mode, descending=True, ot_kwargs=None, bk=JAX)
    batched = jax.jit(fn)(jnp.asarray(x))
    mapped = jax.jit(jax.vmap(fn))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(mapped), np.asarray(batched), atol=1e-12)
    grads = jax.jit(jax.vmap(jax.grad(lambda v: jnp.sum(fn(v) * jnp.arange(6.0)))))(jnp.asarray(x))
    assert np.isfinite(np.asarray(grads)).all()


@pytest.mark.parametrize(
    ("backend", "mode"), [(b, m) for b in EAGER for m in MODES] + [("jax", "smooth"), ("jax", "c0")]
)
def test_float32_converges_without_float64(backend, mode):
    x = _scores(15, (2, 16)).astype(np.float32)
    bk = _bk(backend, x)
    xin = _to(backend, x, "float32")
    fn = functools.partial(
        ot.ot_argsort, softness=0.1, mode=mode, descending=False, ot_kwargs=None, bk=bk, return_info=True
    )
    p, info = jax.jit(fn)(xin) if backend == "jax" else fn(xin)
    assert str(p.dtype).endswith("float32")
    assert np.all(_np(info.converged)), _np(info.marginal_error)
    ref = ot.ot_argsort(x.astype(np.float64), 0.1, mode, False, None, bk=_bk("numpy"))
    np.testing.assert_allclose(_np(p), ref, atol=2e-4)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_keeps_dtype(dtype):
    x = torch.tensor(_scores(16, (2, 8)), dtype=getattr(torch, dtype), requires_grad=True)
    p = ot.ot_argsort(x, 0.1, "smooth", False, None, bk=TORCH)
    assert p.dtype == x.dtype
    p.float().square().sum().backward()
    assert x.grad.dtype == x.dtype and torch.isfinite(x.grad.float()).all()
