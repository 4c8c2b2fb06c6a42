// pixfuse-prep's GPU side, seen from the host compiler: the tool itself is plain C++, and
// only gpu_cuda.cu (built with nvcc when PIXFUSE_CUDA is on) knows about CUDA. Without
// CUDA, gpu_none.cpp provides the same functions, which say why there is no GPU.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pixfuse/batch_device.hpp"

namespace prep {

// Runs a batch of images through the GPU (pixfuse::BatchDevice: the io::Loader hands it
// each batch's decoded images and plans).
using GpuBatch = pixfuse::BatchDevice;

// Why no GPU can be used ("this pixfuse-prep was built without CUDA ...", "no CUDA device
// (cudaGetDeviceCount: ...)"); empty when one can.
std::string gpu_unavailable_reason();

// The GPU batch runner on device 0; only call it when gpu_unavailable_reason() is empty.
std::unique_ptr<GpuBatch> make_gpu_batch();

}  // namespace prep
