// Every SIMD target this machine runs equals the reference kernels, bit for bit, on
// randomised plans: every compat mode and filter, antialias on and off, u8 / u16 / f32
// inputs with 1, 3 and 4 channels, every output dtype and layout, crops, pads, flips,
// EXIF orientations, odd sizes, 1-pixel images, widths around every vector length, and
// strided and sub-rectangle views. The kernels come from pixfuse_kernels (compiled once,
// every target); run_static's shape-specialised ones are tested in static_shape_test.cpp.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "every_target.hpp"
#include "pixfuse/cpu/prefetch_level.hpp"
#include "pixfuse/cpu/value_form.hpp"
#include "pixfuse/plan/region.hpp"

namespace {

using namespace target_testing;

// pf::run(plan) on `target` gives run_reference's bytes: the first that differs is named
// (with `note` after the plan).
void expect_reference_bytes(const pf::Plan& plan, const pf::AnyImageView& view,
                            const std::string& target, const std::string& note = "") {
  const std::size_t bytes = plan.output_elements() * pf::size_of(plan.out_dtype);
  std::vector<unsigned char> want(bytes, 0xAB), got(bytes, 0xCD);
  pf::run_reference(plan, view,
                    pf::AnyTensorView(want.data(), plan.out_dtype, plan.layout,
                                      plan.output_shape()));
  pf::run(plan, view,
          pf::AnyTensorView(got.data(), plan.out_dtype, plan.layout, plan.output_shape()));
  std::size_t first_diff = bytes;
  for (std::size_t i = 0; i < bytes && first_diff == bytes; ++i)
    if (want[i] != got[i]) first_diff = i;
  EXPECT_EQ(first_diff, bytes) << target << ": " << describe(plan) << note
                               << ": first differing byte " << first_diff;
}

TEST_P(EveryTarget, EqualsTheReferenceOnRandomPlans) {
  ASSERT_EQ(pf::active_target(), GetParam());
  std::mt19937 rng(20261122);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int checked = 0;
  for (const Case& k : all_cases()) {
    for (int trial = 0; trial < 30; ++trial) {
      // u8 everywhere; u16 and f32 where the convention defines them (all but pil on
      // f32 nearest... every convention accepts them, with its float arithmetic).
      const pf::DType in_types[] = {pf::DType::u8, pf::DType::u8, pf::DType::u16, pf::DType::f32};
      const pf::DType t = in_types[pick(0, 3)];
      const int channels[] = {1, 3, 4};
      const int w = pick(0, 6) == 0 ? pick(1, 3) : pick(1, 90),
                h = pick(0, 6) == 0 ? pick(1, 3) : pick(1, 50);
      const Image img(t, w, h, channels[pick(0, 2)], pick(0, 1) ? 0 : pick(1, 9), rng);
      // Sometimes a sub-rectangle of the image.
      pf::AnyImageView view = img.view();
      if (pick(0, 4) == 0 && w > 3 && h > 3)
        view = view.subview({1, 1, w - pick(1, 2) - 1, h - pick(1, 2) - 1});
      const auto orientation = static_cast<pf::Orientation>(pick(0, 2) == 0 ? pick(1, 8) : 1);
      const pf::DynamicRecipe r =
          random_recipe(k, orientation_map(orientation).transposed ? view.height : view.width,
                        orientation_map(orientation).transposed ? view.width : view.height, rng);
      pf::Plan plan;
      try {
        plan = pf::make_plan(r, pf::InputShape::of(view, orientation));
      } catch (const pf::Error& e) {
        // Only combinations a convention does not define (torchvision lanczos3 without
        // antialias is not generated; pad value conflicts are): lowering errors are
        // tested elsewhere.
        EXPECT_NE(std::string(e.what()).find("pad value"), std::string::npos) << e.what();
        continue;
      }
      expect_reference_bytes(plan, view, GetParam());
      ++checked;
    }
  }
  EXPECT_GT(checked, 800);  // of 37 cases x 30 trials, minus pad-value conflicts
}

// identity path, which skips resampling: still the reference's bytes, in every convention,
// for every input type, channel count, output dtype and layout, across vector widths.
TEST_P(EveryTarget, IdentityResizeEqualsTheReference) {
  std::mt19937 rng(2026);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int checked = 0, identity = 0;
  for (const Case& k : all_cases()) {
    for (int trial = 0; trial < 8; ++trial) {
      const pf::DType in_types[] = {pf::DType::u8, pf::DType::u16, pf::DType::f32};
      const int channels[] = {1, 3, 4};
      const int w = pick(1, 70), h = pick(1, 5), c = channels[pick(0, 2)];
      Image img(in_types[pick(0, 2)], w, h, c, pick(0, 1) ? 0 : 3, rng);
      if (img.dtype == pf::DType::f32)  // -0 must come out as the reference's +0
        reinterpret_cast<float*>(img.bytes.data())[0] = -0.0f;
      pf::DynamicRecipe r;
      const int order = pick(0, 3);
      if (order == 0) r.add(pf::Channels(pf::to_rgb()));
      else if (order == 1) r.add(pf::swap_rb());
      else if (order == 2 && c == 4) r.add(pf::drop_alpha());
      r.add(pf::resize(w, h).filter(k.filter).compat(k.compat).antialias(k.antialias));
      if (pick(0, 1))
        r.add(pf::normalize(pf::over(255.0f), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}));
      r.add(pf::layout(pick(0, 1) ? pf::Layout::nchw : pf::Layout::nhwc));
      const pf::DType outs[] = {pf::DType::f32, pf::DType::f16, pf::DType::bf16, pf::DType::u8,
                                pf::DType::i8};
      r.add(pf::cast(outs[pick(0, 4)]));
      pf::Plan plan;
      try {
        plan = pf::make_plan(r, pf::InputShape::of(img.view()));
      } catch (const pf::Error&) {
        continue;  // a channel stage this input lacks (e.g. swap_rb on gray)
      }
      identity += plan.x.identity && plan.y.identity;
      const std::size_t bytes = plan.output_elements() * pf::size_of(plan.out_dtype);
      std::vector<unsigned char> want(bytes, 0xAB), got(bytes, 0xCD);
      pf::run_reference(plan, img.view(),
                        pf::AnyTensorView(want.data(), plan.out_dtype, plan.layout,
                                          plan.output_shape()));
      pf::run(plan, img.view(),
              pf::AnyTensorView(got.data(), plan.out_dtype, plan.layout, plan.output_shape()));
      EXPECT_EQ(want, got) << GetParam() << ": " << describe(plan);
      ++checked;
    }
  }
  EXPECT_GT(checked, 200);
  EXPECT_GT(identity, checked * 9 / 10);  // the lowering marks these plans identity
}

