// The fused kernels, once per SIMD target (Highway's per-target -inl.h convention: this
// file is included by hwy/foreach_target.h once per target, each time inside that
// target's namespace; see cpu/dispatch.hpp).
//
// One pass over the output, row by row:
//   horizontal  blocks of source rows, lanes = rows: the block is transposed so each
//               source column is one vector, every output column is then a dot product
//               of its taps with those vectors; results go to a small ring of rows
//   vertical    lanes = output columns: each output row is the dot product of its taps
//               with the ring rows it reads
//   store       resampled value -> value map -> output dtype, planar or interleaved
// No full-size intermediate exists: the ring holds max_taps + lanes rows.
//
// Every sum runs over the taps in the reference's order, in the reference's precision
// and without fused multiply-adds, so each target's output equals the reference's, bit
// for bit (integer conventions trivially; float ones because the operations are the same).

// Non-target headers: included once.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/cpu/workspace.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/plan/plan.hpp"

#if defined(PIXFUSE_CPU_FUSED_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_INL_H_
#undef PIXFUSE_CPU_FUSED_INL_H_
#else
#define PIXFUSE_CPU_FUSED_INL_H_
#endif

#include <hwy/highway.h>

#ifndef PIXFUSE_DISPATCH_NAMESPACE
#error "include pixfuse/cpu/dispatch.hpp (or define PIXFUSE_DISPATCH_NAMESPACE as it does)"
#endif

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Loads / stores of the first n lanes (n <= Lanes), never touching memory past them.
template <class D, class T>
hn::Vec<D> load_n(D d, const T* p, std::size_t n) {
  if (n == hn::Lanes(d)) return hn::LoadU(d, p);
  alignas(64) T lanes[hn::MaxLanes(d)] = {};
  std::memcpy(lanes, p, n * sizeof(T));
  return hn::Load(d, lanes);
}
template <class D, class T>
void store_n(hn::Vec<D> v, D d, T* p, std::size_t n) {
  if (n == hn::Lanes(d)) return hn::StoreU(v, d, p);
  alignas(64) T lanes[hn::MaxLanes(d)];
  hn::Store(v, d, lanes);
  std::memcpy(p, lanes, n * sizeof(T));
}

// ---------------------------------------------------------------------------------------
// Types per arithmetic: Acc accumulates the horizontal pass (lanes = rows); Mid is stored
// between the passes; the vertical pass yields u8 values (as int32) or float values.

template <Arithmetic A>
struct Traits {
  using Acc = std::int32_t;
  using Mid = std::int32_t;
  static constexpr bool u8_values = true;
};
template <>
struct Traits<Arithmetic::opencv_area> {
  using Acc = float;
  using Mid = float;
  static constexpr bool u8_values = true;
};
template <>
struct Traits<Arithmetic::round_half_away> {
  using Acc = double;
  using Mid = std::int32_t;
  static constexpr bool u8_values = false;
};
template <>
struct Traits<Arithmetic::real> {
  using Acc = double;
  using Mid = float;
  static constexpr bool u8_values = false;
};
template <>
struct Traits<Arithmetic::real_u16> : Traits<Arithmetic::real> {};

// Horizontal weight k of output x in the accumulator's type.
template <class Acc>
inline Acc h_weight(const AxisTaps& a, std::size_t i) {
  if constexpr (std::is_same_v<Acc, std::int32_t>) {
    return a.fixed[i];
  } else {
    return static_cast<Acc>(a.weights[i]);
  }
}

// ---------------------------------------------------------------------------------------
// Reading the source: sample (row r, column j) of the upright image, channel c; the
// orientation's mirrors are already in the tap indices, only a transposition remains.

template <class Src>
struct Source {
  const unsigned char* base;
  std::ptrdiff_t row_stride;
  int channels;
  bool transposed;
  bool premultiply;

  const Src* pixel(int r, int j) const {
    const int x = transposed ? r : j, y = transposed ? j : r;
    return reinterpret_cast<const Src*>(base + y * row_stride) + static_cast<std::ptrdiff_t>(x) * channels;
  }
};

// Pillow's premultiplication: c * a / 255 rounded.
inline int premultiplied(int c, int a) {
  const unsigned t = static_cast<unsigned>(c * a + 128);
  return static_cast<int>(((t >> 8) + t) >> 8);
}

