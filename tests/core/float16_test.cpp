// f16 / bf16 conversions: exhaustive over every 16-bit pattern, and every rounding
// boundary checked against an independent definition of round-half-to-even.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "pixfuse/core/float16.hpp"

namespace pf = pixfuse;

namespace {

bool is_nan_f16(std::uint16_t b) { return (b & 0x7C00u) == 0x7C00u && (b & 0x3FFu) != 0; }

// The value of an f16 bit pattern from its definition: (-1)^s * 2^(e-15) * (1 + m/1024),
// or 2^-14 * m/1024 for subnormals. Independent of pixfuse's bit manipulation.
double f16_value(std::uint16_t b) {
  const int s = b >> 15, e = (b >> 10) & 0x1F, m = b & 0x3FF;
  const double sign = s ? -1.0 : 1.0;
  if (e == 0x1F) return m ? std::numeric_limits<double>::quiet_NaN() : sign * INFINITY;
  if (e == 0) return sign * std::ldexp(m / 1024.0, -14);
  return sign * std::ldexp(1.0 + m / 1024.0, e - 15);
}

}  // namespace

TEST(F16, EveryBitPatternDecodesToItsDefinedValue) {
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const float f = pf::to_float(pf::f16{static_cast<std::uint16_t>(b)});
    const double want = f16_value(static_cast<std::uint16_t>(b));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(f)) << std::hex << b;
    } else {
      EXPECT_EQ(static_cast<double>(f), want) << std::hex << b;
      EXPECT_EQ(std::signbit(f), (b & 0x8000u) != 0) << std::hex << b;
    }
  }
}

TEST(F16, EveryBitPatternRoundTripsThroughFloat) {
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const pf::f16 h{static_cast<std::uint16_t>(b)};
    EXPECT_EQ(pf::to_f16(pf::to_float(h)).bits, h.bits) << std::hex << b;
  }
}

TEST(F16, RoundsHalfToEvenAtEveryBoundary) {
  // Between each pair of adjacent finite positive f16 values a < b: the midpoint goes to
  // the one with an even mantissa, one float ulp either side goes to the nearer one.
  for (std::uint16_t lo = 0; lo < 0x7BFF; ++lo) {
    const std::uint16_t hi = lo + 1;
    const double a = f16_value(lo), b = f16_value(hi);
    const float mid = static_cast<float>((a + b) / 2);  // exact: needs at most 12 bits
    ASSERT_EQ(static_cast<double>(mid), (a + b) / 2);
    const std::uint16_t even = (lo & 1u) ? hi : lo;
    EXPECT_EQ(pf::to_f16(mid).bits, even) << "between " << a << " and " << b;
    EXPECT_EQ(pf::to_f16(std::nextafter(mid, 0.0f)).bits, lo) << a;
    EXPECT_EQ(pf::to_f16(std::nextafter(mid, INFINITY)).bits, hi) << b;
    EXPECT_EQ(pf::to_f16(-mid).bits, even | 0x8000u) << -a;
  }
}

TEST(F16, OverflowUnderflowAndSpecials) {
  EXPECT_EQ(pf::to_f16(65504.0f).bits, 0x7BFFu);    // largest finite
  EXPECT_EQ(pf::to_f16(65519.996f).bits, 0x7BFFu);  // below the halfway point
  EXPECT_EQ(pf::to_f16(65520.0f).bits, 0x7C00u);    // halfway: ties to even = inf
  EXPECT_EQ(pf::to_f16(1e10f).bits, 0x7C00u);
  EXPECT_EQ(pf::to_f16(-INFINITY).bits, 0xFC00u);
  EXPECT_EQ(pf::to_f16(std::ldexp(1.0f, -24)).bits, 0x0001u);  // smallest subnormal
  EXPECT_EQ(pf::to_f16(std::ldexp(1.0f, -25)).bits, 0x0000u);  // half of it: ties to even = 0
  EXPECT_EQ(pf::to_f16(std::ldexp(1.5f, -25)).bits, 0x0001u);
  EXPECT_EQ(pf::to_f16(std::ldexp(1.0f, -40)).bits, 0x0000u);
  EXPECT_EQ(pf::to_f16(-0.0f).bits, 0x8000u);
  EXPECT_EQ(pf::to_f16(std::ldexp(1023.5f, -24)).bits, 0x0400u);  // rounds up into the normals
  const std::uint16_t nan = pf::to_f16(std::numeric_limits<float>::quiet_NaN()).bits;
  EXPECT_TRUE(is_nan_f16(nan));
  // A float NaN whose payload lives only in the low bits must stay a NaN.
  const std::uint32_t low_payload = 0x7F800001u;
  float f;
  std::memcpy(&f, &low_payload, 4);
  EXPECT_TRUE(is_nan_f16(pf::to_f16(f).bits));
}

