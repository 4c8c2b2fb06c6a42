// Lowering and running over random recipes and input shapes. The input bytes choose the
// input (usually small, sometimes of any size up to 2^31 - 1 per side), up to eight stages
// with any sizes, offsets, filters and conventions, the output dtype and layout, then
// the pixels. Lowering either gives a plan within plan/limits.hpp or an Error with a
// reason; a small plan is then run by the reference kernels and by one of the SIMD targets
// this build has (the input picks it), and the outputs must be equal byte for byte (so
// the fuzzer finds wrong output, not only crashes). Lowering must stay fast and small whatever the
// sizes: the fuzzer's time and memory limits are part of the test.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "pixfuse/cpu/dispatch.hpp"
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/io/npy.hpp"
#include "pixfuse/plan/lower.hpp"

namespace pf = pixfuse;
namespace io = pixfuse::io;

namespace {

// Plans run when input and output have at most this many pixels (sides up to 96, so rows
// cross every vector length); larger ones are only lowered.
constexpr int kMaxRunPixels = 1024;
constexpr int kMaxRunSide = 96;

// A length: usually small, sometimes anything an int holds (zero and negative too).
int length(fuzz::Bytes& in) {
  const std::uint8_t k = in.u8();
  if (k < 250) return 1 + k % 80;
  if (k < 253) return in.range(1, 1 << 21);
  return static_cast<int>(in.u32());
}

std::int64_t offset(fuzz::Bytes& in) {
  const std::uint8_t k = in.u8();
  if (k < 220) return static_cast<int>(k % 32) - 8;
  return static_cast<std::int64_t>(in.u64());
}

template <class Stage>
Stage resampled(Stage s, fuzz::Bytes& in) {
  s.how.filter = pf::all_filters[in.u8() % std::size(pf::all_filters)];
  s.how.compat = pf::all_compats[in.u8() % std::size(pf::all_compats)];
  s.how.antialias = in.u8() % 4 != 0;
  return s;
}

float value(fuzz::Bytes& in) {
  const std::uint8_t k = in.u8();
  if (k < 250) return static_cast<float>(in.u16()) / 256.0f - 64.0f;
  const float special[] = {0.0f,
                           -0.0f,
                           1e30f,
                           -1e30f,
                           std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN()};
  return special[in.u8() % 6];
}

pf::DynamicRecipe recipe(fuzz::Bytes& in) {
  pf::DynamicRecipe r;
  const int stages = in.range(0, 8);
  for (int i = 0; i < stages; ++i) {
    switch (in.u8() % 13) {
      case 0: {
        const int w = length(in);
        r.add(resampled(pf::resize(w, length(in)), in));
        break;
      }
      case 1: {
        const int size = length(in);
        r.add(resampled(pf::resize_shorter(size, in.flag() ? 0 : length(in)), in));
        break;
      }
      case 2: r.add(resampled(pf::resize_longer(length(in)), in)); break;
      case 3: {
        const std::int64_t x = offset(in), y = offset(in);
        const std::int64_t w = in.u8() < 4 ? offset(in) : length(in);
        r.add(pf::crop(x, y, w, in.u8() < 4 ? offset(in) : length(in)));
        break;
      }
      case 4: {
        const int w = length(in);
        r.add(pf::center_crop(w, length(in)));
        break;
      }
      case 5: {
        const int a = in.range(0, 3), b = in.range(0, 3), c = in.range(0, 3);
        r.add(pf::pad(a, b, c, in.flag() ? in.range(0, 3) : length(in), value(in)));
        break;
      }
      case 6: {
        const int w = length(in), h = length(in);
        pf::Letterbox<> l = pf::letterbox(w, h, value(in));
        l.scaleup = in.flag();
        r.add(resampled(l, in));
        break;
      }
      case 7: r.add(pf::Flip{{}, in.flag(), in.flag()}); break;
      case 8: {
        const pf::ChannelOp ops[] = {pf::ChannelOp::to_rgb, pf::ChannelOp::to_bgr,
                                     pf::ChannelOp::drop_alpha, pf::ChannelOp::gray_to_rgb,
                                     pf::ChannelOp::swap_rb};
        pf::Channels c;
        c.op = ops[in.u8() % 5];
        r.add(c);
        break;
      }
      case 9: {
        const float scale = in.flag() ? 255.0f : value(in);
        if (in.flag()) r.add(pf::normalize(pf::over(scale), {value(in)}, {value(in)}));
        else
          r.add(pf::normalize(scale, {value(in), value(in), value(in)},
                              {value(in), value(in), value(in)}));
        break;
      }
      case 10: r.add(pf::layout(in.flag() ? pf::Layout::nchw : pf::Layout::nhwc)); break;
      case 11: {
        const pf::DType outs[] = {pf::DType::f32, pf::DType::f16, pf::DType::bf16, pf::DType::u8,
                                  pf::DType::i8};
        r.add(pf::cast(outs[in.u8() % 5]));
        break;
      }
      default:
        r.add(pf::normalize(pf::over(255.0f), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}));
        break;
    }
  }
  return r;
}

