// BatchDevice: somewhere other than this CPU's kernels that runs a batch of plans at once
// (the CUDA backend's BatchRunner behind it, in pixfuse-prep's --device cuda).
//
// An io::Loader given one decodes on the CPU threads as usual, then hands each batch's
// decoded images and their plans to run() in one call. Should run() throw, the Loader
// runs that batch on the CPU instead and says why in LoadedBatch::device_error: no image
// is lost to a device failure.
#pragma once

#include <string>
#include <vector>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/plan/plan.hpp"

namespace pixfuse {

class BatchDevice {
 public:
  virtual ~BatchDevice() = default;
  // plans[i] (lowered for images[i]) into row i of `out` (N = images.size()). Host images
  // in, host tensor out; staging and transfers are the device's business.
  virtual void run(const std::vector<const Plan*>& plans, const std::vector<AnyImageView>& images,
                   const AnyTensorView& out) = 0;
  // One line for summaries, e.g. "cuda: NVIDIA H200 (sm_90, 4800 GB/s)".
  virtual std::string describe() const = 0;
};

}  // namespace pixfuse
