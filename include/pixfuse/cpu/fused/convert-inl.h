// Float values to output elements (f32 / f16 / bf16 bits, saturated u8 / i8), exactly as
// core/convert.hpp and core/float16.hpp define them.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <cstdint>
#include <type_traits>
#include "pixfuse/core/float16.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_CONVERT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_CONVERT_INL_H_
#undef PIXFUSE_CPU_FUSED_CONVERT_INL_H_
#else
#define PIXFUSE_CPU_FUSED_CONVERT_INL_H_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Conversion of float values to output elements, as core/convert.hpp defines them.

// f32 -> f16 bits, round to nearest even (float16.hpp's to_f16, lane by lane). The
// comparisons are on signed lanes: every compared value is below 2^31.
template <class DU>
hn::Vec<DU> f16_bits(DU du, hn::Vec<DU> u) {
  const hn::RebindToSigned<DU> di;
  auto above = [&](hn::Vec<DU> a, std::int32_t limit) {
    return hn::RebindMask(du, hn::Gt(hn::BitCast(di, a), hn::Set(di, limit)));
  };
  const auto one = hn::Set(du, 1u);
  const auto sign = hn::And(hn::ShiftRight<16>(u), hn::Set(du, 0x8000u));
  const auto mag = hn::And(u, hn::Set(du, 0x7FFFFFFFu));
  // Normal range: rebias, round half to even on the 13 dropped bits.
  auto r = hn::Sub(mag, hn::Set(du, 112u << 23));
  r = hn::Add(r, hn::Add(hn::Set(du, 0x0FFFu), hn::And(hn::ShiftRight<13>(r), one)));
  const auto normal = hn::ShiftRight<13>(r);
  // Subnormal range: value / 2^-24 rounded half to even. (Lanes outside it get some
  // shift in 1..31; their result is discarded.)
  const auto exponent = hn::ShiftRight<23>(mag);
  const auto mantissa = hn::Or(hn::And(mag, hn::Set(du, 0x7FFFFFu)), hn::Set(du, 0x800000u));
  const auto shift =
      hn::Min(hn::Max(hn::Sub(hn::Set(du, 126u), hn::Min(exponent, hn::Set(du, 125u))), one),
              hn::Set(du, 31u));
  const auto q = hn::Shr(mantissa, shift);
  const auto rest = hn::Sub(mantissa, hn::Shl(q, shift));
  const auto half = hn::Shl(one, hn::Sub(shift, one));
  const auto rest_gt_half =
      hn::RebindMask(du, hn::Gt(hn::BitCast(di, rest), hn::BitCast(di, half)));
  const auto tie_odd =
      hn::And(hn::RebindMask(du, hn::Eq(hn::BitCast(di, rest), hn::BitCast(di, half))),
              hn::RebindMask(du, hn::Eq(hn::BitCast(di, hn::And(q, one)), hn::BitCast(di, one))));
  const auto subnormal = hn::Add(q, hn::IfThenElseZero(hn::Or(rest_gt_half, tie_odd), one));
  // NaN keeps its top payload bits (0x200 if they are all zero).
  const auto payload = hn::And(hn::ShiftRight<13>(mag), hn::Set(du, 0x3FFu));
  const auto nan =
      hn::Or(hn::Set(du, 0x7C00u), hn::IfThenElse(above(payload, 0), payload, hn::Set(du, 0x200u)));
  auto bits = hn::IfThenElse(above(mag, 0x387FFFFF), normal, subnormal);      // >= 2^-14
  bits = hn::IfThenElse(above(mag, 0x33000000), bits, hn::Zero(du));          // <= 2^-25 -> 0
  bits = hn::IfThenElse(above(mag, 0x477FEFFF), hn::Set(du, 0x7C00u), bits);  // >= 65520 -> inf
  bits = hn::IfThenElse(above(mag, 0x7F800000), nan, bits);
  return hn::Or(sign, bits);
}

// f32 -> bf16 bits, round to nearest even; NaN stays NaN.
template <class DU>
hn::Vec<DU> bf16_bits(DU du, hn::Vec<DU> u) {
  const hn::RebindToSigned<DU> di;
  const auto rounded = hn::ShiftRight<16>(
      hn::Add(u, hn::Add(hn::Set(du, 0x7FFFu), hn::And(hn::ShiftRight<16>(u), hn::Set(du, 1u)))));
  auto hi = hn::ShiftRight<16>(u);
  const auto no_payload =
      hn::RebindMask(du, hn::Eq(hn::BitCast(di, hn::And(hi, hn::Set(du, 0x7Fu))), hn::Zero(di)));
  hi = hn::IfThenElse(no_payload, hn::Or(hi, hn::Set(du, 0x40u)), hi);
  const auto is_nan =
      hn::RebindMask(du, hn::Gt(hn::BitCast(di, hn::And(u, hn::Set(du, 0x7FFFFFFFu))),
                                hn::Set(di, 0x7F800000)));
  return hn::IfThenElse(is_nan, hi, rounded);
}

// Saturating round half to even, NaN -> 0, as 32-bit lanes.
template <class DF>
hn::Vec<hn::RebindToSigned<DF>> saturate_round(DF df, hn::Vec<DF> v, float lo, float hi) {
  const hn::RebindToSigned<DF> di;
  const auto is_nan = hn::RebindMask(di, hn::Ne(v, v));
  const auto clamped = hn::Min(hn::Max(v, hn::Set(df, lo)), hn::Set(df, hi));
  return hn::IfThenZeroElse(is_nan, hn::NearestInt(clamped));
}

// Output element bits (zero-extended to 32) of float values.
template <class T, class DF>
hn::Vec<hn::RebindToUnsigned<DF>> output_bits(DF df, hn::Vec<DF> v) {
  const hn::RebindToUnsigned<DF> du;
  if constexpr (std::is_same_v<T, float>) {
    return hn::BitCast(du, v);
  } else if constexpr (std::is_same_v<T, f16>) {
    return f16_bits(du, hn::BitCast(du, v));
  } else if constexpr (std::is_same_v<T, bf16>) {
    return bf16_bits(du, hn::BitCast(du, v));
  } else if constexpr (std::is_same_v<T, std::uint8_t>) {
    return hn::BitCast(du, saturate_round(df, v, 0.0f, 255.0f));
  } else {
    return hn::And(hn::BitCast(du, saturate_round(df, v, -128.0f, 127.0f)), hn::Set(du, 0xFFu));
  }
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_CONVERT_INL_H_ toggle
