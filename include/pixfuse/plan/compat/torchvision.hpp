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
    default: return filter::lanczos3(x);
  }
}

// interp_size / 2 in torch: 1 (bilinear), 2 (bicubic), 3 (lanczos3).
inline int half_taps(Filter f) { return f == Filter::bilinear ? 1 : (f == Filter::bicubic ? 2 : 3); }

// Antialiased window (Pillow's): weights in double, unquantised.
PIXFUSE_NO_CONTRACT inline ResizeTaps antialiased(int in, int out, Filter f) {
  const double scale = static_cast<double>(in) / out;
  const double support = scale >= 1.0 ? half_taps(f) * scale : half_taps(f);
  const int maxk = static_cast<int>(std::ceil(support)) * 2 + 1;
  const double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
  ResizeTaps t;
  t.resize_rows(in, out, maxk);
  for (int i = 0; i < out; ++i) {
    const double center = scale * (i + 0.5);
    std::int64_t xmin = static_cast<std::int64_t>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    std::int64_t xsize = static_cast<std::int64_t>(center + support + 0.5);
    if (xsize > in) xsize = in;
    xsize -= xmin;
    xsize = xsize < 0 ? 0 : (xsize > maxk ? maxk : xsize);
    double* w = t.weight_row(i);
    double total = 0.0;
    for (int j = 0; j < xsize; ++j) {
      w[j] = evaluate(f, true, (static_cast<double>(j + xmin) - center + 0.5) * invscale);
      total += w[j];
    }
    if (total != 0.0)
      for (int j = 0; j < xsize; ++j) w[j] /= total;
    t.first[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(xmin);
    t.count[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(xsize);
  }
  return t;
}

// Fixed 2 or 4 taps around (i + 0.5) * scale - 0.5; taps past an edge add their weight
// to the edge tap (torch clamps the index).
PIXFUSE_NO_CONTRACT inline ResizeTaps fixed_taps(int in, int out, Filter f) {
  const double scale = static_cast<double>(in) / out;
  const int support = half_taps(f), interp = 2 * support;
  ResizeTaps t;
  t.resize_rows(in, out, interp);
  for (int i = 0; i < out; ++i) {
    double real = scale * (i + 0.5) - 0.5;
    if (f == Filter::bilinear && real < 0.0) real = 0.0;
    std::int64_t idx = static_cast<std::int64_t>(std::floor(static_cast<float>(real)));  // floorf on a double
    if (idx > in - 1) idx = in - 1;
    const double lam = std::fmin(std::fmax(real - static_cast<double>(idx), 0.0), 1.0);
    const std::int64_t umin = idx - support + 1, umax = idx + support + 1;
    const std::int64_t xmin = umin > 0 ? umin : 0;
    std::int64_t xsize = (umax < in ? umax : in) - xmin;
    xsize = xsize < 0 ? 0 : (xsize > interp ? interp : xsize);
    double* w = t.weight_row(i);
    std::int64_t k = 0;
    for (int j = 0; j < interp; ++j) {
      const double v = evaluate(f, false, static_cast<double>(j + 1 - support) - lam);
      if (umin + j <= 0) k = 0;
      else if (umin + j >= in - 1) k = xsize - 1;
      w[k] += v;
      ++k;
    }
    t.first[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(xmin);
    t.count[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(xsize);
  }
  return t;
}

// int16 weights: the most fractional bits (<= 22) keeping the largest weight < 2^15,
// each weight rounded half away from zero.
PIXFUSE_NO_CONTRACT inline void quantise(ResizeTaps& t) {
  double wt_max = 0.0;
  for (double w : t.weights) wt_max = std::fmax(wt_max, w);
  int prec = 0;
  while (prec < 22 && static_cast<int>(0.5 + wt_max * static_cast<double>(1 << (prec + 1))) < 32768) ++prec;
  t.precision_bits = prec;
  t.fixed.assign(t.weights.size(), 0);
  const double one = static_cast<double>(1 << prec);
  for (std::size_t i = 0; i < t.weights.size(); ++i) {
    const double v = t.weights[i] * one;
    t.fixed[i] = static_cast<std::int16_t>(v < 0.0 ? v - 0.5 : v + 0.5);
  }
}

inline ResizeTaps single_taps(int in, int out) {
  ResizeTaps t;
  t.resize_rows(in, out, 1);
  t.fixed.assign(static_cast<std::size_t>(out), 1 << 14);
  t.precision_bits = 14;
  return t;
}

// nearest: floor(i * s) with s = float(in) / float(out), all float32.
inline ResizeTaps nearest(int in, int out) {
  ResizeTaps t = single_taps(in, out);
  const float s = static_cast<float>(in) / static_cast<float>(out);
  for (int i = 0; i < out; ++i) {
    std::int64_t src = static_cast<std::int64_t>(std::floor(static_cast<float>(i) * s));
    t.first[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(src < in - 1 ? src : in - 1);
    t.count[static_cast<std::size_t>(i)] = 1;
    t.weights[static_cast<std::size_t>(i)] = 1.0;
  }
  t.identity = in == out;
  return t;
}

// nearest_exact: torch runs one of two kernels depending on the output size, and they
// round exact ties differently.
inline ResizeTaps nearest_exact(int in, int out, bool small_output) {
  ResizeTaps t = single_taps(in, out);
  const float s = static_cast<float>(in) / static_cast<float>(out);
  for (int i = 0; i < out; ++i) {
    float r;
    if (small_output) {
      r = static_cast<float>((i + 0.5) * static_cast<double>(s));
    } else {
      r = std::fmaf(s, static_cast<float>(i) + 0.5f, -0.5f);
      if (r < 0.0f) r = 0.0f;
      r = static_cast<float>(static_cast<double>(r) + 0.5);
    }
    const std::int64_t src = static_cast<std::int64_t>(std::floor(r));
    t.first[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(src < in - 1 ? src : in - 1);
    t.count[static_cast<std::size_t>(i)] = 1;
    t.weights[static_cast<std::size_t>(i)] = 1.0;
  }
  t.identity = in == out;
  return t;
}

inline ResizeTaps filtered(int in, int out, Filter f, bool antialias) {
  if (in == out) {  // torch skips the pass: identity
    ResizeTaps t = single_taps(in, out);
    for (int i = 0; i < out; ++i) {
      t.first[static_cast<std::size_t>(i)] = i;
      t.count[static_cast<std::size_t>(i)] = 1;
      t.weights[static_cast<std::size_t>(i)] = 1.0;
    }
    t.identity = true;
    return t;
  }
  ResizeTaps t = antialias ? antialiased(in, out, f) : fixed_taps(in, out, f);
  quantise(t);
  return t;
}

struct Taps {
  Arithmetic arithmetic;
  ResizeTaps x, y;
};

inline Taps resize_taps(Filter f, bool antialias, int sw, int dw, int sh, int dh, bool u8) {
  // uint8 images use torch's int16 fixed point; float images the same weights in float.
  const Arithmetic a = u8 ? Arithmetic::fixed_u8 : Arithmetic::real;
  switch (f) {
    case Filter::nearest: return {a, nearest(sw, dw), nearest(sh, dh)};
    case Filter::nearest_exact: {
      const bool small = dw + dh <= 128;
      return {a, nearest_exact(sw, dw, small), nearest_exact(sh, dh, small)};
    }
    case Filter::bilinear:
    case Filter::bicubic:
      return {a, filtered(sw, dw, f, antialias), filtered(sh, dh, f, antialias)};
    case Filter::lanczos3:
      if (!antialias) throw Error("compat torchvision: lanczos3 needs antialias (torch has no plain lanczos)");
      return {a, filtered(sw, dw, f, true), filtered(sh, dh, f, true)};
    default:
      throw Error("resize filter",
                  "nearest, nearest_exact, bilinear, bicubic or lanczos3 for compat torchvision",
                  std::string(name(f)));
  }
}

}  // namespace pixfuse::compat::torchvision
