"""Oracle tests for the comparison, logic, selection and autograd-safe utility ops (SPEC §1.2-1.4,
§1.6, §3.4, §4, §5).

Every soft formula is re-derived here in plain NumPy float64 straight from the SPEC (independently
of softcore) and compared with softjax AND softtorch at 1e-12. Hard modes are compared with the
frameworks' own ops (values and dtypes), logic with truth tables, selection with shape rules,
one-hot gathers and the wrap-around of the soft slices; every invalid argument must raise a
ValueError/TypeError naming the argument.
"""

from __future__ import annotations

import os

os.environ.setdefault("JAX_ENABLE_X64", "1")

import itertools  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from softjax import comparison as jcmp  # noqa: E402
from softjax import indexing as jidx  # noqa: E402
from softjax import logic as jlog  # noqa: E402
from softjax import safe_math as jsafe  # noqa: E402
from softtorch import comparison as tcmp  # noqa: E402
from softtorch import indexing as tidx  # noqa: E402
from softtorch import logic as tlog  # noqa: E402
from softtorch import safe_math as tsafe  # noqa: E402

jax.config.update("jax_enable_x64", True)

RTOL, ATOL = 1e-12, 1e-13
SOFT_MODES = ("smooth", "c0", "c1", "c2", "_c1_pnorm", "_c2_pnorm")
COMPARISONS = ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal", "isclose")
TORCH_NAME = {"equal": "eq", "take_along_axis": "take_along_dim", "dynamic_index_in_dim": "index_select",
              "dynamic_slice_in_dim": "narrow"}  # fmt: skip


# ------------------------------------------------------------------------------------------------
# framework adapters
# ------------------------------------------------------------------------------------------------
def _jitted(f):
    """``f`` run under ``jax.jit``, every non-array argument closed over (static)."""

    def call(*args, **kwargs):
        pos = [i for i, a in enumerate(args) if isinstance(a, jax.Array)]

        def g(*arrays):
            full = list(args)
            for i, a in zip(pos, arrays, strict=True):
                full[i] = a
            return f(*full, **kwargs)

        return jax.jit(g)(*[args[i] for i in pos])

    return call


class _Jitted:
    """A softjax module whose functions run under ``jax.jit``.

    One XLA compilation per call is several times cheaper than eager mode's one compilation per
    primitive and shape, which keeps this file fast. Eager calls are covered by the catalogue
    tests (and by the direct softjax calls below).
    """

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return _jitted(getattr(self._module, name))


class _JaxFW:
    name = "jax"
    cmp, log, idx, safe = _Jitted(jcmp), _Jitted(jlog), _Jitted(jidx), _Jitted(jsafe)
    jit = staticmethod(jax.jit)

    @staticmethod
    def arr(a, dtype=None):
        return jnp.asarray(a, dtype=dtype)

    @staticmethod
    def np(a):
        return np.asarray(a)

    @staticmethod
    def dtype(a):
        return str(a.dtype)

    @staticmethod
    def grad(f, x):
        """Gradient of sum(f(x)) with respect to the float64 array x."""
        return np.asarray(jax.jit(jax.grad(lambda v: jnp.sum(f(v))))(jnp.asarray(x)))

    @staticmethod
    def grads(fs, x):
        """[grad of sum(f(x)) for f in fs], compiled as one program."""
        run = jax.jit(lambda v: [jax.grad(lambda u, f=f: jnp.sum(f(u)))(v) for f in fs])
        return [np.asarray(g) for g in run(jnp.asarray(x))]

    @staticmethod
    def values_and_grads(fs, x):
        """[(f(x), grad of sum(f(x))) for f in fs], compiled as one program."""

        def one(f, v):
            out, vjp = jax.vjp(f, v)
            return out, vjp(jnp.ones_like(out))[0]

        run = jax.jit(lambda v: [one(f, v) for f in fs])
        return [(np.asarray(o), np.asarray(g)) for o, g in run(jnp.asarray(x))]


class _TorchFW:
    name = "torch"
    cmp, log, idx, safe = tcmp, tlog, tidx, tsafe

    @staticmethod
    def arr(a, dtype=None):
        return torch.as_tensor(np.asarray(a), dtype=dtype)

    @staticmethod
    def np(a):
        return a.detach().numpy()

    @staticmethod
    def dtype(a):
        return str(a.dtype).removeprefix("torch.")

    @staticmethod
    def jit(f):
        return f

    @staticmethod
    def grad(f, x):
        v = torch.as_tensor(np.asarray(x, dtype=np.float64)).requires_grad_(True)
        (g,) = torch.autograd.grad(f(v).sum(), [v])
        return g.numpy()

    @classmethod
    def grads(cls, fs, x):
        return [cls.grad(f, x) for f in fs]

    @staticmethod
    def values_and_grads(fs, x):
        out = []
        for f in fs:
            v = torch.as_tensor(np.asarray(x, dtype=np.float64)).requires_grad_(True)
            y = f(v)
            (g,) = torch.autograd.grad(y, [v], torch.ones_like(y))
            out.append((y.detach().numpy(), g.numpy()))
        return out


FWS = [pytest.param(_JaxFW, id="jax"), pytest.param(_TorchFW, id="torch")]


def _op(fw, module, name):
    return getattr(getattr(fw, module), TORCH_NAME.get(name, name) if fw is _TorchFW else name)


