// Transposes: source rows into the horizontal pass's column-major blocks (lanes = rows),
// in registers where the target has fixed-width 128-bit blocks, one sample at a time elsewhere.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_TRANSPOSE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_TRANSPOSE_INL_H_
#undef PIXFUSE_CPU_FUSED_TRANSPOSE_INL_H_
#else
#define PIXFUSE_CPU_FUSED_TRANSPOSE_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/source-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// The horizontal pass reads the source through `cols`: for each used channel u and
// column j, the R = lanes rows of the block as R consecutive samples (of the source's
// type), cols[u * col_stride + (j - jlo) * R + l]. Filling it is a transpose.

// One lane at a time: the general path (transposed orientations, premultiplied alpha,
// scalable vectors, columns that are not part of a long run).
template <class Src>
void transpose_in_scalar(const Source<Src>& src, const int* rows, int nrows, int R,
                         const std::int32_t* columns, std::size_t q0, std::size_t q1,
                         const int* used, int nused, Src* cols, std::size_t col_stride) {
  for (int l = 0; l < R; ++l) {
    const int r = rows[l < nrows ? l : nrows - 1];  // pad a partial block with its last row
    for (std::size_t q = q0; q < q1; ++q) {
      const Src* px = src.pixel(r, columns[q]);
      for (int u = 0; u < nused; ++u) {
        const int c = used[u];
        Src v = px[c];
        if constexpr (std::is_same_v<Src, std::uint8_t>) {
          if (src.premultiply && c != 3) v = static_cast<Src>(premultiply(px[c], px[3]));
        }
        cols[static_cast<std::size_t>(u) * col_stride + q * static_cast<std::size_t>(R) +
             static_cast<std::size_t>(l)] = v;
      }
    }
  }
}

#if PIXFUSE_REGISTER_TRANSPOSE
// Interleave a and b at a granularity of G-byte units (Highway's per-128-bit-block
// InterleaveLower / InterleaveUpper).
template <std::size_t G, class D>
HWY_INLINE void interleave(D d, hn::Vec<D> a, hn::Vec<D> b, hn::Vec<D>& lower, hn::Vec<D>& upper) {
  using U = std::conditional_t<
      G == 1, std::uint8_t,
      std::conditional_t<G == 2, std::uint16_t,
                         std::conditional_t<G == 4, std::uint32_t, std::uint64_t>>>;
  const hn::Repartition<U, D> dg;
  lower = hn::BitCast(d, hn::InterleaveLower(dg, hn::BitCast(dg, a), hn::BitCast(dg, b)));
  upper = hn::BitCast(d, hn::InterleaveUpper(dg, hn::BitCast(dg, a), hn::BitCast(dg, b)));
}

// Transposes R rows v[0..R) (R = 4 or 8) of E-byte elements so that, within every 128-bit
// block, v[k] holds the k-th run of 16 / (E R) columns, each column R elements.
template <std::size_t R, class D>
HWY_INLINE void transpose_rows(D d, hn::Vec<D>* v) {
  constexpr std::size_t E = sizeof(hn::TFromD<D>);
  if constexpr (R == 4) {
    hn::Vec<D> a0, b0, a1, b1;
    interleave<E>(d, v[0], v[1], a0, b0);
    interleave<E>(d, v[2], v[3], a1, b1);
    interleave<2 * E>(d, a0, a1, v[0], v[1]);
    interleave<2 * E>(d, b0, b1, v[2], v[3]);
  } else {
    static_assert(R == 8, "blocks of 4 or 8 rows");
    hn::Vec<D> a[4], b[4], aa[2], ab[2], ba[2], bb[2];
    for (int i = 0; i < 4; ++i) interleave<E>(d, v[2 * i], v[2 * i + 1], a[i], b[i]);
    for (int j = 0; j < 2; ++j) {
      interleave<2 * E>(d, a[2 * j], a[2 * j + 1], aa[j], ab[j]);
      interleave<2 * E>(d, b[2 * j], b[2 * j + 1], ba[j], bb[j]);
    }
    interleave<4 * E>(d, aa[0], aa[1], v[0], v[1]);
    interleave<4 * E>(d, ab[0], ab[1], v[2], v[3]);
    interleave<4 * E>(d, ba[0], ba[1], v[4], v[5]);
    interleave<4 * E>(d, bb[0], bb[1], v[6], v[7]);
  }
}

