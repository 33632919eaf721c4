"""Soft random sampling (SPEC §1.8, §7): ``softjax.random`` and ``softtorch.random``.

* shapes, dtypes and ranges of every sampler in every mode;
* ``_hard == hard`` on the same draw (JAX: same key, bit for bit where SPEC §7 asks for it;
  torch: same generator seed), and the near-hard limit of the relaxations;
* gradients of the relaxations at FIXED noise (softcore called with NumPy noise through each
  backend) against central finite differences, and jax == torch on the same noise (1e-12);
* ``*_st``: forward == the hard sample of the same draw, gradient == the soft sampler's gradient;
* chi-square tests of the hard samples' frequencies (fixed seeds, reject only at p < 1e-4);
* ``jax.jit`` / ``jax.vmap`` over keys; argument errors.
"""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from conftest import selected_backends

from harness.assertions import assert_close
from softcore import random as core

SOFT_MODES = ("smooth", "c0", "c1", "c2")
P_REJECT = 1e-4
# JAX compiles every new shape on first use (~0.5 s each on a loaded CPU), so the JAX runs use a
# subset of the configurations; the relaxations are the same softcore code in both frameworks and
# the full grid runs in torch (fast eager). JAX gradients are pinned to torch's at 1e-12 on the
# same noise, and torch's to finite differences.


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def rnd(h):
    return importlib.import_module(f"soft{h.name}.random")


def backend(h):
    if h.name == "jax":
        from softjax._backend import JAX

        return JAX
    from softtorch._backend import TORCH

    return TORCH


def sample(h, name, *args, seed=0, **kw):
    """Call ``random.<name>`` with a key (JAX) or a freshly seeded generator (torch)."""
    fn = getattr(rnd(h), name)
    if h.name == "jax":
        return fn(h.jax.random.key(seed), *args, **kw)
    kw = {("dim" if k == "axis" else k): v for k, v in kw.items()}
    return fn(*args, generator=h.torch.Generator().manual_seed(seed), **kw)


def npy(h, x):
    return h.to_numpy(x)


def modes_for(h, modes):
    """The modes a test loops over: all in torch, the first one only in JAX (compile time)."""
    return modes if h.name == "torch" else modes[:1]


def light(h, cases):
    """All cases in torch; in JAX those flagged ``jax=True`` (the last tuple element)."""
    return [c[:-1] for c in cases if h.name == "torch" or c[-1]]


def value_and_grad(h, f, args, cot_seed=0):
    """``f(*fw_args)`` and the gradients of ``sum(cot * f)`` w.r.t. every argument (float64).

    JAX: one ``jax.jit`` of value-and-grad (compiling once is ~3x cheaper than eager autodiff).
    """
    fw = [h.to_fw(a) for a in args]
    if h.name == "jax":
        jax, jnp = h.jax, h.jnp
        out_shape = jax.eval_shape(f, *fw).shape
        cot = jnp.asarray(np.random.default_rng(cot_seed).standard_normal(out_shape))

        def loss(*a):
            y = f(*a)
            return jnp.sum(cot * y), y

        (_, out), grads = jax.jit(jax.value_and_grad(loss, argnums=tuple(range(len(fw))), has_aux=True))(*fw)
        return np.asarray(out), [np.asarray(g) for g in grads]
    torch = h.torch
    fw = [a.clone().requires_grad_(True) for a in fw]
    y = f(*fw)
    out = npy(h, y)
    cot = np.random.default_rng(cot_seed).standard_normal(out.shape)
    grads = torch.autograd.grad((torch.as_tensor(cot) * y).sum(), fw, allow_unused=True)
    return out, [np.zeros(a.shape) if g is None else npy(h, g) for a, g in zip(args, grads, strict=True)]


def fd_grad(h, f, args, cot_seed=0, eps=1e-6):
    """Central finite differences of ``sum(cot * f)`` (evaluated through the same backend)."""
    out = npy(h, f(*[h.to_fw(a) for a in args]))
    cot = np.random.default_rng(cot_seed).standard_normal(out.shape)

    def loss(vals):
        return float(np.sum(cot * npy(h, f(*[h.to_fw(v) for v in vals]))))

    grads = []
    for i, a in enumerate(args):
        g = np.zeros(a.shape)
        for j in np.ndindex(a.shape):
            plus = [v.copy() for v in args]
            minus = [v.copy() for v in args]
            plus[i][j] += eps
            minus[i][j] -= eps
            g[j] = (loss(plus) - loss(minus)) / (2 * eps)
        grads.append(g)
    return grads