def close(actual, expected, rtol=RTOL, atol=ATOL):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# ------------------------------------------------------------------------------------------------
# NumPy oracles, written from the SPEC formulas
# ------------------------------------------------------------------------------------------------
def np_logistic(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def np_sigmoidal(x, s, mode):
    """SPEC §3.1."""
    x = np.asarray(x, dtype=np.float64)
    if mode == "smooth":
        return np_logistic(x / s)
    u = x / (5 * s)
    v = np.clip(u, -1, 1)
    if mode == "c0":
        inner = (v + 1) / 2
    elif mode == "c1":
        inner = -(v**3) / 4 + 3 * v / 4 + 1 / 2
    elif mode == "c2":
        inner = 3 * v**5 / 16 - 5 * v**3 / 8 + 15 * v / 16 + 1 / 2
    elif mode == "_c1_pnorm":
        inner = (v + np.sqrt(2 - v**2)) ** 2 / 4
    elif mode == "_c2_pnorm":
        a, b = 3 * v**2 / 4, -0.5
        big = a > 1e-12
        a_ = np.where(big, a, 1.0)
        t = np.where(
            big,
            -2 * np.sqrt(a_ / 3) * np.sinh(np.arcsinh(3 * b / (2 * a_ * np.sqrt(a_ / 3))) / 3),
            -np.sign(b) * abs(b) ** (1 / 3),
        )
        inner = (t + v / 2) ** 3
    else:
        raise AssertionError(mode)
    return np.where(u < -1, 0.0, np.where(u < 1, inner, 1.0))


def np_soft_abs(x, s, mode):
    return x * (2 * np_sigmoidal(x, s, mode) - 1)


def np_comparison(name, x, y, s, mode, eps=1e-10, rtol=1e-5, atol=1e-8):
    """SPEC §3.4."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    sig = lambda z: np_sigmoidal(z, s, mode)  # noqa: E731
    d = x - y
    if name == "greater":
        return sig(d - eps)
    if name == "greater_equal":
        return sig(d + eps)
    if name == "less":
        return 1 - sig(d + eps)
    if name == "less_equal":
        return 1 - sig(d - eps)
    ad = np_soft_abs(d, s, mode)
    if name == "equal":
        return 2 * (1 - sig(ad - eps))
    if name == "not_equal":
        return 2 * sig(ad - eps) - 1
    if name == "isclose":
        return 2 * (1 - sig(ad - atol - rtol * np_soft_abs(y, s, mode) - eps))
    raise AssertionError(name)


def np_all(x, axis=-1, eps=1e-10, geo=False):
    """SPEC §4."""
    x = np.asarray(x, dtype=np.float64)
    if geo:
        return np.exp(np.mean(np.log(np.maximum(x, eps)), axis=axis))
    return np.prod(x, axis=axis)


def np_any(x, axis=-1, geo=False):
    return 1 - np_all(1 - np.asarray(x, dtype=np.float64), axis, 1e-10, geo)


def np_and(x, y, geo=False):
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np_all(np.stack([x, y], -1), -1, 1e-10, geo)


def np_or(x, y, geo=False):
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return np_any(np.stack([x, y], -1), -1, geo)


def np_xor(x, y, geo=False):
    return np_or(np_and(x, 1 - y, geo), np_and(1 - x, y, geo), geo)


def np_take_along_axis(x, p, axis):
    """out[..., k, ...] = sum_j x[..., j, ...] p[..., k, ..., j] (broadcast over the other dims)."""
    if axis is None:
        return np.einsum("n,kn->k", x.reshape(-1), p)
    axis = axis % x.ndim  # an axis of x; the probability axis of p is its last
    xm, pm = np.moveaxis(x, axis, -1), np.moveaxis(p, axis, -2)
    out = np.zeros(np.broadcast_shapes(xm.shape[:-1], pm.shape[:-2]) + (pm.shape[-2],))
    for j in range(xm.shape[-1]):
        out = out + xm[..., j, None] * pm[..., j]
    return np.moveaxis(out, -1, axis)


def np_take(x, p, axis):
    if axis is None:
        x, axis = x.reshape(-1), 0
    return np.stack(
        [sum(np.take(x, j, axis=axis) * p[k, j] for j in range(p.shape[1])) for k in range(p.shape[0])], axis
    )


def np_choose(p, choices):
    return sum(choices[j] * p[..., j] for j in range(choices.shape[0]))


def np_index_in_dim(x, p, axis, keepdims):
    out = sum(np.take(x, j, axis=axis) * p[j] for j in range(p.shape[0]))
    return np.expand_dims(out, axis) if keepdims else out


def np_slice_in_dim(x, p, size, axis):
    """y[..., t, ...] = sum_j x[..., (j + t) mod n, ...] p_j (SPEC §5, via roll)."""
    return np.stack(
        [np.tensordot(np.moveaxis(np.roll(x, -t, axis=axis), axis, -1), p, axes=1) for t in range(size)], axis
    )


# ------------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------------
def _pairs(seed=0):
    """x (3, 6), y (6,): broadcasting, exact ties, near ties and wide gaps."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 6))
    y = rng.normal(size=6)
    x[0, 0] = y[0]  # tie
    x[1, 1] = y[1] + 1e-9  # near tie
    x[2, 2] = y[2] - 3.0
    x[0, 3] = y[3] + 40.0
    return x, y


def _probs(rng, shape):
    return rng.uniform(0, 1, size=shape)


# ------------------------------------------------------------------------------------------------
# comparisons
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fw", FWS)
@pytest.mark.parametrize("mode", SOFT_MODES)
def test_comparison_matches_oracle(fw, mode):
    x, y = _pairs()
    ops = [_op(fw, "cmp", name) for name in COMPARISONS]
    # The hyperbolic Cardano root of _c2_pnorm is ill-conditioned for |u| < 1e-4 (about 7e-13 absolute
    # error against a 40-digit mpmath root, in softcore and in this oracle alike): looser tolerance there.
    tol = {"rtol": 1e-10, "atol": 1e-11} if mode == "_c2_pnorm" else {}
    run = fw.jit(lambda xa, ya, s: [op(xa, ya, s, mode=mode) for op in ops])
    for s in (0.05, 0.7, 3.0):  # softness as a 0-d array (traced under jit)
        for name, out in zip(COMPARISONS, run(fw.arr(x), fw.arr(y), fw.arr(s)), strict=True):
            close(fw.np(out), np_comparison(name, x, y, s, mode), **tol)
    # Python scalars for y and softness, explicit epsilon (and rtol/atol for isclose)
    extra = {"rtol": 0.1, "atol": 0.05}
    run = fw.jit(
        lambda xa: [op(xa, 0.25, 0.3, mode=mode, epsilon=1e-3, **(extra if op is ops[-1] else {})) for op in ops]
    )
    for name, out in zip(COMPARISONS, run(fw.arr(x)), strict=True):
        kw = extra if name == "isclose" else {}
        close(fw.np(out), np_comparison(name, x, 0.25, 0.3, mode, eps=1e-3, **kw), **tol)


@pytest.mark.parametrize("fw", FWS)
@pytest.mark.parametrize("mode", SOFT_MODES)
def test_comparison_gradient_matches_oracle_derivative(fw, mode):
    """d/dx sum(op(x, y)) against central differences of the NumPy oracle (float64)."""
    x, y = _pairs(1)
    s = 0.7
    ya = fw.arr(y)
    fs = [lambda v, op=op: op(v, ya, s, mode=mode) for op in (_op(fw, "cmp", name) for name in COMPARISONS)]
    h = 1e-6
    for name, g in zip(COMPARISONS, fw.grads(fs, x), strict=True):
        fd = (np_comparison(name, x + h, y, s, mode) - np_comparison(name, x - h, y, s, mode)) / (2 * h)
        assert np.all(np.isfinite(g))
        close(g, fd, rtol=1e-6, atol=1e-7)


def _hard_reference(fw, name, x, y):
    if fw is _JaxFW:
        ref = {"greater": jnp.greater, "greater_equal": jnp.greater_equal, "less": jnp.less,
               "less_equal": jnp.less_equal, "equal": jnp.equal, "not_equal": jnp.not_equal,
               "isclose": jnp.isclose}[name](x, y)  # fmt: skip
        return ref.astype(jnp.result_type(x, y))
    ref = {"greater": torch.gt, "greater_equal": torch.ge, "less": torch.lt, "less_equal": torch.le,
           "equal": torch.eq, "not_equal": torch.ne, "isclose": torch.isclose}[name](x, y)  # fmt: skip
    return ref.to(torch.result_type(x, y))


@pytest.mark.parametrize("fw", FWS)
@pytest.mark.parametrize("name", COMPARISONS)
@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_hard_comparison_is_the_framework_op(fw, name, dtype):
    x, y = _pairs(2)
    xs = np.array([np.inf, np.inf, -np.inf, np.nan, 1.0, 1.0, 1.0, 1e30, 0.0, -0.0, 5.0, 1.0 + 1e-6, 3.0])
    ys = np.array(
        [np.inf, -np.inf, np.inf, 1.0, np.inf, 1.0 + 1e-6, 1.0, 1e30 * (1 + 1e-7), -0.0, 0.0, np.nan, 1.0, -3.0]
    )
    op = _op(fw, "cmp", name)
    for a, b in [(x, y), (xs, ys)]:
        with np.errstate(over="ignore"):
            xa, ya = fw.arr(a.astype(dtype)), fw.arr(b.astype(dtype))
        ours = op(xa, ya, mode="hard")
        ref = _hard_reference(fw, name, xa, ya)
        assert fw.dtype(ours) == fw.dtype(ref) == dtype
        np.testing.assert_array_equal(fw.np(ours), fw.np(ref))


@pytest.mark.parametrize("fw", FWS)
@pytest.mark.parametrize("name", COMPARISONS)
def test_hard_comparison_of_integers_and_scalars(fw, name):
    x = np.array([[-2, 0, 3, 7], [1, 1, 1, 1]])
    y = np.array([0, 0, 3, 8])
    op = _op(fw, "cmp", name)
    ours = op(fw.arr(x), fw.arr(y), mode="hard")
    default = "float64" if fw is _JaxFW else str(torch.get_default_dtype()).removeprefix("torch.")
    assert fw.dtype(ours) == default
    fx, fy = fw.arr(x.astype(np.float64)), fw.arr(y.astype(np.float64))
    np.testing.assert_array_equal(fw.np(ours), fw.np(_hard_reference(fw, name, fx, fy)))
    # scalar right operand keeps the dtype of x
    xf = fw.arr(np.array([0.5, 1.0, 2.0], dtype=np.float32))
    out = op(xf, 1.0, mode="hard")
    assert fw.dtype(out) == "float32"


@pytest.mark.parametrize("fw", FWS)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_comparison_keeps_dtype(fw, dtype):
    """Half precisions are kept (float32 for every mode: generic catalogue tests)."""
    x, y = _pairs(3)
    dt = getattr(jnp if fw is _JaxFW else torch, dtype)
    modes = ("hard", "smooth", "c1")
    run = fw.jit(lambda xa, ya: [_op(fw, "cmp", n)(xa, ya, mode=m) for n in COMPARISONS for m in modes])
    outs = run(fw.arr(x, dt), fw.arr(y, dt))
    assert [fw.dtype(o) for o in outs] == [dtype] * len(outs)
    assert all(np.all(np.isfinite(fw.np(o.float() if fw is _TorchFW else o.astype(jnp.float32)))) for o in outs)


@pytest.mark.parametrize("fw", FWS)
def test_comparison_limits(fw):
    """softness -> 0 approaches the hard op; epsilon decides ties (greater -> 0, greater_equal -> 1).

    ``equal``/``not_equal`` at an exact tie are ``2 sigma(eps / s)`` and ``2 sigma(-eps / s) - 1``:
    about 1 and 0 while softness >> epsilon (the SPEC formula tends to 2 and -1 once softness << epsilon).
    """
    m = fw.cmp if fw is _TorchFW else jcmp  # (jax: the whole loop is one jitted program)
    eq = m.equal if fw is _JaxFW else m.eq
    expected = [
        (m.greater, 1e-12, [0.0, 1.0, 0.0], 1e-6),
        (m.greater_equal, 1e-12, [1.0, 1.0, 0.0], 1e-6),
        (m.less, 1e-12, [0.0, 0.0, 1.0], 1e-6),
        (m.less_equal, 1e-12, [1.0, 0.0, 1.0], 1e-6),
        (eq, 1e-6, [1.0, 0.0, 0.0], 1e-3),
        (m.not_equal, 1e-6, [0.0, 1.0, 1.0], 1e-3),
        # isclose at a tie is 2 sigma((atol + rtol |y|) / s): about 1 only while softness >> atol + rtol |y|
        (m.isclose, 1e-3, [1.0, 0.0, 0.0], 2e-2),
    ]
    run = fw.jit(lambda x, y: [op(x, y, s, mode=mode) for mode in SOFT_MODES for op, s, _, _ in expected])
    outs = iter(run(fw.arr(np.array([1.0, 2.0, 3.0])), fw.arr(np.array([1.0, 1.0, 4.0]))))
    for mode in SOFT_MODES:
        for op, _, want, atol in expected:
            got = fw.np(next(outs))
            assert np.allclose(got, want, rtol=0, atol=atol), (mode, op.__name__, got)


@pytest.mark.parametrize("fw", FWS)
@pytest.mark.parametrize("mode", SOFT_MODES)
def test_comparison_extremes_have_finite_gradients(fw, mode):
    x = np.array([0.0, 1e-30, -1e30, 1e30, 5.0, -3.0])
    y = np.array([0.0, 0.0, 1e30, -1e30, 5.0 + 1e-12, 7.0])
    s = fw.arr(np.array([[1e-4], [1.0], [1e4]]))  # an array softness broadcasts: (3, 1) x (6,) -> (3, 6)
    ya = fw.arr(y)
    fs = [lambda v, op=op: op(v, ya, s, mode=mode) for op in (_op(fw, "cmp", name) for name in COMPARISONS)]
    for name, (out, g) in zip(COMPARISONS, fw.values_and_grads(fs, x), strict=True):
        assert out.shape == (3, 6) and np.all(np.isfinite(out)), name
        assert np.all(np.isfinite(g)), name


# ------------------------------------------------------------------------------------------------
# logic
# ------------------------------------------------------------------------------------------------
TRUTH = {
    "logical_and": lambda a, b: a & b,
    "logical_or": lambda a, b: a | b,
    "logical_xor": lambda a, b: a ^ b,
}


@pytest.mark.parametrize("fw", FWS)
@pytest.mark.parametrize("geo", [False, True])
def test_logic_truth_tables(fw, geo):
    a = np.array([0, 0, 1, 1])
    b = np.array([0, 1, 0, 1])
    tol = 1e-4 if geo else 0.0  # the geometric mean floors zeros at epsilon: sqrt(1e-10) = 1e-5
    for name, truth in TRUTH.items():
        got = fw.np(getattr(fw.log, name)(fw.arr(a.astype(np.float64)), fw.arr(b.astype(np.float64)), geo))
        np.testing.assert_allclose(got, truth(a, b), atol=tol, rtol=0, err_msg=name)
        got_bool = fw.np(getattr(fw.log, name)(fw.arr(a.astype(bool)), fw.arr(b.astype(bool)), geo))
        np.testing.assert_allclose(got_bool, truth(a, b), atol=tol, rtol=0, err_msg=f"{name} bool")
    np.testing.assert_array_equal(fw.np(fw.log.logical_not(fw.arr(a))), 1 - a)
    table = np.array(list(itertools.product([0.0, 1.0], repeat=3)))  # (8, 3)
    tol3 = 1e-3 if geo else 0.0  # three operands: (1e-10)^(1/3) = 4.6e-4
    np.testing.assert_allclose(fw.np(fw.log.all(fw.arr(table), use_geometric_mean=geo)), table.all(-1), atol=tol3)
    np.testing.assert_allclose(fw.np(fw.log.any(fw.arr(table), use_geometric_mean=geo)), table.any(-1), atol=tol3)


@pytest.mark.parametrize("fw", FWS)
@pytest.mark.parametrize("geo", [False, True])
def test_logic_matches_oracle(fw, geo):
    rng = np.random.default_rng(4)
    x, y = _probs(rng, (3, 5)), _probs(rng, (5,))
    x[0, 0] = 0.0
    x[1, 1] = 1.0
    X, Y = fw.arr(x), fw.arr(y)
    close(fw.np(fw.log.logical_and(X, Y, geo)), np_and(x, y, geo))
    close(fw.np(fw.log.logical_or(X, Y, geo)), np_or(x, y, geo))
    close(fw.np(fw.log.logical_xor(X, Y, geo)), np_xor(x, y, geo))
    close(fw.np(fw.log.logical_and(X, 0.3, geo)), np_and(x, 0.3, geo))
    close(fw.np(fw.log.logical_not(X)), 1 - x)
    close(fw.np(fw.log.all(X, -1, 1e-10, geo)), np_all(x, -1, 1e-10, geo))
    close(fw.np(fw.log.all(X, 0, 1e-3, geo)), np_all(x, 0, 1e-3, geo))
    close(fw.np(fw.log.any(X, -1, geo)), np_any(x, -1, geo))
    close(fw.np(fw.log.any(X, 0, geo)), np_any(x, 0, geo))
    close(fw.np(fw.log.all(X, None, 1e-10, geo)), np_all(x, None, 1e-10, geo))
    close(fw.np(fw.log.any(X, (0, 1), geo)), np_any(x, (0, 1), geo))
    # gradients: finite everywhere incl. exact zeros and ones, and equal to the oracle's derivative
    for f, ref in [
        (lambda v: fw.log.all(v, -1, 1e-10, geo), lambda v: np_all(v, -1, 1e-10, geo)),
        (lambda v: fw.log.any(v, -1, geo), lambda v: np_any(v, -1, geo)),
        (lambda v: fw.log.logical_xor(v, Y, geo), lambda v: np_xor(v, y, geo)),
    ]:
        g = fw.grad(f, x)
        assert np.all(np.isfinite(g))
        xi = np.clip(x, 0.01, 0.99)  # FD away from the epsilon floor of the geometric mean
        h = 1e-6
        fd = np.zeros_like(xi)
        for i in np.ndindex(xi.shape):
            e = np.zeros_like(xi)
            e[i] = h
            fd[i] = (np.sum(ref(xi + e)) - np.sum(ref(xi - e))) / (2 * h)
        close(fw.grad(f, xi), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fw", FWS)
def test_logic_dtypes(fw):
    for dtype in ("float16", "bfloat16", "float32"):
        dt = getattr(jnp if fw is _JaxFW else torch, dtype)
        x = fw.arr(np.array([[0.0, 0.5, 1.0], [0.2, 0.0, 0.9]]), dt)
        for geo in (False, True):
            for out in (fw.log.all(x, -1, 1e-10, geo), fw.log.any(x, 0, geo), fw.log.logical_xor(x, x[0], geo)):
                assert fw.dtype(out) == dtype
                assert np.all(
                    np.isfinite(np.asarray(fw.np(out.float() if fw is _TorchFW else out.astype(jnp.float32))))
                )


# ------------------------------------------------------------------------------------------------
# selection
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fw", FWS)
def test_where(fw):
    rng = np.random.default_rng(5)
    c, x, y = _probs(rng, (2, 4)), rng.normal(size=(4,)), rng.normal(size=(2, 1))
    close(fw.np(fw.idx.where(fw.arr(c), fw.arr(x), fw.arr(y))), x * c + y * (1 - c))
    close(fw.np(fw.idx.where(fw.arr(c), 2.0, -1.0)), 2 * c - (1 - c))
    hard = rng.uniform(size=(2, 4)) > 0.5
    close(fw.np(fw.idx.where(fw.arr(hard), fw.arr(x), fw.arr(y))), np.where(hard, x, y))


@pytest.mark.parametrize("fw", FWS)
def test_take_along_axis(fw):
    rng = np.random.default_rng(6)
    take = _op(fw, "idx", "take_along_axis")
    x = rng.normal(size=(2, 5, 3))
    for axis, pshape in [
        (1, (2, 4, 3, 5)),
        (-1, (2, 5, 7, 3)),
        (0, (6, 5, 3, 2)),
        (1, (1, 4, 3, 5)),
        (2, (2, 1, 4, 3)),
    ]:
        p = _probs(rng, pshape)
        out = fw.np(take(fw.arr(x), fw.arr(p), axis))
        close(out, np_take_along_axis(x, p, axis))
    # broadcasting in the other direction: x has the size-1 dimension
    x1, p = rng.normal(size=(1, 5)), _probs(rng, (3, 2, 5))
    close(fw.np(take(fw.arr(x1), fw.arr(p), -1)), np_take_along_axis(x1, p, -1))
    # one-hot soft indices reproduce the hard gather exactly
    idx = rng.integers(0, 5, size=(2, 4, 3))
    one_hot = np.eye(5)[idx]
    np.testing.assert_array_equal(fw.np(take(fw.arr(x), fw.arr(one_hot), 1)), np.take_along_axis(x, idx, 1))
    # axis=None (softjax) / dim=None (softtorch) ravels x
    p = _probs(rng, (4, 30))
    close(fw.np(take(fw.arr(x), fw.arr(p), None)), np_take_along_axis(x, p, None))


def test_take_along_default_axis_differs_between_frameworks():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 3))
    p_last = _probs(rng, (2, 4, 3))
    # softjax: axis=-1 by default
    close(np.asarray(jidx.take_along_axis(jnp.asarray(x), jnp.asarray(p_last))), np_take_along_axis(x, p_last, -1))
    # softtorch: dim=None by default -> x flattened, index flattened to (K, [n]) like torch.take_along_dim
    p_flat = _probs(rng, (2, 2, 6))
    got = tidx.take_along_dim(torch.as_tensor(x), torch.as_tensor(p_flat)).numpy()
    close(got, np_take_along_axis(x, p_flat.reshape(4, 6), None))
    assert got.shape == (4,)
    idx = torch.tensor([[0, 5], [3, 2]])
    hard = tidx.take_along_dim(torch.as_tensor(x), torch.nn.functional.one_hot(idx, 6).double())
    np.testing.assert_array_equal(hard.numpy(), torch.take_along_dim(torch.as_tensor(x), idx).numpy())


