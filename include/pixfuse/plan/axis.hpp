// The resampling matrix of one output axis, row by row.
//
// ResizeTaps is what a convention (compat/*.hpp) computes for a resize of one axis, for
// the resized indices the output shows: resized index r reads window samples first[r] ..
// first[r] + count[r] - 1, each index clamped into [0, in_size) (replicated borders, as
// OpenCV's cubic reads them; the Pillow-style conventions never leave the window), with
// weights weight_row(r)[k]. Rows are stored from rows.begin on.
//
// AxisTaps is the same for the final output axis, after crops, pads and flips are folded
// in (plan/coordinate_map.hpp): absolute indices in the upright source, clamped into
// [clamp_begin, clamp_end) (the resized window); output indices outside
// [valid_begin, valid_end) are padding. Rows are max_taps long and zero-filled past count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/plan/limits.hpp"
#include "pixfuse/plan/paired_taps.hpp"

namespace pixfuse {

// A range of resized indices [begin, end): the rows of a resampling matrix a plan needs.
struct Rows {
  int begin = 0, end = 0;
  int size() const { return end - begin; }
};

struct ResizeTaps {
  int in_size = 0, out_size = 0;
  int max_taps = 0;
  // Only the rows the output shows are computed (the resized image may be far longer
  // than the crop taken from it): row r of the matrix is stored at r - rows.begin.
  Rows rows;
  std::vector<std::int32_t> first, count;
  std::vector<double> weights;      // rows.size() * max_taps: the convention's values
  std::vector<std::int32_t> fixed;  // rows.size() * max_taps fixed-point weights, or empty
  int precision_bits = 0;           // of `fixed`
  bool identity = false;            // the convention leaves this axis untouched

  // Allocates rows `wanted` of an in -> out resize with `taps` taps per row, after
  // checking the bounds of plan/limits.hpp (the whole matrix for lowering time, the
  // stored rows for memory).
  void resize_rows(int in, int out, std::int64_t taps, Rows wanted) {
    std::int64_t matrix = 0, shown = 0;
    if (taps < 1 || __builtin_mul_overflow(taps, std::int64_t{out}, &matrix) ||
        matrix > limits::max_matrix_taps ||
        __builtin_mul_overflow(taps, std::int64_t{wanted.size()}, &shown) ||
        shown > limits::max_axis_taps)
      throw Error(detail::to_text("resampling ", in, " samples to ", out),
                  detail::to_text("at most ", limits::max_matrix_taps, " taps in all and ",
                                  limits::max_axis_taps, " for the rows the output shows"),
                  detail::to_text(out, " rows x ", taps, " taps (", wanted.size(), " rows shown)"));
    in_size = in;
    out_size = out;
    max_taps = static_cast<int>(taps);
    rows = wanted;
    first.assign(static_cast<std::size_t>(wanted.size()), 0);
    count.assign(static_cast<std::size_t>(wanted.size()), 0);
    weights.assign(static_cast<std::size_t>(wanted.size()) * static_cast<std::size_t>(taps), 0.0);
  }
  bool has_row(int r) const { return r >= rows.begin && r < rows.end; }
  std::size_t slot(int r) const { return static_cast<std::size_t>(r - rows.begin); }
  double* weight_row(int r) {
    return weights.data() + slot(r) * static_cast<std::size_t>(max_taps);
  }
  std::int32_t* fixed_row(int r) {
    return fixed.data() + slot(r) * static_cast<std::size_t>(max_taps);
  }
  const double* weight_row(int r) const {
    return weights.data() + slot(r) * static_cast<std::size_t>(max_taps);
  }
  const std::int32_t* fixed_row(int r) const {
    return fixed.data() + slot(r) * static_cast<std::size_t>(max_taps);
  }
  void set(int r, int first_index, int n) {
    first[slot(r)] = first_index;
    count[slot(r)] = n;
  }
};

// The taps of an axis its convention leaves untouched (identity): source i with weight
// one, in the convention's fixed point too. Pillow and torchvision skip such a pass and
// OpenCV copies a same-size image, while the filter's own taps can carry weights of
// 1e-17 (lanczos, bicubic at integer offsets): unit taps give the libraries' exact copy
// in float arithmetic as well, and let kernels skip the resampling.
inline ResizeTaps unit_taps(const ResizeTaps& r) {
  ResizeTaps t;
  t.resize_rows(r.in_size, r.out_size, 1, r.rows);
  for (int i = r.rows.begin; i < r.rows.end; ++i) {
    t.set(i, i, 1);
    t.weight_row(i)[0] = 1.0;
  }
  t.precision_bits = r.precision_bits;
  if (!r.fixed.empty())
    t.fixed.assign(static_cast<std::size_t>(r.rows.size()), std::int32_t{1} << r.precision_bits);
  t.identity = true;
  return t;
}

struct AxisTaps {
  int out_size = 0;
  int valid_begin = 0, valid_end = 0;  // output indices that read the source
  int clamp_begin = 0, clamp_end = 0;  // source indices are clamped into this range
  int resized_size = 0;                // length of the resized image
  int max_taps = 0;
  std::vector<std::int32_t> first;    // out_size entries (0 for padding)
  std::vector<std::int32_t> count;    // out_size entries (0 for padding)
  std::vector<std::int32_t> resized;  // out_size entries: the resized index each output shows
  std::vector<double> weights;        // out_size * max_taps
  std::vector<std::int32_t> fixed;    // out_size * max_taps, or empty
  std::vector<std::int32_t> indices;  // out_size * max_taps: index(o, k), clamped (0 past count)
  // The distinct source indices the valid outputs read, ascending, and for each tap the
  // position of its index in that list (kernels keep only these samples).
  std::vector<std::int32_t> sources;
  std::vector<std::int32_t> source_slots;  // out_size * max_taps (0 past count)
  std::vector<std::uint8_t> consecutive;   // per output: its slots are slot[0], slot[0] + 1, ...
  int precision_bits = 0;
  bool reversed = false;  // taps are stored ascending but the convention sums them descending
  bool identity = false;  // output index o is source index o with weight 1
  PairedTaps paired;      // `fixed` regrouped for 16-bit multiply-add kernels (build_indices)

