// The kernel's block schedule run on the host: every block's three steps (tile.cuh) in
// order, with a host array for shared memory. It executes exactly the arithmetic and the
// tile logic the device executes, so the tests compare it with the reference kernel on
// machines without a GPU; only the launch itself (grid, shared memory, barriers) is left
// for a GPU to check. A testing aid, not a backend: slow and single-threaded.
#pragma once

#include <vector>

#include "pixfuse/cuda/batch.hpp"
#include "pixfuse/plan/detail/no_contract.hpp"

PIXFUSE_NO_CONTRACT_BEGIN
namespace pixfuse::cuda::detail {

// plans[i] over host images[i] into host out.slot(i).
inline void emulate_batch(const std::vector<const Plan*>& plans,
                          const std::vector<AnyImageView>& images, const AnyTensorView& out) {
  const PackedBatch b = pack_batch(plans, images, out);
  const unsigned char* tab = b.bytes.data();
  const auto* descs = reinterpret_cast<const ImageDesc*>(b.bytes.data() + b.images_offset);
  std::vector<float> mid(static_cast<std::size_t>(b.staged_bytes / 4 + 1));
  for (int i = 0; i < b.n; ++i) {
    const ImageDesc& im = descs[i];
    const PlanDesc& p = reinterpret_cast<const PlanDesc*>(tab)[im.plan];
    for (int y0 = 0; y0 < b.max_out_height; y0 += tile_height)
      for (int x0 = 0; x0 < b.max_out_width; x0 += tile_width) {
        if (x0 >= p.out_width || y0 >= p.out_height) continue;
        const TileInfo t = plan_tile(p, tab, x0, y0, b.staged_bytes);
        if (t.rows > 0)
          for (int idx = 0; idx < t.rows * tile_width; ++idx)
            fill_tile(p, im, tab, t, x0, mid.data(), idx);
        for (int ty = 0; ty < tile_height; ++ty)
          for (int tx = 0; tx < tile_width; ++tx)
            finish_tile(p, im, tab, t, x0, y0, mid.data(), tx, ty);
      }
  }
}

}  // namespace pixfuse::cuda::detail
PIXFUSE_NO_CONTRACT_END
