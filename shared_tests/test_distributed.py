"""PyTorch distributed data parallel with soft ops (issue 8): 2 gloo processes == 1 process.

``scripts/torch_ddp_check.py`` trains a linear scorer with a soft-rank + soft-top-k loss for a few
SGD steps, once as a 2-process ``DistributedDataParallel`` job over two halves of the batch and once
in a single process on the whole batch (float64). DDP averages the gradients of equal shards, so
both runs must end on the same parameters, to round-off.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "scripts" / "torch_ddp_check.py"


@pytest.mark.torch
def test_ddp_matches_single_process():
    import torch.distributed as dist

    if not dist.is_available() or not dist.is_gloo_available():
        pytest.fail("torch.distributed with the gloo backend is required (CPU builds ship it)")
    proc = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["exit_codes"] == [0, 0]
    assert result["moved"] > 1e-2, "training did not move the parameters: the check would be vacuous"
    assert result["ranks_agree"] == 0.0, "DDP replicas diverged"
    assert result["ddp_vs_single"] < 1e-12, result
