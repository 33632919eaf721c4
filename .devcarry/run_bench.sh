#!/bin/bash
# Device benchmark for issue 3 (axis-wise ops). Outputs under $OUT.
export PYTHONPATH=$PWD/packages/softcore/src:$PWD/packages/softjax/src:$PWD/packages/softtorch/src:$PWD/.devcarry
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
python3 -c "import jax, torch; print('jax', jax.__version__, jax.devices(), 'torch', torch.__version__, torch.cuda.get_device_name())" 2>&1 | tee $OUT/env.txt
B="python3 benchmarks/bench_axiswise.py --repeats 3"
# C: memory of the chunked value ops with and without rematerialisation
timeout 150 $B --ops sort rank --methods neuralsort softsort --n 4096 16384 --batch 1 2>&1 | tee $OUT/c_plain.txt
timeout 120 $B --checkpoint --ops sort rank --methods neuralsort softsort --n 4096 16384 --batch 1 2>&1 | tee $OUT/c_ckpt.txt
# A: value ops, every method
timeout 170 $B --checkpoint --ops sort rank --methods neuralsort softsort sorting_network --n 64 256 1024 4096 --batch 1 64 2>&1 | tee $OUT/a_values.txt
# B: index / selection ops
timeout 150 $B --checkpoint --ops argsort top_k quantile max --methods neuralsort softsort --n 64 256 1024 4096 --batch 1 64 2>&1 | tee $OUT/b_index.txt
