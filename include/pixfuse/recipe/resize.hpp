// Resize stages: to a fixed size, or by the shorter / longer side keeping the aspect.
//
// Sizing follows torchvision: resize_shorter(N) makes the short side N and the long side
// int(N * long / short); with max_size, a long side over max_size is clamped to it and
// the short side becomes int(max_size * N / long). resize_longer(N) mirrors it.
#pragma once

#include "pixfuse/recipe/resampling.hpp"
#include "pixfuse/recipe/stage.hpp"

namespace pixfuse {

template <std::size_t W = dynamic_extent, std::size_t H = dynamic_extent>
struct Resize : StageTag, OutputExtents<W, H>, ResamplingSetters<Resize<W, H>> {
  Resampling how;
};

template <std::size_t W, std::size_t H>
struct static_effect<Resize<W, H>> : output_extents_effect<W, H> {};

// Resize to W x H, fixed at compile time.
template <std::size_t W, std::size_t H>
constexpr Resize<W, H> resize() {
  return {};
}
// Resize to width x height.
inline Resize<> resize(int width, int height) {
  Resize<> r;
  r.width_value = width;
  r.height_value = height;
  return r;
}

struct ResizeShorter : StageTag, ResamplingSetters<ResizeShorter> {
  int size = 0;
  int max_size = 0;  // 0: no limit on the long side
  Resampling how;
};
inline ResizeShorter resize_shorter(int size, int max_size = 0) {
  ResizeShorter r;
  r.size = size;
  r.max_size = max_size;
  return r;
}

struct ResizeLonger : StageTag, ResamplingSetters<ResizeLonger> {
  int size = 0;
  Resampling how;
};
// Output sizes that depend on the input's aspect are run-time values.
template <>
struct static_effect<ResizeShorter> {
  static constexpr StaticShape apply(StaticShape s) {
    s.width = s.height = dynamic_extent;
    return s;
  }
};
template <>
struct static_effect<ResizeLonger> : static_effect<ResizeShorter> {};

inline ResizeLonger resize_longer(int size) {
  ResizeLonger r;
  r.size = size;
  return r;
}

}  // namespace pixfuse
