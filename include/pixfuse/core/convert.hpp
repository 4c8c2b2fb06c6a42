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

#include "pixfuse/core/float16.hpp"

namespace pixfuse {

// Round half to even, then clamp to [lo, hi]. NaN -> 0.
template <class Int>
Int saturate_round(float x) {
  static_assert(std::is_integral_v<Int>);
  constexpr float lo = static_cast<float>(std::numeric_limits<Int>::min());
  constexpr float hi = static_cast<float>(std::numeric_limits<Int>::max());
  if (std::isnan(x)) return 0;
  if (x <= lo) return std::numeric_limits<Int>::min();
  if (x >= hi) return std::numeric_limits<Int>::max();
  return static_cast<Int>(std::nearbyint(x));
}

template <class T>
T from_float(float x) {
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
float to_float(T x) {
  static_assert(std::is_arithmetic_v<T>, "f16 and bf16 have overloads in float16.hpp");
  return static_cast<float>(x);
}

}  // namespace pixfuse