@pytest.mark.parametrize("fw", FWS)
def test_take_and_choose(fw):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(3, 4, 2))
    for axis in (None, 0, 1, -1):
        n = x.size if axis is None else x.shape[axis]
        p = _probs(rng, (5, n))
        close(fw.np(fw.idx.take(fw.arr(x), fw.arr(p), axis)), np_take(x, p, axis))
    idx = np.array([3, 0, 0, 2])
    got = fw.np(fw.idx.take(fw.arr(x), fw.arr(np.eye(4)[idx]), 1))
    np.testing.assert_array_equal(got, np.take(x, idx, axis=1))
    # choose: index (..., [n]) with choices (n, ...); shapes broadcast
    choices = rng.normal(size=(4, 1, 3))
    p = _probs(rng, (2, 1, 4))
    out = fw.np(fw.idx.choose(fw.arr(p), fw.arr(choices)))
    assert out.shape == (2, 3)
    close(out, np_choose(p, choices))
    hard_idx = np.array([[1, 3, 0], [2, 2, 1]])
    ch = rng.normal(size=(4, 2, 3))
    np.testing.assert_array_equal(
        fw.np(fw.idx.choose(fw.arr(np.eye(4)[hard_idx]), fw.arr(ch))), np.choose(hard_idx, ch)
    )