// Fill cols[c][(j - jlo) * L + l] with sample (rows[l], j, channel c) for the used channels.
template <class Src, class Acc>
void transpose_in(const Source<Src>& src, const int* rows, int nrows, int L, int jlo, int jhi,
                  const int* used, int nused, Acc* cols, std::size_t col_stride) {
  const int width = jhi - jlo + 1;
  for (int l = 0; l < L; ++l) {
    const int r = rows[l < nrows ? l : nrows - 1];  // pad a partial block with its last row
    for (int j = 0; j < width; ++j) {
      const Src* px = src.pixel(r, jlo + j);
      for (int u = 0; u < nused; ++u) {
        const int c = used[u];
        Acc v = static_cast<Acc>(px[c]);
        if constexpr (std::is_same_v<Src, std::uint8_t>) {
          if (src.premultiply && c != 3) v = static_cast<Acc>(premultiplied(px[c], px[3]));
        }
        cols[static_cast<std::size_t>(u) * col_stride + static_cast<std::size_t>(j) * L + l] = v;
      }
    }
  }
}

// The horizontal pass result of the accumulator lanes, as Mid values.
template <Arithmetic A, class D>
void h_finish(D d, hn::Vec<D> acc, int precision, typename Traits<A>::Mid* out) {
  using Acc = typename Traits<A>::Acc;
  if constexpr (A == Arithmetic::fixed_u8) {
    // acc + 2^(p-1) >> p, clamped to 0..255 (Pillow, torchvision).
    const auto v = hn::ShiftRightSame(hn::Add(acc, hn::Set(d, 1 << (precision - 1))), precision);
    hn::Store(hn::Min(hn::Max(v, hn::Zero(d)), hn::Set(d, 255)), d, out);
  } else if constexpr (std::is_same_v<Acc, std::int32_t> || A == Arithmetic::opencv_area) {
    hn::Store(acc, d, out);  // OpenCV keeps the sums
  } else if constexpr (A == Arithmetic::round_half_away) {
    // trunc(acc +- 0.5): Pillow mode I.
    const auto half = hn::CopySign(hn::Set(d, 0.5), acc);
    const hn::Rebind<std::int32_t, D> di;
    hn::Store(hn::DemoteTo(di, hn::Trunc(hn::Add(acc, half))), di, out);
  } else {  // real: rounded to float
    const hn::Rebind<float, D> df;
    hn::Store(hn::DemoteTo(df, acc), df, out);
  }
}

// ---------------------------------------------------------------------------------------
// The vertical pass for one output row and one channel: values[x] for x in [x0, x1).

template <Arithmetic A>
struct Vertical;