def chi2_pvalue(counts, probs):
    """Upper tail of Pearson's statistic (Wilson-Hilferty approximation; zero-probability cells must be empty)."""
    counts = np.asarray(counts, dtype=np.float64)
    probs = np.asarray(probs, dtype=np.float64)
    assert np.all(counts[probs == 0] == 0), "a zero-probability outcome was sampled"
    keep = probs > 0
    expected = counts.sum() * probs[keep]
    stat = float(np.sum((counts[keep] - expected) ** 2 / expected))
    k = int(keep.sum()) - 1
    z = ((stat / k) ** (1 / 3) - (1 - 2 / (9 * k))) / math.sqrt(2 / (9 * k))
    return 0.5 * math.erfc(z / math.sqrt(2))


# ------------------------------------------------------------------------------------------------
# shapes, dtypes, ranges
# ------------------------------------------------------------------------------------------------


LOGITS = np.log(np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.25, 0.125, 0.125]]))
P3 = np.array([0.2, 0.5, 0.3])
ALL_MODES = ("smooth", "hard", "_hard", "c0", "c1", "c2")
TOL = 1e-12


def _is_hard(mode):
    return mode in ("hard", "_hard")


def test_categorical_shapes_and_ranges(harness):
    h = harness
    logits = h.to_fw(LOGITS)
    configs = [
        ({}, (2, 4), True),
        ({"shape": (3, 2)}, (3, 2, 4), False),
        ({"shape": (2, 2), "replace": False}, (2, 2, 4), False),
        ({"axis": 0, "shape": (5, 4)}, (5, 4, 2), False),
        ({"shape": (3, 2), "noise": "uniform"}, (3, 2, 4), False),
        ({"rng_mode": "high"}, (2, 4), False),
    ]
    for mode in modes_for(h, ALL_MODES):
        for extra, shape in light(h, configs):
            y = npy(h, sample(h, "categorical", logits, mode=mode, softness=0.3, **extra))
            assert y.shape == shape, (extra, y.shape)
            assert y.min() >= -TOL and y.max() <= 1 + TOL
            np.testing.assert_allclose(y.sum(-1), 1.0, atol=TOL)
            if _is_hard(mode):
                assert set(np.unique(y)) <= {0.0, 1.0}
    y32 = sample(h, "categorical", h.to_fw(LOGITS, "float32"), softness=0.3)
    assert h.dtype_name(y32) == "float32"


def test_choice_shapes_and_ranges(harness):
    h = harness
    a = h.to_fw(np.arange(12.0).reshape(3, 4))
    configs = [
        ({"shape": (5,)}, (5, 4), True),
        ({"shape": (2, 3), "p": h.to_fw(P3)}, (2, 3, 4), False),
        ({"shape": (2,), "replace": False}, (2, 4), False),
        ({"shape": (2,), "axis": 1, "p": h.to_fw(np.full(4, 0.25)), "replace": False}, (3, 2), False),
        ({"shape": (4,), "p": h.to_fw(P3), "noise": "uniform"}, (4, 4), False),
        ({"shape": (0,)}, (0, 4), True),  # zero draws give zeros
    ]
    for mode in modes_for(h, ALL_MODES):
        for extra, shape in light(h, configs):
            y = npy(h, sample(h, "choice", a, mode=mode, softness=0.3, **extra))
            assert y.shape == shape, (extra, y.shape)
            if y.size:
                assert y.min() >= -TOL and y.max() <= 11 + TOL
            if _is_hard(mode) and y.size:
                assert set(np.unique(y)) <= set(range(12))
        assert npy(h, sample(h, "choice", 5, (3,), mode=mode)).shape == (3,)


