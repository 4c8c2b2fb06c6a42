// Region decoding (io/jpeg_turbo.hpp) and decoding for a plan (io/plan_decode.hpp).
//
// Region decodes must equal the same rectangle of the whole decode, bit for bit: checked
// at every row offset, every column offset and a spread of sizes, at scales 1, 1/2, 1/4
// and 1/8, on every JPEG layout libjpeg-turbo treats differently (4:4:4, 4:2:2, 4:2:0,
// 4:4:0, 4:1:1, gray, CMYK, progressive, progressive with incomplete coefficients,
// restart markers, arithmetic coding), all of odd sizes. The whole decodes themselves
// equal Pillow's. Then decode_for against Pillow's own pipelines under every EXIF
// orientation: Image.open + exif_transpose + resize + crop, and the draft() fast path.
// Fixtures: tests/data/jpeg, made by tests/data/make_jpeg_fixtures.py with Pillow and cjpeg.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/npy.hpp"
#include "pixfuse/io/plan_decode.hpp"
#include "pixfuse/recipe/recipe.hpp"

namespace pf = pixfuse;
namespace io = pixfuse::io;

namespace {

const std::string kJpeg = std::string(PIXFUSE_TEST_DATA_DIR) + "/data/jpeg/";

}  // namespace

#if PIXFUSE_HAVE_TURBOJPEG

namespace {

const char* const kLayouts[] = {"444",
                                "422",
                                "420",
                                "440",
                                "411",
                                "gray",
                                "cmyk",
                                "progressive",
                                "progressive_422",
                                "progressive_incomplete",
                                "restart",
                                "restart_blocks",
                                "arithmetic"};

io::DecodedImage decode(const std::vector<unsigned char>& bytes, int reduce,
                        const pf::Rect& region = {}) {
  io::DecodeOptions o;
  o.reduce = reduce;
  o.region = region;
  return io::decode(bytes.data(), bytes.size(), "test.jpg", o);
}

// The first (x, y) where `part` differs from `whole` inside part.region(), as text; ""
// when equal.
std::string first_difference(const io::DecodedImage& whole, const io::DecodedImage& part) {
  const pf::Rect r = part.region();
  const int c = whole.channels();
  const auto* w = static_cast<const std::uint8_t*>(whole.view().data);
  const auto* p = static_cast<const std::uint8_t*>(part.view().data);
  const std::int64_t stride = part.view().row_stride;
  for (std::int64_t y = 0; y < r.height; ++y)
    for (std::int64_t x = 0; x < r.width; ++x)
      if (std::memcmp(p + y * stride + x * c, w + ((r.y + y) * whole.width() + r.x + x) * c,
                      static_cast<std::size_t>(c)) != 0)
        return "pixel (" + std::to_string(r.x + x) + ", " + std::to_string(r.y + y) + ")";
  return "";
}

bool contains(const pf::Rect& outer, const pf::Rect& inner) {
  return outer.x <= inner.x && outer.y <= inner.y &&
         outer.x + outer.width >= inner.x + inner.width &&
         outer.y + outer.height >= inner.y + inner.height;
}

// Rectangles of a w x h image: every row offset and every column offset with a few
// sizes, and a grid of windows.
std::vector<pf::Rect> rectangles(int w, int h) {
  std::vector<pf::Rect> rs;
  for (int y = 0; y < h; ++y)
    for (int n : {1, 2, h - y}) rs.push_back({0, y, w, std::min(n, h - y)});
  for (int x = 0; x < w; ++x)
    for (int n : {1, 2, 3, w - x}) rs.push_back({x, 0, std::min(n, w - x), h});
  for (int y = 0; y < h; y += 3)
    for (int x = 0; x < w; x += 5)
      rs.push_back({x, y, std::max(1, (w - x) / 2), std::max(1, (h - y) / 3)});
  return rs;
}

}  // namespace

