// The fused kernels, once per SIMD target (Highway's per-target -inl.h convention: this
// file is included by hwy/foreach_target.h once per target, each time inside that
// target's namespace; see cpu/dispatch.hpp). It gathers one concept per file, as
// Highway's hwy/contrib/sort does:
//
//   fused/lanes-inl.h       partial-vector loads and stores, unroll / transpose switches
//   fused/source-inl.h      reading source samples (orientation, alpha premultiplication)
//   fused/transpose-inl.h   source rows into column blocks (lanes = rows), and back
//   fused/arithmetic-inl.h  each convention's accumulator types, weights and rounding
//   fused/shape-inl.h       output extents, run-time or compile-time
//   fused/ring-inl.h        the ring between the passes: filling the positions a row reads
//   fused/horizontal-inl.h  the horizontal pass over a block of rows
//   fused/vertical-inl.h    the vertical pass of each convention
//   fused/convert-inl.h     float values to output elements (f32, f16, bf16, u8, i8)
//   fused/store-inl.h       value maps, layouts and padding of output rows
//   fused/identity-inl.h    plans with both axes untouched (normalise / relayout only)
//   fused/real_*-inl.h      the float32 conventions (real, real_u16): tap tables, source
//                           rows as float, transposes, the two passes, their driver
//   fused/driver-inl.h      the pass structure, instantiation per arithmetic and input
//
// One pass over the output, row by row:
//   horizontal  blocks of source rows, lanes = rows: the block is transposed so each
//               source column is one vector, every output column is then a dot product
//               of its taps with those vectors; results go to a small ring of rows
//   vertical    lanes = output columns: each output row is the dot product of its taps
//               with the ring rows it reads
//   store       resampled value -> value map -> output dtype, planar or interleaved
// No full-size intermediate exists: the ring holds max_taps + lanes rows.
//
// Every sum runs over the taps in the reference's order, in the reference's precision
// and without fused multiply-adds, so each target's output equals the reference's, bit
// for bit (integer conventions trivially; float ones because the operations are the same).

#ifndef PIXFUSE_DISPATCH_NAMESPACE
#error "include pixfuse/cpu/dispatch.hpp (or define PIXFUSE_DISPATCH_NAMESPACE as it does)"
#endif

#include "pixfuse/cpu/fused/driver-inl.h"
