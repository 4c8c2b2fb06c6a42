// Pillow's horizontal pass with lanes = output columns, on AVX3_DL: no transposes.
//
// The transposing path (pairs-inl.h, madd_horizontal-inl.h) turns every block of source
// rows into sample pairs with lanes = rows, which costs as much as the multiply-adds. Here
// 16 output values go in one vector: their windows of samples lie within 128 bytes of a
// row (downscales up to about 7x; two windows of 8 lanes each reach about 14x), so VBMI's
// two-table byte permute (vpermt2b) fetches, for quad step j, samples 4j .. 4j + 3 of
// every lane's column as the four bytes of its int32 lane (windows within 64 bytes take
// the one-table vpermb instead, which costs half: two of them, one per 8 lanes, still
// cost less than one vpermt2b), and VNNI's vpdpbusd multiplies
// them by the weights' signed base-256 digits (a 22-bit Pillow weight is three:
// q = d0 + 256 d1 + 65536 d2), one sum per digit, recombined as S0 + 256 S1 + 65536 S2:
// the same integer sums as the transposing path (so the same bits). Four samples per
// permute instead of two halves the permutes, which cost two cycles each on the port that
// also multiplies (docs/PERFORMANCE_LOG.md). The results are already rows, packed into the
// paired ring. RGB rows whose channels are all used are read as they are, lanes =
// (column, channel) in the row's order, and two permutes per channel sort 16 columns into
// the channel's ring rows; other rows are split into the used channels' planes first,
// lanes = columns of one channel.
//
// The tables (per group of 16 lanes and step: byte indices, weight digits) are made for
// each run from the plan's PairedTaps; a plan whose windows do not fit, whose filter has
// negative weights, or that reads transposed, premultiplied or scattered columns, takes
// the transposing path.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "pixfuse/cpu/workspace.hpp"
#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_PERMUTE_HORIZONTAL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_PERMUTE_HORIZONTAL_INL_H_
#undef PIXFUSE_CPU_FUSED_PERMUTE_HORIZONTAL_INL_H_
#else
#define PIXFUSE_CPU_FUSED_PERMUTE_HORIZONTAL_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/madd-inl.h"
#include "pixfuse/cpu/fused/source-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

#undef PIXFUSE_HAVE_PERMUTE_HORIZONTAL
#if HWY_TARGET == HWY_AVX3_DL && PIXFUSE_HAVE_VNNI
#define PIXFUSE_HAVE_PERMUTE_HORIZONTAL 1

// The run's tables: per group g of 16 lanes (from x0) and quad step j < steps[g], at entry
// (g * max_steps + j): 64 byte indices into the group's window of `width` bytes (from byte
// window[g] of a row; lane i = bytes 4i .. 4i + 3, samples 4j .. 4j + 3 of its column) and,
// in the same layout, each sample's weight as `digits` signed bytes (digit[k]: the k-th
// base-256 digit). Lane i of group g is output value 16 g + i of the row, column
// (16 g + i) / C and channel (16 g + i) % C: C = 1 for channel planes, C = 3 for
// interleaved RGB rows read as they are.
//
// Downscales past one window per group split each group in two: lanes 0 .. 7 read
// window[2 g] and lanes 8 .. 15 window[2 g + 1] (each index byte counts from its half's
// window), two permutes per step instead of one: up to about 8x for RGB rows in place,
// 14x for planes (128-byte windows); about 4.2x and 7x with 64-byte ones, whose two one-table
// permutes cost less than one two-table permute (docs/PERFORMANCE_LOG.md, 2026-12-07).
struct PermuteTable {
  int groups = 0, max_steps = 0;
  int digits = 0;       // per weight: 2 (torchvision's int16 weights) or 3 (Pillow's 22-bit)
  int windows = 1;      // per group: 1, or 2 (a window per half of the lanes)
  int width = 128;      // bytes per window: 128 (two-table permutes) or 64 (one-table)
  int masked_from = 0;  // groups from here load their windows under load_mask (row's end)
  const std::int32_t* window = nullptr;  // `windows` per group
  const std::int32_t* steps = nullptr;
  const std::uint8_t* index = nullptr;       // 64 bytes per entry
  const std::int8_t* digit[3] = {};          // 64 bytes per entry each (digits of them used)
  const std::uint64_t* load_mask = nullptr;  // 2 per window: its bytes inside the row
  std::size_t plane = 0;  // bytes per channel plane: the row's slots and a window of slack