@pytest.mark.parametrize("fw", FWS)
def test_index_in_dim(fw):
    rng = np.random.default_rng(9)
    op = _op(fw, "idx", "dynamic_index_in_dim")
    x = rng.normal(size=(3, 5, 2))
    for axis in (0, 1, 2, -2):
        p = _probs(rng, (x.shape[axis],))
        for keep in (True, False):
            out = fw.np(op(fw.arr(x), fw.arr(p), axis, keep))
            close(out, np_index_in_dim(x, p, axis, keep))
    if fw is _JaxFW:  # defaults: axis=0, keepdims=True (jax.lax.dynamic_index_in_dim)
        p = _probs(rng, (3,))
        assert op(fw.arr(x), fw.arr(p)).shape == (1, 5, 2)
        hard = jax.lax.dynamic_index_in_dim(jnp.asarray(x), 2, 1)
        np.testing.assert_array_equal(fw.np(op(fw.arr(x), fw.arr(np.eye(5)[2]), 1)), np.asarray(hard))
    else:  # index_select(x, soft_index, dim, keepdim=True): dim is required
        assert op(fw.arr(x), fw.arr(_probs(rng, (5,))), 1).shape == (3, 1, 2)
        hard = torch.index_select(torch.as_tensor(x), 1, torch.tensor([2]))
        np.testing.assert_array_equal(fw.np(op(fw.arr(x), fw.arr(np.eye(5)[2]), 1)), hard.numpy())