// The identity path hands u8 rows that follow one another to the store as one run of at
// most 2^24 pixels: an image of 4099 x 4096 pixels is two runs (4093 rows, then 3), and
// is still the reference's to the last row.
TEST_P(EveryTarget, IdentityRunsLongerThanTheirCapEqualTheReference) {
  std::mt19937 rng(20261206);
  const Image img(pf::DType::u8, 4099, 4096, 1, 0, rng);
  ASSERT_GT(static_cast<std::int64_t>(img.width) * img.height, std::int64_t{1} << 24);
  pf::DynamicRecipe r;  // one channel: both layouts are the same bytes
  r.add(pf::normalize(pf::over(255.0f), {0.485f}, {0.229f}));
  r.add(pf::cast(pf::DType::u8));
  const pf::Plan plan = pf::make_plan(r, pf::InputShape::of(img.view()));
  ASSERT_TRUE(plan.x.identity && plan.y.identity) << describe(plan);
  std::vector<unsigned char> want(plan.output_elements(), 0xAB), got(want.size(), 0xCD);
  pf::run_reference(plan, img.view(),
                    pf::AnyTensorView(want.data(), plan.out_dtype, plan.layout,
                                      plan.output_shape()));
  pf::run(plan, img.view(),
          pf::AnyTensorView(got.data(), plan.out_dtype, plan.layout, plan.output_shape()));
  EXPECT_TRUE(want == got) << GetParam() << ": " << describe(plan);
}

// A plan rebased onto the rectangle it reads (plan/region.hpp: what a region decode
// hands the kernels) gives the whole image's output: random plans with a crop before or
// after the resize, every orientation, run on exactly that rectangle's pixels.
TEST_P(EveryTarget, RegionPlansEqualTheReference) {
  std::mt19937 rng(4242);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int checked = 0, smaller = 0;
  for (const Case& k : all_cases()) {
    for (int trial = 0; trial < 8; ++trial) {
      const pf::DType in_types[] = {pf::DType::u8, pf::DType::u8, pf::DType::u16, pf::DType::f32};
      const int channels[] = {1, 3, 4};
      const int w = pick(8, 90), h = pick(8, 50);
      const Image img(in_types[pick(0, 3)], w, h, channels[pick(0, 2)], pick(0, 1) ? 0 : 3, rng);
      const auto orientation = static_cast<pf::Orientation>(pick(1, 8));
      const bool t = orientation_map(orientation).transposed;
      const int uw = t ? h : w, uh = t ? w : h;  // upright size
      pf::DynamicRecipe r;
      if (pick(0, 1)) {  // a window before the resize
        const int cw = pick(1, uw - 1), ch = pick(1, uh - 1);
        r.add(pf::crop(pick(0, uw - cw), pick(0, uh - ch), cw, ch));
        r.add(pf::resize(pick(1, 40), pick(1, 30))
                  .filter(k.filter)
                  .compat(k.compat)
                  .antialias(k.antialias));
      } else {  // a centre crop after it
        const int ow = pick(2, 60), oh = pick(2, 40);
        r.add(pf::resize(ow, oh).filter(k.filter).compat(k.compat).antialias(k.antialias));
        r.add(pf::center_crop(pick(1, ow), pick(1, oh)));
      }
      if (pick(0, 2) == 0) r.add(pf::hflip());
      r.add(pf::layout(pick(0, 1) ? pf::Layout::nchw : pf::Layout::nhwc));
      r.add(pf::cast(pick(0, 1) ? pf::DType::f32 : pf::DType::u8));
      const pf::Plan plan = pf::make_plan(r, pf::InputShape::of(img.view(), orientation));
      const pf::Rect region = pf::source_region(plan);
      if (region.width == 0) continue;
      smaller += region.width * region.height < static_cast<std::int64_t>(w) * h;
      const pf::Plan rebased = pf::for_region(plan, region);
      const std::size_t bytes = plan.output_elements() * pf::size_of(plan.out_dtype);
      std::vector<unsigned char> want(bytes, 0xAB), got(bytes, 0xCD);
      pf::run_reference(plan, img.view(),
                        pf::AnyTensorView(want.data(), plan.out_dtype, plan.layout,
                                          plan.output_shape()));
      pf::run(rebased, img.view().subview(region),
              pf::AnyTensorView(got.data(), plan.out_dtype, plan.layout, plan.output_shape()));
      EXPECT_EQ(want, got) << GetParam() << ": " << describe(plan) << ", region " << region.width
                           << "x" << region.height << "+" << region.x << "+" << region.y;
      ++checked;
    }
  }
  EXPECT_GT(checked, 200);
  EXPECT_GT(smaller, checked / 2);
}

