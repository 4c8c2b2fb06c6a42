// Source samples in pairs, lanes = rows: the input of the 16-bit multiply-add horizontal
// pass (madd_horizontal-inl.h).
//
// For a block of R source rows (R = int32 lanes of the target), each used channel u and
// slot pair m (the columns X.sources[2m] and X.sources[2m + 1]), 2R bytes: row l's two
// samples at 2l and 2l + 1,
//   pairs[(u * npairs + m) * 2R + 2l + {0, 1}]
// which the horizontal pass widens to R int32 lanes of two int16 samples each. Filling it
// is a transpose: in registers from whole source rows where the target has 128-bit blocks
// (columns in one run, stored or transposed orientation), one sample at a time otherwise
// (premultiplied alpha, scattered columns, SVE, HWY_SCALAR).
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_PAIRS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_PAIRS_INL_H_
#undef PIXFUSE_CPU_FUSED_PAIRS_INL_H_
#else
#define PIXFUSE_CPU_FUSED_PAIRS_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/source-inl.h"
#include "pixfuse/cpu/fused/transpose-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Where a block's pairs go and what they read.
struct PairBlock {
  const int* rows;  // upright source rows of the block; rows past nrows repeat the last
  int nrows;
  std::size_t R;                             // lanes (rows per block)
  const std::vector<std::int32_t>* columns;  // X.sources
  const int* used;
  int nused;
  std::size_t npairs;  // (columns->size() + 1) / 2
  std::uint8_t* pairs;
  int nlisted = 0;  // rows[nrows .. nlisted): the next block's, to prefetch meanwhile

  int row(std::size_t l) const {
    return rows[l < static_cast<std::size_t>(nrows) ? l : static_cast<std::size_t>(nrows) - 1];
  }
  std::uint8_t* at(int u, std::size_t m) const {
    return pairs + (static_cast<std::size_t>(u) * npairs + m) * 2 * R;
  }
};

// One sample at a time: every case, for pairs [m0, m1). An odd last column pairs with itself
// (its weight in the second half is 0).
inline void fill_pairs_scalar(const Source<std::uint8_t>& src, const PairBlock& b, std::size_t m0,
                              std::size_t m1) {
  const std::vector<std::int32_t>& c = *b.columns;
  const std::size_t S = c.size();
  for (std::size_t l = 0; l < b.R; ++l) {
    const int r = b.row(l);
    for (std::size_t m = m0; m < m1; ++m) {
      const std::uint8_t* p0 = src.pixel(r, c[2 * m]);
      const std::uint8_t* p1 = src.pixel(r, c[2 * m + 1 < S ? 2 * m + 1 : 2 * m]);
      for (int u = 0; u < b.nused; ++u) {
        const int ch = b.used[u];
        std::uint8_t v0 = p0[ch], v1 = p1[ch];
        if (src.premultiply && ch != 3) {
          v0 = static_cast<std::uint8_t>(premultiply(p0[ch], p0[3]));
          v1 = static_cast<std::uint8_t>(premultiply(p1[ch], p1[3]));
        }
        std::uint8_t* q = b.at(u, m) + 2 * l;
        q[0] = v0;
        q[1] = v1;
      }
    }
  }
}

#if PIXFUSE_REGISTER_TRANSPOSE
// Stores 128-bit block `i` of v (16 bytes) at p.
template <class D>
HWY_INLINE void store_block16(D d, hn::Vec<D> v, std::size_t i, std::uint8_t* p) {
  constexpr std::size_t bytes = hn::MaxLanes(d) * sizeof(hn::TFromD<D>);
  if constexpr (bytes == 16) {
    (void)i;
    hn::StoreU(hn::BitCast(hn::Full128<std::uint8_t>(), v), hn::Full128<std::uint8_t>(), p);
  } else {
    const hn::Half<D> dh;
    if (i < bytes / 32) store_block16(dh, hn::LowerHalf(dh, v), i, p);
    else store_block16(dh, hn::UpperHalf(dh, v), i - bytes / 32, p);
  }
}

