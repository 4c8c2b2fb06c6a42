// The vertical pass of each convention: one output row of one channel from the ring rows
// it reads.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstdint>
#include "pixfuse/plan/plan.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_VERTICAL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_VERTICAL_INL_H_
#undef PIXFUSE_CPU_FUSED_VERTICAL_INL_H_
#else
#define PIXFUSE_CPU_FUSED_VERTICAL_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/arithmetic-inl.h"
#include "pixfuse/cpu/fused/shape-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// The vertical pass for one output row and one channel: values[x] for x in [x0, x1).

template <Arithmetic A>
struct Vertical;

// Integer dot product of the rows with fixed weights, then the convention's rounding.
template <Arithmetic A>
struct IntegerVertical {
  template <class Shape>
  static void run(const Plan& p, const AxisTaps& Y, int y, const std::int32_t* const* rows,
                  int begin, int end, int source_channel, std::int32_t* values) {
    const int x0 = Shape::begin(begin), x1 = Shape::end(end);
    const hn::ScalableTag<std::int32_t> d;
    const int N = static_cast<int>(hn::Lanes(d));
    const int n = Y.count[static_cast<std::size_t>(y)];
    const std::int32_t* q = Y.fixed_row(y);
    const int precision = Y.precision_bits;
    int area = 0;
    if constexpr (A == Arithmetic::opencv_area_fast) area = p.area_kx() * n;
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
          acc = hn::Add(acc,
                        hn::ShiftRight<16>(hn::Mul(hn::Set(d, q[k]), hn::ShiftRight<4>(load(k)))));
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
          const auto mean =
              hn::Mul(hn::ConvertTo(df, sum), hn::Set(df, 1.0f / static_cast<float>(area)));
          out = hn::NearestInt(mean);
        }
      } else {
        static_assert(A == Arithmetic::opencv_cubic,
                      "IntegerVertical: an arithmetic without its vertical rule");
        const hn::Rebind<float, decltype(d)> df;
        // Flattened columns below 8 * floor(width * channels / 8): float32 from the last tap.
        const std::int64_t simd_columns = p.cubic_simd_columns();
        alignas(64) std::int32_t flat[hn::MaxLanes(d)];
        for (int i = 0; i < lanes; ++i)
          flat[i] = static_cast<std::int32_t>(std::min<std::int64_t>(
              static_cast<std::int64_t>(p.x.resized[static_cast<std::size_t>(x + i)]) *
                      p.in_channels +
                  source_channel,
              INT32_MAX));
        for (int i = lanes; i < N; ++i) flat[i] = 0;
        const auto is_float =
            hn::Lt(hn::Load(d, flat),
                   hn::Set(d, static_cast<std::int32_t>(
                                  std::min<std::int64_t>(simd_columns, INT32_MAX))));
        hn::Vec<decltype(df)> t = hn::Zero(df);
        for (int j = n - 1; j >= 0; --j) {
          const int k = Y.reversed ? n - 1 - j : j;
          const auto beta = hn::Set(df, static_cast<float>(q[k]) * (1.0f / 4194304.0f));
          const auto prod = hn::Mul(hn::ConvertTo(df, load(k)), beta);
          t = j == n - 1 ? prod : hn::Add(prod, t);
        }
        auto dot = hn::Set(d, 1 << 21);
        for (int k = 0; k < n; ++k) dot = hn::Add(dot, hn::Mul(hn::Set(d, q[k]), load(k)));
        out = hn::IfThenElse(hn::RebindMask(d, hn::RebindMask(df, is_float)), hn::NearestInt(t),
                             hn::ShiftRight<22>(dot));
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
  template <class Shape>
  static void run(const Plan&, const AxisTaps& Y, int y, const float* const* rows, int begin,
                  int end, int, std::int32_t* values) {
    const int x0 = Shape::begin(begin), x1 = Shape::end(end);
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
        acc = hn::Add(acc, hn::Mul(load_n(df, rows[k] + x, lanes),
                                   hn::Set(df, static_cast<float>(w[k]))));
      }
      const auto v = hn::Min(hn::Max(hn::NearestInt(acc), hn::Zero(di)), hn::Set(di, 255));
      store_n(v, di, values + x, lanes);
    }
  }
};

// Double sums of double weights: Pillow modes I and F.
template <Arithmetic A, class Mid>
struct RealVertical {
  template <class Shape>
  static void run(const Plan&, const AxisTaps& Y, int y, const Mid* const* rows, int begin, int end,
                  int, float* values) {
    const int x0 = Shape::begin(begin), x1 = Shape::end(end);
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
        acc = hn::Add(acc, hn::Mul(hn::PromoteTo(dd, load_n(dm, rows[k] + x, lanes)),
                                   hn::Set(dd, w[k])));
      hn::Vec<decltype(df)> v;
      if constexpr (A == Arithmetic::round_half_away) {
        v = hn::DemoteTo(df, hn::Trunc(hn::Add(acc, hn::CopySign(hn::Set(dd, 0.5), acc))));
      } else {
        v = hn::DemoteTo(df, acc);
      }
      store_n(v, df, values + x, lanes);
    }
  }
};
template <>
struct Vertical<Arithmetic::round_half_away>
    : RealVertical<Arithmetic::round_half_away, std::int32_t> {};
template <>
struct Vertical<Arithmetic::real_f64> : RealVertical<Arithmetic::real_f64, float> {};

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_VERTICAL_INL_H_ toggle