// The u8 integer conventions' 16-bit multiply-add paths (cpu/fused/u8_driver-inl.h):
// images large enough for the whole-vector fills (windows of 16 to 64 pixels, blocks of 4
// to 16 rows, partial ones at the ends), every channel count (RGBA premultiplied in pil
// mode), every EXIF orientation, crops at the image's edges, up- and downscales, filters
// of 1 or 2 taps per output and of many, Pillow's weights split in two halves and not
// (shrinking by more than 128 leaves them below 2^15), every output dtype and layout.
TEST_P(EveryTarget, U8ConventionsEqualTheReference) {
  using F = pf::Filter;
  // The conventions with 8-bit arithmetic (not jax); torchvision's lanczos3 is left to
  // the tests over all_cases(), as before.
  std::vector<Case> cases;
  for (const Case& k : all_cases())
    if (k.compat != pf::Compat::jax &&
        !(k.compat == pf::Compat::torchvision && k.filter == F::lanczos3))
      cases.push_back(k);
  std::mt19937 rng(20261203);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int checked = 0;
  for (const Case& k : cases) {
    for (int trial = 0; trial < 7; ++trial) {
      const int channels[] = {1, 3, 4};
      const int c = channels[pick(0, 2)];
      const int w = pick(0, 3) == 0 ? pick(3, 40) : pick(40, 240),
                h = pick(0, 3) == 0 ? pick(3, 30) : pick(30, 150);
      const Image img(pf::DType::u8, w, h, c, pick(0, 1) ? 0 : pick(1, 7), rng);
      const auto orientation = static_cast<pf::Orientation>(pick(1, 8));
      const bool transposed = orientation_map(orientation).transposed;
      const int uw = transposed ? h : w, uh = transposed ? w : h;  // upright size
      pf::DynamicRecipe r;
      if (c == 4 && pick(0, 1))
        r.add(pf::Channels(pf::to_rgb()));        // drops alpha; else kept (premultiplied in pil)
      if (pick(0, 3) == 0 && uw > 6 && uh > 6) {  // a crop touching one or two edges
        const int cw = pick(uw / 2, uw - 1), ch = pick(uh / 2, uh - 1);
        r.add(pf::crop(pick(0, 1) ? 0 : uw - cw, pick(0, 1) ? 0 : uh - ch, cw, ch));
      }
      // Shrink by up to ~9 (sometimes by more than 128 along x), or enlarge by up to 3.
      int ow, oh;
      const int mode = pick(0, 9);
      if (mode < 6) ow = std::max(1, uw / pick(1, 9)), oh = std::max(1, uh / pick(1, 9));
      else if (mode < 9) ow = uw * pick(10, 30) / 10, oh = uh * pick(10, 30) / 10;
      else ow = std::max(1, uw / 130), oh = std::max(1, uh / pick(1, 3));
      if (pick(0, 5) == 0)
        r.add(pf::letterbox(ow + pick(0, 9), oh + pick(0, 9), static_cast<float>(pick(0, 255)))
                  .filter(k.filter)
                  .compat(k.compat)
                  .antialias(k.antialias));
      else r.add(pf::resize(ow, oh).filter(k.filter).compat(k.compat).antialias(k.antialias));
      if (pick(0, 3) == 0)
        r.add(pf::center_crop(std::max(1, ow - pick(0, 20)), std::max(1, oh - pick(0, 20))));
      if (pick(0, 1)) r.add(pf::normalize(pf::over(255.0f), {0.45f}, {0.226f}));
      r.add(pf::layout(pick(0, 1) ? pf::Layout::nchw : pf::Layout::nhwc));
      const pf::DType outs[] = {pf::DType::f32, pf::DType::f16, pf::DType::bf16, pf::DType::u8,
                                pf::DType::i8};
      r.add(pf::cast(outs[pick(0, 4)]));
      pf::Plan plan;
      try {
        plan = pf::make_plan(r, pf::InputShape::of(img.view(), orientation));
      } catch (const pf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("pad value"), std::string::npos) << e.what();
        continue;
      }
      expect_reference_bytes(plan, img.view(), GetParam());
      ++checked;
    }
  }
  EXPECT_GT(checked, 120);
}

// Pillow's horizontal pass has three SIMD forms on AVX3_DL: lanes = output values through
// byte permutes (permute_horizontal-inl.h) where groups of 16 lanes read within 128 bytes
// (bilinear downscales up to about 7x, stored orientation, no premultiplication), from
// RGB rows as they are (every channel used; windows at the row's end load under a mask)
// or from channel planes (1 or 4 channels, a subset, or RGB downscaled past the in-place
// windows), planes with a window per half group up to about 14x, and the transposing
// form otherwise; within those, one or two windows of 64 bytes (one-table permutes) up to
// about 3x and 4.2x for RGB in place, 3.7x and 7x for planes, else of 128 bytes. Scales
// on both sides of those bounds and well past them, source widths below and
// across the 64-pixel chunks the rows are split in and the 128-byte windows, output widths
// with partial groups, mirrored and transposed orientations, bicubic, alpha dropped (a
// subset of the channels) or premultiplied, and a crop at the right edge: the reference's
// bytes on every target.
TEST_P(EveryTarget, PillowHorizontalPassesEqualTheReference) {
  std::mt19937 rng(20261205);
  int checked = 0;
  const double scales[] = {1.3, 2.0, 2.6,  3.7,  5.0,  5.8,  6.5, 7.0,
                           7.4, 8.0, 12.5, 14.0, 15.0, 20.0, 40.0};
  const int source_widths[] = {23, 64, 130, 251, 700};
  for (double scale : scales)
    for (int w : source_widths)
      for (int c : {1, 3, 4}) {
        for (int variant = 0; variant < 4; ++variant) {
          const int h = 37 + variant;
          const Image img(pf::DType::u8, w, h, c, variant == 3 ? 5 : 0, rng);
          const pf::Orientation orientation = variant == 1   ? pf::Orientation::flip_x
                                              : variant == 2 ? pf::Orientation::transpose
                                                             : pf::Orientation::normal;
          const bool transposed = orientation_map(orientation).transposed;
          const int uw = transposed ? h : w, uh = transposed ? w : h;
          pf::DynamicRecipe r;
          if (c == 4 && variant != 0) r.add(pf::Channels(pf::to_rgb()));
          if (variant == 3 && uw > 8) r.add(pf::crop(uw / 5, 0, uw - uw / 5, uh));  // right edge
          const int cw = variant == 3 && uw > 8 ? uw - uw / 5 : uw;
          r.add(pf::resize(std::max(1, static_cast<int>(cw / scale)), std::max(1, uh / 3))
                    .filter(variant == 2 ? pf::Filter::bicubic : pf::Filter::bilinear)
                    .compat(pf::Compat::pil));
          r.add(pf::normalize(pf::over(255.0f), {0.485f}, {0.229f}));
          r.add(pf::layout(pf::Layout::nchw));
          r.add(pf::cast(pf::DType::f32));
          const pf::Plan plan = pf::make_plan(r, pf::InputShape::of(img.view(), orientation));
          expect_reference_bytes(plan, img.view(), GetParam());
          ++checked;
        }
      }
  EXPECT_EQ(checked, 15 * 5 * 3 * 4);
}