  std::size_t entry(int g, int j) const {
    return static_cast<std::size_t>(g) * static_cast<std::size_t>(max_steps) +
           static_cast<std::size_t>(j);
  }
};

// Builds the tables for output columns [x0, x1), C values per column (lanes as above), in
// `memory`; a row holds row_bytes readable bytes (windows reaching past them load under a
// mask), each group reads `windows` (1 or 2) of them, `width` (64 or 128) bytes each.
// Groups come in threes for C = 3 (16 columns). False if some window exceeds `width`
// bytes, or a weight needs more than three digits (the caller tries another form then, or
// the transposing path).
inline bool permute_table(const AxisTaps& X, int x0, int x1, int C, std::size_t row_bytes,
                          int windows, int width, detail::ScratchBuffer& memory, PermuteTable& t) {
  const PairedTaps& P = X.paired;
  if (x1 <= x0 || P.max_digit_count <= 0) return false;
  // Filters with negative lobes (bicubic, lanczos) measured 7-25% slower here than on
  // the transposing path (docs/PERFORMANCE_LOG.md, 2026-12-05), bilinear ones as fast
  // or faster: only those take this path.
  if (P.negative) return false;
  const int ncols = x1 - x0;
  const int groups = C == 1 ? (ncols + 15) / 16 : C * ((ncols + 15) / 16);
  // Lane i of group g: column[i] (lanes past the last column repeat it), channel[i].
  auto lanes_of = [&](int g, int* column, int* channel) {
    int x = x0 + 16 * g / C, u = 16 * g % C;
    for (int i = 0; i < 16; ++i) {
      column[i] = std::min(x, x1 - 1);
      channel[i] = u;
      if (++u == C) {
        u = 0;
        ++x;
      }
    }
  };
  // A window: from the least first weight's slot of its lanes (mirrored plans run
  // backwards) to their greatest last one, at most `width` bytes.
  auto first_slot = [&](const int* column, int n) {
    std::int32_t f = P.digit_first[static_cast<std::size_t>(column[0])];
    for (int i = 1; i < n; ++i) f = std::min(f, P.digit_first[static_cast<std::size_t>(column[i])]);
    return f;
  };
  const int lanes = 16 / windows;  // per window
  for (int g = 0; g < groups; ++g) {
    int column[16], channel[16];
    lanes_of(g, column, channel);
    for (int w = 0; w < windows; ++w) {
      const std::int32_t f = first_slot(column + lanes * w, lanes);
      for (int i = lanes * w; i < lanes * (w + 1); ++i) {
        const auto o = static_cast<std::size_t>(column[i]);
        if (C * (P.digit_first[o] - f + P.digit_count[o] - 1) + channel[i] >= width) return false;
      }
    }
  }
  const int digits = P.byte_digits;
  if (digits == 0) return false;
  t.digits = digits;
  t.groups = groups;
  t.windows = windows;
  t.width = width;
  t.max_steps = (P.max_digit_count + 3) / 4;
  const auto G = static_cast<std::size_t>(t.groups);
  const auto W = G * static_cast<std::size_t>(windows);
  const std::size_t E = G * static_cast<std::size_t>(t.max_steps);
  const auto D = static_cast<std::size_t>(digits);
  // One allocation, 64-byte aligned parts: index, digits, masks, windows, steps.
  const std::size_t bytes =
      E * 64 * (1 + D) + W * 16 + (((W + G) * sizeof(std::int32_t) + 63) / 64) * 64;
  auto* base = memory.get<std::uint8_t>(bytes);  // every part read is written below
  auto* index = base;
  std::int8_t* digit[3] = {};
  for (std::size_t k = 0; k < D; ++k)
    digit[k] = reinterpret_cast<std::int8_t*>(base + E * 64 * (1 + k));
  auto* masks = reinterpret_cast<std::uint64_t*>(base + E * 64 * (1 + D));
  auto* window = reinterpret_cast<std::int32_t*>(base + E * 64 * (1 + D) + W * 16);
  std::int32_t* steps = window + W;
  t.masked_from = t.groups;
  for (int g = 0; g < t.groups; ++g) {
    int column[16], channel[16];
    lanes_of(g, column, channel);
    std::int32_t first[2] = {};
    for (int w = 0; w < windows; ++w) {
      first[w] = first_slot(column + lanes * w, lanes);
      window[g * windows + w] = C * first[w];
    }
    int quads = 0;
    for (int i = 0; i < 16; ++i)
      quads = std::max(quads, (P.digit_count[static_cast<std::size_t>(column[i])] + 3) / 4);
    steps[g] = quads;
    for (int i = 0; i < 16; ++i) {
      const int x = column[i];
      const auto o = static_cast<std::size_t>(x);
      // Lane i's four bytes of step j: samples 4j .. 4j + 3 of the column. Samples past
      // its count (and whole steps past its last) have weight 0 in the digit rows: their
      // index bytes pick some byte of the window. Locals, not P's members: the byte
      // stores below could alias those, and the loop would reload them per step.
      const int rel = C * (P.digit_first[o] - first[i / lanes]) + channel[i];
      const std::int8_t* rows[3] = {};
      for (std::size_t k = 0; k < D; ++k) rows[k] = P.digit_row(x, static_cast<int>(k));
      std::size_t at = t.entry(g, 0) * 64 + 4 * static_cast<std::size_t>(i);
      for (int j = 0; j < quads; ++j, at += 64) {
        const int s = rel + 4 * C * j;
        const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(s),
                                       static_cast<std::uint8_t>(s + C),
                                       static_cast<std::uint8_t>(s + 2 * C),
                                       static_cast<std::uint8_t>(s + 3 * C)};
        std::memcpy(index + at, bytes, 4);
        for (std::size_t k = 0; k < D; ++k) std::memcpy(digit[k] + at, rows[k] + 4 * j, 4);
      }
    }
    // Bytes of a window past the row's readable ones load as 0 (a weight-0 sample or
    // none): the last row of an image may end there.
    for (int v = g * windows; v < (g + 1) * windows; ++v) {
      const auto w = static_cast<std::size_t>(window[v]);
      const auto wide = static_cast<std::size_t>(width);
      const std::size_t inside = row_bytes > w ? std::min(row_bytes - w, wide) : 0;
      auto first_bits = [](std::size_t n) {
        return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1;
      };
      masks[2 * static_cast<std::size_t>(v)] = first_bits(inside);
      masks[2 * static_cast<std::size_t>(v) + 1] = first_bits(inside > 64 ? inside - 64 : 0);
      if (inside < wide) t.masked_from = std::min(t.masked_from, g);
    }
  }
  t.window = window;
  t.steps = steps;
  t.index = index;
  for (std::size_t k = 0; k < 3; ++k) t.digit[k] = digit[k];
  t.load_mask = masks;
  t.plane = (X.sources.size() + 128 + 63) / 64 * 64;
  return true;
}

