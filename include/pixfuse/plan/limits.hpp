// What a plan may be: the bounds lowering checks before it allocates anything, so that
// the time and memory a plan costs follow from its output, never from how elongated or
// how large its input is. An input that breaks one is an Error naming the stage, the
// input size and the size it would have led to.
//
//   max_extent       any length along one axis: resized, cropped, padded or output
//   max_output       output width x height of one image, unless the input has more pixels
//                    (a recipe that keeps the size of a large photo is fine; a 1 x 4096
//                    strip resized by its shorter side to 256 would be 268 M pixels: not)
//   max_axis_taps    per axis, output length x taps per output: the tap tables a plan
//                    holds (about 33 bytes per tap and output, so a plan is at most ~70 MiB)
//   max_matrix_taps  per axis, resized length x taps per output: the resampling matrix
//                    a convention evaluates (torchvision's weight precision depends on
//                    the largest weight of the whole matrix), a bound on lowering time
//
// Ordinary recipes are far below all four (an ImageNet plan from a 4000x3000 photo: 341
// and 224 samples, ~10^4 taps per axis; lanczos3 from a 175000-pixel axis to 224 is ~2^20
// taps). A 16777216 x 6 image resized by its shorter side to 256 would be 715827882
// samples wide: rejected, instead of 3.5 GB of tables.
#pragma once

#include <cstdint>
#include <string>

#include "pixfuse/core/error.hpp"

namespace pixfuse::limits {

inline constexpr std::int64_t max_extent = std::int64_t{1} << 20;
inline constexpr std::int64_t max_output = std::int64_t{1} << 24;
inline constexpr std::int64_t max_axis_taps = std::int64_t{1} << 20;
inline constexpr std::int64_t max_matrix_taps = std::int64_t{1} << 24;

// Throws unless 1 <= length <= max_extent; `what` names the stage and axis, `context`
// what it was computed from.
inline void check_extent(std::int64_t length, const std::string& what,
                         const std::string& context = {}) {
  if (length >= 1 && length <= max_extent) return;
  throw Error(what, detail::to_text("a length from 1 to ", max_extent),
              detail::to_text(length, context.empty() ? "" : " ", context));
}

}  // namespace pixfuse::limits
