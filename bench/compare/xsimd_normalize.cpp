// xsimd 8 implementation of normalise + NHWC -> NCHW (see normalize_nchw.hpp).
//
// Built with -O3 -march=native. With AVX2 (8 lanes of 32 bits; FMA3 when the CPU has it)
// it handles 8 pixels per step: their 24 bytes are loaded as one batch of 8 uint32
// words; for each channel a constant lane permutation (xsimd::swizzle) brings the word
// holding each pixel's byte into its lane, a per-lane shift and a mask isolate the byte,
// and batch_cast<float> converts it; then the value is normalised and stored to its
// plane. (xsimd 8 has no byte shuffle or u8 -> f32 widening load for AVX2:
// load_as<float>(const uint8_t*) converts lane by lane in scalar code, 3x slower here.)
// Other SIMD widths and the last pixels take a per-pixel loop.
#include <xsimd/xsimd.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "normalize_nchw.hpp"

namespace pixfuse_bench::compare {
namespace {

// One value: the exact formula, or the folded affine form with a single rounding.
template <bool Exact>
inline float one(std::uint8_t v, float k0, float k1) {
  if constexpr (Exact) return (static_cast<float>(v) / 255.0f - k0) / k1;
  return std::fma(static_cast<float>(v), k0, k1);
}

#if XSIMD_WITH_AVX2
// 8 lanes, whatever wider ISA the build enables (AVX-512 would give 16).
#if XSIMD_WITH_FMA3_AVX2
using arch = xsimd::fma3<xsimd::avx2>;
#else
using arch = xsimd::avx2;
#endif
using fbatch = xsimd::batch<float, arch>;
using ubatch = xsimd::batch<std::uint32_t, arch>;
using ibatch = xsimd::batch<std::int32_t, arch>;
template <std::uint32_t... V>
using lanes = xsimd::batch_constant<ubatch, V...>;

// Channel c of the 8 pixels whose 24 bytes start `words` (byte b is in word b / 4 at bit
// 8 * (b % 4)). W: the word of each pixel's byte, S: its shift.
template <std::uint32_t... W, std::uint32_t... S>
inline fbatch channel(const ubatch& words, lanes<W...> w, lanes<S...> s) {
  const ubatch bytes = (xsimd::swizzle(words, w) >> ubatch(s)) & ubatch(0xFFu);
  return xsimd::batch_cast<float>(xsimd::bitwise_cast<ibatch>(bytes));
}

template <bool Exact>
inline fbatch normalise(fbatch v, const fbatch& k0, const fbatch& k1) {
  if constexpr (Exact) return (v / fbatch(255.0f) - k0) / k1;
  return xsimd::fma(v, k0, k1);
}
#endif

// k0, k1: mean and std (Exact), or a and b (affine).
template <bool Exact>
void run(const std::uint8_t* src, int width, int height, const float* k0, const float* k1,
         float* dst) {
  const std::size_t n = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  float* d0 = dst;
  float* d1 = dst + n;
  float* d2 = dst + 2 * n;
  std::size_t i = 0;
#if XSIMD_WITH_AVX2
  const fbatch a0(k0[0]), a1(k0[1]), a2(k0[2]), b0(k1[0]), b1(k1[1]), b2(k1[2]);
  // The 32-byte load reads 8 bytes past the 8 pixels: stop while that stays inside src.
  for (; 3 * i + 32 <= 3 * n; i += 8) {
    const ubatch words =
        ubatch::load_unaligned(reinterpret_cast<const std::uint32_t*>(src + 3 * i));
    // R: bytes 0,3,..,21; G: 1,4,..,22; B: 2,5,..,23.
    const fbatch r =
        channel(words, lanes<0, 0, 1, 2, 3, 3, 4, 5>(), lanes<0, 24, 16, 8, 0, 24, 16, 8>());
    const fbatch g =
        channel(words, lanes<0, 1, 1, 2, 3, 4, 4, 5>(), lanes<8, 0, 24, 16, 8, 0, 24, 16>());
    const fbatch b =
        channel(words, lanes<0, 1, 2, 2, 3, 4, 5, 5>(), lanes<16, 8, 0, 24, 16, 8, 0, 24>());
    normalise<Exact>(r, a0, b0).store_unaligned(d0 + i);
    normalise<Exact>(g, a1, b1).store_unaligned(d1 + i);
    normalise<Exact>(b, a2, b2).store_unaligned(d2 + i);
  }
#endif
  for (; i < n; ++i) {
    const std::uint8_t* p = src + 3 * i;
    d0[i] = one<Exact>(p[0], k0[0], k1[0]);
    d1[i] = one<Exact>(p[1], k0[1], k1[1]);
    d2[i] = one<Exact>(p[2], k0[2], k1[2]);
  }
}

}  // namespace

void xsimd_normalize_nchw_exact(const std::uint8_t* src, int width, int height, const float mean[3],
                                const float std[3], float* dst) {
  run<true>(src, width, height, mean, std, dst);
}

void xsimd_normalize_nchw_affine(const std::uint8_t* src, int width, int height,
                                 const float mean[3], const float std[3], float* dst) {
  float a[3], b[3];
  fold_affine(mean, std, a, b);
  run<false>(src, width, height, a, b, dst);
}

}  // namespace pixfuse_bench::compare
