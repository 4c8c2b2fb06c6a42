// Overflow-checked size arithmetic and memory-range overlap, for validating views.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "pixfuse/core/error.hpp"

namespace pixfuse::detail {

// a * b, or an Error naming what `describe()` returns if the product does not fit in
// `limit`. The name is built only on failure: validation runs on every kernel call, which
// must not allocate once warm.
template <class Describe>
std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::int64_t limit, Describe&& describe) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product) || product > limit)
    fail_mismatch(std::string(describe()), to_text("at most ", limit),
                  to_text(a, " * ", b, " overflows"));
  return product;
}

// Whether the byte ranges [a, a + a_bytes) and [b, b + b_bytes) share a byte.
inline bool ranges_overlap(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes) {
  const auto a0 = reinterpret_cast<std::uintptr_t>(a);
  const auto b0 = reinterpret_cast<std::uintptr_t>(b);
  return a_bytes != 0 && b_bytes != 0 && a0 < b0 + b_bytes && b0 < a0 + a_bytes;
}

}  // namespace pixfuse::detail
