// The CUDA kernel's arithmetic and tile schedule, run on the host (cuda/detail/emulate.hpp)
// against the reference kernel. Needs no GPU: this is what verifies the kernel's math on
// CPU-only machines; the device test (device_test.cu) checks the same cases on a GPU.
#include <gtest/gtest.h>

#include "cases.hpp"
#include "pixfuse/cuda/detail/emulate.hpp"

namespace pf = pixfuse;
using cuda_cases::Batch;

namespace {
std::vector<unsigned char> emulate(const Batch& b) {
  std::vector<unsigned char> out(b.slot_bytes() * b.inputs.size(), 0xCD);
  pf::cuda::detail::emulate_batch(b.plan_ptrs(), b.views(),
                                  pf::AnyTensorView(out.data(), b.out_dtype, b.layout, b.shape()));
  return out;
}
}  // namespace

TEST(CudaEmulation, RandomBatchesMatchTheReference) {
  for (Batch& b : cuda_cases::random_batches(160, 7, 90)) {
    SCOPED_TRACE(b.name);
    b.exact = true;  // the host runs the reference's own operations, float conventions included
    cuda_cases::expect_matches(b, emulate(b), b.reference());
  }
}

TEST(CudaEmulation, IntegerModesAreBitExactOnPhotoSizedShrinks) {
  // ImageNet-like shrink factors on u8 input in every integer convention.
  const auto img = cuda_cases::make_input(397, 301, 3, pf::DType::u8, 3);
  for (pf::Compat c : {pf::Compat::pil, pf::Compat::torchvision, pf::Compat::opencv})
    for (pf::Filter f : pf::filters_of(c)) {
      Batch b;
      b.inputs.push_back(img);
      b.out_dtype = pf::DType::u8;
      b.layout = pf::Layout::nhwc;
      b.exact = true;
      b.name = pf::detail::to_text(pf::name(c), " ", pf::name(f));
      ASSERT_TRUE(cuda_cases::lower_all(b,
                                        pf::resize_shorter(64).filter(f).compat(c) |
                                            pf::center_crop(56, 56) | pf::nhwc() |
                                            pf::cast(pf::DType::u8),
                                        pf::Orientation::normal))
          << b.name;
      SCOPED_TRACE(b.name);
      cuda_cases::expect_matches(b, emulate(b), b.reference());
    }
}

TEST(CudaEmulation, TallShrinkTakesTheDirectPathAndStillMatches) {
  // 3000 source rows into 8: one tile's rows do not fit shared memory.
  Batch b;
  b.inputs.push_back(cuda_cases::make_input(40, 3000, 1, pf::DType::u8, 5));
  b.inputs.push_back(
      cuda_cases::make_input(35, 20, 1, pf::DType::u8, 6));  // and a staged one in the same batch
  b.out_dtype = pf::DType::f32;
  b.exact = true;
  b.name = "tall";
  ASSERT_TRUE(
      cuda_cases::lower_all(b,
                            pf::resize(9, 8).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
                                pf::rescale(pf::over(255.0f)) | pf::cast<float>(),
                            pf::Orientation::normal));
  const pf::cuda::detail::PackedBatch packed = [&] {
    std::vector<unsigned char> out(b.slot_bytes() * 2);
    return pf::cuda::detail::pack_batch(b.plan_ptrs(), b.views(),
                                        pf::AnyTensorView(out.data(), b.out_dtype, b.layout,
                                                          b.shape()));
  }();
  const auto& desc = reinterpret_cast<const pf::cuda::PlanDesc*>(packed.bytes.data())[0];
  EXPECT_EQ(pf::cuda::detail::plan_tile(desc, packed.bytes.data(), 0, 0, packed.staged_bytes).rows,
            -1);
  cuda_cases::expect_matches(b, emulate(b), b.reference());
}

TEST(CudaEmulation, RgbaPremultipliedAndImagenetPreset) {
  Batch b;
  b.inputs.push_back(cuda_cases::make_input(120, 90, 4, pf::DType::u8, 8));
  b.inputs.push_back(cuda_cases::make_input(300, 260, 3, pf::DType::u8, 9));
  b.exact = true;
  b.name = "imagenet";
  ASSERT_TRUE(cuda_cases::lower_all(b, pf::presets::imagenet(), pf::Orientation::normal));
  cuda_cases::expect_matches(b, emulate(b), b.reference());
}

TEST(CudaEmulation, BatchArgumentsAreChecked) {
  Batch b;
  b.inputs.push_back(cuda_cases::make_input(20, 10, 3, pf::DType::u8, 1));
  ASSERT_TRUE(
      cuda_cases::lower_all(b, pf::resize(5, 4) | pf::cast<float>(), pf::Orientation::normal));
  std::vector<float> out(3 * 5 * 4 * 2);
  try {
    pf::cuda::detail::emulate_batch(b.plan_ptrs(), b.views(),
                                    pf::AnyTensorView(out.data(), pf::DType::f32, pf::Layout::nchw,
                                                      {2, 3, 4, 5}));
    ADD_FAILURE() << "no error";
  } catch (const pf::Error& e) {
    EXPECT_EQ(std::string(e.what()), "cuda batch output tensor: expected batch size 1, got 2");
  }
}
