// vmap: rows byte-equal to per-image pixfuse::run, mixed sizes, bad images reported with
// their row zeroed and the good rows intact, reusable Batch buffers, concurrent callers.
#include "pixfuse/vmap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pixfuse/jit.hpp"
#include "pixfuse/pixfuse.hpp"
#include "../test_images.hpp"
#include "expected.hpp"

namespace pf = pixfuse;

namespace {

// RGB only (no to_rgb): a gray or RGBA image cannot take the 3-channel normalize.
auto rgb_recipe() {
  return pf::resize_shorter(64).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
         pf::center_crop<56, 48>() |
         pf::normalize(pf::over(255), {0.5f, 0.4f, 0.3f}, {0.2f, 0.25f, 0.3f}) | pf::nchw() |
         pf::cast<float>();
}
auto any_channels_recipe() {
  return pf::to_rgb() |
         pf::resize_shorter(40).filter(pf::Filter::bicubic).compat(pf::Compat::torchvision) |
         pf::center_crop(32, 24) | pf::nhwc() | pf::cast<std::uint8_t>();
}

using api_test::expected_output;

std::vector<unsigned char> row_bytes(const pf::AnyTensorView& batch, std::size_t i) {
  const pf::AnyTensorView row = batch.slot(static_cast<std::int64_t>(i));
  const auto* p = static_cast<const unsigned char*>(row.data);
  return std::vector<unsigned char>(p, p + row.size_bytes());
}

bool all_zero(const std::vector<unsigned char>& v) {
  for (unsigned char b : v)
    if (b != 0) return false;
  return true;
}

struct Images {
  std::vector<test_images::Image<std::uint8_t>> owned;
  std::vector<pf::AnyImageView> views;
};
// Mixed sizes and channel counts.
Images mixed_images(std::size_t n, bool rgb_only) {
  Images s;
  for (std::size_t i = 0; i < n; ++i) {
    const int c = rgb_only ? 3 : (i % 3 == 0 ? 1 : (i % 3 == 1 ? 3 : 4));
    s.owned.push_back(test_images::noise_u8(70 + 13 * static_cast<int>(i % 5),
                                            60 + 9 * static_cast<int>(i % 4), c,
                                            200u + static_cast<unsigned>(i)));
  }
  for (const auto& im : s.owned) s.views.push_back(im.view());
  return s;
}

TEST(Vmap, RowsEqualPerImageRunOnAnyThreadCount) {
  const Images set = mixed_images(11, false);
  const auto batched = pf::vmap(pf::jit(any_channels_recipe()));
  std::vector<std::uint8_t> tensor(11 * 24 * 32 * 3);
  const pf::AnyTensorView batch(tensor.data(), pf::DType::u8, pf::Layout::nhwc, {11, 3, 24, 32});
  for (int threads : {1, 2, 4}) {
    pf::Executor executor(threads);
    std::fill(tensor.begin(), tensor.end(), std::uint8_t{0xAB});
    const pf::BatchStatus status = batched(executor, set.views, batch);
    ASSERT_EQ(status.size(), 11u);
    EXPECT_TRUE(status.all_ok());
    for (std::size_t i = 0; i < 11; ++i)
      EXPECT_EQ(row_bytes(batch, i), expected_output(any_channels_recipe(), set.views[i]))
          << "image " << i;
  }
}

TEST(Vmap, BadImagesAreReportedZeroedAndDoNotSinkTheBatch) {
  Images set = mixed_images(6, true);
  const auto rgba = test_images::noise_u8(80, 80, 4, 7);
  set.views[2] = rgba.view();         // wrong channel count for this recipe
  set.views[4] = pf::AnyImageView();  // an empty view (zero size)
  const auto batched = pf::vmap(pf::jit(rgb_recipe()));
  pf::Executor executor(2);
  std::vector<float> tensor(6 * 3 * 48 * 56, 7.0f);  // stale values a failed row must not keep
  const pf::AnyTensorView batch(tensor.data(), pf::DType::f32, pf::Layout::nchw, {6, 3, 48, 56});
  const pf::BatchStatus status = batched(executor, set.views, batch);
  EXPECT_EQ(status.ok_count(), 4u);
  EXPECT_FALSE(status.all_ok());
  EXPECT_EQ(status[2].error, "images[2]: normalize: expected 4 mean/std values (one per channel) "
                             "or 1, got 3 for an image with 4 "
                             "channel(s) at that stage");
  EXPECT_EQ(status[4].error, "images[4]: input: expected a non-empty image, got 0x0");
  for (std::size_t i : {0u, 1u, 3u, 5u}) {
    EXPECT_TRUE(status[i].ok()) << status[i].error;
    EXPECT_EQ(row_bytes(batch, i), expected_output(rgb_recipe(), set.views[i])) << "image " << i;
  }
  EXPECT_TRUE(all_zero(row_bytes(batch, 2)));
  EXPECT_TRUE(all_zero(row_bytes(batch, 4)));
}

TEST(Vmap, OutputShapeDisagreementIsPerImage) {
  // No crop: each input size gives its own output size; only the matching ones fit.
  const auto recipe =
      pf::resize_shorter(30).compat(pf::Compat::pil) | pf::nchw() | pf::cast<float>();
  const auto a = test_images::noise_u8(60, 40, 3, 1), b = test_images::noise_u8(90, 60, 3, 2),
             c = test_images::noise_u8(50, 50, 3, 3);
  const std::vector<pf::AnyImageView> images = {a.view(), b.view(), c.view()};
  std::vector<float> tensor(3 * 3 * 30 * 45);
  const pf::AnyTensorView batch(tensor.data(), pf::DType::f32, pf::Layout::nchw, {3, 3, 30, 45});
  pf::Executor executor(2);
  const pf::BatchStatus status = pf::vmap(pf::jit(recipe))(executor, images, batch);
  EXPECT_TRUE(status[0].ok());
  EXPECT_TRUE(status[1].ok());
  EXPECT_EQ(status[2].error,
            "images[2]: output tensor: expected extents (3, 30, 30), got (3, 30, 45)");
  EXPECT_EQ(row_bytes(batch, 1), expected_output(recipe, b.view()));
  EXPECT_TRUE(all_zero(row_bytes(batch, 2)));
}

TEST(Vmap, WrongBatchSizeThrows) {
  const Images set = mixed_images(3, true);
  std::vector<float> tensor(2 * 3 * 48 * 56);
  const pf::AnyTensorView batch(tensor.data(), pf::DType::f32, pf::Layout::nchw, {2, 3, 48, 56});
  pf::Executor executor(1);
  try {
    pf::vmap(pf::jit(rgb_recipe()))(executor, set.views, batch);
    FAIL() << "expected an exception";
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "batch tensor: expected N = 3 (one row per image), got N = 2");
  }
}