// The u8 conventions' vertical pass over pair rows has a second form on AVX3_DL: two
// pairs of ring rows at a time, four rows per lane times the weights' byte digits
// (cpu/fused/narrow_vertical-inl.h), 64 and then 32 columns a step, the rest as before.
// Vertical scales from enlargements (2 taps, one pair or two) to 40x (odd and even pair
// counts, a missing last pair), Pillow's 22-bit weights (three digits) with and without
// negative lobes and torchvision's 16-bit ones (two), output widths on both sides of 32
// and 64 (from a 1.5x horizontal pass: pair rows), 1 and 3 channels, u8 and f32 outputs:
// the reference's bytes on every target.
TEST_P(EveryTarget, U8VerticalPassesEqualTheReference) {
  std::mt19937 rng(20261207);
  int checked = 0;
  const double scales[] = {0.4, 0.9, 1.5, 2.0, 2.7, 3.3, 4.0, 5.5, 9.0, 17.0, 40.0};
  const int out_widths[] = {31, 32, 33, 63, 64, 65, 97, 150};
  struct Convention {
    pf::Compat compat;
    pf::Filter filter;
  };
  const Convention conventions[] = {{pf::Compat::pil, pf::Filter::bilinear},
                                    {pf::Compat::pil, pf::Filter::bicubic},
                                    {pf::Compat::pil, pf::Filter::lanczos3},
                                    {pf::Compat::torchvision, pf::Filter::bilinear}};
  for (double scale : scales)
    for (int ow : out_widths)
      for (const Convention& k : conventions) {
        const int c = (ow + checked) % 2 == 0 ? 3 : 1;
        const int oh = 5 + (ow % 3);
        const int h = std::max(2, static_cast<int>(oh * scale + 0.5));
        // About 1.5x along x: neither the identity nor two taps, which take other paths.
        const int w = ow * 3 / 2 + ow % 4;
        const Image img(pf::DType::u8, w, h, c, 0, rng);
        pf::DynamicRecipe r;
        r.add(pf::resize(ow, oh).filter(k.filter).compat(k.compat));
        const bool bytes = ow % 2 == 1;
        if (!bytes) r.add(pf::normalize(pf::over(255.0f), {0.485f}, {0.229f}));
        r.add(pf::layout(pf::Layout::nchw));
        r.add(pf::cast(bytes ? pf::DType::u8 : pf::DType::f32));
        const pf::Plan plan = pf::make_plan(r, pf::InputShape::of(img.view()));
        expect_reference_bytes(plan, img.view(), GetParam());
        ++checked;
      }
  EXPECT_EQ(checked, 11 * 8 * 4);
}

// An image whose last row ends at the last byte before an unmapped page: kernels that load
// whole vectors (the permute path's 128-byte windows, loaded under a mask at a row's end)
// must not touch it, nor the two-tap path's 8-byte words. Pillow downscales, and OpenCV's
// bilinear without antialias, of RGB, gray and RGBA rows across the window bound, widths
// that end mid-vector, a crop at the right edge, and EXIF-rotated inputs (whose upright rows
// are stored columns, read R at a time by the transposing pair fill): the reference's
// bytes, no fault.
TEST_P(EveryTarget, ImagesEndingBeforeAnUnmappedPageAreReadInside) {
  std::mt19937 rng(20261205);
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  int checked = 0;
  for (int c : {1, 3, 4})
    for (int w : {61, 200, 509})
      for (double scale : {2.0, 4.2, 6.6, 7.8, 11.0}) {
        const int h = 9;
        const std::size_t bytes = static_cast<std::size_t>(w * c * h);
        const std::size_t mapped = (bytes + page - 1) / page * page + page;
        void* memory =
            mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT_NE(memory, MAP_FAILED);
        auto* guard = static_cast<unsigned char*>(memory) + mapped - page;
        ASSERT_EQ(mprotect(guard, page, PROT_NONE), 0);
        unsigned char* data = guard - bytes;
        for (std::size_t i = 0; i < bytes; ++i) data[i] = static_cast<unsigned char>(rng());
        const pf::AnyImageView view(data, pf::DType::u8, w, h, c, w * c);
        for (bool crop : {false, true}) {
          pf::DynamicRecipe r;
          const int cw = crop ? w - w / 7 : w;
          if (crop) r.add(pf::crop(w / 7, 0, cw, h));
          const int ow = std::max(1, static_cast<int>(cw / scale));
          for (pf::Compat compat : {pf::Compat::pil, pf::Compat::opencv}) {
            pf::DynamicRecipe rc = r;
            rc.add(pf::resize(ow, 4).compat(compat).antialias(compat == pf::Compat::pil));
            rc.add(pf::cast(pf::DType::u8));
            const pf::Plan plan = pf::make_plan(rc, pf::InputShape::of(view));
            expect_reference_bytes(plan, view, GetParam());
            ++checked;
          }
        }
        // Upright h x w: the vertical pass shrinks the stored columns by `scale`.
        for (pf::Orientation o : {pf::Orientation::transpose, pf::Orientation::rotate_90_cw,
                                  pf::Orientation::rotate_90_ccw}) {
          pf::DynamicRecipe r;
          r.add(pf::resize(4, std::max(1, static_cast<int>(w / scale))).compat(pf::Compat::pil));
          r.add(pf::cast(pf::DType::u8));
          const pf::Plan plan = pf::make_plan(r, pf::InputShape::of(view, o));
          expect_reference_bytes(plan, view, GetParam());
          ++checked;
        }
        munmap(memory, mapped);
      }
  EXPECT_EQ(checked, 3 * 3 * 5 * (2 * 2 + 3));
}

