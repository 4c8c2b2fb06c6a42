// Floating-point steps rounded exactly as written: one rounding per operation, never a
// fused multiply-add. The device spells each with its _rn intrinsic (which nvcc never
// fuses); the host's plain operators stay unfused when the calling function is compiled
// without contraction (PIXFUSE_NO_CONTRACT, plan/detail/no_contract.hpp).
#pragma once

#include <cmath>

#include "pixfuse/core/detail/host_device.hpp"

namespace pixfuse::detail {

PIXFUSE_HD inline float fmul(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
PIXFUSE_HD inline float fadd(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
PIXFUSE_HD inline float fdiv(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
PIXFUSE_HD inline double dmul(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
PIXFUSE_HD inline double dadd(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
// Round half to even (the default rounding mode on host and device; std::nearbyint).
PIXFUSE_HD inline float rint_f(float x) { return rintf(x); }

}  // namespace pixfuse::detail
