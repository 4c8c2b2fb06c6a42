// ImageView<T, Channels>: a non-owning view of an interleaved (HWC) image.
//
// T is the element type (uint8_t, uint16_t or float; const for read-only views),
// Channels is 1, 3 or 4, or dynamic_extent to decide at run time. Rows may be
// padded: row_stride is in bytes and at least width * channels * sizeof(T).
// A sub-rectangle is a view of the same memory with the same stride.
//
// Every constructor validates its arguments and throws pixfuse::Error naming the
// problem: null data, non-positive sizes, a stride shorter than a row, an unsupported
// channel count, or an element count over max_image_elements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "pixfuse/core/detail/checked.hpp"
#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/dynamic_extent.hpp"
#include "pixfuse/core/error.hpp"

namespace pixfuse {

// The channel count's former marker, now dynamic_extent like every other run-time size.
[[deprecated("use pixfuse::dynamic_extent")]] inline constexpr std::size_t dynamic_channels =
    dynamic_extent;

// Kernels index elements of one image with 32-bit integers: 2^31 - 1 elements
// (2 GiB of u8) is the largest image pixfuse accepts.
inline constexpr std::int64_t max_image_elements = std::numeric_limits<std::int32_t>::max();

// A rectangle in pixel coordinates: x, y of the top-left corner, then the size.
struct Rect {
  std::int64_t x = 0, y = 0, width = 0, height = 0;
  friend constexpr bool operator==(const Rect& a, const Rect& b) {
    return a.x == b.x && a.y == b.y && a.width == b.width && a.height == b.height;
  }
};

namespace detail {
// Throws unless the arguments describe a readable image; `subject` names it in the message.
inline void validate_image(const void* data, std::int64_t width, std::int64_t height,
                           std::int64_t channels, std::int64_t row_stride, std::size_t element_size,
                           const char* subject) {
  // Message strings are built only on the failing branch (no allocation on valid input).
  const auto named = [subject](const char* what) { return std::string(subject) + what; };
  if (data == nullptr) fail_mismatch(named(" data"), "a non-null pointer", "nullptr");
  if (width <= 0) fail_mismatch(named(" width"), "> 0", width);
  if (height <= 0) fail_mismatch(named(" height"), "> 0", height);
  if (channels != 1 && channels != 3 && channels != 4)
    fail_mismatch(named(" channels"), "1, 3 or 4", channels);
  const std::int64_t pixels =
      checked_mul(width, height, max_image_elements, [&] { return named(" width * height"); });
  checked_mul(pixels, channels, max_image_elements,
              [&] { return named(" width * height * channels"); });
  const std::int64_t row_bytes = width * channels * static_cast<std::int64_t>(element_size);
  if (row_stride < row_bytes)
    fail_mismatch(named(" row stride"),
                  to_text(">= ", row_bytes, " bytes (", width, " pixels * ", channels,
                          " channels * ", element_size, " bytes)"),
                  to_text(row_stride, " bytes"));
  if (row_stride % static_cast<std::int64_t>(element_size) != 0)
    fail_mismatch(named(" row stride"), to_text("a multiple of ", element_size, " bytes"),
                  to_text(row_stride, " bytes"));
  checked_mul(row_stride, height, std::numeric_limits<std::ptrdiff_t>::max(),
              [&] { return named(" row stride * height"); });
}
}  // namespace detail

template <class T, std::size_t Channels = dynamic_extent>
class ImageView {
  static_assert(std::is_same_v<std::remove_const_t<T>, std::uint8_t> ||
                    std::is_same_v<std::remove_const_t<T>, std::uint16_t> ||
                    std::is_same_v<std::remove_const_t<T>, float>,
                "image elements are uint8_t, uint16_t or float");
  static_assert(Channels == dynamic_extent || Channels == 1 || Channels == 3 || Channels == 4,
                "an image has 1, 3 or 4 channels");

 public:
  using element_type = T;
  using value_type = std::remove_const_t<T>;
  static constexpr std::size_t static_channels = Channels;  // dynamic_extent when dynamic
  static constexpr DType dtype = dtype_of_v<value_type>;

