// The driver of the u8 integer conventions (Pillow / torchvision fixed_u8, OpenCV's integer
// paths): 16-bit multiply-adds in both passes and narrow rings between them.
//
//   horizontal  blocks of R source rows (R = int32 lanes of the target), as int16 sample
//               pairs, lanes = rows (pairs-inl.h, madd_horizontal-inl.h), into a ring of
//               blocks in the convention's narrow type (narrow-inl.h); Pillow's on
//               AVX3_DL, where 16 lanes' windows fit, with lanes = output values of RGB
//               rows read in place or columns of channel planes, four samples per lane
//               times the weights' byte digits (8-bit multiply-adds; permute_horizontal-inl.h)
//   vertical    lanes = output columns (narrow_vertical-inl.h; vertical-inl.h for the
//               conventions with int32 rings)
//   store       as every path (store-inl.h)
// Blocks are aligned to multiples of R in the list of source rows (Y.sources), so that the
// vertical pass's aligned row pairs never straddle two blocks.
//
// run_u8 declines (returns false) plans whose sums the 16-bit lanes cannot hold exactly
// (PairedTaps::exact); the general driver runs those.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/cpu/workspace.hpp"
#include "pixfuse/plan/plan.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_U8_DRIVER_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_U8_DRIVER_INL_H_
#undef PIXFUSE_CPU_FUSED_U8_DRIVER_INL_H_
#else
#define PIXFUSE_CPU_FUSED_U8_DRIVER_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/source-inl.h"
#include "pixfuse/cpu/fused/shape-inl.h"
#include "pixfuse/cpu/fused/narrow-inl.h"
#include "pixfuse/cpu/fused/pairs-inl.h"
#include "pixfuse/cpu/fused/madd_horizontal-inl.h"
#include "pixfuse/cpu/fused/permute_horizontal-inl.h"
#include "pixfuse/cpu/fused/two_tap-inl.h"
#include "pixfuse/cpu/fused/narrow_vertical-inl.h"
#include "pixfuse/cpu/fused/vertical-inl.h"
#include "pixfuse/cpu/fused/store-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Whether the 16-bit path computes plan p exactly (else the general driver runs it).
template <Arithmetic A>
bool madd_exact(const Plan& p) {
  if (!p.x.paired.exact) return false;
  if constexpr (A == Arithmetic::fixed_u8) return p.y.paired.exact;
  if constexpr (A == Arithmetic::opencv_linear) {
    // sum >> 4 must fit int16, and the vertical weights too.
    if (((255 * p.x.paired.max_abs_sum) >> 4) > 32767) return false;
    for (std::int32_t q : p.y.fixed)
      if (q < -32768 || q > 32767) return false;
  }
  return true;
}

