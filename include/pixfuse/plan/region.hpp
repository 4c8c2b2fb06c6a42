// The source region of a Plan: the rectangle of stored pixels its taps read, and the
// same Plan rebased to run on just that rectangle.
//
//   const Rect r = pixfuse::source_region(plan);            // stored columns / rows read
//   // ... decode only r (or more), e.g. io::decode with DecodeOptions::region ...
//   pixfuse::run(pixfuse::for_region(plan, decoded_rect), decoded_pixels, out);
//
// A plan lowered for the whole image runs on a sub-rectangle once its tap indices are
// rebased: same taps, same weights, same output, only the indices shift. So a decoder
// that can skip rows and columns (io/jpeg_turbo.hpp) decodes less and every backend
// still executes the one Plan lowered for the image's full shape. The rebased plan's
// transform stays in full-image coordinates (it maps outputs back to the photo).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/plan/plan.hpp"

namespace pixfuse {

// The stored pixels `p` reads, as a rectangle of its input (x: stored columns, y: stored
// rows; the EXIF orientation is accounted for). Empty (width or height 0) when the plan
// reads nothing (its output is all padding).
inline Rect source_region(const Plan& p) {
  int xlo = 0, xhi = -1, ylo = 0, yhi = -1;
  p.x.source_range(xlo, xhi);
  p.y.source_range(ylo, yhi);
  if (xlo > xhi || ylo > yhi) return Rect{0, 0, 0, 0};
  // Mirrors are folded into the indices; a transposition is not: x taps then index
  // stored rows and y taps stored columns.
  if (p.transposed) std::swap(xlo, ylo), std::swap(xhi, yhi);
  return Rect{xlo, ylo, xhi - xlo + 1, yhi - ylo + 1};
}

// True when the plan reads every stored pixel's row and column range, i.e. a region
// decode would save nothing.
inline bool reads_whole_input(const Plan& p) {
  const Rect r = source_region(p);
  return r.x == 0 && r.y == 0 && r.width == p.in_width && r.height == p.in_height;
}

namespace detail {
// Source index i becomes i - d for every tap of a valid output.
inline void shift_axis(AxisTaps& a, int d) {
  if (d == 0) return;
  const auto K = static_cast<std::size_t>(a.max_taps);
  for (int o = a.valid_begin; o < a.valid_end; ++o) {
    const auto u = static_cast<std::size_t>(o);
    a.first[u] -= d;
    for (std::size_t k = 0; k < static_cast<std::size_t>(a.count[u]); ++k)
      a.indices[u * K + k] -= d;
  }
  a.clamp_begin -= d;  // clamping commutes with the shift
  a.clamp_end -= d;
  for (std::int32_t& s : a.sources) s -= d;
  for (std::int32_t& b : a.paired.base) b -= d;  // the two-tap tables' first index of each output
  a.identity = false;                            // output o no longer reads index o
}
}  // namespace detail

// `p` rebased onto the sub-rectangle `r` of its input: run it on a view of exactly the
// pixels of `r` (r.width x r.height, e.g. a region decode or view.subview(r)) and the
// output equals running `p` on the whole image. `r` must contain source_region(p).
inline Plan for_region(const Plan& p, const Rect& r) {
  const Rect need = source_region(p);
  const bool inside = r.x >= 0 && r.y >= 0 && r.width > 0 && r.height > 0 &&
                      r.x + r.width <= p.in_width && r.y + r.height <= p.in_height;
  const bool covers =
      need.width == 0 || (r.x <= need.x && r.y <= need.y && r.x + r.width >= need.x + need.width &&
                          r.y + r.height >= need.y + need.height);
  if (!inside || !covers)
    throw Error("for_region",
                detail::to_text("a rectangle inside the ", p.in_width, "x", p.in_height,
                                " input containing the ", need.width, "x", need.height, "+", need.x,
                                "+", need.y, " pixels the plan reads"),
                detail::to_text(r.width, "x", r.height, "+", r.x, "+", r.y));
  Plan q = p;
  // x taps index stored columns (stored rows when transposed), y taps the other axis.
  detail::shift_axis(q.x, static_cast<int>(p.transposed ? r.y : r.x));
  detail::shift_axis(q.y, static_cast<int>(p.transposed ? r.x : r.y));
  q.in_width = static_cast<int>(r.width);
  q.in_height = static_cast<int>(r.height);
  return q;
}

}  // namespace pixfuse
