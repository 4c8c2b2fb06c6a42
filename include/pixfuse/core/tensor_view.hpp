// TensorView<T, L, Extents>: a non-owning view of a dense output tensor.
//
// The layout L orders the extents: Layout::nchw is (N, C, H, W) for a batch or (C, H, W)
// for one image; Layout::nhwc is (N, H, W, C) or (H, W, C). Each extent is static or
// dynamic (extents.hpp), so TensorView<float, Layout::nchw, extents<int, 3, 224, 224>>
// carries the model's input shape in its type. slot(n) is the view of one batch entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "pixfuse/core/detail/checked.hpp"
#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/extents.hpp"
#include "pixfuse/core/layout_mapping.hpp"

namespace pixfuse {

// The four sizes of a (possibly single-image) tensor, whatever its layout.
struct TensorShape {
  std::int64_t n = 1, c = 0, h = 0, w = 0;
  std::int64_t elements() const { return n * c * h * w; }
  friend constexpr bool operator==(const TensorShape& a, const TensorShape& b) {
    return a.n == b.n && a.c == b.c && a.h == b.h && a.w == b.w;
  }
  friend constexpr bool operator!=(const TensorShape& a, const TensorShape& b) { return !(a == b); }
};

namespace detail {
// Throws unless data and extents describe a writable tensor; returns the element count.
template <class Extents>
std::int64_t validate_tensor(const void* data, const Extents& e, std::size_t element_size,
                             const char* subject) {
  // Message strings are built only on the failing branch (no allocation on valid input).
  if (data == nullptr)
    fail_mismatch(std::string(subject) + " data", "a non-null pointer", "nullptr");
  std::int64_t count = 1;
  const std::int64_t limit =
      std::numeric_limits<std::ptrdiff_t>::max() / static_cast<std::int64_t>(element_size);
  for (std::size_t r = 0; r < Extents::rank(); ++r) {
    const auto v = static_cast<std::int64_t>(e.extent(r));
    if (v <= 0) fail_mismatch(std::string(subject) + " extents", "all extents > 0", e.to_string());
    count = checked_mul(count, v, limit,
                        [&] { return std::string(subject) + " element count " + e.to_string(); });
  }
  return count;
}
}  // namespace detail

template <class T, Layout L, class Extents>
class TensorView {
  static_assert(is_extents_v<Extents>, "Extents is a pixfuse::extents<...>");
  static_assert(Extents::rank() == 3 || Extents::rank() == 4,
                "a tensor is one image (rank 3) or a batch (rank 4)");

 public:
  using element_type = T;
  using value_type = std::remove_const_t<T>;
  using extents_type = Extents;
  using index_type = typename Extents::index_type;
  static constexpr Layout layout = L;
  static constexpr bool is_batch = Extents::rank() == 4;
  static constexpr DType dtype = dtype_of_v<value_type>;

  TensorView() = default;
  TensorView(T* data, const Extents& e) : data_(data), extents_(e) {
    detail::validate_tensor(data, e, sizeof(T), "tensor");
  }
  // Only the dynamic extents (or all of them) as numbers.
  template <class... Ints, std::enable_if_t<(std::is_integral_v<Ints> && ...), int> = 0>
  TensorView(T* data, Ints... sizes) : TensorView(data, Extents(sizes...)) {}

  T* data() const noexcept { return data_; }
  const Extents& extents() const noexcept { return extents_; }
  index_type extent(std::size_t r) const noexcept { return extents_.extent(r); }
  std::size_t size() const noexcept { return data_ ? extents_.size() : 0; }
  std::size_t size_bytes() const noexcept { return size() * sizeof(T); }

  static constexpr std::size_t channel_axis = (L == Layout::nchw ? 0 : 2) + (is_batch ? 1 : 0);
  static constexpr std::size_t height_axis = (L == Layout::nchw ? 1 : 0) + (is_batch ? 1 : 0);
  static constexpr std::size_t width_axis = (L == Layout::nchw ? 2 : 1) + (is_batch ? 1 : 0);

  index_type batch() const noexcept {
    if constexpr (is_batch) return extents_.extent(0);
    return 1;
  }
  index_type channels() const noexcept { return extents_.extent(channel_axis); }
  index_type height() const noexcept { return extents_.extent(height_axis); }
  index_type width() const noexcept { return extents_.extent(width_axis); }
  TensorShape shape() const noexcept { return {batch(), channels(), height(), width()}; }

  // Element (n, c, y, x) whatever the layout.
  T& at(std::int64_t n, std::int64_t c, std::int64_t y, std::int64_t x) const noexcept {
    return data_[mapping().offset(n, c, y, x)];
  }
  // Where (c, y, x) of one image lies (layout_mapping.hpp).
  LayoutMapping<std::int64_t> mapping() const noexcept {
    return LayoutMapping<std::int64_t>(L, channels(), height(), width());
  }

  // The view of batch entry n: rank 3, static extents kept.
  template <bool B = is_batch, std::enable_if_t<B, int> = 0>
  auto slot(std::int64_t n) const {
    if (n < 0 || n >= batch())
      detail::fail_mismatch("batch slot", detail::to_text("0 <= n < ", batch()), n);
    using Slot = TensorView<T, L, slot_extents_t<Extents>>;
    Slot s;
    s.data_ = data_ + n * mapping().size();
    s.extents_ =
        slot_extents_t<Extents>(extents_.extent(1), extents_.extent(2), extents_.extent(3));
    return s;
  }

 private:
  template <class, Layout, class>
  friend class TensorView;

  template <class E>
  struct slot_extents;
  template <class I, std::size_t N, std::size_t A, std::size_t B, std::size_t C>
  struct slot_extents<pixfuse::extents<I, N, A, B, C>> {
    using type = pixfuse::extents<I, A, B, C>;
  };
  template <class E>
  using slot_extents_t = typename slot_extents<E>::type;

  T* data_ = nullptr;
  Extents extents_{};
};

// A tensor whose element type, layout and shape are known only at run time: what the
// kernels and the command-line tool work with. Typed views convert to it.
struct AnyTensorView {
  void* data = nullptr;
  DType dtype = DType::f32;
  Layout layout = Layout::nchw;
  TensorShape shape;  // n == 1 for a single image

  AnyTensorView() = default;
  AnyTensorView(void* d, DType t, Layout l, TensorShape s)
      : data(d), dtype(t), layout(l), shape(s) {
    if (!is_tensor_dtype(t))
      detail::fail_mismatch("tensor dtype", "f32, f16, bf16, u8 or i8", name(t));
    const dextents<4> e(s.n, s.c, s.h, s.w);
    detail::validate_tensor(d, e, size_of(t), "tensor");
  }
  template <class T, Layout L, class E, std::enable_if_t<!std::is_const_v<T>, int> = 0>
  AnyTensorView(const TensorView<T, L, E>& v)  // NOLINT(google-explicit-constructor)
      : data(v.data()), dtype(dtype_of_v<T>), layout(L), shape(v.shape()) {}

  std::size_t size_bytes() const noexcept {
    return static_cast<std::size_t>(shape.elements()) * size_of(dtype);
  }
  // The view of batch entry n.
  AnyTensorView slot(std::int64_t n) const {
    if (n < 0 || n >= shape.n)
      detail::fail_mismatch("batch slot", detail::to_text("0 <= n < ", shape.n), n);
    AnyTensorView s = *this;
    s.shape.n = 1;
    s.data = static_cast<unsigned char*>(data) +
             n * shape.c * shape.h * shape.w * static_cast<std::int64_t>(size_of(dtype));
    return s;
  }
};

}  // namespace pixfuse
