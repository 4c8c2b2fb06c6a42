// run: execute a Plan (or lower a recipe and execute it) on one image.
//
//   pixfuse::Plan plan = pixfuse::make_plan(recipe, pixfuse::InputShape::of(image));
//   pixfuse::run(plan, image, output);       // output: one image, (C, H, W) or (H, W, C)
//
// run() uses the best SIMD target this CPU has (cpu/dispatch.hpp; PIXFUSE_TARGET or
// set_target() choose another); the reference kernels (cpu/reference.hpp) are the
// specification every target is tested against.
#pragma once

#include <type_traits>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/cpu/dispatch.hpp"
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/plan/plan.hpp"
#include "pixfuse/recipe/recipe.hpp"

namespace pixfuse {

// Lower `recipe` for `in` and run it; returns the plan (its transform maps output
// coordinates back to the source).
template <class R, std::enable_if_t<is_recipe_v<R> || std::is_same_v<R, DynamicRecipe>, int> = 0>
Plan run(const R& recipe, const AnyImageView& in, const AnyTensorView& out,
         Orientation orientation = Orientation::normal) {
  Plan plan = make_plan(recipe, InputShape::of(in, orientation));
  run(plan, in, out);
  return plan;
}

}  // namespace pixfuse