template <Arithmetic A, bool SplitX, bool SplitY, class Shape>
void run_u8_plan(const Plan& p, const AnyImageView& in, void* out, const int* used, int nused) {
  using Ring = typename Narrow<A>::Ring;
  const AxisTaps& X = p.x;
  const AxisTaps& Y = p.y;
  const RowStore<Shape> store{p, out};
  const int out_width = Shape::width(p);
  const hn::ScalableTag<std::int32_t> d32;
  const std::size_t R = hn::Lanes(d32);

  const bool any_valid = X.valid_begin < X.valid_end && Y.valid_begin < Y.valid_end;
  const int x0 = X.valid_begin, x1 = X.valid_end;
  const std::size_t row_width = static_cast<std::size_t>(std::max(x1 - x0, 0));
  const int T = static_cast<int>(Y.sources.size());  // source rows, by position
  const std::size_t npairs = (X.sources.size() + 1) / 2;

  // The ring: K blocks of R rows; an output row reads positions spanning at most
  // max_taps + 1 (aligned pairs), so K blocks never evict one still needed.
  const int span = Y.max_taps + 1;
  const int K = (span + static_cast<int>(R) - 2) / static_cast<int>(R) + 1;
  detail::Workspace& ws = detail::Workspace::for_this_thread();
  std::uint8_t* pairs =
      ws.columns.get<std::uint8_t>(npairs * static_cast<std::size_t>(nused) * 2 * R + 64);
  Ring* ring = ws.ring.get<Ring>(
      static_cast<std::size_t>(K) * R * static_cast<std::size_t>(nused) * row_width + 1);
  int* tags = ws.tags.get<int>(static_cast<std::size_t>(K));
  std::int32_t* values = ws.values.get<std::int32_t>(4 * static_cast<std::size_t>(p.out_width) + 1);
  std::uint8_t* values8 =
      ws.staging.get<std::uint8_t>(4 * static_cast<std::size_t>(p.out_width) + 64);
  Ring** block_rows = ws.block_rows.get<Ring*>(4 * R);
  int* rows = ws.blocks.get<int>(2 * R);  // a block's rows, then the next one's (to prefetch)
  std::fill(tags, tags + K, -1);

  const Source<std::uint8_t> src{static_cast<const unsigned char*>(in.data), in.row_stride,
                                 in.channels, p.transposed, p.premultiply_alpha};
  const int row_length = p.transposed ? p.in_height : p.in_width;
  auto ring_row = [&](int t, int u) {
    const std::size_t block = static_cast<std::size_t>((t / static_cast<int>(R)) % K);
    return ring + ((block * static_cast<std::size_t>(nused) + static_cast<std::size_t>(u)) * R +
                   static_cast<std::size_t>(t % static_cast<int>(R))) *
                      row_width;
  };
  // Paired rings (madd_horizontal-inl.h): pair m = positions 2m, 2m + 1, twice as wide.
  constexpr bool paired = paired_ring<A, decltype(d32)>();
#if PIXFUSE_HAVE_PERMUTE_HORIZONTAL
  // Lanes = output columns where the target has byte permutes and the windows fit.
  PermuteTable permute;
  bool use_permute = false, in_place = false;
  std::uint8_t* planes = nullptr;
  if constexpr (paired) {
    const int c = in.channels;
    // RGB rows whose every channel is used are read as they are (C = 3 lanes per
    // column); other rows are split into the used channels' planes first. A group of 16
    // lanes reads the cheapest windows that hold its samples: one of 64 bytes (one vpermb
    // per step), two of 64 (two), one of 128 (one vpermt2b, which costs two vpermb), two
    // of 128. In place with two windows comes before planes with one (RGB rows from about
    // 6.5x): since each step's weights stay in registers for the four rows, the permute
    // costs less than the split (docs/PERFORMANCE_LOG.md, 2026-12-06 day); planes with two
    // windows take the downscales past in place's two (from about 9x).
    const bool readable =
        !src.premultiply && !src.transposed && (c == 1 || c == 3 || c == 4) && one_run(X.sources);
    const bool rgb =
        readable && c == 3 && nused == 3 && used[0] == 0 && used[1] == 1 && used[2] == 2;
    const int b0 = Shape::begin(x0), b1 = Shape::end(x1);
    auto cheapest = [&](int C, std::size_t row_bytes) {
      constexpr int kForms[4][2] = {{1, 64}, {2, 64}, {1, 128}, {2, 128}};  // windows, width
      for (const auto& form : kForms)
        if (permute_table(X, b0, b1, C, row_bytes, form[0], form[1], ws.tables, permute))
          return true;
      return false;
    };
    in_place = rgb && cheapest(3, 3 * X.sources.size());
    use_permute = in_place || (readable && cheapest(1, ~std::size_t{0}));
    if (use_permute && !in_place) {
      const std::size_t bytes = 4 * static_cast<std::size_t>(nused) * permute.plane;
      planes = ws.planes.get<std::uint8_t>(bytes);
      std::memset(planes, 0, bytes);  // the slack past the row: read with weight 0
    }
  }
#endif
  // The horizontal pass of block b (positions [b R, b R + R)) into its ring slot.
  auto horizontal = [&](int b) {
    const int t0 = b * static_cast<int>(R);
    const int n = std::min(static_cast<int>(R), T - t0);
    const int listed = std::min(n + static_cast<int>(R), T - t0);
    for (int l = 0; l < listed; ++l) rows[l] = Y.sources[static_cast<std::size_t>(t0 + l)];
    // The block's R positions are one ring slot: its rows (pairs m = positions 2m, 2m + 1,
    // twice as wide, in paired rings) follow each other from the slot's start, channel by
    // channel; placed without ring_row's two divisions per row (a few percent of a big
    // downscale's time).
    const std::size_t slot = static_cast<std::size_t>(b % K) * static_cast<std::size_t>(nused);
    for (int u = 0; u < nused; ++u) {
      Ring* first = ring + (slot + static_cast<std::size_t>(u)) * R * row_width;
      if constexpr (paired) {
        for (std::size_t m = 0; m < R / 2; ++m)
          block_rows[static_cast<std::size_t>(u) * (R / 2) + m] = first + 2 * m * row_width;
      } else {
        for (std::size_t l = 0; l < R; ++l)
          block_rows[static_cast<std::size_t>(u) * R + l] = first + l * row_width;
      }
    }
#if PIXFUSE_HAVE_PERMUTE_HORIZONTAL
    if constexpr (paired) {
      if (use_permute) {
        const int first = X.sources.front(), ncols = Shape::end(x1) - Shape::begin(x0);
        const std::size_t S = X.sources.size();
        const int precision = X.precision_bits;
        if (in_place) {
          permute_h_block_rgb(permute, src, first, S, rows, n, listed, R, ncols, precision,
                              block_rows);
          tags[b % K] = b;
          return;
        }
        switch (in.channels) {
          case 1:
            permute_h_block<1>(permute, src, first, S, rows, n, listed, R, used, nused, ncols,
                               precision, block_rows, planes);
            break;
          case 3:
            permute_h_block<3>(permute, src, first, S, rows, n, listed, R, used, nused, ncols,
                               precision, block_rows, planes);
            break;
          default:
            permute_h_block<4>(permute, src, first, S, rows, n, listed, R, used, nused, ncols,
                               precision, block_rows, planes);
            break;
        }
        tags[b % K] = b;
        return;
      }
    }
#endif
    const PairBlock block{rows, n, R, &X.sources, used, nused, npairs, pairs, listed};
    fill_pairs(d32, src, block, row_length);
    switch (nused) {  // all channels of an output column share its weights
      case 1:
        madd_h_block<A, SplitX, 1, Shape>(d32, X, pairs, npairs, x0, x1, n, block_rows);
        break;
      case 2:
        madd_h_block<A, SplitX, 2, Shape>(d32, X, pairs, npairs, x0, x1, n, block_rows);
        break;
      case 3:
        madd_h_block<A, SplitX, 3, Shape>(d32, X, pairs, npairs, x0, x1, n, block_rows);
        break;
      default:
        madd_h_block<A, SplitX, 4, Shape>(d32, X, pairs, npairs, x0, x1, n, block_rows);
        break;
    }
    tags[b % K] = b;
  };
  auto ensure = [&](int lo, int hi) {  // positions
    for (int b = lo / static_cast<int>(R); b <= hi / static_cast<int>(R); ++b)
      if (tags[b % K] != b) horizontal(b);
  };

  const bool forward = Y.ascending();
  const Ring** taps = ws.taps.get<const Ring*>(
      2 * static_cast<std::size_t>(std::max(Y.max_taps, Y.paired.max_pairs)) + 2);
  const int out_height = Shape::height(p);
  for (int step = 0; step < out_height; ++step) {
    const int y = forward ? step : out_height - 1 - step;
    if (Y.is_padding(y) || !any_valid) {
      store.template row<std::int32_t>(y, 0, 0, nullptr);
      continue;
    }
    const auto yo = static_cast<std::size_t>(y);
    // The values of channel s: u8 (values8 + s * W) straight to the store, or int32
    // (values + s * W) where Pillow's un-premultiplication follows.
    const bool wide = p.premultiply_alpha;
    auto vertical = [&](int u, const Ring* const* rows) {
      const auto s = static_cast<std::size_t>(used[u]) * static_cast<std::size_t>(out_width);
      if constexpr (paired) {
        if (wide) vertical_u8_pair_rows<SplitY, Shape>(Y, y, rows, x0, x1, values + s);
        else vertical_u8_pair_rows<SplitY, Shape>(Y, y, rows, x0, x1, values8 + s);
      } else if constexpr (A == Arithmetic::fixed_u8) {
        if (wide) vertical_u8_pairs<SplitY, Shape>(Y, y, rows, x0, x1, values + s);
        else vertical_u8_pairs<SplitY, Shape>(Y, y, rows, x0, x1, values8 + s);
      } else if constexpr (A == Arithmetic::opencv_linear) {
        vertical_opencv_linear<Shape>(Y, y, rows, x0, x1, values8 + s);
      } else {
        Vertical<A>::template run<Shape>(p, Y, y, rows, x0, x1, used[u], values + s);
        for (int x = x0; x < x1; ++x)
          values8[s + static_cast<std::size_t>(x)] =
              static_cast<std::uint8_t>(values[s + static_cast<std::size_t>(x)]);
      }
    };
    if constexpr (A == Arithmetic::fixed_u8) {
      // Aligned pairs of positions; a position past the last row reads the last (weight 0).
      const int f = Y.paired.first[yo], n = Y.paired.count[yo];
      ensure(2 * f, std::min(2 * (f + n) - 1, T - 1));
      if constexpr (paired) {
        // Channel 0's pair rows, placed once per row by stepping through the blocks
        // (dividing twice per pair was a tenth of the driver's time); the
        // next channel's lie R rows further in each block.
        int block = (2 * f / static_cast<int>(R)) % K, row = 2 * f % static_cast<int>(R);
        for (int j = 0; j < n; ++j) {
          taps[j] = ring - 2 * x0 +
                    (static_cast<std::size_t>(block) * static_cast<std::size_t>(nused) * R +
                     static_cast<std::size_t>(row)) *
                        row_width;
          row += 2;
          if (row == static_cast<int>(R)) {
            row = 0;
            block = block + 1 == K ? 0 : block + 1;
          }
        }
      }
      for (int u = 0; u < nused; ++u) {
        if constexpr (paired) {
          if (u > 0)
            for (int j = 0; j < n; ++j) taps[j] += R * row_width;
        } else {
          for (int j = 0; j < 2 * n; ++j) taps[j] = ring_row(std::min(2 * f + j, T - 1), u) - x0;
        }
        vertical(u, taps);
      }
    } else {
      const int n = Y.count[yo];
      const std::int32_t* slot = Y.slot_row(y);
      int lo = slot[0], hi = slot[0];
      for (int k = 1; k < n; ++k) {
        lo = std::min(lo, slot[k]);
        hi = std::max(hi, slot[k]);
      }
      ensure(lo, hi);
      for (int u = 0; u < nused; ++u) {
        for (int k = 0; k < n; ++k) taps[k] = ring_row(slot[k], u) - x0;
        vertical(u, taps);
      }
    }
    if (wide) {
      for (int c = 0; c < 3; ++c)
        unpremultiply(values + c * out_width, values + 3 * out_width, x0, x1);
      const std::int32_t* channel_values[4];
      for (int c = 0; c < Shape::channels(p); ++c)
        channel_values[c] =
            values + static_cast<std::size_t>(p.channel_source[static_cast<std::size_t>(c)]) *
                         static_cast<std::size_t>(out_width);
      store.row(y, x0, x1, channel_values);
    } else {
      const std::uint8_t* at[4];
      for (int s = 0; s < 4; ++s)
        at[s] = values8 + static_cast<std::size_t>(s) * static_cast<std::size_t>(out_width) + x0;
      store.row_u8(y, x0, x1, at, 1);
    }
  }
}

