// The opencv convention: cv::resize in OpenCV 4.6 (modules/imgproc/src/resize.cpp),
// given dsize, on 8-bit images, as its baseline (SSE2, no FMA) build computes it.
//
// Coordinates: scale = 1 / (dst / src) in double; a source position
// (d + 0.5) * scale - 0.5 rounded to float, floor, fraction in float. Weights are
// quantised to 11 bits (INTER_LINEAR_EXACT: 8). No antialiasing: shrinking aliases.
//   nearest        floor(d * scale), top-left sample
//   nearest_exact  16.16 fixed point at the pixel centre
//   bilinear       2 taps; x at the borders clamped with the weight zeroed, y not fixed up
//                  (rows clamped, weights as computed); exact 2x2 reductions run area
//   bicubic        4 taps, a = -0.75, replicated borders
//   lanczos4       8 taps, replicated borders
//   area           integer factors: block means; other reductions: float weights of the
//                  covered fractions; any enlarged axis: bilinear code with cell coordinates
//   linear_exact   8-bit fixed point, clamped borders
//
// All float arithmetic is written as OpenCV evaluates it (float vs double, operation
// order, no contraction), so weights are OpenCV's bit for bit.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <string>

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/plan/arithmetic.hpp"
#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/recipe/resampling.hpp"

