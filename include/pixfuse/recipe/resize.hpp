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
struct Resize : StageTag, ResamplingSetters<Resize<W, H>> {
  static_assert((W == dynamic_extent) == (H == dynamic_extent),
                "both sizes static or both dynamic");
  static_assert(W == dynamic_extent || (W > 0 && H > 0 && W <= detail::max_static_size &&
                                        H <= detail::max_static_size),
                "sizes are positive ints");
  int width_value = detail::stored_size(W), height_value = detail::stored_size(H);
  Resampling how;
  constexpr int width() const { return W != dynamic_extent ? static_cast<int>(W) : width_value; }
  constexpr int height() const { return H != dynamic_extent ? static_cast<int>(H) : height_value; }
};

template <std::size_t W, std::size_t H>
struct static_effect<Resize<W, H>> {
  static constexpr StaticShape apply(StaticShape s) {
    s.width = W;
    s.height = H;
    return s;
  }
};

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
