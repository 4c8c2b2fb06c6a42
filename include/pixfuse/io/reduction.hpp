// How much smaller a JPEG may be decoded (DCT scaling, 1/2, 1/4, 1/8) for a recipe: two
// rules, both opt-in because they change the pixels.
//
// dct_reduction (pixfuse-prep --fast-decode): lower the recipe on the full-size shape
// first; the plan says per axis how many source pixels (of the window it resizes) map
// onto one resized pixel. A reduction r is taken only when the recipe still shrinks by
// at least 2x after it (source / resized >= 2r on both axes): the resize then keeps its
// antialiasing margin and the DCT's box-like downscale stays well below the output's
// resolution.
//
// pil_draft_reduction (--fast-decode=pil): the scale Pillow's draft() picks, so that
// decoding at it and running the recipe on the smaller image gives exactly the tensor of
// the common Pillow fast path
//   im = Image.open(f); im.draft("RGB", (W, H)); im = im.convert("RGB"); transform(im)
// with (W, H) the size the transform's resize produces from the stored size.
// JpegImagePlugin.draft: scale = min(width // W, height // H), then the largest of 8, 4,
// 2, 1 not above it (Pillow 9.4 to 11; it decodes with libjpeg's default IDCT and
// upsampling, only scaled, so the pixels are those of io::decode with that reduction).
#pragma once

#include <algorithm>

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

// Pillow's draft() scale for an image stored width x height drafted to draft_w x draft_h.
inline int pil_draft_reduction(int width, int height, int draft_w, int draft_h) {
  if (draft_w <= 0 || draft_h <= 0 || width <= 0 || height <= 0) return 1;
  const int scale = std::min(width / draft_w, height / draft_h);
  for (int s : {8, 4, 2})
    if (scale >= s) return s;
  return 1;
}

// The same for a recipe, from its plan lowered on the stored shape with no orientation
// (InputShape{width, height, channels, dtype}): (W, H) is the size its resize produces.
// A recipe without a resize (its window keeps its size) calls no draft(): no reduction.
inline int pil_draft_reduction(const Plan& stored) {
  if (stored.x.resized_size == stored.x.clamp_end - stored.x.clamp_begin &&
      stored.y.resized_size == stored.y.clamp_end - stored.y.clamp_begin)
    return 1;
  const int w = stored.transposed ? stored.y.resized_size : stored.x.resized_size;
  const int h = stored.transposed ? stored.x.resized_size : stored.y.resized_size;
  return pil_draft_reduction(stored.in_width, stored.in_height, w, h);
}

}  // namespace pixfuse::io