@pytest.mark.parametrize("fw", FWS)
def test_slice_in_dim_wraps_around(fw):
    op = _op(fw, "idx", "dynamic_slice_in_dim")
    out = op(fw.arr(np.arange(4.0)), fw.arr(np.eye(4)[3]), 2)
    np.testing.assert_array_equal(fw.np(out), [3.0, 0.0])  # jax.lax.dynamic_slice_in_dim clamps: [2, 3]
    rng = np.random.default_rng(10)
    x = rng.normal(size=(3, 5, 2))
    for axis, size in [(0, 3), (1, 2), (1, 5), (-1, 1)]:
        p = _probs(rng, (x.shape[axis],))
        close(fw.np(op(fw.arr(x), fw.arr(p), size, axis)), np_slice_in_dim(x, p, size, axis))
    # in bounds, a one-hot start is the exact hard slice
    np.testing.assert_array_equal(fw.np(op(fw.arr(x), fw.arr(np.eye(5)[1]), 3, 1)), x[:, 1:4])


@pytest.mark.parametrize("fw", FWS)
def test_dynamic_slice(fw):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(4, 5, 3))
    ps = [_probs(rng, (n,)) for n in x.shape]
    sizes = (2, 5, 1)
    expected = x
    for a, (p, s) in enumerate(zip(ps, sizes, strict=True)):
        expected = np_slice_in_dim(expected, p, s, a)
    close(fw.np(fw.idx.dynamic_slice(fw.arr(x), [fw.arr(p) for p in ps], sizes)), expected)
    close(fw.np(fw.idx.dynamic_slice(fw.arr(x), tuple(ps), list(sizes))), expected)  # NumPy inputs accepted
    one_hot = [fw.arr(np.eye(n)[i]) for n, i in zip(x.shape, (1, 0, 2), strict=True)]
    np.testing.assert_array_equal(fw.np(fw.idx.dynamic_slice(fw.arr(x), one_hot, (3, 2, 1))), x[1:4, 0:2, 2:3])
    if fw is _JaxFW:
        hard = jax.lax.dynamic_slice(jnp.asarray(x), (1, 0, 2), (3, 2, 1))
        np.testing.assert_array_equal(fw.np(fw.idx.dynamic_slice(fw.arr(x), one_hot, (3, 2, 1))), np.asarray(hard))