// Three byte gathers (u = 0, 1, 2) from 192 bytes held in three vectors a, b, c: byte q of
// gather u is byte source_byte(u, q) of a:b:c, taken from a or b through `first_two` (a
// two-table permute), from c through `third` where `from_third` has the bit (a masked
// permute): two permutes per 64 bytes. RGB channels to planes and RGB sums to pair rows
// are two such gathers.
struct ByteGather3 {
  alignas(64) std::uint8_t first_two[3][64];
  alignas(64) std::uint8_t third[3][64];
  std::uint64_t from_third[3];

  template <class SourceByte>
  explicit ByteGather3(const SourceByte& source_byte) : first_two{}, third{}, from_third{} {
    for (int u = 0; u < 3; ++u)
      for (int q = 0; q < 64; ++q) {
        const int byte = source_byte(u, q);
        if (byte >= 128) {
          third[u][q] = static_cast<std::uint8_t>(byte - 128);
          from_third[u] |= std::uint64_t{1} << q;
        } else {
          first_two[u][q] = static_cast<std::uint8_t>(byte);
        }
      }
  }
};

// Gather u of a:b:c, its tables loaded (ByteGather3's first_two[u], from_third[u], third[u]).
HWY_INLINE __m512i gather3(__m512i a, __m512i b, __m512i c, __m512i first_two, __mmask64 from_third,
                           __m512i third) {
  return _mm512_mask_permutexvar_epi8(_mm512_permutex2var_epi8(a, first_two, b), from_third, third,
                                      c);
}

