// The reference kernel's arithmetic (cpu/reference.hpp) as __host__ __device__ functions
// over the packed descriptors: the passes (plan/tap_pass.hpp, the very functions the
// reference calls), the samples, the value map and the output conversion. Host and device
// run the same code, which is how the tests check the kernel's arithmetic against the
// reference on machines without a GPU.
//
// Floating point: every product and sum is rounded as written (plan/detail/exact_float.hpp:
// the _rn intrinsics on the device, which nvcc never fuses into FMAs; no contraction on the
// host, PIXFUSE_NO_CONTRACT_BEGIN below).
#pragma once

#include <cmath>
#include <cstdint>

#include "pixfuse/core/convert.hpp"
#include "pixfuse/core/detail/host_device.hpp"
#include "pixfuse/core/layout_mapping.hpp"
#include "pixfuse/cuda/descriptor.hpp"
#include "pixfuse/plan/arithmetic.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/plan/premultiply.hpp"
#include "pixfuse/plan/tap_pass.hpp"
#include "pixfuse/plan/value_map.hpp"

PIXFUSE_NO_CONTRACT_BEGIN
namespace pixfuse::cuda::detail {

template <class T>
PIXFUSE_HD inline const T* table(const unsigned char* tab, std::int64_t offset) {
  return reinterpret_cast<const T*>(tab + offset);
}

using pixfuse::detail::output_bits;
using pixfuse::detail::premultiply;
using pixfuse::detail::unpremultiply;

// One pass over the samples s(0..n) of output o of axis `a`: the reference's own arithmetic
// (plan/tap_pass.hpp) over the packed tables.
template <class Sample>
PIXFUSE_HD double pass(const PlanDesc& p, const AxisDesc& a, const unsigned char* tab, int o,
                       const Sample& s, bool first, std::int64_t flat) {
  const std::int64_t row = static_cast<std::int64_t>(o) * a.max_taps;
  const TapRow taps{table<std::int32_t>(tab, a.count)[o],
                    a.weights >= 0 ? table<double>(tab, a.weights) + row : nullptr,
                    a.fixed >= 0 ? table<std::int32_t>(tab, a.fixed) + row : nullptr,
                    a.reversed != 0, a.precision_bits};
  const PassRule rule{static_cast<Arithmetic>(p.arithmetic), p.simd_columns, p.area_kx};
  return tap_pass(rule, taps, s, first, flat);
}

// Stored sample (sx, sy, c) of the source as double.
PIXFUSE_HD inline double load(const PlanDesc& p, const ImageDesc& im, int sx, int sy, int c) {
  const unsigned char* row =
      static_cast<const unsigned char*>(im.src) + static_cast<std::int64_t>(sy) * im.src_stride;
  const std::int64_t i = static_cast<std::int64_t>(sx) * p.in_channels + c;
  switch (static_cast<DType>(p.in_dtype)) {
    case DType::u8: return row[i];
    case DType::u16: return reinterpret_cast<const std::uint16_t*>(row)[i];
    case DType::f32: return reinterpret_cast<const float*>(row)[i];
    case DType::i8:  // not image dtypes: pack_plans rejects them on the host
    case DType::f16:
    case DType::bf16: break;
  }
  return 0.0;  // unreachable (device code cannot throw)
}

// Upright sample (u, v, c), premultiplied when the plan resizes RGBA premultiplied.
PIXFUSE_HD inline double sample(const PlanDesc& p, const ImageDesc& im, int u, int v, int c) {
  const int sx = p.transposed ? v : u, sy = p.transposed ? u : v;
  if (!p.premultiply || c == 3) return load(p, im, sx, sy, c);
  return premultiply(static_cast<int>(load(p, im, sx, sy, c)),
                     static_cast<int>(load(p, im, sx, sy, 3)));
}

// The horizontal pass: upright row `row`, output column x (valid), source channel c.
PIXFUSE_HD inline double horizontal(const PlanDesc& p, const ImageDesc& im,
                                    const unsigned char* tab, int row, int x, int c) {
  const std::int32_t* idx =
      table<std::int32_t>(tab, p.x.indices) + static_cast<std::int64_t>(x) * p.x.max_taps;
  return pass(
      p, p.x, tab, x, [&](int k) { return sample(p, im, idx[k], row, c); }, true, 0);
}

// The vertical pass when it runs first (PlanDesc::vertical_first): upright column `col`,
// output row y (valid), source channel c.
PIXFUSE_HD inline double vertical(const PlanDesc& p, const ImageDesc& im, const unsigned char* tab,
                                  int col, int y, int c) {
  const std::int32_t* idx =
      table<std::int32_t>(tab, p.y.indices) + static_cast<std::int64_t>(y) * p.y.max_taps;
  return pass(
      p, p.y, tab, y, [&](int k) { return sample(p, im, col, idx[k], c); }, true, 0);
}

// The value map of output channel c (ValueMap::apply), from the packed steps.
PIXFUSE_HD inline float apply_steps(const PlanDesc& p, const unsigned char* tab, int c, float x) {
  if (p.step_count[c] == 0) return x;
  const float* st = table<float>(tab, p.steps) + 4 * p.step_begin[c];
  for (int i = 0; i < p.step_count[c]; ++i, st += 4)
    x = NormalizeStep{st[0], st[1] != 0.0f, st[2], st[3]}.apply(x);
  return x;
}

// Store output bits at (c, y, x) of the image's slot.
PIXFUSE_HD inline void store(const PlanDesc& p, const ImageDesc& im, int c, int y, int x,
                             std::uint32_t bits) {
  const LayoutMapping<std::int64_t> m(static_cast<Layout>(p.layout), p.out_channels, p.out_height,
                                      p.out_width);
  const std::int64_t i = m.offset(c, y, x);
  switch (static_cast<DType>(p.out_dtype)) {
    case DType::u8:
    case DType::i8: static_cast<std::uint8_t*>(im.dst)[i] = static_cast<std::uint8_t>(bits); break;
    case DType::f16:
    case DType::bf16:
      static_cast<std::uint16_t*>(im.dst)[i] = static_cast<std::uint16_t>(bits);
      break;
    case DType::f32: static_cast<std::uint32_t*>(im.dst)[i] = bits; break;
    case DType::u16:
      break;  // not an output dtype: pack_plans rejects it on the host (nothing stored)
  }
}

// The second pass, unpremultiply, value map and store of output pixel (x, y), all
// channels. `mid(k, c)` returns the horizontal result of vertical tap k, channel c; plans
// whose vertical pass runs first compute their first pass here instead.
template <class Mid>
PIXFUSE_HD void finish_pixel(const PlanDesc& p, const ImageDesc& im, const unsigned char* tab,
                             int x, int y, const Mid& mid) {
  const bool pad =
      y < p.y.valid_begin || y >= p.y.valid_end || x < p.x.valid_begin || x >= p.x.valid_end;
  if (pad) {
    for (int c = 0; c < p.out_channels; ++c) store(p, im, c, y, x, p.pad_bits[c]);
    return;
  }
  double value[4] = {0, 0, 0, 0};
  const std::int64_t resized = table<std::int32_t>(tab, p.x.resized)[x];
  const std::int32_t* xidx =
      table<std::int32_t>(tab, p.x.indices) + static_cast<std::int64_t>(x) * p.x.max_taps;
  for (int c = 0; c < 4; ++c) {
    if (!(p.used_mask & (1 << c))) continue;
    if (p.vertical_first)
      value[c] = pass(
          p, p.x, tab, x, [&](int k) { return vertical(p, im, tab, xidx[k], y, c); }, false, 0);
    else
      value[c] = pass(
          p, p.y, tab, y, [&](int k) { return mid(k, c); }, false, resized * p.in_channels + c);
  }
  if (p.premultiply)
    for (int c = 0; c < 3; ++c)
      value[c] = unpremultiply(static_cast<int>(value[c]), static_cast<int>(value[3]));
  const bool lut = produces_u8(static_cast<Arithmetic>(p.arithmetic));
  for (int c = 0; c < p.out_channels; ++c) {
    const double v = value[p.channel_source[c]];
    const std::uint32_t bits =
        lut ? table<std::uint32_t>(tab, p.lut_bits)[c * 256 + static_cast<int>(v)]
            : output_bits(static_cast<DType>(p.out_dtype),
                          apply_steps(p, tab, c, static_cast<float>(v)));
    store(p, im, c, y, x, bits);
  }
}

}  // namespace pixfuse::cuda::detail
PIXFUSE_NO_CONTRACT_END
