// source_region / for_region: the stored pixels a plan reads, and the plan rebased onto
// a rectangle of them, which must give the whole image's output bit for bit (reference
// kernels here; every SIMD target in cpu/targets_test.cpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../test_images.hpp"
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/plan/region.hpp"
#include "pixfuse/recipe/presets.hpp"

namespace pf = pixfuse;

namespace {

std::vector<unsigned char> output_of(const pf::Plan& p, const pf::AnyImageView& in) {
  std::vector<unsigned char> out(p.output_elements() * pf::size_of(p.out_dtype), 0xAB);
  pf::run_reference(p, in, pf::AnyTensorView(out.data(), p.out_dtype, p.layout, p.output_shape()));
  return out;
}

// Recipes that read part of the image: center crops after a resize, a crop before it,
// a letterbox of a crop, flips, no resize at all, and one that reads everything.
using Lower = std::function<pf::Plan(const pf::InputShape&)>;
std::vector<std::pair<std::string, Lower>> recipes() {
  std::vector<std::pair<std::string, Lower>> r;
  auto add = [&](const std::string& name, auto recipe) {
    r.emplace_back(name, [recipe](const pf::InputShape& s) { return pf::make_plan(recipe, s); });
  };
  add("imagenet-like",
      pf::to_rgb() | pf::resize_shorter(24).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
          pf::center_crop(20, 20) | pf::nchw() | pf::cast<float>());
  add("bicubic crop", pf::resize_shorter(30).filter(pf::Filter::bicubic).compat(pf::Compat::pil) |
                          pf::center_crop(17, 11) | pf::nhwc() | pf::cast<std::uint8_t>());
  add("crop before resize", pf::crop(7, 4, 21, 19) |
                                pf::resize(13, 9).filter(pf::Filter::lanczos3) | pf::hflip() |
                                pf::nhwc() | pf::cast<std::uint8_t>());
  add("letterbox of a crop",
      pf::crop(3, 9, 25, 14) |
          pf::letterbox(16, 16, 114.0f).filter(pf::Filter::bilinear).compat(pf::Compat::opencv) |
          pf::nchw() | pf::cast<float>());
  add("crop only", pf::center_crop(11, 7) | pf::vflip() | pf::nhwc() | pf::cast<std::uint8_t>());
  add("crop past the edge", pf::crop(-3, 30, 12, 20) | pf::nhwc() | pf::cast<std::uint8_t>());
  add("whole image",
      pf::resize(10, 10).filter(pf::Filter::bilinear) | pf::nhwc() | pf::cast<std::uint8_t>());
  return r;
}

}  // namespace

TEST(Region, KnownRectanglesUnderEveryOrientation) {
  // Upright crop x in [10, 30), y in [5, 15) of a stored 50 x 40 image, no resize.
  const auto recipe = pf::crop(10, 5, 20, 10) | pf::nhwc() | pf::cast<std::uint8_t>();
  const int W = 50, H = 40;
  struct Expected {
    pf::Orientation o;
    pf::Rect r;
  };
  // Stored (x, y) of upright (u, v), per orientation_map: mirrors in stored coordinates.
  const Expected cases[] = {
      {pf::Orientation::normal, {10, 5, 20, 10}},
      {pf::Orientation::flip_x, {W - 30, 5, 20, 10}},
      {pf::Orientation::rotate_180, {W - 30, H - 15, 20, 10}},
      {pf::Orientation::flip_y, {10, H - 15, 20, 10}},
      {pf::Orientation::transpose, {5, 10, 10, 20}},
      {pf::Orientation::rotate_90_cw, {5, H - 30, 10, 20}},
      {pf::Orientation::transverse, {W - 15, H - 30, 10, 20}},
      {pf::Orientation::rotate_90_ccw, {W - 15, 10, 10, 20}},
  };
  for (const Expected& e : cases) {
    const pf::Plan p = pf::make_plan(recipe, pf::InputShape{W, H, 3, pf::DType::u8, e.o});
    EXPECT_EQ(pf::source_region(p), e.r) << "orientation " << static_cast<int>(e.o);
    EXPECT_FALSE(pf::reads_whole_input(p));
  }
}