// Integer dot product of the rows with fixed weights, then the convention's rounding.
template <Arithmetic A>
struct IntegerVertical {
  static void run(const Plan& p, const AxisTaps& Y, int y, const std::int32_t* const* rows, int x0, int x1,
                  int source_channel, std::int32_t* values) {
    const hn::ScalableTag<std::int32_t> d;
    const int N = static_cast<int>(hn::Lanes(d));
    const int n = Y.count[static_cast<std::size_t>(y)];
    const std::int32_t* q = Y.fixed_row(y);
    const int precision = Y.precision_bits;
    int area = 0;
    if constexpr (A == Arithmetic::opencv_area_fast) area = p.x.count[static_cast<std::size_t>(p.x.valid_begin)] * n;
    for (int x = x0; x < x1; x += N) {
      const int lanes = std::min(N, x1 - x);
      auto load = [&](int k) { return load_n(d, rows[k] + x, static_cast<std::size_t>(lanes)); };
      hn::Vec<decltype(d)> out;
      if constexpr (A == Arithmetic::fixed_u8) {
        auto acc = hn::Set(d, 1 << (precision - 1));
        for (int k = 0; k < n; ++k) acc = hn::Add(acc, hn::Mul(hn::Set(d, q[k]), load(k)));
        out = hn::ShiftRightSame(acc, precision);
      } else if constexpr (A == Arithmetic::opencv_linear) {
        // ((b (h >> 4)) >> 16) per tap, + 2 >> 2 (VResizeLinear).
        auto acc = hn::Set(d, 2);
        for (int k = 0; k < n; ++k)
          acc = hn::Add(acc, hn::ShiftRight<16>(hn::Mul(hn::Set(d, q[k]), hn::ShiftRight<4>(load(k)))));
        out = hn::ShiftRight<2>(acc);
      } else if constexpr (A == Arithmetic::opencv_lanczos4) {
        auto acc = hn::Set(d, 1 << 21);
        for (int k = 0; k < n; ++k) acc = hn::Add(acc, hn::Mul(hn::Set(d, q[k]), load(k)));
        out = hn::ShiftRight<22>(acc);
      } else if constexpr (A == Arithmetic::opencv_linear_exact) {
        auto acc = hn::Set(d, 1 << 15);
        for (int k = 0; k < n; ++k) acc = hn::Add(acc, hn::Mul(hn::Set(d, q[k]), load(k)));
        out = hn::ShiftRight<16>(acc);
      } else if constexpr (A == Arithmetic::opencv_area_fast) {
        auto sum = hn::Zero(d);
        for (int k = 0; k < n; ++k) sum = hn::Add(sum, load(k));
        if (area == 4 && n == 2) {
          out = hn::ShiftRight<2>(hn::Add(sum, hn::Set(d, 2)));
        } else {
          const hn::Rebind<float, decltype(d)> df;
          const auto mean = hn::Mul(hn::ConvertTo(df, sum), hn::Set(df, 1.0f / static_cast<float>(area)));
          out = hn::NearestInt(mean);
        }
      } else {  // opencv_cubic
        const hn::Rebind<float, decltype(d)> df;
        // Flattened columns below 8 * floor(width * channels / 8): float32 from the last tap.
        const std::int64_t simd_columns = 8 * ((static_cast<std::int64_t>(p.x.resized_size) * p.in_channels) / 8);
        alignas(64) std::int32_t flat[hn::MaxLanes(d)];
        for (int i = 0; i < lanes; ++i)
          flat[i] = static_cast<std::int32_t>(
              std::min<std::int64_t>(static_cast<std::int64_t>(p.x.resized[static_cast<std::size_t>(x + i)]) * p.in_channels + source_channel,
                                     INT32_MAX));
        for (int i = lanes; i < N; ++i) flat[i] = 0;
        const auto is_float = hn::Lt(hn::Load(d, flat), hn::Set(d, static_cast<std::int32_t>(std::min<std::int64_t>(simd_columns, INT32_MAX))));
        hn::Vec<decltype(df)> t = hn::Zero(df);
        for (int j = n - 1; j >= 0; --j) {
          const int k = Y.reversed ? n - 1 - j : j;
          const auto beta = hn::Set(df, static_cast<float>(q[k]) * (1.0f / 4194304.0f));
          const auto prod = hn::Mul(hn::ConvertTo(df, load(k)), beta);
          t = j == n - 1 ? prod : hn::Add(prod, t);
        }
        auto dot = hn::Set(d, 1 << 21);
        for (int k = 0; k < n; ++k) dot = hn::Add(dot, hn::Mul(hn::Set(d, q[k]), load(k)));
        out = hn::IfThenElse(hn::RebindMask(d, hn::RebindMask(df, is_float)), hn::NearestInt(t), hn::ShiftRight<22>(dot));
      }
      out = hn::Min(hn::Max(out, hn::Zero(d)), hn::Set(d, 255));
      store_n(out, d, values + x, static_cast<std::size_t>(lanes));
    }
  }
};

template <Arithmetic A>
struct Vertical : IntegerVertical<A> {};

// INTER_AREA's general path: float32 sums in table order, rint at the end.
template <>
struct Vertical<Arithmetic::opencv_area> {
  static void run(const Plan&, const AxisTaps& Y, int y, const float* const* rows, int x0, int x1, int,
                  std::int32_t* values) {
    const hn::ScalableTag<float> df;
    const hn::RebindToSigned<decltype(df)> di;
    const int N = static_cast<int>(hn::Lanes(df));
    const int n = Y.count[static_cast<std::size_t>(y)];
    const double* w = Y.weight_row(y);
    for (int x = x0; x < x1; x += N) {
      const std::size_t lanes = static_cast<std::size_t>(std::min(N, x1 - x));
      auto acc = hn::Zero(df);
      for (int j = 0; j < n; ++j) {
        const int k = Y.reversed ? n - 1 - j : j;
        acc = hn::Add(acc, hn::Mul(load_n(df, rows[k] + x, lanes), hn::Set(df, static_cast<float>(w[k]))));
      }
      const auto v = hn::Min(hn::Max(hn::NearestInt(acc), hn::Zero(di)), hn::Set(di, 255));
      store_n(v, di, values + x, lanes);
    }
  }
};

