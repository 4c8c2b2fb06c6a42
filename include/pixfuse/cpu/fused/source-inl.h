// Reading the source image: sample (row, column) of the upright image, with the
// orientation's transposition, and Pillow's alpha premultiplication.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/plan/premultiply.hpp"

#if defined(PIXFUSE_CPU_FUSED_SOURCE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_SOURCE_INL_H_
#undef PIXFUSE_CPU_FUSED_SOURCE_INL_H_
#else
#define PIXFUSE_CPU_FUSED_SOURCE_INL_H_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Reading the source: sample (row r, column j) of the upright image, channel c; the
// orientation's mirrors are already in the tap indices, only a transposition remains.

template <class Src>
struct Source {
  const unsigned char* base;
  std::ptrdiff_t row_stride;
  int channels;
  bool transposed;
  bool premultiply;

  const Src* pixel(int r, int j) const {
    const int x = transposed ? r : j, y = transposed ? j : r;
    return reinterpret_cast<const Src*>(base + y * row_stride) +
           static_cast<std::ptrdiff_t>(x) * channels;
  }
};

// Whether columns c (an axis' sources) are one increasing run: slot s = column c[0] + s.
inline bool one_run(const std::vector<std::int32_t>& c) {
  return !c.empty() && c.back() - c.front() + 1 == static_cast<std::int32_t>(c.size());
}

using ::pixfuse::detail::premultiply;  // Pillow's premultiplication (plan/premultiply.hpp)

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_SOURCE_INL_H_ toggle
