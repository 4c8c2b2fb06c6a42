// An axis's fixed-point weights regrouped for 16-bit multiply-add kernels
// (cpu/fused/madd-inl.h): a multiply-add of int16 lanes sums two products into one int32
// lane, so the kernels read samples in pairs and need each output's weights as int16 pairs.
//
// Derived from AxisTaps once per plan (AxisTaps::build_indices) so the kernels only read
// tables. Two layouts:
//
//   pairs     the taps' weights merged per source slot (AxisTaps::source_slots), grouped in
//             aligned slot pairs (2m, 2m + 1): output o reads pairs first[o] ..
//             first[o] + count[o] - 1 with weights (w[2m], w[2m + 1]).
//   two_tap   when every output reads at most two adjacent source indices: the first one
//             (base[o], absolute, with base[o] + 1 inside the clamp range) and the weights of
//             (base, base + 1).
//   digits    the merged weights again, each as signed base-256 digits for 8-bit
//             multiply-adds (VNNI's vpdpbusd: unsigned samples times signed bytes):
//             q = d0 + 256 d1 + 65536 d2, every digit in [-128, 127]; the sum of q * s is
//             then S0 + 256 S1 + 65536 S2 with S_k the sum of d_k * s, exact as below.
//             Output o's digit rows run over slots digit_first[o] .. + digit_count[o] - 1,
//             its first to its last nonzero weight, not from a pair boundary: four
//             samples per multiply-add, and a window starting one slot early would cost
//             a step whenever the count is a multiple of four.
//   pair digits  the same digits over the pairs taken two by two (pairs first[o] + 2 i
//             and + 2 i + 1, a missing last pair weighing 0): byte j of pair_digits'
//             entry (o, i, k) is digit k of slot 2 first[o] + 4 i + j. For kernels whose
//             samples come as pair rows (the vertical pass): two pair rows interleaved by
//             16-bit words give four slots per 32-bit lane.
//
// Exactness. Every integer convention's pass is acc = sum_k q_k * s_k (+ a rounding term)
// in exact integers (the reference kernels use int64). The kernels compute it as
//     sum over pairs of (q_a * s_a + q_b * s_b)          (one int16 multiply-add)
// or, when a weight does not fit int16, with q = hi * 2^shift + lo, lo in [0, 2^shift):
//     (sum over pairs of (hi_a s_a + hi_b s_b)) * 2^shift + sum over pairs of (lo_a s_a + lo_b s_b)
// which is the same integer. Merging the taps that read one slot (clamped borders) is exact
// for the same reason (integer addition is associative). Every product of two int16 values
// and every addition is exact modulo 2^32 in int32 lanes (two's complement wraps; the single
// int16 * int16 pair sum that leaves int32, (-2^15)^2 * 2, also wraps modulo 2^32), so the
// lanes hold the true sum modulo 2^32, and so the true sum itself whenever that lies inside
// int32. The samples are 0..255 (u8 sources, and Pillow's u8 values between the passes), so
// |acc| <= 255 * sum_k |q_k| + rounding, and `exact` records that this bound is below 2^31
// for every output (Pillow's 22-bit weights: sum |q| is about 2^22 for positive filters,
// 1.3 * 2^22 for lanczos, so 255 * that is below 2^31 by a factor of 1.5 or more).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace pixfuse {

struct PairedTaps {
  bool exact =
      false;  // the int32 lanes hold the exact sums (see above); else kernels use int64-safe paths
  int shift = 0;  // 0: every merged weight fits int16; else the hi / lo split point
  int max_pairs = 0;
  std::int64_t max_abs_sum = 0;            // max over outputs of sum |merged weight|
  std::vector<std::int32_t> first, count;  // per output: first slot pair, pairs read
  std::vector<std::uint32_t> hi,
      lo;  // out_size * max_pairs packed int16 pairs (lo: when shift > 0)