// Stored orientation, columns in one run: windows of L consecutive pixels (L = bytes of a
// vector) of every row, channels split with LoadInterleaved, each channel's rows transposed
// as 16-bit units (a unit is the byte pair of one slot pair) in groups of 8 rows (4 on
// 128-bit targets), whose 128-bit blocks are each one unit's pairs for the group's rows.
// Returns the first pair it did not fill (the rest, near the row's end, go one at a time).
template <int C, class D32>
std::size_t fill_pairs_rows(D32 d32, const Source<std::uint8_t>& src, const PairBlock& b,
                            int row_length) {
  constexpr std::size_t R = hn::MaxLanes(d32);
  const hn::Repartition<std::uint8_t, D32> d8;
  const hn::Repartition<std::uint16_t, D32> d16;
  constexpr std::size_t L = hn::MaxLanes(d8);  // pixels per window
  constexpr std::size_t blocks = L / 16;
  constexpr std::size_t G = R >= 8 ? 8 : 4;  // rows per transpose group
  constexpr std::size_t unit_bytes = 2 * R;  // one slot pair of the block's rows
  const std::vector<std::int32_t>& c = *b.columns;
  const std::size_t S = c.size();
  const int first_column = c[0];
  const std::uint8_t* row_start[R];
  for (std::size_t l = 0; l < R; ++l) row_start[l] = src.pixel(b.row(l), first_column);
  // The next block's rows, the same window of each into L2 as this one's is read: 16 rows
  // read side by side cross a page every few windows, each a stream the hardware
  // prefetcher has to pick up again.
  const std::uint8_t* ahead[R];
  const std::size_t nahead =
      b.nlisted > b.nrows ? std::min(R, static_cast<std::size_t>(b.nlisted - b.nrows)) : 0;
  for (std::size_t l = 0; l < nahead; ++l)
    ahead[l] = src.pixel(b.rows[static_cast<std::size_t>(b.nrows) + l], first_column);
  // One window: pairs [m, m + L / 2).
  auto window = [&](std::size_t m) HWY_ATTR {
    for (std::size_t l = 0; l < nahead; ++l)
      for (std::size_t k = 0; k < L * C; k += 64) prefetch_l2(ahead[l] + 2 * m * C + k);
    hn::Vec<decltype(d16)> ch[C][R];
    PIXFUSE_UNROLL
    for (std::size_t l = 0; l < R; ++l) {
      const std::uint8_t* p = row_start[l] + 2 * m * C;
      if constexpr (C == 1) {
        ch[0][l] = hn::BitCast(d16, hn::LoadU(d8, p));
      } else if constexpr (C == 3) {
        hn::Vec<decltype(d8)> v0, v1, v2;
        hn::LoadInterleaved3(d8, p, v0, v1, v2);
        ch[0][l] = hn::BitCast(d16, v0), ch[1][l] = hn::BitCast(d16, v1),
        ch[2][l] = hn::BitCast(d16, v2);
      } else {
        hn::Vec<decltype(d8)> v0, v1, v2, v3;
        hn::LoadInterleaved4(d8, p, v0, v1, v2, v3);
        ch[0][l] = hn::BitCast(d16, v0), ch[1][l] = hn::BitCast(d16, v1),
        ch[2][l] = hn::BitCast(d16, v2);
        ch[3][l] = hn::BitCast(d16, v3);
      }
    }
    for (int u = 0; u < b.nused; ++u) {
      hn::Vec<decltype(d16)>* v = ch[b.used[u]];
      std::uint8_t* out = b.at(u, m);
      PIXFUSE_UNROLL
      for (std::size_t g = 0; g < R; g += G) {
        transpose_rows<G>(d16, v + g);
        PIXFUSE_UNROLL
        for (std::size_t k = 0; k < G; ++k) {
          PIXFUSE_UNROLL
          for (std::size_t i = 0; i < blocks; ++i) {
            if constexpr (G == 8) {  // block i of v[g + k]: unit 8i + k, rows g .. g + 7
              store_block16(d16, v[g + k], i, out + (8 * i + k) * unit_bytes + 2 * g);
            } else {  // units 8i + 2k and 8i + 2k + 1, rows 0 .. 3, 8 bytes each: adjacent
              store_block16(d16, v[k], i, out + (8 * i + 2 * k) * unit_bytes);
            }
          }
        }
      }
    }
  };
  auto fits = [&](std::size_t m) {
    return first_column + static_cast<int>(2 * m + L) <= row_length;
  };
  std::size_t m = 0;
  for (; 2 * m + L <= S && fits(m); m += L / 2) window(m);
  // The last pairs: one more window ending at the last pair (refilling some; a second
  // sample past the last column has weight 0), unless it would leave the row.
  if (m < b.npairs && b.npairs >= L / 2) {
    std::size_t last = b.npairs - L / 2;
    if (!fits(last) && last > 0) --last;
    if (fits(last)) {
      window(last);
      m = std::max(m, last + L / 2);
    }
  }
  return m;
}

