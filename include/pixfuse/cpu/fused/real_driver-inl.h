// The float conventions' driver (Arithmetic::real, real_u16): float32 sums in the
// reference's order and float lanes at the target's full width, in either pass order.
//
//   horizontal first  blocks of L source rows through the horizontal pass (lanes = rows)
//                     into a ring of rows, one plane per channel; each output row is then
//                     the vertical pass over the ring rows it reads (lanes = columns)
//   vertical first    (Plan::vertical_first: JAX's order on square and tall images) each
//                     output row's vertical pass runs on the source rows themselves, all
//                     channels interleaved (lanes = elements, no transposes); blocks of L
//                     such rows then go through the horizontal pass straight to the output
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/cpu/workspace.hpp"
#include "pixfuse/plan/plan.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_REAL_DRIVER_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_REAL_DRIVER_INL_H_
#undef PIXFUSE_CPU_FUSED_REAL_DRIVER_INL_H_
#else
#define PIXFUSE_CPU_FUSED_REAL_DRIVER_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/source-inl.h"
#include "pixfuse/cpu/fused/shape-inl.h"
#include "pixfuse/cpu/fused/ring-inl.h"
#include "pixfuse/cpu/fused/store-inl.h"
#include "pixfuse/cpu/fused/identity-inl.h"
#include "pixfuse/cpu/fused/real_taps-inl.h"
#include "pixfuse/cpu/fused/real_rows-inl.h"
#include "pixfuse/cpu/fused/real_vertical-inl.h"
#include "pixfuse/cpu/fused/real_horizontal-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Carves typed arrays out of one scratch buffer (64-byte aligned each).
class Carver {
 public:
  explicit Carver(detail::ScratchBuffer& b) : buffer_(b) {}
  // Reserve n elements of T; pointers come from place() once every array is reserved.
  template <class T>
  std::size_t reserve(std::size_t n) {
    const std::size_t at = bytes_;
    bytes_ += (n * sizeof(T) + 63) / 64 * 64;
    return at;
  }
  void place() { base_ = buffer_.get<unsigned char>(bytes_ + 64); }
  template <class T>
  T* at(std::size_t offset) const {
    return reinterpret_cast<T*>(base_ + offset);
  }

 private:
  detail::ScratchBuffer& buffer_;
  std::size_t bytes_ = 0;
  unsigned char* base_ = nullptr;
};

template <Arithmetic A>
constexpr Finish kLast = A == Arithmetic::real_u16 ? Finish::to_u16 : Finish::value;

// horizontal_block for the image's channel count.
template <Finish F, class D>
void horizontal_block_for(int C, D d, const FloatTaps& X, const float* cols, int x0, int x1,
                          int nrows, float* const* out) {
  switch (C) {
    case 1: return horizontal_block<1, F>(d, X, cols, x0, x1, nrows, out);
    case 2: return horizontal_block<2, F>(d, X, cols, x0, x1, nrows, out);
    case 3: return horizontal_block<3, F>(d, X, cols, x0, x1, nrows, out);
    default: return horizontal_block<4, F>(d, X, cols, x0, x1, nrows, out);
  }
}

