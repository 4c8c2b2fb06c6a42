// The driver: one pass over the output, horizontal blocks into a ring of rows ahead of the
// vertical pass, then the store; and the instantiation per arithmetic and input type.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/static_output.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/cpu/workspace.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/plan/plan.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_DRIVER_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_DRIVER_INL_H_
#undef PIXFUSE_CPU_FUSED_DRIVER_INL_H_
#else
#define PIXFUSE_CPU_FUSED_DRIVER_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/source-inl.h"
#include "pixfuse/cpu/fused/transpose-inl.h"
#include "pixfuse/cpu/fused/arithmetic-inl.h"
#include "pixfuse/cpu/fused/shape-inl.h"
#include "pixfuse/cpu/fused/ring-inl.h"
#include "pixfuse/cpu/fused/vertical-inl.h"
#include "pixfuse/cpu/fused/store-inl.h"
#include "pixfuse/cpu/fused/horizontal-inl.h"
#include "pixfuse/cpu/fused/identity-inl.h"
#include "pixfuse/cpu/fused/u8_driver-inl.h"
#include "pixfuse/cpu/fused/real_driver-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

template <Arithmetic A, class Src, class Shape>
void run_plan(const Plan& p, const AnyImageView& in, void* out) {
  using Acc = typename Traits<A>::Acc;
  using Mid = typename Traits<A>::Mid;
  constexpr bool u8_values = Traits<A>::u8_values;
  using Value = std::conditional_t<u8_values, std::int32_t, float>;
  const AxisTaps& X = p.x;
  const AxisTaps& Y = p.y;
  const RowStore<Shape> store{p, out};
  const int out_width = Shape::width(p);

  // Source channels the output reads (and alpha, to premultiply).
  int used[4], nused = 0;
  for (int s = 0; s < p.in_channels; ++s) {
    bool needed = s == 3 && p.premultiply_alpha;
    for (int c = 0; c < p.out_channels; ++c)
      needed |= p.channel_source[static_cast<std::size_t>(c)] == s;
    if (needed) used[nused++] = s;
  }

  if (X.identity && Y.identity && !p.transposed && !p.premultiply_alpha)
    return map_rows<Value, Src, Shape>(p, in, out, used, nused);

  const bool any_valid = X.valid_begin < X.valid_end && Y.valid_begin < Y.valid_end;
  const int x0 = X.valid_begin, x1 = X.valid_end;
  const std::size_t row_width = static_cast<std::size_t>(std::max(x1 - x0, 0));
  // Only the source columns and rows some tap reads are touched (X.sources, Y.sources);
  // rows are addressed by their position in Y.sources.
  const int nrow_sources = static_cast<int>(Y.sources.size());

  // Lanes = source rows: 8 (4 for doubles), so blocks transpose in registers. (Fewer on
  // narrower targets: SSE holds 4 int32, HWY_SCALAR 1; the horizontal pass then runs
  // several vectors per block.)
  const hn::CappedTag<Acc, sizeof(Acc) == 8 ? 4 : 8> da;
  constexpr std::size_t R = sizeof(Acc) == 8 ? 4 : 8;  // rows per block
  const int ring_rows = Y.max_taps + static_cast<int>(R) + 1;
  const std::size_t col_stride = X.sources.size() * R;

  detail::Workspace& ws = detail::Workspace::for_this_thread();
  Src* cols = ws.columns.get<Src>(col_stride * static_cast<std::size_t>(nused) + R);
  Mid* ring = ws.ring.get<Mid>(
      static_cast<std::size_t>(ring_rows) * static_cast<std::size_t>(nused) * row_width + 1);
  int* tags = ws.tags.get<int>(static_cast<std::size_t>(ring_rows));
  Value* values = ws.values.get<Value>(4 * static_cast<std::size_t>(p.out_width) + 1);
  Mid** block_rows = ws.block_rows.get<Mid*>(4 * R);
  Src* window = ws.window.get<Src>(64 * R);
  std::fill(tags, tags + ring_rows, -1);

  const Source<Src> src{static_cast<const unsigned char*>(in.data), in.row_stride, in.channels,
                        p.transposed, p.premultiply_alpha};
  // Ring rows by row position t; the slot cycles with the position.
  auto ring_row = [&](int t, int u) {
    return ring + (static_cast<std::size_t>(t % ring_rows) * static_cast<std::size_t>(nused) +
                   static_cast<std::size_t>(u)) *
                      row_width;
  };

  // Horizontal pass over the rows at positions [t0, t0 + n) (n <= R), into the ring.
  int rows[R];
  auto horizontal = [&](int t0, int n) {
    for (int l = 0; l < n; ++l) rows[l] = Y.sources[static_cast<std::size_t>(t0 + l)];
    transpose_in<R>(src, rows, n, X.sources, p.transposed ? p.in_height : p.in_width, used, nused,
                    cols, col_stride, window);
    for (int u = 0; u < nused; ++u)
      for (int l = 0; l < n; ++l)
        block_rows[static_cast<std::size_t>(u) * R + static_cast<std::size_t>(l)] =
            ring_row(t0 + l, u);
    switch (nused) {  // all channels of an output column share its taps
      case 1: h_block<A, 1, R, Shape>(da, X, cols, col_stride, x0, x1, n, block_rows); break;
      case 2: h_block<A, 2, R, Shape>(da, X, cols, col_stride, x0, x1, n, block_rows); break;
      case 3: h_block<A, 3, R, Shape>(da, X, cols, col_stride, x0, x1, n, block_rows); break;
      default: h_block<A, 4, R, Shape>(da, X, cols, col_stride, x0, x1, n, block_rows); break;
    }
    for (int l = 0; l < n; ++l) tags[(t0 + l) % ring_rows] = t0 + l;
  };

  // Output rows in the order their source rows advance (backwards when the rows are
  // mirrored); the ring holds the positions [lo, hi] an output row reads, computed R at
  // a time ahead of the travel.
  const bool forward = Y.ascending();
  auto ensure = [&](int lo, int hi) {
    ensure_ring(lo, hi, forward, static_cast<int>(R), nrow_sources, tags, ring_rows, horizontal);
  };

  const Mid** taps = ws.taps.get<const Mid*>(static_cast<std::size_t>(Y.max_taps) + 1);
  const int out_height = Shape::height(p);
  for (int step = 0; step < out_height; ++step) {
    const int y = forward ? step : out_height - 1 - step;
    if (Y.is_padding(y) || !any_valid) {
      store.template row<Value>(y, 0, 0, nullptr);
      continue;
    }
    const int n = Y.count[static_cast<std::size_t>(y)];
    const std::int32_t* slot = Y.slot_row(y);
    int lo = slot[0], hi = slot[0];
    for (int k = 1; k < n; ++k) {
      lo = std::min(lo, slot[k]);
      hi = std::max(hi, slot[k]);
    }
    ensure(lo, hi);
    for (int u = 0; u < nused; ++u) {
      for (int k = 0; k < n; ++k) taps[k] = ring_row(slot[k], u) - x0;
      Vertical<A>::template run<Shape>(p, Y, y, taps, x0, x1, used[u],
                                       values + static_cast<std::size_t>(used[u]) *
                                                    static_cast<std::size_t>(out_width));
    }
    if constexpr (u8_values) {
      if (p.premultiply_alpha)
        for (int c = 0; c < 3; ++c)
          unpremultiply(values + c * out_width, values + 3 * out_width, x0, x1);
    }
    const Value* channel_values[4];
    for (int c = 0; c < Shape::channels(p); ++c)
      channel_values[c] =
          values + static_cast<std::size_t>(p.channel_source[static_cast<std::size_t>(c)]) *
                       static_cast<std::size_t>(out_width);
    store.row(y, x0, x1, channel_values);
  }
}

