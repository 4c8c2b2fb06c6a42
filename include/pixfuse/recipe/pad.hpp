// Padding stages: a border of constant value around the (resized) image, and letterbox,
// which resizes to fit inside W x H keeping the aspect and pads the rest.
//
// Pad values are in the input's pixel units (114 for u8 YOLO), before normalize.
#pragma once

#include "pixfuse/recipe/resampling.hpp"
#include "pixfuse/recipe/stage.hpp"

namespace pixfuse {

struct Pad : StageTag {
  int left = 0, top = 0, right = 0, bottom = 0;
  float value = 0.0f;
};
inline Pad pad(int left, int top, int right, int bottom, float value = 0.0f) {
  Pad p;
  p.left = left;
  p.top = top;
  p.right = right;
  p.bottom = bottom;
  p.value = value;
  return p;
}
inline Pad pad(int all, float value = 0.0f) { return pad(all, all, all, all, value); }

template <>
struct static_effect<Pad> {
  static constexpr StaticShape apply(StaticShape s) {
    s.width = s.height = dynamic_extent;
    return s;
  }
};

// Letterbox, as YOLO (ultralytics LetterBox) does it: r = min(H / h, W / w) (not above 1
// when scaleup is off); the image is resized to (int(round(w * r)), int(round(h * r)))
// and centred, with dw = (W - new_w) / 2 split as left = int(round(dw - 0.1)) and
// right = int(round(dw + 0.1)), likewise top / bottom. The Plan reports the transform
// (scale and offsets) so detections can be mapped back to the source image.
template <std::size_t W = dynamic_extent, std::size_t H = dynamic_extent>
struct Letterbox : StageTag, OutputExtents<W, H>, ResamplingSetters<Letterbox<W, H>> {
  float value = 114.0f;
  bool scaleup = true;
  Resampling how;
};

template <std::size_t W, std::size_t H>
struct static_effect<Letterbox<W, H>> : output_extents_effect<W, H> {};

template <std::size_t W, std::size_t H>
Letterbox<W, H> letterbox(float pad_value = 114.0f) {
  Letterbox<W, H> l;
  l.value = pad_value;
  return l;
}
inline Letterbox<> letterbox(int width, int height, float pad_value = 114.0f) {
  Letterbox<> l;
  l.width_value = width;
  l.height_value = height;
  l.value = pad_value;
  return l;
}

}  // namespace pixfuse
