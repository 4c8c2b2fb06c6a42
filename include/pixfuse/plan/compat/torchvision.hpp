// The torchvision convention: torchvision.transforms.v2.functional.resize on uint8 tensors
// (torch's separable uint8 kernel, UpSampleKernelAVXAntialias.h; torch 2.x).
//
// Antialiased bilinear / bicubic (a = -0.5) / lanczos3: Pillow's window and normalisation
// (center = (i + 0.5) * in / out, support scaled by max(scale, 1), truncated window,
// weights normalised in double). Without antialias: 2 (bilinear) or 4 (bicubic, a = -0.75)
// fixed taps at (i + 0.5) * scale - 0.5, taps past the edges folded into the edge weight.
// Weights are quantised to int16 with a per-axis precision: the most fractional bits
// (<= 22) that keep the largest weight below 2^15. Each pass stores u8 (horizontal first);
// a pass whose size does not change is skipped.
// nearest: floor(i * float(in / out)) in float32; nearest_exact: the pixel centre, with
// the rounding of torch's kernel for that output size (it has two).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/plan/arithmetic.hpp"
#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/recipe/resampling.hpp"

namespace pixfuse::compat::torchvision {

namespace filter {
inline double linear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}
// Keys cubic as torch writes it (its second branch differs in rounding from Pillow's).
PIXFUSE_NO_CONTRACT inline double cubic(double x, double a) {
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}
PIXFUSE_NO_CONTRACT inline double lanczos3(double x) {
  auto sinc = [](double v) { return v == 0.0 ? 1.0 : std::sin(v * M_PI) / (v * M_PI); };
  return (x > -3.0 && x < 3.0) ? sinc(x) * sinc(x / 3.0) : 0.0;
}
}  // namespace filter

inline double evaluate(Filter f, bool antialias, double x) {
  switch (f) {
    case Filter::bilinear: return filter::linear(x);
    case Filter::bicubic: return filter::cubic(x, antialias ? -0.5 : -0.75);
    case Filter::lanczos3: return filter::lanczos3(x);
    case Filter::nearest:  // resize_taps filters only bilinear, bicubic and lanczos3
    case Filter::lanczos4:
    case Filter::area:
    case Filter::hamming:
    case Filter::lanczos5:
    case Filter::nearest_exact:
    case Filter::linear_exact: break;
  }
  detail::unreachable("compat torchvision: filter weight");
}

// interp_size / 2 in torch: 1 (bilinear), 2 (bicubic), 3 (lanczos3).
inline int half_taps(Filter f) {
  return f == Filter::bilinear ? 1 : (f == Filter::bicubic ? 2 : 3);
}

// One row of torch's weights, unquantised: the first source index, the count, and
// `maxk` weights in w (zero past the count).
struct Row {
  std::int64_t first = 0, count = 0;
};

// The antialiased window (Pillow's), weights in double.
struct Antialiased {
  Filter f;
  int in;
  double scale, support, invscale;
  int maxk;
  Antialiased(int in_, int out, Filter f_) : f(f_), in(in_) {
    scale = static_cast<double>(in) / out;
    support = scale >= 1.0 ? half_taps(f) * scale : half_taps(f);
    invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
    maxk = 0;
  }
  std::int64_t taps() const { return static_cast<std::int64_t>(std::ceil(support)) * 2 + 1; }
  PIXFUSE_NO_CONTRACT Row row(int i, double* w) const {
    const double center = scale * (i + 0.5);
    std::int64_t xmin = static_cast<std::int64_t>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    std::int64_t xsize = static_cast<std::int64_t>(center + support + 0.5);
    if (xsize > in) xsize = in;
    xsize -= xmin;
    xsize = xsize < 0 ? 0 : (xsize > maxk ? maxk : xsize);
    double total = 0.0;
    for (int j = 0; j < xsize; ++j) {
      w[j] = evaluate(f, true, (static_cast<double>(j + xmin) - center + 0.5) * invscale);
      total += w[j];
    }
    for (std::int64_t j = xsize; j < maxk; ++j) w[j] = 0.0;
    if (total != 0.0)
      for (int j = 0; j < xsize; ++j) w[j] /= total;
    return {xmin, xsize};
  }
};

