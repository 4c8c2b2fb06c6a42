// Source rows as float for the float conventions: upright row r over a pass's input
// positions, channels interleaved (element p * channels + c). A float image read upright
// over a span is used in place; other rows (u8 / u16 samples, transposed orientations,
// listed columns) are converted into a buffer.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_REAL_ROWS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_REAL_ROWS_INL_H_
#undef PIXFUSE_CPU_FUSED_REAL_ROWS_INL_H_
#else
#define PIXFUSE_CPU_FUSED_REAL_ROWS_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/source-inl.h"
#include "pixfuse/cpu/fused/real_taps-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

template <class Src>
struct FloatRows {
  const Source<Src>& src;
  Positions columns;

  // Whether row() needs no buffer.
  bool in_place() const {
    return std::is_same_v<Src, float> && !src.transposed && columns.contiguous();
  }
  std::size_t elements() const {
    return static_cast<std::size_t>(columns.count) * static_cast<std::size_t>(src.channels);
  }

  // Upright row r: in place, or converted into buffer (elements() floats).
  const float* row(int r, float* buffer) const {
    if constexpr (std::is_same_v<Src, float>) {
      if (in_place()) return src.pixel(r, columns.begin);
    }
    const int C = src.channels;
    if (!src.transposed && columns.contiguous()) {
      const Src* p = src.pixel(r, columns.begin);
      const std::size_t n = elements();
      std::size_t i = 0;
#if HWY_TARGET != HWY_SCALAR
      if constexpr (!std::is_same_v<Src, float>) {
        const hn::ScalableTag<float> df;
        const hn::RebindToSigned<decltype(df)> di;
        const hn::Rebind<Src, decltype(df)> ds;
        const std::size_t N = hn::Lanes(df);
        for (; i + N <= n; i += N)
          hn::StoreU(hn::ConvertTo(df, hn::PromoteTo(di, hn::LoadU(ds, p + i))), df, buffer + i);
      }
#endif
      for (; i < n; ++i) buffer[i] = static_cast<float>(p[i]);
      return buffer;
    }
    for (int q = 0; q < columns.count; ++q) {  // down a stored column, or listed columns
      const Src* px = src.pixel(r, columns.index(q));
      for (int c = 0; c < C; ++c)
        buffer[static_cast<std::size_t>(q) * C + c] = static_cast<float>(px[c]);
    }
    return buffer;
  }
};

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_REAL_ROWS_INL_H_ toggle
