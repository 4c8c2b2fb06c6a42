// Pillow's alpha premultiplication, which a Plan with premultiply_alpha applies to the
// colour samples before resampling and undoes after: one scalar definition for the
// reference, the SIMD kernels' scalar paths and the CUDA kernels (PIXFUSE_HD).
#pragma once

#include "pixfuse/core/detail/host_device.hpp"

namespace pixfuse::detail {

// RGBA -> RGBa: c * a / 255 rounded, in integers.
PIXFUSE_HD inline int premultiply(int c, int a) {
  const unsigned t = static_cast<unsigned>(c * a + 128);
  return static_cast<int>(((t >> 8) + t) >> 8);
}

// RGBa -> RGBA: 255 * c / a truncated and clipped; unchanged for a = 0 or 255.
PIXFUSE_HD inline int unpremultiply(int c, int a) {
  if (a == 0 || a == 255) return c;
  const int v = 255 * c / a;
  return v > 255 ? 255 : v;
}

}  // namespace pixfuse::detail
