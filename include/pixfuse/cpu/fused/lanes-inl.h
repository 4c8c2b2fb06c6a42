// Partial-vector loads and stores, a prefetch into L2, and the unroll / register-transpose
// switches every kernel shares.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "pixfuse/cpu/prefetch_level.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_LANES_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_LANES_INL_H_
#undef PIXFUSE_CPU_FUSED_LANES_INL_H_
#else
#define PIXFUSE_CPU_FUSED_LANES_INL_H_
#endif

#include <hwy/cache_control.h>
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Fully unroll a loop over channels or lanes (constant trip counts GCC leaves rolled,
// keeping the accumulators in memory).
#ifndef PIXFUSE_UNROLL
#if defined(__clang__)
#define PIXFUSE_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define PIXFUSE_UNROLL _Pragma("GCC unroll 8")
#else
#define PIXFUSE_UNROLL
#endif
#endif

// Whether blocks are transposed in registers: fixed-width vectors with Highway's block
// shuffles (not HWY_SCALAR's single lane, not scalable SVE / RVV vectors).
#undef PIXFUSE_REGISTER_TRANSPOSE
#define PIXFUSE_REGISTER_TRANSPOSE (!HWY_HAVE_SCALABLE && HWY_TARGET != HWY_SCALAR)

// Loads / stores of the first n lanes (n <= Lanes), never touching memory past them.
// The bounce buffers hold HWY_MAX_BYTES, not MaxLanes(d): Highway 1.0.3's MaxLanes is
// smaller than Lanes for narrowed SVE tags (Rebind<float, ScalableTag<double>>) once
// vectors reach 1024 bits.
template <class D, class T>
hn::Vec<D> load_n(D d, const T* p, std::size_t n) {
  if (n == hn::Lanes(d)) return hn::LoadU(d, p);
  alignas(64) T lanes[HWY_MAX_BYTES / sizeof(T)] = {};
  // The bound states n <= the buffer for GCC's object-size checks (a no-op otherwise).
  std::memcpy(lanes, p, std::min(n, sizeof(lanes) / sizeof(T)) * sizeof(T));
  return hn::Load(d, lanes);
}
template <class D, class T>
void store_n(hn::Vec<D> v, D d, T* p, std::size_t n) {
  if (n == hn::Lanes(d)) return hn::StoreU(v, d, p);
  alignas(64) T lanes[HWY_MAX_BYTES / sizeof(T)];
  hn::Store(v, d, lanes);
  std::memcpy(p, lanes, std::min(n, sizeof(lanes) / sizeof(T)) * sizeof(T));
}

// Asks for the cache line at p in L2 (prefetcht1 on x86, prfm pldl2keep on Arm), for data
// needed after the current row: L1 keeps what this row works on. Highway's Prefetch
// only has the L1 form.
HWY_INLINE void prefetch_l2(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 0, 2);
#else
  hwy::Prefetch(static_cast<const unsigned char*>(p));
#endif
}

// The line at p into L2 or L1: where rows streamed from memory are asked for ahead of use,
// the level this CPU reads them fastest from DRAM into (cpu/prefetch_level.hpp).
template <bool IntoL2>
HWY_INLINE void prefetch_stream(const void* p) {
  if constexpr (IntoL2) {
    prefetch_l2(p);
  } else {
    hwy::Prefetch(static_cast<const unsigned char*>(p));
  }
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_LANES_INL_H_ toggle