// Fixed 2 or 4 taps around (i + 0.5) * scale - 0.5; taps past an edge add their weight
// to the edge tap (torch clamps the index).
struct FixedTaps {
  Filter f;
  int in;
  double scale;
  int support, maxk;
  FixedTaps(int in_, int out, Filter f_) : f(f_), in(in_), scale(static_cast<double>(in_) / out) {
    support = half_taps(f);
    maxk = 2 * support;
  }
  std::int64_t taps() const { return maxk; }
  PIXFUSE_NO_CONTRACT Row row(int i, double* w) const {
    double real = scale * (i + 0.5) - 0.5;
    if (f == Filter::bilinear && real < 0.0) real = 0.0;
    std::int64_t idx =
        static_cast<std::int64_t>(std::floor(static_cast<float>(real)));  // floorf on a double
    if (idx > in - 1) idx = in - 1;
    const double lam = std::fmin(std::fmax(real - static_cast<double>(idx), 0.0), 1.0);
    const std::int64_t umin = idx - support + 1, umax = idx + support + 1;
    const std::int64_t xmin = umin > 0 ? umin : 0;
    std::int64_t xsize = (umax < in ? umax : in) - xmin;
    xsize = xsize < 0 ? 0 : (xsize > maxk ? maxk : xsize);
    for (int j = 0; j < maxk; ++j) w[j] = 0.0;
    std::int64_t k = 0;
    for (int j = 0; j < maxk; ++j) {
      const double v = evaluate(f, false, static_cast<double>(j + 1 - support) - lam);
      if (umin + j <= 0) k = 0;
      else if (umin + j >= in - 1) k = xsize - 1;
      w[k] += v;
      ++k;
    }
    return {xmin, xsize};
  }
};

// torch computes every row, then quantises to int16 with the most fractional bits (<= 22)
// that keep the largest weight of the whole axis below 2^15, each weight rounded half
// away from zero. Here every row is evaluated for that maximum (the matrix is bounded by
// limits::max_matrix_taps) and only `rows` are kept.
template <class Window>
PIXFUSE_NO_CONTRACT ResizeTaps quantised(int in, int out, Rows rows, Window window) {
  ResizeTaps t;
  t.resize_rows(in, out, window.taps(), rows);
  window.maxk = t.max_taps;
  std::vector<double> scratch(static_cast<std::size_t>(t.max_taps));
  double wt_max = 0.0;
  for (int i = 0; i < out; ++i) {
    double* w = t.has_row(i) ? t.weight_row(i) : scratch.data();
    const Row r = window.row(i, w);
    for (int j = 0; j < t.max_taps; ++j) wt_max = std::fmax(wt_max, w[j]);
    if (t.has_row(i))
      t.set(i, static_cast<std::int32_t>(r.first), static_cast<std::int32_t>(r.count));
  }
  int prec = 0;
  while (prec < 22 && static_cast<int>(0.5 + wt_max * static_cast<double>(1 << (prec + 1))) < 32768)
    ++prec;
  t.precision_bits = prec;
  t.fixed.assign(t.weights.size(), 0);
  const double one = static_cast<double>(1 << prec);
  for (std::size_t i = 0; i < t.weights.size(); ++i) {
    const double v = t.weights[i] * one;
    t.fixed[i] = static_cast<std::int16_t>(v < 0.0 ? v - 0.5 : v + 0.5);
  }
  return t;
}

inline ResizeTaps single_taps(int in, int out, Rows rows) {
  ResizeTaps t;
  t.resize_rows(in, out, 1, rows);
  t.fixed.assign(static_cast<std::size_t>(rows.size()), 1 << 14);
  t.precision_bits = 14;
  return t;
}

