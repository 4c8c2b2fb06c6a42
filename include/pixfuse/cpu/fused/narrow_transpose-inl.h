// The horizontal pass's results back into rows: a tile of 16 output columns, each a vector
// of int32 lanes = the block's R rows, stored as R ring rows of 16 narrow elements.
//
// u8 rings on x86: pack (with the saturation that is Pillow's clip8) and transpose in
// registers: packs_epi32 + packus_epi16 put 4 rows x 4 columns in each 128-bit block,
// a byte shuffle turns each block row-major, and two rounds of unpacks gather each row's
// 16 columns into one block. Elsewhere (other ring types, other targets) lane by lane.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_NARROW_TRANSPOSE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_NARROW_TRANSPOSE_INL_H_
#undef PIXFUSE_CPU_FUSED_NARROW_TRANSPOSE_INL_H_
#else
#define PIXFUSE_CPU_FUSED_NARROW_TRANSPOSE_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/narrow-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

#undef PIXFUSE_X86_PACK_TRANSPOSE
#define PIXFUSE_X86_PACK_TRANSPOSE (HWY_ARCH_X86 && HWY_TARGET <= HWY_SSSE3)

#if PIXFUSE_X86_PACK_TRANSPOSE
// The x86 instructions of one vector width.
template <std::size_t Bytes>
struct X86Pack;
template <>
struct X86Pack<16> {
  using V = __m128i;
  static V packs32(V a, V b) { return _mm_packs_epi32(a, b); }
  static V packus16(V a, V b) { return _mm_packus_epi16(a, b); }
  static V shuffle8(V a, V i) { return _mm_shuffle_epi8(a, i); }
  static V lo32(V a, V b) { return _mm_unpacklo_epi32(a, b); }
  static V hi32(V a, V b) { return _mm_unpackhi_epi32(a, b); }
  static V lo64(V a, V b) { return _mm_unpacklo_epi64(a, b); }
  static V hi64(V a, V b) { return _mm_unpackhi_epi64(a, b); }
  static V transpose4x4() {
    return _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  }
  static __m128i block(V v, std::size_t) { return v; }
};
#if HWY_TARGET <= HWY_AVX2
template <>
struct X86Pack<32> {
  using V = __m256i;
  static V packs32(V a, V b) { return _mm256_packs_epi32(a, b); }
  static V packus16(V a, V b) { return _mm256_packus_epi16(a, b); }
  static V shuffle8(V a, V i) { return _mm256_shuffle_epi8(a, i); }
  static V lo32(V a, V b) { return _mm256_unpacklo_epi32(a, b); }
  static V hi32(V a, V b) { return _mm256_unpackhi_epi32(a, b); }
  static V lo64(V a, V b) { return _mm256_unpacklo_epi64(a, b); }
  static V hi64(V a, V b) { return _mm256_unpackhi_epi64(a, b); }
  static V transpose4x4() { return _mm256_broadcastsi128_si256(X86Pack<16>::transpose4x4()); }
  static __m128i block(V v, std::size_t i) {
    return i == 0 ? _mm256_castsi256_si128(v) : _mm256_extracti128_si256(v, 1);
  }
};
#endif
#if HWY_TARGET <= HWY_AVX3
template <>
struct X86Pack<64> {
  using V = __m512i;
  static V packs32(V a, V b) { return _mm512_packs_epi32(a, b); }
  static V packus16(V a, V b) { return _mm512_packus_epi16(a, b); }
  static V shuffle8(V a, V i) { return _mm512_shuffle_epi8(a, i); }
  static V lo32(V a, V b) { return _mm512_unpacklo_epi32(a, b); }
  static V hi32(V a, V b) { return _mm512_unpackhi_epi32(a, b); }
  static V lo64(V a, V b) { return _mm512_unpacklo_epi64(a, b); }
  static V hi64(V a, V b) { return _mm512_unpackhi_epi64(a, b); }
  static V transpose4x4() { return _mm512_broadcast_i32x4(X86Pack<16>::transpose4x4()); }
  static __m128i block(V v, std::size_t i) {
    switch (i) {
      case 0: return _mm512_castsi512_si128(v);
      case 1: return _mm512_extracti32x4_epi32(v, 1);
      case 2: return _mm512_extracti32x4_epi32(v, 2);
      default: return _mm512_extracti32x4_epi32(v, 3);
    }
  }
};
#endif
#endif  // PIXFUSE_X86_PACK_TRANSPOSE

#if PIXFUSE_X86_PACK_TRANSPOSE
// The 16 x R tile as u8 rows: row 4b + i is block b of rows[i] (16 columns).
template <std::size_t Bytes, class V>
HWY_INLINE void pack_rows(const V* tile, typename X86Pack<Bytes>::V* rows) {
  using P = X86Pack<Bytes>;
  typename P::V
      packed[4];  // columns 4k .. 4k + 3: block b holds rows 4b .. 4b + 3 of them, column-major
  for (int k = 0; k < 4; ++k)
    packed[k] = P::shuffle8(P::packus16(P::packs32(tile[4 * k].raw, tile[4 * k + 1].raw),
                                        P::packs32(tile[4 * k + 2].raw, tile[4 * k + 3].raw)),
                            P::transpose4x4());  // now row-major: dword i = row 4b + i
  const auto l01 = P::lo32(packed[0], packed[1]), h01 = P::hi32(packed[0], packed[1]);
  const auto l23 = P::lo32(packed[2], packed[3]), h23 = P::hi32(packed[2], packed[3]);
  rows[0] = P::lo64(l01, l23), rows[1] = P::hi64(l01, l23), rows[2] = P::lo64(h01, h23),
  rows[3] = P::hi64(h01, h23);
}

