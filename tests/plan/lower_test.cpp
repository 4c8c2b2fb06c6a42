// Lowering: the size rules of the stages, folding of crops / pads / flips / orientation
// into the taps (checked against doing those operations on the pixels), and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "../test_images.hpp"
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/plan/compat/supports.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/presets.hpp"

namespace pf = pixfuse;
using test_images::Image;

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

pf::InputShape shape(int w, int h, int c = 3) { return {w, h, c, pf::DType::u8}; }

// The recipe's output as u8 NHWC (identity values), computed by the reference.
template <class R>
std::vector<std::uint8_t> run_u8(const R& recipe, const pf::AnyImageView& in,
                                 pf::Orientation o = pf::Orientation::normal) {
  const auto r = recipe | pf::nhwc() | pf::cast<std::uint8_t>();
  const pf::Plan p = pf::make_plan(r, pf::InputShape::of(in, o));
  std::vector<std::uint8_t> out(p.output_elements());
  pf::run_reference(p, in,
                    pf::AnyTensorView(out.data(), pf::DType::u8, pf::Layout::nhwc,
                                      p.output_shape()));
  return out;
}

// Pillow's ImageOps.exif_transpose, pixel by pixel from its table (out[row][col]).
template <class T>
Image<T> exif_transpose(const Image<T>& in, int orientation) {
  const int W = in.width, H = in.height;
  const bool swap = orientation >= 5;
  Image<T> out{swap ? H : W, swap ? W : H, in.channels, std::vector<T>(in.pixels.size())};
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      for (int c = 0; c < in.channels; ++c) {
        int row = y, col = x;
        // clang-format off
        switch (orientation) {
          case 2: col = W - 1 - x; break;                  // FLIP_LEFT_RIGHT
          case 3: row = H - 1 - y; col = W - 1 - x; break;  // ROTATE_180
          case 4: row = H - 1 - y; break;                  // FLIP_TOP_BOTTOM
          case 5: row = x; col = y; break;                  // TRANSPOSE
          case 6: row = x; col = H - 1 - y; break;          // ROTATE_270
          case 7: row = W - 1 - x; col = H - 1 - y; break;  // TRANSVERSE
          case 8: row = W - 1 - x; col = y; break;          // ROTATE_90
          default: break;
        }
        // clang-format on
        out.at(col, row, c) = in.at(x, y, c);
      }
  return out;
}

// The recipe's output as f32 NHWC (identity values), computed by the reference.
template <class R>
std::vector<float> run_f32(const R& recipe, const pf::AnyImageView& in,
                           pf::Orientation o = pf::Orientation::normal) {
  const auto r = recipe | pf::nhwc() | pf::cast<float>();
  const pf::Plan p = pf::make_plan(r, pf::InputShape::of(in, o));
  std::vector<float> out(p.output_elements());
  pf::run_reference(p, in,
                    pf::AnyTensorView(out.data(), pf::DType::f32, pf::Layout::nhwc,
                                      p.output_shape()));
  return out;
}

}  // namespace

TEST(Geometry, ResizeShorterFollowsTorchvision) {
  EXPECT_EQ(pf::make_plan(pf::recipe(pf::resize_shorter(256)), shape(640, 480)).out_width, 341);
  const pf::Plan portrait = pf::make_plan(pf::recipe(pf::resize_shorter(256)), shape(480, 640));
  EXPECT_EQ(portrait.out_width, 256);
  EXPECT_EQ(portrait.out_height, 341);
  const pf::Plan capped = pf::make_plan(pf::recipe(pf::resize_shorter(256, 300)), shape(1000, 200));
  EXPECT_EQ(capped.out_width, 300);
  EXPECT_EQ(capped.out_height, 60);  // int(300 * 256 / 1280)
  const pf::Plan longer = pf::make_plan(pf::recipe(pf::resize_longer(100)), shape(640, 427));
  EXPECT_EQ(longer.out_width, 100);
  EXPECT_EQ(longer.out_height, 66);
}