// The stored pixels: from the input's remaining bytes, cycled; floats mostly in [-1, 2),
// sometimes of any sign and exponent within io::max_float_sample (the float samples
// pixfuse accepts: io/npy.hpp check_float_samples).
std::vector<unsigned char> pixels(fuzz::Bytes& in, pf::DType t, std::size_t elements) {
  std::vector<unsigned char> out(elements * pf::size_of(t));
  const std::uint8_t* src = in.rest();
  const std::size_t n = in.left();
  auto byte = [&](std::size_t i) -> unsigned {
    return n ? src[i % n] : static_cast<unsigned>(i * 37);
  };
  for (std::size_t i = 0; i < elements; ++i) {
    if (t == pf::DType::u8) {
      out[i] = static_cast<unsigned char>(byte(i));
    } else if (t == pf::DType::u16) {
      const auto v = static_cast<std::uint16_t>(byte(2 * i) | (byte(2 * i + 1) << 8));
      std::memcpy(&out[2 * i], &v, 2);
    } else {
      const unsigned b = byte(2 * i) | (byte(2 * i + 1) << 8);
      float v = static_cast<float>(b) / 21845.0f - 1.0f;
      if (b >= 0xFF00)
        v = std::ldexp(b & 1 ? -1.0f : 1.0f,
                       static_cast<int>((b >> 1) & 0x7F) - 28);  // 2^-28..2^99
      if (b == 0xFFFE) v = io::max_float_sample;
      if (b == 0xFFFF) v = -io::max_float_sample;
      std::memcpy(&out[4 * i], &v, 4);
    }
  }
  return out;
}

