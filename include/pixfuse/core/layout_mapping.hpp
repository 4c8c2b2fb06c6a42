// Layout and LayoutMapping: where element (c, y, x) of one image's output lies.
//
// In the style of std::mdspan's layout mappings, the mapping owns the offset formula:
// Layout::nchw stores channel planes (c, y, x), Layout::nhwc interleaves the channels of
// each pixel (y, x, c). Every backend (TensorView, the scalar reference, the CUDA kernels,
// the SIMD stores' row starts) asks the mapping instead of spelling the formula out.
// constexpr and PIXFUSE_HD, so device code calls the same function.
#pragma once

#include <cstdint>
#include <string_view>

#include "pixfuse/core/detail/host_device.hpp"

namespace pixfuse {

enum class Layout : std::uint8_t { nchw, nhwc };

constexpr std::string_view name(Layout l) { return l == Layout::nchw ? "nchw" : "nhwc"; }

// Index: the integer type offsets are computed in (std::size_t where they index memory
// directly, std::int64_t where a batch offset is added).
template <class Index = std::int64_t>
struct LayoutMapping {
  Layout layout = Layout::nchw;
  Index channels = 0, height = 0, width = 0;

  constexpr LayoutMapping() = default;
  PIXFUSE_HD constexpr LayoutMapping(Layout l, Index c, Index h, Index w)
      : layout(l), channels(c), height(h), width(w) {}

  // Elements of one image.
  PIXFUSE_HD constexpr Index size() const { return channels * height * width; }

  // Offset of element (c, y, x) from the image's first element.
  PIXFUSE_HD constexpr Index offset(Index c, Index y, Index x) const {
    return layout == Layout::nchw ? (c * height + y) * width + x : (y * width + x) * channels + c;
  }
  // Offset of element (c, y, x) of batch entry n from the batch's first element.
  PIXFUSE_HD constexpr Index offset(Index n, Index c, Index y, Index x) const {
    return n * size() + offset(c, y, x);
  }

  // How far one step along each axis moves: offset(c, y, x) == c * stride_c() +
  // y * stride_y() + x * stride_x().
  PIXFUSE_HD constexpr Index stride_c() const {
    return layout == Layout::nchw ? height * width : Index{1};
  }
  PIXFUSE_HD constexpr Index stride_y() const {
    return layout == Layout::nchw ? width : width * channels;
  }
  PIXFUSE_HD constexpr Index stride_x() const {
    return layout == Layout::nchw ? Index{1} : channels;
  }
};

}  // namespace pixfuse
