// How much smaller a JPEG may be decoded (DCT scaling, 1/2, 1/4, 1/8) for a given Plan.
//
// Lower the recipe on the full-size shape first; the plan says per axis how many source
// pixels (of the window it resizes) map onto one resized pixel. A reduction r is taken only when the recipe still
// shrinks by at least 2x after it (source / resized >= 2r on both axes): the resize then
// keeps its antialiasing margin and the DCT's box-like downscale stays well below the
// output's resolution. Changes the pixels (like Pillow's draft()): opt-in.
#pragma once

#include "pixfuse/plan/plan.hpp"

namespace pixfuse::io {

inline int dct_reduction(const Plan& full) {
  // The source window each axis resizes (the whole image, or a crop before the resize).
  const double src_w = full.x.clamp_end - full.x.clamp_begin;
  const double src_h = full.y.clamp_end - full.y.clamp_begin;
  if (full.x.resized_size <= 0 || full.y.resized_size <= 0) return 1;
  const double fx = src_w / full.x.resized_size, fy = src_h / full.y.resized_size;
  for (int r : {8, 4, 2})
    if (fx >= 2.0 * r && fy >= 2.0 * r) return r;
  return 1;
}

}  // namespace pixfuse::io
