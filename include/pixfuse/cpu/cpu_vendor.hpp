// Who made the CPU the program runs on, and its x86 family: some choices between equally
// exact code paths (cpu/value_form.hpp, cpu/prefetch_level.hpp) follow costs measured on
// one vendor's cores. Read once, with CPUID; `other` off x86 or without GCC/Clang's cpuid.h.
#pragma once

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define PIXFUSE_HAVE_CPUID 1
#else
#define PIXFUSE_HAVE_CPUID 0
#endif

namespace pixfuse {
namespace detail {

enum class CpuVendor { intel, amd, other };

struct CpuId {
  CpuVendor vendor = CpuVendor::other;
  unsigned family = 0;  // x86 family, the extended family added as the manuals say
};

inline CpuId cpu_id() {
#if PIXFUSE_HAVE_CPUID
  static const CpuId id = [] {
    CpuId r;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return r;
    if (b == 0x756e6547u && d == 0x49656e69u && c == 0x6c65746eu) r.vendor = CpuVendor::intel;
    if (b == 0x68747541u && d == 0x69746e65u && c == 0x444d4163u) r.vendor = CpuVendor::amd;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return r;
    r.family = (a >> 8) & 0xFu;
    if (r.family == 0xFu) r.family += (a >> 20) & 0xFFu;
    return r;
  }();
  return id;
#else
  return CpuId{};
#endif
}

}  // namespace detail
}  // namespace pixfuse
