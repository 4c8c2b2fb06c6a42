// The horizontal pass of the u8 integer conventions with 16-bit multiply-adds, lanes =
// the rows of a block: each output column is a dot product of its weight pairs with the
// block's sample pairs (pairs-inl.h), every channel of the column sharing one broadcast
// of each weight pair, rounded as the convention rounds between its passes and transposed
// back into the ring's rows in its narrow type (narrow-inl.h).
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "pixfuse/plan/arithmetic.hpp"
#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_MADD_HORIZONTAL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_MADD_HORIZONTAL_INL_H_
#undef PIXFUSE_CPU_FUSED_MADD_HORIZONTAL_INL_H_
#else
#define PIXFUSE_CPU_FUSED_MADD_HORIZONTAL_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/madd-inl.h"
#include "pixfuse/cpu/fused/narrow-inl.h"
#include "pixfuse/cpu/fused/narrow_transpose-inl.h"
#include "pixfuse/cpu/fused/shape-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Whether arithmetic A keeps its ring rows paired (rows 2m, 2m + 1 byte-interleaved, the
// vertical pass's multiply-add operands as they are): fixed_u8, where blocks hold at least
// two rows (all targets but HWY_SCALAR).
template <Arithmetic A, class D32>
constexpr bool paired_ring() {
#if HWY_TARGET == HWY_SCALAR
  return false;
#else
  return A == Arithmetic::fixed_u8;
#endif
}

// One pair of samples of the block's rows (2R bytes) as R int32 lanes of two int16.
template <class D32>
HWY_INLINE hn::Vec<D32> load_pairs(D32 d32, const std::uint8_t* p) {
#if HWY_TARGET == HWY_SCALAR
  return hn::Set(d32, static_cast<std::int32_t>(static_cast<unsigned>(p[0]) |
                                                (static_cast<unsigned>(p[1]) << 16)));
#else
  const hn::Repartition<std::int16_t, D32> d16;
  const hn::Rebind<std::uint8_t, decltype(d16)> d8;
  return hn::BitCast(d32, hn::PromoteTo(d16, hn::LoadU(d8, p)));
#endif
}

