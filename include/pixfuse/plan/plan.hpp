// Plan: a recipe lowered for one input shape (plan/lower.hpp), the single description
// every backend executes. Per output axis the taps and weights in the chosen convention,
// with crops, pads, flips and the EXIF orientation folded in; per output channel the
// source channel and the value map; the output dtype and layout.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/plan/arithmetic.hpp"
#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/division_free.hpp"
#include "pixfuse/plan/orientation.hpp"
#include "pixfuse/plan/transform.hpp"
#include "pixfuse/plan/value_map.hpp"
#include "pixfuse/recipe/resampling.hpp"

namespace pixfuse {

struct Plan {
  // The input this plan was lowered for (stored pixels, before orientation).
  int in_width = 0, in_height = 0, in_channels = 0;
  DType in_dtype = DType::u8;
  Orientation orientation = Orientation::normal;

  // The output of one image.
  int out_width = 0, out_height = 0, out_channels = 0;
  DType out_dtype = DType::f32;
  Layout layout = Layout::nchw;

  Resampling resampling;  // as applied
  Arithmetic arithmetic = Arithmetic::fixed_u8;
  // The vertical pass (along y) runs first, on source rows, and the horizontal pass on
  // its result: the order JAX contracts the axes in (float sums depend on it). Only for
  // Arithmetic::real; every other convention resamples horizontally first.
  bool vertical_first = false;

  // x: along the output width, y: along the output height, indices in the upright source.
  AxisTaps x, y;
  // Orientation folded into the taps' indices except for transposition: when transposed,
  // x taps index stored rows and y taps stored columns.
  bool transposed = false;

  std::array<std::int8_t, 4> channel_source{0, 1, 2, 3};  // per output channel
  bool premultiply_alpha = false;  // Pillow resizes RGBA premultiplied (not for nearest)

  std::array<ValueMap, 4> values;  // per output channel
  float pad_value = 0.0f;          // in source pixel units
  std::vector<float> lut;          // produces_u8(arithmetic): 256 entries per output channel
  // The same table as the output dtype's bit patterns (f32 bits, f16 / bf16 bits, u8 / i8
  // bytes, zero-extended), and the padding value per channel in that form.
  std::vector<std::uint32_t> lut_bits;
  // The same maps without divisions, and whether they equal the table on every u8 value
  // of every channel (plan/division_free.hpp): then the SIMD store may compute instead of
  // looking up.
  std::array<DivisionFreeMap, 4> division_free_maps{};
  bool division_free = false;
  std::array<std::uint32_t, 4> pad_bits{0, 0, 0, 0};

  PointTransform transform;

  TensorShape output_shape() const { return {1, out_channels, out_height, out_width}; }
  std::size_t output_elements() const {
    return static_cast<std::size_t>(out_channels) * static_cast<std::size_t>(out_height) *
           static_cast<std::size_t>(out_width);
  }
  // The memory the plan holds (its tap tables, mostly): at most ~40 MiB by
  // plan/limits.hpp, ~0.2 MiB for an ImageNet recipe. Caches budget with it.
  std::size_t bytes() const {
    auto axis = [](const AxisTaps& a) {
      return a.first.capacity() * 4 + a.count.capacity() * 4 + a.resized.capacity() * 4 +
             a.weights.capacity() * 8 + a.fixed.capacity() * 4 + a.indices.capacity() * 4 +
             a.sources.capacity() * 4 + a.source_slots.capacity() * 4 + a.consecutive.capacity();
    };
    return sizeof(Plan) + axis(x) + axis(y) + lut.capacity() * 4 + lut_bits.capacity() * 4;
  }

  // The output value (before dtype conversion) of resampled value v in channel c.
  float value(int c, float v) const { return values[static_cast<std::size_t>(c)].apply(v); }

  // What the OpenCV conventions derive from the taps, for every backend:
  // opencv_cubic's vertical pass is float32 (cv::resize's SIMD loop) for flattened columns
  // (resized column * channels + channel) below this, integer (its scalar tail) from it on.
  std::int64_t cubic_simd_columns() const {
    return 8 * ((static_cast<std::int64_t>(x.resized_size) * in_channels) / 8);
  }
  // opencv_area_fast: the horizontal block size kx (every valid column has kx taps; 0
  // when no column is valid).
  int area_kx() const {
    return x.valid_begin < x.valid_end ? x.count[static_cast<std::size_t>(x.valid_begin)] : 0;
  }
};

}  // namespace pixfuse
