// DivisionFreeMap: a value map of at most one normalize step, ((x / k or x * k) - mean) /
// std, evaluated without dividing, for the SIMD store of u8 conventions: a vector division
// costs ~10 cycles (and a gather of the plan's table ~8), a multiply-add half a cycle.
//
// Each quotient a / b becomes q = a * r, then q + (a - q * b) * r with both steps fused
// multiply-adds and r = 1 / b: one Newton correction of the quotient (Markstein's), which
// gives the correctly rounded a / b for most a and b but is not proven to for all. The
// inputs of a u8 convention's store are the 256 values 0..255, so the plan checks all of
// them against its table when it is made (Plan::division_free) and the store takes this
// form only where every value is bit-identical; otherwise it keeps the table.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/plan/value_map.hpp"

namespace pixfuse {

struct DivisionFreeMap {
  // The first step: q = x * multiplier, then q + (x - q * divisor) * correction; for a
  // multiplying step (or none) the correction is 0 and the divisor unused.
  float multiplier = 1.0f, divisor = 1.0f, correction = 0.0f;
  // The second: w = that - mean, q = w * reciprocal_std, q + (w - q * std) * reciprocal_std.
  float mean = 0.0f, std = 1.0f, reciprocal_std = 1.0f;

  // Defined for value maps of at most one step (more return false).
  static bool of(const ValueMap& m, DivisionFreeMap& out) {
    out = {};
    if (m.steps.size() > 1) return false;
    if (m.steps.empty()) return true;
    const NormalizeStep& s = m.steps[0];
    if (s.divide) {
      out.multiplier = 1.0f / s.scale;
      out.divisor = s.scale;
      out.correction = out.multiplier;
    } else {
      out.multiplier = s.scale;
    }
    out.mean = s.mean;
    out.std = s.std;
    out.reciprocal_std = 1.0f / s.std;
    return true;
  }

  // The scalar form of the store's vector operations (the same roundings: each fma once).
  PIXFUSE_NO_CONTRACT float apply(float x) const {
    const float q = x * multiplier;
    const float v = std::fma(std::fma(-q, divisor, x), correction, q);
    const float w = v - mean;
    const float r = w * reciprocal_std;
    return std::fma(std::fma(-r, std, w), reciprocal_std, r);
  }

  // True if apply equals `table` (256 values, the exact map's) for every input, bit for bit.
  bool exact_on_u8(const float* table) const {
    for (int v = 0; v < 256; ++v) {
      const float a = apply(static_cast<float>(v));
      std::uint32_t ab, tb;
      std::memcpy(&ab, &a, 4);
      std::memcpy(&tb, &table[v], 4);
      if (ab != tb) return false;
    }
    return true;
  }
};

}  // namespace pixfuse
