// normalize(scale, mean, std): y = (x * scale - mean[c]) / std[c] per output channel,
// x in the input's pixel units, each operation in float as written. over(255) divides
// instead of multiplying (x / 255 is not always x * (1/255.f) in float): that is what
// torchvision's ToTensor and YOLO's img / 255 do, so presets use it and match them bit
// for bit. Every kernel evaluates the stages so, one after another in float (ValueMap,
// plan/value_map.hpp); none folds them into y = a[c] x + b[c], which can change the last bits.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>

#include "pixfuse/core/error.hpp"
#include "pixfuse/recipe/stage.hpp"

namespace pixfuse {

// A scale factor: multiply by `value`, or divide by it (over(255)).
struct ScaleFactor {
  float value = 1.0f;
  bool divide = false;
  ScaleFactor() = default;
  ScaleFactor(float multiply_by) : value(multiply_by) {}  // NOLINT(google-explicit-constructor)
  ScaleFactor(float v, bool d) : value(v), divide(d) {}
};
inline ScaleFactor over(float divisor) { return ScaleFactor(divisor, true); }

struct Normalize : StageTag {
  ScaleFactor scale;
  std::array<float, 4> mean{0, 0, 0, 0};
  std::array<float, 4> std{1, 1, 1, 1};
  int count = 1;  // values given: 1 (broadcast to every channel) or one per channel
};

// normalize(over(255), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f})
inline Normalize normalize(ScaleFactor scale, std::initializer_list<float> mean = {0.0f},
                           std::initializer_list<float> std = {1.0f}) {
  if (mean.size() == 0 || mean.size() > 4 || std.size() == 0 || std.size() > 4)
    detail::fail_mismatch("normalize", "1 to 4 mean and std values",
                          detail::to_text(mean.size(), " mean and ", std.size(), " std values"));
  if (mean.size() != std.size() && mean.size() != 1 && std.size() != 1)
    detail::fail_mismatch("normalize", "as many std values as mean values (or one of either)",
                          detail::to_text(mean.size(), " mean and ", std.size(), " std values"));
  Normalize n;
  n.scale = scale;
  n.count = static_cast<int>(mean.size() > std.size() ? mean.size() : std.size());
  for (int c = 0; c < 4; ++c) {
    n.mean[static_cast<std::size_t>(c)] =
        mean.begin()[mean.size() == 1 ? 0 : (c < static_cast<int>(mean.size()) ? c : 0)];
    n.std[static_cast<std::size_t>(c)] =
        std.begin()[std.size() == 1 ? 0 : (c < static_cast<int>(std.size()) ? c : 0)];
  }
  for (float s : std)
    if (!(s != 0.0f)) detail::fail_mismatch("normalize std", "non-zero values", s);
  if (scale.divide && !(scale.value != 0.0f))
    detail::fail_mismatch("normalize scale", "a non-zero divisor", scale.value);
  return n;
}

// Scale only: y = x * scale, or rescale(over(255)) for y = x / 255.
inline Normalize rescale(ScaleFactor scale) { return normalize(scale); }

}  // namespace pixfuse
