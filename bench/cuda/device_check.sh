#!/usr/bin/env bash
# The GPU checks in one run, on a machine that has a GPU but not the build's dependencies:
# the binaries are built beforehand on the development machine (docs/CUDA.md, "Running the
# GPU checks") and travel with the checkout, the shared libraries they need that a CUDA
# image may lack (libjpeg-turbo's libjpeg.so.62) in build/devlibs.
#
#   bash bench/cuda/device_check.sh OUTDIR
#
# Writes OUTDIR/gpu.txt, device_tests.log (+ device_tests_tolerant.log when the identical-
# bytes run fails), sanitizer.log, prep_device.log, cuda_bench.log, peers_gpu.log.
set -uo pipefail
out=${1:?usage: device_check.sh OUTDIR}
mkdir -p "$out"
root=$(pwd)
export LD_LIBRARY_PATH="$root/build/devlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PATH="$PATH:/usr/local/cuda/bin"  # compute-sanitizer

# The test binaries hold the absolute paths of the checkout they were built in (test data,
# pixfuse-prep): make that path lead here.
built_in=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' build/cuda/CMakeCache.txt)
if [ -n "$built_in" ] && [ "$built_in" != "$root" ] && [ ! -e "$built_in" ]; then
  mkdir -p "$(dirname "$built_in")" && ln -s "$root" "$built_in"
fi

step() { echo "== $* ($(date +%T))"; }
status=0

step gpu
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem \
  --format=csv | tee "$out/gpu.txt"

step "device tests: identical bytes to the reference in every convention"
if ! timeout 240 build/cuda/tests/cuda_device_tests >"$out/device_tests.log" 2>&1; then
  status=1
  step "device tests failed: again with the former bounds, to tell a drift from a bug"
  PIXFUSE_CUDA_TOLERANT=1 timeout 120 build/cuda/tests/cuda_device_tests \
    >"$out/device_tests_tolerant.log" 2>&1
  tail -n 30 "$out/device_tests_tolerant.log"
fi
grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$out/device_tests.log"
grep -m 20 -E 'Failure|differs' "$out/device_tests.log"

step "compute-sanitizer: memcheck and racecheck (shared memory, barriers) on the fixed cases"
fixed='CudaDevice.TallShrinkDirectPathMatches:CudaDevice.BatchRunnerImagenetMixedSizes:CudaDevice.MismatchedOutputIsRejectedBeforeAnyWork'
for tool in memcheck racecheck synccheck; do
  timeout 100 compute-sanitizer --tool "$tool" --error-exitcode 3 \
    build/cuda/tests/cuda_device_tests --gtest_filter="$fixed" >>"$out/sanitizer.log" 2>&1
  rc=$?
  echo "$tool: exit $rc" | tee -a "$out/sanitizer.log"
  [ "$rc" -eq 0 ] || status=1
done
grep -m 10 -E 'ERROR SUMMARY|Invalid|hazard' "$out/sanitizer.log"

step "pixfuse-prep --device cuda against --device cpu"
timeout 90 build/cuda/tests/prep_tests --gtest_filter='PrepDevice.*' >"$out/prep_device.log" 2>&1 ||
  status=1
grep -E '^\[  (PASSED|FAILED|SKIPPED) |OK \]' "$out/prep_device.log"

step "cuda_bench"
timeout 90 build/cuda-bench/bench/cuda/cuda_bench --iters 50 2>&1 | tee "$out/cuda_bench.log"

step "GPU peers (torchvision on CUDA tensors; CV-CUDA and DALI where installed)"
PYTHONUNBUFFERED=1 timeout 150 python3 bench/cuda/peers_gpu.py --iters 20 2>&1 | tee "$out/peers_gpu.log"

step "done: status $status"
exit "$status"
