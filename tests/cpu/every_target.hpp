// What the per-target tests share: the conventions' cases, noisy strided images, random
// recipes, a plan's description, and the fixture that runs each case on one target
// (set_target). Included by targets_test.cpp and static_shape_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "pixfuse/cpu/dispatch.hpp"
#include "pixfuse/plan/compat/supports.hpp"
#include "pixfuse/plan/lower.hpp"

namespace target_testing {

namespace pf = pixfuse;

struct Case {
  pf::Compat compat;
  pf::Filter filter;
  bool antialias;
};

// The filters each convention has (pixfuse::supports), with each antialias setting that
// changes what it computes.
inline std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (pf::Compat c : pf::all_compats)
    for (pf::Filter f : pf::filters_of(c))
      for (bool aa : {false, true})
        if (pf::supports(c, f, aa) && (!aa || pf::antialias_applies(c)))
          cases.push_back({c, f, aa});
  return cases;
}

// A stored image with padded rows, filled with noise (u8 / u16 over their full range,
// f32 in [-0.5, 1.5) so clamps and saturation are exercised).
struct Image {
  pf::DType dtype;
  int width, height, channels;
  std::ptrdiff_t stride;
  std::vector<unsigned char> bytes;

  Image(pf::DType t, int w, int h, int c, int pad, std::mt19937& rng)
      : dtype(t),
        width(w),
        height(h),
        channels(c),
        stride(static_cast<std::ptrdiff_t>((w * c + pad) * static_cast<int>(pf::size_of(t)))),
        bytes(static_cast<std::size_t>(stride) * static_cast<std::size_t>(h)) {
    std::uniform_real_distribution<float> real(-0.5f, 1.5f);
    for (std::size_t i = 0; i < bytes.size() / pf::size_of(t); ++i) {
      if (t == pf::DType::u8) bytes[i] = static_cast<unsigned char>(rng());
      else if (t == pf::DType::u16)
        reinterpret_cast<std::uint16_t*>(bytes.data())[i] = static_cast<std::uint16_t>(rng());
      else reinterpret_cast<float*>(bytes.data())[i] = real(rng);
    }
  }
  pf::AnyImageView view() const {
    return pf::AnyImageView(bytes.data(), dtype, width, height, channels, stride);
  }
};

// Random recipe around a resize of the given case, for an input of w x h.
inline pf::DynamicRecipe random_recipe(const Case& k, int w, int h, std::mt19937& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  pf::DynamicRecipe r;
  const bool rgb = pick(0, 3) == 0;
  if (rgb) r.add(pf::Channels(pf::to_rgb()));
  else if (pick(0, 3) == 0) r.add(pf::swap_rb());
  if (pick(0, 4) == 0 && w > 2 && h > 2) r.add(pf::crop(pick(0, 1), pick(0, 1), w - 2, h - 2));
  if (pick(0, 4) == 0) r.add(pf::Flip{{}, pick(0, 1) == 1, pick(0, 1) == 1});
  // Output sizes around vector lengths: 1..70, down and up.
  const int ow = pick(0, 5) == 0 ? pick(1, 4) : pick(1, 70),
            oh = pick(0, 5) == 0 ? pick(1, 3) : pick(1, 40);
  if (pick(0, 4) == 0)
    r.add(pf::letterbox(ow, oh, static_cast<float>(pick(0, 255)))
              .filter(k.filter)
              .compat(k.compat)
              .antialias(k.antialias));
  else r.add(pf::resize(ow, oh).filter(k.filter).compat(k.compat).antialias(k.antialias));
  if (pick(0, 3) == 0) r.add(pf::center_crop(pick(1, ow + 3), pick(1, oh + 3)));
  if (pick(0, 4) == 0) r.add(pf::pad(pick(0, 2), pick(0, 2), pick(0, 2), pick(0, 2), 0.0f));
  if (pick(0, 4) == 0) r.add(pf::hflip());
  if (rgb && pick(0, 1) == 0)
    r.add(pf::normalize(pf::over(255.0f), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}));
  else if (pick(0, 1) == 0) r.add(pf::normalize(pf::over(255.0f), {0.45f}, {0.226f}));
  else if (pick(0, 1) == 0) r.add(pf::normalize(0.75f, {3.0f}, {0.5f}));
  r.add(pf::layout(pick(0, 1) ? pf::Layout::nchw : pf::Layout::nhwc));
  const pf::DType outs[] = {pf::DType::f32, pf::DType::f16, pf::DType::bf16, pf::DType::u8,
                            pf::DType::i8};
  r.add(pf::cast(outs[pick(0, 4)]));
  return r;
}

inline std::string describe(const pf::Plan& p) {
  return pf::detail::to_text(p.in_width, "x", p.in_height, "x", p.in_channels, " ",
                             pf::name(p.in_dtype), " -> ", p.out_width, "x", p.out_height, "x",
                             p.out_channels, " ", pf::name(p.out_dtype), " ", pf::name(p.layout),
                             " ", pf::name(p.resampling.compat), " ", pf::name(p.resampling.filter),
                             p.resampling.antialias ? " aa" : "", " orientation ",
                             static_cast<int>(p.orientation), " arithmetic ",
                             pf::name(p.arithmetic));
}

class EveryTarget : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { pf::set_target(GetParam()); }
  void TearDown() override { pf::set_target("auto"); }
};

}  // namespace target_testing