// Channel u's plane from 64 pixels of interleaved RGB: slot i is byte 3 i + u. Two
// permutes per plane instead of LoadInterleaved3's block shuffles, byte shuffles and
// blends (about half the instructions; the split is a third of a big downscale's pass).
inline const ByteGather3& rgb_planes() {
  static const ByteGather3 gather([](int u, int i) { return 3 * i + u; });
  return gather;
}

// Four source rows' used channels as planes (channel u of row r at
// planes + (r * nused + u) * plane), slots [0, S) from the rows' starts, chunk by chunk
// across the rows so that their four streams are read together; the slack past S stays
// as it is (read with weight 0).
template <int C>
HWY_INLINE void split_planes(const std::uint8_t* const* rows, std::size_t S, const int* used,
                             int nused, std::uint8_t* planes, std::size_t plane) {
  const hn::Full512<std::uint8_t> d8;
  bool all = nused == C;  // every channel, in order
  for (int u = 0; u < nused; ++u) all = all && used[u] == u;
  const std::size_t set = static_cast<std::size_t>(nused) * plane;
  __m512i first_two[3] = {}, third[3] = {};
  __mmask64 from_third[3] = {};
  if constexpr (C == 3) {
    const ByteGather3& rgb = rgb_planes();
    for (int u = 0; u < nused; ++u) {
      first_two[u] = _mm512_load_si512(rgb.first_two[used[u]]);
      third[u] = _mm512_load_si512(rgb.third[used[u]]);
      from_third[u] = rgb.from_third[used[u]];
    }
  }
  auto chunk = [&](std::size_t k) HWY_ATTR {  // slots [k, k + 64) of every row
    PIXFUSE_UNROLL
    for (int r = 0; r < 4; ++r) {
      const std::uint8_t* p = rows[r] + k * C;
      std::uint8_t* out = planes + static_cast<std::size_t>(r) * set + k;
      if constexpr (C == 3) {
        const __m512i v0 = _mm512_loadu_si512(p), v1 = _mm512_loadu_si512(p + 64),
                      v2 = _mm512_loadu_si512(p + 128);
        // Constant u keeps the tables in registers.
        PIXFUSE_UNROLL
        for (int u = 0; u < 3; ++u) {
          if (u < nused)
            _mm512_storeu_si512(out + static_cast<std::size_t>(u) * plane,
                                gather3(v0, v1, v2, first_two[u], from_third[u], third[u]));
        }
      } else if constexpr (C == 1) {
        hn::StoreU(hn::LoadU(d8, p), d8, out);
      } else {
        hn::Vec<decltype(d8)> v[4];
        hn::LoadInterleaved4(d8, p, v[0], v[1], v[2], v[3]);
        if (all) {  // constant indices keep v in registers
          PIXFUSE_UNROLL
          for (int u = 0; u < C; ++u)
            hn::StoreU(v[u], d8, out + static_cast<std::size_t>(u) * plane);
        } else {
          for (int u = 0; u < nused; ++u)
            hn::StoreU(v[used[u]], d8, out + static_cast<std::size_t>(u) * plane);
        }
      }
    }
  };
  if (S < 64) {
    for (int r = 0; r < 4; ++r)
      for (std::size_t k = 0; k < S; ++k)
        for (int u = 0; u < nused; ++u)
          planes[static_cast<std::size_t>(r) * set + static_cast<std::size_t>(u) * plane + k] =
              rows[r][k * C + static_cast<std::size_t>(used[u])];
    return;
  }
  std::size_t k = 0;
  for (; k + 64 <= S; k += 64) chunk(k);
  if (k < S) chunk(S - 64);  // the rest, overlapping the last whole chunk
}

// Four rows' rounded sums as bytes clamped to [0, 255] (Pillow's clip8: signed then
// unsigned saturation): byte 16 k + 4 r + i holds row r, lane 4 k + i.
HWY_INLINE __m512i pack_four_rows(const __m512i* rounded) {
  return _mm512_packus_epi16(_mm512_packs_epi32(rounded[0], rounded[1]),
                             _mm512_packs_epi32(rounded[2], rounded[3]));
}