  bool two_tap = false;
  std::vector<std::int32_t> base;             // per output
  std::vector<std::uint32_t> two_hi, two_lo;  // per output (two_lo: when shift > 0)

  bool negative = false;  // some fixed weight is below 0 (filters with negative lobes)
  int byte_digits = 0;    // digits every weight fits (2 or 3), 0 when three do not suffice
  std::vector<std::int32_t> digit_first, digit_count;  // per output: its nonzero weights' slots
  int max_digit_count = 0;
  std::vector<std::int8_t> digits;         // out_size * 3 rows of quad_slots() (see digit_row)
  int max_quads = 0;                       // pairs two by two: (max_pairs + 1) / 2
  std::vector<std::uint32_t> pair_digits;  // out_size * max_quads * 3 (used when byte_digits > 0)

  // Slots per digit row: max_digit_count rounded up to whole quads (four samples per lane).
  std::size_t quad_slots() const { return 4 * static_cast<std::size_t>((max_digit_count + 3) / 4); }
  // Digit k of output o's weights, slot by slot from slot digit_first[o] (0 past its count).
  const std::int8_t* digit_row(int o, int k) const {
    return digits.data() +
           (static_cast<std::size_t>(o) * 3 + static_cast<std::size_t>(k)) * quad_slots();
  }

  // Output o's pair digits: entry 3 i + k holds digit k of slots 2 first[o] + 4 i .. + 3.
  const std::uint32_t* pair_digit_row(int o) const {
    return pair_digits.data() +
           static_cast<std::size_t>(o) * 3 * static_cast<std::size_t>(max_quads);
  }

  // The packed lane of weights (a, b): a in the low 16 bits, b in the high 16 bits.
  static std::uint32_t pack(std::int32_t a, std::int32_t b) {
    return (static_cast<std::uint32_t>(a) & 0xFFFFu) | (static_cast<std::uint32_t>(b) << 16);
  }
  const std::uint32_t* hi_row(int o) const {
    return hi.data() + static_cast<std::size_t>(o) * static_cast<std::size_t>(max_pairs);
  }
  const std::uint32_t* lo_row(int o) const {
    return lo.data() + static_cast<std::size_t>(o) * static_cast<std::size_t>(max_pairs);
  }
};

