// Checks that tie an input image and an output tensor to what a computation expects.
#pragma once

#include <string>

#include "pixfuse/core/detail/checked.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"

namespace pixfuse::detail {

inline std::string shape_text(Layout layout, const TensorShape& s, bool with_batch) {
  const std::string b = with_batch ? to_text(s.n, ", ") : std::string();
  return layout == Layout::nchw ? to_text("(", b, s.c, ", ", s.h, ", ", s.w, ")")
                                : to_text("(", b, s.h, ", ", s.w, ", ", s.c, ")");
}

// The output tensor must have exactly the expected dtype, layout and extents.
inline void check_output(const AnyTensorView& out, DType dtype, Layout layout,
                         const TensorShape& shape, const std::string& subject = "output tensor") {
  if (out.data == nullptr) fail_mismatch(subject + " data", "a non-null pointer", "nullptr");
  if (out.dtype != dtype) fail_mismatch(subject, to_text("dtype ", name(dtype)), name(out.dtype));
  if (out.layout != layout)
    fail_mismatch(subject, to_text("layout ", name(layout)), name(out.layout));
  if (out.shape != shape) {
    const bool batch = shape.n != 1 || out.shape.n != 1;
    fail_mismatch(subject, "extents " + shape_text(layout, shape, batch),
                  shape_text(out.layout, out.shape, batch));
  }
}

// Input and output must not share memory: the kernels read the input while writing.
inline void check_no_overlap(const AnyImageView& in, const AnyTensorView& out,
                             const std::string& subject = "output tensor") {
  if (ranges_overlap(in.data, in.span_bytes(), out.data, out.size_bytes()))
    fail_mismatch(subject, "memory disjoint from the input image",
                  "a buffer that overlaps the input image");
}

}  // namespace pixfuse::detail
