// What a plan may be: the bounds lowering checks before it allocates anything, so that
// the time and memory a plan costs follow from its output, never from how elongated or
// how large its input is. An input that breaks one is an Error naming the stage, the
// input size and the size it would have led to.
//
//   max_extent       any length along one axis: resized, cropped, padded or output
//   max_output       output width x height of one image (8K is 7680 x 4320 = 33 M)
//   max_axis_taps    per axis, output length x taps per output: the tap tables a plan
//                    holds (20 bytes per tap), so a plan is at most ~80 MiB
//   max_matrix_taps  per axis, resized length x taps per output: the resampling matrix
//                    a convention evaluates (torchvision's weight precision depends on
//                    the largest weight of the whole matrix), a bound on lowering time
//
// Ordinary recipes are far below all four (an ImageNet plan from a 4000x3000 photo: 341
// and 224 samples, ~10^4 taps per axis). A 16777216 x 6 image resized by its shorter side
// to 256 would be 715827882 samples wide: rejected, instead of 3.5 GB of tables.
#pragma once

#include <cstdint>
#include <string>

#include "pixfuse/core/error.hpp"

namespace pixfuse::limits {

inline constexpr std::int64_t max_extent = std::int64_t{1} << 20;
inline constexpr std::int64_t max_output = std::int64_t{1} << 26;
inline constexpr std::int64_t max_axis_taps = std::int64_t{1} << 21;
inline constexpr std::int64_t max_matrix_taps = std::int64_t{1} << 24;

// Throws unless 1 <= length <= max_extent; `what` names the stage and axis, `context`
// what it was computed from.
inline void check_extent(std::int64_t length, const std::string& what, const std::string& context = {}) {
  if (length >= 1 && length <= max_extent) return;
  throw Error(what, detail::to_text("a length from 1 to ", max_extent),
              detail::to_text(length, context.empty() ? "" : " ", context));
}

}  // namespace pixfuse::limits
