// pixfuse-prep's GPU side, seen from the host compiler: the tool itself is plain C++, and
// only gpu_cuda.cu (built with nvcc when PIXFUSE_CUDA is on) knows about CUDA. Without
// CUDA, gpu_none.cpp provides the same functions, which say why there is no GPU.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/plan/plan.hpp"

namespace prep {

// Runs a chunk of images through the GPU: plans[i] (lowered for images[i]) into out's
// slot i. Host images in, host tensor out; staging and transfers are its business.
class GpuBatch {
 public:
  virtual ~GpuBatch() = default;
  virtual void run(const std::vector<const pixfuse::Plan*>& plans, const std::vector<pixfuse::AnyImageView>& images,
                   const pixfuse::AnyTensorView& out) = 0;
  // "cuda: NVIDIA H200 (sm_90, 4800 GB/s)", for the summary line.
  virtual std::string describe() const = 0;
};

// Why no GPU can be used ("this pixfuse-prep was built without CUDA ...", "no CUDA device
// (cudaGetDeviceCount: ...)"); empty when one can.
std::string gpu_unavailable_reason();

// The GPU batch runner on device 0; only call it when gpu_unavailable_reason() is empty.
std::unique_ptr<GpuBatch> make_gpu_batch();

}  // namespace prep