namespace detail {

// The split point for weights up to max_abs: 0 when they fit int16, else 11 (Pillow's
// 22-bit weights in two 11-bit halves); -1 when even the high half would not fit.
inline int weight_shift(std::int64_t max_abs) {
  if (max_abs <= 32767) return 0;
  if ((max_abs >> 11) < 32767) return 11;
  return -1;
}

// lo = q mod 2^shift (in [0, 2^shift)), hi = floor(q / 2^shift): q = hi * 2^shift + lo.
inline void split_weight(std::int32_t q, int shift, std::int32_t& hi, std::int32_t& lo) {
  if (shift == 0) {
    hi = q;
    lo = 0;
    return;
  }
  lo = q & ((1 << shift) - 1);
  hi = (q - lo) / (1 << shift);
}

// q as balanced base-256 digits, q = d[0] + 256 d[1] + 65536 d[2], each in [-128, 127].
// Returns how many digits q needs (0 for q = 0), 4 if three do not suffice.
inline int split_bytes(std::int64_t q, std::int8_t* d) {
  // Each digit is the remainder's low byte read as signed; subtracting it leaves a multiple
  // of 256 (so the shift is exact). Branch-free: plans split thousands of weights.
  std::int64_t rest = q;
  for (int k = 0; k < 3; ++k) {
    d[k] = static_cast<std::int8_t>(static_cast<std::uint8_t>(rest & 0xFF));
    rest = (rest - d[k]) >> 8;
  }
  if (rest != 0) return 4;
  return d[2] != 0 ? 3 : d[1] != 0 ? 2 : d[0] != 0 ? 1 : 0;
}

// Build the tables from an axis's fixed weights. `fixed` is out_size * max_taps; taps of
// output o read slots slot[o * max_taps + k] and source indices index[o * max_taps + k].
inline PairedTaps make_paired_taps(int out_size, int valid_begin, int valid_end, int max_taps,
                                   int clamp_begin, int clamp_end, int precision_bits,
                                   const std::vector<std::int32_t>& count,
                                   const std::vector<std::int32_t>& fixed,
                                   const std::vector<std::int32_t>& slots,
                                   const std::vector<std::int32_t>& indices) {
  PairedTaps t;
  if (fixed.empty() || max_taps <= 0 || out_size <= 0) return t;
  for (std::int32_t q : fixed) t.negative = t.negative || q < 0;
  const auto K = static_cast<std::size_t>(max_taps);
  const auto O = static_cast<std::size_t>(out_size);
  t.first.assign(O, 0);
  t.count.assign(O, 0);
  // Each output's slots [lo, hi] cover the pairs [lo / 2, hi / 2].
  std::int64_t max_abs = 0;
  for (int o = valid_begin; o < valid_end; ++o) {
    const auto u = static_cast<std::size_t>(o);
    const int n = count[u];
    if (n <= 0) continue;
    int lo = slots[u * K], hi = slots[u * K];
    for (int k = 1; k < n; ++k) {
      lo = std::min(lo, slots[u * K + static_cast<std::size_t>(k)]);
      hi = std::max(hi, slots[u * K + static_cast<std::size_t>(k)]);
    }
    t.first[u] = lo / 2;
    t.count[u] = hi / 2 - lo / 2 + 1;
    t.max_pairs = std::max(t.max_pairs, t.count[u]);
  }
  if (t.max_pairs == 0) return t;
  // Merged weights per output, dense over its pairs' slots.
  const auto P = static_cast<std::size_t>(t.max_pairs);
  std::vector<std::int64_t> dense(O * P * 2, 0);
  for (int o = valid_begin; o < valid_end; ++o) {
    const auto u = static_cast<std::size_t>(o);
    const int n = count[u];
    if (n <= 0) continue;
    const std::int64_t base_slot = 2 * static_cast<std::int64_t>(t.first[u]);
    std::int64_t abs_sum = 0;
    for (int k = 0; k < n; ++k) {
      const std::size_t i = u * K + static_cast<std::size_t>(k);
      dense[u * P * 2 + static_cast<std::size_t>(slots[i] - base_slot)] += fixed[i];
    }
    for (std::size_t j = 0; j < P * 2; ++j) {
      const std::int64_t q = dense[u * P * 2 + j];
      abs_sum += q < 0 ? -q : q;
      max_abs = std::max(max_abs, q < 0 ? -q : q);
    }
    t.max_abs_sum = std::max(t.max_abs_sum, abs_sum);
  }
  const int shift = weight_shift(max_abs);
  const std::int64_t rounding = precision_bits > 0 ? (std::int64_t{1} << (precision_bits - 1)) : 0;
  t.exact = shift >= 0 && 255 * t.max_abs_sum + rounding <= 2147483647LL;
  if (!t.exact) return t;
  t.shift = shift;
  t.hi.assign(O * P, 0);
  if (shift > 0) t.lo.assign(O * P, 0);
  for (int o = valid_begin; o < valid_end; ++o) {
    const auto u = static_cast<std::size_t>(o);
    for (int m = 0; m < t.count[u]; ++m) {
      std::int32_t h[2], l[2];
      for (int j = 0; j < 2; ++j)
        split_weight(static_cast<std::int32_t>(
                         dense[u * P * 2 + static_cast<std::size_t>(2 * m + j)]),
                     shift, h[j], l[j]);
      t.hi[u * P + static_cast<std::size_t>(m)] = PairedTaps::pack(h[0], h[1]);
      if (shift > 0) t.lo[u * P + static_cast<std::size_t>(m)] = PairedTaps::pack(l[0], l[1]);
    }
  }
  // Digits from each output's first nonzero weight to its last (slots relative to 2 first).
  t.digit_first.assign(O, 0);
  t.digit_count.assign(O, 0);
  for (int o = valid_begin; o < valid_end; ++o) {
    const auto u = static_cast<std::size_t>(o);
    const std::int64_t* q = dense.data() + u * P * 2;
    std::size_t a = 0, b = 2 * static_cast<std::size_t>(t.count[u]);
    while (a < b && q[a] == 0) ++a;
    while (b > a && q[b - 1] == 0) --b;
    t.digit_first[u] = 2 * t.first[u] + static_cast<std::int32_t>(a);
    t.digit_count[u] = static_cast<std::int32_t>(b - a);
    t.max_digit_count = std::max(t.max_digit_count, t.digit_count[u]);
  }
  const std::size_t Q = t.quad_slots();
  t.digits.assign(O * 3 * Q, 0);
  // The same digits by pair slot (2 first + s), four to a word: pair_digits.
  t.max_quads = (t.max_pairs + 1) / 2;
  const auto M = static_cast<std::size_t>(t.max_quads);
  t.pair_digits.assign(O * M * 3, 0);
  int needed = 2;
  for (int o = valid_begin; o < valid_end; ++o) {
    const auto u = static_cast<std::size_t>(o);
    const auto lead = static_cast<std::size_t>(t.digit_first[u] - 2 * t.first[u]);
    for (std::size_t j = 0; j < static_cast<std::size_t>(t.digit_count[u]); ++j) {
      std::int8_t d[3];
      needed = std::max(needed, split_bytes(dense[u * P * 2 + lead + j], d));
      const std::size_t s = lead + j;
      for (std::size_t k = 0; k < 3; ++k) {
        t.digits[(u * 3 + k) * Q + j] = d[k];
        t.pair_digits[(u * M + s / 4) * 3 + k] |=
            static_cast<std::uint32_t>(static_cast<std::uint8_t>(d[k])) << (8 * (s % 4));
      }
    }
  }
  t.byte_digits = needed <= 3 ? needed : 0;

  // Two adjacent source indices per output?
  if (clamp_end - clamp_begin < 2) return t;
  t.base.assign(O, clamp_begin);
  t.two_hi.assign(O, 0);
  if (shift > 0) t.two_lo.assign(O, 0);
  for (int o = valid_begin; o < valid_end; ++o) {
    const auto u = static_cast<std::size_t>(o);
    const int n = count[u];
    // Weights per source index, merged; the nonzero ones must lie in [b, b + 1].
    int lo = clamp_end, hi = clamp_begin - 1;
    for (int k = 0; k < n; ++k) {
      const std::size_t i = u * K + static_cast<std::size_t>(k);
      if (fixed[i] == 0) continue;
      lo = std::min(lo, indices[i]);
      hi = std::max(hi, indices[i]);
    }
    if (hi - lo > 1) return t;  // not two-tap: leave two_tap false
    int b = lo > hi ? clamp_begin : lo;
    if (b + 1 >= clamp_end) b = clamp_end - 2;
    std::int64_t q[2] = {0, 0};
    for (int k = 0; k < n; ++k) {
      const std::size_t i = u * K + static_cast<std::size_t>(k);
      if (fixed[i] != 0) q[indices[i] - b] += fixed[i];
    }
    std::int32_t h[2], l[2];
    for (int j = 0; j < 2; ++j) split_weight(static_cast<std::int32_t>(q[j]), shift, h[j], l[j]);
    t.base[u] = b;
    t.two_hi[u] = PairedTaps::pack(h[0], h[1]);
    if (shift > 0) t.two_lo[u] = PairedTaps::pack(l[0], l[1]);
  }
  t.two_tap = true;
  return t;
}

}  // namespace detail
}  // namespace pixfuse
