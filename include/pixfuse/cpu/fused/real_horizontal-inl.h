// The float conventions' horizontal pass over a block of L rows (lanes = rows): the rows
// are transposed into column vectors (real_transpose-inl.h), each output column is the
// float32 sum of its taps times those vectors, and L x L tiles of results are transposed
// back into the block's rows, one plane per channel.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_REAL_HORIZONTAL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_REAL_HORIZONTAL_INL_H_
#undef PIXFUSE_CPU_FUSED_REAL_HORIZONTAL_INL_H_
#else
#define PIXFUSE_CPU_FUSED_REAL_HORIZONTAL_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/real_taps-inl.h"
#include "pixfuse/cpu/fused/real_transpose-inl.h"
#include "pixfuse/cpu/fused/real_vertical-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// One block of nrows (<= L) rows with C interleaved channels, transposed into cols
// (cols[(p * C + c) * L + l]: position p, channel c, row l), resampled by X for the
// output columns [x0, x1): channel c of row l goes to out[c * L + l][x - x0].
template <int C, Finish F, class D>
void horizontal_block(D d, const FloatTaps& X, const float* cols, int x0, int x1, int nrows,
                      float* const* out) {
  const std::size_t L = hn::Lanes(d);
  const std::size_t pixel = static_cast<std::size_t>(C) * L;  // floats per input position
#if PIXFUSE_REGISTER_TRANSPOSE && !HWY_HAVE_SCALABLE
  // The tables in locals: the stores below could alias a member in the compiler's view.
  const std::int32_t* const count = X.count;
  const std::int32_t* const position = X.position;
  const std::int32_t* const steps = X.step;
  const float* const weight = X.weight;
  const std::size_t K = static_cast<std::size_t>(X.max_taps);
  // The sums of output column x, all channels (as the reference's up to the sign of a
  // zero: see Finish); each tap's weight is read once for every channel.
  auto column_sums = [&](int x, hn::Vec<D>* acc) HWY_ATTR {
    const int n = count[x];
    if (n == 0) {
      PIXFUSE_UNROLL
      for (int c = 0; c < C; ++c) acc[c] = hn::Zero(d);
      return;
    }
    const std::int32_t* pos = position + static_cast<std::size_t>(x) * K;
    const float* w = weight + static_cast<std::size_t>(x) * K;
    const float* at = cols + static_cast<std::size_t>(pos[0]) * pixel;
    auto wv = hn::Set(d, w[0]);
    PIXFUSE_UNROLL
    for (int c = 0; c < C; ++c)
      acc[c] = hn::Mul(hn::Load(d, at + static_cast<std::size_t>(c) * L), wv);
    const std::int32_t step = steps[x];
    if (step != 0) {  // the common case: consecutive positions, a pointer walk
      const std::ptrdiff_t stride =
          static_cast<std::ptrdiff_t>(step) * static_cast<std::ptrdiff_t>(pixel);
      for (int j = 1; j < n; ++j) {
        at += stride;
        wv = hn::Set(d, w[j]);
        PIXFUSE_UNROLL
        for (int c = 0; c < C; ++c)
          acc[c] = hn::Add(acc[c], hn::Mul(hn::Load(d, at + static_cast<std::size_t>(c) * L), wv));
      }
    } else {
      for (int j = 1; j < n; ++j) {
        at = cols + static_cast<std::size_t>(pos[j]) * pixel;
        wv = hn::Set(d, w[j]);
        PIXFUSE_UNROLL
        for (int c = 0; c < C; ++c)
          acc[c] = hn::Add(acc[c], hn::Mul(hn::Load(d, at + static_cast<std::size_t>(c) * L), wv));
      }
    }
  };
  constexpr std::size_t N = hn::MaxLanes(d);
  hn::Vec<D> tile[C][N];
  auto finish_tile = [&](int xb, int nx) HWY_ATTR {
    for (int c = 0; c < C; ++c) {
      transpose_floats(d, tile[c]);  // tile[c][l]: row l over columns xb .. xb + N - 1
      float* const* rows = out + static_cast<std::size_t>(c) * N;
      if (nx == static_cast<int>(N) && nrows == static_cast<int>(N)) {
        PIXFUSE_UNROLL
        for (std::size_t l = 0; l < N; ++l) hn::StoreU(tile[c][l], d, rows[l] + (xb - x0));
      } else {
        for (int l = 0; l < nrows; ++l)
          store_n(tile[c][l], d, rows[l] + (xb - x0), static_cast<std::size_t>(nx));
      }
    }
  };
  int xb = x0;
  for (; xb + static_cast<int>(N) <= x1; xb += static_cast<int>(N)) {
    for (std::size_t i = 0; i < N; ++i) {
      hn::Vec<D> acc[C];
      column_sums(xb + static_cast<int>(i), acc);
      PIXFUSE_UNROLL
      for (int c = 0; c < C; ++c) tile[c][i] = finish<F>(d, acc[c]);
    }
    finish_tile(xb, static_cast<int>(N));
  }
  if (xb < x1) {  // the last tile repeats its last column
    const int nx = x1 - xb;
    for (std::size_t i = 0; i < N; ++i) {
      hn::Vec<D> acc[C];
      column_sums(xb + std::min(static_cast<int>(i), nx - 1), acc);
      PIXFUSE_UNROLL
      for (int c = 0; c < C; ++c) tile[c][i] = finish<F>(d, acc[c]);
    }
    finish_tile(xb, nx);
  }
#else
  // One output column and channel at a time (no arrays of scalable vectors), its lanes
  // scattered to the rows.
  alignas(64) float lanes[HWY_MAX_BYTES / sizeof(float)] = {};
  for (int x = x0; x < x1; ++x) {
    const int n = X.n(x);
    const std::int32_t* pos = X.positions(x);
    const float* w = X.weights(x);
    for (int c = 0; c < C; ++c) {
      auto acc = hn::Zero(d);
      for (int j = 0; j < n; ++j) {
        const auto term = hn::Mul(hn::Load(d, cols + static_cast<std::size_t>(pos[j]) * pixel +
                                                  static_cast<std::size_t>(c) * L),
                                  hn::Set(d, w[j]));
        acc = j == 0 ? term : hn::Add(acc, term);
      }
      hn::Store(finish<F>(d, acc), d, lanes);
      for (int l = 0; l < nrows; ++l)
        out[static_cast<std::size_t>(c) * L + static_cast<std::size_t>(l)][x - x0] = lanes[l];
    }
  }
#endif
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_REAL_HORIZONTAL_INL_H_ toggle
