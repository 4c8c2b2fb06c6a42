// Crop stages. Before the resize they select the part of the source that is resized;
// after it they select part of the resized image. Regions outside the image read as
// zero (as PIL's Image.crop and torchvision's CenterCrop pad).
#pragma once

#include <cstdint>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/recipe/stage.hpp"

namespace pixfuse {

struct Crop : StageTag {
  Rect rect;
};
inline Crop crop(const Rect& r) {
  Crop c;
  c.rect = r;
  return c;
}
inline Crop crop(std::int64_t x, std::int64_t y, std::int64_t width, std::int64_t height) {
  return crop(Rect{x, y, width, height});
}

template <>
struct static_effect<Crop> {
  static constexpr StaticShape apply(StaticShape s) {
    s.width = s.height = dynamic_extent;  // the rectangle is a run-time value
    return s;
  }
};

// The centred W x H window; offsets int(round((in - out) / 2.0)) with round half to
// even (torchvision); a window larger than the image pads with zeros, (out - in) // 2
// before and the rest after.
template <std::size_t W = dynamic_extent, std::size_t H = dynamic_extent>
struct CenterCrop : StageTag, OutputExtents<W, H> {};

template <std::size_t W, std::size_t H>
struct static_effect<CenterCrop<W, H>> : output_extents_effect<W, H> {};

template <std::size_t W, std::size_t H>
constexpr CenterCrop<W, H> center_crop() {
  return {};
}
inline CenterCrop<> center_crop(int width, int height) {
  CenterCrop<> c;
  c.width_value = width;
  c.height_value = height;
  return c;
}
inline CenterCrop<> center_crop(int size) { return center_crop(size, size); }

}  // namespace pixfuse
