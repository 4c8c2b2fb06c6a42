// Reference implementations of "normalise + NHWC -> NCHW" outside pixfuse, for
// bench/stages_bench.cpp to measure beside pixfuse's kernel:
//
//   u8 interleaved RGB (H, W, 3)  ->  f32 planar (3, H, W),
//   dst[c][y][x] = (src[y][x][c] / 255 - mean[c]) / std[c]
//
// Each function writes the whole output; src is packed (row stride 3 * width bytes),
// dst holds 3 * width * height floats. None of them allocates.
//
// Two flavours of arithmetic:
//   *_exact   the formula as written, in float, one rounding per operation and no FMA:
//             bit-identical to torchvision's ToTensor + Normalize and to pixfuse (whose
//             lookup table is computed that way).
//   *_affine  the usual fast form: y = x * a[c] + b[c] with a = 1 / (255 std),
//             b = -mean / std folded in double and rounded to float once; one FMA per
//             value where the code or the compiler makes one (xsimd::fma; Eigen's
//             multiply + add). Not bit-identical: for ImageNet's mean/std about 74% of
//             the values differ from the exact ones, by at most 4.8e-7 (2 ulp of the
//             largest outputs; more ulp, but no more absolute error, near 0 where
//             x a + b cancels). The benchmark measures and reports this per run.
//
// Each lives in its own .cpp so it gets its own flags (bench/CMakeLists.txt): xsimd and
// Eigen pick their SIMD width at compile time, so those files are built with
// -O3 -march=native; the pixfuse side uses runtime dispatch and no -m flags.
#pragma once

#include <cstdint>

namespace pixfuse_bench::compare {

// Plain C++ loops (compiled -O3 -march=native -ffp-contract=off: the compiler may
// vectorise them, and does what it can with the stride-3 reads).
//   formula: the expression per value.  lut: a 256-entry table per channel, built per call.
void loop_normalize_nchw_exact(const std::uint8_t* src, int width, int height, const float mean[3],
                               const float std[3], float* dst);
void loop_lut_normalize_nchw_exact(const std::uint8_t* src, int width, int height,
                                   const float mean[3], const float std[3], float* dst);

// xsimd 8 (xsimd_normalize.cpp): 8 pixels per step; each channel's bytes are picked out
// of the 24 loaded bytes with a lane permutation, shifts and a mask, then converted.
void xsimd_normalize_nchw_exact(const std::uint8_t* src, int width, int height, const float mean[3],
                                const float std[3], float* dst);
void xsimd_normalize_nchw_affine(const std::uint8_t* src, int width, int height,
                                 const float mean[3], const float std[3], float* dst);

// Eigen 3.4 (eigen_normalize.cpp), on the default (single-thread) device.
//   tensor: TensorMap the input as (H, W, 3) row-major; one expression shuffles it to
//           (3, H, W), casts to float and applies the per-channel constants broadcast
//           from (3, 1, 1)
//   matrix: Map the input as a 3 x (H W) matrix and the output as (H W) x 3; each
//           output column (plane) is one input row, cast and normalised
void eigen_tensor_normalize_nchw_exact(const std::uint8_t* src, int width, int height,
                                       const float mean[3], const float std[3], float* dst);
void eigen_tensor_normalize_nchw_affine(const std::uint8_t* src, int width, int height,
                                        const float mean[3], const float std[3], float* dst);
void eigen_matrix_normalize_nchw_exact(const std::uint8_t* src, int width, int height,
                                       const float mean[3], const float std[3], float* dst);
void eigen_matrix_normalize_nchw_affine(const std::uint8_t* src, int width, int height,
                                        const float mean[3], const float std[3], float* dst);

// The folded constants of the *_affine forms: a = 1 / (255 std), b = -mean / std.
inline void fold_affine(const float mean[3], const float std[3], float a[3], float b[3]) {
  for (int c = 0; c < 3; ++c) {
    a[c] = static_cast<float>(1.0 / (255.0 * static_cast<double>(std[c])));
    b[c] = static_cast<float>(-static_cast<double>(mean[c]) / static_cast<double>(std[c]));
  }
}

}  // namespace pixfuse_bench::compare