// Double sums of double weights: Pillow modes I and F, float images, JAX.
template <Arithmetic A, class Mid>
struct RealVertical {
  static void run(const Plan&, const AxisTaps& Y, int y, const Mid* const* rows, int x0, int x1, int,
                  float* values) {
    const hn::ScalableTag<double> dd;
    const hn::Rebind<Mid, decltype(dd)> dm;
    const hn::Rebind<float, decltype(dd)> df;
    const int N = static_cast<int>(hn::Lanes(dd));
    const int n = Y.count[static_cast<std::size_t>(y)];
    const double* w = Y.weight_row(y);
    for (int x = x0; x < x1; x += N) {
      const std::size_t lanes = static_cast<std::size_t>(std::min(N, x1 - x));
      auto acc = hn::Zero(dd);
      for (int k = 0; k < n; ++k)
        acc = hn::Add(acc, hn::Mul(hn::PromoteTo(dd, load_n(dm, rows[k] + x, lanes)), hn::Set(dd, w[k])));
      hn::Vec<decltype(df)> v;
      if constexpr (A == Arithmetic::round_half_away) {
        v = hn::DemoteTo(df, hn::Trunc(hn::Add(acc, hn::CopySign(hn::Set(dd, 0.5), acc))));
      } else if constexpr (A == Arithmetic::real_u16) {  // saturate_cast<ushort>
        v = hn::Min(hn::Max(hn::Round(hn::DemoteTo(df, acc)), hn::Zero(df)), hn::Set(df, 65535.0f));
      } else {
        v = hn::DemoteTo(df, acc);
      }
      store_n(v, df, values + x, lanes);
    }
  }
};
template <>
struct Vertical<Arithmetic::round_half_away> : RealVertical<Arithmetic::round_half_away, std::int32_t> {};
template <>
struct Vertical<Arithmetic::real> : RealVertical<Arithmetic::real, float> {};
template <>
struct Vertical<Arithmetic::real_u16> : RealVertical<Arithmetic::real_u16, float> {};

// ---------------------------------------------------------------------------------------
// Conversion of float values to output elements, as core/convert.hpp defines them.

// f32 -> f16 bits, round to nearest even (float16.hpp's to_f16, lane by lane). The
// comparisons are on signed lanes: every compared value is below 2^31.
template <class DU>
hn::Vec<DU> f16_bits(DU du, hn::Vec<DU> u) {
  const hn::RebindToSigned<DU> di;
  auto above = [&](hn::Vec<DU> a, std::int32_t limit) { return hn::RebindMask(du, hn::Gt(hn::BitCast(di, a), hn::Set(di, limit))); };
  const auto one = hn::Set(du, 1u);
  const auto sign = hn::And(hn::ShiftRight<16>(u), hn::Set(du, 0x8000u));
  const auto mag = hn::And(u, hn::Set(du, 0x7FFFFFFFu));
  // Normal range: rebias, round half to even on the 13 dropped bits.
  auto r = hn::Sub(mag, hn::Set(du, 112u << 23));
  r = hn::Add(r, hn::Add(hn::Set(du, 0x0FFFu), hn::And(hn::ShiftRight<13>(r), one)));
  const auto normal = hn::ShiftRight<13>(r);
  // Subnormal range: value / 2^-24 rounded half to even. (Lanes outside it get some
  // shift in 1..31; their result is discarded.)
  const auto exponent = hn::ShiftRight<23>(mag);
  const auto mantissa = hn::Or(hn::And(mag, hn::Set(du, 0x7FFFFFu)), hn::Set(du, 0x800000u));
  const auto shift = hn::Min(hn::Max(hn::Sub(hn::Set(du, 126u), hn::Min(exponent, hn::Set(du, 125u))), one), hn::Set(du, 31u));
  const auto q = mantissa >> shift;
  const auto rest = hn::Sub(mantissa, q << shift);
  const auto half = one << hn::Sub(shift, one);
  const auto rest_gt_half = hn::RebindMask(du, hn::Gt(hn::BitCast(di, rest), hn::BitCast(di, half)));
  const auto tie_odd = hn::And(hn::RebindMask(du, hn::Eq(hn::BitCast(di, rest), hn::BitCast(di, half))),
                               hn::RebindMask(du, hn::Eq(hn::BitCast(di, hn::And(q, one)), hn::BitCast(di, one))));
  const auto subnormal = hn::Add(q, hn::IfThenElseZero(hn::Or(rest_gt_half, tie_odd), one));
  // NaN keeps its top payload bits (0x200 if they are all zero).
  const auto payload = hn::And(hn::ShiftRight<13>(mag), hn::Set(du, 0x3FFu));
  const auto nan = hn::Or(hn::Set(du, 0x7C00u), hn::IfThenElse(above(payload, 0), payload, hn::Set(du, 0x200u)));
  auto bits = hn::IfThenElse(above(mag, 0x387FFFFF), normal, subnormal);  // >= 2^-14
  bits = hn::IfThenElse(above(mag, 0x33000000), bits, hn::Zero(du));      // <= 2^-25 -> 0
  bits = hn::IfThenElse(above(mag, 0x477FEFFF), hn::Set(du, 0x7C00u), bits);  // >= 65520 -> inf
  bits = hn::IfThenElse(above(mag, 0x7F800000), nan, bits);
  return hn::Or(sign, bits);
}