// In-register transpose of an L x L block of 32-bit lanes (L = Lanes(d): 1, 2, 4 or 8):
// on return v[i] holds what was lane i of every input vector.
template <class D>
HWY_INLINE void transpose_square(D d, hn::Vec<D>* v) {
  constexpr std::size_t L = hn::MaxLanes(d);
  static_assert(sizeof(hn::TFromD<D>) == 4, "32-bit lanes");
  if constexpr (L == 1) {
    (void)d;
  } else if constexpr (L == 2) {
    hn::Vec<D> a, b;
    interleave<4>(d, v[0], v[1], a, b);
    v[0] = a;
    v[1] = b;
  } else {
    static_assert(L == 4 || L == 8, "blocks of at most 8 lanes");
    transpose_rows<4>(d, v);  // 4 x 4 within each 128-bit block
    if constexpr (L == 8) {
      transpose_rows<4>(d, v + 4);
      for (int i = 0; i < 4; ++i) {  // then across the two blocks
        const auto lo = hn::ConcatLowerLower(d, v[4 + i], v[i]),
                   hi = hn::ConcatUpperUpper(d, v[4 + i], v[i]);
        v[i] = lo;
        v[4 + i] = hi;
      }
    }
  }
}

// Stores 128-bit block b of v at p.
template <class D>
HWY_INLINE void store_block(D d, hn::Vec<D> v, std::size_t b, hn::TFromD<D>* p) {
  if constexpr (hn::MaxLanes(d) * sizeof(hn::TFromD<D>) == 16) {
    (void)b;
    hn::StoreU(v, d, p);
  } else {
    static_assert(hn::MaxLanes(d) * sizeof(hn::TFromD<D>) == 32, "vectors of one or two blocks");
    const hn::Half<D> dh;
    if (b == 0) hn::StoreU(hn::LowerHalf(dh, v), dh, p);
    else hn::StoreU(hn::UpperHalf(dh, v), dh, p);
  }
}
#endif

// Fill cols for the block's rows and the columns listed in `columns` (ascending): windows
// of N consecutive source columns are loaded as whole vectors per row, deinterleaved and
// transposed R x N in registers, straight into place when every column of the window is
// listed, else through `window` from which the listed ones are copied; columns with few
// listed neighbours go one sample at a time.
template <std::size_t R, class Src>
void transpose_in(const Source<Src>& src, const int* rows, int nrows,
                  const std::vector<std::int32_t>& columns, int row_length, const int* used,
                  int nused, Src* cols, std::size_t col_stride, Src* window) {
  const std::size_t S = columns.size();
  const std::int32_t* c = columns.data();
#if PIXFUSE_REGISTER_TRANSPOSE
  if (!src.transposed && !src.premultiply) {
    const hn::CappedTag<Src, 32 / sizeof(Src)> d;  // one or two 128-bit blocks
    constexpr std::size_t N = hn::MaxLanes(d);
    constexpr std::size_t per_block = 16 / sizeof(Src);        // columns per block
    constexpr std::size_t run = per_block / R;                 // columns per vector per block
    constexpr std::size_t min_listed = N / 8 > 4 ? N / 8 : 4;  // below this, one at a time
    hn::Vec<decltype(d)> ch[4][R];
    std::size_t q = 0;
    while (q < S) {
      std::size_t q1 = q;  // listed columns inside the window [c[q], c[q] + N)
      while (q1 < S && c[q1] < c[q] + static_cast<std::int32_t>(N)) ++q1;
      if (q1 - q < min_listed || c[q] + static_cast<std::int32_t>(N) > row_length) {
        transpose_in_scalar(src, rows, nrows, static_cast<int>(R), c, q, q + 1, used, nused, cols,
                            col_stride);
        ++q;
        continue;
      }
      const bool dense = q1 - q == N;
      for (std::size_t l = 0; l < R; ++l) {
        const Src* p = src.pixel(
            rows[l < static_cast<std::size_t>(nrows) ? l : static_cast<std::size_t>(nrows) - 1],
            c[q]);
        if (src.channels == 1) ch[0][l] = hn::LoadU(d, p);
        else if (src.channels == 3) hn::LoadInterleaved3(d, p, ch[0][l], ch[1][l], ch[2][l]);
        else hn::LoadInterleaved4(d, p, ch[0][l], ch[1][l], ch[2][l], ch[3][l]);
      }
      for (int u = 0; u < nused; ++u) {
        hn::Vec<decltype(d)>* v = ch[used[u]];
        transpose_rows<R>(d, v);
        Src* in_place = cols + static_cast<std::size_t>(u) * col_stride + q * R;
        Src* out = dense ? in_place : window;
        for (std::size_t k = 0; k < R; ++k)
          for (std::size_t b = 0; b < N / per_block; ++b)
            store_block(d, v[k], b, out + (b * per_block + k * run) * R);
        if (!dense)
          for (std::size_t t = q; t < q1; ++t)
            std::memcpy(in_place + (t - q) * R, window + static_cast<std::size_t>(c[t] - c[q]) * R,
                        R * sizeof(Src));
      }
      q = q1;
    }
    return;
  }
#endif
  (void)row_length;
  (void)window;
  transpose_in_scalar(src, rows, nrows, static_cast<int>(R), c, 0, S, used, nused, cols,
                      col_stride);
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_TRANSPOSE_INL_H_ toggle
