"""GPU tier: every catalogue op keeps its arrays on the GPU and gives the CPU's numbers there.

For every catalogue case x mode, in each framework:

* inputs placed on the GPU give outputs on the GPU (CUDA tensors in, CUDA tensors out; JAX arrays
  committed to the GPU stay there), indices included;
* values (float64) agree with the same call on the CPU to the case's parity tolerance, and so do
  the gradients of the soft modes.

Runs only with ``SOFT_TEST_DEVICE=cuda`` on a machine with a CUDA device (see ``conftest.py``);
everywhere else the module skips with one reason. The rest of the suite also runs on the GPU with
that variable set, since the harnesses then place every input there.
"""

from __future__ import annotations

import pytest

from harness.assertions import assert_close
from harness.backends import flatten_outputs, suite_device
from harness.cases import case_params
from harness.catalogue import ALL_CASES

if suite_device() != "cuda":
    pytest.skip("GPU tier: set SOFT_TEST_DEVICE=cuda on a machine with a CUDA device", allow_module_level=True)

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES))
def test_outputs_stay_on_the_gpu(harness, case, mode):
    fw_inputs = harness.convert_inputs(case.inputs())
    outputs = flatten_outputs(harness.call_raw(case, fw_inputs, mode))
    assert outputs, f"{case.id} {mode}: no outputs"
    for i, out in enumerate(outputs):
        assert harness.device_kind(out) == "cuda", f"{case.id} {mode} output {i} is on {harness.device_kind(out)}"


@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES))
def test_gpu_values_match_the_cpu(harness, case, mode):
    inputs = case.inputs()
    on_gpu = harness.call(case, inputs, mode)
    with harness.on_device("cpu"):
        on_cpu = harness.call(case, inputs, mode)
    assert len(on_gpu) == len(on_cpu)
    for i, (g, c) in enumerate(zip(on_gpu, on_cpu, strict=True)):
        assert_close(g, c, case.parity_rtol, what=f"{case.id} {mode} output {i}: GPU vs CPU")


@pytest.mark.parametrize(("case", "mode"), case_params(ALL_CASES, modes="soft"))
def test_gpu_gradients_match_the_cpu(harness, case, mode):
    inputs = case.inputs()
    _, on_gpu = harness.value_and_grad(case, inputs, mode)
    with harness.on_device("cpu"):
        _, on_cpu = harness.value_and_grad(case, inputs, mode)
    for i, (g, c) in enumerate(zip(on_gpu, on_cpu, strict=True)):
        assert_close(g, c, case.parity_rtol, what=f"{case.id} {mode} grad {i}: GPU vs CPU")