// Four rows' rounded sums of one group (nx <= 16 columns) as bytes clamped to [0, 255]
// (Pillow's clip8: signed then unsigned saturation), rows 0, 1 interleaved into out0 and
// rows 2, 3 into out1 (row 2m's byte first). The packs leave, in each 128-bit block k,
// columns 4k .. 4k + 3 of rows 0, 1, 2, 3; a byte shuffle interleaves the rows two by two
// and a qword permute gathers each pair row's halves.
HWY_INLINE void store_four_rows(const __m512i* rounded, int nx, std::uint8_t* out0,
                                std::uint8_t* out1) {
  const __m512i packed = pack_four_rows(rounded);
  const __m512i pairs =
      _mm512_shuffle_epi8(packed, _mm512_broadcast_i32x4(_mm_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8,
                                                                       12, 9, 13, 10, 14, 11, 15)));
  const __m512i rows = _mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), pairs);
  const __m256i first = _mm512_castsi512_si256(rows), second = _mm512_extracti64x4_epi64(rows, 1);
  if (nx == 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out0), first);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out1), second);
  } else {
    const __mmask32 bytes = (__mmask32{1} << (2 * nx)) - 1;
    _mm256_mask_storeu_epi8(out0, bytes, first);
    _mm256_mask_storeu_epi8(out1, bytes, second);
  }
}

// The rounded sums of group g for four rows (p[0 .. 3]: planes of one channel, or
// interleaved rows) into rounded[0 .. 3], arithmetic-shifted by `precision`. Four rows
// share each step's indices and weights and keep 4 * Digits multiply-add chains in flight.
// Windows = t.windows, Width = t.width.
template <int Digits, int Windows, int Width>
HWY_INLINE void group_sums(const PermuteTable& t, int g, const std::uint8_t* const* p,
                           __m128i precision_count, __m512i half, __m512i* rounded) {
  constexpr bool wide = Width == 128;  // a window in two vectors: two-table permutes
  __m512i lo_half[Windows][4], hi_half[Windows][4] = {}, sum[Digits][4];
  PIXFUSE_UNROLL
  for (int v = 0; v < Windows; ++v) {
    const std::size_t at = static_cast<std::size_t>(g * Windows + v);
    const std::size_t w = static_cast<std::size_t>(t.window[at]);
    if (g < t.masked_from) {
      PIXFUSE_UNROLL
      for (int r = 0; r < 4; ++r) {
        lo_half[v][r] = _mm512_loadu_si512(p[r] + w);
        if constexpr (wide) hi_half[v][r] = _mm512_loadu_si512(p[r] + w + 64);
      }
    } else {
      const __mmask64 m0 = t.load_mask[2 * at], m1 = t.load_mask[2 * at + 1];
      PIXFUSE_UNROLL
      for (int r = 0; r < 4; ++r) {
        lo_half[v][r] = _mm512_maskz_loadu_epi8(m0, p[r] + w);
        if constexpr (wide) hi_half[v][r] = _mm512_maskz_loadu_epi8(m1, p[r] + w + 64);
      }
    }
  }
  // The rounding term starts the lowest digit's sum: the same total modulo 2^32.
  PIXFUSE_UNROLL
  for (int r = 0; r < 4; ++r) {
    sum[0][r] = half;
    PIXFUSE_UNROLL
    for (int k = 1; k < Digits; ++k) sum[k][r] = _mm512_setzero_si512();
  }
  const int n = t.steps[g];
  const std::size_t e0 = t.entry(g, 0);
  for (int j = 0; j < n; ++j) {
    const std::size_t e = (e0 + static_cast<std::size_t>(j)) * 64;
    const __m512i idx = _mm512_load_si512(t.index + e);
    __m512i weight[Digits];  // shared by the four rows: one load each, not four
    PIXFUSE_UNROLL
    for (int k = 0; k < Digits; ++k) weight[k] = _mm512_load_si512(t.digit[k] + e);
    PIXFUSE_UNROLL
    for (int r = 0; r < 4; ++r) {
      __m512i samples;
      if constexpr (!wide && Windows == 1) {
        samples = _mm512_permutexvar_epi8(idx, lo_half[0][r]);
      } else if constexpr (!wide) {
        // Lanes 8 .. 15 from the second window, over the first's.
        samples = _mm512_mask_permutexvar_epi8(_mm512_permutexvar_epi8(idx, lo_half[0][r]),
                                               0xFFFFFFFF00000000ull, idx, lo_half[1][r]);
      } else if constexpr (Windows == 1) {
        samples = _mm512_permutex2var_epi8(lo_half[0][r], idx, hi_half[0][r]);
      } else {
        // Lanes 0 .. 7 from the first window, keeping the others' indices for the second.
        const __m512i first = _mm512_mask2_permutex2var_epi8(lo_half[0][r], idx,
                                                             0x00000000FFFFFFFFull, hi_half[0][r]);
        samples = _mm512_mask2_permutex2var_epi8(lo_half[1][r], first, 0xFFFFFFFF00000000ull,
                                                 hi_half[1][r]);
      }
      PIXFUSE_UNROLL
      for (int k = 0; k < Digits; ++k) sum[k][r] = vnni_dpbusd(sum[k][r], samples, weight[k]);
    }
  }
  // S0 + 256 S1 (+ 65536 S2): exact modulo 2^32, and the true sum lies inside int32
  // (PairedTaps::exact), so it is the true sum.
  PIXFUSE_UNROLL
  for (int r = 0; r < 4; ++r) {
    __m512i total = _mm512_add_epi32(sum[0][r], _mm512_slli_epi32(sum[1][r], 8));
    if constexpr (Digits == 3) total = _mm512_add_epi32(total, _mm512_slli_epi32(sum[2][r], 16));
    rounded[r] = _mm512_sra_epi32(total, precision_count);
  }
}

