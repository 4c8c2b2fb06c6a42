// pixfuse-prep's GPU batches: pixfuse::cuda::BatchRunner behind prep::GpuBatch.
#include "gpu.hpp"

#include "pixfuse/cuda.hpp"

namespace prep {
namespace {

class CudaBatch final : public GpuBatch {
 public:
  void run(const std::vector<const pixfuse::Plan*>& plans,
           const std::vector<pixfuse::AnyImageView>& images,
           const pixfuse::AnyTensorView& out) override {
    runner_.run(plans, images, out);
  }
  std::string describe() const override {
    return "cuda: " + pixfuse::cuda::describe_device(runner_.device());
  }

 private:
  pixfuse::cuda::BatchRunner runner_;  // device 0, its own stream, pinned staging reused
};

}  // namespace

std::string gpu_unavailable_reason() {
  const std::string reason = pixfuse::cuda::no_device_reason();
  return reason.empty() ? reason : "no CUDA device (" + reason + ")";
}

std::unique_ptr<GpuBatch> make_gpu_batch() { return std::make_unique<CudaBatch>(); }

}  // namespace prep