#if !HWY_HAVE_SCALABLE
// The horizontal pass over one block: output columns [x0, x1) of C channels, into
// rows[u * R + l] + (x - x0) for the block's nrows rows, or (paired_ring) into the pair
// rows rows[u * R / 2 + m] + 2 (x - x0) for all the block's rows. Columns go 16 at a time (a tile
// the narrowing transpose turns into rows); the last tile repeats its last column.
template <Arithmetic A, bool Split, int C, class Shape, class D32>
void madd_h_block(D32 d32, const AxisTaps& X, const std::uint8_t* pairs, std::size_t npairs,
                  int begin, int end, int nrows, typename Narrow<A>::Ring* const* rows) {
  constexpr std::size_t R = hn::MaxLanes(d32);
  constexpr int T = 16;
  const int x0 = Shape::begin(begin), x1 = Shape::end(end);
  const PairedTaps& P = X.paired;
  const std::size_t channel_stride = npairs * 2 * R;
  const int shift = P.shift, precision = X.precision_bits;
  for (int xb = x0; xb < x1; xb += T) {
    const int nx = std::min(T, x1 - xb);
    hn::Vec<D32> tile[C][T];
    for (int i = 0; i < T; ++i) {
      const int x = xb + std::min(i, nx - 1);
      const auto o = static_cast<std::size_t>(x);
      const int n = P.count[o];
      const std::uint32_t* hi = P.hi_row(x);
      const std::uint32_t* lo = Split ? P.lo_row(x) : nullptr;
      const std::uint8_t* q = pairs + static_cast<std::size_t>(P.first[o]) * 2 * R;
      hn::Vec<D32> sh_even[C], sh_odd[C], sl_even[C], sl_odd[C];
      PIXFUSE_UNROLL
      for (int u = 0; u < C; ++u) sh_even[u] = sh_odd[u] = sl_even[u] = sl_odd[u] = hn::Zero(d32);
      for (int j = 0; j < n; ++j, q += 2 * R) {
        const auto wh = hn::Set(d32, static_cast<std::int32_t>(hi[j]));
        PIXFUSE_UNROLL
        for (int u = 0; u < C; ++u)
          madd(d32, sh_even[u], sh_odd[u],
               load_pairs(d32, q + static_cast<std::size_t>(u) * channel_stride), wh);
        if constexpr (Split) {
          const auto wl = hn::Set(d32, static_cast<std::int32_t>(lo[j]));
          PIXFUSE_UNROLL
          for (int u = 0; u < C; ++u)
            madd(d32, sl_even[u], sl_odd[u],
                 load_pairs(d32, q + static_cast<std::size_t>(u) * channel_stride), wl);
        }
      }
      PIXFUSE_UNROLL
      for (int u = 0; u < C; ++u) {
        hn::Vec<D32> sum;
        if constexpr (Split)
          sum = combine(d32, total(d32, sh_even[u], sh_odd[u]), total(d32, sl_even[u], sl_odd[u]),
                        shift);
        else sum = total(d32, sh_even[u], sh_odd[u]);
        tile[u][i] = Narrow<A>::horizontal(d32, sum, precision);
      }
    }
    for (int u = 0; u < C; ++u) {
      if constexpr (paired_ring<A, D32>()) {
        store_tile_pairs(d32, tile[u], nx, rows + static_cast<std::size_t>(u) * (R / 2),
                         static_cast<std::size_t>(xb - x0));
      } else {
        store_tile<typename Narrow<A>::Ring>(d32, tile[u], nx, nrows,
                                             rows + static_cast<std::size_t>(u) * R,
                                             static_cast<std::size_t>(xb - x0));
      }
    }
  }
}
#else
// Scalable vectors: one output column and channel at a time, lanes scattered to the rows.
template <Arithmetic A, bool Split, int C, class Shape, class D32>
void madd_h_block(D32 d32, const AxisTaps& X, const std::uint8_t* pairs, std::size_t npairs,
                  int begin, int end, int nrows, typename Narrow<A>::Ring* const* rows) {
  const std::size_t R = hn::Lanes(d32);
  const int x0 = Shape::begin(begin), x1 = Shape::end(end);
  const PairedTaps& P = X.paired;
  alignas(64) std::int32_t lanes[HWY_MAX_BYTES / sizeof(std::int32_t)] = {};
  for (int x = x0; x < x1; ++x) {
    const auto o = static_cast<std::size_t>(x);
    const int n = P.count[o];
    const std::uint32_t* hi = P.hi_row(x);
    const std::uint32_t* lo = Split ? P.lo_row(x) : nullptr;
    for (int u = 0; u < C; ++u) {
      const std::uint8_t* q =
          pairs +
          (static_cast<std::size_t>(u) * npairs + static_cast<std::size_t>(P.first[o])) * 2 * R;
      auto sh_even = hn::Zero(d32), sh_odd = sh_even, sl_even = sh_even, sl_odd = sh_even;
      for (int j = 0; j < n; ++j, q += 2 * R) {
        const auto v = load_pairs(d32, q);
        madd(d32, sh_even, sh_odd, v, hn::Set(d32, static_cast<std::int32_t>(hi[j])));
        if constexpr (Split)
          madd(d32, sl_even, sl_odd, v, hn::Set(d32, static_cast<std::int32_t>(lo[j])));
      }
      hn::Vec<D32> sum;
      if constexpr (Split)
        sum = combine(d32, total(d32, sh_even, sh_odd), total(d32, sl_even, sl_odd), P.shift);
      else sum = total(d32, sh_even, sh_odd);
      hn::Store(Narrow<A>::horizontal(d32, sum, X.precision_bits), d32, lanes);
      if constexpr (paired_ring<A, D32>()) {
        typename Narrow<A>::Ring* const* out = rows + static_cast<std::size_t>(u) * (R / 2);
        for (std::size_t l = 0; l < R; ++l)
          out[l / 2][2 * static_cast<std::size_t>(x - x0) + (l & 1)] = Narrow<A>::to_ring(lanes[l]);
      } else {
        typename Narrow<A>::Ring* const* out = rows + static_cast<std::size_t>(u) * R;
        for (int l = 0; l < nrows; ++l) out[l][x - x0] = Narrow<A>::to_ring(lanes[l]);
      }
    }
  }
}
#endif

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_MADD_HORIZONTAL_INL_H_ toggle
