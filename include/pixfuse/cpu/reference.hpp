// The scalar reference kernels: the executable specification of a Plan.
//
// Written to be obviously right, not fast: every sample is read through the plan's tap
// tables, the horizontal pass fills a full intermediate image of the source rows the
// output needs, the vertical pass reads it (or the other way round, for plans whose
// convention contracts the vertical axis first), and each convention's arithmetic is
// spelled out below with the rule it follows. The SIMD and CUDA kernels are tested
// against this.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "pixfuse/core/convert.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/layout_mapping.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"
#include "pixfuse/plan/plan.hpp"
#include "pixfuse/plan/validate.hpp"
#include "pixfuse/plan/premultiply.hpp"
#include "pixfuse/plan/tap_pass.hpp"

namespace pixfuse {

namespace detail {

// Write value v (already mapped, in float) at (c, y, x) of a single-image tensor.
template <class T>
void store(const Plan& p, void* data, int c, int y, int x, float v) {
  const LayoutMapping<std::size_t> m(p.layout, static_cast<std::size_t>(p.out_channels),
                                     static_cast<std::size_t>(p.out_height),
                                     static_cast<std::size_t>(p.out_width));
  const std::size_t i = m.offset(static_cast<std::size_t>(c), static_cast<std::size_t>(y),
                                 static_cast<std::size_t>(x));
  static_cast<T*>(data)[i] = from_float<T>(v);
}

// Shared with the CUDA kernels: the passes (plan/tap_pass.hpp), premultiply and
// unpremultiply (plan/premultiply.hpp).

// One pass of the plan's arithmetic (plan/tap_pass.hpp, shared with the CUDA kernels) over
// the samples s[0..n) of output o of `axis`.
struct Pass {
  // The samples as tap_pass reads them (PIXFUSE_HD: nvcc compiles the reference into the
  // CUDA tests, where tap_pass is a host and device function).
  struct Samples {
    const double* s;
    PIXFUSE_HD double operator()(int k) const { return s[k]; }
  };

  PassRule rule;

  explicit Pass(const Plan& p) : rule{p.arithmetic, p.cubic_simd_columns(), p.area_kx()} {}

  PIXFUSE_NO_CONTRACT double operator()(const AxisTaps& a, int o, const double* s, bool first_pass,
                                        std::int64_t flat) const {
    const TapRow taps{a.count[static_cast<std::size_t>(o)],
                      a.weights.empty() ? nullptr : a.weight_row(o),
                      a.fixed.empty() ? nullptr : a.fixed_row(o), a.reversed, a.precision_bits};
    return tap_pass(rule, taps, Samples{s}, first_pass, flat);
  }
};

template <class Src, class Dst>
void run_reference_typed(const Plan& p, const ImageView<const Src>& in, void* out) {
  const AxisTaps& X = p.x;
  const AxisTaps& Y = p.y;
  // Source channels the output reads (alpha too when resizing premultiplied).
  std::vector<int> used;
  for (int c = 0; c < p.out_channels; ++c)
    used.push_back(p.channel_source[static_cast<std::size_t>(c)]);
  if (p.premultiply_alpha) used.push_back(3);
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());

  // Upright sample (u, v, c): stored (u, v), or (v, u) when the orientation transposes.
  auto sample = [&](int u, int v, int c) -> double {
    const int sx = p.transposed ? v : u, sy = p.transposed ? u : v;
    if (!p.premultiply_alpha || c == 3) return static_cast<double>(in(sx, sy, c));
    return premultiply(static_cast<int>(in(sx, sy, c)), static_cast<int>(in(sx, sy, 3)));
  };

  const int upright_w = p.transposed ? p.in_height : p.in_width;
  const int upright_h = p.transposed ? p.in_width : p.in_height;
  const Pass pass{p};
  std::vector<double> s(static_cast<std::size_t>(std::max(X.max_taps, Y.max_taps)));
  // The first pass's results, mid(i, j, c): (upright row i, output column j) after the
  // horizontal pass, or (output row i, upright column j) after the vertical one.
  const bool vertical_first = p.vertical_first;
  const std::size_t mid_width = static_cast<std::size_t>(vertical_first ? upright_w : p.out_width);
  std::vector<double> mid(static_cast<std::size_t>(vertical_first ? p.out_height : upright_h) *
                              mid_width * 4,
                          0.0);
  auto mid_at = [&](int i, int j, int c) -> double& {
    return mid[(static_cast<std::size_t>(i) * mid_width + static_cast<std::size_t>(j)) * 4 +
               static_cast<std::size_t>(c)];
  };
  // The upright rows (or columns) the second pass reads.
  const AxisTaps& second = vertical_first ? X : Y;
  std::vector<char> needed(static_cast<std::size_t>(vertical_first ? upright_w : upright_h), 0);
  for (int o = second.valid_begin; o < second.valid_end; ++o)
    for (int k = 0; k < second.count[static_cast<std::size_t>(o)]; ++k)
      needed[static_cast<std::size_t>(second.index(o, k))] = 1;

