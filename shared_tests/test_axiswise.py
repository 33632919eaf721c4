"""Axis-wise ops (SPEC §1.5, §2, §5, §8): independent NumPy oracles written from the maths, hard-mode
equality with jnp/torch, framework conventions, return types, errors and the chunked value paths.

The generic tiers (finite differences, transforms, robustness) run through
``harness/catalogue/axiswise.py``; here every op x method x mode is compared across frameworks
(values and gradients, float64) and against the oracles.
"""

from __future__ import annotations

import os

os.environ.setdefault("JAX_ENABLE_X64", "1")

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import softjax.axiswise as sj
import softtorch.axiswise as st
from harness.axiswise_grid import ALL_METHODS, ALL_OPS, INDEX_ONLY, OT_TIGHT, VALUE_ONLY_METHODS, call_op, ops_of
from harness.backends import flatten_outputs
from softcore.axiswise import _dispatch
from softcore.projections.simplex import proj_simplex
from softjax._backend import JAX
from softtorch._backend import TORCH

jax.config.update("jax_enable_x64", True)

SOFT_MODES = ("smooth", "c0", "c1", "c2")
METHODS = ("softsort", "neuralsort", "sorting_network")
CLOSED_FORM_METHODS = ("softsort", "neuralsort")


# ---------------------------------------------------------------------------------------------
# NumPy oracles (float64), written from the formulas of SPEC §2 independently of softcore
# ---------------------------------------------------------------------------------------------


def np_standardize(x):
    mean = x.mean(-1, keepdims=True)
    std = np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + 1e-6)
    return 1 / (1 + np.exp(-(x - mean) / std))


def np_proj(z, s, mode):
    """Simplex projection of z / s along the last axis: softmax, or [z/s - theta]_+^m with the
    threshold found by bisection on sum [z/s - theta]_+^m = 1 (m = 1, 2, 3)."""
    z = np.asarray(z, dtype=np.float64) / s
    if mode == "smooth":
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    m = {"c0": 1, "c1": 2, "c2": 3}[mode]
    hi = z.max(-1, keepdims=True)
    lo = hi - 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        above = (np.maximum(z - mid, 0) ** m).sum(-1, keepdims=True) > 1
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.maximum(z - (lo + hi) / 2, 0) ** m


def np_proj_jacobian(z, s, mode):
    """Exact Jacobian d proj / d z (one row z of length n): softmax ``diag(p) - p p^T``; sparse
    ``diag(g) - g h^T`` with ``g = m t^(m-1) / s`` on the support and ``h = t^(m-1) / sum t^(m-1)``."""
    p = np_proj(z, s, mode)
    if mode == "smooth":
        return (np.diag(p) - np.outer(p, p)) / s
    m = {"c0": 1, "c1": 2, "c2": 3}[mode]
    t = p ** (1 / m)
    support = (p > 0).astype(float)
    w = support if m == 1 else t ** (m - 1)
    g = m * w / s
    return np.diag(g) - np.outer(g, w / w.sum())


def np_sigmoidal(d, s, mode):
    if mode == "smooth":
        return 1 / (1 + np.exp(-d / s))
    u = np.clip(d / (5 * s), -1, 1)
    poly = {
        "c0": (u + 1) / 2,
        "c1": -(u**3) / 4 + 3 * u / 4 + 0.5,
        "c2": 3 * u**5 / 16 - 5 * u**3 / 8 + 15 * u / 16 + 0.5,
    }
    return poly[mode]


def np_softabs(d, s, mode):
    return d * (2 * np_sigmoidal(d, s, mode) - 1)


def np_softsort_P(x, s, mode):
    a = np.sort(x)
    return np_proj(-np.abs(a[:, None] - x[None, :]), s, mode)


def np_neuralsort_P(x, s, mode):
    n = len(x)
    A = np_softabs(x[:, None] - x[None, :], s, mode).sum(0)
    coef = 2 * np.arange(n) + 1 - n
    return np_proj(coef[:, None] * x[None, :] - A[None, :], s, mode)


NP_P = {"softsort": np_softsort_P, "neuralsort": np_neuralsort_P}


def np_rank(x, s, mode, method, descending=True):
    n = len(x)
    if method == "softsort":
        a = np.sort(x)[::-1] if descending else np.sort(x)
        q = np_proj(-np.abs(x[:, None] - a[None, :]), s, mode)
        return q @ np.arange(1, n + 1)
    p = np_neuralsort_P(x, s, mode)
    w = np.arange(n, 0, -1) if descending else np.arange(1, n + 1)
    return (w @ p) / np.maximum(p.sum(0), 1e-10)


def np_quantile_rows(q, n, method, convention="jax"):
    """(k, kp1, a) of the order-statistic interpolation ``(1 - a) x_(k) + a x_(kp1)``."""
    p = q * (n - 1)
    lo = np.floor(p)
    frac = p - lo
    if method == "linear":
        k, a = lo, frac
    elif method == "lower":
        k, a = lo, 0.0
    elif method == "higher":
        k, a = np.ceil(p), 0.0
    elif method == "nearest":
        k, a = (np.round(p) if convention == "torch" else (lo if frac <= 0.5 else lo + 1)), 0.0
    else:
        k, a = lo, (0.5 if frac > 0 else 0.0)
    k = int(k)
    return k, min(k + 1, n - 1), a