@pytest.mark.parametrize("fw", FWS)
def test_selection_gradients(fw):
    """Selections are bilinear: d/dx sum(take_along_axis(x, p)) = sum_k p[..., k, :], d/dp = x."""
    rng = np.random.default_rng(12)
    x, p = rng.normal(size=(2, 5)), _probs(rng, (2, 3, 5))
    take = _op(fw, "idx", "take_along_axis")
    close(fw.grad(lambda v: take(v, fw.arr(p), -1), x), p.sum(1))
    close(fw.grad(lambda q: take(fw.arr(x), q, -1), p), np.broadcast_to(x[:, None, :], p.shape))
    q = _probs(rng, (5,))
    sl = _op(fw, "idx", "dynamic_slice_in_dim")
    # d/dp_j sum_t sum_b x[b, (j + t) mod n] = sum_t x[:, (j+t) mod n] summed over rows
    expected = np.array([sum(x[:, (j + t) % 5].sum() for t in range(3)) for j in range(5)])
    close(fw.grad(lambda v: sl(fw.arr(x), v, 3, 1), q), expected)


def test_selection_under_jit_and_vmap():
    rng = np.random.default_rng(13)
    x, p = jnp.asarray(rng.normal(size=(4, 6))), jnp.asarray(_probs(rng, (6,)))
    f = jax.jit(lambda x, p: jidx.dynamic_slice_in_dim(x, p, 3, 1))
    close(np.asarray(f(x, p)), np.asarray(jidx.dynamic_slice_in_dim(x, p, 3, 1)))
    batched = jax.vmap(lambda pp: jidx.take_along_axis(x, pp[None, None, :].repeat(4, 0), 1))(jnp.stack([p, p[::-1]]))
    assert batched.shape == (2, 4, 1)
    g = jax.jit(jax.grad(lambda p: jnp.sum(jidx.dynamic_slice(x, [p[:4], p], (2, 3)) ** 2)))(p)
    assert np.all(np.isfinite(np.asarray(g)))


# ------------------------------------------------------------------------------------------------
# autograd-safe utilities
# ------------------------------------------------------------------------------------------------
SAFE_X = np.array([-2.0, -1.0, -0.3, 0.0, 1e-30, 0.4, 0.999, 1.0, 1.5, 1e30])


def np_safe(name, x, y=None):
    with np.errstate(all="ignore"):
        if name == "sqrt":
            return np.where(x > 0, np.sqrt(np.where(x > 0, x, 1)), 0.0)
        if name == "log":
            return np.where(x > 0, np.log(np.where(x > 0, x, 1)), 0.0)
        if name == "arcsin":
            inside = np.abs(x) < 1
            return np.where(inside, np.arcsin(np.where(inside, x, 0)), np.sign(x) * np.pi / 2)
        if name == "arccos":
            inside = np.abs(x) < 1
            return np.where(inside, np.arccos(np.where(inside, x, 0)), np.where(x >= 1, 0.0, np.pi))
        if name == "div":
            return np.where(y != 0, x / np.where(y != 0, y, 1), 0.0)
    raise AssertionError(name)


def np_safe_grad(name, x):
    with np.errstate(all="ignore"):
        if name == "sqrt":
            return np.where(x > 0, 0.5 / np.sqrt(np.where(x > 0, x, 1)), 0.0)
        if name == "log":
            return np.where(x > 0, 1 / np.where(x > 0, x, 1), 0.0)
        inside = np.abs(x) < 1
        d = 1 / np.sqrt(1 - np.where(inside, x, 0) ** 2)
        return np.where(inside, d if name == "arcsin" else -d, 0.0)


@pytest.mark.parametrize("fw", FWS)
@pytest.mark.parametrize("name", ["sqrt", "log", "arcsin", "arccos"])
def test_safe_unary(fw, name):
    f = getattr(fw.safe, name)
    close(fw.np(f(fw.arr(SAFE_X))), np_safe(name, SAFE_X), atol=0)
    g = fw.grad(f, SAFE_X)
    assert np.all(np.isfinite(g))
    close(g, np_safe_grad(name, SAFE_X), atol=0)
    # NaN propagates (without touching other elements), inf follows the function
    special = fw.np(f(fw.arr(np.array([np.nan, np.inf, -np.inf, 0.25]))))
    assert np.isnan(special[0])
    close(special[1:], np_safe(name, np.array([np.inf, -np.inf, 0.25])), atol=0)
    assert fw.dtype(f(fw.arr(np.array([1, 2, 0])))) in ("float32", "float64")
    assert fw.dtype(f(fw.arr(SAFE_X[:4], (jnp if fw is _JaxFW else torch).float16))) == "float16"


