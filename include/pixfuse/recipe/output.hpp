// Output stages: the tensor layout (NCHW planar or NHWC interleaved) and the element
// type. Static forms (nchw(), cast<float>()) put them in the output view's type;
// run-time forms (layout(Layout), cast(DType)) serve tools that choose from flags.
// Without them a recipe writes NCHW f32.
#pragma once

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/recipe/stage.hpp"

namespace pixfuse {

template <Layout L>
struct ToLayout : StageTag {};
struct AnyLayout : StageTag {
  Layout layout = Layout::nchw;
};

template <Layout L>
struct static_effect<ToLayout<L>> {
  static constexpr StaticShape apply(StaticShape s) {
    s.has_layout = true;
    s.layout = L;
    return s;
  }
};
template <>
struct static_effect<AnyLayout> {
  static constexpr StaticShape apply(StaticShape s) {
    s.has_layout = false;
    return s;
  }
};

constexpr ToLayout<Layout::nchw> nchw() { return {}; }
constexpr ToLayout<Layout::nhwc> nhwc() { return {}; }
inline AnyLayout layout(Layout l) {
  AnyLayout a;
  a.layout = l;
  return a;
}

template <class T>
struct CastTo : StageTag {
  static_assert(is_tensor_dtype(dtype_of_v<T>), "outputs are float, f16, bf16, uint8_t or int8_t");
};
struct AnyCast : StageTag {
  DType dtype = DType::f32;
};

template <class T>
struct static_effect<CastTo<T>> {
  static constexpr StaticShape apply(StaticShape s) {
    s.has_dtype = true;
    s.dtype = dtype_of_v<T>;
    return s;
  }
};
template <>
struct static_effect<AnyCast> {
  static constexpr StaticShape apply(StaticShape s) {
    s.has_dtype = false;
    return s;
  }
};

template <class T>
constexpr CastTo<T> cast() {
  return {};
}
inline AnyCast cast(DType t) {
  if (!is_tensor_dtype(t)) detail::fail_mismatch("cast", "f32, f16, bf16, u8 or i8", name(t));
  AnyCast c;
  c.dtype = t;
  return c;
}

}  // namespace pixfuse