// f32 -> bf16 bits, round to nearest even; NaN stays NaN.
template <class DU>
hn::Vec<DU> bf16_bits(DU du, hn::Vec<DU> u) {
  const hn::RebindToSigned<DU> di;
  const auto rounded = hn::ShiftRight<16>(hn::Add(u, hn::Add(hn::Set(du, 0x7FFFu), hn::And(hn::ShiftRight<16>(u), hn::Set(du, 1u)))));
  auto hi = hn::ShiftRight<16>(u);
  const auto no_payload = hn::RebindMask(du, hn::Eq(hn::BitCast(di, hn::And(hi, hn::Set(du, 0x7Fu))), hn::Zero(di)));
  hi = hn::IfThenElse(no_payload, hn::Or(hi, hn::Set(du, 0x40u)), hi);
  const auto is_nan = hn::RebindMask(du, hn::Gt(hn::BitCast(di, hn::And(u, hn::Set(du, 0x7FFFFFFFu))), hn::Set(di, 0x7F800000)));
  return hn::IfThenElse(is_nan, hi, rounded);
}

// Saturating round half to even, NaN -> 0, as 32-bit lanes.
template <class DF>
hn::Vec<hn::RebindToSigned<DF>> saturate_round(DF df, hn::Vec<DF> v, float lo, float hi) {
  const hn::RebindToSigned<DF> di;
  const auto is_nan = hn::RebindMask(di, hn::Ne(v, v));
  const auto clamped = hn::Min(hn::Max(v, hn::Set(df, lo)), hn::Set(df, hi));
  return hn::IfThenZeroElse(is_nan, hn::NearestInt(clamped));
}

// Output element bits (zero-extended to 32) of float values.
template <class T, class DF>
hn::Vec<hn::RebindToUnsigned<DF>> output_bits(DF df, hn::Vec<DF> v) {
  const hn::RebindToUnsigned<DF> du;
  if constexpr (std::is_same_v<T, float>) {
    return hn::BitCast(du, v);
  } else if constexpr (std::is_same_v<T, f16>) {
    return f16_bits(du, hn::BitCast(du, v));
  } else if constexpr (std::is_same_v<T, bf16>) {
    return bf16_bits(du, hn::BitCast(du, v));
  } else if constexpr (std::is_same_v<T, std::uint8_t>) {
    return hn::BitCast(du, saturate_round(df, v, 0.0f, 255.0f));
  } else {
    return hn::And(hn::BitCast(du, saturate_round(df, v, -128.0f, 127.0f)), hn::Set(du, 0xFFu));
  }
}

// ---------------------------------------------------------------------------------------
// Storing one output row of one channel.

template <class T>
void put(void* out, std::size_t i, std::uint32_t bits) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the low bytes of `bits` are the element");
  std::memcpy(static_cast<unsigned char*>(out) + i * sizeof(T), &bits, sizeof(T));
}

// Writes `count` element bits to out at element index `start`, stepping `step` elements.
template <class T, class D>
void store_bits(D du, hn::Vec<D> bits, void* out, std::size_t start, std::size_t step, std::size_t count) {
  if (step == 1) {
    if constexpr (sizeof(T) == 4) {
      store_n(bits, du, reinterpret_cast<std::uint32_t*>(static_cast<T*>(out) + start), count);
      return;
    } else if constexpr (sizeof(T) == 2) {
      const hn::Rebind<std::uint16_t, D> d16;
      const hn::RebindToSigned<D> di;
      store_n(hn::DemoteTo(d16, hn::BitCast(di, bits)), d16, reinterpret_cast<std::uint16_t*>(static_cast<T*>(out) + start), count);
      return;
    } else {
      const hn::Rebind<std::uint8_t, D> d8;
      const hn::RebindToSigned<D> di;
      store_n(hn::DemoteTo(d8, hn::BitCast(di, bits)), d8, reinterpret_cast<std::uint8_t*>(static_cast<T*>(out) + start), count);
      return;
    }
  }
  alignas(64) std::uint32_t lanes[hn::MaxLanes(du)];
  hn::Store(bits, du, lanes);
  for (std::size_t i = 0; i < count; ++i) put<T>(out, start + i * step, lanes[i]);
}

