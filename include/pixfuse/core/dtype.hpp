// Element types: the DType tag a Plan carries at run time, and its C++ type.
//
//   inputs  (image views): u8, u16, f32
//   outputs (tensors):     f32, f16, bf16, u8, i8
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "pixfuse/core/float16.hpp"

namespace pixfuse {

enum class DType : std::uint8_t { u8, i8, u16, f16, bf16, f32 };

inline constexpr DType all_dtypes[] = {DType::u8,  DType::i8,   DType::u16,
                                       DType::f16, DType::bf16, DType::f32};

constexpr std::string_view name(DType t) {
  switch (t) {
    case DType::u8: return "u8";
    case DType::i8: return "i8";
    case DType::u16: return "u16";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::f32: return "f32";
  }
  return "?";
}

constexpr std::size_t size_of(DType t) {
  switch (t) {
    case DType::u8:
    case DType::i8: return 1;
    case DType::u16:
    case DType::f16:
    case DType::bf16: return 2;
    case DType::f32: return 4;
  }
  return 0;
}

constexpr std::optional<DType> parse_dtype(std::string_view s) {
  for (DType t : all_dtypes)
    if (name(t) == s) return t;
  return std::nullopt;
}

// The DType of a C++ element type (const ignored); ill-formed for other types.
template <class T>
struct dtype_of;
template <class T>
struct dtype_of<const T> : dtype_of<T> {};
// clang-format off
template <>
struct dtype_of<std::uint8_t> { static constexpr DType value = DType::u8; };
template <>
struct dtype_of<std::int8_t> { static constexpr DType value = DType::i8; };
template <>
struct dtype_of<std::uint16_t> { static constexpr DType value = DType::u16; };
template <>
struct dtype_of<f16> { static constexpr DType value = DType::f16; };
template <>
struct dtype_of<bf16> { static constexpr DType value = DType::bf16; };
template <>
struct dtype_of<float> { static constexpr DType value = DType::f32; };
// clang-format on
template <class T>
inline constexpr DType dtype_of_v = dtype_of<T>::value;

// The C++ element type of a DType.
template <DType D>
struct type_of;
// clang-format off
template <>
struct type_of<DType::u8> { using type = std::uint8_t; };
template <>
struct type_of<DType::i8> { using type = std::int8_t; };
template <>
struct type_of<DType::u16> { using type = std::uint16_t; };
template <>
struct type_of<DType::f16> { using type = f16; };
template <>
struct type_of<DType::bf16> { using type = bf16; };
template <>
struct type_of<DType::f32> { using type = float; };
// clang-format on
template <DType D>
using type_of_t = typename type_of<D>::type;

// Which element types may be read as images and written as tensors.
constexpr bool is_image_dtype(DType t) {
  return t == DType::u8 || t == DType::u16 || t == DType::f32;
}
constexpr bool is_tensor_dtype(DType t) { return t != DType::u16; }

// Call f(tag) with tag's ::type the C++ type of t: the run-time -> compile-time switch.
template <DType D>
struct dtype_tag {
  using type = type_of_t<D>;
  static constexpr DType value = D;
};
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::u8: return f(dtype_tag<DType::u8>{});
    case DType::i8: return f(dtype_tag<DType::i8>{});
    case DType::u16: return f(dtype_tag<DType::u16>{});
    case DType::f16: return f(dtype_tag<DType::f16>{});
    case DType::bf16: return f(dtype_tag<DType::bf16>{});
    case DType::f32: break;
  }
  return f(dtype_tag<DType::f32>{});
}

}  // namespace pixfuse
