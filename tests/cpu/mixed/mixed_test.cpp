// A program linking a translation unit built with -march=native and one built for the
// baseline: both run, each on its own kernels, and both equal the reference.
#include <gtest/gtest.h>

#include <vector>

#include "mixed_tu.hpp"
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/presets.hpp"

namespace pf = pixfuse;

TEST(MixedFlags, NativeAndBaselineTranslationUnitsLinkAndAgree) {
  const int w = 301, h = 211;
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * h * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<unsigned char>((i * 131) ^ (i >> 7));
  const pf::AnyImageView image(pixels.data(), pf::DType::u8, w, h, 3, w * 3);
  const pf::Plan plan = pf::make_plan(pf::presets::imagenet(), pf::InputShape::of(image));
  std::vector<unsigned char> want(plan.output_elements() * pf::size_of(plan.out_dtype));
  pf::run_reference(plan, image,
                    pf::AnyTensorView(want.data(), plan.out_dtype, plan.layout,
                                      plan.output_shape()));

  const mixed::TuResult n = mixed::native(plan, image), b = mixed::baseline(plan, image);
  // Two copies of the kernels: different namespaces, each running its best target.
  EXPECT_NE(n.baseline, b.baseline);
  EXPECT_EQ(n.target, n.targets.front());
  EXPECT_EQ(b.target, b.targets.front());
  EXPECT_EQ(n.bytes, want) << "native copy, target " << n.target;
  EXPECT_EQ(b.bytes, want) << "baseline copy, target " << b.target;
}
