"""``method="smooth_sort"`` (smoothed-permutahedron projection) against independent NumPy oracles.

The oracle solves the SPEC §2.3 entropic LP in its PRIMAL form, with nothing shared with the
implementation (which solves the dual): the majorisation bounds ``b_k = tau log e_k(e^{w/tau})``
by brute force over all k-subsets, and a damped Newton method with a dense Hessian over the
prefix sums ``P_k = y_1 + ... + y_k`` (``k < n``) of the output sorted like ``z``:

    minimise  -<zeta, y(P)> + sum_k phi(b_k - P_k) + sum_k phi(y_k - y_{k+1}),   phi(u) = u log u - u,

``zeta = sort(z / s)`` descending, ``y_k = P_k - P_{k-1}`` (``P_0 = 0``, ``P_n = sum w``). Checks
run on the NumPy reference backend, JAX and torch, in float64 unless said otherwise.
"""

from __future__ import annotations

import functools
import itertools
import math
import os

os.environ.setdefault("JAX_ENABLE_X64", "1")

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import softjax
import softtorch
from softcore._backend import get_backend
from softcore.axiswise.methods import smooth_sort
from softcore.projections.permutahedron_smooth import (
    DUAL_SOLVE,
    log_elementary_symmetric,
    proj_permutahedron_smooth,
)
from softcore.solvers.pentadiagonal import pentadiagonal_matvec, solve_spd_pentadiagonal
from softjax._backend import JAX
from softtorch._backend import TORCH

jax.config.update("jax_enable_x64", True)

BACKENDS = ("numpy", "jax", "torch")
TIGHT = {"lbfgs_tol": 1e-12}
SHAPE = (2, 5)  # the shape of (nearly) every JAX check: one compilation per program
WHICH = ("sort", "rank_desc", "rank_asc")

# ------------------------------------------------------------------------------------------------
# Oracle
# ------------------------------------------------------------------------------------------------


def oracle_bounds(w: np.ndarray, tau: float) -> np.ndarray:
    """``b_k`` for k = 1..n (b_n = sum w) by enumeration of the k-subsets (small n only)."""
    n = len(w)
    b = []
    for k in range(1, n):
        terms = [sum(c) / tau for c in itertools.combinations(w, k)]
        m = max(terms)
        b.append(tau * (m + math.log(sum(math.exp(t - m) for t in terms))))
    b.append(float(np.sum(w)))
    return np.array(b)