// nearest: floor(i * s) with s = float(in) / float(out), all float32.
inline ResizeTaps nearest(int in, int out, Rows rows) {
  ResizeTaps t = single_taps(in, out, rows);
  const float s = static_cast<float>(in) / static_cast<float>(out);
  for (int i = rows.begin; i < rows.end; ++i) {
    std::int64_t src = static_cast<std::int64_t>(std::floor(static_cast<float>(i) * s));
    t.set(i, static_cast<std::int32_t>(src < in - 1 ? src : in - 1), 1);
    t.weight_row(i)[0] = 1.0;
  }
  t.identity = in == out;
  return t;
}

// nearest_exact: torch runs one of two kernels depending on the output size, and they
// round exact ties differently.
inline ResizeTaps nearest_exact(int in, int out, bool small_output, Rows rows) {
  ResizeTaps t = single_taps(in, out, rows);
  const float s = static_cast<float>(in) / static_cast<float>(out);
  for (int i = rows.begin; i < rows.end; ++i) {
    float r;
    if (small_output) {
      r = static_cast<float>((i + 0.5) * static_cast<double>(s));
    } else {
      r = std::fmaf(s, static_cast<float>(i) + 0.5f, -0.5f);
      if (r < 0.0f) r = 0.0f;
      r = static_cast<float>(static_cast<double>(r) + 0.5);
    }
    const std::int64_t src = static_cast<std::int64_t>(std::floor(r));
    t.set(i, static_cast<std::int32_t>(src < in - 1 ? src : in - 1), 1);
    t.weight_row(i)[0] = 1.0;
  }
  t.identity = in == out;
  return t;
}

inline ResizeTaps filtered(int in, int out, Filter f, bool antialias, Rows rows) {
  if (in == out) {  // torch skips the pass: identity
    ResizeTaps t = single_taps(in, out, rows);
    for (int i = rows.begin; i < rows.end; ++i) {
      t.set(i, i, 1);
      t.weight_row(i)[0] = 1.0;
    }
    t.identity = true;
    return t;
  }
  return antialias ? quantised(in, out, rows, Antialiased(in, out, f))
                   : quantised(in, out, rows, FixedTaps(in, out, f));
}

struct Taps {
  Arithmetic arithmetic;
  ResizeTaps x, y;
};

inline Taps resize_taps(Filter f, bool antialias, int sw, int dw, int sh, int dh, bool u8, Rows rx,
                        Rows ry) {
  // uint8 images use torch's int16 fixed point; float images the same weights in float.
  const Arithmetic a = u8 ? Arithmetic::fixed_u8 : Arithmetic::real;
  switch (f) {
    case Filter::nearest: return {a, nearest(sw, dw, rx), nearest(sh, dh, ry)};
    case Filter::nearest_exact: {
      const bool small = dw + dh <= 128;
      return {a, nearest_exact(sw, dw, small, rx), nearest_exact(sh, dh, small, ry)};
    }
    case Filter::bilinear:
    case Filter::bicubic:
      return {a, filtered(sw, dw, f, antialias, rx), filtered(sh, dh, f, antialias, ry)};
    case Filter::lanczos3:
      if (!antialias)
        throw Error("compat torchvision: lanczos3 needs antialias (torch has no plain lanczos)");
      return {a, filtered(sw, dw, f, true, rx), filtered(sh, dh, f, true, ry)};
    case Filter::lanczos4:
    case Filter::area:
    case Filter::hamming:
    case Filter::lanczos5:
    case Filter::linear_exact:
      throw Error("resize filter",
                  "nearest, nearest_exact, bilinear, bicubic or lanczos3 for compat torchvision",
                  std::string(name(f)));
  }
  detail::unreachable("compat torchvision: resize taps");
}

}  // namespace pixfuse::compat::torchvision
