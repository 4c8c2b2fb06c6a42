// Plans that leave both axes untouched (normalise / convert / relayout only): each source
// row goes straight through the value maps into the output.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/cpu/workspace.hpp"
#include "pixfuse/plan/plan.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_IDENTITY_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_IDENTITY_INL_H_
#undef PIXFUSE_CPU_FUSED_IDENTITY_INL_H_
#else
#define PIXFUSE_CPU_FUSED_IDENTITY_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/store-inl.h"
#include "pixfuse/cpu/fused/shape-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Source row pixels of the channels in `used` as values, one row per channel at
// values + s * W: the identity-resize case, where a value is the sample itself (u8 rows of
// the u8 conventions skip this: map_rows hands them to the store as they are).
template <class Value, class Src>
void deinterleave_row(const Src* row, int channels, int W, const int* used, int nused,
                      Value* values) {
  int x = 0;
#if HWY_TARGET != HWY_SCALAR
  if constexpr (std::is_same_v<Src, float> && std::is_same_v<Value, float>) {
    if (channels >= 3) {  // every channel (an unused alpha costs a store, not a branch)
      const hn::ScalableTag<float> df;
      const int N = static_cast<int>(hn::Lanes(df));
      Value* v0 = values;
      Value* v1 = values + W;
      Value* v2 = values + 2 * static_cast<std::size_t>(W);
      Value* v3 = values + 3 * static_cast<std::size_t>(W);
      const auto put = [&](hn::Vec<decltype(df)> v, Value* to) HWY_ATTR {
        hn::StoreU(hn::Add(v, hn::Zero(df)), df,
                   to);  // + 0: -0 becomes +0, as the reference's sums
      };
      for (; x + N <= W; x += N) {
        hn::Vec<decltype(df)> a, b, c;
        if (channels == 3) {
          hn::LoadInterleaved3(df, row + static_cast<std::size_t>(x) * 3, a, b, c);
        } else {
          hn::Vec<decltype(df)> d;
          hn::LoadInterleaved4(df, row + static_cast<std::size_t>(x) * 4, a, b, c, d);
          put(d, v3 + x);
        }
        put(a, v0 + x), put(b, v1 + x), put(c, v2 + x);
      }
    }
  }
#endif
  for (int u = 0; u < nused; ++u) {
    Value* v = values + static_cast<std::size_t>(used[u]) * static_cast<std::size_t>(W);
    for (int i = x; i < W; ++i)
      v[i] = static_cast<Value>(row[static_cast<std::size_t>(i) * channels + used[u]]) + Value(0);
  }
}

// Both axes untouched (normalise / convert / relayout only): no resampling, each source
// row goes straight through the value maps into the output. The lowering sets
// AxisTaps::identity only when output o is source o with weight 1 in the convention's
// arithmetic (no crop, pad or flip), so the values are the samples themselves.
template <class Value, class Src, class Shape>
void map_rows(const Plan& p, const AnyImageView& in, void* out, const int* used, int nused) {
  const RowStore<Shape> store{p, out};
  const int W = Shape::width(p), H = Shape::height(p);
  detail::Workspace& ws = detail::Workspace::for_this_thread();
  Value* values = ws.values.get<Value>(4 * static_cast<std::size_t>(W) + 1);
  const Value* channel_values[4];
  for (int c = 0; c < Shape::channels(p); ++c)
    channel_values[c] =
        values + static_cast<std::size_t>(p.channel_source[static_cast<std::size_t>(c)]) *
                     static_cast<std::size_t>(W);
  const auto* base = static_cast<const unsigned char*>(in.data);
  // u8 samples of a u8 convention: rows that follow one another in the source go to the
  // store together (a run of at most 2^24 pixels, so that offsets stay in int).
  const bool packed = in.row_stride == static_cast<std::int64_t>(W) * in.channels;
  constexpr bool u8_rows = std::is_same_v<Src, std::uint8_t> && std::is_same_v<Value, std::int32_t>;
  const int run = u8_rows && packed && W > 0 ? std::max(1, std::min(H, (1 << 24) / W)) : 1;
  for (int y = 0; y < H; y += run) {
    const Src* row =
        reinterpret_cast<const Src*>(base + static_cast<std::ptrdiff_t>(y) * in.row_stride);
    if constexpr (u8_rows) {
      // The store's own u8 path reads the interleaved row in place (channel s of pixel x
      // at row[x * channels + s]) through the plan's table.
      const std::uint8_t* at[4];
      for (int s = 0; s < 4; ++s) at[s] = row + std::min(s, in.channels - 1);
      store.row_u8(y, 0, W, at, in.channels, std::min(run, H - y));
    } else {
      deinterleave_row(row, in.channels, W, used, nused, values);
      store.row(y, 0, W, channel_values);
    }
  }
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_IDENTITY_INL_H_ toggle
