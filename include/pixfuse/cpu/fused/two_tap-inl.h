// The horizontal pass of filters with at most two taps per output (bilinear without
// antialias, nearest, OpenCV's enlargements and moderate reductions), lanes = output
// columns: no transposes. Each source row is resampled once, on its own; a lane is one
// output column and channel, (x, c) flattened as in the image (x * C + c), and reads the
// two samples (base, base + 1) of PairedTaps's two-tap table at precomputed offsets:
//
//   gathers     a 4-byte gather per lane holding both samples (C <= 3; one per sample
//               for C = 4), the bytes shifted out: any target (hardware gathers on
//               x86's AVX2 and AVX-512, lane by lane elsewhere)
//   windows     AVX3_DL: a 16-lane group whose samples lie within 128 bytes of the row is
//               two loads and one byte permute (vpermt2b) that also widens the pairs;
//               within 256 bytes (reductions up to ~18x for RGB), four loads and two
//               permutes, each over its half of the window, merged. AVX3 (no byte
//               permute): the same windows through the 16-bit permute (vpermt2w) of the
//               words holding the samples, then a shift by 0 or 8 bits per lane
//   chunks      AVX2, SSE4, SSSE3: each 4 lanes (a 128-bit half) whose samples lie in at
//               most two 8-byte chunks of the row (RGB: the two pixels they read, at any
//               scale) are two 8-byte loads and one byte shuffle (pshufb)
//   words       AVX3_DL, a group past its window whose samples lie in at most eight 8-byte
//               words: one 8-lane gather of the words (vpgatherdq) and the same byte
//               permute (vpermb) over them. Half the loads of the 4-byte gather, whose
//               cost goes by the lane; still slow on AMD's Zen 5, where direct224 from
//               L3 ran 1.9x faster once the wide windows took the groups from it
//
// then one 16-bit multiply-add per lane (two for split weights) and the convention's
// rounding into the ring (narrow-inl.h). The ring rows are flattened the same way.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_TWO_TAP_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_TWO_TAP_INL_H_
#undef PIXFUSE_CPU_FUSED_TWO_TAP_INL_H_
#else
#define PIXFUSE_CPU_FUSED_TWO_TAP_INL_H_
#endif

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/madd-inl.h"
#include "pixfuse/cpu/fused/narrow-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Per call: where each lane reads and its weights, for lanes [0, lanes) padded to whole
// vectors (padding lanes repeat the last).
struct TwoTapLanes {
  std::size_t lanes = 0, padded = 0;
  bool one_word = true;    // both samples in one gathered 4-byte word (C <= 3)
  std::int32_t* read[2];   // gather byte offsets from the row's start: the word of sample k
  std::int32_t* shift[2];  // bit position of sample k in its word
  std::uint32_t* hi;       // packed weights per lane
  std::uint32_t* lo;       // (split weights)
  // The bytes of a row the lanes read: 64-byte lines from span_begin.
  std::size_t span_begin = 0, span_lines = 0;
#if HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX3
  // Per group of 16 lanes: how it reads, the window's byte offset, the permutation that
  // widens its lanes' sample pairs (64 bytes: byte indices over the window or the words on
  // AVX3_DL; 16-bit word indices over the window on AVX3, with each sample's shift in its
  // word, 0 or 8), and the words' byte offsets (8; AVX3_DL).
  enum class Group : std::uint8_t { window, wide_window, words, gather };
  Group* group;
  std::int32_t* window;
  std::uint8_t* permute;
  std::uint16_t* word_shift;
  std::int32_t* words;
#endif
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3
  // Per vector: whether it reads chunks (else the gather); per 4 lanes: the two chunks'
  // byte offsets and the byte shuffle (16 bytes) that widens the lanes' sample pairs.
  std::uint8_t* chunked;
  std::int32_t* chunk;
  std::uint8_t* control;
#endif
};

