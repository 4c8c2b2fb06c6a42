// The ring between the passes of the transposing drivers: the horizontally resampled
// rows of the vertical pass's source positions that are kept, slot t % slots holding
// position t where tags[t % slots] == t; and how a driver fills the positions an output
// row reads.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_RING_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_RING_INL_H_
#undef PIXFUSE_CPU_FUSED_RING_INL_H_
#else
#define PIXFUSE_CPU_FUSED_RING_INL_H_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

// Computes the missing positions of [lo, hi] by fill(first, n) (which tags them), `block`
// positions a call, ahead of the travel: up from the first missing one when the rows
// ascend, down from the last missing one when they descend (mirrored), within
// [0, positions).
template <class Fill>
void ensure_ring(int lo, int hi, bool ascending, int block, int positions, const int* tags,
                 int slots, const Fill& fill) {
  for (;;) {
    int missing = -1;
    if (ascending) {
      for (int t = lo; t <= hi && missing < 0; ++t)
        if (tags[t % slots] != t) missing = t;
    } else {
      for (int t = hi; t >= lo && missing < 0; --t)
        if (tags[t % slots] != t) missing = t;
    }
    if (missing < 0) return;
    const int first = ascending ? missing : std::max(missing - block + 1, 0);
    const int last = ascending ? std::min(missing + block - 1, positions - 1) : missing;
    fill(first, last - first + 1);
  }
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_RING_INL_H_ toggle
