// Which exact form the SIMD store of the u8 conventions (cpu/fused/store-inl.h) computes a
// value map in. Every form gives the plan's table bit for bit; they differ in cost, and the
// costs differ between CPUs:
//   division_free  seven multiplies and multiply-adds per vector, where the plan verified
//                  the form on all 256 inputs (Plan::division_free, plan/division_free.hpp)
//   gather         a gather of the plan's table (32-bit outputs, x86 AVX2 and AVX-512)
//   divisions      the map's one step as written: a division (or multiplication), a
//                  subtraction and a division
// On an Intel Xeon vdivps takes ~10 cycles and a 16-lane gather ~8: division-free first,
// then the gather. On AMD Zen 5 the two AVX-512 divisions run 1.25x faster than the
// division-free form, and the gather 4-5x slower than dividing (docs/PERFORMANCE_LOG.md,
// 2026-12-06 noon): there, AVX-512 divides, and no target gathers where it can divide.
#pragma once

#include <atomic>

#include "pixfuse/cpu/cpu_vendor.hpp"

namespace pixfuse {

enum class ValueForm { automatic, division_free, gather, divisions };

namespace detail {

inline std::atomic<int> value_form_asked{static_cast<int>(ValueForm::automatic)};

// AMD family 1Ah (Zen 5) or later: a divider that keeps up with 512-bit vectors, slow gathers.
inline bool amd_zen5_or_later() {
  const CpuId id = cpu_id();
  return id.vendor == CpuVendor::amd && id.family >= 0x1Au;
}

}  // namespace detail

// Forces a form wherever the store can use it (tests, benchmarks); where it cannot, the
// automatic order applies. `automatic` (the default) orders the forms by this CPU's costs.
inline void set_value_form(ValueForm form) {
  detail::value_form_asked.store(static_cast<int>(form), std::memory_order_relaxed);
}
inline ValueForm value_form() {
  return static_cast<ValueForm>(detail::value_form_asked.load(std::memory_order_relaxed));
}

namespace detail {

// The form the store takes, given which ones it can use for the plan at hand on this target:
// the one asked for (set_value_form) if usable, else the first usable in this CPU's order;
// `automatic` if none is (the store then reads the table a value at a time).
inline ValueForm store_form(bool division_free_ok, bool gather_ok, bool divisions_ok, bool avx512) {
  const auto usable = [&](ValueForm f) {
    switch (f) {
      case ValueForm::division_free: return division_free_ok;
      case ValueForm::gather: return gather_ok;
      case ValueForm::divisions: return divisions_ok;
      case ValueForm::automatic: return false;
    }
    return false;
  };
  const ValueForm asked = value_form();
  if (usable(asked)) return asked;
  const bool zen5 = amd_zen5_or_later();
  const ValueForm default_order[] = {ValueForm::division_free, ValueForm::gather,
                                     ValueForm::divisions};
  const ValueForm zen5_avx512_order[] = {ValueForm::divisions, ValueForm::division_free,
                                         ValueForm::gather};
  const ValueForm zen5_order[] = {ValueForm::division_free, ValueForm::divisions,
                                  ValueForm::gather};
  const ValueForm* order = !zen5 ? default_order : avx512 ? zen5_avx512_order : zen5_order;
  for (int i = 0; i < 3; ++i)
    if (usable(order[i])) return order[i];
  return ValueForm::automatic;
}

}  // namespace detail

}  // namespace pixfuse