template <Arithmetic A, class Src, class Shape>
void run_real(const Plan& p, const AnyImageView& in, void* out) {
  static_assert(A == Arithmetic::real || A == Arithmetic::real_u16, "the float32 conventions");
  const AxisTaps& X = p.x;
  const AxisTaps& Y = p.y;
  const int C = p.in_channels;
  const RowStore<Shape> store{p, out};
  const int out_width = Shape::width(p), out_height = Shape::height(p);

  if (X.identity && Y.identity && !p.transposed) {
    int used[4], nused = 0;
    for (int s = 0; s < C; ++s)
      for (int c = 0; c < p.out_channels; ++c)
        if (p.channel_source[static_cast<std::size_t>(c)] == s) {
          used[nused++] = s;
          break;
        }
    return map_rows<float, Src, Shape>(p, in, out, used, nused);
  }

  const hn::ScalableTag<float> d;
  const std::size_t L = hn::Lanes(d);  // rows per horizontal block
  const int x0 = Shape::begin(X.valid_begin), x1 = Shape::end(X.valid_end);
  const bool any_valid =
      X.valid_begin < X.valid_end && Y.valid_begin < Y.valid_end && !Y.sources.empty();
  const std::size_t row_width = static_cast<std::size_t>(std::max(x1 - x0, 0));
  const Source<Src> src{static_cast<const unsigned char*>(in.data), in.row_stride, in.channels,
                        p.transposed, false};
  const Positions columns = Positions::of(X);
  const FloatRows<Src> rows{src, columns};
  const std::size_t elements = rows.elements();  // floats of one source row over the positions

  // Output rows in the order their source rows advance (backwards when the rows are
  // mirrored), so that rows are read, converted and resampled once each.
  const bool forward = Y.ascending();
  const int ring_rows = Y.max_taps + static_cast<int>(L) + 1;

  detail::Workspace& ws = detail::Workspace::for_this_thread();
  Carver tables(ws.taps);
  const std::size_t xi = tables.reserve<std::int32_t>(FloatTaps::size(X)),
                    xf = tables.reserve<float>(FloatTaps::size(X));
  const std::size_t yi = tables.reserve<std::int32_t>(FloatTaps::size(Y)),
                    yf = tables.reserve<float>(FloatTaps::size(Y));
  const std::size_t ptrs =
      tables.reserve<const float*>(2 * static_cast<std::size_t>(Y.max_taps) + 4 * L + 1);
  const std::size_t outs = tables.reserve<float*>(4 * L);
  const std::size_t row_of = tables.reserve<int>(L);
  tables.place();
  const FloatTaps XT = FloatTaps::build(
      X, [&](std::int32_t slot) { return columns.position(X, slot); }, tables.at<std::int32_t>(xi),
      tables.at<float>(xf));
  const FloatTaps YT = FloatTaps::build(
      Y, [](std::int32_t slot) { return slot; }, tables.at<std::int32_t>(yi), tables.at<float>(yf));
  const float** row_ptrs = tables.at<const float*>(ptrs);
  float** out_rows = tables.at<float*>(outs);
  int* block_y = tables.at<int>(row_of);

  float* cols = ws.columns.get<float>(elements * L + L);
  float* values = ws.values.get<float>(L * 4 * static_cast<std::size_t>(out_width) + 1);
  auto channel_values = [&](const float* plane,
                            const float** cv) {  // plane: 4 channel rows of out_width
    for (int c = 0; c < Shape::channels(p); ++c)
      cv[c] = plane + static_cast<std::size_t>(p.channel_source[static_cast<std::size_t>(c)]) *
                          static_cast<std::size_t>(out_width);
  };

  // Converted source rows, by position t in Y.sources (a ring: the rows one output row
  // reads, and the ones before and after it).
  float* staged = rows.in_place()
                      ? nullptr
                      : ws.staging.get<float>(static_cast<std::size_t>(ring_rows) * elements + 1);
  int* staged_tag = ws.tags.get<int>(static_cast<std::size_t>(ring_rows) * 2);
  std::fill(staged_tag, staged_tag + ring_rows, -1);
  auto source_row = [&](int t) -> const float* {
    const int r = Y.sources[static_cast<std::size_t>(t)];
    if (!staged) return rows.row(r, nullptr);
    float* slot = staged + static_cast<std::size_t>(t % ring_rows) * elements;
    if (staged_tag[t % ring_rows] != t) {
      rows.row(r, slot);
      staged_tag[t % ring_rows] = t;
    }
    return slot;
  };

  if (p.vertical_first) {
    // Vertical pass into L rows of `mid` (positions x channels), then the horizontal pass
    // of the block into `values` (per row, one plane per channel), then the stores.
    float* mid = ws.ring.get<float>(L * elements + L);
    int nblock = 0;
    auto flush = [&]() {
      if (nblock == 0) return;
      const float** mids = row_ptrs;
      for (int l = 0; l < nblock; ++l) mids[l] = mid + static_cast<std::size_t>(l) * elements;
      rows_to_columns(d, mids, nblock, elements, cols);
      for (int c = 0; c < C; ++c)
        for (std::size_t l = 0; l < L; ++l)
          out_rows[static_cast<std::size_t>(c) * L + l] =
              values + (l * 4 + static_cast<std::size_t>(c)) * static_cast<std::size_t>(out_width) +
              static_cast<std::size_t>(x0);
      horizontal_block_for<kLast<A>>(C, d, XT, cols, x0, x1, nblock, out_rows);
      for (int l = 0; l < nblock; ++l) {
        const float* cv[4];
        channel_values(values +
                           static_cast<std::size_t>(l) * 4 * static_cast<std::size_t>(out_width),
                       cv);
        store.row(block_y[l], x0, x1, cv);
      }
      nblock = 0;
    };
    for (int step = 0; step < out_height; ++step) {
      const int y = forward ? step : out_height - 1 - step;
      if (Y.is_padding(y) || !any_valid) {
        store.template row<float>(y, 0, 0, nullptr);
        continue;
      }
      const int n = YT.n(y);
      const std::int32_t* pos = YT.positions(y);
      const float** taps = row_ptrs + L;
      for (int j = 0; j < n; ++j) taps[j] = source_row(pos[j]);
      // The source rows the next output row reads beyond this one's (read in place only:
      // staged rows are converted just before they are used).
      const float** ahead = taps + n;
      int nahead = 0;
      if (!staged && step + 1 < out_height) {
        const int next = forward ? y + 1 : y - 1;
        if (!Y.is_padding(next) && YT.n(next) > 0 && n > 0) {
          int hi = pos[0], lo = pos[0];
          for (int j = 1; j < n; ++j) hi = std::max(hi, pos[j]), lo = std::min(lo, pos[j]);
          const std::int32_t* np = YT.positions(next);
          for (int j = 0; j < YT.n(next) && nahead < static_cast<int>(L); ++j)
            if (forward ? np[j] > hi : np[j] < lo) ahead[nahead++] = source_row(np[j]);
        }
      }
      vertical_row<Finish::exact>(d, taps, YT.weights(y), n, elements,
                                  mid + static_cast<std::size_t>(nblock) * elements, ahead, nahead);
      block_y[nblock++] = y;
      if (nblock == static_cast<int>(L)) flush();
    }
    flush();
    return;
  }

  // Horizontal first: a ring of horizontally resampled rows, by position t in Y.sources,
  // C planes of row_width each.
  float* ring = ws.ring.get<float>(
      static_cast<std::size_t>(ring_rows) * static_cast<std::size_t>(C) * row_width + 1);
  int* tags = staged_tag + ring_rows;
  std::fill(tags, tags + ring_rows, -1);
  auto ring_row = [&](int t, int c) {
    return ring + (static_cast<std::size_t>(t % ring_rows) * static_cast<std::size_t>(C) +
                   static_cast<std::size_t>(c)) *
                      row_width;
  };
  auto horizontal = [&](int t0, int n) {  // rows at positions [t0, t0 + n), n <= L
    for (int l = 0; l < n; ++l) row_ptrs[l] = source_row(t0 + l);
    rows_to_columns(d, row_ptrs, n, elements, cols);
    for (int c = 0; c < C; ++c)
      for (std::size_t l = 0; l < L; ++l)
        out_rows[static_cast<std::size_t>(c) * L + l] = ring_row(
            t0 + static_cast<int>(std::min<std::size_t>(l, static_cast<std::size_t>(n) - 1)), c);
    horizontal_block_for<Finish::exact>(C, d, XT, cols, x0, x1, n, out_rows);
    for (int l = 0; l < n; ++l) tags[(t0 + l) % ring_rows] = t0 + l;
  };
  const int nrow_sources = static_cast<int>(Y.sources.size());
  auto ensure = [&](int lo, int hi) {  // the ring holds positions [lo, hi], L at a time ahead
    ensure_ring(lo, hi, forward, static_cast<int>(L), nrow_sources, tags, ring_rows, horizontal);
  };
  for (int step = 0; step < out_height; ++step) {
    const int y = forward ? step : out_height - 1 - step;
    if (Y.is_padding(y) || !any_valid) {
      store.template row<float>(y, 0, 0, nullptr);
      continue;
    }
    const int n = YT.n(y);
    const std::int32_t* pos = YT.positions(y);
    if (n > 0) {
      int lo = pos[0], hi = pos[0];
      for (int j = 1; j < n; ++j) {
        lo = std::min(lo, pos[j]);
        hi = std::max(hi, pos[j]);
      }
      ensure(lo, hi);
    }
    float* plane = values;
    for (int s = 0; s < C; ++s) {
      bool used = false;
      for (int c = 0; c < Shape::channels(p); ++c)
        used |= p.channel_source[static_cast<std::size_t>(c)] == s;
      if (!used) continue;
      for (int j = 0; j < n; ++j) row_ptrs[j] = ring_row(pos[j], s);
      vertical_row<kLast<A>>(d, row_ptrs, YT.weights(y), n, row_width,
                             plane +
                                 static_cast<std::size_t>(s) * static_cast<std::size_t>(out_width) +
                                 static_cast<std::size_t>(x0));
    }
    const float* cv[4];
    channel_values(plane, cv);
    store.row(y, x0, x1, cv);
  }
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_REAL_DRIVER_INL_H_ toggle