def test_bernoulli_rademacher_shapes_and_ranges(harness):
    h = harness
    p = h.to_fw(np.array([0.0, 0.3, 0.7, 1.0]))
    configs = [
        ({}, (4,), True),
        ({"shape": (2, 4)}, (2, 4), False),
        ({"rng_mode": "high"}, (4,), False),
        ({"noise": "gumbel"}, (4,), True),
    ]
    for mode in modes_for(h, ALL_MODES):
        for extra, shape in light(h, configs):
            b = sample(h, "bernoulli", p, mode=mode, softness=0.3, **extra)
            y = npy(h, b)
            assert y.shape == shape and h.dtype_name(b) == "float64"
            assert y.min() >= 0 and y.max() <= 1
            if extra.get("noise") == "gumbel" or _is_hard(mode):  # p = 0 and p = 1 are exact
                assert np.all(y[..., 0] == 0) and np.all(y[..., 3] == 1)
        for noise in ("uniform", "gumbel")[: 2 if h.name == "torch" else 1]:
            y = npy(h, sample(h, "rademacher", (3, 5), mode=mode, softness=0.3, noise=noise))
            assert y.shape == (3, 5) and y.min() >= -1 - TOL and y.max() <= 1 + TOL
            if _is_hard(mode):
                assert set(np.unique(y)) <= {-1.0, 1.0}
    assert npy(h, sample(h, "bernoulli")).shape == ()
    f32 = h.jnp.float32 if h.name == "jax" else h.torch.float32
    assert h.dtype_name(sample(h, "rademacher", (2,), dtype=f32)) == "float32"


def test_permutation_binomial_multinomial_shapes_and_ranges(harness):
    h = harness
    x = np.arange(12.0).reshape(3, 4)
    perm_configs = [
        ({}, True),
        ({"axis": 1}, False),
        ({"axis": 1, "independent": True}, False),
        ({"noise": "uniform"}, False),
    ]
    for mode in modes_for(h, ALL_MODES):
        kw = {"mode": mode, "softness": 0.3}
        for (extra,) in light(h, perm_configs):
            y = npy(h, sample(h, "permutation", h.to_fw(x), **extra, **kw))
            assert y.shape == (3, 4)
            if _is_hard(mode):
                np.testing.assert_array_equal(np.sort(y, axis=extra.get("axis", 0)), x)
        assert npy(h, sample(h, "permutation", 6, **kw)).shape == (6,)
        for extra, jax_too in (({}, True), ({"noise": "gumbel"}, False), ({"shape": (2, 3)}, False)):
            if h.name == "torch" or jax_too:
                y = npy(h, sample(h, "binomial", 5, h.to_fw(P3), **extra, **kw))
                assert y.shape == extra.get("shape", (3,)) and y.min() >= -TOL and y.max() <= 5 + TOL
        for extra, jax_too in (({}, True), ({"noise": "uniform"}, False), ({"shape": (2, 3)}, False)):
            if h.name == "torch" or jax_too:
                y = npy(h, sample(h, "multinomial", 5, h.to_fw(P3), **extra, **kw))
                assert y.shape == extra.get("shape", (3,)) and y.min() >= -TOL
                np.testing.assert_allclose(y.sum(-1), 5.0, atol=1e-9)
        assert np.all(npy(h, sample(h, "multinomial", 0, h.to_fw(P3), **kw)) == 0)


# ------------------------------------------------------------------------------------------------
# _hard == hard, near-hard limit
# ------------------------------------------------------------------------------------------------


