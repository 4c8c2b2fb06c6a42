// Each convention's arithmetic types (Traits), horizontal weights, the conversion of
// source samples to accumulator lanes, and the horizontal pass's rounding (h_finish).
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include "pixfuse/plan/arithmetic.hpp"
#include "pixfuse/plan/axis.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_ARITHMETIC_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_ARITHMETIC_INL_H_
#undef PIXFUSE_CPU_FUSED_ARITHMETIC_INL_H_
#else
#define PIXFUSE_CPU_FUSED_ARITHMETIC_INL_H_
#endif

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Types per arithmetic: Acc accumulates the horizontal pass (lanes = rows); Mid is stored
// between the passes; the vertical pass yields u8 values (as int32) or float values.

template <Arithmetic A>
struct Traits {
  using Acc = std::int32_t;
  using Mid = std::int32_t;
  static constexpr bool u8_values = true;
};
template <>
struct Traits<Arithmetic::opencv_area> {
  using Acc = float;
  using Mid = float;
  static constexpr bool u8_values = true;
};
template <>
struct Traits<Arithmetic::round_half_away> {
  using Acc = double;
  using Mid = std::int32_t;
  static constexpr bool u8_values = false;
};
template <>
struct Traits<Arithmetic::real_f64> {  // (real and real_u16: real_driver-inl.h)
  using Acc = double;
  using Mid = float;
  static constexpr bool u8_values = false;
};

// Horizontal weight k of output x in the accumulator's type.
template <class Acc>
inline Acc h_weight(const AxisTaps& a, std::size_t i) {
  if constexpr (std::is_same_v<Acc, std::int32_t>) {
    return a.fixed[i];
  } else {
    return static_cast<Acc>(a.weights[i]);
  }
}

// R consecutive samples of the block's columns as accumulator lanes.
template <class DA, class Src>
HWY_INLINE hn::Vec<DA> load_column(DA da, const Src* p) {
  using Acc = hn::TFromD<DA>;
  const hn::Rebind<Src, DA> ds;
  if constexpr (std::is_same_v<Src, Acc>) {
    return hn::LoadU(da, p);
  } else if constexpr (std::is_same_v<Acc, std::int32_t>) {
    return hn::PromoteTo(da, hn::LoadU(ds, p));
  } else if constexpr (std::is_same_v<Acc, float>) {  // u8 -> float (INTER_AREA)
    const hn::RebindToSigned<DA> di;
    return hn::ConvertTo(da, hn::PromoteTo(di, hn::LoadU(ds, p)));
  } else if constexpr (std::is_same_v<Src, float>) {  // float -> double
    return hn::PromoteTo(da, hn::LoadU(ds, p));
  } else {  // u8 / u16 -> double
    const hn::Rebind<std::int32_t, DA> di;
    return hn::PromoteTo(da, hn::PromoteTo(di, hn::LoadU(ds, p)));
  }
}

// The horizontal pass result of the accumulator lanes, as Mid lanes.
template <Arithmetic A, class D>
HWY_INLINE hn::Vec<hn::Rebind<typename Traits<A>::Mid, D>> h_finish(D d, hn::Vec<D> acc,
                                                                    int precision) {
  using Acc = typename Traits<A>::Acc;
  const hn::Rebind<typename Traits<A>::Mid, D> dm;
  if constexpr (A == Arithmetic::fixed_u8) {
    // acc + 2^(p-1) >> p, clamped to 0..255 (Pillow, torchvision).
    const auto v = hn::ShiftRightSame(hn::Add(acc, hn::Set(d, 1 << (precision - 1))), precision);
    return hn::Min(hn::Max(v, hn::Zero(d)), hn::Set(d, 255));
  } else if constexpr (std::is_same_v<Acc, std::int32_t> || A == Arithmetic::opencv_area) {
    (void)precision;
    return acc;  // OpenCV keeps the sums
  } else if constexpr (A == Arithmetic::round_half_away) {
    (void)precision;
    return hn::DemoteTo(dm, hn::Trunc(hn::Add(acc, hn::CopySign(hn::Set(d, 0.5),
                                                                acc))));  // Pillow mode I
  } else {  // real_f64: rounded to float
    static_assert(A == Arithmetic::real_f64, "h_finish: an arithmetic without its horizontal rule");
    (void)precision;
    return hn::DemoteTo(dm, acc);
  }
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_ARITHMETIC_INL_H_ toggle
