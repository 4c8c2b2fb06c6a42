// Plain C++ loops for normalise + NHWC -> NCHW (see normalize_nchw.hpp).
#include <cstddef>
#include <cstdint>

#include "normalize_nchw.hpp"

namespace pixfuse_bench::compare {

void loop_normalize_nchw_exact(const std::uint8_t* src, int width, int height, const float mean[3],
                               const float std[3], float* dst) {
  const std::size_t plane = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  const float m0 = mean[0], m1 = mean[1], m2 = mean[2];
  const float s0 = std[0], s1 = std[1], s2 = std[2];
  float* __restrict d0 = dst;
  float* __restrict d1 = dst + plane;
  float* __restrict d2 = dst + 2 * plane;
  for (std::size_t i = 0; i < plane; ++i) {
    const std::uint8_t* p = src + 3 * i;
    d0[i] = (static_cast<float>(p[0]) / 255.0f - m0) / s0;
    d1[i] = (static_cast<float>(p[1]) / 255.0f - m1) / s1;
    d2[i] = (static_cast<float>(p[2]) / 255.0f - m2) / s2;
  }
}

void loop_lut_normalize_nchw_exact(const std::uint8_t* src, int width, int height,
                                   const float mean[3], const float std[3], float* dst) {
  float lut[3][256];
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 256; ++v) lut[c][v] = (static_cast<float>(v) / 255.0f - mean[c]) / std[c];
  const std::size_t plane = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  float* __restrict d0 = dst;
  float* __restrict d1 = dst + plane;
  float* __restrict d2 = dst + 2 * plane;
  for (std::size_t i = 0; i < plane; ++i) {
    const std::uint8_t* p = src + 3 * i;
    d0[i] = lut[0][p[0]];
    d1[i] = lut[1][p[1]];
    d2[i] = lut[2][p[2]];
  }
}

}  // namespace pixfuse_bench::compare
