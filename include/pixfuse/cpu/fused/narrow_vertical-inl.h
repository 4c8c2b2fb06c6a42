// The vertical pass of the u8 integer conventions over their narrow rings (narrow-inl.h):
// one output row of one channel, lanes = output columns.
//
//   fixed_u8       ring rows in aligned pairs (positions 2m, 2m + 1, PairedTaps of the y
//                  axis), widened to int16 pairs and multiply-added as the horizontal pass
//                  does; + 2^(p-1) >> p, clamped
//   opencv_linear  int16 lanes: per tap the high half of weight * (sum >> 4) (pmulhw), + 2
//                  >> 2 (VResizeLinearVec_32s8u's arithmetic, tap by tap as OpenCV rounds
//                  each product)
// The other conventions keep int32 rings and vertical-inl.h's IntegerVertical.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_NARROW_VERTICAL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_NARROW_VERTICAL_INL_H_
#undef PIXFUSE_CPU_FUSED_NARROW_VERTICAL_INL_H_
#else
#define PIXFUSE_CPU_FUSED_NARROW_VERTICAL_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/madd-inl.h"
#include "pixfuse/cpu/fused/shape-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Stores u8 values (int32 lanes, clamped to 0..255 on the way) as Out: int32 or u8.
template <class Out, class D>
HWY_INLINE void store_values(D d, hn::Vec<D> v, Out* p, std::size_t lanes) {
  if constexpr (std::is_same_v<Out, std::uint8_t>) {
    const hn::Rebind<std::uint8_t, D> d8;
    store_n(hn::DemoteTo(d8, v), d8, p, lanes);  // saturates: the clamp
  } else {
    store_n(hn::Min(hn::Max(v, hn::Zero(d)), hn::Set(d, 255)), d, p, lanes);
  }
}

// fixed_u8: rows[2j], rows[2j + 1] are the ring rows of pair j of output row y (each
// already offset so that [x] is column x); values[x] for x in [x0, x1).
template <bool Split, class Shape, class Out>
void vertical_u8_pairs(const AxisTaps& Y, int y, const std::uint8_t* const* rows, int begin,
                       int end, Out* values) {
  const int x0 = Shape::begin(begin), x1 = Shape::end(end);
  const hn::ScalableTag<std::int32_t> d;
  const hn::Rebind<std::uint8_t, decltype(d)> d8;
  const int N = static_cast<int>(hn::Lanes(d));
  const PairedTaps& P = Y.paired;
  const int n = P.count[static_cast<std::size_t>(y)];
  const std::uint32_t* hi = P.hi_row(y);
  const std::uint32_t* lo = Split ? P.lo_row(y) : nullptr;
  const int precision = Y.precision_bits;
  const auto round = hn::Set(d, 1 << (precision - 1));
  for (int x = x0; x < x1; x += N) {
    const auto lanes = static_cast<std::size_t>(std::min(N, x1 - x));
    auto sh_even = hn::Zero(d), sh_odd = sh_even, sl_even = sh_even, sl_odd = sh_even;
    for (int j = 0; j < n; ++j) {
      const auto a = hn::PromoteTo(d, load_n(d8, rows[2 * j] + x, lanes));
      const auto b = hn::PromoteTo(d, load_n(d8, rows[2 * j + 1] + x, lanes));
      const auto v = hn::Or(a, hn::ShiftLeft<16>(b));
      madd(d, sh_even, sh_odd, v, hn::Set(d, static_cast<std::int32_t>(hi[j])));
      if constexpr (Split)
        madd(d, sl_even, sl_odd, v, hn::Set(d, static_cast<std::int32_t>(lo[j])));
    }
    hn::Vec<decltype(d)> sum;
    if constexpr (Split)
      sum = combine(d, total(d, sh_even, sh_odd), total(d, sl_even, sl_odd), P.shift);
    else sum = total(d, sh_even, sh_odd);
    store_values(d, hn::ShiftRightSame(hn::Add(sum, round), precision), values + x, lanes);
  }
}