EXACT_CASES = [  # h -> (sampler, args, kwargs): _hard == hard bit for bit, in JAX too
    lambda h: ("categorical", (h.to_fw(LOGITS),), {}),
    lambda h: ("categorical", (h.to_fw(LOGITS),), {"shape": (3, 2), "replace": False}),
    lambda h: ("categorical", (h.to_fw(LOGITS),), {"rng_mode": "high"}),
    lambda h: ("categorical", (h.to_fw(np.array([0.0, -np.inf, 1.0, -np.inf])),), {"shape": (50,)}),
    lambda h: ("bernoulli", (h.to_fw(np.linspace(0, 1, 9)),), {}),
    lambda h: ("bernoulli", (h.to_fw(np.linspace(0, 1, 9)),), {"shape": (4, 9), "rng_mode": "high"}),
    lambda h: ("rademacher", ((4, 5),), {}),
    lambda h: ("choice", (h.to_fw(np.arange(5.0)),), {"shape": (3,), "p": h.to_fw(np.full(5, 0.2)), "replace": False}),
    lambda h: ("choice", (h.to_fw(np.arange(5.0)),), {"shape": (9,), "p": h.to_fw(np.arange(5.0)), "noise": "uniform"}),
]
DISTRIBUTIONAL_CASES = [  # torch: identical for one seed; JAX: same distribution only (chi-square below)
    lambda h: ("categorical", (h.to_fw(LOGITS),), {"axis": 0, "shape": (6, 4)}),
    lambda h: ("choice", (h.to_fw(np.arange(6.0).reshape(3, 2)),), {"shape": (4,)}),
    lambda h: ("permutation", (h.to_fw(np.arange(12.0).reshape(3, 4)),), {"axis": 1}),
    lambda h: ("binomial", (5, h.to_fw(P3)), {}),
    lambda h: ("multinomial", (5, h.to_fw(P3)), {"shape": (4, 3)}),
    lambda h: ("categorical", (h.to_fw(LOGITS),), {"shape": (3, 2), "noise": "uniform"}),
    lambda h: ("bernoulli", (h.to_fw(P3),), {"noise": "gumbel"}),
]


def test_private_hard_equals_hard(harness):
    h = harness
    cases = EXACT_CASES + (DISTRIBUTIONAL_CASES if h.name == "torch" else [])
    for build in cases:
        name, args, kw = build(h)
        for seed in (0, 1):
            hard = npy(h, sample(h, name, *args, seed=seed, mode="hard", **kw))
            private = npy(h, sample(h, name, *args, seed=seed, mode="_hard", **kw))
            np.testing.assert_array_equal(private.astype(np.float64), hard.astype(np.float64), err_msg=f"{name} {kw}")


def test_near_hard_limit(harness):
    """Tiny softness: the relaxation of a draw equals the hard sample of the same draw."""
    h = harness
    cases = [
        ("categorical", (h.to_fw(LOGITS),), {"shape": (5, 2)}, True),
        ("categorical", (h.to_fw(LOGITS),), {"shape": (2, 2), "replace": False}, False),
        ("categorical", (h.to_fw(LOGITS),), {"shape": (5, 2), "noise": "uniform"}, False),
        ("choice", (h.to_fw(np.arange(5.0)),), {"shape": (4,), "p": h.to_fw(np.full(5, 0.2))}, False),
        ("bernoulli", (h.to_fw(np.linspace(0.05, 0.95, 7)),), {}, True),
        ("bernoulli", (h.to_fw(np.linspace(0.05, 0.95, 7)),), {"noise": "gumbel"}, False),
        ("rademacher", ((6,),), {}, False),
        ("permutation", (h.to_fw(np.arange(5.0)),), {}, False),
        ("binomial", (4, h.to_fw(P3)), {}, False),
        ("multinomial", (4, h.to_fw(P3)), {}, False),
    ]
    for mode in modes_for(h, SOFT_MODES):
        for name, args, kw in light(h, cases):
            hard = npy(h, sample(h, name, *args, seed=3, mode="_hard", **kw))
            soft = npy(h, sample(h, name, *args, seed=3, mode=mode, softness=1e-7, **kw))
            np.testing.assert_allclose(soft, hard, atol=1e-6, err_msg=f"{name} {kw} {mode}")


# ------------------------------------------------------------------------------------------------
# gradients at fixed noise: finite differences and cross-framework parity
# ------------------------------------------------------------------------------------------------


def _draws(shape, kind, seed):
    rng = np.random.default_rng(seed)
    return rng.gumbel(size=shape) if kind == "gumbel" else rng.random(shape)


