// One translation unit of the mixed-flags test, compiled twice: once with -march=native
// (MIXED_TU = native) and once for the baseline (MIXED_TU = baseline). Each copy's
// kernels and dispatcher live in an inline namespace named after its baseline target
// (cpu/dispatch.hpp), so linking both into one program breaks no ODR rule and neither
// copy ever runs the other's code.
#include <vector>

#include "pixfuse/pixfuse.hpp"
#include "mixed_tu.hpp"

namespace mixed {

TuResult MIXED_TU(const pixfuse::Plan& plan, const pixfuse::AnyImageView& in) {
  TuResult r;
  r.bytes.assign(plan.output_elements() * pixfuse::size_of(plan.out_dtype), 0);
  pixfuse::run(plan, in,
               pixfuse::AnyTensorView(r.bytes.data(), plan.out_dtype, plan.layout,
                                      plan.output_shape()));
  r.target = pixfuse::active_target();
  r.targets = pixfuse::available_targets();
  r.baseline = PIXFUSE_STRINGIFY(PIXFUSE_DISPATCH_NAMESPACE);
  return r;
}

}  // namespace mixed