// Bytes the tables of `padded` lanes need.
inline std::size_t two_tap_table_bytes(std::size_t padded) {
  return padded * (6 * sizeof(std::int32_t) + 3 * sizeof(std::int32_t)) +
         (padded / 16 + 1) * (1 + sizeof(std::int32_t) + 2 * 64 + 8 * sizeof(std::int32_t)) + 384;
}

// Which of the 8-byte words at words[0 .. n) holds bytes [a, b] of a row of row_bytes (>= 8)
// bytes; where none does and n < max, a new one from a (or ending at the row's end) if it
// reaches b. -1 when none can.
inline int word_holding(std::int32_t* words, int& n, int max, std::int64_t a, std::int64_t b,
                        std::int64_t row_bytes) {
  for (int w = 0; w < n; ++w)
    if (words[w] <= a && b < words[w] + 8) return w;
  const std::int64_t from = std::min(a, row_bytes - 8);
  if (n == max || b - from >= 8) return -1;
  words[n] = static_cast<std::int32_t>(from);
  return n++;
}

// Lanes of output columns [x0, x1), C channels each, over rows of row_length pixels.
template <class D32>
TwoTapLanes two_tap_lanes(D32 d32, const AxisTaps& X, int x0, int x1, int C, int row_length,
                          unsigned char* memory) {
  const std::size_t N = hn::Lanes(d32);
  TwoTapLanes t;
  t.lanes = static_cast<std::size_t>(x1 - x0) * static_cast<std::size_t>(C);
  t.padded = (t.lanes + N - 1) / N * N;
  auto take = [&](std::size_t bytes) {
    unsigned char* p = memory;
    memory += (bytes + 63) / 64 * 64;
    return p;
  };
  for (int k = 0; k < 2; ++k) {
    t.read[k] = reinterpret_cast<std::int32_t*>(take(t.padded * 4));
    t.shift[k] = reinterpret_cast<std::int32_t*>(take(t.padded * 4));
  }
  t.hi = reinterpret_cast<std::uint32_t*>(take(t.padded * 4));
  t.lo = reinterpret_cast<std::uint32_t*>(take(t.padded * 4));
  const PairedTaps& P = X.paired;
  const std::int64_t row_bytes = static_cast<std::int64_t>(row_length) * C;
  t.one_word = C <= 3;
  const bool split = !P.two_lo.empty();
  std::size_t i = 0;
  for (int x = x0; x < x1; ++x) {
    const auto o = static_cast<std::size_t>(x);
    const std::int64_t first = static_cast<std::int64_t>(P.base[o]) * C;
    for (int c = 0; c < C; ++c, ++i) {
      // The samples' bytes; a word starts at the first one, or ends at the row's end (rows
      // hold at least 4 bytes: run_u8 checks), and then still holds the second for C <= 3
      // because that one lies inside the row.
      const std::int64_t at[2] = {first + c, first + C + c};
      for (int k = 0; k < 2; ++k) {
        const std::int64_t word =
            std::max<std::int64_t>(0, std::min(t.one_word ? at[0] : at[k], row_bytes - 4));
        t.read[k][i] = static_cast<std::int32_t>(word);
        // A sample outside the row (a rebased region's edge outputs) has weight 0: read a
        // byte of the word instead, since a shift by 32 or more is undefined (hwy_scalar
        // shifts in C++; UBSan caught it).
        t.shift[k][i] = static_cast<std::int32_t>(8 * std::clamp<std::int64_t>(at[k] - word, 0, 3));
      }
      t.hi[i] = P.two_hi[o];
      t.lo[i] = split ? P.two_lo[o] : 0u;
    }
  }
  std::int64_t span_lo = INT64_MAX, span_hi = 0;
  for (std::size_t l = 0; l < t.lanes; ++l)
    for (int k = 0; k < 2; ++k) {
      span_lo = std::min<std::int64_t>(span_lo, t.read[k][l]);
      span_hi = std::max<std::int64_t>(span_hi, t.read[k][l] + 4);
    }
  if (t.lanes > 0) {
    t.span_begin = static_cast<std::size_t>(span_lo);
    t.span_lines = static_cast<std::size_t>((span_hi - span_lo + 63) / 64);
  }
  // The padding lanes repeat the last one.
  for (; i < t.padded; ++i) {
    for (int k = 0; k < 2; ++k) {
      t.read[k][i] = t.read[k][t.lanes - 1];
      t.shift[k][i] = t.shift[k][t.lanes - 1];
    }
    t.hi[i] = t.hi[t.lanes - 1];
    t.lo[i] = t.lo[t.lanes - 1];
  }
  // The byte of sample k of lane i.
  auto sample_byte = [&](std::size_t i, int k) -> std::int64_t {
    return t.read[t.one_word ? 0 : k][i] + t.shift[k][i] / 8;
  };
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3
  const std::size_t vectors = t.padded / N;
  t.chunked = take(vectors);
  t.chunk = reinterpret_cast<std::int32_t*>(take(t.padded / 2 * 4));
  t.control = take(t.padded * 4);
  for (std::size_t v = 0; v < vectors; ++v) {
    bool fits = row_bytes >= 8;
    for (std::size_t first = v * N; first < (v + 1) * N && fits; first += 4) {
      std::int32_t* chunk = t.chunk + first / 2;
      std::uint8_t* control = t.control + 4 * first;
      std::memset(control, 0x80, 16);  // 0x80: a zero byte (the pairs' high bytes)
      int nchunks = 0;
      for (std::size_t l = 0; l < 4 && fits; ++l)
        for (int k = 0; k < 2 && fits; ++k) {
          const std::int64_t b = sample_byte(first + l, k);
          const int c = word_holding(chunk, nchunks, 2, b, b, row_bytes);
          fits = c >= 0;
          if (fits)
            control[4 * l + 2 * static_cast<std::size_t>(k)] =
                static_cast<std::uint8_t>(8 * c + (b - chunk[c]));
        }
      if (nchunks == 1) chunk[1] = chunk[0];
    }
    t.chunked[v] = fits ? 1 : 0;
  }
#endif
#if HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX3
  const std::size_t groups = t.padded / 16;
  t.group = reinterpret_cast<TwoTapLanes::Group*>(take(groups));
  t.window = reinterpret_cast<std::int32_t*>(take(groups * 4));
  t.permute = take(groups * 64);
  t.word_shift = reinterpret_cast<std::uint16_t*>(take(groups * 64));
  t.words = reinterpret_cast<std::int32_t*>(take(groups * 32));
  for (std::size_t g = 0; g < groups; ++g) {
    auto at = [&](std::size_t i, int k) { return sample_byte(16 * g + i, k); };
    std::int64_t lo = INT64_MAX, hi = -1;
    for (std::size_t i = 0; i < 16; ++i)
      for (int k = 0; k < 2; ++k) {
        lo = std::min(lo, at(i, k));
        hi = std::max(hi, at(i, k));
      }
    std::uint8_t* perm = t.permute + 64 * g;
    std::int32_t* words = t.words + 8 * g;
    std::memset(perm, 0, 64);  // odd bytes stay 0: zeroed by the mask
    // A window's whole 64-byte loads from its start must stay inside the row. A byte's
    // index within a wide window: bit 7 picks the half, bits 0-6 the byte within it (on
    // AVX3 a word's index: bit 6 picks the half).
    bool windowed = false;
    for (const std::int64_t length : {128, 256}) {
      const std::int64_t start = std::min(lo, row_bytes - length);
      if (row_bytes < length || start < 0 || hi - start >= length) continue;
      t.group[g] = length == 128 ? TwoTapLanes::Group::window : TwoTapLanes::Group::wide_window;
      t.window[g] = static_cast<std::int32_t>(start);
      for (std::size_t i = 0; i < 16; ++i)
        for (int k = 0; k < 2; ++k) {
          const std::size_t slot = 2 * i + static_cast<std::size_t>(k);  // 16-bit slot
          const auto byte = static_cast<std::uint16_t>(at(i, k) - start);
#if HWY_TARGET == HWY_AVX3_DL
          perm[2 * slot] = static_cast<std::uint8_t>(byte);
#else
          const auto word = static_cast<std::uint16_t>(byte / 2);
          std::memcpy(perm + 2 * slot, &word, 2);
          t.word_shift[32 * g + slot] = static_cast<std::uint16_t>(8 * (byte % 2));
#endif
        }
      windowed = true;
      break;
    }
    if (windowed) continue;
#if HWY_TARGET == HWY_AVX3
    t.group[g] = TwoTapLanes::Group::gather;  // the words need the byte permute
    t.window[g] = 0;
    continue;
#endif
    // Else words: each lane's two bytes within one of at most 8 words inside the row,
    // taken in lane order (a lane's bytes are 0 to C bytes apart, and lanes go up the row).
    int nwords = 0;
    bool fits = row_bytes >= 8;
    for (std::size_t i = 0; i < 16 && fits; ++i) {
      const std::int64_t a = std::min(at(i, 0), at(i, 1)), b = std::max(at(i, 0), at(i, 1));
      const int w = word_holding(words, nwords, 8, a, b, row_bytes);
      fits = w >= 0;
      if (!fits) break;
      for (int k = 0; k < 2; ++k)
        perm[4 * i + 2 * static_cast<std::size_t>(k)] =
            static_cast<std::uint8_t>(8 * w + (at(i, k) - words[w]));
    }
    t.group[g] = fits ? TwoTapLanes::Group::words : TwoTapLanes::Group::gather;
    t.window[g] = 0;
    for (int w = fits ? nwords : 0; w < 8; ++w) words[w] = fits ? words[0] : 0;  // any word
  }
#endif
  (void)take;
  (void)sample_byte;
  return t;
}

