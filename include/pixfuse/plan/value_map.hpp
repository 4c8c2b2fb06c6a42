// ValueMap: what happens to a resampled value of one output channel before it is
// stored: the normalize stages in order, y = (x * scale - mean) / std each (x / scale
// when the scale divides), evaluated in float exactly as written, as torchvision's
// ToTensor-then-Normalize evaluates a pixel. Every backend computes it so, step by step,
// never folded into an affine a x + b (which can change the last bits): on the resampled
// value for the float conventions, and for those whose resampled values are u8 through
// the plan's 256-entry table of apply() (the SIMD store's vector path gathers the table,
// does the same float operations, or a division-free form the plan has checked equal to
// the table on all 256 values: plan/division_free.hpp).
#pragma once

#include <cmath>
#include <vector>

#include "pixfuse/core/detail/host_device.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"

namespace pixfuse {

struct NormalizeStep {
  float scale = 1.0f;
  bool divide = false;
  float mean = 0.0f, std = 1.0f;

  // One step, exactly as written: the host never contracts it (PIXFUSE_NO_CONTRACT), and
  // the device spells each operation with the _rn intrinsic nvcc never fuses. The CUDA
  // kernels call this too.
  PIXFUSE_HD PIXFUSE_NO_CONTRACT float apply(float x) const {
#if defined(__CUDA_ARCH__)
    return __fdiv_rn(__fsub_rn(divide ? __fdiv_rn(x, scale) : __fmul_rn(x, scale), mean), std);
#else
    return ((divide ? x / scale : x * scale) - mean) / std;
#endif
  }
};

struct ValueMap {
  std::vector<NormalizeStep> steps;

  // The exact step-by-step value: the reference's output values, the lookup tables and
  // padding.
  PIXFUSE_NO_CONTRACT float apply(float x) const {
    for (const NormalizeStep& s : steps) x = s.apply(x);
    return x;
  }
};

}  // namespace pixfuse