  // An empty view (width() == 0); kernels reject it.
  ImageView() = default;

  // Dynamic channel count, explicit stride in bytes.
  ImageView(T* data, std::int64_t width, std::int64_t height, std::int64_t channels,
            std::int64_t row_stride_bytes) {
    init(data, width, height, channels, row_stride_bytes);
  }

  // Rows packed (stride = width * channels * sizeof(T)).
  template <std::size_t C = Channels, std::enable_if_t<C == dynamic_extent, int> = 0>
  ImageView(T* data, std::int64_t width, std::int64_t height, std::int64_t channels) {
    init(data, width, height, channels, packed_stride(width, channels));
  }
  template <std::size_t C = Channels, std::enable_if_t<C != dynamic_extent, int> = 0>
  ImageView(T* data, std::int64_t width, std::int64_t height) {
    init(data, width, height, static_cast<std::int64_t>(Channels),
         packed_stride(width, static_cast<std::int64_t>(Channels)));
  }

  // Read-only and dynamic-channel conversions.
  template <class U, std::size_t C,
            std::enable_if_t<std::is_convertible_v<U*, T*> &&
                                 (Channels == dynamic_extent || Channels == C) &&
                                 !(std::is_same_v<U, T> && C == Channels),
                             int> = 0>
  ImageView(const ImageView<U, C>& other) {  // NOLINT(google-explicit-constructor)
    if (other.empty()) return;
    init(other.data(), other.width(), other.height(), other.channels(), other.row_stride());
  }

  T* data() const noexcept { return data_; }
  int width() const noexcept { return width_; }
  int height() const noexcept { return height_; }
  int channels() const noexcept {
    return Channels == dynamic_extent ? channels_ : static_cast<int>(Channels);
  }
  std::ptrdiff_t row_stride() const noexcept { return row_stride_; }  // bytes
  bool empty() const noexcept { return width_ == 0; }

  T* row(int y) const noexcept {
    using Byte = std::conditional_t<std::is_const_v<T>, const unsigned char, unsigned char>;
    return reinterpret_cast<T*>(reinterpret_cast<Byte*>(data_) + y * row_stride_);
  }
  T* pixel(int x, int y) const noexcept {
    return row(y) + static_cast<std::ptrdiff_t>(x) * channels();
  }
  T& operator()(int x, int y, int c) const noexcept { return pixel(x, y)[c]; }

  // Bytes from the first element to one past the last (rows may have padding between).
  std::size_t span_bytes() const noexcept {
    if (empty()) return 0;
    return static_cast<std::size_t>(height_ - 1) * static_cast<std::size_t>(row_stride_) +
           static_cast<std::size_t>(width_) * static_cast<std::size_t>(channels()) * sizeof(T);
  }

  // A view of the rectangle r, which must lie inside this image.
  ImageView subview(const Rect& r) const {
    if (r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0 || r.x + r.width > width_ ||
        r.y + r.height > height_)
      detail::fail_mismatch("sub-rectangle",
                            detail::to_text("a non-empty rectangle inside the ", width_, "x",
                                            height_, " image"),
                            detail::to_text("x=", r.x, " y=", r.y, " width=", r.width,
                                            " height=", r.height));
    ImageView v = *this;
    v.data_ = pixel(static_cast<int>(r.x), static_cast<int>(r.y));
    v.width_ = static_cast<int>(r.width);
    v.height_ = static_cast<int>(r.height);
    return v;
  }

 private:
  static std::int64_t packed_stride(std::int64_t width, std::int64_t channels) {
    // Overflow is caught by validate_image (width * channels <= max_image_elements).
    return width > 0 && channels > 0 && width <= max_image_elements
               ? width * channels * static_cast<std::int64_t>(sizeof(T))
               : 0;
  }

