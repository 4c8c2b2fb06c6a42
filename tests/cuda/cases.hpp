// Randomised plans for the CUDA tests: every compat mode with its filters, antialias on
// and off, channels 1 / 3 / 4, u8 / u16 / f32 inputs, every output dtype, both layouts,
// crops, flips, letterbox padding, EXIF orientations, and batches of mixed input sizes.
// Deterministic (fixed seeds). Each batch shares one recipe, so its slots share a shape.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../test_images.hpp"
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/plan/compat/supports.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/presets.hpp"

namespace cuda_cases {

namespace pf = pixfuse;

struct Input {
  int width = 0, height = 0, channels = 0;
  pf::DType dtype = pf::DType::u8;
  std::vector<unsigned char> bytes;  // interleaved, unpadded rows
  pf::AnyImageView view() const {
    return pf::AnyImageView(bytes.data(), dtype, width, height, channels,
                            static_cast<std::int64_t>(width) * channels *
                                static_cast<std::int64_t>(pf::size_of(dtype)));
  }
};

inline Input make_input(int w, int h, int c, pf::DType t, unsigned seed) {
  Input in{w, h, c, t,
           std::vector<unsigned char>(static_cast<std::size_t>(w) * h * c * pf::size_of(t))};
  std::mt19937 rng(seed);
  const std::size_t n = static_cast<std::size_t>(w) * h * c;
  for (std::size_t i = 0; i < n; ++i) {
    if (t == pf::DType::u8) {
      in.bytes[i] = static_cast<unsigned char>(rng() & 0xFF);
    } else if (t == pf::DType::u16) {
      const auto v = static_cast<std::uint16_t>(rng() & 0xFFFF);
      std::memcpy(in.bytes.data() + 2 * i, &v, 2);
    } else {
      const float v = static_cast<float>(rng() % 25600) / 100.0f;  // 0 .. 255.99
      std::memcpy(in.bytes.data() + 4 * i, &v, 4);
    }
  }
  return in;
}

struct Batch {
  std::string name;
  std::vector<Input> inputs;
  std::vector<std::unique_ptr<pf::Plan>> plans;  // one per input (stable addresses)
  bool exact = false;                            // integer compat mode on u8 input
  pf::DType out_dtype = pf::DType::f32;
  pf::Layout layout = pf::Layout::nchw;

