// FusedBatch: run Plans over a batch of device images into a device tensor, one launch,
// on the caller's stream. Needs nvcc (it launches the kernel).
//
//   pixfuse::cuda::FusedBatch batch;
//   batch.enqueue(plans, device_images, device_out, stream);   // returns at once
//
// device_images[i] are AnyImageViews of device memory (any row stride), device_out an
// AnyTensorView of device memory with one slot per image; the shapes are checked on the
// host like the CPU kernels check them. The descriptors travel in one pinned staging
// buffer; a FusedBatch waits for its previous launch to finish before it overwrites that
// buffer, so keep two FusedBatch objects to overlap consecutive batches.
#pragma once

#include <cuda_runtime.h>

#include <vector>

#include "pixfuse/cuda/batch.hpp"
#include "pixfuse/cuda/buffer.hpp"
#include "pixfuse/cuda/kernel.cuh"

namespace pixfuse::cuda {

class FusedBatch {
 public:
  FusedBatch() {
    check(cudaEventCreateWithFlags(&done_, cudaEventDisableTiming), "cudaEventCreate");
  }
  FusedBatch(const FusedBatch&) = delete;
  FusedBatch& operator=(const FusedBatch&) = delete;
  ~FusedBatch() {
    if (pending_) (void)cudaEventSynchronize(done_);
    (void)cudaEventDestroy(done_);
  }

  void enqueue(const std::vector<const Plan*>& plans,
               const std::vector<AnyImageView>& device_images, const AnyTensorView& device_out,
               cudaStream_t stream) {
    detail::PackedBatch& b = packed_;  // its buffer is reused: no fresh memory per batch
    detail::pack_batch_into(b, plans, device_images, device_out);
    if (b.n == 0) return;
    wait();
    staging_.reserve(b.bytes.size());
    std::memcpy(staging_.data(), b.bytes.data(), b.bytes.size());
    tables_.reserve(b.bytes.size());
    copy_to_device(tables_.data(), staging_.data(), b.bytes.size(), stream);
    launch_fused(reinterpret_cast<const ImageDesc*>(tables_.data() + b.images_offset), b.n,
                 tables_.data(), b.max_out_width, b.max_out_height, b.staged_bytes, stream);
    check(cudaEventRecord(done_, stream), "cudaEventRecord");
    pending_ = true;
  }

  // Block until the last enqueued batch has finished (its errors surface here).
  void wait() {
    if (!pending_) return;
    pending_ = false;
    check(cudaEventSynchronize(done_), "fused kernel (cudaEventSynchronize)");
  }

 private:
  detail::PackedBatch packed_;
  PinnedBuffer<unsigned char> staging_;
  DeviceBuffer<unsigned char> tables_;
  cudaEvent_t done_ = nullptr;
  bool pending_ = false;
};

}  // namespace pixfuse::cuda
