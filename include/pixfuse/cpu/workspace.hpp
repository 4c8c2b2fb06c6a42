// Scratch memory for the kernels: per thread, kept between calls and only ever grown,
// so a warm kernel allocates nothing.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>

namespace pixfuse::detail {

// A 64-byte aligned buffer that grows on demand (contents are not kept when it grows).
class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { release(); }

  template <class T>
  T* get(std::size_t count) {
    const std::size_t bytes = count * sizeof(T);
    if (bytes > capacity_) {
      release();
      data_ = ::operator new(bytes, std::align_val_t(64));
      capacity_ = bytes;
    }
    return static_cast<T*>(data_);
  }

 private:
  void release() {
    if (data_) ::operator delete(data_, std::align_val_t(64));
    data_ = nullptr;
    capacity_ = 0;
  }
  void* data_ = nullptr;
  std::size_t capacity_ = 0;
};

// The buffers one kernel call uses.
struct Workspace {
  ScratchBuffer columns;     // the horizontal pass's transposed input block
  ScratchBuffer ring;        // horizontally resampled rows
  ScratchBuffer tags;        // which source row each ring slot holds
  ScratchBuffer values;      // one output row of resampled values, per channel
  ScratchBuffer staging;     // converted source rows (float), or u8 output values before the store
  ScratchBuffer blocks;      // the source row numbers of one horizontal block
  ScratchBuffer taps;        // the ring rows one output row reads
  ScratchBuffer block_rows;  // the ring rows one horizontal block writes
  ScratchBuffer window;      // a transposed window of source columns, partly used
  ScratchBuffer planes;      // source rows split into channel planes
  ScratchBuffer tables;      // per-run tables of a kernel (byte indices, weights)

  static Workspace& for_this_thread() {
    thread_local Workspace w;
    return w;
  }
};

}  // namespace pixfuse::detail
