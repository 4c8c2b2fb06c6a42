// 16-bit multiply-add: int32 lanes that each hold two int16 values (the first in the low
// half, as PairedTaps packs weights) times the same layout of weights, both products summed
// into the lane: x86's pmaddwd, VNNI's vpdpwssd on AVX3_DL (which also accumulates),
// Highway's ReorderWidenMulAccumulate elsewhere. Exact in the sense of plan/paired_taps.hpp.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <cstdint>

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_MADD_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_MADD_INL_H_
#undef PIXFUSE_CPU_FUSED_MADD_INL_H_
#else
#define PIXFUSE_CPU_FUSED_MADD_INL_H_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// A running sum of pair products is two accumulators, `even` and `odd`, both started at zero:
// on NEON and SVE the widening multiply-add spreads the products of one pair over both, which
// total() adds (so never read `even` alone, nor start it at a constant). Two variables, not a
// struct: SVE vectors are sizeless and cannot be members.

#undef PIXFUSE_HAVE_VNNI
#if HWY_TARGET == HWY_AVX3_DL && (defined(__GNUC__) || defined(__clang__))
// vpdpwssd (AVX512_VNNI): Highway 1.0.3 has no op for it, and its AVX3_DL target string
// names avxvnni (the VEX form) instead of avx512vnni, so the intrinsic does not compile
// under the target's pragma: the instruction is written directly. Only the 512-bit
// (always EVEX) form is used.
HWY_INLINE __m512i vnni_dpwssd(__m512i acc, __m512i a, __m512i b) {
  asm("vpdpwssd %2, %1, %0" : "+v"(acc) : "v"(a), "vm"(b));
  return acc;
}
// vpdpbusd: four unsigned bytes of `a` times the four signed bytes of `w` in the same int32
// lane, summed into it (no saturation).
HWY_INLINE __m512i vnni_dpbusd(__m512i acc, __m512i a, __m512i w) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(w));
  return acc;
}
#define PIXFUSE_HAVE_VNNI 1
#else
#define PIXFUSE_HAVE_VNNI 0
#endif

// sum += low(pairs) * low(weights) + high(pairs) * high(weights), lane by lane.
template <class D>
HWY_INLINE void madd(D d, hn::Vec<D>& even, hn::Vec<D>& odd, hn::Vec<D> pairs, hn::Vec<D> weights) {
#if PIXFUSE_HAVE_VNNI
  if constexpr (hn::MaxLanes(d) * sizeof(hn::TFromD<D>) == 64) {
    even = hn::Vec<D>{vnni_dpwssd(even.raw, pairs.raw, weights.raw)};
    return;
  }
#endif
#if HWY_TARGET == HWY_SCALAR
  (void)d, (void)odd;
  // One int32 lane: Highway's int16 vector would have one lane too, so split by hand.
  const auto low = [](hn::Vec<D> v) { return hn::ShiftRight<16>(hn::ShiftLeft<16>(v)); };
  even = hn::Add(even, hn::Add(hn::Mul(low(pairs), low(weights)),
                               hn::Mul(hn::ShiftRight<16>(pairs), hn::ShiftRight<16>(weights))));
#else
  const hn::Repartition<std::int16_t, D> d16;
  even = hn::ReorderWidenMulAccumulate(d, hn::BitCast(d16, pairs), hn::BitCast(d16, weights), even,
                                       odd);
#endif
}

// The lanes' sums.
template <class D>
HWY_INLINE hn::Vec<D> total(D, hn::Vec<D> even, hn::Vec<D> odd) {
#if HWY_TARGET == HWY_SCALAR
  (void)odd;
  return even;
#else
  return hn::RearrangeToOddPlusEven(even, odd);
#endif
}

// A weight sum split in two (PairedTaps::shift): hi * 2^shift + lo, exact modulo 2^32.
template <class D>
HWY_INLINE hn::Vec<D> combine(D, hn::Vec<D> hi, hn::Vec<D> lo, int shift) {
  return hn::Add(hn::ShiftLeftSame(hi, shift), lo);
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_MADD_INL_H_ toggle