TEST(RegionDecode, WholeDecodesEqualPillow) {
  for (const char* layout : kLayouts) {
    const std::string name = std::string("layout_") + layout;
    const io::DecodedImage img = io::decode_file(kJpeg + name + ".jpg");
    const io::NpyArray ref = io::read_npy(kJpeg + name + ".pil.npy");
    ASSERT_EQ(img.height(), ref.shape[0]) << name;
    ASSERT_EQ(img.width(), ref.shape[1]) << name;
    ASSERT_EQ(ref.bytes.size(),
              static_cast<std::size_t>(img.width() * img.height() * img.channels()))
        << name;
    EXPECT_EQ(0, std::memcmp(img.view().data, ref.bytes.data(), ref.bytes.size())) << name;
  }
}

TEST(RegionDecode, EveryRectangleEqualsTheWholeDecode) {
  for (const char* layout : kLayouts) {
    const std::string name = std::string("layout_") + layout;
    const std::vector<unsigned char> bytes = io::read_file(kJpeg + name + ".jpg");
    for (int reduce : {1, 2, 4, 8}) {
      const io::DecodedImage whole = decode(bytes, reduce);
      const int w = whole.width(), h = whole.height();
      int partial = 0;
      for (const pf::Rect& want : rectangles(w, h)) {
        const io::DecodedImage part = decode(bytes, reduce, want);
        const pf::Rect got = part.region();
        const std::string what = name + " at 1/" + std::to_string(reduce) + ", asked " +
                                 std::to_string(want.width) + "x" + std::to_string(want.height) +
                                 "+" + std::to_string(want.x) + "+" + std::to_string(want.y);
        ASSERT_EQ(part.full_width(), w) << what;
        ASSERT_EQ(part.full_height(), h) << what;
        ASSERT_TRUE(contains(got, want)) << what;
        ASSERT_TRUE(contains(pf::Rect{0, 0, w, h}, got)) << what;
        ASSERT_EQ(part.width(), got.width) << what;
        ASSERT_EQ(first_difference(whole, part), "") << what;
        partial += part.is_region();
      }
      // Every layout but these two decodes less than the whole image for some rectangles.
      const bool whole_only =
          std::string(layout) == "411" || std::string(layout) == "progressive_incomplete";
      if (whole_only) EXPECT_EQ(partial, 0) << name << " at 1/" << reduce;
      else EXPECT_GT(partial, 0) << name << " at 1/" << reduce;
    }
  }
}

TEST(RegionDecode, DecodesOnlyTheIMCUsAroundTheRectangle) {
  // 4:2:0, 131 x 97: iMCUs of 16 x 16; one column of margin on each side of the crop.
  const std::vector<unsigned char> bytes = io::read_file(kJpeg + "orient1.jpg");
  const io::DecodedImage part = decode(bytes, 1, pf::Rect{40, 30, 50, 20});
  // Asked columns 40 .. 89: decoded 32 .. 90 (iMCU-aligned, one column of margin), of which
  // 33 .. 89 are exact (the crop's edge columns are not).
  EXPECT_EQ(part.region(), (pf::Rect{33, 30, 57, 20}));
  const io::DecodedImage edge = decode(bytes, 1, pf::Rect{0, 90, 131, 7});
  EXPECT_EQ(edge.region(), (pf::Rect{0, 90, 131, 7}));
  // A rectangle reaching outside the image is clipped to it, and widened to two iMCU
  // columns (decoded 96 .. 130); one wholly outside decodes all.
  EXPECT_EQ(decode(bytes, 1, pf::Rect{120, 80, 50, 50}).region(), (pf::Rect{97, 80, 34, 17}));
  EXPECT_EQ(decode(bytes, 1, pf::Rect{200, 0, 5, 5}).region(), (pf::Rect{0, 0, 131, 97}));
}

