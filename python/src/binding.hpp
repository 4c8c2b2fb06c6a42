// What the translation units of the pixfuse._pixfuse module share.
//
// The module is split in two so that only ops.cpp compiles the SIMD kernels (every
// target, the slow part of the build) and recipe.cpp, which changes more often, stays light.
#pragma once

#include <memory>

#include <nanobind/nanobind.h>

#include "pixfuse/recipe/recipe.hpp"

namespace pixfuse::python {

namespace nb = nanobind;

// The recipe's plan cache for this process (a Jit<DynamicRecipe>); defined in ops.cpp.
struct RecipeRuntime;

// pixfuse.Recipe: the stages, and their plan cache, made on first use by each process (a
// forked child makes its own: a cache copied from the parent could hold a lock another
// thread of the parent had taken). Immutable once made: composing makes a new Recipe.
struct PyRecipe {
  DynamicRecipe recipe;
  std::shared_ptr<RecipeRuntime> runtime;  // guarded by the GIL
};

// Module sections, each in its own file.
void bind_errors(nb::module_& m);  // ops.cpp: pixfuse::Error -> pixfuse.Error
void bind_recipe(nb::module_& m);  // recipe.cpp: Stage, Recipe, stage constructors
void bind_ops(nb::module_& m);     // ops.cpp: decode, preprocess, targets

}  // namespace pixfuse::python
