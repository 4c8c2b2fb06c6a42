// vmap(fn): map a one-image function over a batch of images into one contiguous tensor.
//
//   pixfuse::Executor executor(4);
//   auto batched = pixfuse::vmap(pixfuse::jit(pixfuse::presets::imagenet()));
//   pixfuse::Batch batch;                                  // owning; reused across calls
//   const pixfuse::BatchStatus& status = batched(executor, images, batch);   // (N, 3, 224, 224)
//   for (std::size_t i = 0; i < status.size(); ++i)
//     if (!status[i].ok()) log(status[i].error);           // "images[3]: input channels: ..."
//
// fn is a jit (or any callable taking (AnyImageView, AnyTensorView)). The images may have
// different sizes; every one must give the same output shape (a recipe with a fixed output
// size). Images run in parallel on the executor, one at a time per thread, taken from a
// shared counter. An image that fails (a shape the recipe cannot take, a wrong channel count,
// an empty view) leaves its row zeroed and its status holds the pixfuse::Error message
// prefixed with "images[i]: "; the other rows are still written. Only a batch tensor of
// the wrong size makes the whole call throw.
//
// With a Batch, the tensor's dtype, layout and shape come from fn's plan for the first
// image that lowers (fn must be a Jit); the buffer is kept between calls and reallocated
// only when a batch needs more bytes than it has.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/executor.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/plan/orientation.hpp"

namespace pixfuse {

// A read-only view of `size` contiguous elements (std::span is C++20). Built from a
// std::vector, a std::array, a C array, or a pointer and a count.
template <class T>
class Span {
 public:
  constexpr Span() = default;
  constexpr Span(const T* data, std::size_t size) : data_(data), size_(size) {}
  template <class A>
  Span(const std::vector<T, A>& v)
      : data_(v.data()), size_(v.size()) {}  // NOLINT(google-explicit-constructor)
  template <std::size_t N>
  constexpr Span(const std::array<T, N>& a)
      : data_(a.data()), size_(N) {}  // NOLINT(google-explicit-constructor)
  template <std::size_t N>
  constexpr Span(const T (&a)[N]) : data_(a), size_(N) {}  // NOLINT(google-explicit-constructor)

  constexpr const T* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  constexpr const T* begin() const noexcept { return data_; }
  constexpr const T* end() const noexcept { return data_ + size_; }

 private:
  const T* data_ = nullptr;
  std::size_t size_ = 0;
};

// What happened to one image of a batch.
struct ImageStatus {
  std::string error;  // empty: the image's row holds its output
  bool ok() const noexcept { return error.empty(); }
};

// One status per image, in input order.
class BatchStatus {
 public:
  BatchStatus() = default;
  explicit BatchStatus(std::size_t n) : images_(n) {}

  std::size_t size() const noexcept { return images_.size(); }
  const ImageStatus& operator[](std::size_t i) const noexcept { return images_[i]; }
  ImageStatus& operator[](std::size_t i) noexcept { return images_[i]; }
  auto begin() const noexcept { return images_.begin(); }
  auto end() const noexcept { return images_.end(); }
  std::size_t ok_count() const noexcept {
    std::size_t n = 0;
    for (const ImageStatus& s : images_) n += s.ok() ? 1 : 0;
    return n;
  }
  bool all_ok() const noexcept { return ok_count() == images_.size(); }
  // Keeps the strings' memory for the next batch.
  void reset(std::size_t n) {
    images_.resize(n);
    for (ImageStatus& s : images_) s.error.clear();
  }

 private:
  std::vector<ImageStatus> images_;
};

// An owning batch tensor, (N, C, H, W) or (N, H, W, C), 64-byte aligned, reused across
// batches: reshape() reallocates only when more bytes are needed than it holds.
class Batch {
 public:
  Batch() = default;
  Batch(DType dtype, Layout layout, TensorShape shape) { reshape(dtype, layout, shape); }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  // A moved-from Batch is empty (no buffer, no capacity) and can be reshaped again.
  Batch(Batch&& other) noexcept { *this = std::move(other); }
  Batch& operator=(Batch&& other) noexcept {
    if (this != &other) {
      buffer_ = std::move(other.buffer_);
      capacity_ = std::exchange(other.capacity_, 0);
      dtype_ = other.dtype_;
      layout_ = other.layout_;
      shape_ = std::exchange(other.shape_, TensorShape{0, 0, 0, 0});
      status_ = std::move(other.status_);
    }
    return *this;
  }

  void reshape(DType dtype, Layout layout, TensorShape shape) {
    if (!is_tensor_dtype(dtype))
      detail::fail_mismatch("batch dtype", "f32, f16, bf16, u8 or i8", name(dtype));
    if (shape.n < 0 || shape.c < 0 || shape.h < 0 || shape.w < 0)
      detail::fail_mismatch("batch shape", "non-negative extents",
                            detail::to_text("(", shape.n, ", ", shape.c, ", ", shape.h, ", ",
                                            shape.w, ")"));
    const std::size_t bytes = static_cast<std::size_t>(shape.elements()) * size_of(dtype);
    if (bytes > capacity_) {
      buffer_.reset(static_cast<unsigned char*>(::operator new(bytes, std::align_val_t(64))));
      capacity_ = bytes;
    }
    dtype_ = dtype;
    layout_ = layout;
    shape_ = shape;
  }

  // The tensor; throws while the batch has no elements (no image has lowered yet).
  AnyTensorView view() const { return AnyTensorView(buffer_.get(), dtype_, layout_, shape_); }
  void* data() const noexcept { return buffer_.get(); }
  DType dtype() const noexcept { return dtype_; }
  Layout layout() const noexcept { return layout_; }
  TensorShape shape() const noexcept { return shape_; }
  std::size_t size_bytes() const noexcept {
    return static_cast<std::size_t>(shape_.elements()) * size_of(dtype_);
  }
  std::size_t capacity_bytes() const noexcept { return capacity_; }
  // The status of each image of the last vmap call that wrote this batch.
  const BatchStatus& status() const noexcept { return status_; }

