// StaticOutput<C, H, W>: an output shape known at compile time. run_static<C, H, W>
// (cpu/dispatch.hpp) instantiates the fused kernels for it on every SIMD target, so
// their loops over output rows, columns and channels have constant trip counts.
#pragma once

namespace pixfuse {

template <int C, int H, int W>
struct StaticOutput {
  static_assert(C >= 1 && C <= 4 && H >= 1 && W >= 1, "StaticOutput: 1 to 4 channels, positive sizes");
  static constexpr int channels = C, height = H, width = W;
};

}  // namespace pixfuse