// The store of u8 conventions computes each value map without division where the plan
// found that form equal to its table on all 256 values (Plan::division_free), by gathering
// the table, or by dividing, in the order of the CPU's costs (cpu/value_form.hpp) or as
// set_value_form asks: every way gives the reference's bytes, for the recipes users run
// (torchvision's and CLIP's constants, / 255, none), two-step maps (never division-free),
// every output dtype and layout, channel counts 1, 3 and 4.
TEST_P(EveryTarget, U8StoreEqualsTheReferenceWithAndWithoutDivisions) {
  std::mt19937 rng(20261204);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const pf::DType outs[] = {pf::DType::f32, pf::DType::f16, pf::DType::bf16, pf::DType::u8,
                            pf::DType::i8};
  int checked = 0, division_free = 0;
  for (int maps = 0; maps < 5; ++maps)
    for (int trial = 0; trial < 12; ++trial) {
      const int channels[] = {1, 3, 4};
      const int c = channels[trial % 3];
      const int w = pick(20, 300), h = pick(2, 40);
      const Image img(pf::DType::u8, w, h, c, pick(0, 1) ? 0 : pick(1, 7), rng);
      pf::DynamicRecipe r;
      if (c == 4 && maps < 2) r.add(pf::Channels(pf::to_rgb()));  // 3 means: alpha dropped
      if (trial % 4 == 0)  // normalise only (identity resize), or one of the u8 conventions
        r.add(pf::resize(w, h));
      else if (trial % 4 == 1) r.add(pf::resize(pick(8, w), pick(1, h)).compat(pf::Compat::pil));
      else if (trial % 4 == 2)
        r.add(pf::resize(pick(8, w), pick(1, h)).compat(pf::Compat::opencv).antialias(false));
      else r.add(pf::resize(pick(8, w * 2), pick(1, h * 2)).compat(pf::Compat::torchvision));
      if (maps == 0 && c == 1) r.add(pf::normalize(pf::over(255.0f), {0.485f}, {0.229f}));
      else if (maps == 0)
        r.add(pf::normalize(pf::over(255.0f), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}));
      else if (maps == 1 && c == 1)
        r.add(pf::normalize(pf::over(255.0f), {0.48145466f}, {0.26862954f}));
      else if (maps == 1)
        r.add(pf::normalize(pf::over(255.0f), {0.48145466f, 0.4578275f, 0.40821073f},
                            {0.26862954f, 0.26130258f, 0.27577711f}));
      else if (maps == 2) r.add(pf::rescale(pf::over(255.0f)));
      else if (maps == 4)  // two steps: the table or the divisions, never division-free
        r.add(pf::rescale(pf::over(255.0f)))
            .add(pf::normalize(pf::ScaleFactor{1.0f}, {0.5f}, {0.5f}));
      r.add(pf::layout(pick(0, 1) ? pf::Layout::nchw : pf::Layout::nhwc));
      r.add(pf::cast(outs[pick(0, 4)]));
      pf::Plan plan = pf::make_plan(r, pf::InputShape::of(img.view()));
      ASSERT_TRUE(pf::produces_u8(plan.arithmetic)) << describe(plan);
      EXPECT_EQ(plan.division_free, maps != 4) << describe(plan);
      division_free += plan.division_free;
      const std::size_t bytes = plan.output_elements() * pf::size_of(plan.out_dtype);
      std::vector<unsigned char> want(bytes, 0xAB);
      pf::run_reference(plan, img.view(),
                        pf::AnyTensorView(want.data(), plan.out_dtype, plan.layout,
                                          plan.output_shape()));
      for (bool allowed : {true, false})
        for (pf::ValueForm form : {pf::ValueForm::automatic, pf::ValueForm::division_free,
                                   pf::ValueForm::gather, pf::ValueForm::divisions}) {
          pf::Plan p = plan;
          p.division_free = p.division_free && allowed;
          pf::set_value_form(form);
          std::vector<unsigned char> got(bytes, 0xCD);
          pf::run(p, img.view(),
                  pf::AnyTensorView(got.data(), p.out_dtype, p.layout, p.output_shape()));
          pf::set_value_form(pf::ValueForm::automatic);
          EXPECT_EQ(want, got) << GetParam() << ": " << describe(p)
                               << (p.division_free ? ", division-free" : ", with the table")
                               << ", form " << static_cast<int>(form);
          ++checked;
        }
    }
  EXPECT_EQ(checked, 480);
  EXPECT_EQ(division_free, 48);
}

// The two-tap path (cpu/fused/two_tap-inl.h: at most two adjacent source columns per
// output, lanes = output columns and channels, stored orientation): filters of 1 or 2
// taps (nearest, aliased bilinear, Pillow's enlargements), odd and tiny widths (from the
// 4 flattened bytes the path needs up to windows past a vector), every channel count,
// crops touching the right or bottom edge, letterboxes (padding columns beside the
// valid ones), mirrors, up- and moderate downscales, u8 and float outputs.
TEST_P(EveryTarget, TwoTapPlansEqualTheReference) {
  using F = pf::Filter;
  std::vector<Case> cases = {{pf::Compat::pil, F::nearest, true},
                             {pf::Compat::pil, F::bilinear, true},
                             {pf::Compat::torchvision, F::nearest, false},
                             {pf::Compat::torchvision, F::nearest_exact, false},
                             {pf::Compat::torchvision, F::bilinear, false},
                             {pf::Compat::opencv, F::nearest, false},
                             {pf::Compat::opencv, F::nearest_exact, false},
                             {pf::Compat::opencv, F::bilinear, false},
                             {pf::Compat::opencv, F::linear_exact, false}};
  std::mt19937 rng(20261204);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int checked = 0;
  for (const Case& k : cases) {
    for (int trial = 0; trial < 16; ++trial) {
      const int channels[] = {1, 3, 4};
      const int c = channels[trial % 3];
      const int w = trial < 4 ? pick(2, 9) | 1 : pick(9, 300) | 1, h = pick(2, 90);
      const Image img(pf::DType::u8, w, h, c, pick(0, 1) ? 0 : pick(1, 5), rng);
      pf::DynamicRecipe r;
      if (c == 4)
        r.add(pf::Channels(pf::to_rgb()));      // Pillow premultiplies kept alpha: not this path
      if (pick(0, 2) == 0 && w > 4 && h > 4) {  // a crop touching the right and bottom edges
        const int cw = pick(w / 2, w - 1), ch = pick(h / 2, h - 1);
        r.add(pf::crop(w - cw, h - ch, cw, ch));
      }
      // Enlarge up to 4x, or shrink by less than 2 (bilinear keeps 2 taps there).
      int ow = pick(0, 1) ? w * pick(10, 40) / 10 : std::max(1, w * pick(55, 99) / 100);
      int oh = pick(0, 1) ? h * pick(10, 40) / 10 : std::max(1, h * pick(55, 99) / 100);
      if (k.filter == F::bilinear && k.compat == pf::Compat::pil)
        ow = w * pick(11, 40) / 10, oh = h * pick(11, 40) / 10;
      if (pick(0, 3) == 0)
        r.add(pf::letterbox(ow + pick(1, 9), oh + pick(0, 9), static_cast<float>(pick(0, 255)))
                  .filter(k.filter)
                  .compat(k.compat)
                  .antialias(k.antialias));
      else r.add(pf::resize(ow, oh).filter(k.filter).compat(k.compat).antialias(k.antialias));
      if (pick(0, 3) == 0) r.add(pf::hflip());
      if (pick(0, 1)) r.add(pf::normalize(pf::over(255.0f), {0.45f}, {0.226f}));
      r.add(pf::layout(pick(0, 1) ? pf::Layout::nchw : pf::Layout::nhwc));
      r.add(pf::cast(pick(0, 1) ? pf::DType::u8 : pf::DType::f32));
      pf::Plan plan;
      try {
        plan = pf::make_plan(r, pf::InputShape::of(img.view()));
      } catch (const pf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("pad value"), std::string::npos) << e.what();
        continue;
      }
      expect_reference_bytes(plan, img.view(), GetParam());
      checked += plan.x.paired.two_tap;
    }
  }
  EXPECT_GT(checked, 100);  // plans the two-tap path takes
}