// The first byte of the first element that differs, or the size: bit for bit, except
// that a NaN equals any NaN (non-finite input makes NaN, whose sign and payload depend on
// the order of operations, which targets are free to choose).
std::size_t first_difference(pf::DType t, const std::vector<unsigned char>& a,
                             const std::vector<unsigned char>& b) {
  const std::size_t size = pf::size_of(t);
  for (std::size_t i = 0; i < a.size(); i += size) {
    if (std::memcmp(&a[i], &b[i], size) == 0) continue;
    if (t == pf::DType::f32 || t == pf::DType::f16 || t == pf::DType::bf16) {
      auto value = [&](const unsigned char* p) {
        if (t == pf::DType::f32) {
          float f;
          std::memcpy(&f, p, 4);
          return f;
        }
        std::uint16_t bits;
        std::memcpy(&bits, p, 2);
        return t == pf::DType::f16 ? pf::to_float(pf::f16{bits}) : pf::to_float(pf::bf16{bits});
      };
      if (std::isnan(value(&a[i])) && std::isnan(value(&b[i]))) continue;
    }
    return i;
  }
  return a.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in(data, size);
  const bool any_size = in.u8() < 8;
  const int w = any_size ? static_cast<int>(in.u32() & 0x7FFFFFFF) : in.range(1, kMaxRunSide);
  const int h = any_size ? static_cast<int>(in.u32() & 0x7FFFFFFF)
                         : in.range(1, std::max(1, kMaxRunPixels / w));
  const int channels = in.pick({1, 3, 4});
  const pf::DType dtype = in.pick({pf::DType::u8, pf::DType::u8, pf::DType::u16, pf::DType::f32});
  const auto orientation = static_cast<pf::Orientation>(in.range(1, 8));

  pf::Plan plan;
  try {  // stages check their own arguments (a zero std), lowering the rest
    const pf::DynamicRecipe r = recipe(in);
    plan = pf::make_plan(r, pf::InputShape{w, h, channels, dtype, orientation});
  } catch (const pf::Error& e) {
    const std::string m = e.what();
    fuzz::check(m.size() > 2 && m.compare(m.size() - 2, 2, "()") != 0,
                "lowering error without a reason: '" + m + "'");
    return 0;
  }
  fuzz::check(plan.out_width >= 1 && plan.out_width <= pf::limits::max_extent &&
                  plan.out_height >= 1 && plan.out_height <= pf::limits::max_extent,
              "plan output size out of bounds");
  const std::int64_t out_pixels = std::int64_t{plan.out_width} * plan.out_height;
  fuzz::check(out_pixels <= pf::limits::max_output || out_pixels <= std::int64_t{w} * h,
              "plan output too large");
  fuzz::check(static_cast<std::int64_t>(plan.x.out_size) * plan.x.max_taps <=
                      pf::limits::max_axis_taps &&
                  static_cast<std::int64_t>(plan.y.out_size) * plan.y.max_taps <=
                      pf::limits::max_axis_taps,
              "plan taps out of bounds");
  if (w > kMaxRunSide || h > kMaxRunSide || w * h > kMaxRunPixels || plan.out_width > kMaxRunSide ||
      plan.out_height > kMaxRunSide || plan.out_width * plan.out_height > kMaxRunPixels)
    return 0;

  const int pad = in.range(0, 3);
  const std::ptrdiff_t stride =
      static_cast<std::ptrdiff_t>((w * channels + pad) * static_cast<int>(pf::size_of(dtype)));
  const std::vector<unsigned char> px =
      pixels(in, dtype,
             static_cast<std::size_t>(stride / static_cast<std::ptrdiff_t>(pf::size_of(dtype))) *
                 h);
  const pf::AnyImageView view(px.data(), dtype, w, h, channels, stride);
  const std::size_t bytes = plan.output_elements() * pf::size_of(plan.out_dtype);
  std::vector<unsigned char> want(bytes, 0xAB);
  pf::run_reference(plan, view,
                    pf::AnyTensorView(want.data(), plan.out_dtype, plan.layout,
                                      plan.output_shape()));
  // One SIMD target per input (the input chooses it): across a campaign every target this
  // build has meets every kind of plan, at the cost of one run each.
  const std::vector<std::string> targets = pf::available_targets();
  const std::size_t pick =
      in.u8() % (targets.size() > 1 ? targets.size() - 1 : 1);  // "scalar" is the reference
  const std::string& target = targets[pick];
  pf::set_target(target);
  {
    std::vector<unsigned char> got(bytes, 0xCD);
    pf::run(plan, view,
            pf::AnyTensorView(got.data(), plan.out_dtype, plan.layout, plan.output_shape()));
    const std::size_t first = first_difference(plan.out_dtype, want, got);
    const bool padded = plan.x.valid_begin > 0 || plan.x.valid_end < plan.out_width ||
                        plan.y.valid_begin > 0 || plan.y.valid_end < plan.out_height;
    if (first != bytes)
      fuzz::fail(
          target + " differs from the reference at byte " + std::to_string(first) + " of " +
          std::to_string(bytes) + " (" + std::to_string(got[first]) + ", reference " +
          std::to_string(want[first]) + "): " + std::to_string(plan.in_width) + "x" +
          std::to_string(plan.in_height) + "x" + std::to_string(plan.in_channels) + " " +
          std::string(pf::name(plan.in_dtype)) + " orientation " +
          std::to_string(int(plan.orientation)) + " -> " + std::to_string(plan.out_width) + "x" +
          std::to_string(plan.out_height) + "x" + std::to_string(plan.out_channels) + " " +
          std::string(pf::name(plan.out_dtype)) + " " + std::string(pf::name(plan.layout)) + " " +
          std::string(pf::name(plan.resampling.compat)) + " " +
          std::string(pf::name(plan.resampling.filter)) + (plan.resampling.antialias ? " aa" : "") +
          " arithmetic " + std::string(pf::name(plan.arithmetic)) + (padded ? " padded" : ""));
  }
  pf::set_target("auto");
  return 0;
}