def fd_grad(f, x, w, h=1e-6):
    """Central-difference gradient of sum(w * f(x))."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (np.sum(w * f(x + e)) - np.sum(w * f(x - e))) / (2 * h)
    return g


def _x(seed=0, n=7, shape=None):
    rng = np.random.default_rng(seed)
    if shape is None:
        return rng.permutation(n) * 0.45 - 0.45 * (n - 1) / 2 + rng.uniform(-0.1, 0.1, size=n)
    return np.stack([_x(seed + i, shape[-1]) for i in range(int(np.prod(shape[:-1])))]).reshape(shape)


def jax_vjp(fn, x, w):
    out, pull = jax.vjp(fn, jnp.asarray(x))
    return np.asarray(out), np.asarray(pull(jnp.asarray(w))[0])


def torch_vjp(fn, x, w):
    xt = torch.tensor(x, requires_grad=True)
    out = fn(xt)
    (g,) = torch.autograd.grad((out * torch.tensor(w)).sum(), xt)
    return out.detach().numpy(), g.numpy()


def close(a, b, tol, what=""):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"{what}: {a.shape} vs {b.shape}"
    scale = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * scale, err_msg=what)


# ---------------------------------------------------------------------------------------------
# Simplex projection
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", SOFT_MODES)
@pytest.mark.parametrize("softness", [1e-3, 0.5, 3.0])
def test_proj_simplex_values_and_vjp_match_oracle(mode, softness):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 9))
    w = rng.normal(size=z.shape)
    ref = np_proj(z, softness, mode)
    ref_grad = np.stack([np_proj_jacobian(z[i], softness, mode).T @ w[i] for i in range(len(z))])
    for vjp in (
        lambda: jax_vjp(lambda a: proj_simplex(a, softness, mode, bk=JAX), z, w),
        lambda: torch_vjp(lambda a: proj_simplex(a, softness, mode, bk=TORCH), z, w),
    ):
        out, grad = vjp()
        close(out, ref, 1e-9, f"{mode} value")  # the bisection oracle is good to ~1e-12 * |z| / s
        np.testing.assert_allclose(out.sum(-1), 1.0, atol=1e-14)
        assert (out >= 0).all()
        close(grad, ref_grad, 1e-8, f"{mode} vjp")


@pytest.mark.parametrize("mode", SOFT_MODES)
def test_proj_simplex_hessian_matches_oracle_jacobian_differences(mode):
    """Hessian-vector products (jax forward-over-reverse, torch double backward) == central
    differences of the exact Jacobian oracle, and the frameworks agree to round-off."""
    rng = np.random.default_rng(2)
    z, w, v = rng.normal(size=8), rng.normal(size=8), rng.normal(size=8)
    s = 0.7

    def oracle_grad(a):
        return np_proj_jacobian(a, s, mode).T @ w

    fd = (oracle_grad(z + 1e-5 * v) - oracle_grad(z - 1e-5 * v)) / 2e-5

    def jg(a):
        return jax.grad(lambda b: jnp.sum(proj_simplex(b, s, mode, bk=JAX) * w))(a)

    hv_jax = np.asarray(jax.jvp(jg, (jnp.asarray(z),), (jnp.asarray(v),))[1])
    zt = torch.tensor(z, requires_grad=True)
    (g,) = torch.autograd.grad((proj_simplex(zt, s, mode, bk=TORCH) * torch.tensor(w)).sum(), zt, create_graph=True)
    (hv_torch,) = torch.autograd.grad((g * torch.tensor(v)).sum(), zt)
    close(hv_jax, fd, 1e-6, "jax hvp vs oracle")
    if mode == "c2":  # forward-over-forward works too (plain autodiff, no custom VJP)
        hess_jax = np.asarray(jax.hessian(lambda b: jnp.sum(proj_simplex(b, s, mode, bk=JAX) * w))(jnp.asarray(z)))
        close(hess_jax @ v, hv_jax, 1e-12, "jax.hessian (jacfwd) vs hvp")
    close(hv_torch.numpy(), hv_jax, 1e-12, "torch vs jax hvp")


@pytest.mark.parametrize("mode", SOFT_MODES)
def test_proj_simplex_nan_free_at_kinks_and_ties(mode):
    """Elements exactly at the threshold (support boundary), exact ties, huge and tiny scales."""
    cases = [
        np.array([1.0, 0.0, -3.0]),  # c0/c1/c2 with softness 1: element 2 exactly at the kink
        np.array([0.5, 0.5, 0.5, -2.0]),  # ties inside the support
        np.array([2.0, 2.0, 2.0]),  # all equal
        np.array([1e30, -1e30, 0.0]),
        np.array([3.0]),  # n = 1
    ]
    for i, z in enumerate(cases):
        for s in (1e-4, 1.0):
            if i == 0 and s == 1.0:  # JAX (forward-over-reverse Hessian) at the kink; torch everywhere
                weights = jnp.arange(1.0, len(z) + 1)

                def f(a, s=s, weights=weights):
                    return jnp.sum(proj_simplex(a, s, mode, bk=JAX) ** 2 * weights)

                assert np.isfinite(jax.grad(f)(jnp.asarray(z))).all()
                assert np.isfinite(jax.hessian(f)(jnp.asarray(z))).all()
            out = proj_simplex(torch.tensor(z), s, mode, bk=TORCH)
            assert torch.isfinite(out).all() and abs(float(out.sum()) - 1) < 1e-12
            zt = torch.tensor(z, requires_grad=True)
            loss = (proj_simplex(zt, s, mode, bk=TORCH) ** 2 * torch.arange(1.0, len(z) + 1, dtype=torch.float64)).sum()
            (g,) = torch.autograd.grad(loss, zt, create_graph=True)
            (h,) = torch.autograd.grad(g.sum(), zt)
            assert torch.isfinite(g).all() and torch.isfinite(h).all()


def test_proj_simplex_log_probs_and_links_to_sigmoidal():
    z = torch.tensor([0.3, -0.2, 1.1, 0.9], dtype=torch.float64)
    for mode in SOFT_MODES:
        p = proj_simplex(z, 0.4, mode, bk=TORCH).numpy()
        logp = proj_simplex(z, 0.4, mode, bk=TORCH, return_log_probs=True).numpy()
        np.testing.assert_allclose(np.exp(logp), p, atol=1e-15)
        assert (logp[p == 0] == -np.inf).all()
    # SPEC 2.1: sigmoidal(x, s, m) == proj([0, x], 5 s, m')[1] for the p-norm pairs
    from softcore.elementwise import sigmoidal

    x = torch.linspace(-0.6, 0.6, 13, dtype=torch.float64)
    pairs = {"c0": "c0", "_c1_pnorm": "c1", "_c2_pnorm": "c2"}
    for elem, proj_mode in pairs.items():
        two = torch.stack([torch.zeros_like(x), x], dim=-1)
        via_proj = proj_simplex(two, 5 * 0.1, proj_mode, bk=TORCH)[:, 1]
        close(via_proj, sigmoidal(x, 0.1, elem, bk=TORCH), 1e-12, elem)


def test_proj_simplex_half_precision_keeps_dtype():
    z = np.random.default_rng(0).normal(size=(3, 6))
    for dt in (torch.float16, torch.bfloat16, torch.float32):
        for mode in SOFT_MODES:
            out = proj_simplex(torch.tensor(z, dtype=dt), 0.3, mode, bk=TORCH)
            assert out.dtype == dt
            close(out.double().numpy(), np_proj(z, 0.3, mode), 1e-2)
    assert proj_simplex(jnp.asarray(z, dtype=jnp.bfloat16), 0.3, "c2", bk=JAX).dtype == jnp.bfloat16


# ---------------------------------------------------------------------------------------------
# Oracles for the ops (standardised scores, original values)
# ---------------------------------------------------------------------------------------------


def _oracle_op(op, method, mode, s=0.1):
    """NumPy function of x (1-D) for op under method/mode (float64, default standardize=True)."""

    def P(x):
        return NP_P[method](np_standardize(x), s, mode)

    if op == "argsort":
        return P
    if op == "sort":
        return lambda x: P(x) @ x
    if op == "argmax":
        if method == "softsort":
            return lambda x: np_proj(np_standardize(x), s, mode)
        return lambda x: P(x)[-1]
    if op == "max":
        return lambda x: _oracle_op("argmax", method, mode, s)(x) @ x
    if op == "rank":
        return lambda x: np_rank(np_standardize(x), s, mode, method)
    if op == "top_k3":
        return lambda x: P(x)[::-1][:3] @ x
    if op == "quantile":

        def quantile(x):
            k, kp1, a = np_quantile_rows(0.37, len(x), "linear")
            p = P(x)
            return ((1 - a) * p[k] + a * p[kp1]) @ x

        return quantile
    raise ValueError(op)


def _ours(op, method, mode, lib, s=0.1):
    kw = {"method": method, "mode": mode, "softness": s}
    if op == "argsort":
        return lambda x: lib.argsort(x, **kw)
    if op == "sort":
        return lambda x: lib.sort(x, **kw) if lib is sj else lib.sort(x, return_indices=False, **kw).values
    if op == "argmax":
        return lambda x: lib.argmax(x, **kw)
    if op == "max":
        return lambda x: lib.max(x, **kw)
    if op == "rank":
        return lambda x: lib.rank(x, **kw)
    if op == "top_k3":
        return lambda x: (lib.top_k(x, 3, **kw) if lib is sj else lib.topk(x, 3, **kw))[0]
    if op == "quantile":
        return lambda x: lib.quantile(x, 0.37, **kw)
    raise ValueError(op)


ORACLE_OPS = ["argsort", "sort", "argmax", "max", "rank", "top_k3", "quantile"]


@pytest.mark.parametrize("method", CLOSED_FORM_METHODS)
@pytest.mark.parametrize("mode", SOFT_MODES)
@pytest.mark.parametrize("op", ORACLE_OPS)
def test_ops_match_numpy_oracle(op, method, mode):
    """torch for every combination; JAX (one XLA compilation per combination) on a diagonal of the
    grid that still covers every op, method and mode (JAX == torch is checked separately)."""
    x = _x(3, 7)
    oracle = _oracle_op(op, method, mode)
    ref = oracle(x)
    w = np.random.default_rng(5).normal(size=np.shape(ref))
    ref_grad = fd_grad(oracle, x, w)
    libs = [(st, torch_vjp)]
    if (ORACLE_OPS.index(op) + SOFT_MODES.index(mode) + CLOSED_FORM_METHODS.index(method)) % 4 == 0:
        libs.append((sj, jax_vjp))
    for lib, vjp in libs:
        out, grad = vjp(_ours(op, method, mode, lib), x, w)
        close(out, ref, 1e-11, f"{lib.__name__} {op} value")
        close(grad, ref_grad, 1e-6, f"{lib.__name__} {op} gradient")


def test_sorting_network_dispatch_uses_the_network():
    """argsort rows / sort values / rank of method='sorting_network' are the network's P and values."""
    from softcore.axiswise.methods.sorting_network import sorting_network_permutation, sorting_network_values

    x = _x(4, 6)
    xt = torch.tensor(x)
    kw = {"method": "sorting_network"}
    for mode in SOFT_MODES:
        xs = torch.tensor(np_standardize(x))
        p = sorting_network_permutation(xs, 0.1, mode, 1.0, bk=TORCH).numpy()
        close(st.argsort(xt, mode=mode, **kw), p, 1e-13, "argsort")
        close(st.argsort(xt, mode=mode, descending=True, **kw), p[::-1], 1e-13, "argsort desc")
        close(st.argmax(xt, mode=mode, **kw), p[-1], 1e-13, "argmax")
        ranks = (np.arange(6, 0, -1) @ p) / p.sum(0)
        close(st.rank(xt, mode=mode, **kw), ranks, 1e-13, "rank")
        vals = sorting_network_values(xs, 0.1, mode, 1.0, bk=TORCH).numpy()
        mean, std = x.mean(), np.sqrt(x.var() + 1e-6)
        close(st.sort(xt, mode=mode, **kw).values, np.log(vals / (1 - vals)) * std + mean, 1e-12, "sort")
        raw = sorting_network_values(xt, 0.1, mode, None, bk=TORCH).numpy()
        close(st.sort(xt, mode=mode, standardize=False, **kw).values, raw, 1e-13, "sort raw")
    close(sj.sort(x, **kw), st.sort(xt, **kw).values, 1e-12, "jax == torch")


