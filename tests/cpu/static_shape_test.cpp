// run_static's shape-specialised kernels on every SIMD target this machine runs equal the
// reference kernels, bit for bit. This file compiles its own kernels (every target, plus
// one static shape): a file linking pixfuse_kernels has no shape-specialised ones.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "every_target.hpp"

namespace {

using namespace target_testing;

// run_static's shape-specialised kernels (one shape: each instantiates every
// arithmetic on every target) equal the reference too, with every output column inside
// the source (the constant-range path) and with padded columns (the general path).
TEST_P(EveryTarget, StaticShapeEqualsTheReference) {
  constexpr int kC = 3, kH = 13, kW = 21;
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int checked = 0, full_width = 0;
  for (const Case& k : all_cases()) {
    for (int trial = 0; trial < 6; ++trial) {
      const pf::DType in_types[] = {pf::DType::u8, pf::DType::u8, pf::DType::u16, pf::DType::f32};
      const Image img(in_types[pick(0, 3)], pick(1, 80), pick(1, 50), pick(0, 1) ? 3 : 4,
                      pick(0, 1) ? 0 : 5, rng);
      pf::DynamicRecipe r;
      r.add(pf::Channels(pf::to_rgb()));
      const int shape = pick(0, 2);
      if (shape == 0)
        r.add(pf::resize(kW, kH).filter(k.filter).compat(k.compat).antialias(k.antialias));
      else if (shape == 1)
        r.add(pf::letterbox(kW, kH, 0.0f).filter(k.filter).compat(k.compat).antialias(k.antialias));
      else
        r.add(pf::resize(kW + pick(0, 9), kH + pick(0, 9))
                  .filter(k.filter)
                  .compat(k.compat)
                  .antialias(k.antialias)),
            r.add(pf::center_crop(kW, kH));
      r.add(pf::layout(pick(0, 1) ? pf::Layout::nchw : pf::Layout::nhwc));
      r.add(pf::cast(pick(0, 1) ? pf::DType::f32 : pf::DType::u8));
      const pf::Plan plan = pf::make_plan(r, pf::InputShape::of(img.view()));
      const std::size_t bytes = plan.output_elements() * pf::size_of(plan.out_dtype);
      std::vector<unsigned char> want(bytes, 0xAB), got(bytes, 0xCD);
      pf::run_reference(plan, img.view(),
                        pf::AnyTensorView(want.data(), plan.out_dtype, plan.layout,
                                          plan.output_shape()));
      pf::run_static<kC, kH, kW>(plan, img.view(),
                                 pf::AnyTensorView(got.data(), plan.out_dtype, plan.layout,
                                                   plan.output_shape()));
      EXPECT_EQ(want, got) << GetParam() << ": " << describe(plan);
      full_width += plan.x.valid_begin == 0 && plan.x.valid_end == kW;
      ++checked;
    }
  }
  EXPECT_GT(full_width, 50);
  EXPECT_LT(full_width, checked);
  // A plan of another shape is refused, naming both shapes.
  const Image img(pf::DType::u8, 30, 20, 3, 0, rng);
  pf::DynamicRecipe eight;
  eight.add(pf::resize(8, 8));
  const pf::Plan other = pf::make_plan(eight, pf::InputShape::of(img.view()));
  std::vector<float> out(3 * 8 * 8);
  try {
    pf::run_static<kC, kH, kW>(other, img.view(),
                               pf::AnyTensorView(out.data(), pf::DType::f32, other.layout,
                                                 other.output_shape()));
    FAIL();
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "run_static: plan output: expected (3, 13, 21), got (3, 8, 8)");
  }
}

// A resize to the input's own size (normalise / convert / relayout only) takes the kernels'

INSTANTIATE_TEST_SUITE_P(Targets, EveryTarget, ::testing::ValuesIn(pf::available_targets()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