  void init(T* data, std::int64_t width, std::int64_t height, std::int64_t channels,
            std::int64_t row_stride) {
    if (Channels != dynamic_extent && channels != static_cast<std::int64_t>(Channels))
      detail::fail_mismatch("image channels", Channels, channels);
    detail::validate_image(data, width, height, channels, row_stride, sizeof(T), "image");
    data_ = data;
    width_ = static_cast<int>(width);
    height_ = static_cast<int>(height);
    channels_ = static_cast<int>(channels);
    row_stride_ = static_cast<std::ptrdiff_t>(row_stride);
  }

  T* data_ = nullptr;
  int width_ = 0, height_ = 0, channels_ = 0;
  std::ptrdiff_t row_stride_ = 0;
};

}  // namespace pixfuse

namespace pixfuse {

// An image whose element type is known only at run time (a decoder's output, a
// command-line input). Typed views convert to it; visit() gives the typed view back.
struct AnyImageView {
  const void* data = nullptr;
  DType dtype = DType::u8;
  int width = 0, height = 0, channels = 0;
  std::ptrdiff_t row_stride = 0;  // bytes

  AnyImageView() = default;
  AnyImageView(const void* d, DType t, std::int64_t w, std::int64_t h, std::int64_t c,
               std::int64_t stride_bytes) {
    if (!is_image_dtype(t)) detail::fail_mismatch("image dtype", "u8, u16 or f32", name(t));
    detail::validate_image(d, w, h, c, stride_bytes, size_of(t), "image");
    data = d;
    dtype = t;
    width = static_cast<int>(w);
    height = static_cast<int>(h);
    channels = static_cast<int>(c);
    row_stride = static_cast<std::ptrdiff_t>(stride_bytes);
  }
  template <class T, std::size_t C>
  AnyImageView(const ImageView<T, C>& v)  // NOLINT(google-explicit-constructor)
      : data(v.data()),
        dtype(dtype_of_v<std::remove_const_t<T>>),
        width(v.width()),
        height(v.height()),
        channels(v.channels()),
        row_stride(v.row_stride()) {}

  bool empty() const noexcept { return width == 0; }
  std::size_t span_bytes() const noexcept {
    if (empty()) return 0;
    return static_cast<std::size_t>(height - 1) * static_cast<std::size_t>(row_stride) +
           static_cast<std::size_t>(width) * static_cast<std::size_t>(channels) * size_of(dtype);
  }
  AnyImageView subview(const Rect& r) const {
    if (r.width <= 0 || r.height <= 0 || r.x < 0 || r.y < 0 || r.x + r.width > width ||
        r.y + r.height > height)
      detail::fail_mismatch("sub-rectangle",
                            detail::to_text("a non-empty rectangle inside the ", width, "x", height,
                                            " image"),
                            detail::to_text("x=", r.x, " y=", r.y, " width=", r.width,
                                            " height=", r.height));
    AnyImageView v = *this;
    v.data = static_cast<const unsigned char*>(data) + r.y * row_stride +
             r.x * channels * static_cast<std::int64_t>(size_of(dtype));
    v.width = static_cast<int>(r.width);
    v.height = static_cast<int>(r.height);
    return v;
  }

  // f(ImageView<const T>) with T the element type.
  template <class F>
  decltype(auto) visit(F&& f) const {
    if (empty()) detail::fail_mismatch("image", "a non-empty image", "an empty view");
    switch (dtype) {
      case DType::u16:
        return f(ImageView<const std::uint16_t>(static_cast<const std::uint16_t*>(data), width,
                                                height, channels, row_stride));
      case DType::f32:
        return f(ImageView<const float>(static_cast<const float*>(data), width, height, channels,
                                        row_stride));
      case DType::u8:
      case DType::i8:  // not image dtypes (make_plan rejects them): seen as their bytes
      case DType::f16:
      case DType::bf16:
        return f(ImageView<const std::uint8_t>(static_cast<const std::uint8_t*>(data), width,
                                               height, channels, row_stride));
    }
    detail::unreachable("AnyImageView::visit: dtype");
  }
};

}  // namespace pixfuse