TEST(Geometry, CenterCropRoundsHalfToEven) {
  // 273 - 224 = 49: offset round(24.5) = 24 (Python rounds half to even), not 25.
  const auto img = test_images::noise_u8(273, 256, 1, 1);
  const auto out = run_u8(pf::recipe(pf::center_crop(224, 224)), img.view());
  EXPECT_EQ(out[0], img.at(24, 16, 0));
  EXPECT_EQ(out[223], img.at(24 + 223, 16, 0));
}

TEST(Geometry, CenterCropLargerThanTheImagePadsWithZeros) {
  const auto img = test_images::noise_u8(3, 2, 1, 2);
  const auto out = run_u8(pf::recipe(pf::center_crop(6, 5)), img.view());
  // Left padding (6 - 3) // 2 = 1, top (5 - 2) // 2 = 1.
  const std::vector<std::uint8_t> want = {0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          img.at(0, 0, 0),
                                          img.at(1, 0, 0),
                                          img.at(2, 0, 0),
                                          0,
                                          0,
                                          0,
                                          img.at(0, 1, 0),
                                          img.at(1, 1, 0),
                                          img.at(2, 1, 0),
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0};
  EXPECT_EQ(out, want);
}

TEST(Geometry, LetterboxFollowsUltralyticsAndReportsItsTransform) {
  const auto r = pf::letterbox(160, 160, 114.0f).compat(pf::Compat::opencv) | pf::cast<float>();
  const pf::Plan p = pf::make_plan(r, shape(640, 427));
  // r = 0.25: 160 x round(106.75) = 107; dh = 26.5 -> top round(26.4) = 26, bottom 27.
  EXPECT_EQ(p.out_width, 160);
  EXPECT_EQ(p.out_height, 160);
  EXPECT_EQ(p.y.valid_begin, 26);
  EXPECT_EQ(p.y.valid_end, 26 + 107);
  EXPECT_EQ(p.x.valid_begin, 0);
  EXPECT_EQ(p.pad_value, 114.0f);
  EXPECT_EQ(p.transform.y.offset, 26.0);  // detections: source = (out - 26) * 427 / 107
  EXPECT_EQ(p.transform.y.scale, 427.0 / 107.0);
  EXPECT_EQ(p.transform.source_x(40.0), 160.0);
  EXPECT_EQ(p.transform.source_y(26.0), 0.0);
  EXPECT_DOUBLE_EQ(p.transform.source_y(26.0 + 107.0), 427.0);
  EXPECT_DOUBLE_EQ(p.transform.output_y(427.0), 133.0);
}

TEST(Geometry, TransformFollowsCropsAndFlips) {
  // 200x100 -> resize 100x50 -> crop x from 10 -> hflip: output x = 0 is resized x = 89
  // (its right edge, 90), source edge 180.
  const pf::Plan p =
      pf::make_plan(pf::resize(100, 50) | pf::crop(10, 0, 80, 50) | pf::hflip(), shape(200, 100));
  EXPECT_EQ(p.transform.source_x(0.0), 180.0);
  EXPECT_EQ(p.transform.source_x(80.0), 20.0);
  EXPECT_EQ(p.transform.source_y(50.0), 100.0);
}