def _core_cases():
    """(label, core function of (bk, *arrays), arrays) with NumPy noise fixed inside."""
    rng = np.random.default_rng(7)
    logits = rng.standard_normal((2, 4))
    cases = []
    for mode, method in (("smooth", "softsort"), ("c1", "softsort"), ("c2", "softsort"), ("smooth", "neuralsort")):
        g = _draws(core.categorical_draws_shape((2, 4), -1, (3, 2)), "gumbel", 1)
        cases.append(
            (
                f"categorical-{mode}-{method}",
                lambda bk, l, g=g, mode=mode, method=method: core.categorical(
                    l, bk.xp.asarray(g), -1, (3, 2), softness=0.7, mode=mode, method=method, bk=bk
                ),
                [logits],
            )
        )
    g = _draws((2, 4), "gumbel", 2)
    cases.append(
        (
            "categorical-noreplace",
            lambda bk, l: core.categorical(l, bk.xp.asarray(g), -1, (2, 2), False, softness=0.7, bk=bk),
            [logits],
        )
    )
    u = _draws((3, 2), "uniform", 3)
    cases.append(
        (
            "categorical-uniform",
            lambda bk, l: core.categorical(l, bk.xp.asarray(u), -1, (3, 2), softness=0.2, noise="uniform", bk=bk),
            [logits],
        )
    )
    a, p = rng.standard_normal(5), rng.uniform(0.1, 1.0, 5)
    gc = _draws((3, 5), "gumbel", 4)
    cases.append(
        ("choice", lambda bk, a_, p_: core.choice(a_, bk.xp.asarray(gc), (3,), True, p_, softness=0.5, bk=bk), [a, p])
    )
    pb = rng.uniform(0.05, 0.95, 4)
    ub, gb = _draws((4,), "uniform", 5), _draws((2, 4), "gumbel", 6)
    cases.append(("bernoulli-uniform", lambda bk, p_: core.bernoulli(p_, bk.xp.asarray(ub), 0.3, bk=bk), [pb]))
    cases.append(("bernoulli-uniform-c1", lambda bk, p_: core.bernoulli(p_, bk.xp.asarray(ub), 0.3, "c1", bk=bk), [pb]))
    cases.append(
        ("bernoulli-gumbel", lambda bk, p_: core.bernoulli(p_, bk.xp.asarray(gb), 0.5, noise="gumbel", bk=bk), [pb])
    )
    un = _draws((3, 4), "uniform", 8)
    cases.append(("binomial", lambda bk, p_: core.binomial(3, p_, bk.xp.asarray(un), 0.3, bk=bk), [pb]))
    pm = rng.uniform(0.1, 1.0, 3)
    gm = _draws((4, 2, 3), "gumbel", 9)
    cases.append(("multinomial", lambda bk, p_: core.multinomial(4, p_, bk.xp.asarray(gm), (2, 3), 0.5, bk=bk), [pm]))
    x = rng.standard_normal((2, 4))
    gp = _draws((4,), "gumbel", 10)
    gi = _draws((2, 4), "gumbel", 11)
    cases.append(("permutation", lambda bk, x_: core.permutation(x_, bk.xp.asarray(gp), 1, softness=0.5, bk=bk), [x]))
    cases.append(
        (
            "permutation-independent-softsort",
            lambda bk, x_: core.permutation(x_, bk.xp.asarray(gi), 1, True, 0.5, method="softsort", bk=bk),
            [x],
        )
    )
    return cases


CORE_CASES = _core_cases()


def _bind(h, fn):
    bk = backend(h)
    return lambda *a: fn(bk, *a)


@pytest.mark.parametrize("case", CORE_CASES, ids=[c[0] for c in CORE_CASES])
def test_gradients_match_finite_differences(harness, case):
    """Torch autograd vs central differences; JAX is pinned to torch by the parity test below."""
    if harness.name == "jax":
        pytest.skip("JAX gradients are compared with torch's at 1e-12 on the same noise (compile time)")
    label, fn, args = case
    f = _bind(harness, fn)
    _, grads = value_and_grad(harness, f, args)
    for g, fd in zip(grads, fd_grad(harness, f, args), strict=True):
        assert_close(g, fd, 1e-6, what=f"{label} gradient vs finite differences")


@pytest.mark.parametrize("case", CORE_CASES, ids=[c[0] for c in CORE_CASES])
def test_jax_torch_parity_on_the_same_noise(harnesses, case):
    label, fn, args = case
    (out_a, g_a), (out_b, g_b) = (value_and_grad(h, _bind(h, fn), args) for h in harnesses[:2])
    assert_close(out_a, out_b, 1e-12, what=f"{label} values")
    for a, b in zip(g_a, g_b, strict=True):
        assert_close(a, b, 1e-12, what=f"{label} gradients")