 private:
  template <class>
  friend class Vmapped;
  struct Free {
    void operator()(unsigned char* p) const noexcept { ::operator delete(p, std::align_val_t(64)); }
  };
  std::unique_ptr<unsigned char[], Free> buffer_;
  std::size_t capacity_ = 0;
  DType dtype_ = DType::f32;
  Layout layout_ = Layout::nchw;
  TensorShape shape_{0, 0, 0, 0};
  BatchStatus status_;
};

namespace detail {
template <class F, class = void>
struct has_plan : std::false_type {};
template <class F>
struct has_plan<
    F, std::void_t<decltype(std::declval<const F&>().plan(std::declval<const InputShape&>()))>>
    : std::true_type {};
}  // namespace detail

template <class F>
class Vmapped {
 public:
  explicit Vmapped(F fn) : fn_(std::move(fn)) {}

  // Fills `batch` (N = images.size() rows) and returns one status per image.
  BatchStatus operator()(Executor& executor, Span<AnyImageView> images,
                         const AnyTensorView& batch) const {
    BatchStatus status(images.size());
    fill(executor, images, Span<Orientation>(), batch, status);
    return status;
  }
  // The same, with each image's EXIF orientation (fn must take it as a third argument).
  BatchStatus operator()(Executor& executor, Span<AnyImageView> images,
                         Span<Orientation> orientations, const AnyTensorView& batch) const {
    static_assert(takes_orientation,
                  "vmap with orientations needs fn(image, out, Orientation): vmap a pixfuse::jit");
    check_orientations(images, orientations);
    BatchStatus status(images.size());
    fill(executor, images, orientations, batch, status);
    return status;
  }

  // Shapes `batch` from fn's plan and fills it; the statuses stay in batch.status().
  const BatchStatus& operator()(Executor& executor, Span<AnyImageView> images, Batch& batch) const {
    return (*this)(executor, images, Span<Orientation>(), batch);
  }
  const BatchStatus& operator()(Executor& executor, Span<AnyImageView> images,
                                Span<Orientation> orientations, Batch& batch) const {
    static_assert(detail::has_plan<F>::value, "vmap into a Batch needs fn.plan(InputShape) to know "
                                              "the output shape: vmap a pixfuse::jit");
    if (!orientations.empty()) check_orientations(images, orientations);
    batch.status_.reset(images.size());
    const auto n = static_cast<std::int64_t>(images.size());
    bool shaped = false;
    for (std::size_t i = 0; i < images.size() && !shaped; ++i) {
      try {
        const Orientation o = orientations.empty() ? Orientation::normal : orientations[i];
        const auto plan = fn_.plan(InputShape::of(images[i], o));
        TensorShape shape = plan->output_shape();
        shape.n = n;
        batch.reshape(plan->out_dtype, plan->layout, shape);
        shaped = true;
      } catch (const std::exception& e) {
        batch.status_[i].error = "images[" + std::to_string(i) + "]: " + e.what();
      }
    }
    if (!shaped) {  // no image lowers: an empty batch, every status says why
      batch.shape_ = TensorShape{n, 0, 0, 0};
      return batch.status_;
    }
    fill(executor, images, orientations, batch.view(), batch.status_);
    return batch.status_;
  }

  const F& function() const noexcept { return fn_; }

 private:
  static void check_orientations(Span<AnyImageView> images, Span<Orientation> orientations) {
    if (!takes_orientation && !orientations.empty())
      detail::fail_mismatch("orientations",
                            "none: fn does not take an Orientation (vmap a pixfuse::jit)",
                            orientations.size());
    if (orientations.size() != images.size())
      detail::fail_mismatch("orientations", detail::to_text(images.size(), " (one per image)"),
                            orientations.size());
  }

  static constexpr bool takes_orientation =
      std::is_invocable_v<const F&, const AnyImageView&, const AnyTensorView&, Orientation>;

  void call(const AnyImageView& image, const AnyTensorView& row,
            const Orientation* orientation) const {
    if constexpr (takes_orientation) {
      if (orientation != nullptr) {
        fn_(image, row, *orientation);
        return;
      }
    }
    fn_(image, row);
  }

  void fill(Executor& executor, Span<AnyImageView> images, Span<Orientation> orientations,
            const AnyTensorView& batch, BatchStatus& status) const {
    if (batch.shape.n != static_cast<std::int64_t>(images.size()))
      detail::fail_mismatch("batch tensor",
                            detail::to_text("N = ", images.size(), " (one row per image)"),
                            detail::to_text("N = ", batch.shape.n));
    const std::size_t row_bytes = batch.size_bytes() / (images.empty() ? 1 : images.size());
    executor.parallel_for(images.size(), [&](std::size_t i) {
      const AnyTensorView row = batch.slot(static_cast<std::int64_t>(i));
      if (status[i].ok()) {  // else already known bad (shaping a Batch)
        try {
          call(images[i], row, orientations.empty() ? nullptr : &orientations[i]);
          return;
        } catch (const std::exception& e) {
          status[i].error = "images[" + std::to_string(i) + "]: " + e.what();
        }
      }
      std::memset(row.data, 0, row_bytes);  // a failed image never leaves stale or partial values
    });
  }

  F fn_;
};

// fn mapped over batches (see the top of this file).
template <class F>
Vmapped<std::decay_t<F>> vmap(F&& fn) {
  return Vmapped<std::decay_t<F>>(std::forward<F>(fn));
}

}  // namespace pixfuse
