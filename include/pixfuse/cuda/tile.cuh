// How one thread block computes one output tile, as __host__ __device__ steps the kernel
// (kernel.cuh) and the host emulation (detail/emulate.hpp) both run.
//
// A block owns tile_width x tile_height output pixels of one image. Its output rows read a
// run of the vertical axis' compact source list (AxisTaps::sources, so rows no output
// reads are skipped); (1) plan_tile finds that run, (2) every thread fills part of the
// shared-memory buffer with horizontal-pass results for those rows x the tile's columns,
// (3) each thread does the vertical pass of its pixel from that buffer. When the run does
// not fit the buffer (very large vertical shrink factors) the tile is computed directly,
// each thread doing the horizontal pass for its own taps: same arithmetic, same order, so
// the result is identical. Horizontal results are stored as float, which is exact: they
// are integers below 2^24 (u8 and u16 sums, OpenCV's int32 dot products) or already
// float (the reference rounds to float between passes). Plans whose vertical pass runs
// first (PlanDesc::vertical_first) always take the direct path, vertical pass inside.
#pragma once

#include <cstdint>

#include "pixfuse/cuda/arithmetic.cuh"
#include "pixfuse/plan/detail/no_contract.hpp"

PIXFUSE_NO_CONTRACT_BEGIN
namespace pixfuse::cuda {

inline constexpr int tile_width = 32;  // one warp across, coalesced stores along x
inline constexpr int tile_height = 8;
inline constexpr int block_threads = tile_width * tile_height;
// Shared-memory cap per block for staged rows (a 48 KiB static-launch limit, less the plan).
inline constexpr int max_staged_bytes = 44 * 1024;

namespace detail {

struct TileInfo {
  std::int32_t slot_lo;  // first entry of y.sources staged
  std::int32_t rows;     // > 0: staged rows; 0: nothing to resample (padding only); -1: direct
};

PIXFUSE_HD inline int imin(int a, int b) { return a < b ? a : b; }
PIXFUSE_HD inline int imax(int a, int b) { return a > b ? a : b; }

PIXFUSE_HD inline TileInfo plan_tile(const PlanDesc& p, const unsigned char* tab, int x0, int y0,
                                     int staged_bytes) {
  TileInfo t{0, 0};
  const int xb = imax(x0, p.x.valid_begin), xe = imin(x0 + tile_width, p.x.valid_end);
  const int yb = imax(y0, p.y.valid_begin), ye = imin(y0 + tile_height, p.y.valid_end);
  if (xb >= xe || yb >= ye) return t;
  if (p.vertical_first) {
    t.rows = -1;
    return t;
  }
  const std::int32_t* count = table<std::int32_t>(tab, p.y.count);
  const std::int32_t* slots = table<std::int32_t>(tab, p.y.slots);
  int lo = 0x7FFFFFFF, hi = -1;
  for (int y = yb; y < ye; ++y)
    for (int k = 0; k < count[y]; ++k) {
      const int s = slots[static_cast<std::int64_t>(y) * p.y.max_taps + k];
      lo = imin(lo, s);
      hi = imax(hi, s);
    }
  if (hi < lo) return t;
  t.slot_lo = lo;
  t.rows = hi - lo + 1;
  const std::int64_t bytes = static_cast<std::int64_t>(t.rows) * tile_width * p.in_channels * 4;
  if (bytes > staged_bytes) t.rows = -1;
  return t;
}

// Step 2 for element idx of [0, rows * tile_width): one staged row x one column.
PIXFUSE_HD inline void fill_tile(const PlanDesc& p, const ImageDesc& im, const unsigned char* tab,
                                 TileInfo t, int x0, float* mid, int idx) {
  const int r = idx / tile_width, tx = idx % tile_width, x = x0 + tx;
  if (x < p.x.valid_begin || x >= p.x.valid_end) return;
  const int row = table<std::int32_t>(tab, p.y.sources)[t.slot_lo + r];
  float* m = mid + (static_cast<std::int64_t>(r) * tile_width + tx) * p.in_channels;
  for (int c = 0; c < p.in_channels; ++c)
    if (p.used_mask & (1 << c)) m[c] = static_cast<float>(horizontal(p, im, tab, row, x, c));
}

// Step 3 for thread (tx, ty).
PIXFUSE_HD inline void finish_tile(const PlanDesc& p, const ImageDesc& im, const unsigned char* tab,
                                   TileInfo t, int x0, int y0, const float* mid, int tx, int ty) {
  const int x = x0 + tx, y = y0 + ty;
  if (x >= p.out_width || y >= p.out_height) return;
  const std::int64_t row = static_cast<std::int64_t>(y) * p.y.max_taps;
  if (t.rows > 0) {
    const std::int32_t* slots = table<std::int32_t>(tab, p.y.slots) + row;
    finish_pixel(p, im, tab, x, y, [&](int k, int c) -> double {
      return mid[((static_cast<std::int64_t>(slots[k]) - t.slot_lo) * tile_width + tx) *
                     p.in_channels +
                 c];
    });
  } else {
    const std::int32_t* idx = table<std::int32_t>(tab, p.y.indices) + row;
    finish_pixel(p, im, tab, x, y,
                 [&](int k, int c) -> double { return horizontal(p, im, tab, idx[k], x, c); });
  }
}

// The shared memory a plan's tiles stage (0 when none stage), at most max_staged_bytes.
inline int staged_bytes_needed(const PlanDesc& p, const unsigned char* tab) {
  int need = 0;
  for (int y0 = 0; y0 < p.out_height; y0 += tile_height) {
    const TileInfo t = plan_tile(p, tab, p.x.valid_begin, y0, max_staged_bytes);
    if (t.rows > 0) need = imax(need, t.rows * tile_width * p.in_channels * 4);
  }
  return need;
}

}  // namespace detail
}  // namespace pixfuse::cuda
PIXFUSE_NO_CONTRACT_END