# ---------------------------------------------------------------------------------------------
# Cross-framework parity: every op x method x mode, values and gradients (float64)
# ---------------------------------------------------------------------------------------------


def _flat(out):
    if out is None:
        return []
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in _flat(item)]
    return [out]


def _call(lib, name, x, method, mode, kw):
    return call_op(lib, name, x, method, mode, kw, torch=lib is st)


_INDEX_ONLY = INDEX_ONLY
#: ``_hard`` is hard in the arg-functions and rank (SPEC §2.1): piecewise constant, no gradient.
_CONSTANT_IN_PRIVATE_HARD = _INDEX_ONLY | {"rank"}
_ALL_MODES = (*SOFT_MODES, "_hard", "hard")


def _simplex_atol(method, n):
    """How exactly a SoftIndex sums to 1: to round-off, or for ``ot`` to the solver tolerance (the
    L1 marginal error of the plan, 1e-5 by default, scaled by ``n`` in ``Gamma n``)."""
    return n * 1e-5 if method == "ot" else 1e-12


def _modes_of(method):
    """smooth_sort has only the smooth relaxation (plus the hard modes)."""
    return ("smooth", "_hard", "hard") if method == "smooth_sort" else _ALL_MODES


def _parity_params():
    """Every op x method x mode; one combination per op (rotating methods and modes so that each
    appears) runs in the default tier, the full grid in the ``slow`` tier (one XLA compilation per
    combination makes the full grid take minutes on two cores)."""
    params = []
    for i, (name, kw) in enumerate(ALL_OPS):
        for method in ALL_METHODS:
            if method in VALUE_ONLY_METHODS and name in _INDEX_ONLY:
                continue
            for mode in _modes_of(method):
                fast = (ALL_METHODS.index(method), _ALL_MODES.index(mode)) == (i % len(ALL_METHODS), i % 6)
                marks = () if fast else (pytest.mark.slow,)
                params.append(pytest.param(name, kw, method, mode, marks=marks, id=f"{name}-{method}-{mode}"))
    return params


