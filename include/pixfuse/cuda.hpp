// pixfuse's CUDA backend: the same Recipe and Plan, executed by one fused kernel over a
// batch of images of mixed sizes. Include from a file compiled by nvcc and link
// pixfuse::cuda (CMake option PIXFUSE_CUDA). docs/CUDA.md has the design.
//
//   if (pixfuse::cuda::available()) {
//     pixfuse::cuda::BatchRunner gpu;                 // host images -> host tensor
//     gpu.run(pixfuse::presets::imagenet(), images, out);
//   }
//
// Lower level: pixfuse::cuda::FusedBatch (device images -> device tensor on your stream),
// DeviceBuffer / PinnedBuffer / Stream (buffer.hpp), device_count() (device.hpp).
#pragma once

#include "pixfuse/cuda/batch_runner.cuh"
#include "pixfuse/cuda/buffer.hpp"
#include "pixfuse/cuda/device.hpp"
#include "pixfuse/cuda/fused_batch.cuh"
#include "pixfuse/cuda/kernel.cuh"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/presets.hpp"