// One output row of one channel into the tensor, in the plan's layout and dtype.
struct RowStore {
  const Plan& p;
  void* out;

  template <class F>
  void with_dtype(F&& f) const {
    switch (p.out_dtype) {
      case DType::f32: return f(float{});
      case DType::f16: return f(f16{});
      case DType::bf16: return f(bf16{});
      case DType::u8: return f(std::uint8_t{});
      default: return f(std::int8_t{});
    }
  }

  std::size_t index(int c, int y, int x) const {
    const std::size_t C = static_cast<std::size_t>(p.out_channels), H = static_cast<std::size_t>(p.out_height),
                      W = static_cast<std::size_t>(p.out_width);
    return p.layout == Layout::nchw ? (static_cast<std::size_t>(c) * H + static_cast<std::size_t>(y)) * W + static_cast<std::size_t>(x)
                                    : (static_cast<std::size_t>(y) * W + static_cast<std::size_t>(x)) * C + static_cast<std::size_t>(c);
  }
  std::size_t step() const { return p.layout == Layout::nchw ? 1 : static_cast<std::size_t>(p.out_channels); }

  void padding(int c, int y, int x0, int x1) const {
    with_dtype([&](auto t) {
      using T = decltype(t);
      for (int x = x0; x < x1; ++x) put<T>(out, index(c, y, x), p.pad_bits[static_cast<std::size_t>(c)]);
    });
  }

  // u8 values through the plan's lookup table.
  void lookup(int c, int y, int x0, int x1, const std::int32_t* values) const {
    with_dtype([&](auto t) { lookup_as<decltype(t)>(c, y, x0, x1, values); });
  }
  // Float values through the channel's value map.
  void map(int c, int y, int x0, int x1, const float* values) const {
    with_dtype([&](auto t) { map_as<decltype(t)>(c, y, x0, x1, values); });
  }

  template <class T>
  void lookup_as(int c, int y, int x0, int x1, const std::int32_t* values) const {
    const hn::ScalableTag<std::uint32_t> du;
    const hn::RebindToSigned<decltype(du)> di;
    const int N = static_cast<int>(hn::Lanes(du));
    const std::uint32_t* table = p.lut_bits.data() + static_cast<std::size_t>(c) * 256;
    for (int x = x0; x < x1; x += N) {
      const std::size_t lanes = static_cast<std::size_t>(std::min(N, x1 - x));
      const auto v = load_n(di, values + x, lanes);
      const auto bits = hn::GatherIndex(du, table, v);
      store_bits<T>(du, bits, out, index(c, y, x), step(), lanes);
    }
  }

  template <class T>
  void map_as(int c, int y, int x0, int x1, const float* values) const {
    const hn::ScalableTag<float> df;
    const hn::RebindToUnsigned<decltype(df)> du;
    const int N = static_cast<int>(hn::Lanes(df));
    const ValueMap& m = p.values[static_cast<std::size_t>(c)];
    for (int x = x0; x < x1; x += N) {
      const std::size_t lanes = static_cast<std::size_t>(std::min(N, x1 - x));
      auto v = load_n(df, values + x, lanes);
      for (const NormalizeStep& s : m.steps) {
        v = s.divide ? hn::Div(v, hn::Set(df, s.scale)) : hn::Mul(v, hn::Set(df, s.scale));
        v = hn::Div(hn::Sub(v, hn::Set(df, s.mean)), hn::Set(df, s.std));
      }
      store_bits<T>(du, output_bits<T>(df, v), out, index(c, y, x), step(), lanes);
    }
  }
};

// Pillow's un-premultiplication of the colour values, from the resampled alpha.
inline void unpremultiply(std::int32_t* colour, const std::int32_t* alpha, int x0, int x1) {
  for (int x = x0; x < x1; ++x) {
    const int a = alpha[x];
    if (a != 0 && a != 255) colour[x] = std::min(255, 255 * colour[x] / a);
  }
}

// ---------------------------------------------------------------------------------------
// The pass structure.