  bool is_padding(int o) const { return o < valid_begin || o >= valid_end; }
  // Whether the valid outputs read the source in ascending order (false when the axis is
  // mirrored): the drivers walk the outputs so that source rows are read once each.
  bool ascending() const {
    return !(valid_end - valid_begin > 1 && first[static_cast<std::size_t>(valid_begin)] >
                                                first[static_cast<std::size_t>(valid_end - 1)]);
  }
  int index(int o, int k) const {
    return std::clamp(first[static_cast<std::size_t>(o)] + k, clamp_begin, clamp_end - 1);
  }
  // Fill `indices`, `sources` and `source_slots` from first / count / the clamp range
  // (after every fold).
  void build_indices() {
    const std::size_t n = static_cast<std::size_t>(out_size) * static_cast<std::size_t>(max_taps);
    indices.assign(n, 0);
    sources.clear();
    std::size_t taps = 0;
    auto tap = [&](int o, int k) {
      return static_cast<std::size_t>(o) * static_cast<std::size_t>(max_taps) +
             static_cast<std::size_t>(k);
    };
    for (int o = valid_begin; o < valid_end; ++o)
      for (int k = 0; k < count[static_cast<std::size_t>(o)]; ++k, ++taps)
        indices[tap(o, k)] = index(o, k);
    // The distinct indices ascending, and each tap's slot among them. Where the clamp range
    // is not much longer than the taps (every image plan), marking the range and looking
    // slots up is several times faster than a sort and a binary search per tap (which were
    // most of make_plan); a range far longer than the taps (a few taps in a huge window)
    // sorts them instead, so memory follows the taps.
    const std::size_t range =
        clamp_end > clamp_begin ? static_cast<std::size_t>(clamp_end - clamp_begin) : 0;
    std::vector<std::int32_t> slot_of;
    const bool lookup = range <= 4 * taps + 4096;
    if (lookup) {
      slot_of.assign(range, -1);
      for (int o = valid_begin; o < valid_end; ++o)
        for (int k = 0; k < count[static_cast<std::size_t>(o)]; ++k)
          slot_of[static_cast<std::size_t>(indices[tap(o, k)] - clamp_begin)] = 0;
      for (std::size_t r = 0; r < range; ++r)
        if (slot_of[r] == 0) {
          slot_of[r] = static_cast<std::int32_t>(sources.size());
          sources.push_back(clamp_begin + static_cast<int>(r));
        }
    } else {
      for (int o = valid_begin; o < valid_end; ++o)
        for (int k = 0; k < count[static_cast<std::size_t>(o)]; ++k)
          sources.push_back(indices[tap(o, k)]);
      std::sort(sources.begin(), sources.end());
      sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
    }
    auto slot_by_search = [&](int i) {
      return static_cast<std::int32_t>(std::lower_bound(sources.begin(), sources.end(), i) -
                                       sources.begin());
    };
    // Entries past an output's count (index 0) get the slot a search for 0 gives.
    source_slots.assign(n, slot_by_search(0));
    for (int o = valid_begin; o < valid_end; ++o)
      for (int k = 0; k < count[static_cast<std::size_t>(o)]; ++k) {
        const int i = indices[tap(o, k)];
        source_slots[tap(o, k)] =
            lookup ? slot_of[static_cast<std::size_t>(i - clamp_begin)] : slot_by_search(i);
      }
    consecutive.assign(static_cast<std::size_t>(out_size), 0);
    for (int o = valid_begin; o < valid_end; ++o) {
      const std::int32_t* slot = slot_row(o);
      bool run = true;
      for (int k = 1; k < count[static_cast<std::size_t>(o)]; ++k)
        run = run && slot[k] == slot[0] + k;
      consecutive[static_cast<std::size_t>(o)] = run;
    }
    paired =
        detail::make_paired_taps(out_size, valid_begin, valid_end, max_taps, clamp_begin, clamp_end,
                                 precision_bits, count, fixed, source_slots, indices);
  }
  const std::int32_t* slot_row(int o) const {
    return source_slots.data() + static_cast<std::size_t>(o) * static_cast<std::size_t>(max_taps);
  }
  // Source indices the valid outputs read: [lo, hi]; lo > hi when nothing is read.
  void source_range(int& lo, int& hi) const {
    lo = clamp_end;
    hi = clamp_begin - 1;
    for (int o = valid_begin; o < valid_end; ++o)
      for (int k = 0; k < count[static_cast<std::size_t>(o)]; ++k) {
        const int i = index(o, k);
        lo = i < lo ? i : lo;
        hi = i > hi ? i : hi;
      }
  }
  const double* weight_row(int o) const {
    return weights.data() + static_cast<std::size_t>(o) * static_cast<std::size_t>(max_taps);
  }
  const std::int32_t* fixed_row(int o) const {
    return fixed.data() + static_cast<std::size_t>(o) * static_cast<std::size_t>(max_taps);
  }
};

}  // namespace pixfuse
