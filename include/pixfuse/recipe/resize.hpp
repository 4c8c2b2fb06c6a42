// Resize stages: to a fixed size, or by the shorter / longer side keeping the aspect.
//
// Sizing follows torchvision: resize_shorter(N) makes the short side N and the long side
// int(N * long / short); with max_size, a long side over max_size is clamped to it and
// the short side becomes int(max_size * N / long). resize_longer(N) mirrors it.
#pragma once

#include "pixfuse/recipe/resampling.hpp"
#include "pixfuse/recipe/stage.hpp"

namespace pixfuse {

template <int W = dynamic_size, int H = dynamic_size>
struct Resize : StageTag, ResamplingSetters<Resize<W, H>> {
  static_assert((W == dynamic_size) == (H == dynamic_size), "both sizes static or both dynamic");
  static_assert(W == dynamic_size || (W > 0 && H > 0), "sizes are positive");
  int width_value = W, height_value = H;
  Resampling how;
  constexpr int width() const { return W != dynamic_size ? W : width_value; }
  constexpr int height() const { return H != dynamic_size ? H : height_value; }
};

template <int W, int H>
struct static_effect<Resize<W, H>> {
  static constexpr StaticShape apply(StaticShape s) {
    s.width = W;
    s.height = H;
    return s;
  }
};

// Resize to W x H, fixed at compile time.
template <int W, int H>
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
    s.width = s.height = dynamic_size;
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
