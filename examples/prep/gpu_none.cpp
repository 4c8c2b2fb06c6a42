// pixfuse-prep built without CUDA: --device auto uses the CPU, --device cuda says why not.
#include "gpu.hpp"

#include "pixfuse/core/error.hpp"

namespace prep {

std::string gpu_unavailable_reason() {
  return "this pixfuse-prep was built without CUDA (configure with -DPIXFUSE_CUDA=ON)";
}

std::unique_ptr<GpuBatch> make_gpu_batch() {
  throw pixfuse::Error("cuda: " + gpu_unavailable_reason());
}

}  // namespace prep