// Transposed orientation (the upright rows are stored columns): the block's R rows are the
// consecutive stored columns rows[0] .. rows[0] + R - 1, a slot pair is two stored rows, so
// a unit is the R pixels of each stored row, interleaved. Returns false if the block's
// rows are not R consecutive columns.
template <class D32>
bool fill_pairs_transposed(D32 d32, const Source<std::uint8_t>& src, const PairBlock& b) {
  constexpr std::size_t R = hn::MaxLanes(d32);
  if (static_cast<std::size_t>(b.nrows) != R ||
      b.rows[R - 1] != b.rows[0] + static_cast<int>(R) - 1)
    return false;
  const hn::Rebind<std::uint8_t, D32> dr;  // R bytes
  const std::vector<std::int32_t>& c = *b.columns;
  const std::size_t S = c.size();
  for (std::size_t m = 0; m < b.npairs; ++m) {
    // Stored rows c[2m], c[2m + 1]; columns rows[0] ...
    const std::uint8_t* p0 = src.pixel(b.rows[0], c[2 * m]);
    const std::uint8_t* p1 = src.pixel(b.rows[0], c[2 * m + 1 < S ? 2 * m + 1 : 2 * m]);
    hn::Vec<decltype(dr)> a[4], e[4];
    if (src.channels == 1) {
      a[0] = hn::LoadU(dr, p0), e[0] = hn::LoadU(dr, p1);
    } else if (src.channels == 3) {
      hn::LoadInterleaved3(dr, p0, a[0], a[1], a[2]);
      hn::LoadInterleaved3(dr, p1, e[0], e[1], e[2]);
    } else {
      hn::LoadInterleaved4(dr, p0, a[0], a[1], a[2], a[3]);
      hn::LoadInterleaved4(dr, p1, e[0], e[1], e[2], e[3]);
    }
    const hn::Rebind<std::uint16_t, decltype(dr)> dw;  // R lanes of 16 bits: 2R bytes
    for (int u = 0; u < b.nused; ++u) {
      const int ch = b.used[u];
      // Byte l of the first row and byte l of the second as 16-bit lane l (little-endian).
      const auto units =
          hn::Or(hn::PromoteTo(dw, a[ch]), hn::ShiftLeft<8>(hn::PromoteTo(dw, e[ch])));
      hn::StoreU(units, dw, reinterpret_cast<std::uint16_t*>(b.at(u, m)));
    }
  }
  return true;
}
#endif

// Fill every pair of the block.
template <class D32>
void fill_pairs(D32 d32, const Source<std::uint8_t>& src, const PairBlock& b, int row_length) {
  std::size_t m = 0;
#if PIXFUSE_REGISTER_TRANSPOSE
  constexpr std::size_t R = hn::MaxLanes(d32);
  if constexpr (R == 4 || R == 8 || R == 16) {
    if (!src.premultiply && !src.transposed && one_run(*b.columns)) {
      if (src.channels == 1) m = fill_pairs_rows<1>(d32, src, b, row_length);
      else if (src.channels == 3) m = fill_pairs_rows<3>(d32, src, b, row_length);
      else if (src.channels == 4) m = fill_pairs_rows<4>(d32, src, b, row_length);
    }
    if (!src.premultiply && src.transposed && fill_pairs_transposed(d32, src, b)) return;
  }
#else
  (void)d32;
  (void)row_length;
#endif
  fill_pairs_scalar(src, b, m, b.npairs);
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_PAIRS_INL_H_ toggle