// Big reductions without antialias (OpenCV's bilinear, nearest): a group of 16 lanes spans
// more than its 128-byte window, so the AVX-512 targets read its samples through a
// 256-byte window (four loads, two byte permutes on AVX3_DL, two 16-bit permutes on AVX3),
// past that, on AVX3_DL, as 8-byte words (one 8-lane gather and a byte permute) where they
// fit in eight, else by the 4-byte gather (reductions 3x to 24x take all of them); rows of
// every channel count, a crop at the right edge (the last windows and words end at the
// row's end).
TEST_P(EveryTarget, TwoTapBigReductionsEqualTheReference) {
  using F = pf::Filter;
  std::mt19937 rng(20261205);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int checked = 0;
  for (int trial = 0; trial < 36; ++trial) {
    const int channels[] = {1, 3, 4};
    const int c = channels[trial % 3];
    const int w = pick(200, 2400), h = pick(2, 12);
    const Image img(pf::DType::u8, w, h, c, 0, rng);
    pf::DynamicRecipe r;
    if (c == 4) r.add(pf::Channels(pf::to_rgb()));
    if (pick(0, 1)) {
      const int cw = pick(w / 2, w - 1);
      r.add(pf::crop(w - cw, 0, cw, h));
    }
    const F filters[] = {F::bilinear, F::nearest, F::nearest_exact};
    const F f = filters[pick(0, 2)];
    r.add(pf::resize(std::max(1, w / pick(3, 24)), std::max(1, h / 2))
              .filter(f)
              .compat(pf::Compat::opencv)
              .antialias(false));
    r.add(pf::cast(pf::DType::u8));
    const pf::Plan plan = pf::make_plan(r, pf::InputShape::of(img.view()));
    expect_reference_bytes(plan, img.view(), GetParam());
    checked += plan.x.paired.two_tap;
  }
  EXPECT_GT(checked, 30);  // plans the two-tap path takes
}

// The float32 conventions (JAX on any input, OpenCV and torchvision on f32 and u16:
// cpu/fused/real_*-inl.h) on images large enough for several blocks of rows at every
// vector width (16 rows on AVX-512): both pass orders, 1 tap (nearest, unit axes) to
// dozens (antialiased shrinks), upscales, 1, 3 and 4 channels, widths and heights around the
// vector lengths, crops at the edges, pads, flips, EXIF orientations, u8 / u16 / f32
// inputs, strided views, every output dtype and layout: the reference's bytes.
TEST_P(EveryTarget, FloatConventionsEqualTheReference) {
  std::mt19937 rng(20261202);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  // Sizes near multiples of 16 (and so of 8 and 4), or anything.
  auto side = [&](int most) {
    return pick(0, 1) ? std::max(1, std::min(most, 16 * pick(1, most / 16) + pick(-1, 1)))
                      : pick(1, most);
  };
  using F = pf::Filter;
  int checked = 0, vertical_first = 0, horizontal_first = 0, real_u16 = 0, one_tap = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const int which = pick(0, 9);
    Case k{pf::Compat::jax, F::bilinear, pick(0, 3) != 0};
    if (which < 6) {
      const F f[] = {F::nearest, F::bilinear, F::bilinear, F::bicubic, F::lanczos3, F::lanczos5};
      k.filter = f[pick(0, 5)];
    } else if (which < 8) {
      const F f[] = {F::nearest, F::bilinear, F::bicubic, F::lanczos4, F::area, F::linear_exact};
      k = {pf::Compat::opencv, f[pick(0, 5)], false};
    } else {
      const F f[] = {F::bilinear, F::bicubic, F::nearest};
      k = {pf::Compat::torchvision, f[pick(0, 2)], true};
      k.antialias = k.filter == F::nearest ? false : pick(0, 1) == 1;
    }
    const pf::DType in_types[] = {pf::DType::f32, pf::DType::f32, pf::DType::u8, pf::DType::u16};
    const pf::DType t = k.compat == pf::Compat::jax
                            ? in_types[pick(0, 3)]
                            : (pick(0, 2) ? pf::DType::f32 : pf::DType::u16);
    const int channel_counts[] = {1, 3, 4};
    const int w = side(150), h = side(120), c = channel_counts[pick(0, 2)];
    const Image img(t, w, h, c, pick(0, 1) ? 0 : pick(1, 7), rng);
    pf::AnyImageView view = img.view();
    if (pick(0, 5) == 0 && w > 4 && h > 4)
      view = view.subview({pick(0, 2), pick(0, 2), w - 3, h - 3});
    const auto orientation = static_cast<pf::Orientation>(pick(0, 2) == 0 ? pick(2, 8) : 1);
    const bool swap = orientation_map(orientation).transposed;
    const int uw = swap ? view.height : view.width, uh = swap ? view.width : view.height;
    pf::DynamicRecipe r;
    if (c >= 3 && pick(0, 2) == 0) r.add(pf::swap_rb());
    if (pick(0, 4) == 0 && uw > 2 && uh > 2)
      r.add(
          pf::crop(pick(0, 1) * (uw - 2), 0, 2 + pick(0, uw - 3) * pick(0, 1), uh));  // at an edge
    if (pick(0, 4) == 0) r.add(pf::Flip{{}, pick(0, 1) == 1, pick(0, 1) == 1});
    // Shrinks of every factor, and upscales.
    const int ow = pick(0, 3) == 0 ? pick(1, 2 * uw + 1) : pick(1, std::max(1, uw)),
              oh = pick(0, 3) == 0 ? pick(1, 2 * uh + 1) : pick(1, std::max(1, uh));
    if (pick(0, 5) == 0)
      r.add(pf::letterbox(ow, oh, 7.0f).filter(k.filter).compat(k.compat).antialias(k.antialias));
    else r.add(pf::resize(ow, oh).filter(k.filter).compat(k.compat).antialias(k.antialias));
    if (pick(0, 4) == 0) r.add(pf::center_crop(pick(1, ow + 4), pick(1, oh + 4)));
    if (pick(0, 5) == 0) r.add(pf::hflip());
    if (pick(0, 1)) r.add(pf::normalize(pf::over(255.0f), {0.485f}, {0.229f}));
    r.add(pf::layout(pick(0, 1) ? pf::Layout::nchw : pf::Layout::nhwc));
    const pf::DType outs[] = {pf::DType::f32,  pf::DType::f32, pf::DType::f16,
                              pf::DType::bf16, pf::DType::u8,  pf::DType::i8};
    r.add(pf::cast(outs[pick(0, 5)]));
    pf::Plan plan;
    try {
      plan = pf::make_plan(r, pf::InputShape::of(view, orientation));
    } catch (const pf::Error&) {
      continue;  // a combination the convention does not define
    }
    if (plan.arithmetic != pf::Arithmetic::real && plan.arithmetic != pf::Arithmetic::real_u16)
      continue;
    vertical_first += plan.vertical_first;
    horizontal_first += !plan.vertical_first && plan.x.max_taps > 1 && plan.y.max_taps > 1;
    real_u16 += plan.arithmetic == pf::Arithmetic::real_u16;
    one_tap += plan.x.max_taps == 1 || plan.y.max_taps == 1;
    expect_reference_bytes(plan, view, GetParam(), plan.vertical_first ? " vertical first" : "");
    ++checked;
  }
  EXPECT_GT(checked, 120);
  EXPECT_GT(vertical_first, 20);
  EXPECT_GT(horizontal_first, 20);
  EXPECT_GT(real_u16, 5);
  EXPECT_GT(one_tap, 10);
}

