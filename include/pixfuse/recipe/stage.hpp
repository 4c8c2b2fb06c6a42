// What every recipe stage shares: the tag that lets `|` compose it, the marker for
// sizes decided at run time, and the compile-time shape a stage may fix.
//
// A stage is a cheap value describing one step (resize, crop, normalize, ...). It does
// no work; lowering a recipe for an input shape (plan/lower.hpp) turns the stages into
// a Plan, which the kernels execute in one fused pass.
#pragma once

#include <cstddef>
#include <limits>
#include <type_traits>

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/dynamic_extent.hpp"
#include "pixfuse/core/tensor_view.hpp"

namespace pixfuse {

// A stage's size given at run time rather than as a template argument is dynamic_extent;
// this was its former name.
[[deprecated("use pixfuse::dynamic_extent")]] inline constexpr std::size_t dynamic_size =
    dynamic_extent;

namespace detail {
// The largest size a template argument may give (sizes are ints at run time).
inline constexpr std::size_t max_static_size =
    static_cast<std::size_t>(std::numeric_limits<int>::max());
// The int a stage stores for its size template argument: -1 (not set yet) when dynamic.
constexpr int stored_size(std::size_t v) { return v == dynamic_extent ? -1 : static_cast<int>(v); }
}  // namespace detail

struct StageTag {};
template <class T>
inline constexpr bool is_stage_v = std::is_base_of_v<StageTag, T>;

// The output properties a recipe fixes at compile time; dynamic_extent / has_* false when
// they are known only at run time. A recipe without output stages writes NCHW f32.
// Values, not a type, since a stage may fix some extents and not others: once channels,
// height and width are all fixed, static_output_t (recipe/recipe.hpp) names the
// StaticOutput (core/static_output.hpp) they make, the one type that runs them.
struct StaticShape {
  std::size_t width = dynamic_extent, height = dynamic_extent, channels = dynamic_extent;
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

// The W x H output of a stage (resize, center crop, letterbox), as std::mdspan's extents:
// both sizes template arguments, or both dynamic_extent and given at run time
// (width_value, height_value).
template <std::size_t W, std::size_t H>
struct OutputExtents {
  static_assert((W == dynamic_extent) == (H == dynamic_extent),
                "both sizes static or both dynamic");
  static_assert(W == dynamic_extent || (W > 0 && H > 0 && W <= detail::max_static_size &&
                                        H <= detail::max_static_size),
                "sizes are positive ints");
  int width_value = detail::stored_size(W), height_value = detail::stored_size(H);
  constexpr int width() const { return W != dynamic_extent ? static_cast<int>(W) : width_value; }
  constexpr int height() const { return H != dynamic_extent ? static_cast<int>(H) : height_value; }
};

// The static shape after a stage of OutputExtents<W, H>: that size (still dynamic_extent
// for run-time sizes).
template <std::size_t W, std::size_t H>
struct output_extents_effect {
  static constexpr StaticShape apply(StaticShape s) {
    s.width = W;
    s.height = H;
    return s;
  }
};

}  // namespace pixfuse