#if defined(__aarch64__)
// Arm's __fp16 (IEEE half; float -> __fp16 is one FCVT, round to nearest even).
#define PIXFUSE_TEST_COMPILER_F16 __fp16
#elif defined(__FLT16_MAX__)
// GCC/Clang's _Float16 (a correctly rounded software conversion on x86 without
// AVX512-FP16). GCC 12 defines __FLT16_MAX__ on aarch64 but has no _Float16 in C++.
#define PIXFUSE_TEST_COMPILER_F16 _Float16
#endif
#if defined(PIXFUSE_TEST_COMPILER_F16)
// The compiler's half-precision conversion as an oracle over floats spread across the
// whole range.
TEST(F16, MatchesCompilerFloat16OnSpreadOfFloats) {
  for (std::uint64_t u = 0; u <= 0xFFFFFFFFull; u += 9973) {
    const std::uint32_t bits = static_cast<std::uint32_t>(u);
    float f;
    std::memcpy(&f, &bits, 4);
    if (std::isnan(f)) continue;
    const PIXFUSE_TEST_COMPILER_F16 h = static_cast<PIXFUSE_TEST_COMPILER_F16>(f);
    std::uint16_t want;
    std::memcpy(&want, &h, 2);
    ASSERT_EQ(pf::to_f16(f).bits, want) << std::hexfloat << f;
  }
}
#endif

TEST(BF16, EveryBitPatternRoundTripsThroughFloat) {
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const pf::bf16 h{static_cast<std::uint16_t>(b)};
    const float f = pf::to_float(h);
    std::uint32_t fb;
    std::memcpy(&fb, &f, 4);
    EXPECT_EQ(fb, b << 16);
    EXPECT_EQ(pf::to_bf16(f).bits, h.bits) << std::hex << b;
  }
}

TEST(BF16, RoundsHalfToEvenAtEveryBoundary) {
  for (std::uint32_t lo = 0; lo < 0x7F7F; ++lo) {
    const std::uint32_t hi = lo + 1;
    const std::uint32_t mid_bits = (lo << 16) | 0x8000u;  // exactly halfway, as a float
    float mid;
    std::memcpy(&mid, &mid_bits, 4);
    const std::uint32_t even = (lo & 1u) ? hi : lo;
    ASSERT_EQ(pf::to_bf16(mid).bits, even) << std::hex << lo;
    ASSERT_EQ(pf::to_bf16(std::nextafter(mid, 0.0f)).bits, lo) << std::hex << lo;
    ASSERT_EQ(pf::to_bf16(std::nextafter(mid, INFINITY)).bits, hi) << std::hex << lo;
  }
}

TEST(BF16, OverflowAndSpecials) {
  EXPECT_EQ(pf::to_bf16(std::numeric_limits<float>::max()).bits, 0x7F80u);  // rounds to inf
  EXPECT_EQ(pf::to_bf16(-INFINITY).bits, 0xFF80u);
  EXPECT_EQ(pf::to_bf16(1.0f).bits, 0x3F80u);
  EXPECT_EQ(pf::to_bf16(-0.0f).bits, 0x8000u);
  EXPECT_EQ(pf::to_bf16(std::numeric_limits<float>::denorm_min()).bits, 0x0000u);
  const std::uint32_t low_payload = 0x7F800001u;
  float f;
  std::memcpy(&f, &low_payload, 4);
  const std::uint16_t b = pf::to_bf16(f).bits;
  EXPECT_EQ(b & 0x7F80u, 0x7F80u);
  EXPECT_NE(b & 0x7Fu, 0u);
}
