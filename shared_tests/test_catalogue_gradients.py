"""Gradients for every catalogue op: cross-framework parity, central finite differences (float64),
and Hessian-vector products (reverse-over-reverse) for the twice-differentiable modes."""

from __future__ import annotations

import numpy as np
import pytest

from harness.assertions import assert_close
from harness.backends import cotangents_for
from harness.cases import case_params
from harness.catalogue import ALL_CASES


def _directions(case, inputs, seed=7):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(np.shape(inputs[i])) for i in case.diff_argnums]


def _perturbed(case, inputs, directions, h):
    out = list(inputs)
    for i, v in zip(case.diff_argnums, directions, strict=True):
        out[i] = np.asarray(inputs[i], dtype=np.float64) + h * v
    return out


def _loss(harness, case, inputs, mode, cots):
    outs = harness.call(case, inputs, mode)
    return sum(float(np.sum(g * o)) for g, o in zip(cots, outs, strict=True))


@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES, modes="soft"))
def test_gradient_parity(harnesses, case, mode):
    inputs = case.inputs()
    reference, *others = harnesses
    _, expected = reference.value_and_grad(case, inputs, mode)
    for h in others:
        _, actual = h.value_and_grad(case, inputs, mode)
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert np.all(np.isfinite(a)), f"{case.id} {mode}: non-finite gradient in {h.name}"
            assert_close(a, e, case.parity_rtol, what=f"{case.id} {mode} grad {i}: {h.name} vs {reference.name}")


@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES, modes="soft"))
def test_gradient_matches_finite_differences(harness, case, mode):
    inputs = case.inputs()
    outs, grads = harness.value_and_grad(case, inputs, mode)
    cots = cotangents_for(outs)
    directions = _directions(case, inputs)
    scale = max(1.0, max(float(np.max(np.abs(inputs[i]))) for i in case.diff_argnums))
    h = 1e-6 * scale
    fd = (
        _loss(harness, case, _perturbed(case, inputs, directions, h), mode, cots)
        - _loss(harness, case, _perturbed(case, inputs, directions, -h), mode, cots)
    ) / (2 * h)
    analytic = sum(float(np.sum(g * v)) for g, v in zip(grads, directions, strict=True))
    assert analytic == pytest.approx(fd, rel=case.fd_rtol, abs=case.fd_rtol * max(1.0, abs(fd))), f"{case.id} {mode}"


@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES, modes="hessian"))
def test_hessian_vector_product(harness, case, mode):
    """HVP by double reverse mode == central differences of the gradient along the direction."""
    inputs = case.inputs()
    directions = _directions(case, inputs)
    hvp = harness.hvp(case, inputs, mode, directions)
    h = 1e-5
    _, g_plus = harness.value_and_grad(case, _perturbed(case, inputs, directions, h), mode)
    _, g_minus = harness.value_and_grad(case, _perturbed(case, inputs, directions, -h), mode)
    for got, gp, gm in zip(hvp, g_plus, g_minus, strict=True):
        assert np.all(np.isfinite(got)), f"{case.id} {mode}: non-finite Hessian"
        fd = (gp - gm) / (2 * h)
        assert_close(got, fd, 1e-5, what=f"{case.id} {mode} HVP")


@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES, modes="hessian"))
def test_hessian_parity(harnesses, case, mode):
    inputs = case.inputs()
    directions = _directions(case, inputs)
    reference, *others = harnesses
    expected = reference.hvp(case, inputs, mode, directions)
    for h in others:
        for a, e in zip(h.hvp(case, inputs, mode, directions), expected, strict=True):
            assert_close(a, e, max(case.parity_rtol, 1e-10), what=f"{case.id} {mode} HVP {h.name}")
