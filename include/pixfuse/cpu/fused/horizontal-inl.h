// The horizontal pass over one block of source rows: each output column the dot product of
// its taps with the block's columns, the results transposed back into rows.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include "pixfuse/plan/axis.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_HORIZONTAL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_HORIZONTAL_INL_H_
#undef PIXFUSE_CPU_FUSED_HORIZONTAL_INL_H_
#else
#define PIXFUSE_CPU_FUSED_HORIZONTAL_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/arithmetic-inl.h"
#include "pixfuse/cpu/fused/transpose-inl.h"
#include "pixfuse/cpu/fused/shape-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// The pass structure.

// The horizontal pass for one block of nrows (<= R) source rows, C channels: L rows x L
// output columns at a time, the L x L results transposed into row order and stored at
// rows[u * R + l] + (x - x0).
#if !HWY_HAVE_SCALABLE  // (arrays of vectors; scalable vectors cannot be array elements)
template <Arithmetic A, int C, std::size_t R, class Shape, class DA, class Src>
void h_block(DA da, const AxisTaps& X, const Src* cols, std::size_t col_stride, int begin, int end,
             int nrows, typename Traits<A>::Mid* const* rows) {
  const int x0 = Shape::begin(begin), x1 = Shape::end(end);
  using Acc = hn::TFromD<DA>;
  const hn::Rebind<typename Traits<A>::Mid, DA> dm;
  const int L = static_cast<int>(hn::Lanes(da));
  for (int sub = 0; sub < nrows; sub += L) {  // the rows of one vector
    const int nr = std::min(L, nrows - sub);
    for (int xb = x0; xb < x1; xb += L) {
      const int nx = std::min(L, x1 - xb);
      hn::Vec<decltype(dm)> tile[C][hn::MaxLanes(da)];
      for (int i = 0; i < L; ++i) {
        const int x = xb + std::min(i, nx - 1);  // pad the last tile with its last column
        const int n = X.count[static_cast<std::size_t>(x)];
        const std::int32_t* slot = X.slot_row(x);
        const std::size_t row = static_cast<std::size_t>(x) * static_cast<std::size_t>(X.max_taps);
        hn::Vec<DA> acc[C];
        PIXFUSE_UNROLL
        for (int u = 0; u < C; ++u) acc[u] = hn::Zero(da);
        auto tap = [&](const Src* at, std::size_t k) HWY_ATTR {
          const auto w = hn::Set(da, h_weight<Acc>(X, row + k));
          PIXFUSE_UNROLL
          for (int u = 0; u < C; ++u)
            acc[u] =
                hn::Add(acc[u],
                        hn::Mul(load_column(da, at + static_cast<std::size_t>(u) * col_stride), w));
        };
        const bool in_order = !(A == Arithmetic::opencv_area && X.reversed);
        if (in_order && X.consecutive[static_cast<std::size_t>(x)]) {
          // The common case (every resize): the taps read consecutive columns.
          const Src* at =
              cols + static_cast<std::size_t>(slot[0]) * R + static_cast<std::size_t>(sub);
          for (int k = 0; k < n; ++k, at += R) tap(at, static_cast<std::size_t>(k));
        } else {
          for (int j = 0; j < n; ++j) {
            const int k = in_order ? j : n - 1 - j;
            tap(cols + static_cast<std::size_t>(slot[k]) * R + static_cast<std::size_t>(sub),
                static_cast<std::size_t>(k));
          }
        }
        PIXFUSE_UNROLL
        for (int u = 0; u < C; ++u) tile[u][i] = h_finish<A>(da, acc[u], X.precision_bits);
      }
      for (int u = 0; u < C; ++u) {
        typename Traits<A>::Mid* const* out =
            rows + static_cast<std::size_t>(u) * R + static_cast<std::size_t>(sub);
#if PIXFUSE_REGISTER_TRANSPOSE
        transpose_square(dm, tile[u]);  // tile[l]: row sub + l over columns xb .. xb + L - 1
        for (int l = 0; l < nr; ++l)
          store_n(tile[u][l], dm, out[l] + (xb - x0), static_cast<std::size_t>(nx));
#else
        alignas(64) typename Traits<A>::Mid lanes[hn::MaxLanes(dm)];
        for (int i = 0; i < nx; ++i) {
          hn::Store(tile[u][i], dm, lanes);
          for (int l = 0; l < nr; ++l) out[l][xb - x0 + i] = lanes[l];
        }
#endif
      }
    }
  }
}
#else
// Scalable vectors: one output column and channel at a time, lanes scattered to the rows.
template <Arithmetic A, int C, std::size_t R, class Shape, class DA, class Src>
void h_block(DA da, const AxisTaps& X, const Src* cols, std::size_t col_stride, int begin, int end,
             int nrows, typename Traits<A>::Mid* const* rows) {
  const int x0 = Shape::begin(begin), x1 = Shape::end(end);
  using Acc = hn::TFromD<DA>;
  using Mid = typename Traits<A>::Mid;
  const hn::Rebind<Mid, DA> dm;
  const int L = static_cast<int>(hn::Lanes(da));
  alignas(64) Mid lanes[HWY_MAX_BYTES / sizeof(Mid)];
  for (int sub = 0; sub < nrows; sub += L) {
    const int nr = std::min(L, nrows - sub);
    for (int x = x0; x < x1; ++x) {
      const int n = X.count[static_cast<std::size_t>(x)];
      const std::int32_t* slot = X.slot_row(x);
      const std::size_t row = static_cast<std::size_t>(x) * static_cast<std::size_t>(X.max_taps);
      for (int u = 0; u < C; ++u) {
        auto acc = hn::Zero(da);
        for (int j = 0; j < n; ++j) {
          const int k = (A == Arithmetic::opencv_area && X.reversed) ? n - 1 - j : j;
          const Src* at = cols + static_cast<std::size_t>(u) * col_stride +
                          static_cast<std::size_t>(slot[k]) * R + static_cast<std::size_t>(sub);
          acc = hn::Add(acc,
                        hn::Mul(load_column(da, at),
                                hn::Set(da, h_weight<Acc>(X, row + static_cast<std::size_t>(k)))));
        }
        hn::Store(h_finish<A>(da, acc, X.precision_bits), dm, lanes);
        for (int l = 0; l < nr; ++l)
          rows[static_cast<std::size_t>(u) * R + static_cast<std::size_t>(sub + l)][x - x0] =
              lanes[l];
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

#endif  // PIXFUSE_CPU_FUSED_HORIZONTAL_INL_H_ toggle
