// Plans of hostile shapes: lowering costs what the output needs, every size is checked
// (an impossible one is an Error naming the stage, the input size and the size it would
// have been), and the conventions compute only the rows of their resampling matrix that
// the output shows, with exactly the values the whole matrix has.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "pixfuse/plan/compat/convention.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/presets.hpp"

namespace pf = pixfuse;

namespace {

std::string lowering_error(const pf::DynamicRecipe& r, const pf::InputShape& in) {
  try {
    (void)pf::make_plan(r, in);
  } catch (const pf::Error& e) {
    return e.what();
  }
  return "";
}

pf::DynamicRecipe imagenet() {
  pf::DynamicRecipe r;
  r.add(pf::resize_shorter(256));
  r.add(pf::center_crop(224, 224));
  return r;
}

}  // namespace

// A 16777216 x 6 BMP (under --max-pixels) resized by its shorter side to 256 would be
// 715827882 columns: the plan built tables for all of them (3.5 GB, 10-35 s).
TEST(HostilePlan, ElongatedInputIsAnErrorNamingTheSizes) {
  EXPECT_EQ(lowering_error(imagenet(), {16777216, 6, 3, pf::DType::u8}),
            "resize_shorter width: expected a length from 1 to 1048576, got 715827882 (16777216x6 "
            "to 715827882x256: "
            "its shorter side to 256)");
}

// A 1 x 16777217 .npy: the resized height (4294967552) was truncated to int and the image
// "resized" to 256 rows, reported ok.
TEST(HostilePlan, ResizedSizeIsNotTruncated) {
  EXPECT_EQ(
      lowering_error(imagenet(), {1, 16777217, 1, pf::DType::f32}),
      "resize_shorter height: expected a length from 1 to 1048576, got 4294967552 (1x16777217 to "
      "256x4294967552: its shorter side to 256)");
}

// Within the limits, an elongated input costs what its output costs: 4096 x 4 resized
// by its shorter side to 256 is 262144 columns wide, of which the crop shows 224.
TEST(HostilePlan, TapsAreComputedOnlyForTheOutput) {
  const pf::Plan p = pf::make_plan(imagenet(), {4096, 4, 3, pf::DType::u8});
  EXPECT_EQ(p.out_width, 224);
  EXPECT_EQ(p.x.resized_size, 262144);
  EXPECT_EQ(p.x.weights.size(), 224u * static_cast<std::size_t>(p.x.max_taps));
  // The rows shown are the middle 224 of the 262144.
  EXPECT_EQ(p.x.resized[0], (262144 - 224) / 2);
}

// The conventions compute a range of rows equal to those rows of the whole matrix (for
// torchvision that includes the weight precision, chosen from the whole matrix's largest
// weight), for every filter, up and down.
TEST(HostilePlan, RowsEqualTheWholeMatrixRows) {
  using F = pf::Filter;
  struct Case {
    pf::Compat compat;
    F filter;
    bool antialias;
  };
  const Case cases[] = {{pf::Compat::pil, F::nearest, true},
                        {pf::Compat::pil, F::bilinear, true},
                        {pf::Compat::pil, F::lanczos3, true},
                        {pf::Compat::pil, F::area, true},
                        {pf::Compat::torchvision, F::bilinear, true},
                        {pf::Compat::torchvision, F::bicubic, false},
                        {pf::Compat::torchvision, F::nearest_exact, false},
                        {pf::Compat::torchvision, F::lanczos3, true},
                        {pf::Compat::opencv, F::bilinear, false},
                        {pf::Compat::opencv, F::area, false},
                        {pf::Compat::opencv, F::lanczos4, false},
                        {pf::Compat::opencv, F::linear_exact, false},
                        {pf::Compat::jax, F::lanczos5, true},
                        {pf::Compat::jax, F::nearest, false}};
  const int sizes[][2] = {{97, 31}, {31, 97}, {300, 7}, {64, 128}};
  for (const Case& k : cases)
    for (const auto& s : sizes) {
      pf::Resampling how;
      how.compat = k.compat;
      how.filter = k.filter;
      how.antialias = k.antialias;
      const int in = s[0], out = s[1];
      const pf::Rows all{0, out}, part{out / 3, out / 3 + 5};
      const pf::compat::AxisPair whole =
          pf::compat::resize_taps(how, pf::DType::u8, in, out, in, out, all, all);
      const pf::compat::AxisPair some =
          pf::compat::resize_taps(how, pf::DType::u8, in, out, in, out, part, part);
      const pf::ResizeTaps& a = whole.x;
      const pf::ResizeTaps& b = some.x;
      ASSERT_EQ(a.max_taps, b.max_taps);
      ASSERT_EQ(a.precision_bits, b.precision_bits)
          << pf::name(k.compat) << " " << pf::name(k.filter);
      for (int r = part.begin; r < part.end; ++r) {
        const std::string what = std::string(pf::name(k.compat)) + " " +
                                 std::string(pf::name(k.filter)) + " " + std::to_string(in) + "->" +
                                 std::to_string(out) + " row " + std::to_string(r);
        EXPECT_EQ(a.first[a.slot(r)], b.first[b.slot(r)]) << what;
        EXPECT_EQ(a.count[a.slot(r)], b.count[b.slot(r)]) << what;
        for (int t = 0; t < a.max_taps; ++t) {
          EXPECT_EQ(a.weight_row(r)[t], b.weight_row(r)[t]) << what;
          if (!a.fixed.empty()) {
            EXPECT_EQ(a.fixed_row(r)[t], b.fixed_row(r)[t]) << what;
          }
        }
      }
    }
}