TEST(RegionDecode, ATruncatedFileIsAnErrorWhereverTheRegionIs) {
  // Cut in the entropy-coded data of the bottom rows: a region above the cut still fails,
  // as Pillow fails to load the file ("image file is truncated").
  std::vector<unsigned char> bytes = io::read_file(kJpeg + "orient1.jpg");
  bytes.resize(bytes.size() * 9 / 10);
  for (const pf::Rect& r : {pf::Rect{0, 0, 131, 10}, pf::Rect{40, 20, 30, 30}, pf::Rect{}}) {
    try {
      (void)decode(bytes, 1, r);
      ADD_FAILURE() << "a truncated file decoded";
    } catch (const pf::Error& e) {
      EXPECT_STREQ(e.what(), "test.jpg: cannot decode JPEG (Premature end of JPEG file)");
    }
  }
  // Without just its EOI marker too: the entropy decoder reads up to the marker after the
  // last row (Pillow: "image file is truncated (12 bytes not processed)").
  std::vector<unsigned char> no_eoi = io::read_file(kJpeg + "orient1.jpg");
  no_eoi.resize(no_eoi.size() - 2);
  EXPECT_THROW((void)decode(no_eoi, 1, pf::Rect{0, 0, 131, 10}), pf::Error);
  EXPECT_THROW((void)decode(no_eoi, 1), pf::Error);
}

#endif  // PIXFUSE_HAVE_TURBOJPEG

namespace {

// The recipes of the Pillow fixtures (tests/data/make_jpeg_fixtures.py), u8 HWC outputs.
auto imagenet_like() {
  return pf::to_rgb() |
         pf::resize_shorter(24).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
         pf::center_crop(20, 20) | pf::nhwc() | pf::cast<std::uint8_t>();
}
auto window() {
  return pf::to_rgb() | pf::crop(31, 17, 61, 73) |
         pf::resize(40, 30).filter(pf::Filter::bilinear).compat(pf::Compat::pil) | pf::nhwc() |
         pf::cast<std::uint8_t>();
}

template <class R>
std::vector<std::uint8_t> run_for(const R& recipe, const std::string& file,
                                  const io::PlanDecodeOptions& o,
                                  io::PlannedImage* keep = nullptr) {
  const std::vector<unsigned char> bytes = io::read_file(file);
  io::PlannedImage p = io::decode_for(io::uncached(recipe), bytes.data(), bytes.size(), file, o);
  std::vector<std::uint8_t> out(p.plan->output_elements());
  pf::run_reference(*p.plan, p.image.view(),
                    pf::AnyTensorView(out.data(), p.plan->out_dtype, p.plan->layout,
                                      p.plan->output_shape()));
  if (keep) *keep = std::move(p);
  return out;
}

std::vector<std::uint8_t> fixture(const std::string& path) {
  const io::NpyArray a = io::read_npy(path);
  return {a.bytes.begin(), a.bytes.end()};
}

// Largest |a - b|; -1 when the sizes differ.
int max_diff(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  if (a.size() != b.size()) return -1;
  int worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(int(a[i]) - int(b[i])));
  return worst;
}

}  // namespace

TEST(DecodeFor, ExactUnderEveryOrientationEqualsPillow) {
  for (int o = 1; o <= 8; ++o) {
    const std::string file = kJpeg + "orient" + std::to_string(o) + ".jpg";
    for (bool region : {true, false}) {
      io::PlanDecodeOptions opt;
      opt.region = region;
      io::PlannedImage p;
      const std::vector<std::uint8_t> got = run_for(imagenet_like(), file, opt, &p);
      const std::vector<std::uint8_t> win = run_for(window(), file, opt);
      EXPECT_EQ(p.orientation, static_cast<pf::Orientation>(o));
      EXPECT_EQ(p.image.reduction(), 1);
      if (io::have_turbojpeg()) {
        EXPECT_EQ(got, fixture(kJpeg + "orient" + std::to_string(o) + ".exact.npy"))
            << "orientation " << o;
        EXPECT_EQ(win, fixture(kJpeg + "orient" + std::to_string(o) + ".window.npy"))
            << "orientation " << o;
        EXPECT_EQ(p.image.is_region(), region) << "orientation " << o;
      } else {  // stb_image: its own IDCT and upsampling, close to Pillow's
        EXPECT_LE(max_diff(got, fixture(kJpeg + "orient" + std::to_string(o) + ".exact.npy")), 16)
            << o;
        EXPECT_FALSE(p.image.is_region());
      }
    }
  }
}

