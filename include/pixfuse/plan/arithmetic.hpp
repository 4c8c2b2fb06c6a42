// Arithmetic: how a Plan's taps turn samples into a resampled value. Each convention's
// integer arithmetic is reproduced exactly; the reference kernels (cpu/reference.hpp)
// spell each one out. Separable everywhere: a horizontal pass over the source rows the
// output needs, then a vertical pass over its result.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "pixfuse/core/detail/host_device.hpp"

namespace pixfuse {

enum class Arithmetic : std::uint8_t {
  // u8 in. Each pass: acc = 2^(p-1) + sum(fixed * x), value = clamp(acc >> p, 0, 255),
  // stored as u8 between the passes (Pillow 8-bit; torchvision uint8).
  fixed_u8,
  // u16 in (Pillow mode I). Each pass: double sum of double weights, rounded half away
  // from zero to an integer between the passes and at the end. Double, as Pillow sums:
  // float32 sums would round some halves the other way (outputs off by one).
  round_half_away,
  // Float32: each pass sums weight(float) * sample in float32, from 0, tap by tap in the
  // convention's order (descending where a mirror reversed it), without fused
  // multiply-adds; float between the passes. JAX (its einsum contracts each axis in
  // float32; Plan::vertical_first says which axis first), OpenCV and torchvision on f32.
  real,
  // As real, then rounded half to even and saturated to 0..65535 at the end (cv::resize
  // on 16-bit images, which sums in float32).
  real_u16,
  // Float64: double weights, double sums per pass, float between the passes and at the
  // end: Pillow mode F (Resample.c sums in double; float32 sums would leave its output).
  real_f64,
  // cv::resize 8U, INTER_LINEAR (and INTER_AREA enlarging): 11-bit weights; horizontal
  // int32 sums; vertical ((b0 (h0 >> 4)) >> 16) + ((b1 (h1 >> 4)) >> 16) + 2) >> 2.
  opencv_linear,
  // cv::resize 8U INTER_CUBIC: 11-bit weights, int32 horizontal sums; the vertical pass is
  // float32 (weights q * 2^-22, summed from the last tap) for flattened columns below
  // 8 * floor(width * channels / 8) and integer (sum + 2^21) >> 22 for the rest.
  opencv_cubic,
  // cv::resize 8U INTER_LANCZOS4: 11-bit weights, integer (sum + 2^21) >> 22 vertically.
  opencv_lanczos4,
  // cv::resize 8U INTER_LINEAR_EXACT: 8-bit weights, H = sum (u16 range),
  // value = clamp((sum(c * H) + 2^15) >> 16, 0, 255).
  opencv_linear_exact,
  // cv::resize 8U INTER_AREA with integer factors kx, ky: s = block sum;
  // 2x2: (s + 2) >> 2, else rint(float(s) * (1.f / (kx * ky))).
  opencv_area_fast,
  // cv::resize 8U INTER_AREA, other shrinking factors: float32 weights, float32 sums in
  // table order, rint at the end.
  opencv_area,
};

constexpr std::string_view name(Arithmetic a) {
  switch (a) {
    case Arithmetic::fixed_u8: return "fixed_u8";
    case Arithmetic::round_half_away: return "round_half_away";
    case Arithmetic::real: return "real";
    case Arithmetic::real_u16: return "real_u16";
    case Arithmetic::real_f64: return "real_f64";
    case Arithmetic::opencv_linear: return "opencv_linear";
    case Arithmetic::opencv_cubic: return "opencv_cubic";
    case Arithmetic::opencv_lanczos4: return "opencv_lanczos4";
    case Arithmetic::opencv_linear_exact: return "opencv_linear_exact";
    case Arithmetic::opencv_area_fast: return "opencv_area_fast";
    case Arithmetic::opencv_area: return "opencv_area";
  }
  return "?";
}

// Whether resampled values are integers 0..255 (so a 256-entry table maps them exactly).
PIXFUSE_HD constexpr bool produces_u8(Arithmetic a) {
  return a != Arithmetic::round_half_away && a != Arithmetic::real && a != Arithmetic::real_u16 &&
         a != Arithmetic::real_f64;
}

namespace detail {
// The roundings the arithmetic above names, as scalars (PIXFUSE_HD: the reference and the
// CUDA kernels share them).

// Saturate to 0..255 (Pillow's clip8; OpenCV's saturate_cast<uchar> of an integer).
PIXFUSE_HD constexpr int clip8(std::int64_t v) {
  return v < 0 ? 0 : (v > 255 ? 255 : static_cast<int>(v));
}

// Round half away from zero (Pillow mode I). ::trunc: the one nvcc's device code has too.
PIXFUSE_HD inline double round_half_away(double v) { return trunc(v >= 0.0 ? v + 0.5 : v - 0.5); }
}  // namespace detail

}  // namespace pixfuse