@pytest.mark.parametrize(("name", "kw", "method", "mode"), _parity_params())
def test_op_parity_values_and_gradients(name, kw, method, mode):
    """softjax == softtorch (float64): forward values and VJPs with random cotangents.
    Shapes: (3, 5), odd n for the median ops (jax midpoint == torch lower)."""
    x = _x(11, shape=(3, 5))
    if method == "ot":  # the two frameworks' solvers agree to their tolerance: make it round-off
        kw = {**kw, "ot_kwargs": OT_TIGHT}

    def jfn(a):
        return _flat(_call(sj, name, a, method, mode, dict(kw)))

    outs_j = [np.asarray(o) for o in jfn(jnp.asarray(x))]
    outs_t = [o.detach().numpy() for o in _flat(_call(st, name, torch.tensor(x), method, mode, dict(kw)))]
    assert len(outs_j) == len(outs_t), name
    for a, b in zip(outs_t, outs_j, strict=True):
        close(a, b, 1e-10, f"{name} {method} {mode} value")
    if mode == "hard" or (mode == "_hard" and name in _CONSTANT_IN_PRIVATE_HARD):  # no gradient at all
        return
    cots = [np.random.default_rng(i).normal(size=o.shape) for i, o in enumerate(outs_j)]

    def jloss(a):
        return sum(jnp.sum(c * o) for c, o in zip(cots, jfn(a), strict=True))

    g_j = np.asarray(jax.grad(jloss)(jnp.asarray(x)))
    xt = torch.tensor(x, requires_grad=True)
    outs = _flat(_call(st, name, xt, method, mode, dict(kw)))
    (g_t,) = torch.autograd.grad(sum((torch.tensor(c) * o).sum() for c, o in zip(cots, outs, strict=True)), xt)
    assert np.isfinite(g_j).all(), name
    close(g_t.numpy(), g_j, 1e-10, f"{name} {method} {mode} gradient")


@pytest.mark.parametrize(("method", "mode"), [(method, mode) for method in ALL_METHODS for mode in _modes_of(method)])
def test_torch_every_op_finite_and_simplex(method, mode):
    """Cheap breadth check on torch: every op runs, values and gradients are finite, every SoftIndex
    lies on the simplex."""
    x = _x(12, shape=(3, 5))
    for name, kw in ops_of(method):
        xt = torch.tensor(x, requires_grad=True)
        outs = _flat(_call(st, name, xt, method, mode, dict(kw)))
        for o in outs:
            assert torch.isfinite(o).all(), name
        if name in _INDEX_ONLY:
            np.testing.assert_allclose(outs[0].detach().sum(-1), 1.0, atol=_simplex_atol(method, 5), err_msg=name)
            assert (outs[0] >= 0).all()
        if mode != "hard" and not (mode == "_hard" and name in _CONSTANT_IN_PRIVATE_HARD):
            (g,) = torch.autograd.grad(sum(o.sum() for o in outs), xt)
            assert torch.isfinite(g).all(), name


# ---------------------------------------------------------------------------------------------
# Hard mode == the framework op; near-hard limit; SoftIndex simplex property
# ---------------------------------------------------------------------------------------------


def _one_hot_np(idx, n):
    return (np.asarray(idx)[..., None] == np.arange(n)).astype(np.float64)


def test_hard_mode_equals_framework_ops_jax():
    x = _x(21, shape=(4, 6))
    xj = jnp.asarray(x)
    kw = {"mode": "hard"}
    np.testing.assert_array_equal(sj.sort(xj, axis=0, descending=True, **kw), jnp.sort(xj, axis=0, descending=True))
    np.testing.assert_array_equal(sj.sort(xj, **kw), jnp.sort(xj, axis=None))
    np.testing.assert_array_equal(sj.max(xj, axis=1, keepdims=True, **kw), jnp.max(xj, axis=1, keepdims=True))
    np.testing.assert_array_equal(sj.argmax(xj, axis=0, **kw), _one_hot_np(jnp.argmax(xj, axis=0), 4))
    np.testing.assert_array_equal(sj.argmin(xj, **kw), _one_hot_np(jnp.argmin(xj), 24))
    ranks = np.argsort(np.argsort(-x, axis=1, kind="stable"), axis=1) + 1
    np.testing.assert_array_equal(sj.rank(xj, axis=1, **kw), ranks)
    v, i = sj.top_k(xj, 3, **kw)
    rv, ri = jax.lax.top_k(xj, 3)
    np.testing.assert_array_equal(v, rv)
    np.testing.assert_array_equal(i, _one_hot_np(ri, 6))
    np.testing.assert_array_equal(sj.median(xj, axis=0, **kw), jnp.median(xj, axis=0))