// Calls f with std::integral_constant<int, t.digits>: the loops are compiled per count.
template <class F>
HWY_INLINE void with_digits(const PermuteTable& t, const F& f) {
  if (t.digits == 3) f(std::integral_constant<int, 3>{});
  else f(std::integral_constant<int, 2>{});
}

// Calls f(digits, windows, width) with each as std::integral_constant (t.digits,
// t.windows, t.width).
template <class F>
HWY_INLINE void with_digits_and_windows(const PermuteTable& t, const F& f) {
  with_digits(t, [&](auto digits) HWY_ATTR {
    auto with_width = [&](auto windows) HWY_ATTR {
      if (t.width == 64) f(digits, windows, std::integral_constant<int, 64>{});
      else f(digits, windows, std::integral_constant<int, 128>{});
    };
    if (t.windows == 2) with_width(std::integral_constant<int, 2>{});
    else with_width(std::integral_constant<int, 1>{});
  });
}

// The next four rows into L2 while these four go through the pass, a few lines per step
// of it (`steps` in all): rows read one after another are too short for the hardware
// prefetcher, and a burst of prefetches stalls on the fill buffers while the
// multiply-adds, which need no memory, wait.
struct PacedPrefetch {
  const std::uint8_t* const* next = nullptr;  // four rows, or null: nothing to prefetch
  std::size_t lines = 0;                      // per row
  std::size_t steps = 1;

  HWY_INLINE void step(std::size_t k) const {
    if (!next) return;
    const std::size_t from = lines * k / steps, to = lines * (k + 1) / steps;
    for (std::size_t line = from; line < to; ++line) {
      PIXFUSE_UNROLL
      for (int r = 0; r < 4; ++r) prefetch_l2(next[r] + 64 * line);
    }
  }
};

// Four planes of one channel (p[0 .. 3]) through the horizontal pass, into two pair rows:
// rows 0, 1 into out0 and rows 2, 3 into out1 (column x at 2 (x - x0)); group g is
// prefetch step first_step + g.
template <int Digits, int Windows, int Width>
HWY_INLINE void permute_four_rows(const PermuteTable& t, const std::uint8_t* const* p, int ncols,
                                  int precision, std::uint8_t* out0, std::uint8_t* out1,
                                  const PacedPrefetch& ahead, std::size_t first_step) {
  const __m128i precision_count = _mm_cvtsi32_si128(precision);
  const __m512i half = _mm512_set1_epi32(1 << (precision - 1));
  for (int g = 0; g < t.groups; ++g) {
    ahead.step(first_step + static_cast<std::size_t>(g));
    __m512i h[4];
    group_sums<Digits, Windows, Width>(t, g, p, precision_count, half, h);
    store_four_rows(h, std::min(16, ncols - 16 * g), out0 + 32 * static_cast<std::size_t>(g),
                    out1 + 32 * static_cast<std::size_t>(g));
  }
}

