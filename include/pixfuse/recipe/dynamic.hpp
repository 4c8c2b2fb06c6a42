// to_dynamic(recipe): a compile-time Recipe<...> as the DynamicRecipe with the same stages.
//
// DynamicRecipe is the one run-time form of a recipe: what recipe files (recipe/json.hpp),
// presets by name (presets::by_name), pixfuse-prep's flags and language bindings build,
// and what jit, make_plan and the io::Loader take. Static sizes become run-time values
// (center_crop<224, 224>() -> center_crop(224, 224)), to_rgb() / nchw() / cast<float>()
// their run-time forms; every option is kept, so both lower to the same Plan.
#pragma once

#include <type_traits>

#include "pixfuse/recipe/recipe.hpp"

namespace pixfuse {

namespace detail {

inline AnyStage dynamic_stage(const Resize<>& s) { return s; }
template <std::size_t W, std::size_t H>
AnyStage dynamic_stage(const Resize<W, H>& s) {
  return resize(s.width(), s.height()).resampling(s.how);
}
inline AnyStage dynamic_stage(const CenterCrop<>& s) { return s; }
template <std::size_t W, std::size_t H>
AnyStage dynamic_stage(const CenterCrop<W, H>& s) {
  return center_crop(s.width(), s.height());
}
inline AnyStage dynamic_stage(const Letterbox<>& s) { return s; }
template <std::size_t W, std::size_t H>
AnyStage dynamic_stage(const Letterbox<W, H>& s) {
  Letterbox<> l = letterbox(s.width(), s.height(), s.value).resampling(s.how);
  l.scaleup = s.scaleup;
  return l;
}
template <ChannelOp Op>
AnyStage dynamic_stage(const FixedChannels<Op>& s) {
  return Channels(s);
}
template <Layout L>
AnyStage dynamic_stage(const ToLayout<L>&) {
  return layout(L);
}
template <class T>
AnyStage dynamic_stage(const CastTo<T>&) {
  return cast(dtype_of_v<T>);
}
// The stages that have only a run-time form.
template <class S, std::enable_if_t<std::is_constructible_v<AnyStage, const S&>, int> = 0>
AnyStage dynamic_stage(const S& s) {
  return s;
}

}  // namespace detail

template <class... Stages>
DynamicRecipe to_dynamic(const Recipe<Stages...>& r) {
  DynamicRecipe d;
  r.for_each([&](const auto& stage) { d.add(detail::dynamic_stage(stage)); });
  return d;
}
inline DynamicRecipe to_dynamic(const DynamicRecipe& r) { return r; }

}  // namespace pixfuse
