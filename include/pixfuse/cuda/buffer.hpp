// Owning device and pinned host buffers, a stream, and host <-> device copies.
//
// DeviceBuffer<T> (cudaMalloc) and PinnedBuffer<T> (cudaMallocHost: page-locked, so
// cudaMemcpyAsync from it is truly asynchronous and runs at full PCIe speed) are move-only
// RAII owners; reserve() grows without keeping the contents, so a runner reuses them
// across batches. Plain C++ over the runtime API.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "pixfuse/cuda/device.hpp"

namespace pixfuse::cuda {

namespace detail {
// The storage policy of DeviceBuffer / PinnedBuffer.
struct DeviceAlloc {
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    check(cudaMalloc(&p, bytes), "cudaMalloc");
    return p;
  }
  static void release(void* p) noexcept { (void)cudaFree(p); }
};
struct PinnedAlloc {
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    check(cudaMallocHost(&p, bytes), "cudaMallocHost");
    return p;
  }
  static void release(void* p) noexcept { (void)cudaFreeHost(p); }
};

template <class T, class Alloc>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::size_t n) { reserve(n); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      reset();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~Buffer() { reset(); }

  // At least n elements; the old contents are not kept when it grows.
  void reserve(std::size_t n) {
    if (n <= size_) return;
    reset();
    data_ = static_cast<T*>(Alloc::allocate(n * sizeof(T)));
    size_ = n;
  }
  void reset() noexcept {
    if (data_ != nullptr) Alloc::release(data_);
    data_ = nullptr;
    size_ = 0;
  }
  T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::size_t size_bytes() const noexcept { return size_ * sizeof(T); }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};
}  // namespace detail

template <class T>
using DeviceBuffer = detail::Buffer<T, detail::DeviceAlloc>;
template <class T>
using PinnedBuffer = detail::Buffer<T, detail::PinnedAlloc>;

// An owned cudaStream_t (non-blocking with respect to the legacy default stream).
class Stream {
 public:
  Stream() {
    check(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream() { (void)cudaStreamDestroy(s_); }
  cudaStream_t get() const noexcept { return s_; }
  void synchronize() const { check(cudaStreamSynchronize(s_), "cudaStreamSynchronize"); }

 private:
  cudaStream_t s_ = nullptr;
};

// Asynchronous copies on `stream` (synchronous with respect to the host unless the host
// side is pinned memory).
inline void copy_to_device(void* dst, const void* src, std::size_t bytes, cudaStream_t stream) {
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream),
        "cudaMemcpyAsync (host to device)");
}
inline void copy_to_host(void* dst, const void* src, std::size_t bytes, cudaStream_t stream) {
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream),
        "cudaMemcpyAsync (device to host)");
}

// Typed conveniences: n elements.
template <class T>
void upload(DeviceBuffer<T>& dst, const T* src, std::size_t n, cudaStream_t stream) {
  dst.reserve(n);
  copy_to_device(dst.data(), src, n * sizeof(T), stream);
}
template <class T>
void download(T* dst, const DeviceBuffer<T>& src, std::size_t n, cudaStream_t stream) {
  if (n > src.size())
    throw Error("cuda: download", pixfuse::detail::to_text("at most ", src.size(), " elements"),
                pixfuse::detail::to_text(n));
  copy_to_host(dst, src.data(), n * sizeof(T), stream);
}

}  // namespace pixfuse::cuda