TEST(Region, RebasedPlanOnTheRegionEqualsTheWholeImage) {
  int smaller = 0, checked = 0;
  for (const auto& [name, lower] : recipes())
    for (int o = 1; o <= 8; ++o)
      for (int channels : {1, 3, 4})
        for (auto [w, h] : {std::pair{47, 33}, std::pair{33, 47}, std::pair{64, 64}}) {
          const auto img =
              test_images::noise_u8(w, h, channels, static_cast<unsigned>(w * 100 + o + channels));
          const auto orientation = static_cast<pf::Orientation>(o);
          const pf::Plan plan = lower(pf::InputShape::of(img.view(), orientation));
          const std::vector<unsigned char> want = output_of(plan, img.view());
          const pf::Rect r = pf::source_region(plan);
          const std::string what = name + ", orientation " + std::to_string(o) + ", " +
                                   std::to_string(w) + "x" + std::to_string(h) + "x" +
                                   std::to_string(channels);
          ASSERT_GT(r.width, 0) << what;
          ASSERT_LE(r.x + r.width, w) << what;
          ASSERT_LE(r.y + r.height, h) << what;
          smaller += r.width * r.height < w * h;
          // The region itself, and larger rectangles around it.
          for (int grow : {0, 1, 3}) {
            const std::int64_t x0 = std::max<std::int64_t>(0, r.x - grow),
                               y0 = std::max<std::int64_t>(0, r.y - grow);
            const pf::Rect g{x0, y0, std::min<std::int64_t>(w, r.x + r.width + grow) - x0,
                             std::min<std::int64_t>(h, r.y + r.height + grow) - y0};
            const pf::Plan rebased = pf::for_region(plan, g);
            EXPECT_EQ(output_of(rebased, img.view().subview(g)), want)
                << what << ", grown by " << grow;
            ++checked;
          }
        }
  EXPECT_EQ(checked, 7 * 8 * 3 * 3 * 3);
  EXPECT_GT(smaller,
            5 * 8 * 3 * 3);  // all but the whole-image recipe (and degenerate sizes) read less
}

TEST(Region, ForRegionRefusesARectangleMissingPixels) {
  const pf::Plan p = pf::make_plan(pf::crop(10, 5, 20, 10) | pf::nhwc() | pf::cast<std::uint8_t>(),
                                   pf::InputShape{50, 40, 3, pf::DType::u8});
  for (const pf::Rect& bad :
       {pf::Rect{11, 5, 19, 10}, pf::Rect{10, 5, 20, 9}, pf::Rect{0, 0, 51, 40},
        pf::Rect{-1, 0, 40, 40}, pf::Rect{10, 5, 0, 10}}) {
    try {
      (void)pf::for_region(p, bad);
      ADD_FAILURE() << "accepted " << bad.width << "x" << bad.height << "+" << bad.x << "+"
                    << bad.y;
    } catch (const pf::Error& e) {
      EXPECT_NE(std::string(e.what()).find(
                    "for_region: expected a rectangle inside the 50x40 input containing the "
                    "20x10+10+5 pixels the plan reads"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_NO_THROW((void)pf::for_region(p, pf::Rect{0, 0, 50, 40}));
}

TEST(Region, ImagenetOnALandscapePhotoReadsAboutHalf) {
  // Resize shorter 256 + center crop 224 of a 1600 x 1066 photo: 87.5% of the short side
  // (plus the filter's reach), 58% of the long one.
  const pf::Plan p =
      pf::make_plan(pf::presets::imagenet(), pf::InputShape{1600, 1066, 3, pf::DType::u8});
  const pf::Rect r = pf::source_region(p);
  EXPECT_NEAR(static_cast<double>(r.width) / 1600, 224.0 / 384, 0.01);
  EXPECT_NEAR(static_cast<double>(r.height) / 1066, 224.0 / 256, 0.01);
}
