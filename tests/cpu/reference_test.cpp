// The reference kernel's outputs: layouts, dtypes, padding values and argument checks.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../test_images.hpp"
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/presets.hpp"

namespace pf = pixfuse;

namespace {
template <class F>
void expect_error(F&& f, const std::string& message) {
  try {
    f();
    ADD_FAILURE() << "no error; expected: " << message;
  } catch (const pf::Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

template <class T>
std::vector<T> run(const pf::Plan& p, const pf::AnyImageView& in) {
  std::vector<T> out(p.output_elements());
  pf::run_reference(p, in,
                    pf::AnyTensorView(out.data(), pf::dtype_of_v<T>, p.layout, p.output_shape()));
  return out;
}
}  // namespace

TEST(Reference, NhwcIsTheTransposeOfNchw) {
  const auto img = test_images::noise_u8(31, 17, 3, 11);
  const auto base = pf::resize(11, 7) | pf::normalize(pf::over(255.0f), {0.5f}, {0.25f});
  const auto nchw =
      run<float>(pf::make_plan(base | pf::nchw(), pf::InputShape::of(img.view())), img.view());
  const auto nhwc =
      run<float>(pf::make_plan(base | pf::nhwc(), pf::InputShape::of(img.view())), img.view());
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 7; ++y)
      for (int x = 0; x < 11; ++x)
        ASSERT_EQ(nchw[(static_cast<std::size_t>(c) * 7 + y) * 11 + x],
                  nhwc[(static_cast<std::size_t>(y) * 11 + x) * 3 + c]);
}

TEST(Reference, EveryOutputDtypeIsTheConvertedFloat) {
  const auto img = test_images::noise_u8(19, 13, 3, 12);
  // Values spread over [-2.2, 2.7] so i8 / u8 saturate and round on both sides.
  const auto base = pf::resize(7, 5).filter(pf::Filter::bicubic) |
                    pf::normalize(pf::over(255.0f), {0.45f}, {0.2f});
  const pf::Plan pf32 = pf::make_plan(base | pf::cast<float>(), pf::InputShape::of(img.view()));
  const auto f = run<float>(pf32, img.view());
  auto with = [&](pf::DType t) {
    return pf::make_plan(base | pf::cast(t), pf::InputShape::of(img.view()));
  };
  const auto h = run<pf::f16>(with(pf::DType::f16), img.view());
  const auto b = run<pf::bf16>(with(pf::DType::bf16), img.view());
  const auto u = run<std::uint8_t>(with(pf::DType::u8), img.view());
  const auto i = run<std::int8_t>(with(pf::DType::i8), img.view());
  for (std::size_t k = 0; k < f.size(); ++k) {
    EXPECT_EQ(h[k], pf::to_f16(f[k]));
    EXPECT_EQ(b[k], pf::to_bf16(f[k]));
    EXPECT_EQ(u[k], pf::saturate_round<std::uint8_t>(f[k]));
    EXPECT_EQ(i[k], pf::saturate_round<std::int8_t>(f[k]));
  }
}

TEST(Reference, PaddingTakesThePadValueThroughNormalize) {
  const auto img = test_images::noise_u8(40, 20, 3, 13);
  const auto r =
      pf::letterbox(20, 20, 114.0f).compat(pf::Compat::opencv) | pf::rescale(pf::over(255.0f));
  const pf::Plan p = pf::make_plan(r, pf::InputShape::of(img.view()));
  const auto out = run<float>(p, img.view());
  EXPECT_EQ(p.y.valid_begin, 5);
  EXPECT_EQ(out[0], 114.0f / 255.0f);           // row 0 is padding
  EXPECT_NE(out[5 * 20 + 3], 114.0f / 255.0f);  // row 5 is image (noise, not 114)
}

TEST(Reference, ImagenetOnFloatInputUsesTheSameGeometry) {
  // f32 input in 0..255: Pillow mode F arithmetic; equals the u8 result within rounding.
  const auto u8 = test_images::noise_u8(300, 260, 3, 14);
  test_images::Image<float> f32{u8.width, u8.height, 3,
                                std::vector<float>(u8.pixels.begin(), u8.pixels.end())};
  const auto a =
      run<float>(pf::make_plan(pf::presets::imagenet(), pf::InputShape::of(u8.view())), u8.view());
  const auto b = run<float>(pf::make_plan(pf::presets::imagenet(), pf::InputShape::of(f32.view())),
                            f32.view());
  double max_diff = 0;
  for (std::size_t k = 0; k < a.size(); ++k)
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(a[k] - b[k])));
  EXPECT_LE(max_diff, 2.0 / 255 / 0.224);  // two u8 roundings (one per pass), over the smallest std
  EXPECT_GT(max_diff, 0.0);                // and the float path does not round
}

TEST(ReferenceValidation, InputOutputAndOverlap) {
  const auto img = test_images::noise_u8(30, 20, 3, 15);
  const pf::Plan p =
      pf::make_plan(pf::resize(10, 8) | pf::cast<float>(), pf::InputShape::of(img.view()));
  const auto other = test_images::noise_u8(31, 20, 3, 16);
  std::vector<float> out(p.output_elements());
  const pf::AnyTensorView good(out.data(), pf::DType::f32, pf::Layout::nchw, p.output_shape());
  expect_error(
      [&] { pf::run_reference(p, other.view(), good); },
      "input image: expected 30x20x3 u8 (the shape the plan was made for), got 31x20x3 u8");
  expect_error(
      [&] {
        pf::run_reference(p, img.view(),
                          pf::AnyTensorView(out.data(), pf::DType::f32, pf::Layout::nchw,
                                            {1, 3, 8, 9}));
      },
      "output tensor: expected extents (3, 8, 10), got (3, 8, 9)");
  expect_error(
      [&] {
        pf::run_reference(p, img.view(),
                          pf::AnyTensorView(out.data(), pf::DType::f16, pf::Layout::nchw,
                                            {1, 3, 8, 10}));
      },
      "output tensor: expected dtype f32, got f16");
  std::vector<std::uint8_t> shared(30 * 20 * 3 + 240 * 4);
  const pf::ImageView<const std::uint8_t, 3> in_shared(shared.data(), 30, 20);
  expect_error(
      [&] {
        pf::run_reference(p, in_shared,
                          pf::AnyTensorView(shared.data() + 100, pf::DType::f32, pf::Layout::nchw,
                                            {1, 3, 8, 10}));
      },
      "output tensor: expected memory disjoint from the input image, got a buffer that overlaps "
      "the input image");
}
