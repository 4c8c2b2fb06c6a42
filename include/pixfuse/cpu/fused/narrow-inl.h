// The u8 integer conventions between their passes: the ring's element type (as narrow as
// the convention's intermediate allows) and the horizontal pass's rounding into it.
//
//   fixed_u8        Pillow / torchvision round each pass to u8: (sum + 2^(p-1)) >> p,
//                   clamped to 0..255, stored as u8
//   opencv_linear   OpenCV keeps the int32 sum but its vertical pass reads only sum >> 4,
//                   which fits int16 (|weights| sum to 2^11, samples <= 255): int16
//   others          the int32 sum (cubic, lanczos4, linear_exact, area with integer factors)
//
// horizontal() leaves the clamp to the store into the ring (ring_cast, or the saturating
// packs of narrow_transpose-inl.h), which is where the value narrows anyway.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <cstdint>
#include <type_traits>

#include "pixfuse/plan/arithmetic.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_NARROW_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_NARROW_INL_H_
#undef PIXFUSE_CPU_FUSED_NARROW_INL_H_
#else
#define PIXFUSE_CPU_FUSED_NARROW_INL_H_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// An int32 value into a ring element, saturating (u8: Pillow's clip8, plan/arithmetic.hpp;
// int16: never needed for the values run_u8 accepts, but as pack instructions do).
template <class Ring>
inline Ring ring_cast(std::int32_t v) {
  if constexpr (std::is_same_v<Ring, std::uint8_t>)
    return static_cast<Ring>(::pixfuse::detail::clip8(v));
  else if constexpr (std::is_same_v<Ring, std::int16_t>)
    return static_cast<Ring>(v < -32768 ? -32768 : (v > 32767 ? 32767 : v));
  else return v;
}

template <Arithmetic A>
struct Narrow {
  using Ring = std::int32_t;
  template <class D>
  static HWY_INLINE hn::Vec<D> horizontal(D, hn::Vec<D> sum, int) {
    return sum;
  }
  static Ring to_ring(std::int32_t v) { return v; }
};

template <>
struct Narrow<Arithmetic::fixed_u8> {
  using Ring = std::uint8_t;
  template <class D>
  static HWY_INLINE hn::Vec<D> horizontal(D d, hn::Vec<D> sum, int precision) {
    return hn::ShiftRightSame(hn::Add(sum, hn::Set(d, 1 << (precision - 1))), precision);
  }
  static Ring to_ring(std::int32_t v) { return ring_cast<Ring>(v); }
};

template <>
struct Narrow<Arithmetic::opencv_linear> {
  using Ring = std::int16_t;
  template <class D>
  static HWY_INLINE hn::Vec<D> horizontal(D, hn::Vec<D> sum, int) {
    return hn::ShiftRight<4>(sum);
  }
  static Ring to_ring(std::int32_t v) { return ring_cast<Ring>(v); }
};

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_NARROW_INL_H_ toggle
