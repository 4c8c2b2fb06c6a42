#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "pixfuse/core/layout_mapping.hpp"

namespace pf = pixfuse;

namespace {
// Usable in constant expressions: the formula is evaluated at compile time here.
constexpr pf::LayoutMapping<int> planar(pf::Layout::nchw, 3, 4, 5);
constexpr pf::LayoutMapping<int> interleaved(pf::Layout::nhwc, 3, 4, 5);
static_assert(planar.size() == 60 && interleaved.size() == 60);
static_assert(planar.offset(2, 3, 4) == 59 && interleaved.offset(2, 3, 4) == 59);
static_assert(planar.offset(1, 0, 0) == 20 && interleaved.offset(1, 0, 0) == 1);
static_assert(planar.offset(0, 1, 0) == 5 && interleaved.offset(0, 1, 0) == 15);
static_assert(planar.offset(0, 0, 1) == 1 && interleaved.offset(0, 0, 1) == 3);
static_assert(planar.offset(1, 2, 3, 4) == 60 + 2 * 20 + 3 * 5 + 4);
}  // namespace

TEST(LayoutMapping, OffsetIsTheDotProductOfIndicesAndStrides) {
  for (const pf::Layout l : {pf::Layout::nchw, pf::Layout::nhwc}) {
    const pf::LayoutMapping<std::int64_t> m(l, 3, 4, 5);
    std::int64_t expected_next = 0;  // every offset of the image taken once, in memory order
    std::int64_t seen = 0;
    for (std::int64_t c = 0; c < 3; ++c)
      for (std::int64_t y = 0; y < 4; ++y)
        for (std::int64_t x = 0; x < 5; ++x) {
          const std::int64_t o = m.offset(c, y, x);
          EXPECT_EQ(o, c * m.stride_c() + y * m.stride_y() + x * m.stride_x()) << name(l);
          EXPECT_GE(o, 0);
          EXPECT_LT(o, m.size());
          seen += o;
          ++expected_next;
        }
    EXPECT_EQ(seen, expected_next * (expected_next - 1) / 2) << name(l);  // a permutation of 0..59
  }
}

TEST(LayoutMapping, NchwIsPlanesNhwcIsPixels) {
  const pf::LayoutMapping<std::size_t> planar(pf::Layout::nchw, 3, 224, 224);
  EXPECT_EQ(planar.stride_c(), 224u * 224u);
  EXPECT_EQ(planar.stride_y(), 224u);
  EXPECT_EQ(planar.stride_x(), 1u);
  const pf::LayoutMapping<std::size_t> interleaved(pf::Layout::nhwc, 3, 224, 224);
  EXPECT_EQ(interleaved.stride_c(), 1u);
  EXPECT_EQ(interleaved.stride_y(), 224u * 3u);
  EXPECT_EQ(interleaved.stride_x(), 3u);
  EXPECT_EQ(name(pf::Layout::nchw), "nchw");
  EXPECT_EQ(name(pf::Layout::nhwc), "nhwc");
}