  std::vector<const pf::Plan*> plan_ptrs() const {
    std::vector<const pf::Plan*> v;
    for (const auto& p : plans) v.push_back(p.get());
    return v;
  }
  std::vector<pf::AnyImageView> views() const {
    std::vector<pf::AnyImageView> v;
    for (const Input& in : inputs) v.push_back(in.view());
    return v;
  }
  std::size_t slot_bytes() const { return plans[0]->output_elements() * pf::size_of(out_dtype); }
  pf::TensorShape shape() const {
    const pf::Plan& p = *plans[0];
    return {static_cast<std::int64_t>(inputs.size()), p.out_channels, p.out_height, p.out_width};
  }
  // The reference kernel's output for the whole batch.
  std::vector<unsigned char> reference() const {
    std::vector<unsigned char> out(slot_bytes() * inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i)
      pf::run_reference(*plans[i], inputs[i].view(),
                        pf::AnyTensorView(out.data() + i * slot_bytes(), out_dtype, layout,
                                          plans[i]->output_shape()));
    return out;
  }
};

// Lower `recipe` for every input; false (case skipped) when the combination is rejected.
template <class R>
bool lower_all(Batch& b, const R& recipe, pf::Orientation o) {
  try {
    for (const Input& in : b.inputs)
      b.plans.push_back(
          std::make_unique<pf::Plan>(pf::make_plan(recipe, pf::InputShape::of(in.view(), o))));
  } catch (const pf::Error&) {
    return false;
  }
  return true;
}

// `count` random batches; `max_side` bounds input sizes (the host emulation is slow).
inline std::vector<Batch> random_batches(int count, unsigned seed, int max_side) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) {
    return lo + static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1));
  };
  const pf::DType outs[] = {pf::DType::f32, pf::DType::f16, pf::DType::bf16, pf::DType::u8,
                            pf::DType::i8};
  const pf::Orientation orients[] = {pf::Orientation::normal, pf::Orientation::normal,
                                     pf::Orientation::rotate_90_cw, pf::Orientation::flip_x,
                                     pf::Orientation::transverse};
  std::vector<Batch> batches;
  while (static_cast<int>(batches.size()) < count) {
    Batch b;
    const pf::Compat compat = pf::all_compats[rng() % 4];
    const pf::FilterList filters = pf::filters_of(compat);  // pixfuse::supports' table
    const pf::Filter filter = filters[rng() % filters.size()];
    const bool aa = rng() % 2 == 0;
    const int channels = std::vector<int>{1, 3, 4}[rng() % 3];
    const unsigned dtype_pick = rng() % 6;
    const pf::DType in_dtype =
        dtype_pick < 4 ? pf::DType::u8 : (dtype_pick == 4 ? pf::DType::f32 : pf::DType::u16);
    b.out_dtype = outs[rng() % 5];
    b.layout = rng() % 2 ? pf::Layout::nchw : pf::Layout::nhwc;
    const pf::Orientation orient = orients[rng() % 5];
    const int n = pick(1, 4);
    for (int i = 0; i < n; ++i)
      b.inputs.push_back(
          make_input(pick(1, max_side), pick(1, max_side), channels, in_dtype, rng()));
    const int ow = pick(1, 70), oh = pick(1, 70);
    const auto norm = pf::normalize(pf::over(255.0f), {0.45f}, {0.226f});
    const unsigned shape = rng() % 3;
    bool ok = false;
    if (shape == 0) {
      ok = lower_all(b,
                     pf::resize(ow, oh).filter(filter).compat(compat).antialias(aa) | norm |
                         pf::layout(b.layout) | pf::cast(b.out_dtype),
                     orient);
    } else if (shape == 1) {
      ok = lower_all(
          b,
          pf::hflip() |
              pf::resize_shorter(pick(8, 80)).filter(filter).compat(compat).antialias(aa) |
              pf::center_crop(ow, oh) | norm | pf::layout(b.layout) | pf::cast(b.out_dtype),
          orient);
    } else {
      ok = lower_all(b,
                     pf::letterbox(ow, oh, 114.0f).filter(filter).compat(compat).antialias(aa) |
                         pf::vflip() | pf::rescale(pf::over(255.0f)) | pf::layout(b.layout) |
                         pf::cast(b.out_dtype),
                     orient);
    }
    if (!ok) continue;
    b.exact = in_dtype == pf::DType::u8 && compat != pf::Compat::jax;
    b.name =
        pf::detail::to_text("batch ", batches.size(), ": ", pf::name(compat), " ", pf::name(filter),
                            aa ? " aa" : "", " c", channels, " ", pf::name(in_dtype), "->",
                            pf::name(b.out_dtype), " ", pf::name(b.layout), " shape ", shape,
                            " orient ", static_cast<int>(orient), " n", n);
    batches.push_back(std::move(b));
  }
  return batches;
}

// Integer compat modes: identical bytes. Float modes: f32 within 1e-5 (relative above 1),
// other dtypes within one step of the output type (adjacent bit patterns).
inline void expect_matches(const Batch& b, const std::vector<unsigned char>& got,
                           const std::vector<unsigned char>& want) {
  ASSERT_EQ(got.size(), want.size()) << b.name;
  const std::size_t size = pf::size_of(b.out_dtype), n = got.size() / size;
  int reported = 0;
  for (std::size_t i = 0; i < n && reported < 5; ++i) {
    bool same;
    if (b.exact || std::memcmp(got.data() + i * size, want.data() + i * size, size) == 0) {
      same = std::memcmp(got.data() + i * size, want.data() + i * size, size) == 0;
    } else if (b.out_dtype == pf::DType::f32) {
      float g, w;
      std::memcpy(&g, got.data() + i * 4, 4);
      std::memcpy(&w, want.data() + i * 4, 4);
      same = std::abs(g - w) <= 1e-5f * std::max(1.0f, std::abs(w));
    } else {
      std::int64_t g = 0, w = 0;
      std::memcpy(&g, got.data() + i * size, size);
      std::memcpy(&w, want.data() + i * size, size);
      same = std::abs(g - w) <= 1;
    }
    if (!same) {
      ++reported;
      ADD_FAILURE() << b.name << ": element " << i << " of " << n << " (slot "
                    << i / (n / b.inputs.size()) << ") differs from the reference";
    }
  }
}

}  // namespace cuda_cases