// The float32 conventions on a fixed grid (the random trials above may miss a class):
// each convention and input dtype x 1, 3 and 4 channels x odd widths around the vector
// lengths, one-pixel columns, upscales on both axes, one axis resized, wide shapes
// (horizontal pass first) and tall ones (JAX: vertical first), crops at the left-top and
// right-bottom edges, and the seeds' workload itself (512x512x3 f32 -> 224x224 jax linear,
// normalised, NCHW); each with that normalisation to NCHW f32 and raw to NHWC f32.
TEST_P(EveryTarget, FloatConventionsOnEveryShapeClass) {
  using F = pf::Filter;
  struct Way {
    pf::Compat compat;
    F filter;
    bool antialias;
    pf::DType in;
  };
  const Way ways[] = {{pf::Compat::jax, F::bilinear, true, pf::DType::f32},
                      {pf::Compat::jax, F::lanczos3, true, pf::DType::f32},
                      {pf::Compat::jax, F::bicubic, false, pf::DType::u8},
                      {pf::Compat::jax, F::bilinear, true, pf::DType::u16},
                      {pf::Compat::opencv, F::bilinear, false, pf::DType::f32},
                      {pf::Compat::opencv, F::area, false, pf::DType::f32},
                      {pf::Compat::opencv, F::lanczos4, false, pf::DType::u16},
                      {pf::Compat::torchvision, F::bicubic, true, pf::DType::f32}};
  struct Shape {
    int w, h;            // stored image
    int cx, cy, cw, ch;  // crop (cw == 0: none)
    int ow, oh;          // resize to
  };
  const Shape shapes[] = {
      {17, 15, 0, 0, 0, 0, 40, 33},      // upscale, both axes
      {129, 65, 0, 0, 0, 0, 31, 20},     // wide shrink
      {65, 129, 0, 0, 0, 0, 20, 31},     // tall shrink (jax: vertical first)
      {33, 33, 0, 0, 0, 0, 33, 15},      // one axis resized
      {150, 100, 0, 0, 71, 49, 23, 17},  // crop at the left and top edges
      {150, 100, 79, 51, 71, 49, 45,
       60},                          // crop at the right and bottom edges, width down, height up
      {1, 37, 0, 0, 0, 0, 5, 9},     // one-pixel column
      {97, 31, 0, 0, 0, 0, 130, 7},  // width up, height down
      {512, 512, 0, 0, 0, 0, 224, 224},  // the seeds' workload
  };
  std::mt19937 rng(20261203);
  int checked = 0, vertical_first = 0, upscales = 0;
  for (const Way& k : ways)
    for (const Shape& s : shapes)
      for (int c : {1, 3, 4})
        for (bool seeds_output : {true, false}) {
          if (s.w == 512 && (c != 3 || k.in != pf::DType::f32 || k.compat != pf::Compat::jax))
            continue;  // keep the test short
          const Image img(k.in, s.w, s.h, c, c == 3 ? 5 : 0, rng);
          pf::DynamicRecipe r;
          if (s.cw > 0) r.add(pf::crop(s.cx, s.cy, s.cw, s.ch));
          r.add(pf::resize(s.ow, s.oh).filter(k.filter).compat(k.compat).antialias(k.antialias));
          if (seeds_output) {
            if (c == 3)
              r.add(pf::normalize(1.0f, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}));
            else r.add(pf::normalize(pf::over(255.0f), {0.45f}, {0.226f}));
          }
          r.add(pf::layout(seeds_output ? pf::Layout::nchw : pf::Layout::nhwc));
          r.add(pf::cast(pf::DType::f32));
          const pf::Plan plan = pf::make_plan(r, pf::InputShape::of(img.view()));
          ASSERT_TRUE(plan.arithmetic == pf::Arithmetic::real ||
                      plan.arithmetic == pf::Arithmetic::real_u16)
              << describe(plan);
          vertical_first += plan.vertical_first;
          upscales += s.ow > (s.cw > 0 ? s.cw : s.w) || s.oh > (s.ch > 0 ? s.ch : s.h);
          const std::size_t bytes = plan.output_elements() * sizeof(float);
          std::vector<unsigned char> want(bytes, 0xAB), got(bytes, 0xCD);
          pf::run_reference(plan, img.view(),
                            pf::AnyTensorView(want.data(), plan.out_dtype, plan.layout,
                                              plan.output_shape()));
          pf::run(plan, img.view(),
                  pf::AnyTensorView(got.data(), plan.out_dtype, plan.layout, plan.output_shape()));
          std::size_t first_diff = bytes;
          for (std::size_t i = 0; i < bytes && first_diff == bytes; ++i)
            if (want[i] != got[i]) first_diff = i;
          EXPECT_EQ(first_diff, bytes) << GetParam() << ": " << describe(plan)
                                       << (plan.vertical_first ? " vertical first" : "")
                                       << ": first differing byte " << first_diff;
          ++checked;
        }
  EXPECT_EQ(checked,
            8 * 8 * 3 * 2 + 2 * 2);  // the seeds' shape: jax f32 linear and lanczos3, 3 channels
  EXPECT_GT(vertical_first, 20);
  EXPECT_GT(upscales, 80);
}