// Stores the first `bytes` of a 128-bit block.
HWY_INLINE void store_head(__m128i v, std::uint8_t* p, std::size_t bytes) {
  if (bytes >= 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
  } else {
    // In pieces of 8, 4, 2 and 1 bytes (x86 is little-endian): no variable-length copy out
    // of a 16-byte buffer, which GCC 12's -O3 -Warray-bounds misjudges.
    if (bytes & 8) {
      _mm_storel_epi64(reinterpret_cast<__m128i*>(p), v);
      v = _mm_srli_si128(v, 8);
      p += 8;
    }
    std::uint64_t rest;
    _mm_storel_epi64(reinterpret_cast<__m128i*>(&rest), v);
    if (bytes & 4) {
      const auto four = static_cast<std::uint32_t>(rest);
      std::memcpy(p, &four, 4);
      rest >>= 32;
      p += 4;
    }
    if (bytes & 2) {
      const auto two = static_cast<std::uint16_t>(rest);
      std::memcpy(p, &two, 2);
      rest >>= 16;
      p += 2;
    }
    if (bytes & 1) *p = static_cast<std::uint8_t>(rest);
  }
}
#endif

// tile[i] (i < 16): column col + i of the block's rows (lane l = row l); stores columns
// [col, col + nx) of rows 0 .. nrows - 1.
template <class Ring, class D32>
HWY_INLINE void store_tile(D32 d32, const hn::Vec<D32>* tile, int nx, int nrows, Ring* const* rows,
                           std::size_t col) {
  constexpr std::size_t bytes = hn::MaxLanes(d32) * sizeof(std::int32_t);
#if PIXFUSE_X86_PACK_TRANSPOSE
  if constexpr (std::is_same_v<Ring, std::uint8_t> && (bytes == 16 || bytes == 32 || bytes == 64)) {
    using P = X86Pack<bytes>;
    typename P::V row[4];
    pack_rows<bytes>(tile, row);
    for (std::size_t b = 0; b < bytes / 16; ++b)
      for (int i = 0; i < 4; ++i) {
        const int r = static_cast<int>(4 * b) + i;
        if (r >= nrows) return;
        store_head(P::block(row[i], b), rows[r] + col, static_cast<std::size_t>(nx));
      }
    return;
  }
#endif
  (void)bytes;
  alignas(64) std::int32_t lanes[HWY_MAX_BYTES / sizeof(std::int32_t)] = {};
  for (int i = 0; i < nx; ++i) {
    hn::Store(tile[i], d32, lanes);
    for (int l = 0; l < nrows; ++l)
      rows[l][col + static_cast<std::size_t>(i)] = ring_cast<Ring>(lanes[l]);
  }
}

// The same into rows paired two by two (u8, clamped): pair_rows[m] holds rows 2m and 2m + 1
// byte-interleaved (column x at 2x and 2x + 1), all R / 2 pairs of the block.
template <class D32>
HWY_INLINE void store_tile_pairs(D32 d32, const hn::Vec<D32>* tile, int nx,
                                 std::uint8_t* const* pair_rows, std::size_t col) {
  constexpr std::size_t bytes = hn::MaxLanes(d32) * sizeof(std::int32_t);
  constexpr std::size_t R = hn::MaxLanes(d32);
#if PIXFUSE_X86_PACK_TRANSPOSE
  if constexpr (bytes == 16 || bytes == 32 || bytes == 64) {
    using P = X86Pack<bytes>;
    typename P::V row[4];
    pack_rows<bytes>(tile, row);
    const std::size_t head = 2 * static_cast<std::size_t>(std::min(nx, 8)),
                      rest = 2 * static_cast<std::size_t>(std::max(nx - 8, 0));
    for (std::size_t b = 0; b < bytes / 16; ++b)
      for (int i = 0; i < 4; i += 2) {  // rows 4b + i, 4b + i + 1: pair 2b + i / 2
        const __m128i a = P::block(row[i], b), e = P::block(row[i + 1], b);
        std::uint8_t* out = pair_rows[2 * b + static_cast<std::size_t>(i / 2)] + 2 * col;
        store_head(_mm_unpacklo_epi8(a, e), out, head);
        store_head(_mm_unpackhi_epi8(a, e), out + 16, rest);
      }
    return;
  }
#endif
  alignas(64) std::int32_t lanes[HWY_MAX_BYTES / sizeof(std::int32_t)] = {};
  const std::size_t n = hn::Lanes(d32);
  for (int i = 0; i < nx; ++i) {
    hn::Store(tile[i], d32, lanes);
    for (std::size_t l = 0; l < n; ++l)
      pair_rows[l / 2][2 * (col + static_cast<std::size_t>(i)) + (l & 1)] =
          ring_cast<std::uint8_t>(lanes[l]);
  }
  (void)R;
  (void)bytes;  // read by the x86 path only
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_NARROW_TRANSPOSE_INL_H_ toggle