// Channel u's two pair rows (16 columns: rows 0, 1 in bytes 0 .. 31, rows 2, 3 in
// 32 .. 63, row 2m's byte first) from the packed sums of three groups of interleaved RGB
// (pack_four_rows), group k in the k-th vector.
inline const ByteGather3& rgb_pair_rows() {
  static const ByteGather3 gather([](int u, int q) {
    const int x = (q % 32) / 2, r = 2 * (q / 32) + q % 2;
    const int lane = 3 * x + u, group = lane / 16, i = lane % 16;
    return 64 * group + 16 * (i / 4) + 4 * r + i % 4;
  });
  return gather;
}

// Four interleaved RGB rows (p[0 .. 3], from the first slot) through the horizontal pass
// of all three channels, into each channel's two pair rows (out[u][0]: rows 0, 1;
// out[u][1]: rows 2, 3). Reading the rows as they are saves splitting them into planes
// (a third of the pass): lanes are output values instead of columns, three groups make
// 16 columns, and two byte permutes per channel sort them into the channel's rows.
template <int Digits, int Windows, int Width>
HWY_INLINE void permute_four_rgb_rows(const PermuteTable& t, const std::uint8_t* const* p,
                                      int ncols, int precision, std::uint8_t* const (*out)[2],
                                      const std::uint8_t* const* next, std::size_t row_bytes) {
  const ByteGather3& sort = rgb_pair_rows();
  const __m128i precision_count = _mm_cvtsi32_si128(precision);
  const __m512i half = _mm512_set1_epi32(1 << (precision - 1));
  const int triples = t.groups / 3;
  // The next four rows into L2, a few lines per 16 columns.
  const PacedPrefetch ahead{next, (row_bytes + 63) / 64 + 1, static_cast<std::size_t>(triples)};
  for (int k = 0; k < triples; ++k) {
    ahead.step(static_cast<std::size_t>(k));
    __m512i packed[3];
    PIXFUSE_UNROLL
    for (int m = 0; m < 3; ++m) {
      __m512i h[4];
      group_sums<Digits, Windows, Width>(t, 3 * k + m, p, precision_count, half, h);
      packed[m] = pack_four_rows(h);
    }
    const int nx = std::min(16, ncols - 16 * k);
    const __mmask32 bytes = nx == 16 ? ~__mmask32{0} : (__mmask32{1} << (2 * nx)) - 1;
    PIXFUSE_UNROLL
    for (int u = 0; u < 3; ++u) {
      const __m512i rows =
          gather3(packed[0], packed[1], packed[2], _mm512_load_si512(sort.first_two[u]),
                  sort.from_third[u], _mm512_load_si512(sort.third[u]));
      const std::size_t at = 32 * static_cast<std::size_t>(k);
      if (nx == 16) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[u][0] + at),
                            _mm512_castsi512_si256(rows));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[u][1] + at),
                            _mm512_extracti64x4_epi64(rows, 1));
      } else {
        _mm256_mask_storeu_epi8(out[u][0] + at, bytes, _mm512_castsi512_si256(rows));
        _mm256_mask_storeu_epi8(out[u][1] + at, bytes, _mm512_extracti64x4_epi64(rows, 1));
      }
    }
  }
}

