// Whole recipes against the pipelines they reproduce (tests/fixtures/generate.py):
//   imagenet  torchvision Resize(256) + CenterCrop(224) + ToTensor + Normalize on a PIL image
//   clip      the same with Resize(224, BICUBIC) and CLIP's mean/std
//   yolo      ultralytics LetterBox (cv2.resize INTER_LINEAR, copyMakeBorder 114) then / 255
// The presets are asserted bit-exact: same resampled pixels, same float arithmetic.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/presets.hpp"

namespace pf = pixfuse;

namespace {

template <class Recipe>
void expect_recipe_matches(const Recipe& recipe, const fixtures::Case& c) {
  const pf::io::NpyArray in = fixtures::load(c["input"]);
  const pf::io::NpyArray want = fixtures::load(c["output"]);
  const int h = static_cast<int>(in.shape[0]), w = static_cast<int>(in.shape[1]),
            ch = static_cast<int>(in.shape[2]);
  const pf::AnyImageView view(in.bytes.data(), pf::DType::u8, w, h, ch,
                              static_cast<std::int64_t>(w) * ch);
  const pf::Plan plan = pf::make_plan(recipe, pf::InputShape::of(view));
  ASSERT_EQ(plan.output_elements(), static_cast<std::size_t>(want.elements())) << c["id"];
  std::vector<float> out(plan.output_elements());
  pf::run_reference(plan, view,
                    pf::AnyTensorView(out.data(), pf::DType::f32, pf::Layout::nchw,
                                      plan.output_shape()));
  const float* ref = want.data<float>();
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < out.size(); ++i) mismatches += std::memcmp(&out[i], &ref[i], 4) != 0;
  EXPECT_EQ(mismatches, 0u) << c["id"] << ": " << mismatches << " of " << out.size()
                            << " values differ";
}

TEST(RecipeParity, PresetsAreBitExact) {
  int checked = 0;
  for (const auto& c : fixtures::load_cases()) {
    if (c["lib"] != "recipe") continue;
    ++checked;
    if (c["recipe"] == "imagenet") {
      expect_recipe_matches(pf::presets::imagenet(), c);
    } else if (c["recipe"] == "clip") {
      expect_recipe_matches(pf::presets::clip(), c);
    } else if (c["recipe"] == "yolo") {
      // The yolo preset at the fixture's (smaller) size.
      const int n = c.integer("size");
      expect_recipe_matches(
          pf::to_rgb() |
              pf::letterbox(n, n, 114.0f).filter(pf::Filter::bilinear).compat(pf::Compat::opencv) |
              pf::rescale(pf::over(255.0f)) | pf::nchw() | pf::cast<float>(),
          c);
    } else {
      ADD_FAILURE() << "unknown recipe " << c["recipe"];
    }
  }
  EXPECT_GE(checked, 6);
}

}  // namespace
