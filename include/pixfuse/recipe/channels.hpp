// Channel stages. Input images are gray (1 channel), RGB (3) or RGBA (4), in whatever
// order the caller's pixels are (a cv::Mat is BGR: use swap_rb()).
//
//   to_rgb()       any input -> 3 channels, as PIL's convert("RGB"): gray replicated,
//                  alpha dropped
//   to_bgr()       the same, then R and B swapped (OpenCV-trained models)
//   drop_alpha()   RGBA -> RGB; gray and RGB unchanged
//   gray_to_rgb()  gray -> RGB; others unchanged
//   swap_rb()      exchange channels 0 and 2 of a 3- or 4-channel image
#pragma once

#include <cstdint>

#include "pixfuse/recipe/stage.hpp"

namespace pixfuse {

enum class ChannelOp : std::uint8_t { to_rgb, to_bgr, drop_alpha, gray_to_rgb, swap_rb };

struct Channels : StageTag {
  ChannelOp op = ChannelOp::to_rgb;
};

template <>
struct static_effect<Channels> {
  // Only to_rgb / to_bgr fix the count; the others depend on the input.
  static constexpr StaticShape apply(StaticShape s) { return s; }
};

inline Channels drop_alpha() { return Channels{{}, ChannelOp::drop_alpha}; }
inline Channels gray_to_rgb() { return Channels{{}, ChannelOp::gray_to_rgb}; }
inline Channels swap_rb() { return Channels{{}, ChannelOp::swap_rb}; }

// to_rgb / to_bgr as distinct types, so a recipe that uses them has 3 static channels.
template <ChannelOp Op>
struct FixedChannels : Channels {
  constexpr FixedChannels() : Channels{{}, Op} {}
};
template <ChannelOp Op>
struct static_effect<FixedChannels<Op>> {
  static constexpr StaticShape apply(StaticShape s) {
    s.channels = 3;
    return s;
  }
};

}  // namespace pixfuse

namespace pixfuse {
inline FixedChannels<ChannelOp::to_rgb> to_rgb() { return {}; }
inline FixedChannels<ChannelOp::to_bgr> to_bgr() { return {}; }
}  // namespace pixfuse
