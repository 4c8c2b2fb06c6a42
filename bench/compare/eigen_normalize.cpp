// Eigen 3.4 implementations of normalise + NHWC -> NCHW (see normalize_nchw.hpp).
// Built with -O3 -march=native so Eigen's packet math uses AVX2 / FMA.
#include <Eigen/Core>
#include <unsupported/Eigen/CXX11/Tensor>

#include <cstdint>

#include "normalize_nchw.hpp"

namespace pixfuse_bench::compare {
namespace {

using Index = Eigen::Index;
using TensorIn = Eigen::TensorMap<const Eigen::Tensor<const std::uint8_t, 3, Eigen::RowMajor>>;
using TensorOut = Eigen::TensorMap<Eigen::Tensor<float, 3, Eigen::RowMajor>>;
// The image as a 3 x (H W) column-major matrix (column = pixel), the output as (H W) x 3
// column-major (column = plane).
using MatrixIn = Eigen::Map<const Eigen::Matrix<std::uint8_t, 3, Eigen::Dynamic>>;
using MatrixOut = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, 3>>;
using PerChannel = Eigen::TensorMap<const Eigen::Tensor<const float, 3, Eigen::RowMajor>>;

}  // namespace

// Tensor: one expression: shuffle (H, W, 3) -> (3, H, W), cast<float>(), and the
// per-channel constants broadcast from (3, 1, 1) to (3, H, W). (Shuffle + cast into the
// output followed by an in-place pass per channel plane (chip) measured the same.)
void eigen_tensor_normalize_nchw_exact(const std::uint8_t* src, int width, int height,
                                       const float mean[3], const float std[3], float* dst) {
  const TensorIn in(src, height, width, 3);
  TensorOut out(dst, 3, height, width);
  const Eigen::array<Index, 3> chw{2, 0, 1}, over_hw{1, height, width};
  const PerChannel m(mean, 3, 1, 1), s(std, 3, 1, 1);
  out = (in.shuffle(chw).cast<float>() / 255.0f - m.broadcast(over_hw)) / s.broadcast(over_hw);
}

void eigen_tensor_normalize_nchw_affine(const std::uint8_t* src, int width, int height,
                                        const float mean[3], const float std[3], float* dst) {
  float a[3], b[3];
  fold_affine(mean, std, a, b);
  const TensorIn in(src, height, width, 3);
  TensorOut out(dst, 3, height, width);
  const Eigen::array<Index, 3> chw{2, 0, 1}, over_hw{1, height, width};
  const PerChannel ta(a, 3, 1, 1), tb(b, 3, 1, 1);
  out = in.shuffle(chw).cast<float>() * ta.broadcast(over_hw) + tb.broadcast(over_hw);
}

// Matrix: each output plane is one column, from one (strided) row of the input.
void eigen_matrix_normalize_nchw_exact(const std::uint8_t* src, int width, int height,
                                       const float mean[3], const float std[3], float* dst) {
  const Index n = static_cast<Index>(width) * height;
  const MatrixIn in(src, 3, n);
  MatrixOut out(dst, n, 3);
  for (int c = 0; c < 3; ++c)
    out.col(c).array() = (in.row(c).transpose().cast<float>().array() / 255.0f - mean[c]) / std[c];
}

void eigen_matrix_normalize_nchw_affine(const std::uint8_t* src, int width, int height,
                                        const float mean[3], const float std[3], float* dst) {
  float a[3], b[3];
  fold_affine(mean, std, a, b);
  const Index n = static_cast<Index>(width) * height;
  const MatrixIn in(src, 3, n);
  MatrixOut out(dst, n, 3);
  for (int c = 0; c < 3; ++c)
    out.col(c).array() = in.row(c).transpose().cast<float>().array() * a[c] + b[c];
}

}  // namespace pixfuse_bench::compare
