// The pil convention: Pillow 9.4 Image.resize (src/libImaging/Resample.c, Geometry.c).
//
// Separable; horizontal pass first, then vertical; each pass of an 8-bit image stores
// u8. Per output index: center = (r + 0.5) * scale, support = filter support * max(scale, 1)
// (antialias is always on), window [trunc(center - support + 0.5), trunc(center + support
// + 0.5)) clipped to the image, weights filter((x - center + 0.5) / max(scale, 1)) summed
// left to right and normalised in double. 8-bit: weights to 22-bit fixed point rounded
// half away from zero, accumulator starts at 2^21, result >> 22 clipped to 0..255.
// NEAREST is not a filter in Pillow: it walks the source by repeated addition
// (x0 = scale / 2, x += scale) and truncates.
//
// Everything here is evaluated in the order Pillow does and without FMA contraction,
// so the doubles (and so the fixed-point weights) are Pillow's bit for bit.
#pragma once

#include <cmath>
#include <cstdint>

#include "pixfuse/core/error.hpp"
#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/recipe/resampling.hpp"

namespace pixfuse::compat::pil {

inline constexpr int precision_bits = 22;  // Pillow's PRECISION_BITS for 8-bit images

namespace filter {
PIXFUSE_NO_CONTRACT inline double box(double x) { return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0; }
PIXFUSE_NO_CONTRACT inline double bilinear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}
PIXFUSE_NO_CONTRACT inline double hamming(double x) {
  x = std::fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  const double t = x * M_PI;
  // Pillow writes the constants as float literals: 0.54f and 0.46f, widened.
  return std::sin(t) / t * (static_cast<double>(0.54f) + static_cast<double>(0.46f) * std::cos(t));
}
PIXFUSE_NO_CONTRACT inline double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}
PIXFUSE_NO_CONTRACT inline double sinc(double x) {
  if (x == 0.0) return 1.0;
  x = x * M_PI;
  return std::sin(x) / x;
}
PIXFUSE_NO_CONTRACT inline double lanczos3(double x) {
  return (x >= -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0;  // window [-3, 3)
}
}  // namespace filter

struct Kernel {
  double (*fn)(double);
  double support;
};

inline Kernel kernel_for(Filter f) {
  switch (f) {
    case Filter::area: return {filter::box, 0.5};  // Pillow's BOX: weights 0 or 1, not area
    case Filter::bilinear: return {filter::bilinear, 1.0};
    case Filter::hamming: return {filter::hamming, 1.0};
    case Filter::bicubic: return {filter::bicubic, 2.0};
    case Filter::lanczos3: return {filter::lanczos3, 3.0};
    case Filter::nearest:  // sampled, not filtered: axis_taps does not ask for a kernel
    case Filter::lanczos4:
    case Filter::lanczos5:
    case Filter::nearest_exact:
    case Filter::linear_exact:
      throw Error("resize filter",
                  "nearest, area (Pillow's BOX), bilinear, hamming, bicubic or lanczos3 "
                  "for compat pil",
                  std::string(name(f)));
  }
  detail::unreachable("compat pil: filter kernel");
}

// Pillow's 8-bit fixed-point weight: k * 2^22 rounded half away from zero, truncated.
PIXFUSE_NO_CONTRACT inline std::int32_t to_fixed(double k) {
  const double scaled = k * static_cast<double>(1 << precision_bits);
  return static_cast<std::int32_t>(k < 0.0 ? -0.5 + scaled : 0.5 + scaled);
}

// precompute_coeffs for one axis: in_size samples -> out_size, no box (the whole window),
// rows `rows` of it.
PIXFUSE_NO_CONTRACT inline ResizeTaps filter_taps(int in_size, int out_size, Filter f, Rows rows) {
  const Kernel kernel = kernel_for(f);
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = kernel.support * filterscale;
  const double ksize = std::ceil(support) * 2 + 1;
  const double ss = 1.0 / filterscale;
  ResizeTaps t;
  t.resize_rows(in_size, out_size, static_cast<std::int64_t>(ksize), rows);
  for (int r = rows.begin; r < rows.end; ++r) {
    const double center = (r + 0.5) * scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    const int n = xmax - xmin;
    double* w = t.weight_row(r);
    double sum = 0.0;
    for (int x = 0; x < n; ++x) {
      w[x] = kernel.fn((x + xmin - center + 0.5) * ss);
      sum += w[x];
    }
    if (sum != 0.0)
      for (int x = 0; x < n; ++x) w[x] /= sum;
    t.set(r, xmin, n < 0 ? 0 : n);
  }
  t.fixed.assign(t.weights.size(), 0);
  for (std::size_t i = 0; i < t.weights.size(); ++i) t.fixed[i] = to_fixed(t.weights[i]);
  t.precision_bits = precision_bits;
  t.identity = in_size == out_size;
  return t;
}

// ImagingScaleAffine's nearest: the source position walks by repeated addition in double
// (so reaching row rows.begin takes rows.begin additions: bounded by max_matrix_taps).
PIXFUSE_NO_CONTRACT inline ResizeTaps nearest_taps(int in_size, int out_size, Rows rows) {
  const double scale = static_cast<double>(in_size) / out_size;
  ResizeTaps t;
  t.resize_rows(in_size, out_size, 1, rows);
  double pos = scale * 0.5;
  for (int r = 0; r < rows.end; ++r) {
    if (r >= rows.begin) {
      int i = pos < 0.0 ? -1 : static_cast<int>(pos);
      if (i >= in_size) i = in_size - 1;  // cannot happen for a full-image box; kept for safety
      if (i < 0) i = 0;
      t.set(r, i, 1);
      t.weight_row(r)[0] = 1.0;
    }
    pos += scale;
  }
  t.fixed.assign(static_cast<std::size_t>(rows.size()), 1 << precision_bits);
  t.precision_bits = precision_bits;
  t.identity = in_size == out_size;
  return t;
}

inline ResizeTaps axis_taps(int in_size, int out_size, Filter f, Rows rows) {
  return f == Filter::nearest ? nearest_taps(in_size, out_size, rows)
                              : filter_taps(in_size, out_size, f, rows);
}

}  // namespace pixfuse::compat::pil
