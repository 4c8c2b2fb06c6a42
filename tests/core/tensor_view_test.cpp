#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/core/validate.hpp"

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
}  // namespace

TEST(TensorView, NchwBatchIndexingAndSlots) {
  using E = pf::extents<int, pf::dynamic_extent, 3, 4, 5>;
  std::vector<float> buf(2 * 3 * 4 * 5);
  const pf::TensorView<float, pf::Layout::nchw, E> t(buf.data(), 2);
  EXPECT_EQ(t.batch(), 2);
  EXPECT_EQ(t.channels(), 3);
  EXPECT_EQ(t.height(), 4);
  EXPECT_EQ(t.width(), 5);
  t.at(1, 2, 3, 4) = 7.0f;
  EXPECT_EQ(buf.back(), 7.0f);
  const auto s = t.slot(1);
  static_assert(decltype(s)::extents_type::rank() == 3 && decltype(s)::extents_type::is_static());
  EXPECT_EQ(s.at(0, 2, 3, 4), 7.0f);
  EXPECT_EQ(s.data(), buf.data() + 60);
  expect_error([&] { (void)t.slot(2); }, "batch slot: expected 0 <= n < 2, got 2");
}

TEST(TensorView, NhwcOrdersChannelsLast) {
  std::vector<std::uint8_t> buf(4 * 5 * 3);
  const pf::TensorView<std::uint8_t, pf::Layout::nhwc, pf::dextents<3>> t(buf.data(), 4, 5, 3);
  EXPECT_EQ(t.height(), 4);
  EXPECT_EQ(t.width(), 5);
  EXPECT_EQ(t.channels(), 3);
  t.at(0, 1, 0, 1) = 9;
  EXPECT_EQ(buf[(0 * 5 + 1) * 3 + 1], 9);
  EXPECT_EQ(t.shape(), (pf::TensorShape{1, 3, 4, 5}));
}

TEST(TensorView, AnyViewAndSlot) {
  std::vector<pf::f16> buf(2 * 3 * 2 * 2);
  const pf::TensorView<pf::f16, pf::Layout::nchw, pf::dextents<4>> t(buf.data(), 2, 3, 2, 2);
  const pf::AnyTensorView any = t;
  EXPECT_EQ(any.dtype, pf::DType::f16);
  EXPECT_EQ(any.size_bytes(), buf.size() * 2);
  EXPECT_EQ(any.slot(1).data, static_cast<void*>(buf.data() + 12));
  EXPECT_EQ(any.slot(1).shape, (pf::TensorShape{1, 3, 2, 2}));
}

TEST(TensorViewValidation, NullZeroAndOverflow) {
  float f[4] = {};
  expect_error([] { pf::TensorView<float, pf::Layout::nchw, pf::dextents<3>>(nullptr, 3, 2, 2); },
               "tensor data: expected a non-null pointer, got nullptr");
  expect_error([&] { pf::TensorView<float, pf::Layout::nchw, pf::dextents<3>>(f, 3, 0, 2); },
               "tensor extents: expected all extents > 0, got (3, 0, 2)");
  expect_error(
      [&] {
        pf::TensorView<float, pf::Layout::nchw, pf::dextents<4>>(f, 1LL << 31, 1LL << 31, 4, 4);
      },
      "tensor element count (2147483648, 2147483648, 4, 4): expected at most "
      "2305843009213693951, got 2147483648 * 2147483648 overflows");
  expect_error(
      [&] {
        pf::AnyTensorView(f, pf::DType::u16, pf::Layout::nchw, {1, 1, 2, 2});
      },
      "tensor dtype: expected f32, f16, bf16, u8 or i8, got u16");
}

TEST(TensorViewValidation, OutputOfWrongExtentsDtypeOrLayout) {
  std::vector<float> buf(3 * 224 * 200);
  const pf::TensorView<float, pf::Layout::nchw, pf::dextents<3>> t(buf.data(), 3, 224, 200);
  expect_error(
      [&] {
        pf::detail::check_output(t, pf::DType::f32, pf::Layout::nchw, {1, 3, 224, 224});
      },
      "output tensor: expected extents (3, 224, 224), got (3, 224, 200)");
  expect_error(
      [&] {
        pf::detail::check_output(t, pf::DType::f16, pf::Layout::nchw, {1, 3, 224, 200});
      },
      "output tensor: expected dtype f16, got f32");
  expect_error(
      [&] {
        pf::detail::check_output(t, pf::DType::f32, pf::Layout::nhwc, {1, 3, 224, 200});
      },
      "output tensor: expected layout nhwc, got nchw");
  EXPECT_NO_THROW(pf::detail::check_output(t, pf::DType::f32, pf::Layout::nchw, {1, 3, 224, 200}));
  const pf::TensorView<float, pf::Layout::nchw, pf::dextents<4>> b(buf.data(), 2, 3, 224, 100);
  expect_error(
      [&] {
        pf::detail::check_output(b, pf::DType::f32, pf::Layout::nchw, {4, 3, 224, 100});
      },
      "output tensor: expected extents (4, 3, 224, 100), got (2, 3, 224, 100)");
}

TEST(TensorViewValidation, OverlappingInputAndOutput) {
  std::vector<std::uint8_t> mem(1000);
  const pf::ImageView<const std::uint8_t, 3> in(mem.data(), 10, 10);  // bytes [0, 300)
  const pf::TensorView<std::uint8_t, pf::Layout::nhwc, pf::dextents<3>> overlapping(mem.data() +
                                                                                        299,
                                                                                    2, 2, 3);
  const pf::TensorView<std::uint8_t, pf::Layout::nhwc, pf::dextents<3>> disjoint(mem.data() + 300,
                                                                                 2, 2, 3);
  expect_error([&] { pf::detail::check_no_overlap(in, overlapping); },
               "output tensor: expected memory disjoint from the input image, got a buffer that "
               "overlaps the input image");
  EXPECT_NO_THROW(pf::detail::check_no_overlap(in, disjoint));
}
