// The jax convention: jax.image.resize (jax/_src/image/scale.py) on float images.
//
// Per axis a dense weight matrix, evaluated here only where it is non-zero: sample
// position s = (i + 0.5) * (in / out) - 0.5 (in float32, as XLA computes it, with one
// rounding), kernel scale k = max(in / out, 1) when antialiasing, weight of input j
// kernel(|s - j| / k), normalised by the column sum (zero when the sum is below
// 1000 * FLT_EPSILON), zero for samples outside [-0.5, in - 0.5]. Kernels: triangle,
// Keys cubic (a = -0.5), lanczos3, lanczos5. An unchanged axis is not resampled.
// nearest: input floor(float(i + 0.5) * float(in * (1 / out))) in float32.
//
// The sample position is float32 as in JAX (in double, weights would be up to 2.7e-4
// off on large images); the rest is double, within 1e-6 of JAX's float32 weights, and the
// kernels sum in float32 with the weights rounded to float (Arithmetic::real). Taps whose
// weight is zero (the window's ends) are left out: they add nothing to the sums.
// (With jax_enable_x64 JAX computes the positions in double; that mode is not modelled.)
//
// Axis order: the einsum of _scale_and_translate contracts the image with both weight
// matrices; opt_einsum's path picks the axis whose contraction costs less in total
// (height first when in_w * out_h * (in_h + out_w) <= in_h * out_w * (in_w + out_h), ties
// included), and the float32 sums depend on the order: vertical_first() says which.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <string>

#include "pixfuse/core/error.hpp"
#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/recipe/resampling.hpp"

namespace pixfuse::compat::jax {

namespace kernel {
inline double triangle(double x) { return x < 1.0 ? 1.0 - x : 0.0; }
inline double keys_cubic(double x) {  // a = -0.5
  if (x >= 2.0) return 0.0;
  if (x >= 1.0) return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0;
  return ((1.5 * x - 2.5) * x) * x + 1.0;
}
inline double lanczos(double x, double r) {
  if (x > r) return 0.0;
  if (x <= 1e-3) return 1.0;
  return r * std::sin(M_PI * x) * std::sin(M_PI * x / r) / (M_PI * M_PI * x * x);
}
}  // namespace kernel

inline double support(Filter f) {
  switch (f) {
    case Filter::bilinear: return 1.0;
    case Filter::bicubic: return 2.0;
    case Filter::lanczos3: return 3.0;
    case Filter::lanczos5: return 5.0;
    case Filter::nearest:  // sampled, not filtered: axis_taps never asks for its support
    case Filter::lanczos4:
    case Filter::area:
    case Filter::hamming:
    case Filter::nearest_exact:
    case Filter::linear_exact:
      throw Error("resize filter",
                  "nearest, bilinear, bicubic, lanczos3 or lanczos5 for compat jax",
                  std::string(name(f)));
  }
  detail::unreachable("compat jax: filter support");
}

inline double evaluate(Filter f, double x) {
  switch (f) {
    case Filter::bilinear: return kernel::triangle(x);
    case Filter::bicubic: return kernel::keys_cubic(x);
    case Filter::lanczos3: return kernel::lanczos(x, 3.0);
    case Filter::lanczos5: return kernel::lanczos(x, 5.0);
    case Filter::nearest:  // support() rejected these before any weight is evaluated
    case Filter::lanczos4:
    case Filter::area:
    case Filter::hamming:
    case Filter::nearest_exact:
    case Filter::linear_exact: break;
  }
  detail::unreachable("compat jax: filter weight");
}

inline ResizeTaps identity(int n, Rows rows) {
  ResizeTaps t;
  t.resize_rows(n, n, 1, rows);
  for (int i = rows.begin; i < rows.end; ++i) {
    t.set(i, i, 1);
    t.weight_row(i)[0] = 1.0;
  }
  t.identity = true;
  return t;
}

inline ResizeTaps nearest(int in, int out, Rows rows) {
  ResizeTaps t;
  t.resize_rows(in, out, 1, rows);
  const float c = static_cast<float>(in) * (1.0f / static_cast<float>(out));
  for (int i = rows.begin; i < rows.end; ++i) {
    const float v = (static_cast<float>(i) + 0.5f) * c;
    int j = static_cast<int>(std::floor(v));
    j = j < 0 ? 0 : (j > in - 1 ? in - 1 : j);
    t.set(i, j, 1);
    t.weight_row(i)[0] = 1.0;
  }
  t.identity = in == out;
  return t;
}

inline ResizeTaps axis_taps(int in, int out, Filter f, bool antialias, Rows rows) {
  if (f == Filter::nearest) return nearest(in, out, rows);
  const double reach = support(f);
  if (in == out) return identity(in, rows);
  const float inv = static_cast<float>(static_cast<double>(in) / out);
  const double k = antialias && inv > 1.0f ? inv : 1.0;
  ResizeTaps t;
  t.resize_rows(in, out, static_cast<std::int64_t>(std::ceil(2 * reach * k)) + 2, rows);
  for (int i = rows.begin; i < rows.end; ++i) {
    // float32 fused multiply-add, as XLA evaluates (i + 0.5) * inv - 0.5.
    const double s = std::fmaf(static_cast<float>(i) + 0.5f, inv, -0.5f);
    if (!(s >= -0.5 && s <= in - 0.5)) continue;  // outside the input: all weights zero
    int lo = static_cast<int>(std::floor(s - reach * k)),
        hi = static_cast<int>(std::ceil(s + reach * k));
    lo = lo < 0 ? 0 : lo;
    hi = hi > in - 1 ? in - 1 : hi;
    double* w = t.weight_row(i);
    double total = 0.0;
    for (int j = lo; j <= hi; ++j) total += w[j - lo] = evaluate(f, std::fabs(s - j) / k);
    const double threshold = 1000.0 * FLT_EPSILON;
    if (!(std::fabs(total) > threshold)) continue;  // all weights zero
    for (int j = lo; j <= hi; ++j) w[j - lo] /= total;
    // Without the zero weights at the ends (the triangle's and the cubic's edges).
    int b = 0, e = hi - lo + 1;
    while (b < e && w[b] == 0.0) ++b;
    while (e > b && w[e - 1] == 0.0) --e;
    for (int j = b; j < e; ++j) w[j - b] = w[j];
    for (int j = e - b; j <= hi - lo; ++j) w[j] = 0.0;
    t.set(i, lo + b, e - b);
  }
  return t;
}

namespace detail {
// Products of three sizes (up to 2^31 each) overflow int64: 128 bits where the compiler has
// them (exact; __extension__ keeps -Wpedantic quiet), else long double.
#if defined(__SIZEOF_INT128__)
__extension__ typedef __int128 CostInt;
#else
typedef long double CostInt;
#endif
}  // namespace detail

// Whether JAX contracts the height axis first (see the top of this file); only when both
// axes are resized and summed (JAX skips an unchanged axis and indexes for nearest; unit
// taps are exact in any order).
inline bool vertical_first(Filter f, const ResizeTaps& x, const ResizeTaps& y) {
  if (f == Filter::nearest || x.identity || y.identity) return false;
  const detail::CostInt in_w = x.in_size, out_w = x.out_size, in_h = y.in_size, out_h = y.out_size;
  return in_w * out_h * (in_h + out_w) <= in_h * out_w * (in_w + out_h);
}

}  // namespace pixfuse::compat::jax