// The plans whose every output column reads at most two adjacent source columns (stored
// orientation, no premultiplication): rows resampled one at a time, lanes = output
// columns and channels (two_tap-inl.h), flattened rings; the vertical pass runs on the
// flattened lanes (its arithmetic is lane by lane), and the values are split into
// channels for the store.
template <Arithmetic A, bool SplitX, bool SplitY, class Shape>
void run_u8_rows(const Plan& p, const AnyImageView& in, void* out) {
  using Ring = typename Narrow<A>::Ring;
  const AxisTaps& X = p.x;
  const AxisTaps& Y = p.y;
  const RowStore<Shape> store{p, out};
  const hn::ScalableTag<std::int32_t> d32;
  const int C = p.in_channels;
  const bool any_valid = X.valid_begin < X.valid_end && Y.valid_begin < Y.valid_end;
  const int x0 = X.valid_begin, x1 = X.valid_end;
  const int T = static_cast<int>(Y.sources.size());

  detail::Workspace& ws = detail::Workspace::for_this_thread();
  const std::size_t padded =
      (static_cast<std::size_t>(std::max(x1 - x0, 1) * C) + hn::Lanes(d32) - 1) / hn::Lanes(d32) *
      hn::Lanes(d32);
  const TwoTapLanes lanes =
      two_tap_lanes(d32, X, x0, std::max(x1, x0 + 1), C, p.in_width,
                    ws.window.get<unsigned char>(two_tap_table_bytes(padded)));
  // The ring: positions (indices into Y.sources), one flattened row each.
  const int K = Y.max_taps + 2;
  Ring* ring = ws.ring.get<Ring>(static_cast<std::size_t>(K) * padded + 64);
  int* tags = ws.tags.get<int>(static_cast<std::size_t>(K));
  std::fill(tags, tags + K, -1);
  std::uint8_t* flat = ws.staging.get<std::uint8_t>(padded + 64);
  std::int32_t* wide =
      ws.values.get<std::int32_t>(padded + 64);  // conventions whose vertical pass writes int32
  auto ring_row = [&](int t) { return ring + static_cast<std::size_t>(t % K) * padded; };
  const auto* base = static_cast<const unsigned char*>(in.data);
  auto source_row = [&](int t) {  // the source row of position t
    return base +
           static_cast<std::ptrdiff_t>(Y.sources[static_cast<std::size_t>(t)]) * in.row_stride;
  };
  auto ensure = [&](int lo, int hi) {
    for (int t = lo; t <= hi; ++t)
      if (tags[t % K] != t) {
        // Position t + 2 is the next output row's first in a downscale (two taps each).
        two_tap_row<A, SplitX>(d32, lanes, source_row(t), X.paired.shift, X.precision_bits,
                               ring_row(t), t + 2 < T ? source_row(t + 2) : nullptr);
        tags[t % K] = t;
      }
  };

  const bool forward = Y.ascending();
  const Ring** taps = ws.taps.get<const Ring*>(
      2 * static_cast<std::size_t>(std::max(Y.max_taps, Y.paired.max_pairs)) + 2);
  const int out_height = Shape::height(p);
  const int nl = static_cast<int>(lanes.lanes);
  for (int step = 0; step < out_height; ++step) {
    const int y = forward ? step : out_height - 1 - step;
    if (Y.is_padding(y) || !any_valid) {
      store.template row<std::int32_t>(y, 0, 0, nullptr);
      continue;
    }
    const auto yo = static_cast<std::size_t>(y);
    if constexpr (A == Arithmetic::fixed_u8) {
      const int f = Y.paired.first[yo], n = Y.paired.count[yo];
      ensure(2 * f, std::min(2 * (f + n) - 1, T - 1));
      for (int j = 0; j < 2 * n; ++j) taps[j] = ring_row(std::min(2 * f + j, T - 1));
      vertical_u8_pairs<SplitY, DynamicShape>(Y, y, taps, 0, nl, flat);
    } else {
      const int n = Y.count[yo];
      const std::int32_t* slot = Y.slot_row(y);
      int lo = slot[0], hi = slot[0];
      for (int k = 1; k < n; ++k) {
        lo = std::min(lo, slot[k]);
        hi = std::max(hi, slot[k]);
      }
      ensure(lo, hi);
      for (int k = 0; k < n; ++k) taps[k] = ring_row(slot[k]);
      if constexpr (A == Arithmetic::opencv_linear) {
        vertical_opencv_linear<DynamicShape>(Y, y, taps, 0, nl, flat);
      } else {
        Vertical<A>::template run<DynamicShape>(p, Y, y, taps, 0, nl, 0, wide);
        for (int i = 0; i < nl; ++i)
          flat[i] = static_cast<std::uint8_t>(wide[i]);  // 0..255 already
      }
    }
    const std::uint8_t* at[4] = {flat, flat + 1, flat + 2, flat + 3};
    store.row_u8(y, x0, x1, at, C);
  }
}