// The sample pairs of lanes [i, i + N) of one row.
template <class D32>
HWY_INLINE hn::Vec<D32> gather_pairs(D32 d32, const TwoTapLanes& t, const std::uint8_t* row,
                                     std::size_t i) {
  const auto* base = reinterpret_cast<const std::int32_t*>(row);
  const auto byte = hn::Set(d32, 0xFF);
  const auto w0 = hn::GatherOffset(d32, base, hn::LoadU(d32, t.read[0] + i));
  const auto w1 = t.one_word ? w0 : hn::GatherOffset(d32, base, hn::LoadU(d32, t.read[1] + i));
  const auto p0 = hn::And(hn::Shr(w0, hn::LoadU(d32, t.shift[0] + i)), byte);
  const auto p1 = hn::And(hn::Shr(w1, hn::LoadU(d32, t.shift[1] + i)), byte);
  return hn::Or(p0, hn::ShiftLeft<16>(p1));
}

#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3
// The sample pairs of lanes [i, i + N) of one row from their chunks (t.chunked).
template <class D32>
HWY_INLINE hn::Vec<D32> chunk_pairs(D32, const TwoTapLanes& t, const std::uint8_t* row,
                                    std::size_t i) {
  const std::int32_t* at = t.chunk + i / 2;
  auto two_chunks = [&](std::size_t h) {  // the chunks of lanes [i + 4h, i + 4h + 4)
    const __m128i first = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + at[2 * h]));
    return _mm_castpd_si128(_mm_loadh_pd(_mm_castsi128_pd(first),
                                         reinterpret_cast<const double*>(row + at[2 * h + 1])));
  };