@pytest.mark.parametrize("method", METHODS)
def test_hard_mode_equals_framework_ops_torch(method):
    x = _x(21, shape=(4, 6))
    xt = torch.tensor(x)
    kw = {"mode": "hard", "method": method}
    res = st.sort(xt, dim=0, **kw)
    np.testing.assert_array_equal(res.values, torch.sort(xt, dim=0).values)
    order = np.moveaxis(torch.sort(xt, dim=0).indices.numpy(), 0, -1)
    np.testing.assert_array_equal(res.indices, np.moveaxis(_one_hot_np(order, 4), -2, 0))
    assert st.max(xt, **kw).shape == () and float(st.max(xt, **kw)) == float(torch.max(xt))
    mx = st.max(xt, dim=1, **kw)
    assert isinstance(mx, torch.return_types.max)
    np.testing.assert_array_equal(mx.values, torch.max(xt, dim=1).values)
    np.testing.assert_array_equal(mx.indices, _one_hot_np(torch.max(xt, dim=1).indices, 6))
    np.testing.assert_array_equal(st.argmin(xt, dim=1, **kw), _one_hot_np(torch.argmin(xt, dim=1), 6))
    tk = st.topk(xt, 3, **kw)
    np.testing.assert_array_equal(tk.values, torch.topk(xt, 3).values)
    np.testing.assert_array_equal(tk.indices, _one_hot_np(torch.topk(xt, 3).indices, 6))
    if method != "sorting_network":  # value methods give no SoftIndex, so median(dim=int) refuses them
        md = st.median(xt, dim=1, **kw)
        np.testing.assert_array_equal(md.values, torch.median(xt, dim=1).values)
        np.testing.assert_array_equal(md.indices, _one_hot_np(torch.median(xt, dim=1).indices, 6))
    np.testing.assert_array_equal(st.median(xt, **kw), torch.median(xt))


@pytest.mark.parametrize("qm", ["linear", "lower", "higher", "nearest", "midpoint"])
def test_hard_quantile_rules_match_frameworks(qm):
    """All five rules, vector q under jit, keepdims; the 'nearest' tie rule differs per framework.
    linear/midpoint interpolation may differ from the frameworks' fused arithmetic by one ulp."""
    x = _x(5, shape=(3, 9))
    q = np.array([0.0, 0.125, 0.375, 0.5, 0.8125, 1.0])  # 0.375 * 8 = 3 exactly; 0.8125 * 8 = 6.5 (a tie)
    xj, xt = jnp.asarray(x), torch.tensor(x)
    f = jax.jit(lambda a, qq: sj.quantile(a, qq, axis=1, keepdims=True, mode="hard", quantile_method=qm))
    close(f(xj, jnp.asarray(q)), jnp.quantile(xj, jnp.asarray(q), axis=1, keepdims=True, method=qm), 1e-15)
    ours = st.quantile(xt, torch.tensor(q), dim=1, keepdim=True, mode="hard", interpolation=qm)
    close(ours, torch.quantile(xt, torch.tensor(q), dim=1, keepdim=True, interpolation=qm), 1e-15)
    close(sj.percentile(xj, 100 * q, mode="hard", quantile_method=qm), jnp.percentile(xj, 100 * q, method=qm), 1e-15)
    # the hard SoftIndex mixes one-hots of the order statistics with the same weights
    p = np.asarray(sj.argquantile(xj, q, axis=1, mode="hard", quantile_method=qm))
    close(np.einsum("kbn,bn->kb", p, x), jnp.quantile(xj, jnp.asarray(q), axis=1, method=qm), 1e-15)
    pt = st.argquantile(xt, torch.tensor(q), dim=1, mode="hard", interpolation=qm).numpy()
    close(np.einsum("kbn,bn->kb", pt, x), torch.quantile(xt, torch.tensor(q), dim=1, interpolation=qm), 1e-15)
    if qm == "nearest":  # 6.5 rounds down in jax, to even (6) in torch: both give x_(6) here; 2.5 differs
        xx = np.arange(6.0)
        assert float(sj.quantile(xx, 0.5, mode="hard", quantile_method="nearest")) == 2.0
        assert float(st.quantile(torch.tensor(xx), 0.5, mode="hard", interpolation="nearest")) == 2.0
        assert float(sj.quantile(xx, 0.7, mode="hard", quantile_method="nearest")) == float(
            jnp.quantile(xx, 0.7, method="nearest")
        )


def test_median_conventions():
    x = _x(8, 6)  # even n: midpoint (jax) != lower (torch)
    s = np.sort(x)
    assert float(sj.median(x, mode="hard")) == (s[2] + s[3]) / 2
    assert float(st.median(torch.tensor(x), mode="hard")) == s[2]
    for method in CLOSED_FORM_METHODS:
        pj = np.asarray(sj.argmedian(x, method=method, softness=1e-4, mode="c0"))
        pt = st.argmedian(torch.tensor(x), method=method, softness=1e-4, mode="c0").numpy()
        close(pj @ x, (s[2] + s[3]) / 2, 1e-12)
        close(pt @ x, s[2], 1e-12)


@pytest.mark.parametrize(
    ("method", "mode"), [(m, mode) for m in ALL_METHODS for mode in SOFT_MODES if mode in _modes_of(m)]
)
def test_near_hard_limit_and_simplex_property(method, mode):
    """softness 1e-3 is within 1e-2 of hard (SPEC §11); every SoftIndex is on the simplex.
    torch (numbers identical to JAX by the parity tests)."""
    x = _x(9, shape=(2, 7))
    xt = torch.tensor(x)
    kw = {"mode": mode, "method": method}
    hard = {
        "sort": np.sort(x, axis=1),
        "rank": np.argsort(np.argsort(-x, axis=1), axis=1) + 1.0,
        "max": x.max(1),
        "quantile": np.quantile(x, 0.4, axis=1),
        "argsort": np.moveaxis(_one_hot_np(np.argsort(x, axis=1), 7), -2, 1),
    }
    soft = {
        "sort": st.sort(xt, dim=1, softness=1e-3, **kw).values,
        "rank": st.rank(xt, dim=1, softness=1e-3, **kw),
        "max": st.max(xt, dim=1, softness=1e-3, **kw).values,
        "quantile": st.quantile(xt, 0.4, dim=1, softness=1e-3, **kw),
    }
    if method in VALUE_ONLY_METHODS:
        del hard["argsort"]
    else:
        soft["argsort"] = st.argsort(xt, dim=1, softness=1e-3, **kw)
    for key, ref in hard.items():
        np.testing.assert_allclose(soft[key], ref, atol=1e-2, err_msg=key)
    if method in VALUE_ONLY_METHODS:
        return
    indices = [
        st.argsort(xt, dim=0, **kw),
        st.argmax(xt, dim=1, **kw),
        st.argmin(xt, **kw),
        st._argtopk(xt, 4, **kw),
        st.argquantile(xt, [0.1, 0.5, 0.9], dim=1, **kw),
        st.argmedian(xt, dim=0, **kw),
        st.argpercentile(xt, 30.0, dim=1, **kw),
    ]
    if method not in _dispatch.NETWORK_VALUE_METHODS:
        indices.append(st.topk(xt, 3, **kw).indices)
        indices.append(st.sort(xt, dim=0, **kw).indices)
    for p in indices:
        p = p.numpy()
        assert (p >= -1e-15).all()
        np.testing.assert_allclose(p.sum(-1), 1.0, atol=_simplex_atol(method, 7))


