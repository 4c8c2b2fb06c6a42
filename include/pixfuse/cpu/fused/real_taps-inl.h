// The float conventions' tap tables for one call: per output, its taps in summation order
// (descending where a mirror reversed the convention's order), their positions in the
// pass's input and float32 weights, and whether the positions run consecutively (so the
// kernels walk a pointer instead of reading the table).
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <cstddef>
#include <cstdint>
#include "pixfuse/plan/axis.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_REAL_TAPS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_REAL_TAPS_INL_H_
#undef PIXFUSE_CPU_FUSED_REAL_TAPS_INL_H_
#else
#define PIXFUSE_CPU_FUSED_REAL_TAPS_INL_H_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

// Which inputs a pass reads, by position: either the span [begin, begin + count) of source
// indices (position p is index begin + p), or a list of them (position p is list[p]),
// when the taps read few indices of a wide span (nearest and 2-tap shrinks).
struct Positions {
  int begin = 0, count = 0;
  const std::int32_t* list = nullptr;

  int index(int position) const { return list ? list[position] : begin + position; }
  bool contiguous() const { return list == nullptr; }

  // The span of a.sources when it is dense enough, else the list itself.
  static Positions of(const AxisTaps& a) {
    Positions p;
    if (a.sources.empty()) return p;
    const int lo = a.sources.front(), span = a.sources.back() - lo + 1;
    if (static_cast<std::size_t>(span) <= 2 * a.sources.size() + 16) {
      p.begin = lo;
      p.count = span;
    } else {
      p.list = a.sources.data();
      p.count = static_cast<int>(a.sources.size());
    }
    return p;
  }
  // The position of source index i (one of a.sources) at slot s of that list.
  int position(const AxisTaps& a, std::int32_t slot) const {
    return list ? slot : a.sources[static_cast<std::size_t>(slot)] - begin;
  }
};

struct FloatTaps {
  int max_taps = 0;
  const std::int32_t* count = nullptr;  // the plan's, per output
  std::int32_t* position = nullptr;     // [o * max_taps + j]: the j-th tap summed
  float* weight = nullptr;              // [o * max_taps + j]
  std::int32_t* step = nullptr;         // [o]: +1 / -1 when positions run consecutively, else 0

  int n(int o) const { return count[o]; }
  const std::int32_t* positions(int o) const {
    return position + static_cast<std::size_t>(o) * static_cast<std::size_t>(max_taps);
  }
  const float* weights(int o) const {
    return weight + static_cast<std::size_t>(o) * static_cast<std::size_t>(max_taps);
  }

  // Integers and floats the tables of `a` need (out_size * (max_taps + 1) each).
  static std::size_t size(const AxisTaps& a) {
    return static_cast<std::size_t>(a.out_size) * static_cast<std::size_t>(a.max_taps + 1) + 1;
  }
  // Tables for the valid outputs of `a`, reading inputs at `at` (slot -> position), in the
  // given storage (size(a) integers and floats).
  template <class PositionOf>
  static FloatTaps build(const AxisTaps& a, const PositionOf& at, std::int32_t* ints,
                         float* floats) {
    FloatTaps t;
    t.max_taps = a.max_taps;
    t.count = a.count.data();
    t.position = ints;
    t.step = ints + static_cast<std::size_t>(a.out_size) * static_cast<std::size_t>(a.max_taps);
    t.weight = floats;
    for (int o = a.valid_begin; o < a.valid_end; ++o) {
      const int n = a.count[static_cast<std::size_t>(o)];
      const std::int32_t* slot = a.slot_row(o);
      const double* w = a.weight_row(o);
      std::int32_t* pos =
          t.position + static_cast<std::size_t>(o) * static_cast<std::size_t>(a.max_taps);
      float* wf = t.weight + static_cast<std::size_t>(o) * static_cast<std::size_t>(a.max_taps);
      for (int j = 0; j < n; ++j) {
        const int k = a.reversed ? n - 1 - j : j;
        pos[j] = at(slot[k]);
        wf[j] = static_cast<float>(w[k]);
      }
      int step = n > 1 ? pos[1] - pos[0] : 1;
      if (step != 1 && step != -1) step = 0;
      for (int j = 2; j < n && step != 0; ++j)
        if (pos[j] - pos[j - 1] != step) step = 0;
      t.step[o] = step;
    }
    return t;
  }
};

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_REAL_TAPS_INL_H_ toggle
