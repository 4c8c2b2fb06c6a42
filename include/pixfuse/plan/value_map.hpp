// ValueMap: what happens to a resampled value of one output channel before it is
// stored: the normalize stages in order, y = (x * scale - mean) / std each (x / scale
// when the scale divides), evaluated in float exactly as written, as torchvision's
// ToTensor-then-Normalize evaluates a pixel. Folded, it is the affine y = a x + b the
// float kernels use.
#pragma once

#include <cmath>
#include <vector>

#include "pixfuse/plan/detail/no_contract.hpp"

namespace pixfuse {

struct NormalizeStep {
  float scale = 1.0f;
  bool divide = false;
  float mean = 0.0f, std = 1.0f;
};

struct ValueMap {
  std::vector<NormalizeStep> steps;

  // The exact step-by-step value, used for lookup tables and padding.
  PIXFUSE_NO_CONTRACT float apply(float x) const {
    for (const NormalizeStep& s : steps) x = ((s.divide ? x / s.scale : x * s.scale) - s.mean) / s.std;
    return x;
  }

  // The folded affine a x + b, computed in double and rounded once to float.
  void folded(float& a, float& b) const {
    double da = 1.0, db = 0.0;
    for (const NormalizeStep& s : steps) {
      const double k = s.divide ? 1.0 / s.scale : static_cast<double>(s.scale);
      da = da * k / s.std;
      db = (db * k - s.mean) / s.std;
    }
    a = static_cast<float>(da);
    b = static_cast<float>(db);
  }
};

}  // namespace pixfuse
