"""Function transforms: jax.jit / vmap / grad-of-jit; torch.func.grad / vmap and torch.compile."""

from __future__ import annotations

import numpy as np
import pytest

from harness.assertions import assert_close
from harness.backends import cotangents_for, flatten_outputs
from harness.cases import case_params
from harness.catalogue import ALL_CASES

BATCH = 3


def _batched_inputs(case):
    per_sample = [case.inputs(seed) for seed in range(BATCH)]
    stacked, axes = [], []
    for i, a in enumerate(per_sample[0]):
        if isinstance(a, np.ndarray):
            stacked.append(np.stack([s[i] for s in per_sample]))
            axes.append(0)
        else:
            stacked.append(a)
            axes.append(None)
    return per_sample, stacked, axes


def _call_flat(h, case, args, mode):
    return flatten_outputs(h.call_raw(case, args, mode))


@pytest.mark.jax
@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES))
def test_jax_jit_vmap_grad(case, mode):
    from conftest import get_harness, selected_backends

    if "jax" not in selected_backends():
        pytest.skip("jax not selected")
    h = get_harness("jax")
    jax = h.jax
    inputs = case.inputs()
    eager = h.call(case, inputs, mode)

    array_pos = [i for i, a in enumerate(inputs) if isinstance(a, np.ndarray)]

    def f(*arrays):
        args = list(inputs)
        for i, a in zip(array_pos, arrays, strict=True):
            args[i] = a
        return _call_flat(h, case, args, mode)

    fw = [h.to_fw(inputs[i]) for i in array_pos]
    jitted = jax.jit(f)(*fw)
    for a, e in zip(jitted, eager, strict=True):
        assert_close(np.asarray(a), e, 1e-12, what=f"jit {case.id} {mode}")

    per_sample, stacked, axes = _batched_inputs(case)
    in_axes = tuple(axes[i] for i in array_pos)
    batched = jax.vmap(f, in_axes=in_axes)(*[h.to_fw(stacked[i]) for i in array_pos])
    for k in range(BATCH):
        single = h.call(case, per_sample[k], mode)
        for a, e in zip(batched, single, strict=True):
            assert_close(np.asarray(a)[k], e, 1e-12, what=f"vmap {case.id} {mode} sample {k}")

    if mode != "hard":
        cots = cotangents_for(eager)
        diff_pos = [array_pos.index(i) for i in case.diff_argnums]

        def loss(*arrays):
            return sum(jax.numpy.sum(jax.numpy.asarray(g) * o) for g, o in zip(cots, f(*arrays), strict=True))

        g_jit = jax.jit(jax.grad(loss, argnums=tuple(diff_pos)))(*fw)
        _, g_eager = h.value_and_grad(case, inputs, mode)
        for a, e in zip(g_jit, g_eager, strict=True):
            assert_close(np.asarray(a), e, 1e-12, what=f"grad(jit) {case.id} {mode}")


def _torch_harness():
    from conftest import get_harness, selected_backends

    if "torch" not in selected_backends():
        pytest.skip("torch not selected")
    return get_harness("torch")


@pytest.mark.torch
@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES, modes="soft"))
def test_torch_func_grad_and_vmap(case, mode):
    h = _torch_harness()
    torch = h.torch
    inputs = case.inputs()
    outs, grads = h.value_and_grad(case, inputs, mode)
    cots = [torch.as_tensor(c) for c in cotangents_for(outs)]
    fixed = h.convert_inputs(inputs)
    first = case.diff_argnums[0]

    def loss(x):
        args = list(fixed)
        args[first] = x
        return sum((c * o).sum() for c, o in zip(cots, _call_flat(h, case, args, mode), strict=True))

    g = torch.func.grad(loss)(h.to_fw(inputs[first]))
    assert_close(h.to_numpy(g), grads[0], 1e-12, what=f"torch.func.grad {case.id} {mode}")

    per_sample, stacked, axes = _batched_inputs(case)
    array_pos = [i for i, a in enumerate(inputs) if isinstance(a, np.ndarray)]

    def f(*arrays):
        args = list(inputs)
        for i, a in zip(array_pos, arrays, strict=True):
            args[i] = a
        return tuple(_call_flat(h, case, args, mode))

    batched = torch.func.vmap(f, in_dims=tuple(axes[i] for i in array_pos))(*[h.to_fw(stacked[i]) for i in array_pos])
    for k in range(BATCH):
        single = h.call(case, per_sample[k], mode)
        for a, e in zip(batched, single, strict=True):
            assert_close(h.to_numpy(a)[k], e, 1e-12, what=f"torch vmap {case.id} {mode} sample {k}")


#: Methods whose solvers stop on a convergence test (a data-dependent Python loop in torch, one
#: host sync per check): Dynamo breaks the graph there, so they compile without ``fullgraph``.
#: Every other op compiles to a single graph (docs/guides/transforms.md publishes this list).
GRAPH_BREAK_METHODS = ("fast_soft_sort", "ot", "smooth_sort")


def _one_soft_mode_per_case():
    """torch.compile is the most expensive transform: one soft mode per case (the first), or none."""
    params = []
    for c in ALL_CASES:
        mode = c.soft_modes[0] if c.has_mode else None
        params.append(pytest.param(c, mode, id=f"{c.id}-{mode}" if mode else c.id, marks=c.marks))
    return params


@pytest.mark.torch
@pytest.mark.compile
@pytest.mark.parametrize(("case", "mode"), _one_soft_mode_per_case())
# Dynamo itself reads ``.grad`` of non-leaf tensors while it builds fake tensors for some graphs
# (torch 2.13) and torch warns about that read; the warning is about Dynamo, not about the op.
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf:UserWarning")
def test_torch_compile(case, mode):
    """torch.compile traces every op and gives the eager numbers; with ``fullgraph=True`` (one graph,
    no break) for every op except the data-dependent loops of `GRAPH_BREAK_METHODS`.

    The AOT-eager backend exercises Dynamo + AOTAutograd (forward and backward graphs) without
    paying for Inductor's C++ code generation on every case.
    """
    h = _torch_harness()
    torch = h.torch
    torch._dynamo.reset()
    inputs = case.inputs()
    outs, grads = h.value_and_grad(case, inputs, mode)
    cots = [torch.as_tensor(c) for c in cotangents_for(outs)]
    array_pos = [i for i, a in enumerate(inputs) if isinstance(a, np.ndarray)]

    def loss(*arrays):
        args = list(inputs)
        for i, a in zip(array_pos, arrays, strict=True):
            args[i] = a
        return sum((c * o).sum() for c, o in zip(cots, _call_flat(h, case, args, mode), strict=True))

    compiled = torch.compile(loss, backend="aot_eager", fullgraph=case.kwargs.get("method") not in GRAPH_BREAK_METHODS)
    args = [h.to_fw(inputs[i]).requires_grad_(i in case.diff_argnums) for i in array_pos]
    value = compiled(*args)
    value.backward()
    expected = sum(float(np.sum(c.numpy() * o)) for c, o in zip(cots, outs, strict=True))
    assert float(value.detach()) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    for i, e in zip(case.diff_argnums, grads, strict=True):
        assert_close(h.to_numpy(args[array_pos.index(i)].grad), e, 1e-12, what=f"compile grad {case.id} {mode}")
