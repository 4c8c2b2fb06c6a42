// The size rules of the recipe stages, as the libraries that define them compute them.
#pragma once

#include <cmath>
#include <cstdint>

#include "pixfuse/core/error.hpp"

namespace pixfuse::geometry {

// A computed size: 64-bit, since an input of extreme aspect can ask for more than an int
// holds (CoordinateMap::resize checks it against plan/limits.hpp).
struct Size {
  std::int64_t width = 0, height = 0;
};

// Python's round(): half to even.
inline double round_half_even(double x) { return std::nearbyint(x); }

// torchvision's _compute_resized_output_size for an int size: the short side becomes
// `size`, the long side int(size * long / short); a long side over max_size is clamped
// and the short side becomes int(max_size * short / long).
inline Size resize_shorter(int width, int height, int size, int max_size) {
  if (size <= 0) detail::fail_mismatch("resize_shorter size", "> 0", size);
  if (max_size != 0 && max_size <= size)
    detail::fail_mismatch("resize_shorter max_size", detail::to_text("> size (", size, ")"),
                          max_size);
  const bool landscape = width > height;
  const std::int64_t short_side = landscape ? height : width;
  const std::int64_t long_side = landscape ? width : height;
  std::int64_t new_short = size;
  // size * long_side < 2^62 and the quotient is at most that: exact in int64.
  std::int64_t new_long = static_cast<std::int64_t>(static_cast<double>(size * long_side) /
                                                    static_cast<double>(short_side));
  if (max_size != 0 && new_long > max_size) {
    new_short = static_cast<std::int64_t>(static_cast<double>(max_size * new_short) /
                                          static_cast<double>(new_long));
    new_long = max_size;
  }
  if (new_short < 1) new_short = 1;
  return landscape ? Size{new_long, new_short} : Size{new_short, new_long};
}

// The long side becomes `size`, the short side int(size * short / long), at least 1.
inline Size resize_longer(int width, int height, int size) {
  if (size <= 0) detail::fail_mismatch("resize_longer size", "> 0", size);
  const bool landscape = width >= height;
  const std::int64_t short_side = landscape ? height : width;
  const std::int64_t long_side = landscape ? width : height;
  std::int64_t new_short = static_cast<std::int64_t>(static_cast<double>(size * short_side) /
                                                     static_cast<double>(long_side));
  if (new_short < 1) new_short = 1;
  return landscape ? Size{size, new_short} : Size{new_short, size};
}

// torchvision center_crop along one axis: offset int(round((in - out) / 2.0)), and when
// out > in the image is first padded by (out - in) // 2 before and the rest after.
// Returns the offset of the window into the unpadded image (negative = padding before).
inline int center_crop_offset(int in, int out) {
  if (out > in) return -((out - in) / 2);
  return static_cast<int>(round_half_even((in - out) / 2.0));
}

// ultralytics LetterBox: the resized size and the padding before it on each axis.
struct Letterbox {
  int resized_width = 0, resized_height = 0;
  int left = 0, top = 0;
};
inline Letterbox letterbox(int width, int height, int box_width, int box_height, bool scaleup) {
  if (box_width <= 0 || box_height <= 0)
    detail::fail_mismatch("letterbox size", "width and height > 0",
                          detail::to_text(box_width, "x", box_height));
  double r =
      std::fmin(static_cast<double>(box_height) / height, static_cast<double>(box_width) / width);
  if (!scaleup) r = std::fmin(r, 1.0);
  Letterbox l;
  l.resized_width = static_cast<int>(round_half_even(width * r));  // <= the box: r <= box / side
  l.resized_height = static_cast<int>(round_half_even(height * r));
  if (l.resized_width < 1) l.resized_width = 1;
  if (l.resized_height < 1) l.resized_height = 1;
  const double dw = (box_width - l.resized_width) / 2.0;
  const double dh = (box_height - l.resized_height) / 2.0;
  l.left = static_cast<int>(round_half_even(dw - 0.1));
  l.top = static_cast<int>(round_half_even(dh - 0.1));
  return l;
}

}  // namespace pixfuse::geometry