TEST(Vmap, BatchIsShapedFromThePlanAndReused) {
  const Images set = mixed_images(8, false);
  const auto batched = pf::vmap(pf::jit(any_channels_recipe()));
  pf::Executor executor(2);
  pf::Batch batch;
  const pf::BatchStatus& status = batched(executor, set.views, batch);
  EXPECT_TRUE(status.all_ok());
  EXPECT_EQ(&status, &batch.status());
  EXPECT_EQ(batch.dtype(), pf::DType::u8);
  EXPECT_EQ(batch.layout(), pf::Layout::nhwc);
  EXPECT_EQ(batch.shape(), (pf::TensorShape{8, 3, 24, 32}));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(batch.data()) % 64, 0u);
  for (std::size_t i = 0; i < 8; ++i)
    EXPECT_EQ(row_bytes(batch.view(), i), expected_output(any_channels_recipe(), set.views[i]));

  // Same shape, then fewer images: the same buffer.
  const void* buffer = batch.data();
  const std::size_t capacity = batch.capacity_bytes();
  Images other = mixed_images(8, false);
  std::reverse(other.views.begin(), other.views.end());
  batched(executor, other.views, batch);
  EXPECT_EQ(batch.data(), buffer);
  for (std::size_t i = 0; i < 8; ++i)
    EXPECT_EQ(row_bytes(batch.view(), i), expected_output(any_channels_recipe(), other.views[i]));
  batched(executor, pf::Span<pf::AnyImageView>(other.views.data(), 5), batch);
  EXPECT_EQ(batch.data(), buffer);
  EXPECT_EQ(batch.capacity_bytes(), capacity);
  EXPECT_EQ(batch.shape().n, 5);
  EXPECT_EQ(batch.status().size(), 5u);
  // More images: it grows.
  const Images more = mixed_images(20, false);
  batched(executor, more.views, batch);
  EXPECT_EQ(batch.shape().n, 20);
  EXPECT_GE(batch.capacity_bytes(), 20u * 24 * 32 * 3);
  EXPECT_EQ(row_bytes(batch.view(), 19), expected_output(any_channels_recipe(), more.views[19]));
}

