// The two 16-bit float storage types, f16 (IEEE binary16) and bf16 (bfloat16),
// with exact conversions from and to float.
//
// float -> f16/bf16 rounds to nearest, ties to even, as IEEE 754 and every ML
// framework do; overflow gives infinity; NaN stays NaN (sign and top payload bits kept);
// subnormals are produced and read exactly. Conversions are integer bit manipulation,
// independent of the FP environment, and PIXFUSE_HD: the CUDA kernels call these same
// functions.
#pragma once

#include <cstdint>
#include <cstring>

#include "pixfuse/core/detail/host_device.hpp"

namespace pixfuse {

struct f16 {
  std::uint16_t bits = 0;
  friend PIXFUSE_HD constexpr bool operator==(f16 a, f16 b) { return a.bits == b.bits; }
  friend PIXFUSE_HD constexpr bool operator!=(f16 a, f16 b) { return a.bits != b.bits; }
};

struct bf16 {
  std::uint16_t bits = 0;
  friend PIXFUSE_HD constexpr bool operator==(bf16 a, bf16 b) { return a.bits == b.bits; }
  friend PIXFUSE_HD constexpr bool operator!=(bf16 a, bf16 b) { return a.bits != b.bits; }
};

namespace detail {
PIXFUSE_HD inline std::uint32_t float_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}
PIXFUSE_HD inline float bits_float(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}
}  // namespace detail

PIXFUSE_HD inline f16 to_f16(float x) {
  const std::uint32_t u = detail::float_bits(x);
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t mag = u & 0x7FFFFFFFu;
  if (mag > 0x7F800000u) {  // NaN: keep the top payload bits; keep it a NaN if they are all zero
    std::uint32_t payload = (mag >> 13) & 0x3FFu;
    return f16{static_cast<std::uint16_t>(sign | 0x7C00u | (payload ? payload : 0x200u))};
  }
  if (mag >=
      0x477FF000u) {  // >= 65520 (halfway above the largest finite 65504): ties to even = inf
    return f16{static_cast<std::uint16_t>(sign | 0x7C00u)};
  }
  if (mag >= 0x38800000u) {  // normal in f16 (>= 2^-14): rebias the exponent, round 23 -> 10 bits
    std::uint32_t r = mag - (112u << 23);
    r += 0x0FFFu + ((r >> 13) & 1u);  // round half to even on the 13 dropped bits
    return f16{static_cast<std::uint16_t>(sign | (r >> 13))};
  }
  if (mag <= 0x33000000u) {  // <= 2^-25, half of the smallest subnormal: ties to even = 0
    return f16{static_cast<std::uint16_t>(sign)};
  }
  // f16 subnormal: value / 2^-24 rounded to an integer, half to even. A result of 0x400
  // is the smallest normal, which is also its correct encoding.
  const std::uint32_t exponent = mag >> 23;  // 103 ..= 112
  const std::uint32_t mantissa = (mag & 0x7FFFFFu) | 0x800000u;
  const std::uint32_t shift = 126u - exponent;  // 14 ..= 23
  std::uint32_t q = mantissa >> shift;
  const std::uint32_t rest = mantissa & ((1u << shift) - 1u);
  const std::uint32_t half = 1u << (shift - 1u);
  if (rest > half || (rest == half && (q & 1u))) ++q;
  return f16{static_cast<std::uint16_t>(sign | q)};
}

PIXFUSE_HD inline float to_float(f16 h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h.bits & 0x8000u) << 16;
  const std::uint32_t exponent = (h.bits >> 10) & 0x1Fu;
  const std::uint32_t mantissa = h.bits & 0x3FFu;
  if (exponent == 0x1Fu) return detail::bits_float(sign | 0x7F800000u | (mantissa << 13));
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in float
    const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-08f;
    return detail::bits_float(sign | detail::float_bits(magnitude));
  }
  return detail::bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

PIXFUSE_HD inline bf16 to_bf16(float x) {
  const std::uint32_t u = detail::float_bits(x);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) {  // NaN: truncate, but never into infinity
    std::uint32_t hi = u >> 16;
    if ((hi & 0x7Fu) == 0) hi |= 0x40u;
    return bf16{static_cast<std::uint16_t>(hi)};
  }
  // Round half to even on the 16 dropped bits; a carry into the exponent is correct
  // (it rounds up to the next binade, or to infinity above the largest finite bf16).
  return bf16{static_cast<std::uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16)};
}

PIXFUSE_HD inline float to_float(bf16 b) {
  return detail::bits_float(static_cast<std::uint32_t>(b.bits) << 16);
}

}  // namespace pixfuse
