// Float blocks between rows and columns for the float conventions' horizontal pass, whose
// lanes are rows: L rows of floats become column vectors of L lanes (L = the target's
// float lanes: 16 on AVX-512, 8 on AVX2, 4 on SSE4 / NEON), and L x L tiles of results
// go back to rows. In registers on fixed-width targets, lane by lane elsewhere.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_REAL_TRANSPOSE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_REAL_TRANSPOSE_INL_H_
#undef PIXFUSE_CPU_FUSED_REAL_TRANSPOSE_INL_H_
#else
#define PIXFUSE_CPU_FUSED_REAL_TRANSPOSE_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/transpose-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

#if PIXFUSE_REGISTER_TRANSPOSE
// In-register transpose of an L x L block of floats (L = Lanes(d)): on return v[i] holds
// lane i of every input vector.
template <class D>
HWY_INLINE void transpose_floats(D d, hn::Vec<D>* v) {
  constexpr std::size_t L = hn::MaxLanes(d);
  if constexpr (L <= 8) {
    transpose_square(d, v);
  } else {
    static_assert(L == 16, "AVX-512: four 128-bit blocks per vector");
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    // 4 x 4 within each 128-bit block, per group of four rows: v[4g + k] block b is
    // then column 4b + k of rows 4g .. 4g + 3.
    for (int g = 0; g < 4; ++g) transpose_rows<4>(d, v + 4 * g);
    // Then the 4 x 4 transpose of blocks among v[k], v[4 + k], v[8 + k], v[12 + k].
    for (int k = 0; k < 4; ++k) {
      const __m512 a = v[k].raw, b = v[4 + k].raw, c = v[8 + k].raw, e = v[12 + k].raw;
      const __m512 t0 = _mm512_shuffle_f32x4(a, b, 0x88),
                   t1 = _mm512_shuffle_f32x4(a, b, 0xDD);  // a0 a2 b0 b2, a1 a3 b1 b3
      const __m512 t2 = _mm512_shuffle_f32x4(c, e, 0x88), t3 = _mm512_shuffle_f32x4(c, e, 0xDD);
      v[k] = hn::Vec<D>{_mm512_shuffle_f32x4(t0, t2, 0x88)};       // a0 b0 c0 e0
      v[4 + k] = hn::Vec<D>{_mm512_shuffle_f32x4(t1, t3, 0x88)};   // a1 b1 c1 e1
      v[8 + k] = hn::Vec<D>{_mm512_shuffle_f32x4(t0, t2, 0xDD)};   // a2 b2 c2 e2
      v[12 + k] = hn::Vec<D>{_mm512_shuffle_f32x4(t1, t3, 0xDD)};  // a3 b3 c3 e3
    }
#else
    (void)d;
    (void)v;
#endif
  }
}
#endif

// cols[q * L + l] = rows[l][q] for q in [0, len), l in [0, L): rows l >= nrows repeat the
// last row (their lanes are computed and never stored).
template <class D>
void rows_to_columns(D d, const float* const* rows, int nrows, std::size_t len, float* cols) {
  const std::size_t L = hn::Lanes(d);
#if PIXFUSE_REGISTER_TRANSPOSE && !HWY_HAVE_SCALABLE
  constexpr std::size_t N = hn::MaxLanes(d);
  const float* r[N];
  for (std::size_t l = 0; l < N; ++l)
    r[l] = rows[std::min<std::size_t>(l, static_cast<std::size_t>(nrows) - 1)];
  std::size_t q = 0;
  for (; q + N <= len; q += N) {
    hn::Vec<D> v[N];
    PIXFUSE_UNROLL
    for (std::size_t l = 0; l < N; ++l) v[l] = hn::LoadU(d, r[l] + q);
    transpose_floats(d, v);
    PIXFUSE_UNROLL
    for (std::size_t i = 0; i < N; ++i) hn::Store(v[i], d, cols + (q + i) * N);
  }
  if (q < len) {
    hn::Vec<D> v[N];
    for (std::size_t l = 0; l < N; ++l) v[l] = load_n(d, r[l] + q, len - q);
    transpose_floats(d, v);
    for (std::size_t i = 0; i < len - q; ++i) hn::Store(v[i], d, cols + (q + i) * N);
  }
  (void)L;
#else
  for (std::size_t l = 0; l < L; ++l) {
    const float* row = rows[std::min<std::size_t>(l, static_cast<std::size_t>(nrows) - 1)];
    for (std::size_t q = 0; q < len; ++q) cols[q * L + l] = row[q];
  }
  (void)d;
#endif
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_REAL_TRANSPOSE_INL_H_ toggle