TEST(Folding, FlipAfterResizeMirrorsTheOutput) {
  const auto img = test_images::noise_u8(37, 23, 3, 3);
  const auto base = pf::resize(17, 11).filter(pf::Filter::bicubic);
  const auto plain = run_u8(pf::recipe(base), img.view());
  const auto flipped = run_u8(base | pf::hflip() | pf::vflip(), img.view());
  for (int y = 0; y < 11; ++y)
    for (int x = 0; x < 17; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(flipped[(static_cast<std::size_t>(y) * 17 + x) * 3 + c],
                  plain[(static_cast<std::size_t>(10 - y) * 17 + (16 - x)) * 3 + c]);
}

TEST(Folding, CropBeforeResizeEqualsResizingTheSubRectangle) {
  const auto img = test_images::noise_u8(40, 30, 3, 4);
  for (pf::Compat compat : {pf::Compat::pil, pf::Compat::opencv}) {
    const auto how = pf::resize(13, 9).filter(pf::Filter::bicubic).compat(compat);
    const auto cropped = run_u8(pf::crop(5, 3, 31, 22) | how, img.view());
    const auto direct = run_u8(pf::recipe(how), img.view().subview({5, 3, 31, 22}));
    EXPECT_EQ(cropped, direct) << pf::name(compat);
  }
}

TEST(Folding, FlipBeforeResizeEqualsResizingTheMirroredImage) {
  const auto img = test_images::noise_u8(29, 19, 3, 5);
  auto mirrored = img;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x)
      for (int c = 0; c < 3; ++c)
        mirrored.at(x, y, c) = img.at(img.width - 1 - x, img.height - 1 - y, c);
  for (pf::Compat compat : {pf::Compat::pil, pf::Compat::opencv}) {
    const auto how = pf::resize(12, 31).filter(pf::Filter::bicubic).compat(compat);
    EXPECT_EQ(run_u8(pf::hflip() | pf::vflip() | how, img.view()),
              run_u8(pf::recipe(how), mirrored.view()))
        << pf::name(compat);
  }
}

TEST(Folding, OrientationEqualsExifTransposeOfThePixels) {
  const auto img = test_images::noise_u8(23, 14, 3, 6);
  const pf::Filter filters[] = {pf::Filter::bilinear, pf::Filter::bicubic, pf::Filter::area};
  for (int o = 1; o <= 8; ++o)
    for (pf::Compat compat : {pf::Compat::pil, pf::Compat::opencv})
      for (pf::Filter f : filters) {
        const auto upright = exif_transpose(img, o);
        const auto how = pf::resize(9, 17).filter(f).compat(compat) | pf::center_crop(8, 15);
        EXPECT_EQ(run_u8(how, img.view(), static_cast<pf::Orientation>(o)),
                  run_u8(how, upright.view()))
            << "orientation " << o << " " << pf::name(compat) << " " << pf::name(f);
      }
}

// Float32 sums depend on their order: the float conventions sum in the order of the
// upright, unflipped image (descending stored indices under a mirror), so flips and EXIF
// orientations give the bits of resizing the flipped / transposed pixels, whichever axis
// the convention resamples first.
TEST(Folding, FloatSumsRunInTheUprightOrder) {
  const auto img = test_images::noise_f32(29, 19, 3, 8);
  auto mirrored = img;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x)
      for (int c = 0; c < 3; ++c)
        mirrored.at(x, y, c) = img.at(img.width - 1 - x, img.height - 1 - y, c);
  struct Way {
    pf::Compat compat;
    pf::Filter filter;
    int w, h;
  };
  // jax 12x31 from 29x19 resamples vertically first, 12x5 horizontally first.
  for (const Way& k : {Way{pf::Compat::jax, pf::Filter::lanczos3, 12, 31},
                       Way{pf::Compat::jax, pf::Filter::bicubic, 12, 5},
                       Way{pf::Compat::opencv, pf::Filter::lanczos4, 12, 31},
                       Way{pf::Compat::torchvision, pf::Filter::bicubic, 11, 7}}) {
    const auto how = pf::resize(k.w, k.h).filter(k.filter).compat(k.compat);
    const pf::Plan plan = pf::make_plan(pf::recipe(how), pf::InputShape::of(img.view()));
    EXPECT_EQ(plan.arithmetic, pf::Arithmetic::real);
    EXPECT_EQ(run_f32(pf::hflip() | pf::vflip() | how, img.view()),
              run_f32(pf::recipe(how), mirrored.view()))
        << pf::name(k.compat) << " vertical first " << plan.vertical_first;
    for (int o = 2; o <= 8; ++o) {
      const auto upright = exif_transpose(img, o);
      EXPECT_EQ(run_f32(pf::recipe(how), img.view(), static_cast<pf::Orientation>(o)),
                run_f32(pf::recipe(how), upright.view()))
          << "orientation " << o << " " << pf::name(k.compat);
    }
  }
}

