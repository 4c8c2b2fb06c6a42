// The Plan as the CUDA kernel reads it: flat descriptors and one packed table buffer.
//
// pack_plans() turns distinct Plans into a byte buffer that starts with one PlanDesc per
// plan, followed by the per-axis tables (counts, clamped tap indices, compact source
// slots, fixed-point and double weights), the u8 lookup tables and the value-map steps;
// descriptors refer to tables by byte offset, so the buffer is position independent and
// one cudaMemcpy moves it. Each image of a batch is an ImageDesc: its source pointer and
// row stride, its output slot, and the index of its plan. Plain C++: the kernel headers
// (*.cuh) read these structs on the device, the tests read them on the host.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/plan/plan.hpp"

namespace pixfuse::cuda {

struct AxisDesc {
  std::int32_t out_size = 0, valid_begin = 0, valid_end = 0, max_taps = 0;
  std::int32_t precision_bits = 0, reversed = 0, resized_size = 0, pad_ = 0;
  // Byte offsets into the table buffer; -1 when absent (fixed weights of float plans).
  std::int64_t count = -1;    // int32[out_size]
  std::int64_t indices = -1;  // int32[out_size * max_taps], clamped source indices
  std::int64_t slots = -1;    // int32[out_size * max_taps], positions in `sources`
  std::int64_t sources = -1;  // int32[]: the distinct source indices, ascending
  std::int64_t fixed = -1;    // int32[out_size * max_taps]
  std::int64_t weights = -1;  // double[out_size * max_taps]
  std::int64_t resized = -1;  // int32[out_size]
};

struct PlanDesc {
  std::int32_t in_width = 0, in_height = 0, in_channels = 0, in_dtype = 0;
  std::int32_t out_width = 0, out_height = 0, out_channels = 0, out_dtype = 0;
  std::int32_t layout = 0, arithmetic = 0, transposed = 0, premultiply = 0;
  std::int32_t channel_source[4] = {0, 1, 2, 3};
  std::int32_t used_mask = 0;  // source channels the output reads (alpha too when premultiplied)
  std::int32_t area_kx = 0;    // Plan::area_kx() (opencv_area_fast)
  std::int32_t vertical_first = 0, pad_ = 0;  // Plan::vertical_first
  std::int64_t simd_columns = 0;              // Plan::cubic_simd_columns() (opencv_cubic)
  std::uint32_t pad_bits[4] = {0, 0, 0, 0};
  std::int64_t lut_bits = -1;  // uint32[out_channels * 256] (u8 arithmetics)
  std::int64_t steps = -1;     // float[4 * steps]: scale, divide (0/1), mean, std
  std::int32_t step_begin[4] = {0, 0, 0, 0}, step_count[4] = {0, 0, 0, 0};
  AxisDesc x, y;
};

struct ImageDesc {
  const void* src = nullptr;
  std::int64_t src_stride = 0;  // bytes between rows
  void* dst = nullptr;  // the image's output slot (out_channels * out_height * out_width elements)
  std::int32_t plan = 0;  // index of its PlanDesc
  std::int32_t pad_ = 0;
};

static_assert(std::is_trivially_copyable_v<PlanDesc> && std::is_trivially_copyable_v<ImageDesc>,
              "descriptors are copied to the device as bytes");

namespace detail {

// Appends tables to `bytes`, whose capacity it keeps: a FusedBatch packs every batch into
// the same buffer, so after the first batch packing touches no fresh memory (a batch of 64
// photo-sized plans is ~6 MB of tables: page faults and regrowth copies were most of its
// host time).
class Packer {
 public:
  Packer(std::size_t n_plans, std::vector<unsigned char>& bytes) : bytes_(bytes) {
    bytes_.assign(n_plans * sizeof(PlanDesc), 0);
  }

  template <class T>
  std::int64_t add(const std::vector<T>& v) {
    if (v.empty()) return -1;
    bytes_.resize((bytes_.size() + 7) / 8 * 8,
                  0);  // 8-byte aligned: doubles, and int64 loads stay legal
    const auto at = static_cast<std::int64_t>(bytes_.size());
    bytes_.resize(bytes_.size() + v.size() * sizeof(T));
    std::memcpy(bytes_.data() + at, v.data(), v.size() * sizeof(T));
    return at;
  }
  void set(std::size_t i, const PlanDesc& d) {
    std::memcpy(bytes_.data() + i * sizeof(PlanDesc), &d, sizeof d);
  }