@pytest.mark.parametrize("fw", FWS)
def test_safe_div(fw):
    rng = np.random.default_rng(14)
    x = rng.normal(size=(3, 4))
    y = np.array([0.0, 2.0, -0.5, 0.0])
    close(fw.np(fw.safe.div(fw.arr(x), fw.arr(y))), np_safe("div", x, y), atol=0)
    gx = fw.grad(lambda v: fw.safe.div(v, fw.arr(y)), x)
    gy = fw.grad(lambda v: fw.safe.div(fw.arr(x), v), y)
    close(gx, np.broadcast_to(np.where(y != 0, 1 / np.where(y != 0, y, 1), 0.0), x.shape), atol=0)
    close(gy, np.where(y != 0, -x.sum(0) / np.where(y != 0, y, 1) ** 2, 0.0))
    out = fw.np(fw.safe.div(fw.arr(np.array([np.nan, 1.0, np.inf])), fw.arr(np.array([0.0, np.nan, 0.0]))))
    assert np.isnan(out[0]) and np.isnan(out[1]) and out[2] == 0.0


@pytest.mark.parametrize("fw", FWS)
def test_safe_norm(fw):
    rng = np.random.default_rng(15)
    x = rng.normal(size=(3, 4))
    x[1] = 0.0
    kw = (lambda a, k: {"dim": a, "keepdim": k}) if fw is _TorchFW else (lambda a, k: {"axis": a, "keepdims": k})
    for axis, keep in [(None, False), (1, False), (-2, True), ((0, 1), True)]:
        got = fw.np(fw.safe.norm(fw.arr(x), **kw(axis, keep)))
        close(got, np.sqrt(np.sum(x * x, axis=axis, keepdims=keep)))
    g = fw.grad(lambda v: fw.safe.norm(v, **kw(1, False)), x)
    nrm = np.sqrt(np.sum(x * x, 1, keepdims=True))
    close(g, np.where(nrm > 0, x / np.where(nrm > 0, nrm, 1), 0.0))
    # no overflow / underflow of x * x, also in float32
    big = np.array([3e30, 4e30])
    for arr in (big, big * 1e-60):
        out = fw.np(fw.safe.norm(fw.arr(arr, (jnp if fw is _JaxFW else torch).float32)))
        close(out, 5 * arr[0] / 3, rtol=1e-6)
        assert np.all(np.isfinite(fw.grad(lambda v: fw.safe.norm(v), arr)))
    assert np.isnan(fw.np(fw.safe.norm(fw.arr(np.array([1.0, np.nan])))))
    assert fw.np(fw.safe.norm(fw.arr(np.array([1.0, np.inf])))) == np.inf


# ------------------------------------------------------------------------------------------------
# invalid arguments
# ------------------------------------------------------------------------------------------------
def _error_cases(fw):
    """(callable, exception, text the message must contain)."""
    jx = fw is _JaxFW
    a = fw.arr
    x, y = a(np.ones((2, 3))), a(np.zeros(3))
    p3 = a(np.full((2, 4, 3), 1 / 3))
    ax = "axis" if jx else "dim"
    cases = []
    for name in COMPARISONS:
        op = _op(fw, "cmp", name)
        cases += [
            (lambda op=op: op(x, y, mode="hardish"), ValueError, "mode"),
            (lambda op=op: op(x, y, mode=None), ValueError, "mode"),
            (lambda op=op: op(x, y, 0.0), ValueError, "softness"),
            (lambda op=op: op(x, y, -1.0, mode="c1"), ValueError, "softness"),
            (lambda op=op: op(x, y, "0.1"), TypeError, "softness"),
            (lambda op=op: op(x, y, epsilon=-1e-3), ValueError, "epsilon"),
            (lambda op=op: op(x, y, epsilon=None), TypeError, "epsilon"),
            (lambda op=op: op(x, y, epsilon=float("nan")), ValueError, "epsilon"),
        ]
    cases += [
        (lambda: fw.cmp.isclose(x, y, rtol=-1.0), ValueError, "rtol"),
        (lambda: fw.cmp.isclose(x, y, atol="0"), TypeError, "atol"),
        (lambda: fw.cmp.isclose(x, y, mode="hard", atol=-1.0), ValueError, "atol"),
    ]
    for name in ("logical_and", "logical_or", "logical_xor"):
        cases.append((lambda name=name: getattr(fw.log, name)(x, y, "yes"), TypeError, "use_geometric_mean"))
    cases += [
        (lambda: fw.log.all(x, 2), ValueError, ax),
        (lambda: fw.log.any(x, -3), ValueError, ax),
        (lambda: fw.log.all(x, 1.0), TypeError, ax),
        (lambda: fw.log.all(x, (0, 0)), ValueError, ax),
        (lambda: fw.log.all(x, -1, -1.0), ValueError, "epsilon"),
        (lambda: fw.log.all(x, -1, 1e-10, 1), TypeError, "use_geometric_mean"),
        (lambda: fw.log.any(x, -1, None), TypeError, "use_geometric_mean"),
    ]
    take = _op(fw, "idx", "take_along_axis")
    cases += [
        (lambda: take(x, a(np.ones((2, 3))), -1), ValueError, "soft_index"),  # ndim
        (lambda: take(x, a(np.ones((2, 4, 5))), -1), ValueError, "soft_index"),  # n mismatch
        (lambda: take(x, a(np.ones((3, 4, 3))), -1), ValueError, "broadcast"),
        (lambda: take(x, p3, 2), ValueError, ax),
        (lambda: take(x, p3, "1"), TypeError, ax),
        (lambda: take(x, a(np.ones(6)), None), ValueError, "soft_index"),
        (lambda: take(x, a(np.ones((2, 5))), None), ValueError, "soft_index"),
        (lambda: fw.idx.take(x, p3, 0), ValueError, "soft_index"),
        (lambda: fw.idx.take(x, a(np.ones((4, 2))), 1), ValueError, "soft_index"),
        (lambda: fw.idx.take(x, a(np.ones((4, 3))), 5), ValueError, ax),
        (lambda: fw.idx.choose(a(np.ones((2, 3))), a(np.ones((3,)))), ValueError, "choices"),
        (lambda: fw.idx.choose(a(np.ones((2, 3))), a(np.ones((4, 2)))), ValueError, "choices"),
        (lambda: fw.idx.choose(a(np.ones((2, 3))), a(np.ones((3, 5)))), ValueError, "broadcast"),
    ]
    index = _op(fw, "idx", "dynamic_index_in_dim")
    sl = _op(fw, "idx", "dynamic_slice_in_dim")
    start = "soft_start_index" if jx else "soft_start"
    length = "slice_size" if jx else "length"
    keep = "keepdims" if jx else "keepdim"
    cases += [
        (lambda: index(x, a(np.ones(3)), 0), ValueError, "soft_index"),
        (lambda: index(x, a(np.ones((1, 2))), 0), ValueError, "soft_index"),
        (lambda: index(x, a(np.ones(2)), 2), ValueError, ax),
        (lambda: index(x, a(np.ones(2)), 0, "yes"), TypeError, keep),
        (lambda: sl(x, a(np.ones(2)), 0), ValueError, length),
        (lambda: sl(x, a(np.ones(2)), 3), ValueError, length),
        (lambda: sl(x, a(np.ones(2)), 1.5), TypeError, length),
        (lambda: sl(x, a(np.ones(3)), 1), ValueError, start),
        (lambda: sl(x, a(np.ones((2, 2))), 1), ValueError, start),
        (lambda: sl(x, a(np.ones(3)), 1, 5), ValueError, ax),
        (lambda: fw.idx.dynamic_slice(x, [a(np.ones(2))], (1, 1)), ValueError, "soft_start_indices"),
        (lambda: fw.idx.dynamic_slice(x, [a(np.ones(2)), a(np.ones(3))], (1,)), ValueError, "slice_sizes"),
        (lambda: fw.idx.dynamic_slice(x, [a(np.ones(2)), a(np.ones(3))], (1, 4)), ValueError, "slice_sizes"),
        (lambda: fw.idx.dynamic_slice(x, [a(np.ones(2)), a(np.ones(2))], (1, 1)), ValueError, "soft_start_indices"),
        (lambda: fw.idx.dynamic_slice(x, 3, (1, 1)), TypeError, "soft_start_indices"),
        (lambda: fw.idx.dynamic_slice(x, [a(np.ones(2)), a(np.ones(3))], 2), TypeError, "slice_sizes"),
    ]
    kw = {"dim": 2} if not jx else {"axis": 2}
    cases += [
        (lambda: fw.safe.norm(x, **kw), ValueError, ax),
        (lambda: fw.safe.norm(x, **({keep: "no"})), TypeError, keep),
    ]
    return cases