# ------------------------------------------------------------------------------------------------
# straight-through samplers
# ------------------------------------------------------------------------------------------------


ST_CASES = [  # (sampler, args builder, kwargs, differentiated input, run in JAX)
    ("categorical", lambda t: (t,), {"shape": (3, 2)}, LOGITS, True),
    ("categorical", lambda t: (t,), {"shape": (2, 2), "replace": False}, LOGITS, True),
    ("categorical", lambda t: (t,), {"shape": (3, 2), "noise": "uniform", "mode": "c1"}, LOGITS, False),
    ("bernoulli", lambda t: (t,), {"shape": (3, 4)}, np.array([0.1, 0.4, 0.6, 0.9]), True),
    ("bernoulli", lambda t: (t,), {"noise": "gumbel"}, np.array([0.1, 0.4, 0.6, 0.9]), False),
    ("choice", lambda t: (t,), {"shape": (4,)}, np.array([1.0, -2.0, 3.0, 0.5]), False),
    ("permutation", lambda t: (t,), {}, np.array([1.0, -2.0, 3.0, 0.5]), True),
    ("binomial", lambda t: (4, t), {}, np.array([0.2, 0.7]), False),
    ("multinomial", lambda t: (4, t), {}, np.array([0.2, 0.5, 0.3]), True),
]
JAX_EXACT_HARD = ("categorical", "bernoulli", "rademacher")  # _hard == jax.random bit for bit


@pytest.mark.parametrize("case", ST_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(ST_CASES)])
def test_st_samplers(harness, case):
    """``X_st``: forward == the hard sample of the same draw, gradient == the soft sampler's gradient."""
    h = harness
    name, build, kw, x, in_jax = case
    if h.name == "jax" and not in_jax:
        pytest.skip("covered in torch; same softcore relaxation (JAX compile time)")
    kw = {"softness": 0.5, **kw}
    hard_kw = {k: v for k, v in kw.items() if k not in ("mode", "softness")}
    st_out, st_grad = value_and_grad(h, lambda t: sample(h, f"{name}_st", *build(t), seed=5, **kw), [x])
    private = npy(h, sample(h, name, *build(h.to_fw(x)), seed=5, mode="_hard", **hard_kw))
    np.testing.assert_array_equal(st_out, private)
    if h.name == "torch" or (name in JAX_EXACT_HARD and kw.get("noise") != "uniform"):
        hard = npy(h, sample(h, name, *build(h.to_fw(x)), seed=5, mode="hard", **hard_kw))
        np.testing.assert_array_equal(st_out, hard)
    soft_out, soft_grad = value_and_grad(h, lambda t: sample(h, name, *build(t), seed=5, **kw), [x])
    assert not np.array_equal(soft_out, st_out)
    assert_close(st_grad[0], soft_grad[0], 1e-12, what=f"{name}_st gradient")
    assert np.any(st_grad[0] != 0)


def test_rademacher_st_forward(harness):
    h = harness
    y = npy(h, sample(h, "rademacher_st", (10,), seed=4, softness=0.5))
    np.testing.assert_array_equal(y, npy(h, sample(h, "rademacher", (10,), seed=4, mode="hard")))


# ------------------------------------------------------------------------------------------------
# distribution of the hard samples (chi-square)
# ------------------------------------------------------------------------------------------------

N = 20_000


def _hard_mode(h):
    # torch: "hard" (== "_hard"); JAX: "_hard", since JAX "hard" is jax.random itself. The JAX
    # categorical/bernoulli/rademacher "_hard" samples equal jax.random's bit for bit (tested above),
    # so only the samplers whose JAX "_hard" differs from jax.random are counted in JAX.
    return "hard" if h.name == "torch" else "_hard"