// The instantiation for the plan's arithmetic and input type (the pairs lowering makes).
template <class Src, class Shape>
void run_typed(const Plan& p, const AnyImageView& in, void* out) {
  if constexpr (std::is_same_v<Src, std::uint8_t>) {
    // The integer conventions try the 16-bit multiply-add driver first (u8_driver-inl.h).
    switch (p.arithmetic) {
      case Arithmetic::fixed_u8:
        if (run_u8<Arithmetic::fixed_u8, Shape>(p, in, out)) return;
        return run_plan<Arithmetic::fixed_u8, Src, Shape>(p, in, out);
      case Arithmetic::opencv_linear:
        if (run_u8<Arithmetic::opencv_linear, Shape>(p, in, out)) return;
        return run_plan<Arithmetic::opencv_linear, Src, Shape>(p, in, out);
      case Arithmetic::opencv_cubic:
        if (run_u8<Arithmetic::opencv_cubic, Shape>(p, in, out)) return;
        return run_plan<Arithmetic::opencv_cubic, Src, Shape>(p, in, out);
      case Arithmetic::opencv_lanczos4:
        if (run_u8<Arithmetic::opencv_lanczos4, Shape>(p, in, out)) return;
        return run_plan<Arithmetic::opencv_lanczos4, Src, Shape>(p, in, out);
      case Arithmetic::opencv_linear_exact:
        if (run_u8<Arithmetic::opencv_linear_exact, Shape>(p, in, out)) return;
        return run_plan<Arithmetic::opencv_linear_exact, Src, Shape>(p, in, out);
      case Arithmetic::opencv_area_fast:
        if (run_u8<Arithmetic::opencv_area_fast, Shape>(p, in, out)) return;
        return run_plan<Arithmetic::opencv_area_fast, Src, Shape>(p, in, out);
      case Arithmetic::opencv_area:
        return run_plan<Arithmetic::opencv_area, Src, Shape>(p, in, out);
      case Arithmetic::real:
        return run_real<Arithmetic::real, Src, Shape>(p, in, out);  // u8 read as real values
      case Arithmetic::round_half_away:  // Pillow's I and F modes and cv::resize 16U: never a u8
                                         // input
      case Arithmetic::real_f64:
      case Arithmetic::real_u16: break;
    }
  } else if constexpr (std::is_same_v<Src, std::uint16_t>) {
    switch (p.arithmetic) {
      case Arithmetic::round_half_away:
        return run_plan<Arithmetic::round_half_away, Src, Shape>(p, in, out);
      case Arithmetic::real_u16: return run_real<Arithmetic::real_u16, Src, Shape>(p, in, out);
      case Arithmetic::real: return run_real<Arithmetic::real, Src, Shape>(p, in, out);
      case Arithmetic::fixed_u8:  // the u8 conventions and Pillow's F mode: never a u16 input
      case Arithmetic::real_f64:
      case Arithmetic::opencv_linear:
      case Arithmetic::opencv_cubic:
      case Arithmetic::opencv_lanczos4:
      case Arithmetic::opencv_linear_exact:
      case Arithmetic::opencv_area_fast:
      case Arithmetic::opencv_area: break;
    }
  } else if constexpr (std::is_same_v<Src, float>) {
    switch (p.arithmetic) {
      case Arithmetic::real_f64: return run_plan<Arithmetic::real_f64, Src, Shape>(p, in, out);
      // float32 sums (real_driver-inl.h)
      case Arithmetic::real: return run_real<Arithmetic::real, Src, Shape>(p, in, out);
      case Arithmetic::fixed_u8:  // the u8 and u16 conventions: never a float input
      case Arithmetic::round_half_away:
      case Arithmetic::real_u16:
      case Arithmetic::opencv_linear:
      case Arithmetic::opencv_cubic:
      case Arithmetic::opencv_lanczos4:
      case Arithmetic::opencv_linear_exact:
      case Arithmetic::opencv_area_fast:
      case Arithmetic::opencv_area: break;
    }
  }
  // Lowering never pairs these arithmetics with that input dtype.
  detail::unreachable("run: the plan's arithmetic for its input dtype");
}

template <class Shape>
void run_shaped(const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
  switch (in.dtype) {
    case DType::u16: return run_typed<std::uint16_t, Shape>(p, in, out.data);
    case DType::f32: return run_typed<float, Shape>(p, in, out.data);
    case DType::u8: return run_typed<std::uint8_t, Shape>(p, in, out.data);
    case DType::i8:
    case DType::f16:
    case DType::bf16: break;  // not image dtypes: make_plan and run reject them
  }
  detail::unreachable("run: input dtype");
}

}  // namespace fused

// Runs `p` on `in` into `out` (validated by the caller).
inline void RunPlan(const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
  fused::run_shaped<fused::DynamicShape>(p, in, out);
}

// The same for a plan whose output is C x H x W and whose every output column reads the
// source (Shape's constant column range; both checked by the caller); instantiated on
// use, for each target, by run_static's dispatch table (cpu/dispatch.hpp).
template <class Out>  // a StaticOutput
void RunPlanStatic(const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
  fused::run_shaped<fused::FixedShape<Out>>(p, in, out);
}

}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_DRIVER_INL_H_ toggle