TEST(DecodeFor, PilDraftRuleEqualsPillowsDraftPipeline) {
  if (!io::have_turbojpeg()) GTEST_SKIP() << "built without libjpeg-turbo: no DCT scaling";
  for (int o = 1; o <= 8; ++o) {
    const std::string file = kJpeg + "orient" + std::to_string(o) + ".jpg";
    for (bool region : {true, false}) {
      io::PlanDecodeOptions opt;
      opt.fast = io::FastDecode::pil;
      opt.region = region;
      io::PlannedImage p;
      const std::vector<std::uint8_t> got = run_for(imagenet_like(), file, opt, &p);
      // 131 x 97 drafted to Resize(24)'s 32 x 24: min(131 // 32, 97 // 24) = 4 -> 1/4.
      EXPECT_EQ(p.image.reduction(), 4);
      EXPECT_EQ(p.image.full_width(), 33);
      EXPECT_EQ(got, fixture(kJpeg + "orient" + std::to_string(o) + ".draft.npy"))
          << "orientation " << o;
    }
  }
  // pixfuse's own rule keeps a 2x margin: 97 / 24 = 4.04 -> only 1/2.
  io::PlanDecodeOptions conservative;
  conservative.fast = io::FastDecode::conservative;
  io::PlannedImage p;
  (void)run_for(imagenet_like(), kJpeg + "orient1.jpg", conservative, &p);
  EXPECT_EQ(p.image.reduction(), 2);
}

TEST(DecodeFor, DraftRuleFollowsPillow) {
  EXPECT_EQ(io::pil_draft_reduction(1600, 1066, 384, 256), 4);  // min(4, 4)
  EXPECT_EQ(io::pil_draft_reduction(1600, 1066, 385, 256), 4);  // 1600 // 385 = 4
  EXPECT_EQ(io::pil_draft_reduction(4000, 3000, 341, 256), 8);  // min(11, 11) -> 8
  EXPECT_EQ(io::pil_draft_reduction(500, 375, 341, 256), 1);
  EXPECT_EQ(io::pil_draft_reduction(1024, 300, 256, 75), 4);
  EXPECT_EQ(io::pil_draft_reduction(1023, 768, 341, 256), 2);  // min(3, 3) -> 2
  // A recipe without a resize calls no draft().
  const pf::Plan crop_only =
      pf::make_plan(pf::center_crop(224, 224) | pf::nchw() | pf::cast<float>(),
                    pf::InputShape{1600, 1066, 3, pf::DType::u8});
  EXPECT_EQ(io::pil_draft_reduction(crop_only), 1);
}

TEST(DecodeFor, OtherFormatsDecodeWhole) {
  const std::string png = std::string(PIXFUSE_TEST_DATA_DIR) + "/data/bad/gray.png";
  io::PlanDecodeOptions opt;
  opt.fast = io::FastDecode::pil;
  io::PlannedImage p;
  (void)run_for(pf::to_rgb() | pf::resize_shorter(4).filter(pf::Filter::bilinear) |
                    pf::center_crop(3, 3) | pf::nhwc() | pf::cast<std::uint8_t>(),
                png, opt, &p);
  EXPECT_EQ(p.info.format, "png");
  EXPECT_FALSE(p.image.is_region());
  EXPECT_EQ(p.image.reduction(), 1);
}