def test_near_hard_limit_jax():
    x = _x(9, shape=(2, 7))
    np.testing.assert_allclose(sj.sort(x, axis=1, softness=1e-3), np.sort(x, axis=1), atol=1e-2)
    np.testing.assert_allclose(
        sj.rank(x, axis=1, softness=1e-3, mode="c1", method="softsort"),
        np.argsort(np.argsort(-x, axis=1), axis=1) + 1.0,
        atol=1e-2,
    )


# ---------------------------------------------------------------------------------------------
# Shapes, axes, dtypes, return types
# ---------------------------------------------------------------------------------------------


def test_shapes_follow_the_framework_conventions():
    x = _x(2, shape=(2, 3, 4))
    xj, xt = jnp.asarray(x), torch.tensor(x)
    assert sj.argmax(xj).shape == (24,)
    assert sj.argmax(xj, keepdims=True).shape == (1, 1, 1, 24)
    assert sj.argmax(xj, axis=1, keepdims=True).shape == (2, 1, 4, 3)
    assert sj.argsort(xj).shape == (24, 24)  # SoftJAX flattens by default
    assert st.argsort(xt).shape == (2, 3, 4, 4)  # SoftTorch sorts the last dim
    assert sj.argsort(xj, axis=1).shape == (2, 3, 4, 3)
    assert sj.sort(xj).shape == (24,) and st.sort(xt).values.shape == (2, 3, 4)
    assert st.sort(xt).indices.shape == (2, 3, 4, 4)
    assert st.sort(xt, return_indices=False).indices is None
    assert st.sort(xt, method="sorting_network").indices is None
    assert sj.rank(xj).shape == (24,) and st.rank(xt).shape == (24,)
    assert sj.rank(xj, axis=0).shape == (2, 3, 4)
    v, i = sj.top_k(xj, 2)
    assert v.shape == (2, 3, 2) and i.shape == (2, 3, 2, 4)
    v, i = sj.top_k(xj, 2, axis=1)
    assert v.shape == (2, 2, 4) and i.shape == (2, 2, 4, 3)
    assert sj.top_k(xj, 2, method="sorting_network")[1] is None
    assert st.topk(xt, 2, method="sorting_network").indices is None
    assert sj.quantile(xj, 0.3).shape == ()
    assert sj.quantile(xj, [0.3, 0.6], axis=2, keepdims=True).shape == (2, 2, 3, 1)
    assert sj.argquantile(xj, [0.3, 0.6], axis=2).shape == (2, 2, 3, 4)
    assert sj.quantile(xj, jnp.asarray([[0.1, 0.2], [0.3, 0.4]]), axis=0).shape == (2, 2, 3, 4)
    assert st.max(xt).shape == ()  # SoftTorch 0.1.1 returned (1,) here: not reproduced
    assert st.median(xt).shape == ()
    assert isinstance(st.median(xt, dim=0), torch.return_types.median)
    assert st.median(xt, dim=0).indices.shape == (3, 4, 2)
    assert isinstance(st.min(xt, dim=2, keepdim=True), torch.return_types.min)
    assert st.min(xt, dim=2, keepdim=True).values.shape == (2, 3, 1)
    assert st.max(xt, dim=1, method="sorting_network").indices is None
    values, index = st.quantile(xt, 0.3, dim=1, return_argquantile=True)
    assert values.shape == (2, 4) and index.shape == (2, 4, 3)
    assert sj.percentile(xj, [20.0, 50.0], axis=1).shape == (2, 2, 4)
    assert st.percentile(xt, 50.0).shape == ()


def test_dtypes_and_integer_inputs():
    xi = np.array([[3, 1, 2], [0, 5, 4]])
    for lib, conv in ((sj, jnp.asarray), (st, torch.tensor)):
        x = conv(xi)
        hard_sort = lib.sort(x, axis=1, mode="hard") if lib is sj else lib.sort(x, dim=1, mode="hard").values
        assert "int" in str(hard_sort.dtype)
        hard_max = lib.max(x, mode="hard")
        assert "int" in str(hard_max.dtype)
        for p in (lib.argmax(x, mode="hard"), lib.argsort(x, mode="hard"), lib.rank(x, mode="hard")):
            assert "float" in str(p.dtype)  # one-hot SoftIndex and ranks are floating, even for int input
        soft_sort = lib.sort(x) if lib is sj else lib.sort(x).values
        assert "float" in str(soft_sort.dtype)
        assert "float" in str(lib.quantile(x, 0.5, mode="hard").dtype)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_low_precision_dtypes_are_kept(dtype):
    """torch for every mode x method; JAX for one method per mode."""
    x = _x(1, 6)
    xt = torch.tensor(x, dtype=getattr(torch, dtype))
    for i, mode in enumerate(("hard", *SOFT_MODES)):
        for method in METHODS:
            kw = {"mode": mode, "method": method}
            for out in (
                st.sort(xt, **kw).values,
                st.argsort(xt, **kw),
                st.rank(xt, **kw),
                st.quantile(xt, 0.3, **kw),
                st.max(xt, **kw),
            ):
                assert out.dtype == xt.dtype, (mode, method)
                assert torch.isfinite(out).all(), (mode, method)
        if dtype == "float16":
            xj = jnp.asarray(x, dtype=jnp.float16)
            method = METHODS[i % 3]
            assert sj.sort(xj, mode=mode, method=method).dtype == xj.dtype
            assert sj.argsort(xj, mode=mode, method=method).dtype == xj.dtype