TEST(Vmap, BatchSkipsBadLeadingImagesAndSurvivesAllBad) {
  Images set = mixed_images(4, true);
  set.views[0] = pf::AnyImageView();
  const auto batched = pf::vmap(pf::jit(rgb_recipe()));
  pf::Executor executor(2);
  pf::Batch batch;
  const pf::BatchStatus& status = batched(executor, set.views, batch);
  EXPECT_EQ(status[0].error, "images[0]: input: expected a non-empty image, got 0x0");
  EXPECT_EQ(status.ok_count(), 3u);
  EXPECT_EQ(batch.shape(), (pf::TensorShape{4, 3, 48, 56}));
  EXPECT_TRUE(all_zero(row_bytes(batch.view(), 0)));
  EXPECT_EQ(row_bytes(batch.view(), 3), expected_output(rgb_recipe(), set.views[3]));

  const std::vector<pf::AnyImageView> nothing_good = {pf::AnyImageView(), pf::AnyImageView()};
  batched(executor, nothing_good, batch);
  EXPECT_EQ(batch.status().ok_count(), 0u);
  EXPECT_EQ(batch.status()[1].error, "images[1]: input: expected a non-empty image, got 0x0");
  EXPECT_EQ(batch.size_bytes(), 0u);
  EXPECT_THROW(batch.view(), pf::Error);
}

TEST(Vmap, OrientationsPerImage) {
  const Images set = mixed_images(3, true);
  const std::vector<pf::Orientation> orientations = {pf::Orientation::normal,
                                                     pf::Orientation::rotate_90_cw,
                                                     pf::Orientation::flip_x};
  const auto batched = pf::vmap(pf::jit(rgb_recipe()));
  pf::Executor executor(2);
  pf::Batch batch;
  batched(executor, set.views, orientations, batch);
  ASSERT_TRUE(batch.status().all_ok());
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(row_bytes(batch.view(), i),
              expected_output(rgb_recipe(), set.views[i], orientations[i]));
  EXPECT_THROW(batched(executor, set.views, pf::Span<pf::Orientation>(orientations.data(), 2),
                       batch),
               pf::Error);
}

TEST(Vmap, AnyCallableAndForeignExceptions) {
  // A plain function: row i filled with i; image 1 fails with a non-pixfuse exception.
  const auto fill = [](const pf::AnyImageView& image, const pf::AnyTensorView& out) {
    if (image.width == 2) throw std::runtime_error("width 2 is not allowed here");
    std::memset(out.data, image.width, out.size_bytes());
  };
  const auto a = test_images::noise_u8(5, 4, 3, 1), b = test_images::noise_u8(2, 4, 3, 2),
             c = test_images::noise_u8(9, 4, 3, 3);
  std::vector<std::uint8_t> tensor(3 * 4, 0xEE);
  pf::Executor executor(2);
  const std::vector<pf::AnyImageView> images = {a.view(), b.view(), c.view()};
  const pf::BatchStatus status = pf::vmap(
      fill)(executor, images,
            pf::AnyTensorView(tensor.data(), pf::DType::u8, pf::Layout::nchw, {3, 1, 2, 2}));
  EXPECT_EQ(status[1].error, "images[1]: width 2 is not allowed here");
  EXPECT_EQ(tensor, (std::vector<std::uint8_t>{5, 5, 5, 5, 0, 0, 0, 0, 9, 9, 9, 9}));
}

TEST(Vmap, ConcurrentBatchesOnOneExecutor) {
  const Images set = mixed_images(9, false);
  std::vector<std::vector<unsigned char>> expected;
  for (const auto& v : set.views) expected.push_back(expected_output(any_channels_recipe(), v));
  const auto batched = pf::vmap(pf::jit(any_channels_recipe(), 4));
  pf::Executor executor(2);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      pf::Batch batch;
      for (int round = 0; round < 5; ++round) {
        batched(executor, set.views, batch);
        for (std::size_t i = 0; i < set.views.size(); ++i)
          if (!batch.status()[i].ok() || row_bytes(batch.view(), i) != expected[i])
            ++mismatches[static_cast<std::size_t>(t)];
      }
    });
  for (auto& c : callers) c.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0, 0, 0}));
  const pf::JitStats s = batched.function().stats();
  EXPECT_EQ(s.hits + s.misses, 4u * 5 * (9 + 1));  // 9 rows + 1 shaping lookup per call
}

}  // namespace
