// What every recipe stage shares: the tag that lets `|` compose it, the marker for
// sizes decided at run time, and the compile-time shape a stage may fix.
//
// A stage is a cheap value describing one step (resize, crop, normalize, ...). It does
// no work; lowering a recipe for an input shape (plan/lower.hpp) turns the stages into
// a Plan, which the kernels execute in one fused pass.
#pragma once

#include <type_traits>

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/tensor_view.hpp"

namespace pixfuse {

// A size given at run time rather than as a template argument.
inline constexpr int dynamic_size = -1;

struct StageTag {};
template <class T>
inline constexpr bool is_stage_v = std::is_base_of_v<StageTag, T>;

// The output properties a recipe fixes at compile time; dynamic_size / has_* false when
// they are known only at run time. A recipe without output stages writes NCHW f32.
struct StaticShape {
  int width = dynamic_size, height = dynamic_size, channels = dynamic_size;
  bool has_dtype = true;
  DType dtype = DType::f32;
  bool has_layout = true;
  Layout layout = Layout::nchw;
};

// Default: a stage leaves the static shape as it is.
template <class Stage>
struct static_effect {
  static constexpr StaticShape apply(StaticShape s) { return s; }
};

}  // namespace pixfuse