TEST(Arithmetic, EachConventionSumsInTheLibrarysPrecision) {
  auto plan = [](pf::Compat c, pf::DType t, pf::Filter f = pf::Filter::bilinear) {
    return pf::make_plan(pf::recipe(pf::resize(20, 10).filter(f).compat(c)),
                         pf::InputShape{64, 48, 3, t});
  };
  EXPECT_EQ(plan(pf::Compat::jax, pf::DType::f32).arithmetic, pf::Arithmetic::real);
  EXPECT_EQ(plan(pf::Compat::jax, pf::DType::u8).arithmetic, pf::Arithmetic::real);
  EXPECT_EQ(plan(pf::Compat::opencv, pf::DType::f32).arithmetic, pf::Arithmetic::real);
  EXPECT_EQ(plan(pf::Compat::opencv, pf::DType::u16).arithmetic, pf::Arithmetic::real_u16);
  EXPECT_EQ(plan(pf::Compat::torchvision, pf::DType::f32).arithmetic, pf::Arithmetic::real);
  // Pillow's modes F and I sum in double (Resample.c).
  EXPECT_EQ(plan(pf::Compat::pil, pf::DType::f32).arithmetic, pf::Arithmetic::real_f64);
  EXPECT_EQ(plan(pf::Compat::pil, pf::DType::u16).arithmetic, pf::Arithmetic::round_half_away);
  for (pf::Filter f :
       {pf::Filter::bilinear, pf::Filter::bicubic, pf::Filter::lanczos3, pf::Filter::lanczos5}) {
    // jax taps leave out the zero weights at the window's ends.
    const pf::Plan p = plan(pf::Compat::jax, pf::DType::f32, f);
    for (const pf::AxisTaps* a : {&p.x, &p.y})
      for (int o = a->valid_begin; o < a->valid_end; ++o) {
        const int n = a->count[static_cast<std::size_t>(o)];
        ASSERT_GT(n, 0);
        EXPECT_NE(a->weight_row(o)[0], 0.0) << pf::name(f) << " output " << o;
        EXPECT_NE(a->weight_row(o)[n - 1], 0.0) << pf::name(f) << " output " << o;
      }
  }
}

// JAX's einsum contracts the axis opt_einsum finds cheaper first: height first when
// in_w * out_h * (in_h + out_w) <= in_h * out_w * (in_w + out_h) (checked against
// opt_einsum.contract_path on 3,000 random shapes).
TEST(Arithmetic, JaxContractsTheCheaperAxisFirst) {
  auto first = [](int w, int h, int ow, int oh, pf::Filter f = pf::Filter::bilinear,
                  pf::Compat c = pf::Compat::jax) {
    return pf::make_plan(pf::recipe(pf::resize(ow, oh).filter(f).compat(c)),
                         pf::InputShape{w, h, 3, pf::DType::f32})
        .vertical_first;
  };
  EXPECT_TRUE(first(512, 512, 224, 224));   // a tie: height first
  EXPECT_TRUE(first(384, 512, 224, 224));   // taller than wide
  EXPECT_FALSE(first(512, 384, 224, 224));  // wider than tall
  EXPECT_TRUE(first(64, 48, 20, 10));
  EXPECT_FALSE(first(64, 48, 20, 40));
  EXPECT_FALSE(first(512, 512, 512, 224));  // one axis resized: one contraction
  EXPECT_FALSE(first(512, 512, 224, 512));
  EXPECT_FALSE(first(512, 512, 224, 224, pf::Filter::nearest));  // no sums
  EXPECT_FALSE(first(512, 512, 224, 224, pf::Filter::bilinear, pf::Compat::opencv));
  EXPECT_FALSE(first(512, 512, 224, 224, pf::Filter::bilinear, pf::Compat::torchvision));
}