  if (!vertical_first) {
    // Horizontal pass: every needed upright row, every valid output column, every used channel.
    for (int row = 0; row < upright_h; ++row) {
      if (!needed[static_cast<std::size_t>(row)]) continue;
      for (int x = X.valid_begin; x < X.valid_end; ++x)
        for (int c : used) {
          for (int k = 0; k < X.count[static_cast<std::size_t>(x)]; ++k)
            s[static_cast<std::size_t>(k)] = sample(X.index(x, k), row, c);
          mid_at(row, x, c) = pass(X, x, s.data(), true, 0);
        }
    }
  } else {
    // Vertical pass: every valid output row, every needed upright column, every used channel.
    for (int y = Y.valid_begin; y < Y.valid_end; ++y)
      for (int col = 0; col < upright_w; ++col) {
        if (!needed[static_cast<std::size_t>(col)]) continue;
        for (int c : used) {
          for (int k = 0; k < Y.count[static_cast<std::size_t>(y)]; ++k)
            s[static_cast<std::size_t>(k)] = sample(col, Y.index(y, k), c);
          mid_at(y, col, c) = pass(Y, y, s.data(), true, 0);
        }
      }
  }

  // The second pass, value map, store.
  for (int y = 0; y < p.out_height; ++y)
    for (int x = 0; x < p.out_width; ++x) {
      const bool pad = Y.is_padding(y) || X.is_padding(x);
      double value[4] = {0, 0, 0, 0};
      if (!pad) {
        for (int c : used) {
          if (vertical_first) {
            for (int k = 0; k < X.count[static_cast<std::size_t>(x)]; ++k)
              s[static_cast<std::size_t>(k)] = mid_at(y, X.index(x, k), c);
            value[c] = pass(X, x, s.data(), false, 0);
            continue;
          }
          for (int k = 0; k < Y.count[static_cast<std::size_t>(y)]; ++k)
            s[static_cast<std::size_t>(k)] = mid_at(Y.index(y, k), x, c);
          const std::int64_t flat =
              static_cast<std::int64_t>(X.resized[static_cast<std::size_t>(x)]) * p.in_channels + c;
          value[c] = pass(Y, y, s.data(), false, flat);
        }
        if (p.premultiply_alpha)
          for (int c = 0; c < 3; ++c)
            value[c] = unpremultiply(static_cast<int>(value[c]), static_cast<int>(value[3]));
      }
      for (int c = 0; c < p.out_channels; ++c) {
        const auto cc = static_cast<std::size_t>(c);
        float out_value;
        if (pad) {
          out_value = p.value(c, p.pad_value);
        } else {
          const double v = value[p.channel_source[cc]];
          out_value = produces_u8(p.arithmetic) ? p.lut[cc * 256 + static_cast<std::size_t>(v)]
                                                : p.value(c, static_cast<float>(v));
        }
        store<Dst>(p, out, c, y, x, out_value);
      }
    }
}

}  // namespace detail

namespace detail {
// The reference kernel on arguments check_run accepted.
inline void reference_kernel(const Plan& plan, const AnyImageView& in, const AnyTensorView& out) {
  in.visit([&](auto view) {
    using Src = std::remove_const_t<typename decltype(view)::element_type>;
    visit_dtype(out.dtype, [&](auto tag) {
      using Dst = typename decltype(tag)::type;
      if constexpr (is_tensor_dtype(decltype(tag)::value))
        run_reference_typed<Src, Dst>(plan, view, out.data);
    });
  });
}
}  // namespace detail

// Execute `plan` on `in` into `out` (one image: shape (1, C, H, W) in the plan's layout)
// with the reference kernels.
inline void run_reference(const Plan& plan, const AnyImageView& in, const AnyTensorView& out) {
  detail::check_run(plan, in, out);
  detail::reference_kernel(plan, in, out);
}

}  // namespace pixfuse