template <Arithmetic A, class Src>
void run_plan(const Plan& p, const AnyImageView& in, void* out) {
  using Acc = typename Traits<A>::Acc;
  using Mid = typename Traits<A>::Mid;
  constexpr bool u8_values = Traits<A>::u8_values;
  using Value = std::conditional_t<u8_values, std::int32_t, float>;
  const AxisTaps& X = p.x;
  const AxisTaps& Y = p.y;
  const RowStore store{p, out};

  // Source channels the output reads (and alpha, to premultiply).
  int used[4], nused = 0;
  for (int s = 0; s < p.in_channels; ++s) {
    bool needed = s == 3 && p.premultiply_alpha;
    for (int c = 0; c < p.out_channels; ++c) needed |= p.channel_source[static_cast<std::size_t>(c)] == s;
    if (needed) used[nused++] = s;
  }

  const bool any_valid = X.valid_begin < X.valid_end && Y.valid_begin < Y.valid_end;
  int jlo = 0, jhi = -1, rlo = 0, rhi = -1;
  if (any_valid) {
    X.source_range(jlo, jhi);
    Y.source_range(rlo, rhi);
  }
  const int x0 = X.valid_begin, x1 = X.valid_end;
  const std::size_t row_width = static_cast<std::size_t>(std::max(x1 - x0, 0));

  const hn::ScalableTag<Acc> da;
  const int L = static_cast<int>(hn::Lanes(da));
  const int ring_rows = Y.max_taps + L + 1;
  const std::size_t col_stride = static_cast<std::size_t>(std::max(jhi - jlo + 1, 0)) * static_cast<std::size_t>(L);

  detail::Workspace& ws = detail::Workspace::for_this_thread();
  Acc* cols = ws.columns.get<Acc>(col_stride * static_cast<std::size_t>(nused) + static_cast<std::size_t>(L));
  Mid* ring = ws.ring.get<Mid>(static_cast<std::size_t>(ring_rows) * static_cast<std::size_t>(nused) * row_width + 1);
  int* tags = ws.tags.get<int>(static_cast<std::size_t>(ring_rows));
  Value* values = ws.values.get<Value>(4 * static_cast<std::size_t>(p.out_width) + 1);
  Mid* staging = ws.staging.get<Mid>(static_cast<std::size_t>(L));
  std::fill(tags, tags + ring_rows, -1);

  const Source<Src> src{static_cast<const unsigned char*>(in.data), in.row_stride, in.channels, p.transposed,
                        p.premultiply_alpha};
  auto ring_row = [&](int r, int u) {
    return ring + (static_cast<std::size_t>(r % ring_rows) * static_cast<std::size_t>(nused) + static_cast<std::size_t>(u)) * row_width;
  };

  // Horizontal pass over rows[0..nrows), written into the ring.
  auto horizontal = [&](const int* rows, int nrows) {
    transpose_in<Src, Acc>(src, rows, nrows, L, jlo, jhi, used, nused, cols, col_stride);
    for (int u = 0; u < nused; ++u) {
      const Acc* col = cols + static_cast<std::size_t>(u) * col_stride;
      for (int x = x0; x < x1; ++x) {
        const int n = X.count[static_cast<std::size_t>(x)];
        const std::int32_t* idx = X.index_row(x);
        const std::size_t row = static_cast<std::size_t>(x) * static_cast<std::size_t>(X.max_taps);
        auto acc = hn::Zero(da);
        for (int j = 0; j < n; ++j) {
          const int k = (A == Arithmetic::opencv_area && X.reversed) ? n - 1 - j : j;
          const auto s = hn::Load(da, col + static_cast<std::size_t>(idx[k] - jlo) * static_cast<std::size_t>(L));
          acc = hn::Add(acc, hn::Mul(s, hn::Set(da, h_weight<Acc>(X, row + static_cast<std::size_t>(k)))));
        }
        h_finish<A>(da, acc, X.precision_bits, staging);
        for (int l = 0; l < nrows; ++l) ring_row(rows[l], u)[x - x0] = staging[l];
      }
    }
    for (int l = 0; l < nrows; ++l) tags[rows[l] % ring_rows] = rows[l];
  };

  // Make the ring hold every row in [lo, hi], computing blocks of L rows in the
  // direction the output travels.
  const bool forward = !(Y.valid_end - Y.valid_begin > 1 &&
                         Y.first[static_cast<std::size_t>(Y.valid_begin)] > Y.first[static_cast<std::size_t>(Y.valid_end - 1)]);
  int* block = ws.blocks.get<int>(static_cast<std::size_t>(L));
  auto ensure = [&](int lo, int hi) {
    for (;;) {
      int missing = -1;
      if (forward) {
        for (int r = lo; r <= hi && missing < 0; ++r)
          if (tags[r % ring_rows] != r) missing = r;
      } else {
        for (int r = hi; r >= lo && missing < 0; --r)
          if (tags[r % ring_rows] != r) missing = r;
      }
      if (missing < 0) return;
      const int first = forward ? missing : std::max(missing - L + 1, rlo);
      const int last = forward ? std::min(missing + L - 1, rhi) : missing;
      int n = 0;
      for (int r = first; r <= last; ++r) block[n++] = r;
      horizontal(block, n);
    }
  };

  const Mid** taps = ws.taps.get<const Mid*>(static_cast<std::size_t>(Y.max_taps) + 1);
  for (int step = 0; step < p.out_height; ++step) {
    const int y = forward ? step : p.out_height - 1 - step;
    if (Y.is_padding(y) || !any_valid) {
      for (int c = 0; c < p.out_channels; ++c) store.padding(c, y, 0, p.out_width);
      continue;
    }
    const int n = Y.count[static_cast<std::size_t>(y)];
    const std::int32_t* idx = Y.index_row(y);
    int lo = idx[0], hi = idx[0];
    for (int k = 1; k < n; ++k) {
      lo = std::min(lo, idx[k]);
      hi = std::max(hi, idx[k]);
    }
    ensure(lo, hi);
    for (int u = 0; u < nused; ++u) {
      for (int k = 0; k < n; ++k) taps[k] = ring_row(idx[k], u) - x0;
      Vertical<A>::run(p, Y, y, taps, x0, x1, used[u], values + static_cast<std::size_t>(used[u]) * static_cast<std::size_t>(p.out_width));
    }
    if constexpr (u8_values) {
      if (p.premultiply_alpha)
        for (int c = 0; c < 3; ++c) unpremultiply(values + c * p.out_width, values + 3 * p.out_width, x0, x1);
    }
    for (int c = 0; c < p.out_channels; ++c) {
      const Value* v = values + static_cast<std::size_t>(p.channel_source[static_cast<std::size_t>(c)]) * static_cast<std::size_t>(p.out_width);
      store.padding(c, y, 0, x0);
      if constexpr (u8_values) store.lookup(c, y, x0, x1, v);
      else store.map(c, y, x0, x1, v);
      store.padding(c, y, x1, p.out_width);
    }
  }
}