namespace pixfuse::compat::opencv {

inline constexpr int coef_bits = 11;  // INTER_RESIZE_COEF_BITS
inline constexpr float coef_scale = 2048.0f;

inline int rint_int(double v) { return static_cast<int>(std::nearbyint(v)); }
inline std::int32_t sat16(int v) { return v < -32768 ? -32768 : (v > 32767 ? 32767 : v); }
inline std::int32_t quantise(float w) { return sat16(rint_int(w * coef_scale)); }

// The float source position and fraction of output index d (LINEAR, CUBIC, LANCZOS4).
struct Position {
  int index;
  float fraction;
};
PIXFUSE_NO_CONTRACT inline Position position(int d, double scale) {
  const float f = static_cast<float>((d + 0.5) * scale - 0.5);
  const int i = static_cast<int>(std::floor(f));
  return {i, f - static_cast<float>(i)};
}

inline void single_tap(ResizeTaps& t, int r, int index) {
  t.set(r, index, 1);
  t.weight_row(r)[0] = 1.0;
  t.fixed_row(r)[0] = 1 << coef_bits;
}

PIXFUSE_NO_CONTRACT inline ResizeTaps nearest(int src, int dst, Rows rows) {
  ResizeTaps t;
  t.resize_rows(src, dst, 1, rows);
  t.fixed.assign(static_cast<std::size_t>(rows.size()), 0);
  t.precision_bits = coef_bits;
  const double ifx = 1.0 / (static_cast<double>(dst) / src);
  for (int d = rows.begin; d < rows.end; ++d) {
    int s = static_cast<int>(std::floor(d * ifx));
    single_tap(t, d, s < src - 1 ? s : src - 1);
  }
  t.identity = src == dst;
  return t;
}

inline ResizeTaps nearest_exact(int src, int dst, Rows rows) {
  ResizeTaps t;
  t.resize_rows(src, dst, 1, rows);
  t.fixed.assign(static_cast<std::size_t>(rows.size()), 0);
  t.precision_bits = coef_bits;
  const std::int64_t ifx = ((static_cast<std::int64_t>(src) << 16) + dst / 2) / dst;
  const std::int64_t ifx0 = ifx / 2 - 1;
  for (int d = rows.begin; d < rows.end; ++d) {
    const std::int64_t s = (ifx * d + ifx0) >> 16;
    single_tap(t, d, static_cast<int>(s < src - 1 ? s : src - 1));
  }
  t.identity = src == dst;
  return t;
}

// Two taps per output: (index, index + 1) with weights (1 - f, f) quantised to 11 bits.
// `clamp_x` applies the horizontal border rule (index and weight clamped); the vertical
// axis keeps the computed weights and only clamps the rows it reads.
PIXFUSE_NO_CONTRACT inline ResizeTaps linear(int src, int dst, bool clamp_x, Rows rows) {
  ResizeTaps t;
  t.resize_rows(src, dst, 2, rows);
  t.fixed.assign(static_cast<std::size_t>(rows.size()) * 2, 0);
  t.precision_bits = coef_bits;
  const double scale = 1.0 / (static_cast<double>(dst) / src);
  for (int d = rows.begin; d < rows.end; ++d) {
    Position p = position(d, scale);
    if (clamp_x) {
      if (p.index < 0) p = {0, 0.0f};
      if (p.index >= src - 1) p = {src - 1, 0.0f};
    }
    const float w[2] = {1.0f - p.fraction, p.fraction};
    t.set(d, p.index, 2);
    for (int k = 0; k < 2; ++k) {
      t.weight_row(d)[k] = w[k];
      t.fixed_row(d)[k] = quantise(w[k]);
    }
  }
  t.identity = src == dst;
  return t;
}

// INTER_AREA enlarging an axis: the bilinear code with cell-based coordinates.
PIXFUSE_NO_CONTRACT inline ResizeTaps area_enlarge(int src, int dst, bool clamp_x, Rows rows) {
  ResizeTaps t;
  t.resize_rows(src, dst, 2, rows);
  t.fixed.assign(static_cast<std::size_t>(rows.size()) * 2, 0);
  t.precision_bits = coef_bits;
  const double inv = static_cast<double>(dst) / src;
  const double scale = 1.0 / inv;
  for (int d = rows.begin; d < rows.end; ++d) {
    int s = static_cast<int>(std::floor(d * scale));
    float f = static_cast<float>((d + 1) - (s + 1) * inv);
    f = f <= 0 ? 0.0f : f - static_cast<float>(std::floor(f));
    if (clamp_x && s >= src - 1) {
      s = src - 1;
      f = 0.0f;
    }
    const float w[2] = {1.0f - f, f};
    t.set(d, s, 2);
    for (int k = 0; k < 2; ++k) {
      t.weight_row(d)[k] = w[k];
      t.fixed_row(d)[k] = quantise(w[k]);
    }
  }
  t.identity = src == dst;
  return t;
}

// Keys cubic with a = -0.75, evaluated in float as OpenCV's interpolateCubic does.
PIXFUSE_NO_CONTRACT inline void cubic_weights(float x, float w[4]) {
  constexpr float A = -0.75f;
  const float x1 = x + 1.0f;
  w[0] = ((A * x1 + 3.75f) * x1 - 6.0f) * x1 + 3.0f;
  w[1] = ((1.25f * x - 2.25f) * x) * x + 1.0f;
  const float y = 1.0f - x;
  w[2] = ((1.25f * y - 2.25f) * y) * y + 1.0f;
  w[3] = ((1.0f - w[0]) - w[1]) - w[2];
}

// Lanczos with a = 4 over 8 taps, as OpenCV's interpolateLanczos4 computes it.
PIXFUSE_NO_CONTRACT inline void lanczos4_weights(float x, float w[8]) {
  constexpr double r = 0.7071067811865476;
  constexpr double cs[8][2] = {{1, 0},  {-r, -r}, {0, 1},  {r, -r},
                               {-1, 0}, {r, r},   {0, -1}, {-r, r}};
  const float x3 = x + 3.0f;
  const double y0 = -static_cast<double>(x3) * M_PI * 0.25;
  const double s0 = std::sin(y0), c0 = std::cos(y0);
  float sum = 0.0f;
  for (int i = 0; i < 8; ++i) {
    const float t = x3 - static_cast<float>(i);
    if (std::fabs(t) >= 1e-6f) {
      const double y = -static_cast<double>(t) * M_PI * 0.25;
      w[i] = static_cast<float>((cs[i][0] * s0 + cs[i][1] * c0) / (y * y));
    } else {
      w[i] = 1e30f;
    }
    sum += w[i];
  }
  const float inv = 1.0f / sum;
  for (int i = 0; i < 8; ++i) w[i] *= inv;
}

// CUBIC (4 taps) or LANCZOS4 (8 taps): replicated borders, no fix-up of the fraction.
PIXFUSE_NO_CONTRACT inline ResizeTaps windowed(int src, int dst, int taps, Rows rows) {
  ResizeTaps t;
  t.resize_rows(src, dst, taps, rows);
  t.fixed.assign(static_cast<std::size_t>(rows.size()) * static_cast<std::size_t>(taps), 0);
  t.precision_bits = coef_bits;
  const double scale = 1.0 / (static_cast<double>(dst) / src);
  for (int d = rows.begin; d < rows.end; ++d) {
    const Position p = position(d, scale);
    float w[8];
    if (taps == 4) cubic_weights(p.fraction, w);
    else lanczos4_weights(p.fraction, w);
    t.set(d, p.index - (taps / 2 - 1), taps);
    for (int k = 0; k < taps; ++k) {
      t.weight_row(d)[k] = w[k];
      t.fixed_row(d)[k] = quantise(w[k] * 1.0f);
    }
  }
  t.identity = src == dst;
  return t;
}

// INTER_LINEAR_EXACT: weights with 8 fractional bits (16 for 16-bit images) computed in
// double; outside the image the border sample with weights (1, 0).
PIXFUSE_NO_CONTRACT inline ResizeTaps linear_exact(int src, int dst, int bits, Rows rows) {
  ResizeTaps t;
  t.resize_rows(src, dst, 2, rows);
  t.fixed.assign(static_cast<std::size_t>(rows.size()) * 2, 0);
  t.precision_bits = bits;
  const int one = 1 << bits;
  const double scale = 1.0 / (static_cast<double>(dst) / src);
  for (int d = rows.begin; d < rows.end; ++d) {
    const double f = scale * (d + 0.5) - 0.5;
    const int i = static_cast<int>(std::floor(f));
    int index = 0, c1 = 0;
    if (i >= 0 && src > 1) {
      if (i < src - 1) {
        index = i;
        c1 = rint_int((f - i) * one);
      } else {
        index = src - 1;
      }
    }
    t.set(d, index, 2);
    t.fixed_row(d)[0] = one - c1;
    t.fixed_row(d)[1] = c1;
    t.weight_row(d)[0] = static_cast<double>(one - c1) / one;
    t.weight_row(d)[1] = static_cast<double>(c1) / one;
  }
  t.identity = src == dst;
  return t;
}

// INTER_AREA with an integer factor k: blocks of k samples, weight 1 each.
inline ResizeTaps area_blocks(int src, int dst, int k, Rows rows) {
  ResizeTaps t;
  t.resize_rows(src, dst, k, rows);
  t.fixed.assign(static_cast<std::size_t>(rows.size()) * static_cast<std::size_t>(k), 1);
  t.precision_bits = 0;
  for (int d = rows.begin; d < rows.end; ++d) {
    t.set(d, d * k, k);
    for (int j = 0; j < k; ++j) t.weight_row(d)[j] = 1.0 / k;
  }
  t.identity = k == 1;
  return t;
}

// INTER_AREA's general table: the covered fraction of each source cell, as float.
PIXFUSE_NO_CONTRACT inline ResizeTaps area_fractions(int src, int dst, Rows rows) {
  const double scale = 1.0 / (static_cast<double>(dst) / src);
  ResizeTaps t;
  t.resize_rows(src, dst, static_cast<std::int64_t>(std::ceil(scale)) + 2, rows);
  for (int d = rows.begin; d < rows.end; ++d) {
    const double f1 = d * scale, f2 = f1 + scale;
    const double cell = std::fmin(scale, src - f1);
    int s2 = static_cast<int>(std::floor(f2));
    if (s2 > src - 1) s2 = src - 1;
    int s1 = static_cast<int>(std::ceil(f1));
    if (s1 > s2) s1 = s2;
    double* w = t.weight_row(d);
    int n = 0, first = s1;
    if (s1 - f1 > 1e-3) {
      first = s1 - 1;
      w[n++] = static_cast<float>((s1 - f1) / cell);
    }
    for (int s = s1; s < s2; ++s) w[n++] = static_cast<float>(1.0 / cell);
    if (f2 - s2 > 1e-3)
      w[n++] = static_cast<float>(std::fmin(std::fmin(f2 - s2, 1.0), cell) / cell);
    t.set(d, first, n);
  }
  t.identity = src == dst;
  return t;
}

struct Taps {
  Arithmetic arithmetic;
  ResizeTaps x, y;
};

// Both axes at once: INTER_AREA and the 2x2 shortcut depend on both scale factors.
// `in` decides the arithmetic: 8-bit images get OpenCV's fixed point, 16-bit images float
// weights with the result rounded to u16, float images float throughout.
inline Taps resize_taps(Filter f, int sw, int dw, int sh, int dh, DType in, Rows rx, Rows ry) {
  const bool u8 = in == DType::u8;
  if (f == Filter::linear_exact && in == DType::f32) f = Filter::bilinear;  // as cv::resize does
  const double scale_x = 1.0 / (static_cast<double>(dw) / sw);
  const double scale_y = 1.0 / (static_cast<double>(dh) / sh);
  const int ix = static_cast<int>(std::nearbyint(scale_x)),
            iy = static_cast<int>(std::nearbyint(scale_y));
  const bool area_fast =
      std::fabs(scale_x - ix) < DBL_EPSILON && std::fabs(scale_y - iy) < DBL_EPSILON;
  const Arithmetic real = in == DType::u16 ? Arithmetic::real_u16 : Arithmetic::real;
  switch (f) {
    case Filter::nearest:
      return {u8 ? Arithmetic::fixed_u8 : real, nearest(sw, dw, rx), nearest(sh, dh, ry)};
    case Filter::nearest_exact:
      return {u8 ? Arithmetic::fixed_u8 : real, nearest_exact(sw, dw, rx),
              nearest_exact(sh, dh, ry)};
    case Filter::bilinear:
      if (area_fast && ix == 2 && iy == 2)
        return {u8 ? Arithmetic::opencv_area_fast : real, area_blocks(sw, dw, 2, rx),
                area_blocks(sh, dh, 2, ry)};
      return {u8 ? Arithmetic::opencv_linear : real, linear(sw, dw, true, rx),
              linear(sh, dh, false, ry)};
    case Filter::linear_exact:
      if (area_fast && ix == 2 && iy == 2)
        return {u8 ? Arithmetic::opencv_area_fast : real, area_blocks(sw, dw, 2, rx),
                area_blocks(sh, dh, 2, ry)};
      if (u8)
        return {Arithmetic::opencv_linear_exact, linear_exact(sw, dw, 8, rx),
                linear_exact(sh, dh, 8, ry)};
      return {real, linear_exact(sw, dw, 16, rx), linear_exact(sh, dh, 16, ry)};
    case Filter::bicubic:
      return {u8 ? Arithmetic::opencv_cubic : real, windowed(sw, dw, 4, rx),
              windowed(sh, dh, 4, ry)};
    case Filter::lanczos4:
      return {u8 ? Arithmetic::opencv_lanczos4 : real, windowed(sw, dw, 8, rx),
              windowed(sh, dh, 8, ry)};
    case Filter::area:
      if (scale_x >= 1 && scale_y >= 1) {
        if (area_fast)
          return {u8 ? Arithmetic::opencv_area_fast : real, area_blocks(sw, dw, ix, rx),
                  area_blocks(sh, dh, iy, ry)};
        return {u8 ? Arithmetic::opencv_area : real, area_fractions(sw, dw, rx),
                area_fractions(sh, dh, ry)};
      }
      return {u8 ? Arithmetic::opencv_linear : real, area_enlarge(sw, dw, true, rx),
              area_enlarge(sh, dh, false, ry)};
    case Filter::lanczos3:
    case Filter::hamming:
    case Filter::lanczos5:
      throw Error("resize filter",
                  "nearest, nearest_exact, bilinear, linear_exact, bicubic, lanczos4 or area for "
                  "compat opencv",
                  std::string(name(f)));
  }
  detail::unreachable("compat opencv: resize taps");
}

}  // namespace pixfuse::compat::opencv
