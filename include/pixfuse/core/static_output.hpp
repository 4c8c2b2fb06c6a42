// StaticOutput<C, H, W>: an output of C channels, H rows and W columns, known at compile
// time. The one type for it: a recipe whose extents are all static names it
// (static_output_t, recipe/recipe.hpp), run_static runs it (cpu/dispatch.hpp), and the
// fused kernels take their constant trip counts from it (cpu/fused/shape-inl.h).
#pragma once

namespace pixfuse {

template <int C, int H, int W>
struct StaticOutput {
  static_assert(C >= 1 && C <= 4 && H >= 1 && W >= 1,
                "StaticOutput: 1 to 4 channels, positive sizes");
  static constexpr int channels = C, height = H, width = W;
};

}  // namespace pixfuse
