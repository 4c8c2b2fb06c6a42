// EXIF orientation (tag 0x0112, values 1..8): how the stored pixels map to the upright
// image, as ImageOps.exif_transpose applies it. The Plan folds it into its coordinate
// maps: the kernels read the stored pixels through it, no rotated copy is made.
#pragma once

#include <cstdint>

namespace pixfuse {

enum class Orientation : std::uint8_t {
  normal = 1,  // as stored
  flip_x = 2,  // mirrored left-right
  rotate_180 = 3,
  flip_y = 4,        // mirrored top-bottom
  transpose = 5,     // rows become columns
  rotate_90_cw = 6,  // stored image must be turned 90 degrees clockwise (phones held upright)
  transverse = 7,
  rotate_90_ccw = 8,
};

// Upright pixel (u, v) = stored pixel (x, y) with, for a stored W x H image:
//   transposed: x from v and y from u (upright size is H x W), else x from u, y from v;
//   then x mirrored (W - 1 - x) if mirror_x, y mirrored if mirror_y.
struct OrientationMap {
  bool transposed = false;
  bool mirror_x = false;  // in stored coordinates
  bool mirror_y = false;
};

constexpr OrientationMap orientation_map(Orientation o) {
  switch (o) {
    case Orientation::normal: return {false, false, false};
    case Orientation::flip_x: return {false, true, false};
    case Orientation::rotate_180: return {false, true, true};
    case Orientation::flip_y: return {false, false, true};
    case Orientation::transpose: return {true, false, false};
    case Orientation::rotate_90_cw: return {true, false, true};   // O(u, v) = S(v, H-1-u)
    case Orientation::transverse: return {true, true, true};      // O(u, v) = S(W-1-v, H-1-u)
    case Orientation::rotate_90_ccw: return {true, true, false};  // O(u, v) = S(W-1-v, u)
  }
  return {};
}

}  // namespace pixfuse
