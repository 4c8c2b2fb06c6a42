// The batch as the kernel sees it: distinct plans packed once, one ImageDesc per image,
// all in one byte buffer (tables first, descriptors after) that one copy moves.
// Plain C++: shared by the launcher (fused_batch.cuh) and the host emulation.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/cuda/tile.cuh"
#include "pixfuse/plan/validate.hpp"

namespace pixfuse::cuda::detail {

struct PackedBatch {
  std::vector<unsigned char> bytes;  // tables (PlanDescs first), then the ImageDescs
  std::size_t images_offset = 0;
  int n = 0, max_out_width = 0, max_out_height = 0, staged_bytes = 0;
};

// plans[i] runs on images[i] into out.slot(i). Image and output pointers are used as given
// (device pointers for the kernel, host pointers for the emulation); shapes are checked.
// Packs into `b`, reusing the capacity of b.bytes (a FusedBatch keeps one PackedBatch).
inline void pack_batch_into(PackedBatch& b, const std::vector<const Plan*>& plans,
                            const std::vector<AnyImageView>& images, const AnyTensorView& out) {
  b.n = 0;  // until packed: an exception below leaves an empty batch, not a stale one
  b.max_out_width = b.max_out_height = b.staged_bytes = 0;
  if (plans.size() != images.size())
    pixfuse::detail::fail_mismatch("cuda batch plans",
                                   pixfuse::detail::to_text(images.size(), " (one per image)"),
                                   plans.size());
  if (out.shape.n != static_cast<std::int64_t>(images.size()))
    pixfuse::detail::fail_mismatch("cuda batch output tensor",
                                   pixfuse::detail::to_text("batch size ", images.size()),
                                   out.shape.n);
  std::map<const Plan*, int> index;
  std::vector<const Plan*> distinct;
  std::vector<ImageDesc> descs(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Plan* p = plans[i];
    if (p == nullptr)
      pixfuse::detail::fail_mismatch(pixfuse::detail::to_text("cuda batch plan ", i), "a plan",
                                     "nullptr");
    const std::string subject = pixfuse::detail::to_text("image ", i);
    pixfuse::detail::check_input(*p, images[i], subject);
    const AnyTensorView slot = out.slot(static_cast<std::int64_t>(i));
    pixfuse::detail::check_output(slot, p->out_dtype, p->layout, p->output_shape(),
                                  pixfuse::detail::to_text("output slot ", i));
    auto it = index.find(p);
    if (it == index.end()) {
      it = index.emplace(p, static_cast<int>(distinct.size())).first;
      distinct.push_back(p);
    }
    descs[i].src = images[i].data;
    descs[i].src_stride = images[i].row_stride;
    descs[i].dst = slot.data;
    descs[i].plan = it->second;
  }
  pack_plans_into(distinct, b.bytes);
  for (std::size_t k = 0; k < distinct.size(); ++k) {
    const PlanDesc& d = reinterpret_cast<const PlanDesc*>(b.bytes.data())[k];
    b.max_out_width = imax(b.max_out_width, d.out_width);
    b.max_out_height = imax(b.max_out_height, d.out_height);
    b.staged_bytes = imax(b.staged_bytes, staged_bytes_needed(d, b.bytes.data()));
  }
  b.bytes.resize((b.bytes.size() + 7) / 8 * 8, 0);
  b.images_offset = b.bytes.size();
  b.bytes.resize(b.bytes.size() + descs.size() * sizeof(ImageDesc));
  std::memcpy(b.bytes.data() + b.images_offset, descs.data(), descs.size() * sizeof(ImageDesc));
  b.n = static_cast<int>(images.size());
}

inline PackedBatch pack_batch(const std::vector<const Plan*>& plans,
                              const std::vector<AnyImageView>& images, const AnyTensorView& out) {
  PackedBatch b;
  pack_batch_into(b, plans, images, out);
  return b;
}

}  // namespace pixfuse::cuda::detail
