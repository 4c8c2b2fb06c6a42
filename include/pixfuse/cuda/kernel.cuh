// The fused CUDA kernel: a batch of images of mixed sizes in one launch.
//
// Grid: (tiles across, tiles down, images) over the largest output of the batch; blocks
// past their own image's output return at once. Each block copies its image's PlanDesc
// into shared memory, then runs the three tile steps of tile.cuh. Needs nvcc.
#pragma once

#if !defined(__CUDACC__)
// clang-format off
#error "pixfuse/cuda/kernel.cuh holds CUDA kernels: compile this file with nvcc (a .cu file, or LANGUAGE CUDA)"
// clang-format on
#endif

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "pixfuse/cuda/device.hpp"
#include "pixfuse/cuda/tile.cuh"

namespace pixfuse::cuda {

namespace detail {

// Blocks per SM the register allocation must allow. Left to itself nvcc gives the kernel
// 80-94 registers a thread: 2-3 blocks of 256 threads per SM. Capped for 4 blocks (64
// registers, a few spills) it ran 11-12% faster on an H200 than with 80, 26% than with 94.
#ifndef PIXFUSE_CUDA_MIN_BLOCKS
#define PIXFUSE_CUDA_MIN_BLOCKS 4
#endif

__global__ void __launch_bounds__(block_threads, PIXFUSE_CUDA_MIN_BLOCKS)
    fused_kernel(const ImageDesc* images, const unsigned char* tab, int first_image,
                 int staged_bytes) {
  extern __shared__ float mid[];
  __shared__ alignas(8) std::uint32_t plan_words[sizeof(PlanDesc) / 4];
  __shared__ TileInfo info;

  const ImageDesc im = images[first_image + static_cast<int>(blockIdx.z)];
  const PlanDesc* gp = reinterpret_cast<const PlanDesc*>(tab) + im.plan;
  const int x0 = static_cast<int>(blockIdx.x) * tile_width,
            y0 = static_cast<int>(blockIdx.y) * tile_height;
  if (x0 >= gp->out_width || y0 >= gp->out_height) return;  // uniform across the block

  const int tid = static_cast<int>(threadIdx.y) * tile_width + static_cast<int>(threadIdx.x);
  for (int i = tid; i < static_cast<int>(sizeof(PlanDesc) / 4); i += block_threads)
    plan_words[i] = reinterpret_cast<const std::uint32_t*>(gp)[i];
  __syncthreads();
  const PlanDesc& p = *reinterpret_cast<const PlanDesc*>(plan_words);
  if (tid == 0) info = plan_tile(p, tab, x0, y0, staged_bytes);
  __syncthreads();
  const TileInfo t = info;
  if (t.rows > 0)
    for (int idx = tid; idx < t.rows * tile_width; idx += block_threads)
      fill_tile(p, im, tab, t, x0, mid, idx);
  __syncthreads();
  finish_tile(p, im, tab, t, x0, y0, mid, static_cast<int>(threadIdx.x),
              static_cast<int>(threadIdx.y));
}

static_assert(sizeof(PlanDesc) % 8 == 0, "PlanDesc is copied to shared memory in words");

}  // namespace detail

// Enqueue the kernel on `stream`. `images` (n entries) and `tables` (pack_plans) are device
// memory; max_out_width/height bound every image's output; staged_bytes is the dynamic
// shared memory per block (detail::staged_bytes_needed over the batch's plans).
inline void launch_fused(const ImageDesc* images, int n, const unsigned char* tables,
                         int max_out_width, int max_out_height, int staged_bytes,
                         cudaStream_t stream) {
  if (n <= 0) return;
  const dim3 block(tile_width, tile_height);
  const unsigned tiles_x = static_cast<unsigned>((max_out_width + tile_width - 1) / tile_width);
  const unsigned tiles_y = static_cast<unsigned>((max_out_height + tile_height - 1) / tile_height);
  constexpr int max_z = 65535;  // grid z limit: larger batches take several launches
  for (int first = 0; first < n; first += max_z) {
    const int count = n - first < max_z ? n - first : max_z;
    detail::fused_kernel<<<dim3(tiles_x, tiles_y, static_cast<unsigned>(count)), block,
                           static_cast<std::size_t>(staged_bytes), stream>>>(images, tables, first,
                                                                             staged_bytes);
    check(cudaGetLastError(), "fused kernel launch");
  }
}

}  // namespace pixfuse::cuda
