// The output of `recipe` on `image` through a freshly lowered plan and pixfuse::run: what
// the jit and vmap results must equal byte for byte.
#pragma once

#include <vector>

#include "pixfuse/pixfuse.hpp"

namespace api_test {

template <class R>
std::vector<unsigned char> expected_output(const R& recipe, const pixfuse::AnyImageView& image,
                                           pixfuse::Orientation o = pixfuse::Orientation::normal) {
  namespace pf = pixfuse;
  const pf::Plan plan = pf::make_plan(recipe, pf::InputShape::of(image, o));
  std::vector<unsigned char> out(plan.output_elements() * pf::size_of(plan.out_dtype));
  pf::run(plan, image,
          pf::AnyTensorView(out.data(), plan.out_dtype, plan.layout, plan.output_shape()));
  return out;
}

}  // namespace api_test