def _oracle_sorted(zeta: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Primal damped Newton on the prefix sums; returns y in the order of ``zeta`` (descending)."""
    n = len(b)
    if n == 1:
        return b.copy()
    bn = b[-1]
    # y = M P + bn e_n with M (n, n-1): y_k = P_k - P_{k-1}.
    m_mat = np.zeros((n, n - 1))
    for k in range(n - 1):
        m_mat[k, k] = 1.0
        m_mat[k + 1, k] = -1.0
    e_n = np.zeros(n)
    e_n[-1] = bn
    d_mat = np.eye(n - 1, n) - np.eye(n - 1, n, k=1)  # (D y)_k = y_k - y_{k+1}

    def parts(p):
        y = m_mat @ p + e_n
        return y, b[:-1] - p, d_mat @ y

    def f(p):
        y, s, d = parts(p)
        if np.any(s <= 0) or np.any(d <= 0):
            return np.inf
        return -zeta @ y + np.sum(s * np.log(s) - s) + np.sum(d * np.log(d) - d)

    ks = np.arange(1, n)
    p = 0.5 * b[:-1] + 0.5 * ks * bn / n  # strictly feasible: half-way to the uniform prefix sums
    for _ in range(200):
        y, s, d = parts(p)
        dm = d_mat @ m_mat
        grad = -m_mat.T @ zeta - np.log(s) + dm.T @ np.log(d)
        if np.max(np.abs(grad)) < 1e-14 * max(1.0, np.max(np.abs(b))):
            break
        hess = np.diag(1 / s) + dm.T @ np.diag(1 / d) @ dm
        step = -np.linalg.solve(hess, grad)
        t, f0 = 1.0, f(p)
        while f(p + t * step) > f0 + 1e-4 * t * (grad @ step) + 1e-15 * abs(f0) and t > 1e-12:
            t *= 0.5
        p = p + t * step
    return parts(p)[0]


def oracle_projection(z: np.ndarray, w: np.ndarray, softness: float) -> np.ndarray:
    z, w = np.broadcast_arrays(np.asarray(z, np.float64), np.asarray(w, np.float64))
    out = np.empty(z.shape)
    tau = min(softness, 1.0)
    for idx in np.ndindex(z.shape[:-1]):
        perm = np.argsort(-z[idx], kind="stable")
        zeta = z[idx][perm] / softness
        out[idx + (perm,)] = _oracle_sorted(zeta, oracle_bounds(w[idx], tau))
    return out


def oracle_sort(x: np.ndarray, softness: float) -> np.ndarray:
    n = x.shape[-1]
    return oracle_projection(np.arange(n) / max(n - 1, 1), x, softness)


def oracle_rank(x: np.ndarray, softness: float, descending: bool) -> np.ndarray:
    n = x.shape[-1]
    grid = np.arange(1, n + 1) / max(n - 1, 1)
    return oracle_projection(-x if descending else x, grid, softness) * max(n - 1, 1)


# ------------------------------------------------------------------------------------------------
# Backend adapters
# ------------------------------------------------------------------------------------------------


def to_fw(name: str, a, dtype: str = "float64"):
    if name == "numpy":
        return np.asarray(a, dtype=dtype)
    if name == "jax":
        return jnp.asarray(a, dtype=getattr(jnp, dtype))
    return torch.tensor(np.asarray(a), dtype=getattr(torch, dtype))


def to_np(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().double().numpy()
    return np.asarray(a, dtype=np.float64)


def bk_of(name: str, a=None):
    return {"jax": JAX, "torch": TORCH}.get(name) or get_backend(a)


def _method_fn(which: str, softness, bk, tol: float | None):
    kw = None if tol is None else {"lbfgs_tol": tol}
    if which == "sort":
        return lambda a: smooth_sort.network_values(a, softness, "smooth", bk=bk, ot_kwargs=kw)
    return lambda a: smooth_sort.rank(a, softness, "smooth", which == "rank_desc", bk=bk, ot_kwargs=kw)


# JAX: compilation dominates (seconds per program on a small machine), so every JAX value,
# gradient and JVP comes from ONE jitted program per (method, tolerance), with the softness traced;
# tests reuse the same few shapes.
@functools.partial(jax.jit, static_argnames=("which", "tol"))
def _jx_all(x, softness, cot, *, which: str, tol: float | None):
    fn = _method_fn(which, softness, JAX, tol)
    y, pull = jax.vjp(fn, x)
    return y, pull(cot)[0], jax.jvp(fn, (x,), (cot,))[1]


def run(fw: str, which: str, x, softness: float, cot=None, dtype: str = "float64", tol: float | None = 1e-12):
    """``(y, grad of sum(y * cot), jvp along cot)`` as NumPy float64 (grad/jvp None on numpy)."""
    x = np.asarray(x, np.float64)
    cot = np.ones_like(x) if cot is None else cot
    if fw == "jax":
        y, g, t = _jx_all(to_fw("jax", x, dtype), softness, to_fw("jax", cot, dtype), which=which, tol=tol)
        return y, to_np(g), to_np(t)
    if fw == "numpy":
        return _method_fn(which, softness, get_backend(x), tol)(to_fw("numpy", x, dtype)), None, None
    fn = _method_fn(which, softness, TORCH, tol)
    xt = to_fw("torch", x, dtype).requires_grad_(True)
    y = fn(xt)
    (y * to_fw("torch", cot, dtype)).sum().backward()
    t = torch.func.jvp(fn, (to_fw("torch", x, dtype),), (to_fw("torch", cot, dtype),))[1]
    return y, to_np(xt.grad), to_np(t)


_jx_proj = jax.jit(lambda z, w, s: proj_permutahedron_smooth(z, w, s, bk=JAX, **TIGHT))


def proj(fw: str, z, w, softness: float) -> np.ndarray:
    """The projection with a tight tolerance, as NumPy float64."""
    if fw == "jax":
        return to_np(_jx_proj(to_fw(fw, z), to_fw(fw, w), softness))
    zf = to_fw(fw, z)
    return to_np(proj_permutahedron_smooth(zf, to_fw(fw, w), softness, bk=bk_of(fw, zf), **TIGHT))


def soft_sort(fw: str, x, softness: float, dtype: str = "float64", tol: float | None = 1e-12):
    return run(fw, "sort", x, softness, dtype=dtype, tol=tol)[0]


def soft_rank(fw: str, x, softness: float, descending: bool = True, dtype: str = "float64", tol=1e-12):
    return run(fw, "rank_desc" if descending else "rank_asc", x, softness, dtype=dtype, tol=tol)[0]


def rng_x(shape, seed=0, spread=1.0) -> np.ndarray:
    """Tie-free scores: a random permutation of a grid plus a small jitter."""
    rng = np.random.default_rng(seed)
    n = shape[-1]
    base = np.stack([rng.permutation(n) for _ in range(int(np.prod(shape[:-1])))]).reshape(shape)
    return spread * (base + 0.3 * rng.uniform(size=shape)) / max(n - 1, 1) - 0.5 * spread


def grad_of(fw: str, fn, x: np.ndarray, cot: np.ndarray) -> np.ndarray:
    """Gradient of ``sum(fn(x) * cot)`` in the framework."""
    if fw == "jax":
        return to_np(jax.grad(lambda a: jnp.sum(fn(a) * jnp.asarray(cot)))(jnp.asarray(x)))
    xt = torch.tensor(x, requires_grad=True)
    (fn(xt) * torch.tensor(cot)).sum().backward()
    return to_np(xt.grad)


def fd_grad(fn_np, x: np.ndarray, cot: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        g[idx] = (np.sum(fn_np(x + e) * cot) - np.sum(fn_np(x - e) * cot)) / (2 * h)
    return g


# ------------------------------------------------------------------------------------------------
# Building blocks
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fw", BACKENDS)
def test_log_elementary_symmetric_matches_enumeration(fw):
    rng = np.random.default_rng(3)
    v = -np.abs(rng.normal(size=(2, 5)))
    v[1, 2] = v[1, 4]  # a tie
    vf = to_fw(fw, v)
    got = to_np(log_elementary_symmetric(vf, bk=bk_of(fw, vf)))
    for r in range(2):
        ref = [0.0] + [math.log(sum(math.exp(sum(c)) for c in itertools.combinations(v[r], k))) for k in range(1, 6)]
        np.testing.assert_allclose(got[r], ref, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("fw", BACKENDS)
@pytest.mark.parametrize("m", [1, 2, 3, 5, 8, 13, 100])
def test_pentadiagonal_solve_matches_dense(fw, m):
    rng = np.random.default_rng(m)
    s = rng.uniform(1e-3, 2.0, size=(2, m))
    d = rng.uniform(1e-4, 1.0, size=(2, m))
    lap = 2 * np.eye(m) - np.eye(m, k=1) - np.eye(m, k=-1)
    h = np.einsum("ij,bj,jk->bik", lap, s, lap) + d[:, :, None] * np.eye(m)
    bands = [np.ascontiguousarray(np.diagonal(h, k, 1, 2)) for k in (0, 1, 2)]
    r = rng.normal(size=(2, m))
    bk = bk_of(fw, r)
    xp = bk.xp
    args = [to_fw(fw, a) for a in (*bands, r)]
    x = to_np(solve_spd_pentadiagonal(*args, bk=bk))
    np.testing.assert_allclose(x, np.linalg.solve(h, r[..., None])[..., 0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_np(pentadiagonal_matvec(*args[:3], to_fw(fw, x), xp=xp)), r, atol=1e-10)


def test_dual_rule_bwd_matches_finite_differences():
    """Rule-level check on the reference backend: ``bwd`` of the dual solve vs central FD of ``fwd``."""
    rng = np.random.default_rng(7)
    n1 = 4
    gaps = rng.uniform(0.0, 2.0, size=(2, n1))
    c = rng.uniform(0.05, 1.0, size=(2, n1))
    cot = rng.normal(size=(2, n1))
    bk = get_backend(gaps)
    static = {"solver": "newton", "tol": 1e-14, "max_iter": 200, "history": 10, "check_every": 1}

    def beta(g, cc):
        return DUAL_SOLVE.fwd(g, cc, bk=bk, **static)[0][0]

    _, res = DUAL_SOLVE.fwd(gaps, c, bk=bk, **static)
    g_gaps, g_c = DUAL_SOLVE.bwd(res, (cot, None, None), bk=bk, **static)
    np.testing.assert_allclose(g_gaps, fd_grad(lambda a: beta(a, c), gaps, cot), atol=1e-7)
    np.testing.assert_allclose(g_c, fd_grad(lambda a: beta(gaps, a), c, cot), atol=1e-7)
    # The JVP is the transpose of the VJP.
    t_gaps, t_c = rng.normal(size=gaps.shape), rng.normal(size=c.shape)
    t_beta = DUAL_SOLVE.jvp(res, (t_gaps, t_c), bk=bk, **static)[0]
    np.testing.assert_allclose(np.sum(t_beta * cot), np.sum(g_gaps * t_gaps) + np.sum(g_c * t_c), rtol=1e-10)


# ------------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------------


def oracle(which: str, x: np.ndarray, softness: float) -> np.ndarray:
    if which == "sort":
        return oracle_sort(x, softness)
    return oracle_rank(x, softness, which == "rank_desc")


@pytest.mark.parametrize("fw", BACKENDS)
@pytest.mark.parametrize("softness", [0.05, 0.3, 1.0, 4.0])
def test_projection_matches_primal_oracle(fw, softness):
    rng = np.random.default_rng(11)
    z, w = rng.normal(size=SHAPE), rng.normal(size=SHAPE)
    np.testing.assert_allclose(proj(fw, z, w, softness), oracle_projection(z, w, softness), atol=1e-9)


@pytest.mark.parametrize("fw", BACKENDS)
@pytest.mark.parametrize("which", WHICH)
@pytest.mark.parametrize("softness", [0.1, 1.5])
def test_sort_and_rank_match_oracle(fw, which, softness):
    x = rng_x(SHAPE, seed=3, spread=2.0)
    np.testing.assert_allclose(to_np(run(fw, which, x, softness)[0]), oracle(which, x, softness), atol=1e-9)


@pytest.mark.parametrize("fw", ["numpy", "torch"])
@pytest.mark.parametrize("n", [2, 3, 8])
def test_other_lengths_match_oracle(fw, n):
    x = rng_x((2, n), seed=n, spread=2.0)
    for which in WHICH:
        np.testing.assert_allclose(to_np(run(fw, which, x, 0.2)[0]), oracle(which, x, 0.2), atol=1e-9)


def test_lbfgs_solver_agrees_with_newton_and_oracle():
    rng = np.random.default_rng(5)
    z, w = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    bk = get_backend(z)
    y_lbfgs, info = proj_permutahedron_smooth(z, w, 0.3, solver="lbfgs", lbfgs_tol=1e-10, return_info=True, bk=bk)
    assert np.all(info.converged)
    np.testing.assert_allclose(y_lbfgs, oracle_projection(z, w, 0.3), atol=1e-8)
    y_newton, info = proj_permutahedron_smooth(z, w, 0.3, return_info=True, bk=bk)
    assert np.all(info.converged) and np.all(info.n_iter <= 12)
    np.testing.assert_allclose(y_newton, y_lbfgs, atol=1e-8)


@pytest.mark.parametrize("fw", BACKENDS)
def test_hard_limit(fw):
    x = rng_x(SHAPE, seed=2, spread=3.0)
    np.testing.assert_allclose(to_np(soft_sort(fw, x, 1e-3)), np.sort(x, axis=-1), atol=1e-6)
    for desc in (True, False):
        order = np.argsort(-x if desc else x, axis=-1, kind="stable")
        hard = np.argsort(order, axis=-1, kind="stable") + 1.0
        np.testing.assert_allclose(to_np(soft_rank(fw, x, 1e-3, desc)), hard, atol=1e-6)


@pytest.mark.parametrize("fw", BACKENDS)
@pytest.mark.parametrize("softness", [0.1, 1.0, 10.0])
def test_output_in_smoothed_permutahedron(fw, softness):
    """Sum kept, ordered like ``z``, prefix sums below the (brute-force) smooth bounds, which
    themselves contain the permutahedron of ``w``."""
    rng = np.random.default_rng(4)
    z, w = rng.normal(size=SHAPE), rng.normal(size=SHAPE)
    y = proj(fw, z, w, softness)
    np.testing.assert_allclose(y.sum(-1), w.sum(-1), atol=1e-12)
    for r in range(2):
        ys = y[r][np.argsort(-z[r], kind="stable")]
        assert np.all(np.diff(ys) < 0)
        b = oracle_bounds(w[r], min(softness, 1.0))
        assert np.all(np.cumsum(ys)[:-1] < b[:-1] + 1e-12)
        assert np.all(np.cumsum(-np.sort(-w[r]))[:-1] <= b[:-1] + 1e-12)


@pytest.mark.parametrize("fw", BACKENDS)
def test_n1_and_batch_shapes(fw):
    x1 = np.array([[0.7], [-2.0]])
    np.testing.assert_allclose(to_np(soft_sort(fw, x1, 0.3)), x1)
    np.testing.assert_allclose(to_np(soft_rank(fw, x1, 0.3)), np.ones_like(x1))
    if fw == "jax":
        return  # batching in JAX: test_jax_jit_vmap_and_traced_softness
    x = rng_x((2, 3, 4), seed=9)
    got = to_np(soft_sort(fw, x, 0.3))
    assert got.shape == (2, 3, 4)
    np.testing.assert_allclose(got.reshape(6, 4), oracle_sort(x.reshape(6, 4), 0.3), atol=1e-9)
    assert to_np(soft_rank(fw, x, 0.3)).shape == (2, 3, 4)
    # z broadcast against a batch of w
    y = proj(fw, np.arange(4.0) / 3, x, 0.3)
    np.testing.assert_allclose(to_np(y), got, atol=1e-9)


@pytest.mark.parametrize("fw", ["jax", "torch"])
def test_ties_and_extreme_inputs_are_finite(fw):
    cases = [
        np.array([[1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 2.0, 0.0, 2.0, 2.0]]),
        np.array([[1e6, -1e6, 3e5, 1e6, 0.0], [1e-9, 2e-9, 0.0, 1e-9, 1e-9]]),
    ]
    cot = np.ones(SHAPE) + np.arange(5)
    for x in cases:
        for softness in (1e-4, 0.1, 1e4):
            for which in WHICH:
                y, g, t = run(fw, which, x, softness, cot)
                assert np.all(np.isfinite(to_np(y))) and np.all(np.isfinite(g)) and np.all(np.isfinite(t))
    # Sum kept; equal inputs give the same soft sort in any order.
    y = to_np(soft_sort(fw, cases[0], 0.5))
    np.testing.assert_allclose(y.sum(-1), cases[0].sum(-1), atol=1e-10)
    np.testing.assert_allclose(to_np(soft_sort(fw, cases[0][:, ::-1].copy(), 0.5)), y, atol=1e-12)


@pytest.mark.parametrize("fw", ["jax", "torch"])
def test_float32_stays_float32(fw):
    x = rng_x(SHAPE, seed=1, spread=2.0)
    ref = to_np(soft_sort(fw, x, 0.2))
    y, g, _ = run(fw, "sort", x, 0.2, dtype="float32")
    assert str(y.dtype).endswith("float32")
    assert np.all(np.isfinite(to_np(y))) and np.all(np.isfinite(g))
    np.testing.assert_allclose(to_np(y), ref, atol=1e-5)
    if fw == "torch":
        xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
        smooth_sort.rank(xt, 0.2, "smooth", True, bk=TORCH).sum().backward()
        assert xt.grad.dtype == torch.float32 and torch.isfinite(xt.grad).all()


# ------------------------------------------------------------------------------------------------
# Derivatives
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fw", ["jax", "torch"])
@pytest.mark.parametrize("which", WHICH)
@pytest.mark.parametrize("softness", [0.1, 1.5])
def test_gradient_and_jvp_match_finite_differences(fw, which, softness):
    x = rng_x(SHAPE, seed=6, spread=2.0)
    cot = np.random.default_rng(8).normal(size=x.shape)
    _, g, t = run(fw, which, x, softness, cot)
    np.testing.assert_allclose(g, fd_grad(lambda a: oracle(which, a, softness), x, cot), atol=1e-6)
    h = 1e-6
    fd_t = (oracle(which, x + h * cot, softness) - oracle(which, x - h * cot, softness)) / (2 * h)
    np.testing.assert_allclose(t, fd_t, atol=1e-6)


@pytest.mark.parametrize("which", WHICH)
def test_jax_torch_parity_of_values_gradients_and_jvps(which):
    x = rng_x(SHAPE, seed=12, spread=2.0)
    cot = np.random.default_rng(1).normal(size=x.shape)
    # None: the default tolerance (same iterates in both frameworks); one method is enough.
    for tol in (1e-12, None) if which == "sort" else (1e-12,):
        yj, gj, tj = run("jax", which, x, 0.25, cot, tol=tol)
        yt, gt, tt = run("torch", which, x, 0.25, cot, tol=tol)
        np.testing.assert_allclose(to_np(yj), to_np(yt), atol=1e-12)
        np.testing.assert_allclose(gj, gt, atol=1e-10)
        np.testing.assert_allclose(tj, tt, atol=1e-10)


def test_hessians_match_finite_differences_of_gradients():
    x = rng_x((4,), seed=3, spread=2.0)
    cot = np.random.default_rng(2).normal(size=4)

    def loss_j(a):
        return jnp.sum(smooth_sort.rank(a, 0.4, "smooth", True, bk=JAX, ot_kwargs=TIGHT) * jnp.asarray(cot))

    def loss_t(a):
        return (smooth_sort.rank(a, 0.4, "smooth", True, bk=TORCH, ot_kwargs=TIGHT) * torch.tensor(cot)).sum()

    def grad_t(a):
        at = torch.tensor(a, requires_grad=True)
        loss_t(at).backward()
        return to_np(at.grad)

    h = 1e-5
    fd = np.stack([(grad_t(x + h * e) - grad_t(x - h * e)) / (2 * h) for e in np.eye(4)])
    np.testing.assert_allclose(to_np(torch.autograd.functional.hessian(loss_t, torch.tensor(x))), fd, atol=1e-7)
    np.testing.assert_allclose(to_np(jax.jit(jax.hessian(loss_j))(jnp.asarray(x))), fd, atol=1e-7)


def test_jax_jit_vmap_and_traced_softness():
    x = rng_x((3, 2, 5), seed=4)

    @jax.jit
    def f(a, s):
        return jax.vmap(lambda r: smooth_sort.network_values(r, s, "smooth", bk=JAX, ot_kwargs=TIGHT))(a)

    y, pull = jax.vjp(f, jnp.asarray(x), jnp.asarray(0.3))
    np.testing.assert_allclose(to_np(y), oracle_sort(x.reshape(6, 5), 0.3).reshape(x.shape), atol=1e-9)
    # d/d softness through z / s and tau_b = min(s, 1) vs finite differences of the oracle.
    cot = np.random.default_rng(0).normal(size=x.shape)
    gs = to_np(pull(jnp.asarray(cot))[1])
    x2 = x.reshape(6, 5)
    fd = (
        np.sum(oracle_sort(x2, 0.3 + 1e-6) * cot.reshape(6, 5))
        - np.sum(oracle_sort(x2, 0.3 - 1e-6) * cot.reshape(6, 5))
    ) / 2e-6
    assert abs(float(gs) - fd) < 1e-6


def test_torch_func_vmap_and_grad():
    x = rng_x((3, 5), seed=5)

    def f(r):
        return smooth_sort.network_values(r, 0.3, "smooth", bk=TORCH, ot_kwargs=TIGHT)

    np.testing.assert_allclose(to_np(torch.func.vmap(f)(torch.tensor(x))), to_np(f(torch.tensor(x))), atol=1e-12)
    g = torch.func.grad(lambda r: (f(r) * torch.arange(5.0, dtype=torch.float64)).sum())(torch.tensor(x[0]))
    fd = fd_grad(lambda a: oracle_sort(a, 0.3), x[0], np.arange(5.0))
    np.testing.assert_allclose(to_np(g), fd, atol=1e-6)


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------


@jax.jit
def _jx_public(x):
    kw = {"method": "smooth_sort", "softness": 0.2}
    return (
        softjax.sort(x, axis=-1, **kw),
        softjax.sort(x, axis=-1, descending=True, **kw),
        softjax.rank(x, axis=-1, **kw),
        softjax.max(x, axis=-1, **kw),
        softjax.top_k(x, 3, **kw)[0],
        softjax.quantile(x, 0.3, axis=-1, **kw),
    )


def test_public_ops_agree_between_frameworks():
    x = rng_x(SHAPE, seed=21, spread=4.0) + 1.0
    xt = torch.tensor(x)
    kw = {"method": "smooth_sort", "softness": 0.2}
    torch_out = (
        softtorch.sort(xt, dim=-1, **kw).values,
        softtorch.sort(xt, dim=-1, descending=True, **kw).values,
        softtorch.rank(xt, dim=-1, **kw),
        softtorch.max(xt, dim=-1, **kw).values,
        softtorch.topk(xt, 3, **kw).values,
        softtorch.quantile(xt, 0.3, dim=-1, **kw),
    )
    for a, b in zip(_jx_public(jnp.asarray(x)), torch_out, strict=True):
        np.testing.assert_allclose(to_np(a), to_np(b), atol=1e-10)
    sorted_ = oracle_sort(x, 0.2)  # raw x: smooth_sort ignores standardize
    np.testing.assert_allclose(to_np(torch_out[0]), sorted_, atol=1e-6)
    np.testing.assert_allclose(to_np(torch_out[1]), sorted_[:, ::-1], atol=1e-6)
    np.testing.assert_allclose(to_np(torch_out[2]), oracle_rank(x, 0.2, True), atol=1e-6)
    np.testing.assert_allclose(to_np(torch_out[3]), sorted_[:, -1], atol=1e-6)
    np.testing.assert_allclose(
        to_np(softtorch.sort(xt, dim=-1, standardize=False, **kw).values), to_np(torch_out[0]), atol=0
    )
    with pytest.raises(ValueError, match="smooth_sort"):
        softjax.sort(jnp.asarray(x), method="smooth_sort", mode="c0")
    with pytest.raises(ValueError, match="smooth_sort"):
        softtorch.rank(xt, method="smooth_sort", mode="c1")
    # Solver knobs travel through ot_kwargs.
    rough = softtorch.sort(xt, dim=-1, ot_kwargs={"lbfgs_max_iter": 1}, **kw).values
    assert np.abs(to_np(rough) - to_np(torch_out[0])).max() > 1e-6