def test_chi_square_categorical_and_choice(harness):
    h = harness
    mode = _hard_mode(h)
    probs = np.array([0.05, 0.15, 0.3, 0.5, 0.0])
    with np.errstate(divide="ignore"):
        logits = h.to_fw(np.log(probs))
    for noise in ("gumbel", "uniform"):
        if h.name == "torch" or noise == "uniform":
            onehot = npy(h, sample(h, "categorical", logits, seed=11, shape=(N,), mode=mode, noise=noise))
            assert chi2_pvalue(onehot.sum(0), probs) > P_REJECT
        if h.name == "torch" or noise == "gumbel":
            a = h.to_fw(np.arange(5.0))
            picks = npy(h, sample(h, "choice", a, seed=12, shape=(N,), p=h.to_fw(probs), mode=mode, noise=noise))
            assert chi2_pvalue(np.bincount(picks.astype(int), minlength=5), probs) > P_REJECT


def test_chi_square_without_replacement(harness):
    """Gumbel-top-2 without replacement: ordered pairs have probability p_i p_j / (1 - p_i)."""
    h = harness
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    if h.name == "torch":
        logits = h.to_fw(np.tile(np.log(probs), (N // 2, 1)))
        y = npy(h, sample(h, "categorical", logits, seed=13, shape=(2, N // 2), replace=False, mode="hard"))
        first, second = y[0].argmax(-1), y[1].argmax(-1)
    else:  # choice without replacement, p=None: jax.random.choice permutes instead (distributional only)
        keys = h.jax.random.split(h.jax.random.key(13), N // 2)
        a = h.to_fw(np.arange(4.0))
        draw = h.jax.jit(h.jax.vmap(lambda k: rnd(h).choice(k, a, (2,), False, h.jnp.asarray(probs), mode="_hard")))
        y = npy(h, draw(keys)).astype(int)
        first, second = y[:, 0], y[:, 1]
    assert np.all(first != second)
    counts = np.bincount(first * 4 + second, minlength=16)
    expected = [probs[i] * probs[j] / (1 - probs[i]) if i != j else 0.0 for i in range(4) for j in range(4)]
    assert chi2_pvalue(counts, expected) > P_REJECT


def test_chi_square_bernoulli_rademacher_binomial(harness):
    h = harness
    mode = _hard_mode(h)
    if h.name == "torch":
        for noise in ("uniform", "gumbel"):
            b = npy(h, sample(h, "bernoulli", h.to_fw(np.array(0.3)), seed=14, shape=(N,), mode=mode, noise=noise))
            assert chi2_pvalue([np.sum(b == 0), np.sum(b == 1)], [0.7, 0.3]) > P_REJECT
        r = npy(h, sample(h, "rademacher", (N,), seed=15, mode=mode))
        assert chi2_pvalue([np.sum(r == -1), np.sum(r == 1)], [0.5, 0.5]) > P_REJECT
    n, p = 4, 0.35
    k = npy(h, sample(h, "binomial", n, h.to_fw(np.array(p)), seed=16, shape=(N,), mode=mode))
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    assert chi2_pvalue(np.bincount(k.astype(int), minlength=n + 1), pmf) > P_REJECT


def test_chi_square_multinomial(harness):
    h = harness
    n, probs = 3, np.array([0.2, 0.3, 0.5])
    outcomes = [(i, j, n - i - j) for i in range(n + 1) for j in range(n + 1 - i)]
    fact = math.factorial
    pmf = [
        fact(n) / (fact(a) * fact(b) * fact(c)) * probs[0] ** a * probs[1] ** b * probs[2] ** c for a, b, c in outcomes
    ]
    index = {o: i for i, o in enumerate(outcomes)}
    for noise in ("gumbel", "uniform"):
        counts = npy(
            h, sample(h, "multinomial", n, h.to_fw(probs), seed=17, shape=(N, 3), mode=_hard_mode(h), noise=noise)
        )
        assert np.all(counts.sum(-1) == n)
        cells = np.bincount([index[tuple(int(c) for c in row)] for row in counts], minlength=len(outcomes))
        assert chi2_pvalue(cells, pmf) > P_REJECT


def test_chi_square_permutation(harness):
    """Every permutation of 3 elements equally likely (independent rows)."""
    h = harness
    x = h.to_fw(np.tile(np.arange(3.0), (N // 2, 1)))
    probs = np.array([1 / 6 if i // 3 != i % 3 else 0.0 for i in range(9)])
    for noise in ("gumbel", "uniform")[: 2 if h.name == "torch" else 1]:
        y = npy(h, sample(h, "permutation", x, seed=18, axis=1, independent=True, mode=_hard_mode(h), noise=noise))
        counts = np.bincount((y[:, 0] * 3 + y[:, 1]).astype(int), minlength=9)
        assert chi2_pvalue(counts, probs) > P_REJECT


# ------------------------------------------------------------------------------------------------
# JAX transforms over keys
# ------------------------------------------------------------------------------------------------


@pytest.mark.compile
def test_jax_jit_and_vmap_over_keys():
    if "jax" not in selected_backends():
        pytest.skip("JAX not selected (SOFT_TEST_BACKENDS)")
    import jax
    import jax.numpy as jnp

    import softjax.random as sr

    logits = jnp.asarray(LOGITS)
    keys = jax.random.split(jax.random.key(0), 3)

    def draw(key, lg):
        return sr.categorical(key, lg, shape=(3, 2), softness=0.5), sr.bernoulli(key, 0.3, (4,), softness=0.2)

    jitted = jax.jit(draw)
    batched = jax.jit(jax.vmap(draw, in_axes=(0, None)))(keys, logits)
    for i, k in enumerate(keys):
        eager = draw(k, logits)
        for a, b, c in zip(eager, jitted(k, logits), (batched[0][i], batched[1][i]), strict=True):
            np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(np.asarray(c), np.asarray(a), rtol=1e-12, atol=1e-14)
    # the st sampler under jit + vmap + grad; hard and _hard under jit + vmap
    st_grad = jax.jit(jax.vmap(jax.grad(lambda lg, k: jnp.sum(sr.categorical_st(k, lg) * jnp.arange(4.0))), (None, 0)))
    assert np.all(np.isfinite(np.asarray(st_grad(logits, keys))))
    for mode in ("hard", "_hard"):
        out = jax.jit(jax.vmap(lambda k, mode=mode: sr.categorical(k, logits, mode=mode)))(keys)
        np.testing.assert_array_equal(
            np.asarray(out), np.stack([np.asarray(sr.categorical(k, logits, mode="hard")) for k in keys])
        )


# ------------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------------


def test_invalid_arguments(harness):
    h = harness
    logits = h.to_fw(LOGITS)
    with pytest.raises(ValueError, match="noise"):
        sample(h, "categorical", logits, noise="normal")
    with pytest.raises(ValueError, match="noise"):
        sample(h, "bernoulli", h.to_fw(P3), noise="gauss", mode="hard")
    with pytest.raises(ValueError, match="mode"):
        sample(h, "categorical", logits, mode="sharp")
    with pytest.raises(ValueError, match="method"):
        sample(h, "categorical", logits, method="bogosort")
    with pytest.raises(ValueError, match="rng_mode"):
        sample(h, "bernoulli", h.to_fw(P3), rng_mode="medium")
    with pytest.raises(ValueError, match="replace"):
        sample(h, "categorical", logits, shape=(5, 2), replace=False)
    with pytest.raises(ValueError, match="replace"):
        sample(h, "categorical", logits, shape=(2, 2), replace=False, noise="uniform")
    with pytest.raises(ValueError, match="shape"):
        sample(h, "categorical", logits, shape=(3, 5))
    with pytest.raises(ValueError, match="softness"):
        sample(h, "categorical", logits, softness=0.0)
    with pytest.raises(ValueError, match="softness"):
        sample(h, "bernoulli", h.to_fw(P3), softness=-1.0)
    with pytest.raises(ValueError, match="p must"):
        sample(h, "choice", h.to_fw(np.arange(4.0)), shape=(2,), p=h.to_fw(P3))
    with pytest.raises(ValueError, match="n must"):
        sample(h, "binomial", -1, h.to_fw(P3))
    with pytest.raises(NotImplementedError, match="n must be a static"):
        sample(h, "binomial", h.to_fw(np.array([2, 3, 4])), h.to_fw(P3))
    with pytest.raises(TypeError, match="replace"):
        sample(h, "categorical", logits, replace="no")
    if h.name == "torch":
        with pytest.raises(TypeError, match="generator"):
            rnd(h).categorical(logits, generator=123)
