// PairedTaps (plan/paired_taps.hpp): the int16 pair tables the 16-bit multiply-add kernels
// read hold exactly the plan's fixed-point weights, merged per source slot (pairs) or per
// source index (two_tap), split in hi * 2^shift + lo where a weight does not fit int16;
// also once a plan is rebased onto the rectangle it reads (for_region); and the flags that
// choose the kernels (exact, two_tap, shift) are set where they should.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "pixfuse/plan/lower.hpp"
#include "pixfuse/plan/region.hpp"
#include "pixfuse/recipe/presets.hpp"

namespace pf = pixfuse;

namespace {

std::int32_t low16(std::uint32_t v) { return static_cast<std::int16_t>(v & 0xFFFFu); }
std::int32_t high16(std::uint32_t v) { return static_cast<std::int16_t>(v >> 16); }

// Weight j (0: low half, 1: high half) of a packed lane, joined from the hi and lo tables.
std::int64_t joined(const pf::PairedTaps& t, std::uint32_t hi, std::uint32_t lo, int j) {
  const std::int64_t h = j == 0 ? low16(hi) : high16(hi);
  if (t.shift == 0) return h;
  // lo halves are in [0, 2^shift): unsigned in the lane.
  const std::int64_t l = j == 0 ? (lo & 0xFFFFu) : (lo >> 16);
  return h * (std::int64_t{1} << t.shift) + l;
}

// Checks one axis's tables against its fixed weights; returns a description of the first
// mismatch, or "".
std::string check_axis(const pf::AxisTaps& a) {
  const pf::PairedTaps& t = a.paired;
  if (!t.exact) return "";
  if (t.negative !=
      std::any_of(a.fixed.begin(), a.fixed.end(), [](std::int32_t q) { return q < 0; }))
    return "the negative-weight flag";
  const auto K = static_cast<std::size_t>(a.max_taps);
  const auto P = static_cast<std::size_t>(t.max_pairs);
  for (int o = a.valid_begin; o < a.valid_end; ++o) {
    const auto u = static_cast<std::size_t>(o);
    // The fixed weights merged per slot and per source index.
    std::map<int, std::int64_t> by_slot, by_index;
    for (int k = 0; k < a.count[u]; ++k) {
      by_slot[a.source_slots[u * K + static_cast<std::size_t>(k)]] +=
          a.fixed[u * K + static_cast<std::size_t>(k)];
      by_index[a.indices[u * K + static_cast<std::size_t>(k)]] +=
          a.fixed[u * K + static_cast<std::size_t>(k)];
    }
    // pairs: slots 2 first .. 2 (first + count) - 1, every merged weight there and no other.
    std::map<int, std::int64_t> from_pairs;
    for (int m = 0; m < t.count[u]; ++m) {
      const std::uint32_t hi = t.hi[u * P + static_cast<std::size_t>(m)];
      const std::uint32_t lo = t.shift > 0 ? t.lo[u * P + static_cast<std::size_t>(m)] : 0u;
      for (int j = 0; j < 2; ++j) {
        const std::int64_t w = joined(t, hi, lo, j);
        if (w != 0) from_pairs[2 * (t.first[u] + m) + j] = w;
      }
    }
    for (auto it = by_slot.begin(); it != by_slot.end();)
      it = it->second == 0 ? by_slot.erase(it) : std::next(it);
    if (from_pairs != by_slot) return "pairs of output " + std::to_string(o);
    // digits: the same weights, slot by slot from the first nonzero one to the last, each
    // digit a signed byte (the int8_t type holds that), the top one 0 where byte_digits
    // is 2.
    if (t.byte_digits == 0) return "no byte digits for an exact table";
    const int n = t.digit_count[u];
    if (by_slot.empty() ? n != 0
                        : t.digit_first[u] != by_slot.begin()->first ||
                              t.digit_first[u] + n - 1 != by_slot.rbegin()->first)
      return "digit slots of output " + std::to_string(o);
    const std::int8_t* d[3] = {t.digit_row(o, 0), t.digit_row(o, 1), t.digit_row(o, 2)};
    for (std::size_t s = 0; s < t.quad_slots(); ++s) {
      const std::int64_t q = d[0][s] + 256 * std::int64_t{d[1][s]} + 65536 * std::int64_t{d[2][s]};
      const auto it = by_slot.find(t.digit_first[u] + static_cast<int>(s));
      const bool inside = s < static_cast<std::size_t>(n);
      if (q != (inside && it != by_slot.end() ? it->second : 0))
        return "digits of output " + std::to_string(o) + " slot " + std::to_string(s);
      if (t.byte_digits == 2 && d[2][s] != 0)
        return "a third digit where byte_digits is 2, output " + std::to_string(o);
    }
    // pair digits: the pairs' weights two pairs to an entry, four slots of a digit per
    // word (byte j: slot 2 first + 4 i + j), 0 past the last pair.
    if (t.max_quads != (t.max_pairs + 1) / 2) return "max_quads";
    const std::uint32_t* e = t.pair_digit_row(o);
    for (int i = 0; i < t.max_quads; ++i)
      for (int j = 0; j < 4; ++j) {
        std::int64_t q = 0;
        for (int k = 0; k < 3; ++k)
          q += (std::int64_t{1} << (8 * k)) *
               static_cast<std::int8_t>(static_cast<std::uint8_t>(e[3 * i + k] >> (8 * j)));
        const int slot = 2 * t.first[u] + 4 * i + j;
        const auto it = by_slot.find(slot);
        const bool inside = slot < 2 * (t.first[u] + t.count[u]);
        if (q != (inside && it != by_slot.end() ? it->second : 0))
          return "pair digits of output " + std::to_string(o) + " slot " + std::to_string(slot);
      }
    if (!t.two_tap) continue;
    // two_tap: base, base + 1 inside the clamp range, carrying every nonzero weight.
    const int b = t.base[u];
    if (b < a.clamp_begin || b + 1 >= a.clamp_end)
      return "two_tap base out of range at output " + std::to_string(o);
    std::map<int, std::int64_t> from_two;
    for (int j = 0; j < 2; ++j) {
      const std::int64_t w = joined(t, t.two_hi[u], t.shift > 0 ? t.two_lo[u] : 0u, j);
      if (w != 0) from_two[b + j] = w;
    }
    for (auto it = by_index.begin(); it != by_index.end();)
      it = it->second == 0 ? by_index.erase(it) : std::next(it);
    if (from_two != by_index) return "two_tap of output " + std::to_string(o);
  }
  return "";
}

// A resize of a w x h image (of its part right of cx and below cy).
pf::Plan plan_of(pf::Compat compat, pf::Filter filter, bool antialias, int w, int h, int ow, int oh,
                 int c = 3, int cx = 0, int cy = 0) {
  pf::DynamicRecipe r;
  if (cx > 0 || cy > 0) r.add(pf::crop(cx, cy, w - cx, h - cy));
  r.add(pf::resize(ow, oh).filter(filter).compat(compat).antialias(antialias));
  r.add(pf::cast(pf::DType::u8));
  return pf::make_plan(r, pf::InputShape{w, h, c, pf::DType::u8});
}

TEST(PairedTaps, HoldTheFixedWeightsExactly) {
  using F = pf::Filter;
  struct Case {
    pf::Compat compat;
    F filter;
    bool antialias;
  };
  std::vector<Case> cases;
  for (F f : {F::nearest, F::area, F::bilinear, F::hamming, F::bicubic, F::lanczos3})
    cases.push_back({pf::Compat::pil, f, true});
  for (F f : {F::nearest, F::nearest_exact, F::bilinear, F::bicubic})
    for (bool aa : {false, true}) cases.push_back({pf::Compat::torchvision, f, aa});
  for (F f : {F::nearest, F::nearest_exact, F::bilinear, F::linear_exact, F::bicubic, F::lanczos4,
              F::area})
    cases.push_back({pf::Compat::opencv, f, false});
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int exact = 0, two_tap = 0, split = 0, three_digits = 0, checked = 0;
  for (const Case& k : cases)
    for (int trial = 0; trial < 20; ++trial) {
      const int w = pick(1, 400), h = pick(1, 300);
      const int ow = pick(0, 2) == 0 ? pick(1, 3 * w) : std::max(1, w / pick(1, 12));
      const int oh = pick(0, 2) == 0 ? pick(1, 3 * h) : std::max(1, h / pick(1, 12));
      const bool crop = trial % 2 && w > 2 && h > 2;
      const pf::Plan whole = plan_of(k.compat, k.filter, k.antialias, w, h, ow, oh, 3,
                                     crop ? pick(1, w / 2) : 0, crop ? pick(1, h / 2) : 0);
      // Rebased onto the rectangle it reads (plan/region.hpp), the tables follow the indices.
      const pf::Rect region = pf::source_region(whole);
      const pf::Plan p = crop && region.width > 0 ? pf::for_region(whole, region) : whole;
      for (const pf::AxisTaps* a : {&p.x, &p.y}) {
        if (a->fixed.empty()) continue;
        EXPECT_EQ(check_axis(*a), "")
            << pf::name(k.compat) << " " << pf::name(k.filter) << (k.antialias ? " aa " : " ") << w
            << "x" << h << " -> " << ow << "x" << oh;
        ++checked;
        exact += a->paired.exact;
        two_tap += a->paired.two_tap;
        split += a->paired.shift > 0;
        three_digits += a->paired.byte_digits == 3;
      }
    }
  EXPECT_GT(checked, 600);
  EXPECT_GT(exact, checked * 9 / 10);  // every convention here but some extreme shrinks
  EXPECT_GT(two_tap, checked / 5);
  EXPECT_GT(split, checked / 10);  // Pillow's 22-bit weights
  EXPECT_GE(three_digits, split);  // 22 bits need three bytes
}

// Balanced base 256: digits in [-128, 127], as many as the value needs.
TEST(PairedTaps, SplitBytesIntoSignedDigits) {
  struct Case {
    std::int64_t q;
    int needed;
    int d0, d1, d2;
  };
  const Case cases[] = {{0, 0, 0, 0, 0},
                        {127, 1, 127, 0, 0},
                        {128, 2, -128, 1, 0},
                        {-128, 1, -128, 0, 0},
                        {32639, 2, 127, 127, 0},  // the largest two digits hold
                        {32767, 3, -1, -128, 1},
                        {-32768, 2, 0, -128, 0},
                        {1 << 22, 3, 0, 0, 64},       // Pillow's weight 1.0
                        {8355711, 3, 127, 127, 127},  // the largest three digits hold
                        {-8421504, 3, -128, -128, -128},
                        {8355712, 4, -128, -128, -128},  // past them: 4
                        {-8421505, 4, 127, 127, 127}};
  for (const Case& c : cases) {
    std::int8_t d[3];
    EXPECT_EQ(pf::detail::split_bytes(c.q, d), c.needed) << c.q;
    EXPECT_EQ(d[0], c.d0) << c.q;
    EXPECT_EQ(d[1], c.d1) << c.q;
    EXPECT_EQ(d[2], c.d2) << c.q;
  }
}

// Which tables the common recipes get: the kernels' choice follows from them.
TEST(PairedTaps, FlagsOfTheCommonRecipes) {
  // ImageNet in pil mode (1.7 MP photo, antialiased bilinear shrink by ~4): Pillow's 22-bit
  // weights split in two 11-bit halves, many taps, exact.
  const pf::Plan pil =
      pf::make_plan(pf::presets::imagenet(), pf::InputShape{1600, 1067, 3, pf::DType::u8});
  for (const pf::AxisTaps* a : {&pil.x, &pil.y}) {
    EXPECT_TRUE(a->paired.exact);
    EXPECT_EQ(a->paired.shift, 11);
    EXPECT_EQ(a->paired.byte_digits, 3);
    EXPECT_FALSE(a->paired.two_tap);
  }
  // OpenCV bilinear straight to 224x224: 11-bit weights, at most 2 taps, no split.
  const pf::Plan cv =
      plan_of(pf::Compat::opencv, pf::Filter::bilinear, false, 1600, 1067, 224, 224);
  for (const pf::AxisTaps* a : {&cv.x, &cv.y}) {
    EXPECT_TRUE(a->paired.exact);
    EXPECT_EQ(a->paired.shift, 0);
    EXPECT_TRUE(a->paired.two_tap);
  }
  // Pillow bilinear enlarging: 2 taps, 22-bit weights (split), exact.
  const pf::Plan up = plan_of(pf::Compat::pil, pf::Filter::bilinear, true, 100, 80, 333, 241);
  for (const pf::AxisTaps* a : {&up.x, &up.y}) {
    EXPECT_TRUE(a->paired.exact);
    EXPECT_EQ(a->paired.shift, 11);
    EXPECT_TRUE(a->paired.two_tap);
  }
  // Nearest: one tap per output, two_tap with a zero second weight.
  const pf::Plan nn =
      plan_of(pf::Compat::torchvision, pf::Filter::nearest, false, 1000, 700, 224, 224, 1);
  EXPECT_TRUE(nn.x.paired.two_tap);
  EXPECT_TRUE(nn.y.paired.two_tap);
  // A source of one column leaves no pair of adjacent indices.
  const pf::Plan thin = plan_of(pf::Compat::opencv, pf::Filter::bilinear, false, 1, 50, 7, 20);
  EXPECT_FALSE(thin.x.paired.two_tap);
}

}  // namespace
