// Recipe<Stages...>: stages composed left to right, with `|` or recipe(...).
//
//   auto r = pixfuse::to_rgb() | pixfuse::resize_shorter(256) | pixfuse::center_crop<224, 224>()
//          | pixfuse::normalize(1 / 255.f, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f})
//          | pixfuse::nchw() | pixfuse::cast<float>();
//
// A recipe is a value: no work happens until it is lowered for an input shape
// (plan/lower.hpp). What the stages fix at compile time (a 224x224 crop, 3 channels,
// f32, NCHW) is in static_shape, output_view (the type of a matching output tensor) and,
// when channels, height and width are all fixed, static_output_t (the StaticOutput that
// run_static runs).
//
// DynamicRecipe is the same idea for stages chosen at run time (command-line flags).
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "pixfuse/core/extents.hpp"
#include "pixfuse/core/static_output.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/recipe/channels.hpp"
#include "pixfuse/recipe/crop.hpp"
#include "pixfuse/recipe/flip.hpp"
#include "pixfuse/recipe/normalize.hpp"
#include "pixfuse/recipe/output.hpp"
#include "pixfuse/recipe/pad.hpp"
#include "pixfuse/recipe/resize.hpp"
#include "pixfuse/recipe/stage.hpp"

namespace pixfuse {

template <class... Stages>
struct Recipe {
  static_assert((is_stage_v<Stages> && ...), "every element of a recipe is a stage");
  std::tuple<Stages...> stages;

  static constexpr StaticShape static_shape = [] {
    StaticShape s;
    ((s = static_effect<Stages>::apply(s)), ...);
    return s;
  }();

  // f(stage) for each stage, in order.
  template <class F>
  void for_each(F&& f) const {
    std::apply([&](const auto&... s) { (f(s), ...); }, stages);
  }
};

template <class T>
inline constexpr bool is_recipe_v = false;
template <class... S>
inline constexpr bool is_recipe_v<Recipe<S...>> = true;

template <class... Stages, std::enable_if_t<(is_stage_v<Stages> && ...), int> = 0>
constexpr Recipe<Stages...> recipe(Stages... stages) {
  return Recipe<Stages...>{std::tuple<Stages...>(stages...)};
}
template <class... Stages>
constexpr Recipe<Stages...> recipe(const Recipe<Stages...>& r) {
  return r;
}

template <class A, class B, std::enable_if_t<is_stage_v<A> && is_stage_v<B>, int> = 0>
constexpr Recipe<A, B> operator|(const A& a, const B& b) {
  return Recipe<A, B>{std::tuple<A, B>(a, b)};
}
template <class... S, class B, std::enable_if_t<is_stage_v<B>, int> = 0>
constexpr Recipe<S..., B> operator|(const Recipe<S...>& r, const B& b) {
  return Recipe<S..., B>{std::tuple_cat(r.stages, std::tuple<B>(b))};
}
template <class A, class... S, std::enable_if_t<is_stage_v<A>, int> = 0>
constexpr Recipe<A, S...> operator|(const A& a, const Recipe<S...>& r) {
  return Recipe<A, S...>{std::tuple_cat(std::tuple<A>(a), r.stages)};
}
template <class... S, class... T>
constexpr Recipe<S..., T...> operator|(const Recipe<S...>& a, const Recipe<T...>& b) {
  return Recipe<S..., T...>{std::tuple_cat(a.stages, b.stages)};
}

// The output tensor type a recipe writes, for one image (rank 3) or a batch (rank 4):
// e.g. TensorView<float, Layout::nchw, extents<int, 3, 224, 224>>. Requires the element
// type and layout to be static.
template <class R, bool Batch = false>
struct output_view {
  static constexpr StaticShape s = R::static_shape;
  static_assert(s.has_dtype && s.has_layout,
                "output_view needs cast<T>() and nchw()/nhwc(), not their run-time forms");
  static constexpr std::size_t C = s.channels;
  static constexpr std::size_t H = s.height;
  static constexpr std::size_t W = s.width;
  using element = type_of_t<s.dtype>;
  using single =
      std::conditional_t<s.layout == Layout::nchw, extents<int, C, H, W>, extents<int, H, W, C>>;
  using batch = std::conditional_t<s.layout == Layout::nchw, extents<int, dynamic_extent, C, H, W>,
                                   extents<int, dynamic_extent, H, W, C>>;
  using type = TensorView<element, s.layout, std::conditional_t<Batch, batch, single>>;
};
template <class R, bool Batch = false>
using output_view_t = typename output_view<R, Batch>::type;

// Whether a recipe fixes its output's channels, height and width at compile time, and
// then the StaticOutput it writes (run_static<static_output_t<R>> runs it).
template <class R>
inline constexpr bool has_static_output_v =
    R::static_shape.channels != dynamic_extent&& R::static_shape.height !=
    dynamic_extent&& R::static_shape.width != dynamic_extent;
template <class R>
struct static_output {
  static_assert(has_static_output_v<R>, "static_output needs static channels, height and width");
  using type = StaticOutput<static_cast<int>(R::static_shape.channels),
                            static_cast<int>(R::static_shape.height),
                            static_cast<int>(R::static_shape.width)>;
};
template <class R>
using static_output_t = typename static_output<R>::type;

// A recipe whose stages are chosen at run time.
using AnyStage = std::variant<Resize<>, ResizeShorter, ResizeLonger, Crop, CenterCrop<>, Pad,
                              Letterbox<>, Flip, Channels, Normalize, AnyLayout, AnyCast>;

struct DynamicRecipe {
  std::vector<AnyStage> stages;

  DynamicRecipe& add(AnyStage s) {
    stages.push_back(std::move(s));
    return *this;
  }
  template <class F>
  void for_each(F&& f) const {
    for (const AnyStage& s : stages) std::visit(f, s);
  }
  static constexpr StaticShape static_shape = [] {
    StaticShape s;
    s.has_dtype = s.has_layout = false;
    return s;
  }();
};

}  // namespace pixfuse
