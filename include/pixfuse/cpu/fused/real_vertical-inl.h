// The float conventions' vertical pass: one row of results from the rows its taps read,
// lanes = consecutive elements of the rows (no transposes), float32 products summed tap by
// tap in the tables' order; and how a pass's last sums become values (Finish).
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_REAL_VERTICAL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_REAL_VERTICAL_INL_H_
#undef PIXFUSE_CPU_FUSED_REAL_VERTICAL_INL_H_
#else
#define PIXFUSE_CPU_FUSED_REAL_VERTICAL_INL_H_
#endif

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// What a pass does with its sums. The kernels sum from the first product, the reference
// from +0: the two differ only in the sign of a zero sum, and a first pass's -0 changes
// no later sum but that sign, so adding +0 once at the end (value) gives the reference's
// bits. to_u16: rounded half to even and saturated to 0..65535 (cv::resize on u16).
enum class Finish { exact, value, to_u16 };

template <Finish F, class D>
HWY_INLINE hn::Vec<D> finish(D d, hn::Vec<D> v) {
  if constexpr (F == Finish::exact) {
    return v;
  } else if constexpr (F == Finish::value) {
    return hn::Add(v, hn::Zero(d));
  } else {
    return hn::Add(hn::Min(hn::Max(hn::Round(v), hn::Zero(d)), hn::Set(d, 65535.0f)), hn::Zero(d));
  }
}

// The lines of n rows of len floats, asked for one row after the other, a few at a time,
// into the level cpu/prefetch_level.hpp picks. In this address order the seeds' workload
// from DRAM ran 3-10% faster than with line k of every row asked for side by side, and
// 1-6% slower from cache (more instructions); docs/PERFORMANCE_LOG.md, 2026-12-06 evening.
class RowLines {
 public:
  RowLines(const float* const* rows, int n, std::size_t len)
      : rows_(rows), n_(n), len_(len), into_l2_(::pixfuse::detail::stream_prefetch_into_l2()) {}
  void prefetch(std::size_t lines) { into_l2_ ? walk<true>(lines) : walk<false>(lines); }
  void prefetch_rest() { prefetch(static_cast<std::size_t>(n_) * ((len_ + kLine - 1) / kLine)); }
  // The lines that `elements` floats of every row take, rounded up.
  std::size_t lines_for(std::size_t elements) const {
    return (static_cast<std::size_t>(n_) * elements + kLine - 1) / kLine;
  }

 private:
  template <bool IntoL2>
  void walk(std::size_t lines) {
    for (; lines > 0 && row_ < n_; --lines) {
      prefetch_stream<IntoL2>(rows_[row_] + at_);
      at_ += kLine;
      if (at_ >= len_) at_ = 0, ++row_;
    }
  }

  static constexpr std::size_t kLine = 64 / sizeof(float);
  const float* const* rows_;
  int n_;
  std::size_t len_;
  bool into_l2_;
  int row_ = 0;
  std::size_t at_ = 0;
};

// out[i] = sum over j < n of rows[j][i] * w[j], for i in [0, len); zeros when n == 0.
// The rows of `ahead` (nahead of them, the next output row's new source rows) are
// prefetched alongside, so that their memory latency overlaps this row's arithmetic.
template <Finish F, class D>
void vertical_row(D d, const float* const* rows, const float* w, int n, std::size_t len, float* out,
                  const float* const* ahead = nullptr, int nahead = 0) {
  const std::size_t N = hn::Lanes(d);
  std::size_t i = 0;
  if (n == 0) {
    for (; i + N <= len; i += N) hn::StoreU(finish<F>(d, hn::Zero(d)), d, out + i);
    if (i < len) store_n(finish<F>(d, hn::Zero(d)), d, out + i, len - i);
    return;
  }
  // Eight vectors at a time (each row pointer and weight read once per eight; 8
  // accumulators fit the 16 registers of AVX2 / SSE4 too).
  // As many lines per eight vectors as the row covers, so the next row's are all asked
  // for by the end of this one.
  RowLines next(ahead, nahead, len);
  const std::size_t lines_per_step = next.lines_for(8 * N);
  for (; i + 8 * N <= len; i += 8 * N) {
    next.prefetch(lines_per_step);
    const float* r = rows[0] + i;
    const auto w0 = hn::Set(d, w[0]);
    auto a0 = hn::Mul(hn::LoadU(d, r), w0), a1 = hn::Mul(hn::LoadU(d, r + N), w0);
    auto a2 = hn::Mul(hn::LoadU(d, r + 2 * N), w0), a3 = hn::Mul(hn::LoadU(d, r + 3 * N), w0);
    auto a4 = hn::Mul(hn::LoadU(d, r + 4 * N), w0), a5 = hn::Mul(hn::LoadU(d, r + 5 * N), w0);
    auto a6 = hn::Mul(hn::LoadU(d, r + 6 * N), w0), a7 = hn::Mul(hn::LoadU(d, r + 7 * N), w0);
    for (int j = 1; j < n; ++j) {
      r = rows[j] + i;
      const auto wj = hn::Set(d, w[j]);
      a0 = hn::Add(a0, hn::Mul(hn::LoadU(d, r), wj));
      a1 = hn::Add(a1, hn::Mul(hn::LoadU(d, r + N), wj));
      a2 = hn::Add(a2, hn::Mul(hn::LoadU(d, r + 2 * N), wj));
      a3 = hn::Add(a3, hn::Mul(hn::LoadU(d, r + 3 * N), wj));
      a4 = hn::Add(a4, hn::Mul(hn::LoadU(d, r + 4 * N), wj));
      a5 = hn::Add(a5, hn::Mul(hn::LoadU(d, r + 5 * N), wj));
      a6 = hn::Add(a6, hn::Mul(hn::LoadU(d, r + 6 * N), wj));
      a7 = hn::Add(a7, hn::Mul(hn::LoadU(d, r + 7 * N), wj));
    }
    hn::StoreU(finish<F>(d, a0), d, out + i);
    hn::StoreU(finish<F>(d, a1), d, out + i + N);
    hn::StoreU(finish<F>(d, a2), d, out + i + 2 * N);
    hn::StoreU(finish<F>(d, a3), d, out + i + 3 * N);
    hn::StoreU(finish<F>(d, a4), d, out + i + 4 * N);
    hn::StoreU(finish<F>(d, a5), d, out + i + 5 * N);
    hn::StoreU(finish<F>(d, a6), d, out + i + 6 * N);
    hn::StoreU(finish<F>(d, a7), d, out + i + 7 * N);
  }
  next.prefetch_rest();
  for (; i < len; i += N) {
    const std::size_t lanes = std::min(N, len - i);
    auto acc = hn::Mul(load_n(d, rows[0] + i, lanes), hn::Set(d, w[0]));
    for (int j = 1; j < n; ++j)
      acc = hn::Add(acc, hn::Mul(load_n(d, rows[j] + i, lanes), hn::Set(d, w[j])));
    store_n(finish<F>(d, acc), d, out + i, lanes);
  }
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_REAL_VERTICAL_INL_H_ toggle
