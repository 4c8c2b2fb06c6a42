// The fused kernels, once per SIMD target (Highway's per-target -inl.h convention: this
// file is included by hwy/foreach_target.h once per target, each time inside that
// target's namespace; see cpu/dispatch.hpp).
//
// One pass over the output, row by row:
//   horizontal  blocks of source rows, lanes = rows: the block is transposed so each
//               source column is one vector, every output column is then a dot product
//               of its taps with those vectors; results go to a small ring of rows
//   vertical    lanes = output columns: each output row is the dot product of its taps
//               with the ring rows it reads
//   store       resampled value -> value map -> output dtype, planar or interleaved
// No full-size intermediate exists: the ring holds max_taps + lanes rows.
//
// Every sum runs over the taps in the reference's order, in the reference's precision
// and without fused multiply-adds, so each target's output equals the reference's, bit
// for bit (integer conventions trivially; float ones because the operations are the same).

// Non-target headers: included once.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/cpu/static_output.hpp"
#include "pixfuse/cpu/workspace.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/plan/plan.hpp"

#if defined(PIXFUSE_CPU_FUSED_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_INL_H_
#undef PIXFUSE_CPU_FUSED_INL_H_
#else
#define PIXFUSE_CPU_FUSED_INL_H_
#endif

#include <hwy/highway.h>

#ifndef PIXFUSE_DISPATCH_NAMESPACE
#error "include pixfuse/cpu/dispatch.hpp (or define PIXFUSE_DISPATCH_NAMESPACE as it does)"
#endif

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Whether blocks are transposed in registers: fixed-width vectors with Highway's block
// shuffles (not HWY_SCALAR's single lane, not scalable SVE / RVV vectors).
// Fully unroll a loop over channels or lanes (constant trip counts GCC leaves rolled,
// keeping the accumulators in memory).
#ifndef PIXFUSE_UNROLL
#if defined(__clang__)
#define PIXFUSE_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define PIXFUSE_UNROLL _Pragma("GCC unroll 8")
#else
#define PIXFUSE_UNROLL
#endif
#endif

#undef PIXFUSE_REGISTER_TRANSPOSE
#define PIXFUSE_REGISTER_TRANSPOSE (!HWY_HAVE_SCALABLE && HWY_TARGET != HWY_SCALAR)

// Loads / stores of the first n lanes (n <= Lanes), never touching memory past them.
// The bounce buffers hold HWY_MAX_BYTES, not MaxLanes(d): Highway 1.0.3's MaxLanes is
// smaller than Lanes for narrowed SVE tags (Rebind<float, ScalableTag<double>>) once
// vectors reach 1024 bits.
template <class D, class T>
hn::Vec<D> load_n(D d, const T* p, std::size_t n) {
  if (n == hn::Lanes(d)) return hn::LoadU(d, p);
  alignas(64) T lanes[HWY_MAX_BYTES / sizeof(T)] = {};
  // The bound states n <= the buffer for GCC's object-size checks (a no-op otherwise).
  std::memcpy(lanes, p, std::min(n, sizeof(lanes) / sizeof(T)) * sizeof(T));
  return hn::Load(d, lanes);
}
template <class D, class T>
void store_n(hn::Vec<D> v, D d, T* p, std::size_t n) {
  if (n == hn::Lanes(d)) return hn::StoreU(v, d, p);
  alignas(64) T lanes[HWY_MAX_BYTES / sizeof(T)];
  hn::Store(v, d, lanes);
  std::memcpy(p, lanes, std::min(n, sizeof(lanes) / sizeof(T)) * sizeof(T));
}

// ---------------------------------------------------------------------------------------
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
struct Traits<Arithmetic::real> {
  using Acc = double;
  using Mid = float;
  static constexpr bool u8_values = false;
};
template <>
struct Traits<Arithmetic::real_u16> : Traits<Arithmetic::real> {};

// Horizontal weight k of output x in the accumulator's type.
template <class Acc>
inline Acc h_weight(const AxisTaps& a, std::size_t i) {
  if constexpr (std::is_same_v<Acc, std::int32_t>) {
    return a.fixed[i];
  } else {
    return static_cast<Acc>(a.weights[i]);
  }
}

// ---------------------------------------------------------------------------------------
// Reading the source: sample (row r, column j) of the upright image, channel c; the
// orientation's mirrors are already in the tap indices, only a transposition remains.

template <class Src>
struct Source {
  const unsigned char* base;
  std::ptrdiff_t row_stride;
  int channels;
  bool transposed;
  bool premultiply;

  const Src* pixel(int r, int j) const {
    const int x = transposed ? r : j, y = transposed ? j : r;
    return reinterpret_cast<const Src*>(base + y * row_stride) + static_cast<std::ptrdiff_t>(x) * channels;
  }
};

// Pillow's premultiplication: c * a / 255 rounded.
inline int premultiplied(int c, int a) {
  const unsigned t = static_cast<unsigned>(c * a + 128);
  return static_cast<int>(((t >> 8) + t) >> 8);
}

// The horizontal pass reads the source through `cols`: for each used channel u and
// column j, the R = lanes rows of the block as R consecutive samples (of the source's
// type), cols[u * col_stride + (j - jlo) * R + l]. Filling it is a transpose.

// One lane at a time: the general path (transposed orientations, premultiplied alpha,
// scalable vectors, columns that are not part of a long run).
template <class Src>
void transpose_in_scalar(const Source<Src>& src, const int* rows, int nrows, int R, const std::int32_t* columns,
                         std::size_t q0, std::size_t q1, const int* used, int nused, Src* cols, std::size_t col_stride) {
  for (int l = 0; l < R; ++l) {
    const int r = rows[l < nrows ? l : nrows - 1];  // pad a partial block with its last row
    for (std::size_t q = q0; q < q1; ++q) {
      const Src* px = src.pixel(r, columns[q]);
      for (int u = 0; u < nused; ++u) {
        const int c = used[u];
        Src v = px[c];
        if constexpr (std::is_same_v<Src, std::uint8_t>) {
          if (src.premultiply && c != 3) v = static_cast<Src>(premultiplied(px[c], px[3]));
        }
        cols[static_cast<std::size_t>(u) * col_stride + q * static_cast<std::size_t>(R) + static_cast<std::size_t>(l)] = v;
      }
    }
  }
}