#if HWY_TARGET == HWY_AVX2
  const __m256i bytes =
      _mm256_inserti128_si256(_mm256_castsi128_si256(two_chunks(0)), two_chunks(1), 1);
  return hn::Vec<D32>{
      _mm256_shuffle_epi8(bytes,
                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.control + 4 * i)))};
#else
  return hn::Vec<D32>{
      _mm_shuffle_epi8(two_chunks(0),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.control + 4 * i)))};
#endif
}
#endif

// Stores ring values (int32 lanes) as the ring's type.
template <class Ring, class D32>
HWY_INLINE void store_ring(D32 d32, hn::Vec<D32> v, Ring* p) {
  if constexpr (std::is_same_v<Ring, std::int32_t>) {
    hn::StoreU(v, d32, p);
  } else {
    const hn::Rebind<Ring, D32> dr;
    hn::StoreU(hn::DemoteTo(dr, v), dr, p);
  }
}

// The horizontal pass of lanes [begin, end) of one source row (pixels at `row`) into a
// ring row.
template <Arithmetic A, bool Split, class D32>
void two_tap_lanes_of_row(D32 d32, const TwoTapLanes& t, const std::uint8_t* row, int shift,
                          int precision, typename Narrow<A>::Ring* out, std::size_t begin,
                          std::size_t end) {
  const std::size_t N = hn::Lanes(d32);
  for (std::size_t i = begin; i < end; i += N) {
    hn::Vec<D32> pairs;
#if HWY_TARGET == HWY_AVX3
    const TwoTapLanes::Group form = t.group[i / 16];
    const std::uint8_t* const window = row + t.window[i / 16];
    if (form == TwoTapLanes::Group::gather) {
      pairs = gather_pairs(d32, t, row, i);
    } else {
      const __m512i idx = _mm512_loadu_si512(t.permute + 4 * i);
      __m512i words;
      if (form == TwoTapLanes::Group::window) {
        words = _mm512_permutex2var_epi16(_mm512_loadu_si512(window), idx,
                                          _mm512_loadu_si512(window + 64));
      } else {
        const __mmask32 upper = _mm512_test_epi16_mask(idx, _mm512_set1_epi16(64));
        words =
            _mm512_or_si512(_mm512_maskz_permutex2var_epi16(~upper, _mm512_loadu_si512(window), idx,
                                                            _mm512_loadu_si512(window + 64)),
                            _mm512_maskz_permutex2var_epi16(upper, _mm512_loadu_si512(window + 128),
                                                            idx, _mm512_loadu_si512(window + 192)));
      }
      const __m512i shifted = _mm512_srlv_epi16(words, _mm512_loadu_si512(t.word_shift + 2 * i));
      pairs = hn::Vec<D32>{_mm512_and_si512(shifted, _mm512_set1_epi16(0xFF))};
    }
#elif HWY_TARGET == HWY_AVX3_DL
    constexpr __mmask64 kLowBytes = 0x5555555555555555ull;  // high bytes of the pairs: 0
    const TwoTapLanes::Group form = t.group[i / 16];
    const std::uint8_t* const window = row + t.window[i / 16];
    if (form == TwoTapLanes::Group::window) {
      const __m512i idx = _mm512_loadu_si512(t.permute + 4 * i);
      pairs = hn::Vec<D32>{_mm512_maskz_permutex2var_epi8(kLowBytes, _mm512_loadu_si512(window),
                                                          idx, _mm512_loadu_si512(window + 64))};
    } else if (form == TwoTapLanes::Group::wide_window) {
      const __m512i idx = _mm512_loadu_si512(t.permute + 4 * i);
      const __mmask64 upper = _mm512_movepi8_mask(idx);  // bit 7: the window's upper half
      const __m512i lower_half =
          _mm512_maskz_permutex2var_epi8(kLowBytes & ~upper, _mm512_loadu_si512(window), idx,
                                         _mm512_loadu_si512(window + 64));
      const __m512i upper_half =
          _mm512_maskz_permutex2var_epi8(kLowBytes & upper, _mm512_loadu_si512(window + 128), idx,
                                         _mm512_loadu_si512(window + 192));
      pairs = hn::Vec<D32>{_mm512_or_si512(lower_half, upper_half)};
    } else if (form == TwoTapLanes::Group::words) {
      const __m256i at = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.words + i / 2));
      const __m512i words = _mm512_i32gather_epi64(at, row, 1);
      const __m512i idx = _mm512_loadu_si512(t.permute + 4 * i);
      pairs = hn::Vec<D32>{_mm512_maskz_permutexvar_epi8(kLowBytes, idx, words)};
    } else {
      pairs = gather_pairs(d32, t, row, i);
    }