// Walks one block four rows at a time: rows[l] (l < nrows; past it, the last) of the
// upright source from first_column, visit(m, four, next) for the pair rows m, m + 1, with
// the next four listed rows (or null past the list) to prefetch into L2 meanwhile: rows
// read one after another are too short for the hardware prefetcher. The list runs past
// the block (l < nlisted) into the next block's first rows, so that its last four rows
// prefetch those.
template <class Visit>
HWY_INLINE void for_four_rows(const Source<std::uint8_t>& src, int first_column, const int* rows,
                              int nrows, int nlisted, std::size_t R, const Visit& visit) {
  auto row_at = [&](std::size_t l, int n) {
    return src.pixel(rows[std::min(static_cast<int>(l), n - 1)], first_column);
  };
  for (std::size_t m = 0; m < R / 2; m += 2) {
    const std::uint8_t* four[4] = {row_at(2 * m, nrows), row_at(2 * m + 1, nrows),
                                   row_at(2 * m + 2, nrows), row_at(2 * m + 3, nrows)};
    const bool ahead = 2 * m + 4 < static_cast<std::size_t>(nlisted);
    const std::uint8_t* next[4] = {row_at(2 * m + 4, nlisted), row_at(2 * m + 5, nlisted),
                                   row_at(2 * m + 6, nlisted), row_at(2 * m + 7, nlisted)};
    visit(m, four, ahead ? next : nullptr);
  }
}

// The horizontal pass of one block (rows as for_four_rows) into the block's R / 2 pair
// rows per used channel (pair_rows[u * R / 2 + m], rows 2m and 2m + 1), output columns
// [x0, x0 + ncols). `planes` holds 4 * nused planes.
template <int C>
void permute_h_block(const PermuteTable& t, const Source<std::uint8_t>& src, int first_column,
                     std::size_t S, const int* rows, int nrows, int nlisted, std::size_t R,
                     const int* used, int nused, int ncols, int precision,
                     std::uint8_t* const* pair_rows, std::uint8_t* planes) {
  const std::size_t set = static_cast<std::size_t>(nused) * t.plane;  // one row's planes
  with_digits_and_windows(t, [&](auto digits, auto windows, auto width) HWY_ATTR {
    for_four_rows(src, first_column, rows, nrows, nlisted, R,
                  [&](std::size_t m, const std::uint8_t* const* four,
                      const std::uint8_t* const* next) HWY_ATTR {
                    split_planes<C>(four, S, used, nused, planes, t.plane);
                    const PacedPrefetch ahead{next, (S * C + 63) / 64 + 1,
                                              static_cast<std::size_t>(nused * t.groups)};
                    for (int u = 0; u < nused; ++u) {
                      const std::size_t off = static_cast<std::size_t>(u) * t.plane;
                      const std::uint8_t* p[4] = {planes + off, planes + set + off,
                                                  planes + 2 * set + off, planes + 3 * set + off};
                      permute_four_rows<decltype(digits)::value, decltype(windows)::value,
                                        decltype(width)::value>(
                          t, p, ncols, precision,
                          pair_rows[static_cast<std::size_t>(u) * (R / 2) + m],
                          pair_rows[static_cast<std::size_t>(u) * (R / 2) + m + 1], ahead,
                          static_cast<std::size_t>(u * t.groups));
                    }
                  });
  });
}

// The same for interleaved RGB rows read in place (every channel used, in order; the
// table made with C = 3 and row_bytes = 3 S).
inline void permute_h_block_rgb(const PermuteTable& t, const Source<std::uint8_t>& src,
                                int first_column, std::size_t S, const int* rows, int nrows,
                                int nlisted, std::size_t R, int ncols, int precision,
                                std::uint8_t* const* pair_rows) {
  with_digits_and_windows(t, [&](auto digits, auto windows, auto width) HWY_ATTR {
    for_four_rows(src, first_column, rows, nrows, nlisted, R,
                  [&](std::size_t m, const std::uint8_t* const* four,
                      const std::uint8_t* const* next) HWY_ATTR {
                    std::uint8_t* const out[3][2] = {{pair_rows[m], pair_rows[m + 1]},
                                                     {pair_rows[R / 2 + m],
                                                      pair_rows[R / 2 + m + 1]},
                                                     {pair_rows[R + m], pair_rows[R + m + 1]}};
                    permute_four_rgb_rows<decltype(digits)::value, decltype(windows)::value,
                                          decltype(width)::value>(t, four, ncols, precision, out,
                                                                  next, 3 * S);
                  });
  });
}

#else
#define PIXFUSE_HAVE_PERMUTE_HORIZONTAL 0
#endif

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_PERMUTE_HORIZONTAL_INL_H_ toggle
