// BatchRunner: host images in, host batch tensor out, through the GPU. This is the call
// behind pixfuse-prep's --device cuda:
//
//   pixfuse::cuda::BatchRunner gpu;        // throws pixfuse::Error "cuda: no CUDA device (...)"
//   gpu.run(plans, images, out);            // plans[i] (lowered for images[i]) -> out.slot(i)
//   gpu.run(recipe, images, out);           // lowers once per distinct input shape
//
// images are host AnyImageViews of any sizes; out is a host AnyTensorView (N, C, H, W) or
// (N, H, W, C) whose every slot matches its plan's output. Each run packs the images
// (rows compacted) into pinned memory, copies them in one transfer, runs one fused launch,
// copies the tensor back into pinned memory and then into `out`; the pinned and device
// buffers grow to the largest batch and are reused. run() returns when `out` is filled.
// Check pixfuse::cuda::available() first for a CPU fallback. Needs nvcc.
#pragma once

#include <cstring>
#include <map>
#include <tuple>
#include <vector>

#include "pixfuse/cuda/fused_batch.cuh"
#include "pixfuse/plan/lower.hpp"

namespace pixfuse::cuda {

class BatchRunner {
 public:
  // On `device` (made current), with a stream of its own.
  explicit BatchRunner(int device = 0) : device_((require_device(device), device)) {
    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    owns_stream_ = true;
  }
  // On the caller's stream (of the current device).
  explicit BatchRunner(cudaStream_t stream) : stream_(stream) {
    require_device(0);
    check(cudaGetDevice(&device_), "cudaGetDevice");
  }
  BatchRunner(const BatchRunner&) = delete;
  BatchRunner& operator=(const BatchRunner&) = delete;
  ~BatchRunner() {
    if (owns_stream_) {
      (void)cudaStreamSynchronize(stream_);
      (void)cudaStreamDestroy(stream_);
    }
  }

  int device() const noexcept { return device_; }
  cudaStream_t stream() const noexcept { return stream_; }

  void run(const std::vector<const Plan*>& plans, const std::vector<AnyImageView>& images,
           const AnyTensorView& out) {
    if (plans.size() != images.size())
      pixfuse::detail::fail_mismatch("cuda batch plans",
                                     pixfuse::detail::to_text(images.size(), " (one per image)"),
                                     plans.size());
    if (out.data == nullptr)
      pixfuse::detail::fail_mismatch("output tensor data", "a non-null pointer", "nullptr");
    // Input staging: each image's rows back to back.
    std::vector<std::size_t> offsets(images.size());
    std::size_t in_bytes = 0;
    for (std::size_t i = 0; i < images.size(); ++i) {
      offsets[i] = in_bytes;
      const std::size_t row =
          static_cast<std::size_t>(images[i].width) * images[i].channels * size_of(images[i].dtype);
      in_bytes += (row * static_cast<std::size_t>(images[i].height) + 255) / 256 * 256;
    }
    const std::size_t out_bytes = out.size_bytes();
    fused_.wait();
    in_pinned_.reserve(in_bytes);
    in_device_.reserve(in_bytes);
    out_pinned_.reserve(out_bytes);
    out_device_.reserve(out_bytes);
    std::vector<AnyImageView> device_images(images.size());
    for (std::size_t i = 0; i < images.size(); ++i) {
      const AnyImageView& im = images[i];
      const std::size_t row = static_cast<std::size_t>(im.width) * im.channels * size_of(im.dtype);
      for (int y = 0; y < im.height; ++y)
        std::memcpy(in_pinned_.data() + offsets[i] + row * static_cast<std::size_t>(y),
                    static_cast<const unsigned char*>(im.data) +
                        static_cast<std::ptrdiff_t>(y) * im.row_stride,
                    row);
      device_images[i] = AnyImageView(in_device_.data() + offsets[i], im.dtype, im.width, im.height,
                                      im.channels, static_cast<std::int64_t>(row));
    }
    const AnyTensorView device_out(out_device_.data(), out.dtype, out.layout, out.shape);
    copy_to_device(in_device_.data(), in_pinned_.data(), in_bytes, stream_);
    try {
      fused_.enqueue(plans, device_images, device_out, stream_);
    } catch (...) {
      (void)cudaStreamSynchronize(stream_);  // the input copy still reads the pinned buffer
      throw;
    }
    copy_to_host(out_pinned_.data(), out_device_.data(), out_bytes, stream_);
    check(cudaStreamSynchronize(stream_), "cuda batch (cudaStreamSynchronize)");
    fused_.wait();
    std::memcpy(out.data, out_pinned_.data(), out_bytes);
  }

  // Lower `recipe` once per distinct input shape, then run.
  template <class R>
  void run(const R& recipe, const std::vector<AnyImageView>& images, const AnyTensorView& out) {
    std::map<std::tuple<int, int, int, int>, Plan> cache;
    std::vector<const Plan*> plans;
    for (const AnyImageView& im : images) {
      const auto key =
          std::make_tuple(im.width, im.height, im.channels, static_cast<int>(im.dtype));
      auto it = cache.find(key);
      if (it == cache.end()) it = cache.emplace(key, make_plan(recipe, InputShape::of(im))).first;
      plans.push_back(&it->second);
    }
    run(plans, images, out);
  }

 private:
  int device_ = 0;
  cudaStream_t stream_ = nullptr;
  bool owns_stream_ = false;
  FusedBatch fused_;
  PinnedBuffer<unsigned char> in_pinned_, out_pinned_;
  DeviceBuffer<unsigned char> in_device_, out_device_;
};

}  // namespace pixfuse::cuda