#elif HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3
    pairs = t.chunked[i / N] ? chunk_pairs(d32, t, row, i) : gather_pairs(d32, t, row, i);
#else
    pairs = gather_pairs(d32, t, row, i);
#endif
    auto sh_even = hn::Zero(d32), sh_odd = sh_even, sl_even = sh_even, sl_odd = sh_even;
    madd(d32, sh_even, sh_odd, pairs,
         hn::LoadU(d32, reinterpret_cast<const std::int32_t*>(t.hi + i)));
    hn::Vec<D32> sum;
    if constexpr (Split) {
      madd(d32, sl_even, sl_odd, pairs,
           hn::LoadU(d32, reinterpret_cast<const std::int32_t*>(t.lo + i)));
      sum = combine(d32, total(d32, sh_even, sh_odd), total(d32, sl_even, sl_odd), shift);
    } else {
      sum = total(d32, sh_even, sh_odd);
    }
    store_ring(d32, Narrow<A>::horizontal(d32, sum, precision),
               out + i);  // DemoteTo saturates: clip8
  }
}

// The horizontal pass of one source row into a ring row (t.padded elements). The same bytes
// of row `ahead` (unless null), the one needed after the next, are prefetched between
// blocks of lanes: a downscale reads each row once and two at a time, rows too short for
// the hardware prefetcher to get ahead (a 1.5 MP photo to 224x224: 448 rows of ~4.6 KB),
// so each started with misses to memory. Spread over the row, not issued at once: a burst
// of ~150 prefetches fills the miss buffers and stalls the loads of the row at hand (25%
// slower where the image sat in L3); every 32 lanes (a few lines each) rather than every 8
// vectors (direct224 from DRAM +15% on AVX-512, 3% slower from L3). Into the level
// cpu/prefetch_level.hpp picks: L1 on AMD's Zen 5 (direct224 from DRAM +5-11% over L2), L2
// on Intel.
template <Arithmetic A, bool Split, bool IntoL2, class D32>
void two_tap_row_prefetching(D32 d32, const TwoTapLanes& t, const std::uint8_t* row, int shift,
                             int precision, typename Narrow<A>::Ring* out,
                             const std::uint8_t* ahead) {
  // Lanes between prefetches: 2 AVX-512 vectors, whole vectors on any target (powers of 2).
  const std::size_t block = std::max<std::size_t>(32, hn::Lanes(d32));
  // Lines due after `end` lanes: ceil(end * span_lines / padded), kept without a division
  // as owed = end * span_lines + padded - 1 - line * padded.
  const std::uint8_t* next = ahead + t.span_begin;
  std::size_t owed = t.padded - 1;
  for (std::size_t i = 0; i < t.padded; i += block) {
    const std::size_t end = std::min(t.padded, i + block);
    for (owed += (end - i) * t.span_lines; owed >= t.padded; owed -= t.padded, next += 64)
      prefetch_stream<IntoL2>(next);
    two_tap_lanes_of_row<A, Split>(d32, t, row, shift, precision, out, i, end);
  }
}

template <Arithmetic A, bool Split, class D32>
void two_tap_row(D32 d32, const TwoTapLanes& t, const std::uint8_t* row, int shift, int precision,
                 typename Narrow<A>::Ring* out, const std::uint8_t* ahead = nullptr) {
  if (!ahead)
    return two_tap_lanes_of_row<A, Split>(d32, t, row, shift, precision, out, 0, t.padded);
  if (::pixfuse::detail::stream_prefetch_into_l2())
    return two_tap_row_prefetching<A, Split, true>(d32, t, row, shift, precision, out, ahead);
  two_tap_row_prefetching<A, Split, false>(d32, t, row, shift, precision, out, ahead);
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_TWO_TAP_INL_H_ toggle
