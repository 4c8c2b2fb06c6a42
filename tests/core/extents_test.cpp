#include <gtest/gtest.h>

#include <type_traits>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/extents.hpp"

namespace pf = pixfuse;

TEST(Extents, StaticExtentsStoreNothing) {
  using E = pf::extents<int, 3, 224, 224>;
  static_assert(E::rank() == 3 && E::rank_dynamic() == 0 && E::is_static());
  static_assert(std::is_empty_v<E>);
  constexpr E e;
  static_assert(e.extent(0) == 3 && e.extent(2) == 224);
  EXPECT_EQ(e.size(), 3u * 224 * 224);
  EXPECT_EQ(e.to_string(), "(3, 224, 224)");
}

TEST(Extents, MixedStaticAndDynamic) {
  using E = pf::extents<int, pf::dynamic_extent, 3, pf::dynamic_extent, pf::dynamic_extent>;
  static_assert(E::rank() == 4 && E::rank_dynamic() == 3);
  static_assert(sizeof(E) == 3 * sizeof(int));
  const E only_dynamic(8, 224, 200);
  EXPECT_EQ(only_dynamic.extent(0), 8);
  EXPECT_EQ(only_dynamic.extent(1), 3);
  EXPECT_EQ(only_dynamic.extent(3), 200);
  const E all(8, 3, 224, 200);
  EXPECT_TRUE(all == only_dynamic);
  EXPECT_EQ(E::static_extent(1), 3u);
  EXPECT_EQ(E::static_extent(0), pf::dynamic_extent);
}

TEST(Extents, DynamicAliasAndComparison) {
  const pf::dextents<3> d(3, 224, 224);
  EXPECT_TRUE(d == (pf::extents<int, 3, 224, 224>{}));
  EXPECT_FALSE(d == (pf::extents<int, 3, 224, 200>{}));
  EXPECT_FALSE(d == (pf::extents<int, 3, 224>{}));
}

TEST(Extents, RejectsValuesThatContradictStaticExtents) {
  using E = pf::extents<int, 3, pf::dynamic_extent, pf::dynamic_extent>;
  try {
    E bad(4, 224, 224);
    FAIL() << "accepted 4 channels for a static 3";
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "extents: expected (3, ?, ?), got (4, 224, 224)");
  }
}

TEST(Extents, RejectsNegativeAndTooLargeValues) {
  EXPECT_THROW(pf::dextents<2>(-1, 3), pf::Error);
  EXPECT_THROW((pf::extents<std::int16_t, pf::dynamic_extent>(40000)), pf::Error);
}
