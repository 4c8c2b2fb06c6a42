// Output extents known at run time (the plan's) or at compile time (run_static).
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include "pixfuse/core/static_output.hpp"
#include "pixfuse/plan/plan.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_SHAPE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_SHAPE_INL_H_
#undef PIXFUSE_CPU_FUSED_SHAPE_INL_H_
#else
#define PIXFUSE_CPU_FUSED_SHAPE_INL_H_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Output extents: the plan's (DynamicShape), or a StaticOutput's (FixedShape<Out>, from
// run_static) with every output column inside the source, so that the column range
// [x0, x1) is [0, W) and loops over it, and over rows and channels, have constant trip
// counts. FixedShape only adapts Out (core/static_output.hpp) to the kernels' interface.
struct DynamicShape {
  static int channels(const Plan& p) { return p.out_channels; }
  static int height(const Plan& p) { return p.out_height; }
  static int width(const Plan& p) { return p.out_width; }
  static int begin(int x0) { return x0; }
  static int end(int x1) { return x1; }
};
template <class Out>  // a StaticOutput
struct FixedShape {
  static constexpr int channels(const Plan&) { return Out::channels; }
  static constexpr int height(const Plan&) { return Out::height; }
  static constexpr int width(const Plan&) { return Out::width; }
  static constexpr int begin(int) { return 0; }
  static constexpr int end(int) { return Out::width; }
};

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_SHAPE_INL_H_ toggle