// Runs plan p (u8 input, arithmetic A) with 16-bit multiply-adds; false when the plan
// needs the general driver (sums outside int32, or nothing to resample).
template <Arithmetic A, class Shape>
bool run_u8(const Plan& p, const AnyImageView& in, void* out) {
  if ((p.x.identity && p.y.identity && !p.transposed && !p.premultiply_alpha) || !madd_exact<A>(p))
    return false;
  // Source channels the output reads (and alpha, to premultiply).
  int used[4], nused = 0;
  for (int s = 0; s < p.in_channels; ++s) {
    bool needed = s == 3 && p.premultiply_alpha;
    for (int c = 0; c < p.out_channels; ++c)
      needed |= p.channel_source[static_cast<std::size_t>(c)] == s;
    if (needed) used[nused++] = s;
  }
  const bool split_x = p.x.paired.shift > 0;
  // At most two taps per output column: rows one at a time, no transposes.
  const bool rows = p.x.paired.two_tap && !p.transposed && !p.premultiply_alpha &&
                    p.in_width * p.in_channels >= 4 && A != Arithmetic::opencv_cubic;
  if (rows) {
    if constexpr (A == Arithmetic::fixed_u8) {
      const bool split_y = p.y.paired.shift > 0;
      if (split_x && split_y) run_u8_rows<A, true, true, Shape>(p, in, out);
      else if (split_x) run_u8_rows<A, true, false, Shape>(p, in, out);
      else if (split_y) run_u8_rows<A, false, true, Shape>(p, in, out);
      else run_u8_rows<A, false, false, Shape>(p, in, out);
      return true;
    } else if (!split_x) {
      run_u8_rows<A, false, false, Shape>(p, in, out);
      return true;
    }
  }
  if constexpr (A == Arithmetic::fixed_u8) {
    const bool split_y = p.y.paired.shift > 0;
    if (split_x && split_y) run_u8_plan<A, true, true, Shape>(p, in, out, used, nused);
    else if (split_x) run_u8_plan<A, true, false, Shape>(p, in, out, used, nused);
    else if (split_y) run_u8_plan<A, false, true, Shape>(p, in, out, used, nused);
    else run_u8_plan<A, false, false, Shape>(p, in, out, used, nused);
  } else {
    if (split_x) return false;  // OpenCV's weights are 11-bit (8-bit, 1): never split
    run_u8_plan<A, false, false, Shape>(p, in, out, used, nused);
  }
  return true;
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_U8_DRIVER_INL_H_ toggle