// The instantiation for the plan's arithmetic and input type (the pairs lowering makes).
template <class Src>
void run_typed(const Plan& p, const AnyImageView& in, void* out) {
  if constexpr (std::is_same_v<Src, std::uint8_t>) {
    switch (p.arithmetic) {
      case Arithmetic::fixed_u8: return run_plan<Arithmetic::fixed_u8, Src>(p, in, out);
      case Arithmetic::opencv_linear: return run_plan<Arithmetic::opencv_linear, Src>(p, in, out);
      case Arithmetic::opencv_cubic: return run_plan<Arithmetic::opencv_cubic, Src>(p, in, out);
      case Arithmetic::opencv_lanczos4: return run_plan<Arithmetic::opencv_lanczos4, Src>(p, in, out);
      case Arithmetic::opencv_linear_exact: return run_plan<Arithmetic::opencv_linear_exact, Src>(p, in, out);
      case Arithmetic::opencv_area_fast: return run_plan<Arithmetic::opencv_area_fast, Src>(p, in, out);
      case Arithmetic::opencv_area: return run_plan<Arithmetic::opencv_area, Src>(p, in, out);
      default: break;
    }
  } else if constexpr (std::is_same_v<Src, std::uint16_t>) {
    if (p.arithmetic == Arithmetic::round_half_away) return run_plan<Arithmetic::round_half_away, Src>(p, in, out);
    if (p.arithmetic == Arithmetic::real_u16) return run_plan<Arithmetic::real_u16, Src>(p, in, out);
  }
  return run_plan<Arithmetic::real, Src>(p, in, out);
}

}  // namespace fused

// Runs `p` on `in` into `out` (validated by the caller).
inline void RunPlan(const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
  switch (in.dtype) {
    case DType::u16: return fused::run_typed<std::uint16_t>(p, in, out.data);
    case DType::f32: return fused::run_typed<float>(p, in, out.data);
    default: return fused::run_typed<std::uint8_t>(p, in, out.data);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_INL_H_ toggle