// Every size is bounded: resized, cropped, padded and letterboxed lengths, crop offsets,
// the tap tables of a huge reduction.
TEST(HostilePlan, SizesAreChecked) {
  const pf::InputShape in{640, 480, 3, pf::DType::u8};
  pf::DynamicRecipe r;
  r.add(pf::resize(2000000, 10));
  EXPECT_EQ(lowering_error(r, in),
            "resize width: expected a length from 1 to 1048576, got 2000000");
  r = {};
  r.add(pf::resize(100, 100));
  r.add(pf::pad(2147483647, 0, 1, 0));
  EXPECT_EQ(lowering_error(r, in), "pad width: expected a length from 1 to 1048576, got 2147483748 "
                                   "(100 padded by 2147483647 and 1)");
  r = {};
  r.add(pf::resize(100, 100));
  r.add(pf::crop(std::int64_t{1} << 62, 0, 10, 10));
  EXPECT_EQ(lowering_error(r, in),
            "crop width offset: expected within +-1099511627776, got 4611686018427387904");
  r = {};
  r.add(pf::crop(5, 0, INT64_MAX, 10));
  EXPECT_EQ(lowering_error(r, in),
            "crop width size: expected a length from 1 to 1048576, got 9223372036854775807");
  r = {};
  r.add(pf::letterbox(1 << 21, 640));
  EXPECT_EQ(lowering_error(r, in), "letterbox width: expected a length from 1 to 1048576, got "
                                   "2097152 (853 padded by 1048149 and 1048150)");
  r = {};
  r.add(pf::letterbox(1 << 21, 1 << 21));
  EXPECT_EQ(lowering_error(r, in), "letterbox width: expected a length from 1 to 1048576, got "
                                   "2097152 (640x480 to fit 2097152x2097152)");
  // A 2^21-pixel row reduced to 224 by lanczos3: 224 rows of 56175 taps.
  r = {};
  r.add(pf::resize(224, 1).filter(pf::Filter::lanczos3));
  const std::string e = lowering_error(r, {1 << 21, 1, 1, pf::DType::u8});
  EXPECT_EQ(e.rfind("resampling 2097152 samples to 224: expected at most 16777216 taps in all and "
                    "1048576 for the rows "
                    "the output shows, got 224 rows x ",
                    0),
            0u)
      << e;
  // A strip resized by its shorter side: 256 x 1048576 is more than a plan may make of a
  // 4096-pixel input; a large photo may keep its size.
  r = {};
  r.add(pf::resize_shorter(256));
  EXPECT_EQ(lowering_error(r, {1, 4096, 3, pf::DType::u8}),
            "output: expected at most 16777216 pixels (or as many as the input's 4096), got "
            "256x1048576 = 268435456 "
            "pixels");
  r = {};
  r.add(pf::normalize(pf::over(255.0f), {0.5f}, {0.5f}));
  EXPECT_NO_THROW((void)pf::make_plan(r, {6000, 4000, 3, pf::DType::u8}));
  // Near the limits, plans still lower.
  r = {};
  r.add(pf::resize_shorter(256));
  r.add(pf::center_crop(224, 224));
  EXPECT_NO_THROW((void)pf::make_plan(r, {16384, 4, 3, pf::DType::u8}));  // 1048576 columns
}
