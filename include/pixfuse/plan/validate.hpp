// Checks that an input image and an output tensor fit a Plan before any backend runs it.
// Every backend (the reference, the SIMD dispatch, the CUDA batch) calls these, so the
// errors are the same whichever one runs.
#pragma once

#include <string>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/core/validate.hpp"
#include "pixfuse/plan/plan.hpp"

namespace pixfuse::detail {

// The input must be the image the plan was lowered for.
inline void check_input(const Plan& p, const AnyImageView& in, const std::string& subject) {
  if (in.empty()) fail_mismatch(subject, "a non-empty image", "an empty view");
  if (in.width != p.in_width || in.height != p.in_height || in.channels != p.in_channels ||
      in.dtype != p.in_dtype)
    fail_mismatch(subject,
                  to_text(p.in_width, "x", p.in_height, "x", p.in_channels, " ", name(p.in_dtype),
                          " (the shape the plan was made for)"),
                  to_text(in.width, "x", in.height, "x", in.channels, " ", name(in.dtype)));
}

// One image through one plan: the input fits, the output is the plan's, and they are disjoint.
inline void check_run(const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
  check_input(p, in, "input image");
  check_output(out, p.out_dtype, p.layout, p.output_shape());
  check_no_overlap(in, out);
}

}  // namespace pixfuse::detail
