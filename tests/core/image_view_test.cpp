#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"

namespace pf = pixfuse;

namespace {
// Expect `f` to throw pixfuse::Error whose message is exactly `message`.
template <class F>
void expect_error(F&& f, const std::string& message) {
  try {
    f();
    ADD_FAILURE() << "no error; expected: " << message;
  } catch (const pf::Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}
}  // namespace

TEST(ImageView, PackedRgbU8) {
  std::vector<std::uint8_t> px(5 * 4 * 3);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i);
  const pf::ImageView<const std::uint8_t, 3> v(px.data(), 5, 4);
  EXPECT_EQ(v.width(), 5);
  EXPECT_EQ(v.height(), 4);
  EXPECT_EQ(v.channels(), 3);
  EXPECT_EQ(v.row_stride(), 15);
  EXPECT_EQ(v(2, 1, 1), 15 + 6 + 1);
  EXPECT_EQ(v.span_bytes(), px.size());
  static_assert(decltype(v)::dtype == pf::DType::u8);
}

TEST(ImageView, StridedU16AndF32) {
  std::vector<std::uint16_t> px(10 * 3);  // 3 rows of 10 elements, image is 3x3 gray + padding
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint16_t>(1000 + i);
  const pf::ImageView<const std::uint16_t> v(px.data(), 3, 3, 1, 10 * 2);
  EXPECT_EQ(v(2, 2, 0), 1022);
  EXPECT_EQ(v.span_bytes(), (2 * 10 + 3) * 2u);
  std::vector<float> f(2 * 2 * 4, 0.5f);
  const pf::ImageView<float, 4> fv(f.data(), 2, 2);
  fv(1, 1, 3) = 2.0f;
  EXPECT_EQ(f.back(), 2.0f);
}

TEST(ImageView, SubRectangleSharesMemoryAndStride) {
  std::vector<std::uint8_t> px(8 * 6);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i);
  const pf::ImageView<const std::uint8_t, 1> v(px.data(), 8, 6);
  const auto sub = v.subview({2, 3, 4, 2});
  EXPECT_EQ(sub.width(), 4);
  EXPECT_EQ(sub.height(), 2);
  EXPECT_EQ(sub.row_stride(), 8);
  EXPECT_EQ(sub(0, 0, 0), 3 * 8 + 2);
  EXPECT_EQ(sub(3, 1, 0), 4 * 8 + 5);
  expect_error(
      [&] {
        (void)v.subview({5, 0, 4, 1});
      },
      "sub-rectangle: expected a non-empty rectangle inside the 8x6 image, got x=5 y=0 "
      "width=4 height=1");
  expect_error(
      [&] {
        (void)v.subview({0, 0, 0, 1});
      },
      "sub-rectangle: expected a non-empty rectangle inside the 8x6 image, got x=0 y=0 "
      "width=0 height=1");
}

TEST(ImageView, ConvertsToConstAndDynamicChannels) {
  static_assert(std::is_same_v<pf::ImageView<float>, pf::ImageView<float, pf::dynamic_extent>>);
  static_assert(pf::ImageView<float>::static_channels == pf::dynamic_extent);
  static_assert(pf::ImageView<float, 3>::static_channels == 3);
  std::vector<std::uint8_t> px(4 * 4 * 3);
  const pf::ImageView<std::uint8_t, 3> v(px.data(), 4, 4);
  const pf::ImageView<const std::uint8_t> d = v;
  EXPECT_EQ(d.channels(), 3);
  const pf::AnyImageView any = v;
  EXPECT_EQ(any.dtype, pf::DType::u8);
  EXPECT_EQ(any.channels, 3);
  EXPECT_EQ(any.visit([](auto view) { return view.width(); }), 4);
}

TEST(ImageViewValidation, NullData) {
  expect_error([] { pf::ImageView<const std::uint8_t>(nullptr, 4, 4, 3); },
               "image data: expected a non-null pointer, got nullptr");
}

TEST(ImageViewValidation, ZeroOrNegativeSizes) {
  std::uint8_t px[16] = {};
  expect_error([&] { pf::ImageView<const std::uint8_t>(px, 0, 4, 1); },
               "image width: expected > 0, got 0");
  expect_error([&] { pf::ImageView<const std::uint8_t>(px, 4, -2, 1); },
               "image height: expected > 0, got -2");
}

TEST(ImageViewValidation, StrideShorterThanARow) {
  std::uint8_t px[64] = {};
  expect_error([&] { pf::ImageView<const std::uint8_t>(px, 5, 2, 3, 14); },
               "image row stride: expected >= 15 bytes (5 pixels * 3 channels * 1 bytes), got 14 "
               "bytes");
  float f[16] = {};
  expect_error([&] { pf::ImageView<const float>(f, 2, 2, 1, 10); },
               "image row stride: expected a multiple of 4 bytes, got 10 bytes");
}

TEST(ImageViewValidation, ByteCountOverflow) {
  float f[4] = {};
  expect_error([&] { pf::ImageView<const float>(f, 70000, 70000, 4, 70000LL * 4 * 4); },
               "image width * height: expected at most 2147483647, got 70000 * 70000 overflows");
  expect_error([&] { pf::ImageView<const float>(f, 40000, 40000, 4, 40000LL * 4 * 4); },
               "image width * height * channels: expected at most 2147483647, got 1600000000 * 4 "
               "overflows");
}

TEST(ImageViewValidation, ChannelCount) {
  std::uint8_t px[64] = {};
  expect_error([&] { pf::ImageView<const std::uint8_t, 3>(px, 2, 2, 4, 8); },
               "image channels: expected 3, got 4");
  expect_error([&] { pf::ImageView<const std::uint8_t>(px, 2, 2, 2); },
               "image channels: expected 1, 3 or 4, got 2");
}

TEST(ImageViewValidation, AnyImageDtype) {
  std::uint8_t px[64] = {};
  expect_error([&] { pf::AnyImageView(px, pf::DType::f16, 2, 2, 1, 4); },
               "image dtype: expected u8, u16 or f32, got f16");
  expect_error([] { pf::AnyImageView().visit([](auto) { return 0; }); },
               "image: expected a non-empty image, got an empty view");
}
