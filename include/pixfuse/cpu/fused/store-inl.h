// Storing output rows: value maps, output conversion, planar or interleaved layout, padding;
// and Pillow's un-premultiplication of the resampled colour values.
//
// Per-target -inl.h (Highway's convention): included once per target by cpu/fused-inl.h.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/layout_mapping.hpp"
#include "pixfuse/cpu/value_form.hpp"
#include "pixfuse/plan/division_free.hpp"
#include "pixfuse/plan/plan.hpp"
#include "pixfuse/plan/premultiply.hpp"

#include "pixfuse/plan/detail/no_contract.hpp"

#if defined(PIXFUSE_CPU_FUSED_STORE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef PIXFUSE_CPU_FUSED_STORE_INL_H_
#undef PIXFUSE_CPU_FUSED_STORE_INL_H_
#else
#define PIXFUSE_CPU_FUSED_STORE_INL_H_
#endif

#include <hwy/highway.h>

#include "pixfuse/cpu/fused/lanes-inl.h"
#include "pixfuse/cpu/fused/convert-inl.h"
#include "pixfuse/cpu/fused/shape-inl.h"

HWY_BEFORE_NAMESPACE();
PIXFUSE_NO_CONTRACT_REGION
namespace pixfuse {
inline namespace PIXFUSE_DISPATCH_NAMESPACE {
namespace HWY_NAMESPACE {
namespace fused {

namespace hn = hwy::HWY_NAMESPACE;

// Storing output rows.

// The output element type's storage as unsigned lanes (bit patterns).
template <class T>
using Storage = std::conditional_t<sizeof(T) == 4, std::uint32_t,
                                   std::conditional_t<sizeof(T) == 2, std::uint16_t, std::uint8_t>>;

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

// Resampled values (floats) through one channel's value map: the same float operations
// that built the plan's lookup table, so equal to it.
template <class DF>
HWY_INLINE hn::Vec<DF> map_values(DF df, const ChannelMap m, hn::Vec<DF> v) {
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

// The same for resampled values in memory (u8 values as int32, or floats).
template <class DF, class V>
HWY_INLINE hn::Vec<DF> mapped(DF df, const ChannelMap m, const V* values, std::size_t lanes) {
  const hn::RebindToSigned<DF> di;
  hn::Vec<DF> v;
  if constexpr (std::is_same_v<V, float>) v = load_n(df, values, lanes);
  else v = hn::ConvertTo(df, load_n(di, values, lanes));
  return map_values(df, m, v);
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
      case DType::i8: return row_as<std::int8_t>(y, x0, x1, channel_values);
      case DType::u16: break;  // not an output dtype (cast and make_plan reject it)
    }
    detail::unreachable("store: output dtype");
  }

  // The same from u8 values: source channel s of column x at at[s][(x - x0) * stride],
  // with stride = C for pixels stored one after another (the two-tap path's flattened
  // rows: at[s] = flat + s) or 1 for one row per channel. rows > 1 (whole rows only:
  // x0 = 0, x1 = W): rows y .. y + rows - 1, which follow one another at `at`, stored as
  // one row of rows * W pixels (they follow one another in the output too, in either
  // layout), so that the per-row work and a row's last partial vector come once.
  void row_u8(int y, int x0, int x1, const std::uint8_t* const* at, int stride,
              int rows = 1) const {
    switch (p.out_dtype) {
      case DType::f32: return row_u8_as<float>(y, x0, x1, at, stride, rows);
      case DType::f16: return row_u8_as<f16>(y, x0, x1, at, stride, rows);
      case DType::bf16: return row_u8_as<bf16>(y, x0, x1, at, stride, rows);
      case DType::u8: return row_u8_as<std::uint8_t>(y, x0, x1, at, stride, rows);
      case DType::i8: return row_u8_as<std::int8_t>(y, x0, x1, at, stride, rows);
      case DType::u16: break;  // not an output dtype (cast and make_plan reject it)
    }
    detail::unreachable("store: output dtype");
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
    const LayoutMapping<std::size_t> mapping(p.layout, static_cast<std::size_t>(C),
                                             static_cast<std::size_t>(H),
                                             static_cast<std::size_t>(W));
    if (p.layout == Layout::nchw) {
      for (int c = 0; c < C; ++c) {
        S* o = base + mapping.offset(static_cast<std::size_t>(c), static_cast<std::size_t>(y), 0);
        const S pad = static_cast<S>(p.pad_bits[static_cast<std::size_t>(c)]);
        std::fill(o, o + x0, pad);
        std::fill(o + x1, o + W, pad);
        const ChannelMap m = ChannelMap::of(p.values[static_cast<std::size_t>(c)]);
        int x = x0;
        if (m.kind == ChannelMap::one_step &&
            x + N <= x1) {  // whole vectors, the map's constants in registers
          const hn::RebindToSigned<decltype(df)> di;
          const auto k = hn::Set(df, m.k), mean = hn::Set(df, m.mean), sd = hn::Set(df, m.std);
          const V* v = channel_values[c];
          auto load = [&](int at) HWY_ATTR {
            if constexpr (std::is_same_v<V, float>) return hn::LoadU(df, v + at);
            else return hn::ConvertTo(df, hn::LoadU(di, v + at));
          };
          if (m.divide)
            for (; x + N <= x1; x += N)
              hn::StoreU(to_storage<T>(df, hn::Div(hn::Sub(hn::Div(load(x), k), mean), sd)), ds,
                         o + x);
          else
            for (; x + N <= x1; x += N)
              hn::StoreU(to_storage<T>(df, hn::Div(hn::Sub(hn::Mul(load(x), k), mean), sd)), ds,
                         o + x);
        }
        for (; x < x1; x += N) {
          const std::size_t lanes = static_cast<std::size_t>(std::min(N, x1 - x));
          store_n(to_storage<T>(df, mapped(df, m, channel_values[c] + x, lanes)), ds, o + x, lanes);
        }
      }
      return;
    }
    // Interleaved: whole vectors of pixels with StoreInterleaved, the rest lane by lane.
    S* o = base + mapping.offset(0, static_cast<std::size_t>(y), 0);
    for (int x = 0; x < W; ++x)
      if (x < x0 || x >= x1)
        for (int c = 0; c < C; ++c)
          o[static_cast<std::size_t>(x) * C + c] =
              static_cast<S>(p.pad_bits[static_cast<std::size_t>(c)]);
    int x = x0;
#if HWY_TARGET != HWY_SCALAR
    if (C == 3 || C == 4) {
      const ChannelMap m0 = ChannelMap::of(p.values[0]), m1 = ChannelMap::of(p.values[1]),
                       m2 = ChannelMap::of(p.values[2]), m3 = ChannelMap::of(p.values[3]);
      for (; x + N <= x1; x += N) {
        const auto r =
            to_storage<T>(df, mapped(df, m0, channel_values[0] + x, static_cast<std::size_t>(N)));
        const auto g =
            to_storage<T>(df, mapped(df, m1, channel_values[1] + x, static_cast<std::size_t>(N)));
        const auto b =
            to_storage<T>(df, mapped(df, m2, channel_values[2] + x, static_cast<std::size_t>(N)));
        if (C == 3) {
          hn::StoreInterleaved3(r, g, b, ds, o + static_cast<std::size_t>(x) * 3);
        } else {
          const auto a =
              to_storage<T>(df, mapped(df, m3, channel_values[3] + x, static_cast<std::size_t>(N)));
          hn::StoreInterleaved4(r, g, b, a, ds, o + static_cast<std::size_t>(x) * 4);
        }
      }
    }
#endif
    alignas(64) S lanes[HWY_MAX_BYTES];
    for (; x < x1; x += N) {
      const std::size_t n = static_cast<std::size_t>(std::min(N, x1 - x));
      for (int c = 0; c < C; ++c) {
        hn::Store(to_storage<T>(df,
                                mapped(df, ChannelMap::of(p.values[static_cast<std::size_t>(c)]),
                                       channel_values[c] + x, n)),
                  ds, lanes);
        for (std::size_t i = 0; i < n; ++i) o[(static_cast<std::size_t>(x) + i) * C + c] = lanes[i];
      }
    }
  }

  template <class T>
  void row_u8_as(int y, int begin, int end, const std::uint8_t* const* at, int C, int rows) const {
    using S = Storage<T>;
    const int Cout = Shape::channels(p), H = Shape::height(p), W = Shape::width(p);
    const int x0 = end == 0 ? 0 : Shape::begin(begin);
    const int x1 = end == 0 ? 0 : rows > 1 ? rows * W : Shape::end(end);
    S* base = reinterpret_cast<S*>(out);
    const bool planar = p.layout == Layout::nchw;
    // Both starts are taken; `put` uses the one of the plan's layout.
    const LayoutMapping<std::size_t> planes(Layout::nchw, static_cast<std::size_t>(Cout),
                                            static_cast<std::size_t>(H),
                                            static_cast<std::size_t>(W));
    const LayoutMapping<std::size_t> pixels(Layout::nhwc, static_cast<std::size_t>(Cout),
                                            static_cast<std::size_t>(H),
                                            static_cast<std::size_t>(W));
    S* plane[4];
    int source[4];
    for (int c = 0; c < Cout; ++c) {
      const auto cc = static_cast<std::size_t>(c);
      plane[c] = base + planes.offset(cc, static_cast<std::size_t>(y), 0);
      source[c] = p.channel_source[cc];
    }
    S* row = base + pixels.offset(0, static_cast<std::size_t>(y), 0);
    auto put = [&](int c, int x, S bits) {
      if (planar) plane[c][x] = bits;
      else
        row[static_cast<std::size_t>(x) * static_cast<std::size_t>(Cout) +
            static_cast<std::size_t>(c)] = bits;
    };
    for (int c = 0; c < Cout; ++c) {  // padding columns [0, x0) and [x1, W)
      const S pad = static_cast<S>(p.pad_bits[static_cast<std::size_t>(c)]);
      for (int x = 0; x < x0; ++x) put(c, x, pad);
      for (int x = x1; x < W; ++x) put(c, x, pad);
    }
    int x = x0;
#if !HWY_HAVE_SCALABLE && HWY_TARGET != HWY_SCALAR
    // Whole vectors of pixels: split into channels (u8), then a vector at a time through
    // the value map in floats, computed in one of three ways that all give the plan's table
    // (cpu/value_form.hpp, which orders them by the CPU's costs):
    // - without division (plan/division_free.hpp: multiply-adds, where the plan found them
    //   equal to the table on every u8 value and the target fuses multiply-adds);
    // - gathered from the table (32-bit outputs on targets with a gather instruction);
    // - the map's one step (or none) as the table computes it: one multiply (or divide),
    //   subtract and divide per channel.
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
    constexpr bool can_gather = sizeof(S) == 4;
#else
    constexpr bool can_gather = false;
#endif
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
    constexpr bool avx512 = true;
#else
    constexpr bool avx512 = false;
#endif
    bool one_step = true;
    int divides = 0;
    for (int c = 0; c < Cout; ++c) {
      const ValueMap& m = p.values[static_cast<std::size_t>(c)];
      one_step = one_step && m.steps.size() <= 1;
      divides += !m.steps.empty() && m.steps[0].divide;
    }
    const ValueForm form =
        ::pixfuse::detail::store_form(HWY_NATIVE_FMA && p.division_free, can_gather,
                                      one_step && (divides == 0 || divides == Cout), avx512);
    const bool division_free = form == ValueForm::division_free;
    if ((C == 1 || C == 3 || C == 4) && form != ValueForm::automatic &&
        (planar || Cout == 1 || Cout == 3 || Cout == 4)) {
      const hn::ScalableTag<std::uint8_t> d8;
      const hn::ScalableTag<float> df;
      const hn::RebindToSigned<decltype(df)> di;
      const hn::Rebind<std::uint8_t, decltype(df)> d8f;
      const hn::Rebind<S, decltype(df)> ds;
      constexpr int N8 = static_cast<int>(hn::MaxLanes(d8)),
                    NF = static_cast<int>(hn::MaxLanes(df));
      // Per channel, in registers: k, mean, inv (the step as written), or the division-free
      // form's multiplier (k), divisor, correction, mean, std (inv), reciprocal std.
      hn::Vec<decltype(df)> k[4], mean[4], inv[4], divisor[4], correction[4], reciprocal[4];
      const S* table[4];  // locals: the output stores could alias the plan's vector
      for (int c = 0; c < Cout; ++c) {
        const auto cc = static_cast<std::size_t>(c);
        table[c] = reinterpret_cast<const S*>(p.lut_bits.data()) + cc * 256;
        const ValueMap& m = p.values[cc];
        const bool none = m.steps.empty();
        if (division_free) {
          const DivisionFreeMap& f = p.division_free_maps[cc];
          k[c] = hn::Set(df, f.multiplier);
          divisor[c] = hn::Set(df, f.divisor);
          correction[c] = hn::Set(df, f.correction);
          mean[c] = hn::Set(df, f.mean);
          inv[c] = hn::Set(df, f.std);
          reciprocal[c] = hn::Set(df, f.reciprocal_std);
        } else {
          k[c] = hn::Set(df, none ? 1.0f : m.steps[0].scale);
          mean[c] = hn::Set(df, none ? 0.0f : m.steps[0].mean);
          inv[c] = hn::Set(df, none ? 1.0f : m.steps[0].std);  // divided by, as the table does
          divisor[c] = correction[c] = reciprocal[c] = hn::Zero(df);  // unused
        }
      }
      alignas(64) std::uint8_t split[4][N8];
      alignas(64) std::uint8_t tail[4 * N8];
      const std::uint8_t* from[4];  // per source channel: N8 values from column x
      // The form is a template argument of the loop, so that no vector tests it.
      auto columns = [&](auto tag) HWY_ATTR {
        for (; x < x1; x += N8) {
          const int n = std::min(N8, x1 - x);
          if (C == 1) {
            // One row per channel (or one channel): read in place, the last pixels padded.
            for (int c = 0; c < Cout; ++c) {
              const int s = source[c];
              from[s] = at[s] + (x - x0);
              if (n < N8) {
                std::memcpy(split[s], from[s], static_cast<std::size_t>(n));
                from[s] = split[s];
              }
            }
          } else {
            const std::uint8_t* f =
                at[0] + static_cast<std::size_t>(x - x0) * static_cast<std::size_t>(C);
            if (n < N8) {  // the last pixels, from a padded copy
              std::memcpy(tail, f, static_cast<std::size_t>(n) * static_cast<std::size_t>(C));
              f = tail;
            }
            hn::Vec<decltype(d8)> v0, v1, v2, v3;
            if (C == 3) {
              hn::LoadInterleaved3(d8, f, v0, v1, v2);
              hn::Store(v0, d8, split[0]), hn::Store(v1, d8, split[1]), hn::Store(v2, d8, split[2]);
            } else {
              hn::LoadInterleaved4(d8, f, v0, v1, v2, v3);
              hn::Store(v0, d8, split[0]), hn::Store(v1, d8, split[1]), hn::Store(v2, d8, split[2]),
                  hn::Store(v3, d8, split[3]);
            }
            for (int s = 0; s < C; ++s) from[s] = split[s];
          }
          auto value = [&](int c, int q) HWY_ATTR {
            const auto u = hn::PromoteTo(di, hn::LoadU(d8f, from[source[c]] + q));
            auto v = hn::ConvertTo(df, u);
            if constexpr (decltype(tag)::value == ValueForm::division_free) {
              // DivisionFreeMap::apply, a vector at a time
              auto r = hn::Mul(v, k[c]);
              v = hn::Sub(hn::MulAdd(hn::NegMulAdd(r, divisor[c], v), correction[c], r), mean[c]);
              r = hn::Mul(v, reciprocal[c]);
              return to_storage<T>(df, hn::MulAdd(hn::NegMulAdd(r, inv[c], v), reciprocal[c], r));
            } else if constexpr (decltype(tag)::value == ValueForm::gather) {
              return hn::GatherIndex(ds, table[c], u);
            } else {
              v = divides ? hn::Div(v, k[c]) : hn::Mul(v, k[c]);
              return to_storage<T>(df, hn::Div(hn::Sub(v, mean[c]), inv[c]));
            }
          };
          if (planar) {
            if (n == N8) {
              for (int c = 0; c < Cout; ++c)
                for (int q = 0; q < N8; q += NF) hn::StoreU(value(c, q), ds, plane[c] + x + q);
            } else {
              for (int c = 0; c < Cout; ++c)
                for (int q = 0; q < n; q += NF)
                  store_n(value(c, q), ds, plane[c] + x + q,
                          static_cast<std::size_t>(std::min(NF, n - q)));
            }
            continue;
          }
          for (int q = 0; q < n; q += NF) {
            const auto lanes = static_cast<std::size_t>(std::min(NF, n - q));
            S* px = row + static_cast<std::size_t>(x + q) * static_cast<std::size_t>(Cout);
            alignas(64) S interleaved[4 * HWY_MAX_BYTES];
            S* to = lanes == static_cast<std::size_t>(NF) ? px : interleaved;
            if (Cout == 1) {
              hn::StoreU(value(0, q), ds, to);
            } else if (Cout == 3) {
              hn::StoreInterleaved3(value(0, q), value(1, q), value(2, q), ds, to);
            } else {
              hn::StoreInterleaved4(value(0, q), value(1, q), value(2, q), value(3, q), ds, to);
            }
            if (to != px)
              std::memcpy(px, interleaved, lanes * static_cast<std::size_t>(Cout) * sizeof(S));
          }
        }
      };
      switch (form) {
        case ValueForm::division_free:
          if constexpr (HWY_NATIVE_FMA)
            columns(std::integral_constant<ValueForm, ValueForm::division_free>());
          break;
        case ValueForm::gather:
          if constexpr (can_gather) columns(std::integral_constant<ValueForm, ValueForm::gather>());
          break;
        case ValueForm::divisions:
          columns(std::integral_constant<ValueForm, ValueForm::divisions>());
          break;
        case ValueForm::automatic: break;  // not a form: excluded above
      }
    }
#endif
    // Otherwise through the plan's table (the same values: lut_bits is what the maps give).
    for (; x < x1; ++x)
      for (int c = 0; c < Cout; ++c) {
        const std::uint8_t v =
            at[source[c]][static_cast<std::size_t>(x - x0) * static_cast<std::size_t>(C)];
        put(c, x, static_cast<S>(p.lut_bits[static_cast<std::size_t>(c) * 256 + v]));
      }
  }
};

// Pillow's un-premultiplication of the colour values, from the resampled alpha.
inline void unpremultiply(std::int32_t* colour, const std::int32_t* alpha, int x0, int x1) {
  for (int x = x0; x < x1; ++x) colour[x] = ::pixfuse::detail::unpremultiply(colour[x], alpha[x]);
}

}  // namespace fused
}  // namespace HWY_NAMESPACE
}  // namespace PIXFUSE_DISPATCH_NAMESPACE
}  // namespace pixfuse
HWY_AFTER_NAMESPACE();

#endif  // PIXFUSE_CPU_FUSED_STORE_INL_H_ toggle