#if PIXFUSE_REGISTER_TRANSPOSE
// Interleave a and b at a granularity of G-byte units (Highway's per-128-bit-block
// InterleaveLower / InterleaveUpper).
template <std::size_t G, class D>
HWY_INLINE void interleave(D d, hn::Vec<D> a, hn::Vec<D> b, hn::Vec<D>& lower, hn::Vec<D>& upper) {
  using U = std::conditional_t<G == 1, std::uint8_t,
                               std::conditional_t<G == 2, std::uint16_t, std::conditional_t<G == 4, std::uint32_t, std::uint64_t>>>;
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
        const auto lo = hn::ConcatLowerLower(d, v[4 + i], v[i]), hi = hn::ConcatUpperUpper(d, v[4 + i], v[i]);
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
void transpose_in(const Source<Src>& src, const int* rows, int nrows, const std::vector<std::int32_t>& columns,
                  int row_length, const int* used, int nused, Src* cols, std::size_t col_stride, Src* window) {
  const std::size_t S = columns.size();
  const std::int32_t* c = columns.data();
#if PIXFUSE_REGISTER_TRANSPOSE
  if (!src.transposed && !src.premultiply) {
    const hn::CappedTag<Src, 32 / sizeof(Src)> d;  // one or two 128-bit blocks
    constexpr std::size_t N = hn::MaxLanes(d);
    constexpr std::size_t per_block = 16 / sizeof(Src);  // columns per block
    constexpr std::size_t run = per_block / R;           // columns per vector per block
    constexpr std::size_t min_listed = N / 8 > 4 ? N / 8 : 4;  // below this, one at a time
    hn::Vec<decltype(d)> ch[4][R];
    std::size_t q = 0;
    while (q < S) {
      std::size_t q1 = q;  // listed columns inside the window [c[q], c[q] + N)
      while (q1 < S && c[q1] < c[q] + static_cast<std::int32_t>(N)) ++q1;
      if (q1 - q < min_listed || c[q] + static_cast<std::int32_t>(N) > row_length) {
        transpose_in_scalar(src, rows, nrows, static_cast<int>(R), c, q, q + 1, used, nused, cols, col_stride);
        ++q;
        continue;
      }
      const bool dense = q1 - q == N;
      for (std::size_t l = 0; l < R; ++l) {
        const Src* p = src.pixel(rows[l < static_cast<std::size_t>(nrows) ? l : static_cast<std::size_t>(nrows) - 1], c[q]);
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
          for (std::size_t b = 0; b < N / per_block; ++b) store_block(d, v[k], b, out + (b * per_block + k * run) * R);
        if (!dense)
          for (std::size_t t = q; t < q1; ++t)
            std::memcpy(in_place + (t - q) * R, window + static_cast<std::size_t>(c[t] - c[q]) * R, R * sizeof(Src));
      }
      q = q1;
    }
    return;
  }
#endif
  (void)row_length;
  (void)window;
  transpose_in_scalar(src, rows, nrows, static_cast<int>(R), c, 0, S, used, nused, cols, col_stride);
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
HWY_INLINE hn::Vec<hn::Rebind<typename Traits<A>::Mid, D>> h_finish(D d, hn::Vec<D> acc, int precision) {
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
    return hn::DemoteTo(dm, hn::Trunc(hn::Add(acc, hn::CopySign(hn::Set(d, 0.5), acc))));  // Pillow mode I
  } else {  // real: rounded to float
    (void)precision;
    return hn::DemoteTo(dm, acc);
  }
}

// ---------------------------------------------------------------------------------------
// Output extents: the plan's (DynamicShape), or known at compile time (StaticShape, from
// run_static) with every output column inside the source, so that the column range
// [x0, x1) is [0, W) and loops over it, and over rows and channels, have constant trip
// counts.
struct DynamicShape {
  static int channels(const Plan& p) { return p.out_channels; }
  static int height(const Plan& p) { return p.out_height; }
  static int width(const Plan& p) { return p.out_width; }
  static int begin(int x0) { return x0; }
  static int end(int x1) { return x1; }
};
template <int C, int H, int W>
struct StaticShape {
  static constexpr int channels(const Plan&) { return C; }
  static constexpr int height(const Plan&) { return H; }
  static constexpr int width(const Plan&) { return W; }
  static constexpr int begin(int) { return 0; }
  static constexpr int end(int) { return W; }
};

// ---------------------------------------------------------------------------------------
// The vertical pass for one output row and one channel: values[x] for x in [x0, x1).

template <Arithmetic A>
struct Vertical;

// Integer dot product of the rows with fixed weights, then the convention's rounding.
template <Arithmetic A>
struct IntegerVertical {
  template <class Shape>
  static void run(const Plan& p, const AxisTaps& Y, int y, const std::int32_t* const* rows, int begin, int end,
                  int source_channel, std::int32_t* values) {
    const int x0 = Shape::begin(begin), x1 = Shape::end(end);
    const hn::ScalableTag<std::int32_t> d;
    const int N = static_cast<int>(hn::Lanes(d));
    const int n = Y.count[static_cast<std::size_t>(y)];
    const std::int32_t* q = Y.fixed_row(y);
    const int precision = Y.precision_bits;
    int area = 0;
    if constexpr (A == Arithmetic::opencv_area_fast) area = p.x.count[static_cast<std::size_t>(p.x.valid_begin)] * n;
    for (int x = x0; x < x1; x += N) {
      const int lanes = std::min(N, x1 - x);
      auto load = [&](int k) { return load_n(d, rows[k] + x, static_cast<std::size_t>(lanes)); };
      hn::Vec<decltype(d)> out;
      if constexpr (A == Arithmetic::fixed_u8) {
        auto acc = hn::Set(d, 1 << (precision - 1));
        for (int k = 0; k < n; ++k) acc = hn::Add(acc, hn::Mul(hn::Set(d, q[k]), load(k)));
        out = hn::ShiftRightSame(acc, precision);
      } else if constexpr (A == Arithmetic::opencv_linear) {
        // ((b (h >> 4)) >> 16) per tap, + 2 >> 2 (VResizeLinear).
        auto acc = hn::Set(d, 2);
        for (int k = 0; k < n; ++k)
          acc = hn::Add(acc, hn::ShiftRight<16>(hn::Mul(hn::Set(d, q[k]), hn::ShiftRight<4>(load(k)))));
        out = hn::ShiftRight<2>(acc);
      } else if constexpr (A == Arithmetic::opencv_lanczos4) {
        auto acc = hn::Set(d, 1 << 21);
        for (int k = 0; k < n; ++k) acc = hn::Add(acc, hn::Mul(hn::Set(d, q[k]), load(k)));
        out = hn::ShiftRight<22>(acc);
      } else if constexpr (A == Arithmetic::opencv_linear_exact) {
        auto acc = hn::Set(d, 1 << 15);
        for (int k = 0; k < n; ++k) acc = hn::Add(acc, hn::Mul(hn::Set(d, q[k]), load(k)));
        out = hn::ShiftRight<16>(acc);
      } else if constexpr (A == Arithmetic::opencv_area_fast) {
        auto sum = hn::Zero(d);
        for (int k = 0; k < n; ++k) sum = hn::Add(sum, load(k));
        if (area == 4 && n == 2) {
          out = hn::ShiftRight<2>(hn::Add(sum, hn::Set(d, 2)));
        } else {
          const hn::Rebind<float, decltype(d)> df;
          const auto mean = hn::Mul(hn::ConvertTo(df, sum), hn::Set(df, 1.0f / static_cast<float>(area)));
          out = hn::NearestInt(mean);
        }
      } else {  // opencv_cubic
        const hn::Rebind<float, decltype(d)> df;
        // Flattened columns below 8 * floor(width * channels / 8): float32 from the last tap.
        const std::int64_t simd_columns = 8 * ((static_cast<std::int64_t>(p.x.resized_size) * p.in_channels) / 8);
        alignas(64) std::int32_t flat[hn::MaxLanes(d)];
        for (int i = 0; i < lanes; ++i)
          flat[i] = static_cast<std::int32_t>(
              std::min<std::int64_t>(static_cast<std::int64_t>(p.x.resized[static_cast<std::size_t>(x + i)]) * p.in_channels + source_channel,
                                     INT32_MAX));
        for (int i = lanes; i < N; ++i) flat[i] = 0;
        const auto is_float = hn::Lt(hn::Load(d, flat), hn::Set(d, static_cast<std::int32_t>(std::min<std::int64_t>(simd_columns, INT32_MAX))));
        hn::Vec<decltype(df)> t = hn::Zero(df);
        for (int j = n - 1; j >= 0; --j) {
          const int k = Y.reversed ? n - 1 - j : j;
          const auto beta = hn::Set(df, static_cast<float>(q[k]) * (1.0f / 4194304.0f));
          const auto prod = hn::Mul(hn::ConvertTo(df, load(k)), beta);
          t = j == n - 1 ? prod : hn::Add(prod, t);
        }
        auto dot = hn::Set(d, 1 << 21);
        for (int k = 0; k < n; ++k) dot = hn::Add(dot, hn::Mul(hn::Set(d, q[k]), load(k)));
        out = hn::IfThenElse(hn::RebindMask(d, hn::RebindMask(df, is_float)), hn::NearestInt(t), hn::ShiftRight<22>(dot));
      }
      out = hn::Min(hn::Max(out, hn::Zero(d)), hn::Set(d, 255));
      store_n(out, d, values + x, static_cast<std::size_t>(lanes));
    }
  }
};

template <Arithmetic A>
struct Vertical : IntegerVertical<A> {};

// INTER_AREA's general path: float32 sums in table order, rint at the end.
template <>
struct Vertical<Arithmetic::opencv_area> {
  template <class Shape>
  static void run(const Plan&, const AxisTaps& Y, int y, const float* const* rows, int begin, int end, int,
                  std::int32_t* values) {
    const int x0 = Shape::begin(begin), x1 = Shape::end(end);
    const hn::ScalableTag<float> df;
    const hn::RebindToSigned<decltype(df)> di;
    const int N = static_cast<int>(hn::Lanes(df));
    const int n = Y.count[static_cast<std::size_t>(y)];
    const double* w = Y.weight_row(y);
    for (int x = x0; x < x1; x += N) {
      const std::size_t lanes = static_cast<std::size_t>(std::min(N, x1 - x));
      auto acc = hn::Zero(df);
      for (int j = 0; j < n; ++j) {
        const int k = Y.reversed ? n - 1 - j : j;
        acc = hn::Add(acc, hn::Mul(load_n(df, rows[k] + x, lanes), hn::Set(df, static_cast<float>(w[k]))));
      }
      const auto v = hn::Min(hn::Max(hn::NearestInt(acc), hn::Zero(di)), hn::Set(di, 255));
      store_n(v, di, values + x, lanes);
    }
  }
};

// Double sums of double weights: Pillow modes I and F, float images, JAX.
template <Arithmetic A, class Mid>
struct RealVertical {
  template <class Shape>
  static void run(const Plan&, const AxisTaps& Y, int y, const Mid* const* rows, int begin, int end, int,
                  float* values) {
    const int x0 = Shape::begin(begin), x1 = Shape::end(end);
    const hn::ScalableTag<double> dd;
    const hn::Rebind<Mid, decltype(dd)> dm;
    const hn::Rebind<float, decltype(dd)> df;
    const int N = static_cast<int>(hn::Lanes(dd));
    const int n = Y.count[static_cast<std::size_t>(y)];
    const double* w = Y.weight_row(y);
    for (int x = x0; x < x1; x += N) {
      const std::size_t lanes = static_cast<std::size_t>(std::min(N, x1 - x));
      auto acc = hn::Zero(dd);
      for (int k = 0; k < n; ++k)
        acc = hn::Add(acc, hn::Mul(hn::PromoteTo(dd, load_n(dm, rows[k] + x, lanes)), hn::Set(dd, w[k])));
      hn::Vec<decltype(df)> v;
      if constexpr (A == Arithmetic::round_half_away) {
        v = hn::DemoteTo(df, hn::Trunc(hn::Add(acc, hn::CopySign(hn::Set(dd, 0.5), acc))));
      } else if constexpr (A == Arithmetic::real_u16) {  // saturate_cast<ushort>
        v = hn::Min(hn::Max(hn::Round(hn::DemoteTo(df, acc)), hn::Zero(df)), hn::Set(df, 65535.0f));
      } else {
        v = hn::DemoteTo(df, acc);
      }
      store_n(v, df, values + x, lanes);
    }
  }
};
template <>
struct Vertical<Arithmetic::round_half_away> : RealVertical<Arithmetic::round_half_away, std::int32_t> {};
template <>
struct Vertical<Arithmetic::real> : RealVertical<Arithmetic::real, float> {};
template <>
struct Vertical<Arithmetic::real_u16> : RealVertical<Arithmetic::real_u16, float> {};

// ---------------------------------------------------------------------------------------
// Conversion of float values to output elements, as core/convert.hpp defines them.

// f32 -> f16 bits, round to nearest even (float16.hpp's to_f16, lane by lane). The
// comparisons are on signed lanes: every compared value is below 2^31.
template <class DU>
hn::Vec<DU> f16_bits(DU du, hn::Vec<DU> u) {
  const hn::RebindToSigned<DU> di;
  auto above = [&](hn::Vec<DU> a, std::int32_t limit) { return hn::RebindMask(du, hn::Gt(hn::BitCast(di, a), hn::Set(di, limit))); };
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
  const auto shift = hn::Min(hn::Max(hn::Sub(hn::Set(du, 126u), hn::Min(exponent, hn::Set(du, 125u))), one), hn::Set(du, 31u));
  const auto q = hn::Shr(mantissa, shift);
  const auto rest = hn::Sub(mantissa, hn::Shl(q, shift));
  const auto half = hn::Shl(one, hn::Sub(shift, one));
  const auto rest_gt_half = hn::RebindMask(du, hn::Gt(hn::BitCast(di, rest), hn::BitCast(di, half)));
  const auto tie_odd = hn::And(hn::RebindMask(du, hn::Eq(hn::BitCast(di, rest), hn::BitCast(di, half))),
                               hn::RebindMask(du, hn::Eq(hn::BitCast(di, hn::And(q, one)), hn::BitCast(di, one))));
  const auto subnormal = hn::Add(q, hn::IfThenElseZero(hn::Or(rest_gt_half, tie_odd), one));
  // NaN keeps its top payload bits (0x200 if they are all zero).
  const auto payload = hn::And(hn::ShiftRight<13>(mag), hn::Set(du, 0x3FFu));
  const auto nan = hn::Or(hn::Set(du, 0x7C00u), hn::IfThenElse(above(payload, 0), payload, hn::Set(du, 0x200u)));
  auto bits = hn::IfThenElse(above(mag, 0x387FFFFF), normal, subnormal);  // >= 2^-14
  bits = hn::IfThenElse(above(mag, 0x33000000), bits, hn::Zero(du));      // <= 2^-25 -> 0
  bits = hn::IfThenElse(above(mag, 0x477FEFFF), hn::Set(du, 0x7C00u), bits);  // >= 65520 -> inf
  bits = hn::IfThenElse(above(mag, 0x7F800000), nan, bits);
  return hn::Or(sign, bits);
}

// f32 -> bf16 bits, round to nearest even; NaN stays NaN.
template <class DU>
hn::Vec<DU> bf16_bits(DU du, hn::Vec<DU> u) {
  const hn::RebindToSigned<DU> di;
  const auto rounded = hn::ShiftRight<16>(hn::Add(u, hn::Add(hn::Set(du, 0x7FFFu), hn::And(hn::ShiftRight<16>(u), hn::Set(du, 1u)))));
  auto hi = hn::ShiftRight<16>(u);
  const auto no_payload = hn::RebindMask(du, hn::Eq(hn::BitCast(di, hn::And(hi, hn::Set(du, 0x7Fu))), hn::Zero(di)));
  hi = hn::IfThenElse(no_payload, hn::Or(hi, hn::Set(du, 0x40u)), hi);
  const auto is_nan = hn::RebindMask(du, hn::Gt(hn::BitCast(di, hn::And(u, hn::Set(du, 0x7FFFFFFFu))), hn::Set(di, 0x7F800000)));
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

// ---------------------------------------------------------------------------------------
// Storing output rows.

// The output element type's storage as unsigned lanes (bit patterns).
template <class T>
using Storage = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::conditional_t<sizeof(T) == 2, std::uint16_t, std::uint8_t>>;

// Float values -> output elements (as Storage lanes of the same count).
template <class T, class DF>
HWY_INLINE hn::Vec<hn::Rebind<Storage<T>, DF>> to_storage(DF df, hn::Vec<DF> v) {
  const hn::Rebind<Storage<T>, DF> ds;
  const hn::RebindToSigned<DF> di;
  if constexpr (sizeof(T) == 4) {
    return hn::BitCast(ds, v);
  } else {
    // f16 / bf16 bits, or u8 / i8 bytes, are at most 16 bits: demote without saturating.
    const auto bits = hn::BitCast(di, output_bits<T>(df, v));
    if constexpr (sizeof(T) == 2) {
      return hn::DemoteTo(ds, bits);
    } else if constexpr (std::is_same_v<T, std::uint8_t>) {
      return hn::DemoteTo(ds, bits);
    } else {  // i8: the byte of the signed value
      const hn::Rebind<std::int8_t, DF> d8;
      return hn::BitCast(ds, hn::DemoteTo(d8, saturate_round(df, v, -128.0f, 127.0f)));
    }
  }
}

// One channel's value map, copied out of the plan into plain locals the compiler keeps in
// registers across a row (read through the plan, it would reload them for every vector,
// as the output stores might alias them). The usual map is one normalize step, applied
// as the reference's lookup table computes it: ((x * k or x / k) - mean) / std, where
// the identities (x * 1, x - 0, x / 1) are exact, so nothing is skipped.
struct ChannelMap {
  enum Kind : std::uint8_t { none, one_step, general } kind = none;
  bool divide = false;
  float k = 1.0f, mean = 0.0f, std = 1.0f;
  const ValueMap* map = nullptr;  // general: more than one step

  static ChannelMap of(const ValueMap& m) {
    ChannelMap c;
    c.map = &m;
    if (m.steps.size() == 1) {
      c.kind = one_step;
      c.divide = m.steps[0].divide;
      c.k = m.steps[0].scale;
      c.mean = m.steps[0].mean;
      c.std = m.steps[0].std;
    } else if (!m.steps.empty()) {
      c.kind = general;
    }
    return c;
  }
};

// Resampled values (u8 values as int32, or floats) through one channel's value map: the
// same float operations that built the plan's lookup table, so equal to it.
template <class DF, class V>
HWY_INLINE hn::Vec<DF> mapped(DF df, const ChannelMap m, const V* values, std::size_t lanes) {
  const hn::RebindToSigned<DF> di;
  hn::Vec<DF> v;
  if constexpr (std::is_same_v<V, float>) v = load_n(df, values, lanes);
  else v = hn::ConvertTo(df, load_n(di, values, lanes));
  if (m.kind == ChannelMap::one_step) {
    v = m.divide ? hn::Div(v, hn::Set(df, m.k)) : hn::Mul(v, hn::Set(df, m.k));
    return hn::Div(hn::Sub(v, hn::Set(df, m.mean)), hn::Set(df, m.std));
  }
  if (m.kind == ChannelMap::general)
    for (const NormalizeStep& s : m.map->steps) {
      v = s.divide ? hn::Div(v, hn::Set(df, s.scale)) : hn::Mul(v, hn::Set(df, s.scale));
      v = hn::Div(hn::Sub(v, hn::Set(df, s.mean)), hn::Set(df, s.std));
    }
  return v;
}

// One output row (all channels) into the tensor, in the plan's layout and dtype: padding
// left of x0 and right of x1, the channels' values between.
template <class Shape>
struct RowStore {
  const Plan& p;
  void* out;

  template <class V>
  void row(int y, int x0, int x1, const V* const* channel_values) const {
    switch (p.out_dtype) {
      case DType::f32: return row_as<float>(y, x0, x1, channel_values);
      case DType::f16: return row_as<f16>(y, x0, x1, channel_values);
      case DType::bf16: return row_as<bf16>(y, x0, x1, channel_values);
      case DType::u8: return row_as<std::uint8_t>(y, x0, x1, channel_values);
      default: return row_as<std::int8_t>(y, x0, x1, channel_values);
    }
  }

 private:
  template <class T, class V>
  void row_as(int y, int begin, int end, const V* const* channel_values) const {
    using S = Storage<T>;
    const hn::ScalableTag<float> df;
    const hn::Rebind<S, decltype(df)> ds;
    const int N = static_cast<int>(hn::Lanes(df));
    const int C = Shape::channels(p), H = Shape::height(p), W = Shape::width(p);
    // A padding row (end == 0) is stored as such even for a static shape.
    const int x0 = end == 0 ? 0 : Shape::begin(begin), x1 = end == 0 ? 0 : Shape::end(end);
    S* base = reinterpret_cast<S*>(out);
    const std::size_t row_elems = static_cast<std::size_t>(W) * static_cast<std::size_t>(C);
    if (p.layout == Layout::nchw) {
      for (int c = 0; c < C; ++c) {
        S* o = base + (static_cast<std::size_t>(c) * static_cast<std::size_t>(H) + static_cast<std::size_t>(y)) * static_cast<std::size_t>(W);
        const S pad = static_cast<S>(p.pad_bits[static_cast<std::size_t>(c)]);
        std::fill(o, o + x0, pad);
        std::fill(o + x1, o + W, pad);
        const ChannelMap m = ChannelMap::of(p.values[static_cast<std::size_t>(c)]);
        for (int x = x0; x < x1; x += N) {
          const std::size_t lanes = static_cast<std::size_t>(std::min(N, x1 - x));
          store_n(to_storage<T>(df, mapped(df, m, channel_values[c] + x, lanes)), ds, o + x, lanes);
        }
      }
      return;
    }
    // Interleaved: whole vectors of pixels with StoreInterleaved, the rest lane by lane.
    S* o = base + static_cast<std::size_t>(y) * row_elems;
    for (int x = 0; x < W; ++x)
      if (x < x0 || x >= x1)
        for (int c = 0; c < C; ++c) o[static_cast<std::size_t>(x) * C + c] = static_cast<S>(p.pad_bits[static_cast<std::size_t>(c)]);
    int x = x0;
#if HWY_TARGET != HWY_SCALAR
    if (C == 3 || C == 4) {
      const ChannelMap m0 = ChannelMap::of(p.values[0]), m1 = ChannelMap::of(p.values[1]),
                       m2 = ChannelMap::of(p.values[2]), m3 = ChannelMap::of(p.values[3]);
      for (; x + N <= x1; x += N) {
        const auto r = to_storage<T>(df, mapped(df, m0, channel_values[0] + x, static_cast<std::size_t>(N)));
        const auto g = to_storage<T>(df, mapped(df, m1, channel_values[1] + x, static_cast<std::size_t>(N)));
        const auto b = to_storage<T>(df, mapped(df, m2, channel_values[2] + x, static_cast<std::size_t>(N)));
        if (C == 3) {
          hn::StoreInterleaved3(r, g, b, ds, o + static_cast<std::size_t>(x) * 3);
        } else {
          const auto a = to_storage<T>(df, mapped(df, m3, channel_values[3] + x, static_cast<std::size_t>(N)));
          hn::StoreInterleaved4(r, g, b, a, ds, o + static_cast<std::size_t>(x) * 4);
        }
      }
    }
#endif
    alignas(64) S lanes[HWY_MAX_BYTES];
    for (; x < x1; x += N) {
      const std::size_t n = static_cast<std::size_t>(std::min(N, x1 - x));
      for (int c = 0; c < C; ++c) {
        hn::Store(to_storage<T>(df, mapped(df, ChannelMap::of(p.values[static_cast<std::size_t>(c)]), channel_values[c] + x, n)), ds, lanes);
        for (std::size_t i = 0; i < n; ++i) o[(static_cast<std::size_t>(x) + i) * C + c] = lanes[i];
      }
    }
  }
};

// Pillow's un-premultiplication of the colour values, from the resampled alpha.
inline void unpremultiply(std::int32_t* colour, const std::int32_t* alpha, int x0, int x1) {
  for (int x = x0; x < x1; ++x) {
    const int a = alpha[x];
    if (a != 0 && a != 255) colour[x] = std::min(255, 255 * colour[x] / a);
  }
}

// ---------------------------------------------------------------------------------------
// The pass structure.

// The horizontal pass for one block of nrows (<= R) source rows, C channels: L rows x L
// output columns at a time, the L x L results transposed into row order and stored at
// rows[u * R + l] + (x - x0).
#if !HWY_HAVE_SCALABLE  // (arrays of vectors; scalable vectors cannot be array elements)
template <Arithmetic A, int C, std::size_t R, class Shape, class DA, class Src>
void h_block(DA da, const AxisTaps& X, const Src* cols, std::size_t col_stride, int begin, int end, int nrows,
             typename Traits<A>::Mid* const* rows) {
  const int x0 = Shape::begin(begin), x1 = Shape::end(end);
  using Acc = hn::TFromD<DA>;
  const hn::Rebind<typename Traits<A>::Mid, DA> dm;
  const int L = static_cast<int>(hn::Lanes(da));
  for (int sub = 0; sub < nrows; sub += L) {  // the rows of one vector
    const int nr = std::min(L, nrows - sub);
    for (int xb = x0; xb < x1; xb += L) {
      const int nx = std::min(L, x1 - xb);
      hn::Vec<decltype(dm)> tile[C][hn::MaxLanes(da)];
      for (int i = 0; i < L; ++i) {
        const int x = xb + std::min(i, nx - 1);  // pad the last tile with its last column
        const int n = X.count[static_cast<std::size_t>(x)];
        const std::int32_t* slot = X.slot_row(x);
        const std::size_t row = static_cast<std::size_t>(x) * static_cast<std::size_t>(X.max_taps);
        hn::Vec<DA> acc[C];
        PIXFUSE_UNROLL
        for (int u = 0; u < C; ++u) acc[u] = hn::Zero(da);
        auto tap = [&](const Src* at, std::size_t k) HWY_ATTR {
          const auto w = hn::Set(da, h_weight<Acc>(X, row + k));
          PIXFUSE_UNROLL
          for (int u = 0; u < C; ++u)
            acc[u] = hn::Add(acc[u], hn::Mul(load_column(da, at + static_cast<std::size_t>(u) * col_stride), w));
        };
        const bool in_order = !(A == Arithmetic::opencv_area && X.reversed);
        if (in_order && X.consecutive[static_cast<std::size_t>(x)]) {
          // The common case (every resize): the taps read consecutive columns.
          const Src* at = cols + static_cast<std::size_t>(slot[0]) * R + static_cast<std::size_t>(sub);
          for (int k = 0; k < n; ++k, at += R) tap(at, static_cast<std::size_t>(k));
        } else {
          for (int j = 0; j < n; ++j) {
            const int k = in_order ? j : n - 1 - j;
            tap(cols + static_cast<std::size_t>(slot[k]) * R + static_cast<std::size_t>(sub), static_cast<std::size_t>(k));
          }
        }
        PIXFUSE_UNROLL
        for (int u = 0; u < C; ++u) tile[u][i] = h_finish<A>(da, acc[u], X.precision_bits);
      }
      for (int u = 0; u < C; ++u) {
        typename Traits<A>::Mid* const* out = rows + static_cast<std::size_t>(u) * R + static_cast<std::size_t>(sub);
#if PIXFUSE_REGISTER_TRANSPOSE
        transpose_square(dm, tile[u]);  // tile[l]: row sub + l over columns xb .. xb + L - 1
        for (int l = 0; l < nr; ++l) store_n(tile[u][l], dm, out[l] + (xb - x0), static_cast<std::size_t>(nx));
#else
        alignas(64) typename Traits<A>::Mid lanes[hn::MaxLanes(dm)];
        for (int i = 0; i < nx; ++i) {
          hn::Store(tile[u][i], dm, lanes);
          for (int l = 0; l < nr; ++l) out[l][xb - x0 + i] = lanes[l];
        }
#endif
      }
    }
  }
}
#else
// Scalable vectors: one output column and channel at a time, lanes scattered to the rows.
template <Arithmetic A, int C, std::size_t R, class Shape, class DA, class Src>
void h_block(DA da, const AxisTaps& X, const Src* cols, std::size_t col_stride, int begin, int end, int nrows,
             typename Traits<A>::Mid* const* rows) {
  const int x0 = Shape::begin(begin), x1 = Shape::end(end);
  using Acc = hn::TFromD<DA>;
  using Mid = typename Traits<A>::Mid;
  const hn::Rebind<Mid, DA> dm;
  const int L = static_cast<int>(hn::Lanes(da));
  alignas(64) Mid lanes[HWY_MAX_BYTES / sizeof(Mid)];
  for (int sub = 0; sub < nrows; sub += L) {
    const int nr = std::min(L, nrows - sub);
    for (int x = x0; x < x1; ++x) {
      const int n = X.count[static_cast<std::size_t>(x)];
      const std::int32_t* slot = X.slot_row(x);
      const std::size_t row = static_cast<std::size_t>(x) * static_cast<std::size_t>(X.max_taps);
      for (int u = 0; u < C; ++u) {
        auto acc = hn::Zero(da);
        for (int j = 0; j < n; ++j) {
          const int k = (A == Arithmetic::opencv_area && X.reversed) ? n - 1 - j : j;
          const Src* at = cols + static_cast<std::size_t>(u) * col_stride + static_cast<std::size_t>(slot[k]) * R +
                          static_cast<std::size_t>(sub);
          acc = hn::Add(acc, hn::Mul(load_column(da, at), hn::Set(da, h_weight<Acc>(X, row + static_cast<std::size_t>(k)))));
        }
        hn::Store(h_finish<A>(da, acc, X.precision_bits), dm, lanes);
        for (int l = 0; l < nr; ++l) rows[static_cast<std::size_t>(u) * R + static_cast<std::size_t>(sub + l)][x - x0] = lanes[l];
      }
    }
  }
}
#endif

// Source row pixels of the channels in `used` as values, one row per channel at
// values + s * W: the identity-resize case, where a value is the sample itself.
template <class Value, class Src>
void deinterleave_row(const Src* row, int channels, int W, const int* used, int nused, Value* values) {
  int x = 0;
#if HWY_TARGET != HWY_SCALAR
  if constexpr ((std::is_same_v<Src, std::uint8_t> && std::is_same_v<Value, std::int32_t>) ||
                (std::is_same_v<Src, float> && std::is_same_v<Value, float>)) {
    if (channels >= 3) {  // every channel (an unused alpha costs a store, not a branch)
      const hn::ScalableTag<Value> dv;
      const hn::Rebind<Src, decltype(dv)> ds;  // as many samples as value lanes
      const int N = static_cast<int>(hn::Lanes(dv));
      Value* v0 = values;
      Value* v1 = values + W;
      Value* v2 = values + 2 * static_cast<std::size_t>(W);
      Value* v3 = values + 3 * static_cast<std::size_t>(W);
      const auto put = [&](hn::Vec<decltype(ds)> v, Value* to) HWY_ATTR {
        if constexpr (std::is_same_v<Src, Value>) {
          hn::StoreU(hn::Add(v, hn::Zero(dv)), dv, to);  // + 0: -0 becomes +0, as in the reference's sums
        } else {
          hn::StoreU(hn::PromoteTo(dv, v), dv, to);
        }
      };
      for (; x + N <= W; x += N) {
        hn::Vec<decltype(ds)> a, b, c;
        if (channels == 3) {
          hn::LoadInterleaved3(ds, row + static_cast<std::size_t>(x) * 3, a, b, c);
        } else {
          hn::Vec<decltype(ds)> d;
          hn::LoadInterleaved4(ds, row + static_cast<std::size_t>(x) * 4, a, b, c, d);
          put(d, v3 + x);
        }
        put(a, v0 + x), put(b, v1 + x), put(c, v2 + x);
      }
    }
  }
#endif
  for (int u = 0; u < nused; ++u) {
    Value* v = values + static_cast<std::size_t>(used[u]) * static_cast<std::size_t>(W);
    for (int i = x; i < W; ++i) v[i] = static_cast<Value>(row[static_cast<std::size_t>(i) * channels + used[u]]) + Value(0);
  }
}

// Both axes untouched (normalise / convert / relayout only): no resampling, each source
// row goes straight through the value maps into the output. The lowering sets
// AxisTaps::identity only when output o is source o with weight 1 in the convention's
// arithmetic (no crop, pad or flip), so the values are the samples themselves.
template <class Value, class Src, class Shape>
void map_rows(const Plan& p, const AnyImageView& in, void* out, const int* used, int nused) {
  const RowStore<Shape> store{p, out};
  const int W = Shape::width(p), H = Shape::height(p);
  detail::Workspace& ws = detail::Workspace::for_this_thread();
  Value* values = ws.values.get<Value>(4 * static_cast<std::size_t>(W) + 1);
  const Value* channel_values[4];
  for (int c = 0; c < Shape::channels(p); ++c)
    channel_values[c] = values + static_cast<std::size_t>(p.channel_source[static_cast<std::size_t>(c)]) * static_cast<std::size_t>(W);
  const auto* base = static_cast<const unsigned char*>(in.data);
  for (int y = 0; y < H; ++y) {
    const Src* row = reinterpret_cast<const Src*>(base + static_cast<std::ptrdiff_t>(y) * in.row_stride);
    deinterleave_row(row, in.channels, W, used, nused, values);
    store.row(y, 0, W, channel_values);
  }
}

template <Arithmetic A, class Src, class Shape>
void run_plan(const Plan& p, const AnyImageView& in, void* out) {
  using Acc = typename Traits<A>::Acc;
  using Mid = typename Traits<A>::Mid;
  constexpr bool u8_values = Traits<A>::u8_values;
  using Value = std::conditional_t<u8_values, std::int32_t, float>;
  const AxisTaps& X = p.x;
  const AxisTaps& Y = p.y;
  const RowStore<Shape> store{p, out};
  const int out_width = Shape::width(p);

  // Source channels the output reads (and alpha, to premultiply).
  int used[4], nused = 0;
  for (int s = 0; s < p.in_channels; ++s) {
    bool needed = s == 3 && p.premultiply_alpha;
    for (int c = 0; c < p.out_channels; ++c) needed |= p.channel_source[static_cast<std::size_t>(c)] == s;
    if (needed) used[nused++] = s;
  }

  if (X.identity && Y.identity && !p.transposed && !p.premultiply_alpha)
    return map_rows<Value, Src, Shape>(p, in, out, used, nused);

  const bool any_valid = X.valid_begin < X.valid_end && Y.valid_begin < Y.valid_end;
  const int x0 = X.valid_begin, x1 = X.valid_end;
  const std::size_t row_width = static_cast<std::size_t>(std::max(x1 - x0, 0));
  // Only the source columns and rows some tap reads are touched (X.sources, Y.sources);
  // rows are addressed by their position in Y.sources.
  const int nrow_sources = static_cast<int>(Y.sources.size());

  // Lanes = source rows: 8 (4 for doubles), so blocks transpose in registers. (Fewer on
  // narrower targets: SSE holds 4 int32, HWY_SCALAR 1; the horizontal pass then runs
  // several vectors per block.)
  const hn::CappedTag<Acc, sizeof(Acc) == 8 ? 4 : 8> da;
  constexpr std::size_t R = sizeof(Acc) == 8 ? 4 : 8;  // rows per block
  const int ring_rows = Y.max_taps + static_cast<int>(R) + 1;
  const std::size_t col_stride = X.sources.size() * R;

  detail::Workspace& ws = detail::Workspace::for_this_thread();
  Src* cols = ws.columns.get<Src>(col_stride * static_cast<std::size_t>(nused) + R);
  Mid* ring = ws.ring.get<Mid>(static_cast<std::size_t>(ring_rows) * static_cast<std::size_t>(nused) * row_width + 1);
  int* tags = ws.tags.get<int>(static_cast<std::size_t>(ring_rows));
  Value* values = ws.values.get<Value>(4 * static_cast<std::size_t>(p.out_width) + 1);
  Mid** block_rows = ws.block_rows.get<Mid*>(4 * R);
  Src* window = ws.window.get<Src>(64 * R);
  std::fill(tags, tags + ring_rows, -1);

  const Source<Src> src{static_cast<const unsigned char*>(in.data), in.row_stride, in.channels, p.transposed,
                        p.premultiply_alpha};
  // Ring rows by row position t; the slot cycles with the position.
  auto ring_row = [&](int t, int u) {
    return ring + (static_cast<std::size_t>(t % ring_rows) * static_cast<std::size_t>(nused) + static_cast<std::size_t>(u)) * row_width;
  };

  // Horizontal pass over the rows at positions [t0, t0 + n) (n <= R), into the ring.
  int rows[R];
  auto horizontal = [&](int t0, int n) {
    for (int l = 0; l < n; ++l) rows[l] = Y.sources[static_cast<std::size_t>(t0 + l)];
    transpose_in<R>(src, rows, n, X.sources, p.transposed ? p.in_height : p.in_width, used, nused, cols, col_stride,
                    window);
    for (int u = 0; u < nused; ++u)
      for (int l = 0; l < n; ++l) block_rows[static_cast<std::size_t>(u) * R + static_cast<std::size_t>(l)] = ring_row(t0 + l, u);
    switch (nused) {  // all channels of an output column share its taps
      case 1: h_block<A, 1, R, Shape>(da, X, cols, col_stride, x0, x1, n, block_rows); break;
      case 2: h_block<A, 2, R, Shape>(da, X, cols, col_stride, x0, x1, n, block_rows); break;
      case 3: h_block<A, 3, R, Shape>(da, X, cols, col_stride, x0, x1, n, block_rows); break;
      default: h_block<A, 4, R, Shape>(da, X, cols, col_stride, x0, x1, n, block_rows); break;
    }
    for (int l = 0; l < n; ++l) tags[(t0 + l) % ring_rows] = t0 + l;
  };

  // Output rows in the order their source rows advance (backwards when the rows are
  // mirrored); the ring holds the positions [lo, hi] an output row reads, computed R at
  // a time ahead of the travel.
  const bool forward = !(Y.valid_end - Y.valid_begin > 1 &&
                         Y.first[static_cast<std::size_t>(Y.valid_begin)] > Y.first[static_cast<std::size_t>(Y.valid_end - 1)]);
  auto ensure = [&](int lo, int hi) {
    for (;;) {
      int missing = -1;
      if (forward) {
        for (int t = lo; t <= hi && missing < 0; ++t)
          if (tags[t % ring_rows] != t) missing = t;
      } else {
        for (int t = hi; t >= lo && missing < 0; --t)
          if (tags[t % ring_rows] != t) missing = t;
      }
      if (missing < 0) return;
      const int first = forward ? missing : std::max(missing - static_cast<int>(R) + 1, 0);
      const int last = forward ? std::min(missing + static_cast<int>(R) - 1, nrow_sources - 1) : missing;
      horizontal(first, last - first + 1);
    }
  };

  const Mid** taps = ws.taps.get<const Mid*>(static_cast<std::size_t>(Y.max_taps) + 1);
  const int out_height = Shape::height(p);
  for (int step = 0; step < out_height; ++step) {
    const int y = forward ? step : out_height - 1 - step;
    if (Y.is_padding(y) || !any_valid) {
      store.template row<Value>(y, 0, 0, nullptr);
      continue;
    }
    const int n = Y.count[static_cast<std::size_t>(y)];
    const std::int32_t* slot = Y.slot_row(y);
    int lo = slot[0], hi = slot[0];
    for (int k = 1; k < n; ++k) {
      lo = std::min(lo, slot[k]);
      hi = std::max(hi, slot[k]);
    }
    ensure(lo, hi);
    for (int u = 0; u < nused; ++u) {
      for (int k = 0; k < n; ++k) taps[k] = ring_row(slot[k], u) - x0;
      Vertical<A>::template run<Shape>(p, Y, y, taps, x0, x1, used[u],
                                       values + static_cast<std::size_t>(used[u]) * static_cast<std::size_t>(out_width));
    }
    if constexpr (u8_values) {
      if (p.premultiply_alpha)
        for (int c = 0; c < 3; ++c) unpremultiply(values + c * out_width, values + 3 * out_width, x0, x1);
    }
    const Value* channel_values[4];
    for (int c = 0; c < Shape::channels(p); ++c)
      channel_values[c] = values + static_cast<std::size_t>(p.channel_source[static_cast<std::size_t>(c)]) * static_cast<std::size_t>(out_width);
    store.row(y, x0, x1, channel_values);
  }
}

// The instantiation for the plan's arithmetic and input type (the pairs lowering makes).
template <class Src, class Shape>
void run_typed(const Plan& p, const AnyImageView& in, void* out) {
  if constexpr (std::is_same_v<Src, std::uint8_t>) {
    switch (p.arithmetic) {
      case Arithmetic::fixed_u8: return run_plan<Arithmetic::fixed_u8, Src, Shape>(p, in, out);
      case Arithmetic::opencv_linear: return run_plan<Arithmetic::opencv_linear, Src, Shape>(p, in, out);
      case Arithmetic::opencv_cubic: return run_plan<Arithmetic::opencv_cubic, Src, Shape>(p, in, out);
      case Arithmetic::opencv_lanczos4: return run_plan<Arithmetic::opencv_lanczos4, Src, Shape>(p, in, out);
      case Arithmetic::opencv_linear_exact: return run_plan<Arithmetic::opencv_linear_exact, Src, Shape>(p, in, out);
      case Arithmetic::opencv_area_fast: return run_plan<Arithmetic::opencv_area_fast, Src, Shape>(p, in, out);
      case Arithmetic::opencv_area: return run_plan<Arithmetic::opencv_area, Src, Shape>(p, in, out);
      default: break;
    }
  } else if constexpr (std::is_same_v<Src, std::uint16_t>) {
    if (p.arithmetic == Arithmetic::round_half_away) return run_plan<Arithmetic::round_half_away, Src, Shape>(p, in, out);
    if (p.arithmetic == Arithmetic::real_u16) return run_plan<Arithmetic::real_u16, Src, Shape>(p, in, out);
  }
  return run_plan<Arithmetic::real, Src, Shape>(p, in, out);
}

template <class Shape>
void run_shaped(const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
  switch (in.dtype) {
    case DType::u16: return run_typed<std::uint16_t, Shape>(p, in, out.data);
    case DType::f32: return run_typed<float, Shape>(p, in, out.data);
    default: return run_typed<std::uint8_t, Shape>(p, in, out.data);
  }
}

}  // namespace fused

// Runs `p` on `in` into `out` (validated by the caller).
inline void RunPlan(const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
  fused::run_shaped<fused::DynamicShape>(p, in, out);
}

// The same for a plan whose output is C x H x W (checked by the caller); instantiated on
// use, for each target, by run_static's dispatch table (cpu/dispatch.hpp).
template <class Out>  // a StaticOutput
void RunPlanStatic(const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
  using Shape = fused::StaticShape<Out::channels, Out::height, Out::width>;
  // Shape's constant column range holds only when every output column reads the source.
  if (p.x.valid_begin == 0 && p.x.valid_end == p.out_width) return fused::run_shaped<Shape>(p, in, out);
  fused::run_shaped<fused::DynamicShape>(p, in, out);
}

}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_INL_H_ toggle