 private:
  std::vector<unsigned char>& bytes_;
};

inline AxisDesc pack_axis(Packer& pk, const AxisTaps& a) {
  AxisDesc d;
  d.out_size = a.out_size;
  d.valid_begin = a.valid_begin;
  d.valid_end = a.valid_end;
  d.max_taps = a.max_taps;
  d.precision_bits = a.precision_bits;
  d.reversed = a.reversed ? 1 : 0;
  d.resized_size = a.resized_size;
  d.count = pk.add(a.count);
  d.indices = pk.add(a.indices);
  d.slots = pk.add(a.source_slots);
  d.sources = pk.add(a.sources);
  d.fixed = pk.add(a.fixed);
  d.weights = pk.add(a.weights);
  d.resized = pk.add(a.resized);
  return d;
}

// What the device code (arithmetic.cuh) handles. It cannot throw, so its switches return a
// harmless value for anything else; pack_plans checks here, on the host, that no plan
// reaches that value, and reports it as pixfuse::detail::unreachable does everywhere.
constexpr bool kernel_reads(DType t) {
  switch (t) {
    case DType::u8:
    case DType::u16:
    case DType::f32: return true;
    case DType::i8:  // not image dtypes: make_plan rejects them
    case DType::f16:
    case DType::bf16: return false;
  }
  return false;
}
constexpr bool kernel_writes(DType t) {
  switch (t) {
    case DType::u8:
    case DType::i8:
    case DType::f16:
    case DType::bf16:
    case DType::f32: return true;
    case DType::u16: return false;  // not an output dtype: cast and make_plan reject it
  }
  return false;
}
constexpr bool kernel_resamples(Arithmetic a) {
  switch (a) {
    case Arithmetic::fixed_u8:
    case Arithmetic::round_half_away:
    case Arithmetic::real:
    case Arithmetic::real_u16:
    case Arithmetic::real_f64:
    case Arithmetic::opencv_linear:
    case Arithmetic::opencv_cubic:
    case Arithmetic::opencv_lanczos4:
    case Arithmetic::opencv_linear_exact:
    case Arithmetic::opencv_area_fast:
    case Arithmetic::opencv_area: return true;
  }
  return false;
}
constexpr bool kernel_lays_out(Layout l) {
  switch (l) {
    case Layout::nchw:
    case Layout::nhwc: return true;
  }
  return false;
}

inline void check_kernel_handles(const Plan& p) {
  if (!kernel_reads(p.in_dtype)) pixfuse::detail::unreachable("cuda: plan input dtype");
  if (!kernel_writes(p.out_dtype)) pixfuse::detail::unreachable("cuda: plan output dtype");
  if (!kernel_resamples(p.arithmetic)) pixfuse::detail::unreachable("cuda: plan arithmetic");
  if (!kernel_lays_out(p.layout)) pixfuse::detail::unreachable("cuda: plan layout");
}

}  // namespace detail

// Pack `plans` (in this order: ImageDesc::plan indexes it) into `bytes` (replacing what
// it held, keeping its capacity).
inline void pack_plans_into(const std::vector<const Plan*>& plans,
                            std::vector<unsigned char>& bytes) {
  detail::Packer pk(plans.size(), bytes);
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const Plan& p = *plans[i];
    if (p.out_channels < 1 || p.out_channels > 4 || p.in_channels < 1 || p.in_channels > 4)
      throw Error("cuda: plan channels", "1 to 4",
                  pixfuse::detail::to_text(p.in_channels, " in, ", p.out_channels, " out"));
    const std::size_t taps =
        static_cast<std::size_t>(p.x.out_size) * static_cast<std::size_t>(p.x.max_taps);
    if (p.x.indices.size() != taps || p.x.source_slots.size() != taps)
      throw Error("cuda: plan", "tap indices built (AxisTaps::build_indices)",
                  "an axis without them");
    detail::check_kernel_handles(p);
    PlanDesc d;
    d.in_width = p.in_width;
    d.in_height = p.in_height;
    d.in_channels = p.in_channels;
    d.in_dtype = static_cast<std::int32_t>(p.in_dtype);
    d.out_width = p.out_width;
    d.out_height = p.out_height;
    d.out_channels = p.out_channels;
    d.out_dtype = static_cast<std::int32_t>(p.out_dtype);
    d.layout = static_cast<std::int32_t>(p.layout);
    d.arithmetic = static_cast<std::int32_t>(p.arithmetic);
    d.transposed = p.transposed ? 1 : 0;
    d.premultiply = p.premultiply_alpha ? 1 : 0;
    d.vertical_first = p.vertical_first ? 1 : 0;
    for (int c = 0; c < p.out_channels; ++c) {
      d.channel_source[c] = p.channel_source[static_cast<std::size_t>(c)];
      d.used_mask |= 1 << d.channel_source[c];
    }
    if (p.premultiply_alpha) d.used_mask |= 1 << 3;
    d.area_kx = p.area_kx();
    d.simd_columns = p.cubic_simd_columns();
    for (int c = 0; c < 4; ++c) d.pad_bits[c] = p.pad_bits[static_cast<std::size_t>(c)];
    if (produces_u8(p.arithmetic)) {
      if (p.lut_bits.size() < static_cast<std::size_t>(p.out_channels) * 256)
        throw Error("cuda: plan lookup table",
                    pixfuse::detail::to_text(p.out_channels * 256, " entries"),
                    pixfuse::detail::to_text(p.lut_bits.size()));
      d.lut_bits = pk.add(p.lut_bits);
    }
    std::vector<float> steps;
    for (int c = 0; c < p.out_channels; ++c) {
      const auto& vm = p.values[static_cast<std::size_t>(c)];
      d.step_begin[c] = static_cast<std::int32_t>(steps.size() / 4);
      d.step_count[c] = static_cast<std::int32_t>(vm.steps.size());
      for (const NormalizeStep& s : vm.steps)
        steps.insert(steps.end(), {s.scale, s.divide ? 1.0f : 0.0f, s.mean, s.std});
    }
    d.steps = pk.add(steps);
    d.x = detail::pack_axis(pk, p.x);
    d.y = detail::pack_axis(pk, p.y);
    pk.set(i, d);
  }
}

// Pack `plans` (in this order: ImageDesc::plan indexes it) into one table buffer.
inline std::vector<unsigned char> pack_plans(const std::vector<const Plan*>& plans) {
  std::vector<unsigned char> bytes;
  pack_plans_into(plans, bytes);
  return bytes;
}

}  // namespace pixfuse::cuda
