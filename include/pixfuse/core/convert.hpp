// Conversion of a computed float value to an output element, and back.
//
// Integers: saturating, round half to even (what numpy's np.rint + clip and
// torch's round_ do); NaN becomes 0. 16-bit floats: round to nearest even (float16.hpp).
// Rounding uses std::nearbyint, i.e. the default FP environment (round to nearest).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "pixfuse/core/detail/host_device.hpp"
#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/float16.hpp"

namespace pixfuse {

namespace detail {
// numeric_limits as constants (its functions are host-only for nvcc; constants are not).
template <class Int>
struct int_range {
  static constexpr Int min = std::numeric_limits<Int>::min(), max = std::numeric_limits<Int>::max();
};
}  // namespace detail

// Round half to even, then clamp to [lo, hi]. NaN -> 0.
template <class Int>
PIXFUSE_HD Int saturate_round(float x) {
  static_assert(std::is_integral_v<Int>);
  constexpr Int min = detail::int_range<Int>::min, max = detail::int_range<Int>::max;
  constexpr float lo = static_cast<float>(min), hi = static_cast<float>(max);
  if (x != x) return 0;  // NaN
  if (x <= lo) return min;
  if (x >= hi) return max;
#if defined(__CUDA_ARCH__)
  return static_cast<Int>(rintf(x));  // the device's nearbyint: half to even in its only mode
#else
  return static_cast<Int>(std::nearbyint(x));
#endif
}

template <class T>
PIXFUSE_HD T from_float(float x) {
  if constexpr (std::is_same_v<T, float>) {
    return x;
  } else if constexpr (std::is_same_v<T, f16>) {
    return to_f16(x);
  } else if constexpr (std::is_same_v<T, bf16>) {
    return to_bf16(x);
  } else {
    return saturate_round<T>(x);
  }
}

template <class T>
PIXFUSE_HD float to_float(T x) {
  static_assert(std::is_arithmetic_v<T>, "f16 and bf16 have overloads in float16.hpp");
  return static_cast<float>(x);
}

namespace detail {
// The bit pattern of from_float<T>(v) for the element type of `t`, zero-extended to 32
// bits: what the plan's tables (Plan::lut_bits, pad_bits) and the CUDA kernels store.
PIXFUSE_HD inline std::uint32_t output_bits(DType t, float v) {
  switch (t) {
    case DType::u8: return from_float<std::uint8_t>(v);
    case DType::i8: return static_cast<std::uint8_t>(from_float<std::int8_t>(v));
    case DType::u16: return from_float<std::uint16_t>(v);
    case DType::f16: return from_float<f16>(v).bits;
    case DType::bf16: return from_float<bf16>(v).bits;
    case DType::f32: break;
  }
  return float_bits(from_float<float>(v));
}
}  // namespace detail

}  // namespace pixfuse
