// Small deterministic images for tests.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "pixfuse/core/image_view.hpp"

namespace test_images {

// An owned interleaved image with a view.
template <class T>
struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<T> pixels;
  T& at(int x, int y, int c) {
    return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c];
  }
  const T& at(int x, int y, int c) const {
    return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c];
  }
  pixfuse::AnyImageView view() const {
    return pixfuse::ImageView<const T>(pixels.data(), width, height, channels);
  }
};

// Uniform noise, seeded: every value of the type's 0..255 range.
inline Image<std::uint8_t> noise_u8(int w, int h, int c, unsigned seed) {
  Image<std::uint8_t> img{w, h, c, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * c)};
  std::mt19937 rng(seed);
  for (auto& v : img.pixels) v = static_cast<std::uint8_t>(rng() & 0xFF);
  return img;
}

inline Image<float> noise_f32(int w, int h, int c, unsigned seed) {
  Image<float> img{w, h, c, std::vector<float>(static_cast<std::size_t>(w) * h * c)};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (auto& v : img.pixels) v = u(rng);
  return img;
}

}  // namespace test_images
