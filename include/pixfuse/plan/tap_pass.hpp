// One pass of a convention's arithmetic (plan/arithmetic.hpp) over the taps of one output:
// the scalar specification every backend computes. The reference kernel (cpu/reference.hpp)
// and the CUDA kernels (cuda/arithmetic.cuh) both call tap_pass, each with its own view of
// the taps and its own sample accessor, so they agree by construction; the SIMD kernels are
// tested against it.
#pragma once

#include <cstdint>

#include "pixfuse/core/detail/host_device.hpp"
#include "pixfuse/plan/arithmetic.hpp"
#include "pixfuse/plan/detail/exact_float.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"

#if !defined(__CUDA_ARCH__)
#include "pixfuse/core/error.hpp"
#endif

namespace pixfuse {

// The taps of one output: count n, the double weights and the fixed-point weights of
// each tap (either may be absent: nullptr), whether the table's order was reversed by a
// mirror, and the fixed-point precision (fixed_u8).
struct TapRow {
  int n = 0;
  const double* weights = nullptr;
  const std::int32_t* fixed = nullptr;
  bool reversed = false;
  int precision_bits = 0;
};

// What a pass needs of the Plan beyond its arithmetic: Plan::cubic_simd_columns()
// (opencv_cubic) and Plan::area_kx() (opencv_area_fast).
struct PassRule {
  Arithmetic arithmetic = Arithmetic::real;
  std::int64_t cubic_simd_columns = 0;
  int area_kx = 0;
};

// The pass over samples s(0..n) of one output. `first` selects the rule of the pass that
// runs first where a convention's two passes differ (the horizontal one, except for
// Plan::vertical_first); `flat` is the column's flattened index (opencv_cubic).
template <class Sample>
PIXFUSE_HD PIXFUSE_NO_CONTRACT double tap_pass(const PassRule& rule, const TapRow& t,
                                               const Sample& s, bool first, std::int64_t flat) {
  using detail::clip8;
  using detail::dadd;
  using detail::dmul;
  using detail::fadd;
  using detail::fdiv;
  using detail::fmul;
  using detail::rint_f;
  const int n = t.n;
  const double* w = t.weights;
  const std::int32_t* q = t.fixed;
  switch (rule.arithmetic) {
    case Arithmetic::fixed_u8: {  // Pillow 8-bit / torchvision uint8: one rounding per pass
      std::int64_t acc = std::int64_t{1} << (t.precision_bits - 1);
      for (int k = 0; k < n; ++k)
        acc += static_cast<std::int64_t>(q[k]) * static_cast<std::int64_t>(s(k));
      return clip8(acc >> t.precision_bits);
    }
    case Arithmetic::round_half_away: {  // Pillow mode I: double sum, rounded half away
      double acc = 0.0;
      for (int k = 0; k < n; ++k) acc = dadd(acc, dmul(s(k), w[k]));
      return detail::round_half_away(acc);
    }
    case Arithmetic::real_f64: {  // Pillow mode F: double sum, float between passes and at the end
      double acc = 0.0;
      for (int k = 0; k < n; ++k) acc = dadd(acc, dmul(s(k), w[k]));
      return static_cast<float>(acc);
    }
    case Arithmetic::real:
    case Arithmetic::real_u16: {  // float32 sum from 0 in the convention's tap order
      float acc = 0.0f;
      for (int j = 0; j < n; ++j) {
        const int k = t.reversed ? n - 1 - j : j;
        acc = fadd(acc, fmul(static_cast<float>(s(k)), static_cast<float>(w[k])));
      }
      if (rule.arithmetic == Arithmetic::real || first) return acc;
      const float r = rint_f(acc);  // saturate_cast<ushort>; + 0 turns -0 into +0
      return fadd(r < 0.0f ? 0.0f : (r > 65535.0f ? 65535.0f : r), 0.0f);
    }
    case Arithmetic::opencv_area: {  // float32 sums in table order (which a mirror reverses)
      float acc = 0.0f;
      for (int j = 0; j < n; ++j) {
        const int k = t.reversed ? n - 1 - j : j;
        acc = fadd(acc, fmul(static_cast<float>(s(k)), static_cast<float>(w[k])));
      }
      return first ? acc : clip8(static_cast<std::int64_t>(rint_f(acc)));
    }
    case Arithmetic::opencv_linear:
    case Arithmetic::opencv_cubic:
    case Arithmetic::opencv_lanczos4:
    case Arithmetic::opencv_linear_exact:
    case Arithmetic::opencv_area_fast: break;  // below
  }
  // The other opencv paths: the horizontal pass is an exact int32 dot product.
  std::int64_t dot = 0;
  for (int k = 0; k < n; ++k)
    dot += static_cast<std::int64_t>(q[k]) * static_cast<std::int64_t>(s(k));
  if (first) return static_cast<double>(dot);
  switch (rule.arithmetic) {
    case Arithmetic::opencv_linear: {  // VResizeLinear: >> 4, mul-high by the weight, + 2 >> 2
      std::int64_t out = 2;
      for (int k = 0; k < n; ++k)
        out += (static_cast<std::int64_t>(q[k]) * (static_cast<std::int64_t>(s(k)) >> 4)) >> 16;
      return clip8(out >> 2);
    }
    case Arithmetic::opencv_cubic: {
      if (flat < rule.cubic_simd_columns) {  // VResizeCubicVec_32s8u: float32, last tap first
        float acc = 0.0f;
        for (int j = n - 1; j >= 0; --j) {
          const int k = t.reversed ? n - 1 - j : j;
          const float beta = fmul(static_cast<float>(q[k]), 1.0f / 4194304.0f);
          const float term = fmul(static_cast<float>(s(k)), beta);
          acc = j == n - 1 ? term : fadd(term, acc);
        }
        return clip8(static_cast<std::int64_t>(rint_f(acc)));
      }
      return clip8((dot + (1 << 21)) >> 22);  // the scalar tail: integer
    }
    case Arithmetic::opencv_lanczos4: return clip8((dot + (1 << 21)) >> 22);
    case Arithmetic::opencv_linear_exact: return clip8((dot + (1 << 15)) >> 16);
    case Arithmetic::opencv_area_fast: {  // dot = the block sum (weights 1)
      const int area = rule.area_kx * n;
      if (rule.area_kx == 2 && n == 2) return static_cast<double>((dot + 2) >> 2);
      const float mean = fmul(static_cast<float>(dot), fdiv(1.0f, static_cast<float>(area)));
      return clip8(static_cast<std::int64_t>(rint_f(mean)));
    }
    case Arithmetic::fixed_u8:  // returned by the first switch
    case Arithmetic::round_half_away:
    case Arithmetic::real:
    case Arithmetic::real_u16:
    case Arithmetic::real_f64:
    case Arithmetic::opencv_area: break;
  }
#if defined(__CUDA_ARCH__)
  return 0.0;  // device code cannot throw; pack_plans checked the arithmetic on the host
#else
  detail::unreachable("tap_pass: arithmetic");
#endif
}

}  // namespace pixfuse
