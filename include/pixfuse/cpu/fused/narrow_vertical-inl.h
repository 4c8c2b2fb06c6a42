// The vertical pass of the u8 integer conventions over their narrow rings (narrow-inl.h):
// one output row of one channel, lanes = output columns.
//
//   fixed_u8       ring rows in aligned pairs (positions 2m, 2m + 1, PairedTaps of the y
//                  axis), widened to int16 pairs and multiply-added as the horizontal pass
//                  does; + 2^(p-1) >> p, clamped. On AVX3_DL (VNNI) two pairs at a time
//                  as four u8 rows per lane times the weights' byte digits (vpdpbusd)
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

#if HWY_TARGET == HWY_AVX3_DL && PIXFUSE_HAVE_VNNI
// fixed_u8 over pair rows on VNNI, 32 H columns a step from x while they last; returns
// where it stopped. Pair rows 2i and 2i + 1 interleaved by 16-bit words put four ring
// rows of a column in each int32 lane, so one vpdpbusd per weight digit multiplies four
// taps (PairedTaps' pair digits): about two thirds of the two vpdpwssd and one widening
// per pair. The word interleave works within 128-bit blocks (columns 8b .. 8b + 3 in the
// low vector, 8b + 4 .. 8b + 7 in the high one), and packing the two vectors' sums to
// int16 puts them back in column order.
template <int Digits, int H>
HWY_INLINE int vertical_u8_quad_steps(const PairedTaps& P, int y,
                                      const std::uint8_t* const* pair_rows, int x, int x1,
                                      int precision, std::uint8_t* values) {
  const int n = P.count[static_cast<std::size_t>(y)];
  const std::uint32_t* w = P.pair_digit_row(y);
  const __m128i shift = _mm_cvtsi32_si128(precision);
  const __m512i half = _mm512_set1_epi32(1 << (precision - 1));
  for (; x + 32 * H <= x1; x += 32 * H) {
    __m512i sum[Digits][2 * H];  // [digit][low and high vector of each 32 columns]
    PIXFUSE_UNROLL
    for (int v = 0; v < 2 * H; ++v) {
      sum[0][v] = half;  // the rounding term: the same total modulo 2^32
      PIXFUSE_UNROLL
      for (int k = 1; k < Digits; ++k) sum[k][v] = _mm512_setzero_si512();
    }
    for (int i = 0; 2 * i < n; ++i) {
      // A missing last pair weighs 0: read the one before again.
      const std::uint8_t* a = pair_rows[2 * i] + 2 * static_cast<std::size_t>(x);
      const std::uint8_t* b =
          pair_rows[std::min(2 * i + 1, n - 1)] + 2 * static_cast<std::size_t>(x);
      __m512i weight[Digits];
      PIXFUSE_UNROLL
      for (int k = 0; k < Digits; ++k)
        weight[k] = _mm512_set1_epi32(static_cast<int>(w[3 * i + k]));
      PIXFUSE_UNROLL
      for (int h = 0; h < H; ++h) {
        const __m512i ra = _mm512_loadu_si512(a + 64 * h), rb = _mm512_loadu_si512(b + 64 * h);
        const __m512i low = _mm512_unpacklo_epi16(ra, rb), high = _mm512_unpackhi_epi16(ra, rb);
        PIXFUSE_UNROLL
        for (int k = 0; k < Digits; ++k) {
          sum[k][2 * h] = vnni_dpbusd(sum[k][2 * h], low, weight[k]);
          sum[k][2 * h + 1] = vnni_dpbusd(sum[k][2 * h + 1], high, weight[k]);
        }
      }
    }
    __m512i words[H];  // column order, signed saturated to int16
    PIXFUSE_UNROLL
    for (int h = 0; h < H; ++h) {
      __m512i rounded[2];
      PIXFUSE_UNROLL
      for (int v = 0; v < 2; ++v) {
        __m512i total =
            _mm512_add_epi32(sum[0][2 * h + v], _mm512_slli_epi32(sum[1][2 * h + v], 8));
        if constexpr (Digits == 3)
          total = _mm512_add_epi32(total, _mm512_slli_epi32(sum[2][2 * h + v], 16));
        rounded[v] = _mm512_sra_epi32(total, shift);
      }
      words[h] = _mm512_packs_epi32(rounded[0], rounded[1]);
    }
    // Clamped to [0, 255] as DemoteTo does (signed, then unsigned saturation).
    if constexpr (H == 2) {
      // The pack interleaves the halves' 128-bit blocks; a qword permute sorts them.
      const __m512i bytes = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7),
                                                     _mm512_packus_epi16(words[0], words[1]));
      _mm512_storeu_si512(values + x, bytes);
    } else {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(values + x),
                          _mm512_cvtusepi16_epi8(
                              _mm512_max_epi16(words[0], _mm512_setzero_si512())));
    }
  }
  return x;
}
#endif

// fixed_u8 from paired ring rows: pair_rows[j] holds the rows of pair j of output row y
// byte-interleaved (already offset so that [2x] is column x).
template <bool Split, class Shape, class Out>
void vertical_u8_pair_rows(const AxisTaps& Y, int y, const std::uint8_t* const* pair_rows,
                           int begin, int end, Out* values) {
  int x0 = Shape::begin(begin);
  const int x1 = Shape::end(end);
  const PairedTaps& P = Y.paired;
  const int precision = Y.precision_bits;
#if HWY_TARGET == HWY_AVX3_DL && PIXFUSE_HAVE_VNNI
  if constexpr (std::is_same_v<Out, std::uint8_t>) {
    if (P.byte_digits == 3) {
      x0 = vertical_u8_quad_steps<3, 2>(P, y, pair_rows, x0, x1, precision, values);
      x0 = vertical_u8_quad_steps<3, 1>(P, y, pair_rows, x0, x1, precision, values);
    } else if (P.byte_digits == 2) {
      x0 = vertical_u8_quad_steps<2, 2>(P, y, pair_rows, x0, x1, precision, values);
      x0 = vertical_u8_quad_steps<2, 1>(P, y, pair_rows, x0, x1, precision, values);
    }
  }
#endif
  const hn::ScalableTag<std::int32_t> d;
  const int N = static_cast<int>(hn::Lanes(d));
  const int n = P.count[static_cast<std::size_t>(y)];
  const std::uint32_t* hi = P.hi_row(y);
  const std::uint32_t* lo = Split ? P.lo_row(y) : nullptr;
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
