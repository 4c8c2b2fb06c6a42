// dynamic_extent: the one marker for a size known only at run time, as std::dynamic_extent.
// Tensor extents (extents.hpp), an image's channel count (ImageView<T, Channels>), the
// sizes of Resize / CenterCrop / Pad and the recipe's static output shape all use it.
#pragma once

#include <cstddef>
#include <limits>

namespace pixfuse {

inline constexpr std::size_t dynamic_extent = std::numeric_limits<std::size_t>::max();

}  // namespace pixfuse