// fixed_u8 from paired ring rows: pair_rows[j] holds the rows of pair j of output row y
// byte-interleaved (already offset so that [2x] is column x).
template <bool Split, class Shape, class Out>
void vertical_u8_pair_rows(const AxisTaps& Y, int y, const std::uint8_t* const* pair_rows,
                           int begin, int end, Out* values) {
  const int x0 = Shape::begin(begin), x1 = Shape::end(end);
  const hn::ScalableTag<std::int32_t> d;
  const int N = static_cast<int>(hn::Lanes(d));
  const PairedTaps& P = Y.paired;
  const int n = P.count[static_cast<std::size_t>(y)];
  const std::uint32_t* hi = P.hi_row(y);
  const std::uint32_t* lo = Split ? P.lo_row(y) : nullptr;
  const int precision = Y.precision_bits;
  const auto round = hn::Set(d, 1 << (precision - 1));
  // 2 lanes bytes (the pairs of `lanes` columns) as int32 lanes of two int16.
  auto load = [&](const std::uint8_t* at, std::size_t lanes) HWY_ATTR {
#if HWY_TARGET == HWY_SCALAR
    (void)lanes;
    return hn::Set(d, static_cast<std::int32_t>(static_cast<unsigned>(at[0]) |
                                                (static_cast<unsigned>(at[1]) << 16)));
#else
    const hn::Repartition<std::int16_t, decltype(d)> d16;
    const hn::Rebind<std::uint8_t, decltype(d16)> d8;
    return hn::BitCast(d, hn::PromoteTo(d16, load_n(d8, at, 2 * lanes)));
#endif
  };
  // The rounded values of one vector of sums (hi and lo halves of the weights) at values + x.
  auto finish = [&](hn::Vec<decltype(d)> h_even, hn::Vec<decltype(d)> h_odd,
                    hn::Vec<decltype(d)> l_even, hn::Vec<decltype(d)> l_odd, int x,
                    std::size_t lanes) HWY_ATTR {
    hn::Vec<decltype(d)> sum;
    if constexpr (Split)
      sum = combine(d, total(d, h_even, h_odd), total(d, l_even, l_odd), P.shift);
    else sum = total(d, h_even, h_odd);
    store_values(d, hn::ShiftRightSame(hn::Add(sum, round), precision), values + x, lanes);
  };
  int x = x0;
  // Two vectors of columns at a time: four independent multiply-add chains instead of two
  // (a chain waits for its previous multiply-add: ~5 cycles for vpdpwssd).
  for (; x + 2 * N <= x1; x += 2 * N) {
    const auto full = static_cast<std::size_t>(N);
    auto ah_even = hn::Zero(d), ah_odd = ah_even, al_even = ah_even, al_odd = ah_even;
    auto bh_even = ah_even, bh_odd = ah_even, bl_even = ah_even, bl_odd = ah_even;
    for (int j = 0; j < n; ++j) {
      const std::uint8_t* r = pair_rows[j] + 2 * x;
      const auto va = load(r, full), vb = load(r + 2 * full, full);
      const auto wh = hn::Set(d, static_cast<std::int32_t>(hi[j]));
      madd(d, ah_even, ah_odd, va, wh);
      madd(d, bh_even, bh_odd, vb, wh);
      if constexpr (Split) {
        const auto wl = hn::Set(d, static_cast<std::int32_t>(lo[j]));
        madd(d, al_even, al_odd, va, wl);
        madd(d, bl_even, bl_odd, vb, wl);
      }
    }
    finish(ah_even, ah_odd, al_even, al_odd, x, full);
    finish(bh_even, bh_odd, bl_even, bl_odd, x + N, full);
  }
  for (; x < x1; x += N) {
    const auto lanes = static_cast<std::size_t>(std::min(N, x1 - x));
    auto sh_even = hn::Zero(d), sh_odd = sh_even, sl_even = sh_even, sl_odd = sh_even;
    for (int j = 0; j < n; ++j) {
      const auto v = load(pair_rows[j] + 2 * x, lanes);
      madd(d, sh_even, sh_odd, v, hn::Set(d, static_cast<std::int32_t>(hi[j])));
      if constexpr (Split)
        madd(d, sl_even, sl_odd, v, hn::Set(d, static_cast<std::int32_t>(lo[j])));
    }
    finish(sh_even, sh_odd, sl_even, sl_odd, x, lanes);
  }
}

// opencv_linear: rows[k] is the ring row (int16: sum >> 4) of tap k of output row y.
template <class Shape, class Out>
void vertical_opencv_linear(const AxisTaps& Y, int y, const std::int16_t* const* rows, int begin,
                            int end, Out* values) {
  int x = Shape::begin(begin);
  const int x1 = Shape::end(end);
  const int n = Y.count[static_cast<std::size_t>(y)];
  const std::int32_t* q = Y.fixed_row(y);
#if HWY_TARGET != HWY_SCALAR
  if constexpr (std::is_same_v<Out, std::uint8_t>) {
    if (n == 2) {  // OpenCV's case: int16 lanes throughout (each term <= 1021, the sum fits)
      const hn::ScalableTag<std::int16_t> d16;
      const hn::Rebind<std::uint8_t, decltype(d16)> d8;
      const int N16 = static_cast<int>(hn::Lanes(d16));
      const auto q0 = hn::Set(d16, static_cast<std::int16_t>(q[0])),
                 q1 = hn::Set(d16, static_cast<std::int16_t>(q[1]));
      const auto two = hn::Set(d16, 2);
      for (; x + N16 <= x1; x += N16) {
        const auto t = hn::Add(hn::Add(hn::MulHigh(hn::LoadU(d16, rows[0] + x), q0),
                                       hn::MulHigh(hn::LoadU(d16, rows[1] + x), q1)),
                               two);
        hn::StoreU(hn::DemoteTo(d8, hn::ShiftRight<2>(t)), d8, values + x);
      }
    }
  }
#endif
  const hn::ScalableTag<std::int32_t> d;
  const hn::Rebind<std::int16_t, decltype(d)> d16;
  const int N = static_cast<int>(hn::Lanes(d));
  for (; x < x1; x += N) {
    const auto lanes = static_cast<std::size_t>(std::min(N, x1 - x));
    auto acc = hn::Set(d, 2);
    for (int k = 0; k < n; ++k) {
      const auto h = load_n(d16, rows[k] + x, lanes);
      acc =
          hn::Add(acc,
                  hn::PromoteTo(d, hn::MulHigh(h, hn::Set(d16, static_cast<std::int16_t>(q[k])))));
    }
    store_values(d, hn::ShiftRight<2>(acc), values + x, lanes);
  }
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_NARROW_VERTICAL_INL_H_ toggle
