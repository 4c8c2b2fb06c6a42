// The two copies of kernel_tu.cpp, as the test sees them.
#pragma once

#include <string>
#include <vector>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/plan/plan.hpp"

#define PIXFUSE_STRINGIFY_(x) #x
#define PIXFUSE_STRINGIFY(x) PIXFUSE_STRINGIFY_(x)

namespace mixed {

struct TuResult {
  std::vector<unsigned char> bytes;  // the plan's output
  std::string target;                // the target that ran
  std::vector<std::string> targets;  // what that copy can run
  std::string baseline;              // its dispatch namespace
};

TuResult native(const pixfuse::Plan& plan, const pixfuse::AnyImageView& in);
TuResult baseline(const pixfuse::Plan& plan, const pixfuse::AnyImageView& in);

}  // namespace mixed