def test_return_log_probs():
    """exp(log-probs) == probs for every index op, method and mode (torch); JAX spot checks;
    log_prob_eps floors at log(eps) and renormalises."""
    x = _x(6, shape=(2, 6))
    xt = torch.tensor(x)
    for method in METHODS:
        for mode in ("hard", *SOFT_MODES):
            for fn in (
                lambda **k: st.argsort(xt, dim=1, **k),
                lambda **k: st.argmax(xt, dim=1, **k),
                lambda **k: st.argquantile(xt, [0.3, 0.5], dim=1, **k),
                lambda **k: (
                    st.topk(xt, 2, **k).indices if k["method"] != "sorting_network" else st._argtopk(xt, 2, **k)
                ),
                lambda **k: st.argmedian(xt, dim=1, **k),
                lambda **k: st.argpercentile(xt, 40.0, dim=1, **k),
            ):
                p = fn(mode=mode, method=method).numpy()
                logp = fn(mode=mode, method=method, return_log_probs=True).numpy()
                np.testing.assert_allclose(np.exp(logp), p, atol=1e-13)
                floored = fn(mode=mode, method=method, return_log_probs=True, log_prob_eps=1e-6).numpy()
                assert np.isfinite(floored).all() and floored.min() >= np.log(1e-6) - np.log(1 + 6e-6)
                np.testing.assert_allclose(np.exp(floored).sum(-1), 1.0, atol=1e-12)
    for mode in SOFT_MODES:
        p = np.asarray(sj.argquantile(x, [0.3, 0.5], axis=1, mode=mode))
        logp = np.asarray(sj.argquantile(x, [0.3, 0.5], axis=1, mode=mode, return_log_probs=True))
        np.testing.assert_allclose(np.exp(logp), p, atol=1e-13)

    # gradients through log-probabilities are finite, also where p == 0 (sparse modes)
    def loss(a):
        logp = sj.argsort(a, return_log_probs=True, mode="c0")
        return jnp.sum(jnp.where(jnp.isfinite(logp), logp, 0.0))

    assert np.isfinite(jax.grad(loss)(jnp.asarray(x[0]))).all()


def test_gated_grad_false_stops_the_gradient_through_the_index():
    x = _x(3, 6)
    for method in CLOSED_FORM_METHODS:
        p = np.asarray(sj.argsort(x, method=method))

        def loss(a, method=method):
            return jnp.sum(sj.sort(a, method=method, gated_grad=False) * jnp.arange(6.0))

        g = np.asarray(jax.grad(loss)(jnp.asarray(x)))
        close(g, p.T @ np.arange(6.0), 1e-13, method)
        xt = torch.tensor(x, requires_grad=True)
        (st.sort(xt, method=method, gated_grad=False).values * torch.arange(6.0, dtype=torch.float64)).sum().backward()
        close(xt.grad.numpy(), g, 1e-13, method)


def test_vector_q_traced_under_jit_and_compile():
    x = _x(4, shape=(2, 7))
    q = np.array([0.1, 0.5, 0.93])
    f = jax.jit(lambda a, qq: sj.quantile(a, qq, axis=1))
    close(f(jnp.asarray(x), jnp.asarray(q)), sj.quantile(x, q.tolist(), axis=1), 1e-13)
    g = jax.jit(jax.grad(lambda qq: jnp.sum(sj.quantile(jnp.asarray(x), qq, axis=1))))(jnp.asarray(q))
    assert np.isfinite(g).all()
    torch._dynamo.reset()
    h = torch.compile(lambda a, qq: st.quantile(a, qq, dim=1), backend="aot_eager", fullgraph=True)
    close(h(torch.tensor(x), torch.tensor(q)), sj.quantile(x, q.tolist(), axis=1), 1e-12)


#: Methods whose solvers stop on a data-dependent test (a graph break under Dynamo); every other
#: method compiles each axis-wise op into one graph (docs/guides/scaling.md publishes the list).
GRAPH_BREAK_METHODS = ("fast_soft_sort", "ot", "smooth_sort")


@pytest.mark.compile
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf:UserWarning")
@pytest.mark.parametrize("method", [m for m in ALL_METHODS if m not in GRAPH_BREAK_METHODS])
def test_torch_compile_fullgraph_every_op(method):
    """Every axis-wise op of a closed-form method in ONE ``fullgraph=True`` graph: values and the
    gradient of a weighted sum equal eager (float64). (The default tier compiles the catalogue's
    cases with ``fullgraph=True`` one by one: ``test_catalogue_transforms.py``.)"""
    x = _x(5, shape=(3, 6))
    ops = ops_of(method)

    def total(a):
        outs = [call_op(st, name, a, method, "smooth", kw, torch=True) for name, kw in ops]
        return sum((flatten_outputs(o)[0] * 1.5).sum() for o in outs)

    xe = torch.tensor(x, requires_grad=True)
    eager = total(xe)
    (g_eager,) = torch.autograd.grad(eager, xe)
    torch._dynamo.reset()
    xc = torch.tensor(x, requires_grad=True)
    compiled = torch.compile(total, backend="aot_eager", fullgraph=True)(xc)
    (g_compiled,) = torch.autograd.grad(compiled, xc)
    close(compiled.detach().numpy(), eager.detach().numpy(), 1e-12)
    close(g_compiled.numpy(), g_eager.numpy(), 1e-12)


@pytest.mark.compile
@pytest.mark.filterwarnings("ignore:.*should not be instantiated:DeprecationWarning")
@pytest.mark.parametrize("method", GRAPH_BREAK_METHODS)
def test_torch_fullgraph_refuses_only_the_solver_loops(method):
    """The documented exceptions are real: ``fullgraph=True`` stops at the solver (its autograd
    Function, which holds the data-dependent loop). If one compiled, the list in
    docs/guides/scaling.md would be out of date."""
    torch._dynamo.reset()
    fn = torch.compile(lambda a: st.sort(a, method=method, return_indices=False), backend="aot_eager", fullgraph=True)
    with pytest.raises(torch._dynamo.exc.Unsupported):
        fn(torch.tensor(_x(6, shape=(2, 5))))


