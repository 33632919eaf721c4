#!/usr/bin/env bash
# One prepared GPU session: device placement smoke check, the GPU test tier, a benchmark grid on
# the GPU, then as much of the rest of the suite on the GPU as the time box allows.
#
# Meant for a lent CUDA machine whose Python already holds jax (CUDA) and torch (CUDA) but not
# array-api-compat: carry its wheel in .whl/ (see benchmarks/README.md, "On a GPU"). Every stage
# has its own time box (seconds, overridable) so one slow stage cannot starve the others; logs and
# CSVs go to $OUT (default: ./gpu-out).
#
#   bash benchmarks/gpu_session.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
T_CHECK="${T_CHECK:-70}"
T_GPU_TIER="${T_GPU_TIER:-200}"
T_BENCH="${T_BENCH:-150}"
T_SUITE="${T_SUITE:-110}"
WORKERS="${WORKERS:-12}"

if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD/packages/softcore/src:$PWD/packages/softjax/src:$PWD/packages/softtorch/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false

stage() { echo; echo "=== $1 ($(date +%T))"; }

stage "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 - <<'PY'
import sys, jax, torch, numpy, array_api_compat
print("python", sys.version.split()[0], "| jax", jax.__version__, jax.devices(), "| torch", torch.__version__,
      torch.cuda.get_device_name() if torch.cuda.is_available() else "no cuda", "| numpy", numpy.__version__,
      "| array-api-compat", array_api_compat.__version__)
PY

stage "device placement smoke check (benchmarks/gpu_check.py)"
timeout "$T_CHECK" python3 benchmarks/gpu_check.py 2>&1 | tee "$OUT/gpu_check.log" | grep -v "^ok " | tail -40
echo "gpu_check: $(grep -c '^ok ' "$OUT/gpu_check.log") ok, $(grep -c '^FAIL' "$OUT/gpu_check.log") failed"

PYTEST=(python3 -m pytest -v --tb=short -p no:cacheprovider -W ignore::DeprecationWarning -W ignore::FutureWarning)
stage "GPU test tier: SOFT_TEST_DEVICE=cuda pytest shared_tests/test_gpu.py"
SOFT_TEST_DEVICE=cuda timeout -s INT -k 20 "$T_GPU_TIER" "${PYTEST[@]}" -n "$WORKERS" shared_tests/test_gpu.py \
    --junitxml="$OUT/gpu_tier.xml" 2>&1 | tee "$OUT/gpu_tier.log" | grep -v " PASSED \| SKIPPED " | tail -60

stage "benchmark grid on the GPU (benchmarks/run.py)"
XLA_PYTHON_CLIENT_PREALLOCATE=true XLA_PYTHON_CLIENT_MEM_FRACTION=0.4 timeout "$T_BENCH" python3 benchmarks/run.py \
    --impls soft hard --frameworks jax torch --ops sort rank \
    --methods softsort neuralsort fast_soft_sort sorting_network --modes smooth \
    --n 1024 16384 --batch 1 64 --elementwise-ops sigmoidal relu round --elementwise-n 1048576 \
    --repeats 5 --budget-s 1 --max-elements 2147483648 --csv "$OUT/bench_gpu.csv" 2>"$OUT/bench_gpu.err" \
    | tee "$OUT/bench_gpu.md" | tail -60
tail -5 "$OUT/bench_gpu.err"

stage "the rest of the suite on the GPU (time-boxed, -m 'not slow')"
SOFT_TEST_DEVICE=cuda timeout -s INT -k 20 "$T_SUITE" "${PYTEST[@]}" -n "$WORKERS" -m "not slow" \
    shared_tests/test_catalogue_values.py shared_tests/test_catalogue_gradients.py \
    shared_tests/test_catalogue_robustness.py shared_tests/test_axiswise.py \
    --junitxml="$OUT/suite_gpu.xml" 2>&1 | tee "$OUT/suite_gpu.log" | grep -v " PASSED \| SKIPPED " | tail -60
echo; echo "=== done ($(date +%T))"
