// Saturating round-half-to-even to integers, checked exhaustively over every f16 value
// (all the magnitudes that matter for 8-bit outputs, with every fractional pattern up to
// 1/1024) against a definition written with floor and an explicit tie rule.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "pixfuse/core/convert.hpp"
#include "pixfuse/core/float16.hpp"

namespace pf = pixfuse;

namespace {
template <class Int>
Int expected_round(double x) {
  if (std::isnan(x)) return 0;
  double r = std::floor(x);
  const double frac = x - r;
  if (frac > 0.5 || (frac == 0.5 && std::fmod(r, 2.0) != 0.0)) r += 1.0;
  if (r < std::numeric_limits<Int>::min()) return std::numeric_limits<Int>::min();
  if (r > std::numeric_limits<Int>::max()) return std::numeric_limits<Int>::max();
  return static_cast<Int>(r);
}

template <class Int>
void check_all_f16_values() {
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const float x = pf::to_float(pf::f16{static_cast<std::uint16_t>(b)});
    ASSERT_EQ(pf::from_float<Int>(x), expected_round<Int>(x)) << x;
  }
}
}  // namespace

TEST(SaturateRound, U8EveryF16Value) { check_all_f16_values<std::uint8_t>(); }
TEST(SaturateRound, I8EveryF16Value) { check_all_f16_values<std::int8_t>(); }
TEST(SaturateRound, U16EveryF16Value) { check_all_f16_values<std::uint16_t>(); }

TEST(SaturateRound, TiesGoToEven) {
  EXPECT_EQ(pf::from_float<std::uint8_t>(0.5f), 0);
  EXPECT_EQ(pf::from_float<std::uint8_t>(1.5f), 2);
  EXPECT_EQ(pf::from_float<std::uint8_t>(2.5f), 2);
  EXPECT_EQ(pf::from_float<std::uint8_t>(254.5f), 254);
  EXPECT_EQ(pf::from_float<std::uint8_t>(254.50002f), 255);
  EXPECT_EQ(pf::from_float<std::int8_t>(-0.5f), 0);
  EXPECT_EQ(pf::from_float<std::int8_t>(-1.5f), -2);
  EXPECT_EQ(pf::from_float<std::int8_t>(-127.5f), -128);
  EXPECT_EQ(pf::from_float<std::int8_t>(126.5f), 126);
}

TEST(SaturateRound, SaturatesAndMapsNaNToZero) {
  EXPECT_EQ(pf::from_float<std::uint8_t>(-1.0f), 0);
  EXPECT_EQ(pf::from_float<std::uint8_t>(255.7f), 255);
  EXPECT_EQ(pf::from_float<std::uint8_t>(1e30f), 255);
  EXPECT_EQ(pf::from_float<std::uint8_t>(-INFINITY), 0);
  EXPECT_EQ(pf::from_float<std::uint8_t>(INFINITY), 255);
  EXPECT_EQ(pf::from_float<std::int8_t>(-1e30f), -128);
  EXPECT_EQ(pf::from_float<std::int8_t>(200.0f), 127);
  EXPECT_EQ(pf::from_float<std::uint8_t>(std::numeric_limits<float>::quiet_NaN()), 0);
  EXPECT_EQ(pf::from_float<std::int8_t>(std::numeric_limits<float>::quiet_NaN()), 0);
}

TEST(FromFloat, FloatTypesUseTheirConversions) {
  EXPECT_EQ(pf::from_float<float>(0.1f), 0.1f);
  EXPECT_EQ(pf::from_float<pf::f16>(1.0f).bits, 0x3C00u);
  EXPECT_EQ(pf::from_float<pf::bf16>(1.0f).bits, 0x3F80u);
  EXPECT_EQ(pf::to_float(std::uint8_t{200}), 200.0f);
}