TEST(Channels, OrderGrayAndAlpha) {
  const auto rgba = test_images::noise_u8(2, 1, 4, 7);
  const auto bgr = run_u8(pf::recipe(pf::to_bgr()), rgba.view());
  EXPECT_EQ(bgr, (std::vector<std::uint8_t>{rgba.at(0, 0, 2), rgba.at(0, 0, 1), rgba.at(0, 0, 0),
                                            rgba.at(1, 0, 2), rgba.at(1, 0, 1), rgba.at(1, 0, 0)}));
  const auto gray = test_images::noise_u8(2, 1, 1, 8);
  const auto rgb = run_u8(pf::recipe(pf::to_rgb()), gray.view());
  EXPECT_EQ(rgb, (std::vector<std::uint8_t>{gray.at(0, 0, 0), gray.at(0, 0, 0), gray.at(0, 0, 0),
                                            gray.at(1, 0, 0), gray.at(1, 0, 0), gray.at(1, 0, 0)}));
  EXPECT_EQ(run_u8(pf::recipe(pf::drop_alpha()), rgba.view()).size(), 6u);
  EXPECT_EQ(run_u8(pf::recipe(pf::swap_rb()), gray.view()).size(), 2u);  // no-op on gray
}

// The presets' value maps have a division-free form equal to the table on every u8 value
// (what lets the SIMD store skip its divisions); a map of two steps has none, and the check
// catches a single differing value.
TEST(ValueMaps, DivisionFreeFormIsCheckedOnEveryU8Value) {
  for (const pf::Plan& p : {pf::make_plan(pf::presets::imagenet(), shape(500, 375)),
                            pf::make_plan(pf::presets::clip(), shape(500, 375)),
                            pf::make_plan(pf::presets::yolo(), shape(500, 375))}) {
    EXPECT_TRUE(p.division_free);
    for (int c = 0; c < p.out_channels; ++c)
      for (int v = 0; v < 256; ++v)
        EXPECT_EQ(p.division_free_maps[static_cast<std::size_t>(c)].apply(static_cast<float>(v)),
                  p.value(c, static_cast<float>(v)));
  }
  pf::ValueMap two;
  two.steps = {{255.0f, true, 0.0f, 1.0f}, {1.0f, false, 0.5f, 0.5f}};
  pf::DivisionFreeMap f;
  EXPECT_FALSE(pf::DivisionFreeMap::of(two, f));
  pf::ValueMap one;
  one.steps = {{255.0f, true, 0.485f, 0.229f}};
  ASSERT_TRUE(pf::DivisionFreeMap::of(one, f));
  std::vector<float> table(256);
  for (int v = 0; v < 256; ++v)
    table[static_cast<std::size_t>(v)] = one.apply(static_cast<float>(v));
  EXPECT_TRUE(f.exact_on_u8(table.data()));
  table[200] = std::nextafter(table[200], 10.0f);
  EXPECT_FALSE(f.exact_on_u8(table.data()));
}

TEST(StaticShape, PresetsCarryTheirShapeInTheOutputType) {
  using Imagenet = decltype(pf::presets::imagenet());
  static_assert(
      std::is_same_v<pf::output_view_t<Imagenet>,
                     pf::TensorView<float, pf::Layout::nchw, pf::extents<int, 3, 224, 224>>>);
  static_assert(std::is_same_v<pf::output_view_t<Imagenet, true>,
                               pf::TensorView<float, pf::Layout::nchw,
                                              pf::extents<int, pf::dynamic_extent, 3, 224, 224>>>);
  static_assert(pf::has_static_output_v<Imagenet>);
  static_assert(std::is_same_v<pf::static_output_t<Imagenet>, pf::StaticOutput<3, 224, 224>>);
  using Nhwc = decltype(pf::resize<64, 32>() | pf::nhwc() | pf::cast<pf::f16>());
  static_assert(
      std::is_same_v<
          pf::output_view_t<Nhwc>,
          pf::TensorView<pf::f16, pf::Layout::nhwc, pf::extents<int, 32, 64, pf::dynamic_extent>>>);
  const pf::Plan p = pf::make_plan(pf::presets::imagenet(), shape(500, 375));
  EXPECT_EQ(p.output_shape(), (pf::TensorShape{1, 3, 224, 224}));
}