// The rows streamed from memory are asked for ahead of use into L1 or L2
// (cpu/prefetch_level.hpp): the float vertical pass (the seeds' workload, read in place)
// and the two-tap path's downscale from a photo-sized row give the reference's bytes at
// either level and at the automatic one.
TEST_P(EveryTarget, EveryPrefetchLevelGivesTheReferenceBytes) {
  std::mt19937 rng(20261206);
  const Image seeds(pf::DType::f32, 512, 512, 3, 0, rng);
  const Image photo(pf::DType::u8, 1500, 700, 3, 0, rng);
  pf::DynamicRecipe seeds_recipe;
  seeds_recipe.add(pf::resize(224, 224).compat(pf::Compat::jax))
      .add(pf::normalize(1.0f, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}))
      .add(pf::layout(pf::Layout::nchw))
      .add(pf::cast(pf::DType::f32));
  pf::DynamicRecipe direct_recipe;
  direct_recipe.add(pf::resize(224, 224).compat(pf::Compat::opencv).antialias(false))
      .add(pf::layout(pf::Layout::nchw))
      .add(pf::cast(pf::DType::f32));
  const pf::Plan seeds_plan = pf::make_plan(seeds_recipe, pf::InputShape::of(seeds.view()));
  const pf::Plan direct_plan = pf::make_plan(direct_recipe, pf::InputShape::of(photo.view()));
  ASSERT_TRUE(seeds_plan.vertical_first) << describe(seeds_plan);
  ASSERT_TRUE(direct_plan.x.paired.two_tap) << describe(direct_plan);
  int checked = 0;
  for (pf::PrefetchLevel level :
       {pf::PrefetchLevel::l1, pf::PrefetchLevel::l2, pf::PrefetchLevel::automatic}) {
    pf::set_prefetch_level(level);
    EXPECT_EQ(pf::prefetch_level(), level);
    expect_reference_bytes(seeds_plan, seeds.view(), GetParam());
    expect_reference_bytes(direct_plan, photo.view(), GetParam());
    checked += 2;
  }
  pf::set_prefetch_level(pf::PrefetchLevel::automatic);
  EXPECT_EQ(checked, 6);
}

// The level by name, as the benches' --prefetch spells it; anything else names the choices
// and leaves the level as it was.
TEST(PrefetchLevel, ByName) {
  pf::set_prefetch_level("l2");
  EXPECT_EQ(pf::prefetch_level(), pf::PrefetchLevel::l2);
  pf::set_prefetch_level("l1");
  EXPECT_EQ(pf::prefetch_level(), pf::PrefetchLevel::l1);
  try {
    pf::set_prefetch_level("l3");
    ADD_FAILURE() << "no error for l3";
  } catch (const pf::Error& e) {
    EXPECT_EQ(std::string(e.what()), "prefetch level: expected auto, l1 or l2, got l3");
  }
  EXPECT_EQ(pf::prefetch_level(), pf::PrefetchLevel::l1);
  pf::set_prefetch_level("auto");
  EXPECT_EQ(pf::prefetch_level(), pf::PrefetchLevel::automatic);
}

INSTANTIATE_TEST_SUITE_P(Targets, EveryTarget, ::testing::ValuesIn(pf::available_targets()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(Targets, ListAndSelection) {
  const std::vector<std::string> t = pf::available_targets();
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.back(), "scalar");
  EXPECT_EQ(pf::active_target(), t.front());
  pf::set_target("scalar");
  EXPECT_EQ(pf::active_target(), "scalar");
  pf::set_target("auto");
  EXPECT_EQ(pf::active_target(), t.front());
  try {
    pf::set_target("avx9000");
    FAIL();
  } catch (const pf::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("target: expected auto or one of: " + t.front(), 0), 0u)
        << e.what();
  }
}

// The automatic choice runs the float32 conventions' resampling on AVX2 where the CPU
// has AVX-512 (measured faster: docs/PERFORMANCE_LOG.md); a target asked for is kept, and
// every other plan runs on the best target.
TEST(Targets, FloatResamplingPrefersAvx2OnAvx512Cpus) {
  const std::vector<std::string> t = pf::available_targets();
  std::vector<float> pixels(64 * 48 * 3, 0.5f);
  const pf::AnyImageView in(pixels.data(), pf::DType::f32, 64, 48, 3, 64 * 3 * 4);
  const pf::Plan jax =
      pf::make_plan(pf::resize<24, 24>().filter(pf::Filter::bilinear).compat(pf::Compat::jax) |
                        pf::cast<float>(),
                    pf::InputShape::of(in));
  const pf::Plan normalise_only =
      pf::make_plan(pf::normalize(1.0f, {0.5f}, {0.25f}) | pf::cast<float>(),
                    pf::InputShape::of(in));
  ASSERT_EQ(jax.arithmetic, pf::Arithmetic::real);
  const bool avx512 = t.front() == "avx512" || t.front() == "avx512_dl";
  const bool has_avx2 = std::find(t.begin(), t.end(), "avx2") != t.end();
  pf::set_target("auto");
  EXPECT_EQ(pf::target_for(jax), avx512 && has_avx2 ? "avx2" : t.front());
  EXPECT_EQ(pf::target_for(normalise_only), t.front());  // no resampling: the best target
  EXPECT_EQ(pf::active_target(), t.front());
  pf::set_target(t.front());  // asked for: kept
  EXPECT_EQ(pf::target_for(jax), t.front());
  pf::set_target("scalar");
  EXPECT_EQ(pf::target_for(jax), "scalar");
  pf::set_target("auto");
}

}  // namespace