@pytest.mark.parametrize("fw", FWS)
def test_invalid_arguments(fw):
    for i, (call, exc, text) in enumerate(_error_cases(fw)):
        with pytest.raises(exc) as info:
            call()
        assert text in str(info.value), f"case {i}: {text!r} not in {str(info.value)!r}"


def test_signatures():
    import inspect

    def sig(f):
        return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]

    e = inspect.Parameter.empty
    cmp_sig = [("x", e), ("y", e), ("softness", 0.1), ("mode", "smooth"), ("epsilon", 1e-10)]
    for name in COMPARISONS[:-1]:
        assert sig(getattr(jcmp, name)) == cmp_sig
        assert sig(getattr(tcmp, TORCH_NAME.get(name, name))) == cmp_sig
    isclose_sig = [("x", e), ("y", e), ("softness", 0.1), ("rtol", 1e-5), ("atol", 1e-8), ("mode", "smooth"),
                   ("epsilon", 1e-10)]  # fmt: skip
    assert sig(jcmp.isclose) == sig(tcmp.isclose) == isclose_sig
    assert sig(jlog.all) == [("x", e), ("axis", -1), ("epsilon", 1e-10), ("use_geometric_mean", False)]
    assert sig(tlog.all) == [("x", e), ("dim", -1), ("epsilon", 1e-10), ("use_geometric_mean", False)]
    assert sig(jlog.any) == [("x", e), ("axis", -1), ("use_geometric_mean", False)]
    assert sig(tlog.any) == [("x", e), ("dim", -1), ("use_geometric_mean", False)]
    assert sig(jidx.take_along_axis) == [("x", e), ("soft_index", e), ("axis", -1)]
    assert sig(tidx.take_along_dim) == [("x", e), ("soft_index", e), ("dim", None)]
    assert sig(jidx.take) == [("x", e), ("soft_index", e), ("axis", None)]
    assert sig(tidx.take) == [("x", e), ("soft_index", e), ("dim", None)]
    assert sig(jidx.choose) == sig(tidx.choose) == [("soft_index", e), ("choices", e)]
    assert sig(jidx.dynamic_index_in_dim) == [("x", e), ("soft_index", e), ("axis", 0), ("keepdims", True)]
    assert sig(tidx.index_select) == [("x", e), ("soft_index", e), ("dim", e), ("keepdim", True)]
    assert sig(jidx.dynamic_slice_in_dim) == [("x", e), ("soft_start_index", e), ("slice_size", e), ("axis", 0)]
    assert sig(tidx.narrow) == [("x", e), ("soft_start", e), ("length", e), ("dim", 0)]
    assert (
        sig(jidx.dynamic_slice) == sig(tidx.dynamic_slice) == [("x", e), ("soft_start_indices", e), ("slice_sizes", e)]
    )
    assert sig(jsafe.norm) == [("x", e), ("axis", None), ("keepdims", False)]
    assert sig(tsafe.norm) == [("x", e), ("dim", None), ("keepdim", False)]
    assert sig(jsafe.div) == sig(tsafe.div) == [("x", e), ("y", e)]
    for mod_j, mod_t in [(jcmp, tcmp), (jlog, tlog), (jidx, tidx), (jsafe, tsafe)]:
        assert len(mod_j.__all__) == len(mod_t.__all__)
        assert all(callable(getattr(mod_j, n)) for n in mod_j.__all__)
        assert all(callable(getattr(mod_t, n)) for n in mod_t.__all__)