TEST(StaticShape, RunTimeSizesAreDynamicExtent) {
  // One marker for every run-time size: stage sizes, the static shape, tensor extents.
  static_assert(std::is_same_v<pf::Resize<>, pf::Resize<pf::dynamic_extent, pf::dynamic_extent>>);
  using Dynamic = decltype(pf::resize(64, 32) | pf::nhwc() | pf::cast<pf::f16>());
  static_assert(Dynamic::static_shape.width == pf::dynamic_extent &&
                Dynamic::static_shape.height == pf::dynamic_extent);
  static_assert(!pf::has_static_output_v<Dynamic>);
  static_assert(
      std::is_same_v<pf::output_view_t<Dynamic>,
                     pf::TensorView<pf::f16, pf::Layout::nhwc,
                                    pf::extents<int, pf::dynamic_extent, pf::dynamic_extent,
                                                pf::dynamic_extent>>>);
  static_assert(pf::resize<64, 32>().width() == 64 && pf::resize<64, 32>().height() == 32);
  EXPECT_EQ(pf::resize(64, 32).width(), 64);
  EXPECT_EQ(pf::Resize<>().width(), -1);  // not set yet: lowering rejects it
}

TEST(Supports, LoweringAcceptsExactlyTheTablesCombinations) {
  for (pf::Compat c : pf::all_compats)
    for (pf::Filter f : pf::all_filters)
      for (bool aa : {false, true}) {
        const std::string what =
            pf::detail::to_text(pf::name(c), " ", pf::name(f), aa ? " antialiased" : "");
        std::string error;
        try {
          pf::make_plan(pf::recipe(pf::resize(10, 10).filter(f).compat(c).antialias(aa)),
                        shape(20, 20));
        } catch (const pf::Error& e) {
          error = e.what();
        }
        EXPECT_EQ(error.empty(), pf::supports(c, f, aa)) << what << ": " << error;
        if (!pf::supports(c, f) &&
            !(c == pf::Compat::pil && !aa)) {  // pil's antialias rule is reported first
          EXPECT_EQ(error, "resize filter: expected " + pf::filter_choices(c) + " for compat " +
                               std::string(pf::name(c)) + ", got " + std::string(pf::name(f)))
              << what;
        }
      }
}

TEST(Errors, NameTheStageAndTheProblem) {
  expect_error([] { pf::make_plan(pf::resize(10, 10) | pf::resize(5, 5), shape(20, 20)); },
               "resize: pixfuse resamples once per recipe; this recipe already resized");
  expect_error(
      [] { pf::make_plan(pf::recipe(pf::resize(10, 10).antialias(false)), shape(20, 20)); },
      "compat pil: Pillow always antialiases; use compat torchvision or jax to resize "
      "with antialias off");
  expect_error(
      [] {
        pf::make_plan(pf::recipe(pf::resize(10, 10).filter(pf::Filter::lanczos4)), shape(20, 20));
      },
      "resize filter: expected nearest, area (Pillow's BOX), bilinear, hamming, bicubic or "
      "lanczos3 "
      "for compat pil, got lanczos4");
  expect_error(
      [] {
        pf::make_plan(pf::recipe(pf::normalize(1.0f, {0.1f, 0.2f}, {1.0f, 1.0f})), shape(4, 4, 3));
      },
      "normalize: expected 3 mean/std values (one per channel) or 1, got 2 for an image with 3 "
      "channel(s) at that stage");
  expect_error(
      [] { pf::make_plan(pf::recipe(pf::crop(-1, 0, 5, 5) | pf::resize(3, 3)), shape(8, 8)); },
      "resize: pixfuse resamples once per recipe, before any padding; this recipe already resized, "
      "padded or cropped outside the image");
  expect_error([] { pf::make_plan(pf::pad(2, 114.0f) | pf::center_crop(20, 20), shape(8, 8)); },
               "center_crop pad value: expected 114 (the value an earlier stage pads with), got 0");
  expect_error([] { pf::make_plan(pf::recipe(pf::resize_shorter(0)), shape(8, 8)); },
               "resize_shorter size: expected > 0, got 0");
  expect_error(
      [] {
        pf::make_plan(pf::recipe(pf::resize(4, 4)), pf::InputShape{0, 4, 3, pf::DType::u8});
      },
      "input: expected a non-empty image, got 0x4");
}