def test_softness_is_traced_and_differentiable():
    x = jnp.asarray(_x(2, 6))
    f = jax.jit(lambda s: jnp.sum(sj.sort(x, softness=s) * jnp.arange(6.0)))
    assert np.isfinite(jax.grad(f)(0.3))
    close(f(0.3), jnp.sum(sj.sort(x, softness=0.3) * jnp.arange(6.0)), 1e-13)


# ---------------------------------------------------------------------------------------------
# Chunked value paths (n > 128): equal to the materialised permutation, values and gradients
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "mode"), [("softsort", "smooth"), ("neuralsort", "c1")])
def test_chunked_sort_and_rank_match_materialised(method, mode):
    """n = 300: three chunks of 128 rows (the last one padded). The fused values and their
    gradients equal those of the materialised permutation; JAX == torch on the chunked loop."""
    n = 300
    x = np.random.default_rng(0).normal(size=n)
    w = torch.tensor(np.random.default_rng(1).normal(size=n))
    kw = {"method": method, "mode": mode, "softness": 0.02}
    xt = torch.tensor(x, requires_grad=True)
    fused = st.sort(xt, return_indices=False, **kw).values
    (g_fused,) = torch.autograd.grad((w * fused).sum(), xt)
    full = st.argsort(xt, **kw) @ xt
    (g_full,) = torch.autograd.grad((w * full).sum(), xt)
    close(fused.detach(), full.detach(), 1e-12, "sort values")
    close(g_fused, g_full, 1e-11, "sort gradient")
    ranks = st.rank(xt, descending=False, **kw)
    close(ranks.detach(), np_rank(np_standardize(x), 0.02, mode, method, descending=False), 1e-10, "rank")
    (g_rank,) = torch.autograd.grad((w * ranks).sum(), xt)
    assert torch.isfinite(g_rank).all()
    if method == "softsort":
        g_jax = jax.grad(lambda a: jnp.sum(w.numpy() * sj.sort(a, **kw)))(jnp.asarray(x))
        close(g_jax, g_fused, 1e-10, "jax chunked sort gradient")
        g_jax = jax.grad(lambda a: jnp.sum(w.numpy() * sj.rank(a, descending=False, **kw)))(jnp.asarray(x))
        close(g_jax, g_rank, 1e-10, "jax chunked rank gradient")


def test_standardize_and_unsquash_are_inverse():
    from softcore._standardize import standardize_and_squash, unsquash_and_destandardize

    x = _x(7, shape=(3, 5))
    y, mean, std = standardize_and_squash(jnp.asarray(x), bk=JAX)
    close(y, np_standardize(x), 1e-15)
    close(unsquash_and_destandardize(y, mean, std, bk=JAX), x, 1e-12)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: sj.sort(np.ones(3), method="bubble"), ValueError, "method"),
        (lambda: sj.argsort(np.ones(3), method="fast_soft_sort"), ValueError, "method"),
        (lambda: sj.argmax(np.ones(3), mode="c3"), ValueError, "mode"),
        (lambda: sj.sort(np.ones(3), softness=0.0), ValueError, "softness"),
        (lambda: sj.sort(np.ones(3), softness=-1), ValueError, "softness"),
        (lambda: sj.sort(np.ones((2, 3)), axis=2), ValueError, "axis"),
        (lambda: st.sort(torch.ones(2, 3), dim=-3), ValueError, "dim"),
        (lambda: sj.sort(np.ones(3), axis=1.0), TypeError, "axis"),
        (lambda: sj.top_k(np.ones(3), 4), ValueError, "k"),
        (lambda: sj.top_k(np.ones(3), 0), ValueError, "k"),
        (lambda: st.topk(torch.ones(3), 2.5), TypeError, "k"),
        (lambda: sj.quantile(np.ones(3), 1.2), ValueError, "q"),
        (lambda: sj.quantile(np.ones(3), [0.5, -0.1]), ValueError, "q"),
        (lambda: sj.percentile(np.ones(3), 101.0), ValueError, "p"),
        (lambda: sj.quantile(np.ones(3), 0.5, quantile_method="cubic"), ValueError, "quantile_method"),
        (lambda: st.quantile(torch.ones(3), 0.5, interpolation="cubic"), ValueError, "interpolation"),
        (lambda: sj.argmax(np.ones(3), log_prob_eps=0.1), ValueError, "log_prob_eps"),
        (lambda: sj.argmax(np.ones(3), return_log_probs=True, log_prob_eps=2.0), ValueError, "log_prob_eps"),
        (
            lambda: st.quantile(torch.ones(3), 0.5, method="sorting_network", return_argquantile=True),
            ValueError,
            "return_argquantile",
        ),
        (lambda: st.median(torch.ones(3), keepdim=True), ValueError, "keepdim"),
        (lambda: st.median(torch.ones(2, 3), dim=1, method="sorting_network"), ValueError, "method"),
        (lambda: st.sort(torch.ones(3), return_indices=1), TypeError, "return_indices"),
        (lambda: sj.rank(np.ones(3), descending="yes"), TypeError, "descending"),
        (lambda: sj.argmax(np.ones(3), ot_kwargs=[1]), TypeError, "ot_kwargs"),
        (lambda: sj.sort(np.ones(3), method="smooth_sort", mode="c1"), ValueError, "smooth_sort"),
    ],
)
def test_invalid_arguments_name_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("method", [m for m in ("smooth_sort",) if m not in _dispatch._REGISTRY])
def test_pending_methods_raise_not_implemented(method):
    with pytest.raises(NotImplementedError, match=method):
        sj.sort(np.ones(3), method=method)
    with pytest.raises(NotImplementedError, match=method):
        st.rank(torch.ones(3), method=method)
    # hard mode does not need the method
    np.testing.assert_array_equal(sj.sort(np.array([2.0, 1.0]), method=method, mode="hard"), [1.0, 2.0])
