// Which cache level the kernels ask for the source rows they stream from memory next (the
// float vertical pass's next output row, the two-tap path's row after next). Either gives
// the same bits; the speed from DRAM differs between CPUs:
//   l1  prefetcht0: on AMD Zen 5, direct 224 ran 5-11% and the seeds' workload on AVX-512
//       3-14% faster than with l2 (on AVX2 there, up to 10% slower)
//   l2  prefetcht1 (prfm pldl2keep on Arm): on an Intel Xeon (AVX-512 FP16), the seeds'
//       workload ran 7-22% and direct 224 2-22% faster than with l1
// (docs/PERFORMANCE_LOG.md, 2026-12-06 night). Intel CPUs take l2, all others l1 (Arm
// unmeasured). The Pillow path's paced prefetch (permute_horizontal-inl.h) always asks for
// L2: no difference between the levels was seen there.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "pixfuse/core/error.hpp"
#include "pixfuse/cpu/cpu_vendor.hpp"

namespace pixfuse {

enum class PrefetchLevel { automatic, l1, l2 };

namespace detail {
inline std::atomic<int> prefetch_level_asked{static_cast<int>(PrefetchLevel::automatic)};
}  // namespace detail

// Forces a level (tests, benchmarks); `automatic` (the default) picks it by this CPU's vendor.
inline void set_prefetch_level(PrefetchLevel level) {
  detail::prefetch_level_asked.store(static_cast<int>(level), std::memory_order_relaxed);
}
// The same by name, as command lines spell it: "auto", "l1" or "l2". Throws pixfuse::Error
// naming the choices otherwise.
inline void set_prefetch_level(std::string_view name) {
  if (name == "auto") return set_prefetch_level(PrefetchLevel::automatic);
  if (name == "l1") return set_prefetch_level(PrefetchLevel::l1);
  if (name == "l2") return set_prefetch_level(PrefetchLevel::l2);
  throw Error("prefetch level", "auto, l1 or l2", std::string(name));
}
inline PrefetchLevel prefetch_level() {
  return static_cast<PrefetchLevel>(detail::prefetch_level_asked.load(std::memory_order_relaxed));
}

namespace detail {

// The level the kernels use: the one asked for, else the one measured best on this vendor.
inline bool stream_prefetch_into_l2() {
  switch (prefetch_level()) {
    case PrefetchLevel::l1: return false;
    case PrefetchLevel::l2: return true;
    case PrefetchLevel::automatic: break;
  }
  return cpu_id().vendor == CpuVendor::intel;
}

}  // namespace detail
}  // namespace pixfuse
