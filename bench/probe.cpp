// One workload, one target, a few runs: for counting instructions with callgrind, where
// Google Benchmark's timing loop would only add noise.
//
//   build/bench/bench/probe WORKLOAD [TARGET] [RUNS] [WIDTH HEIGHT]
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='pixfuse::run*'
//            build/bench/bench/probe imagenet_pil avx2 3
//
// The instructions per output pixel are callgrind's total ("Collected") over RUNS * the
// output's height * width. Without valgrind it prints the CPU time per run, the best
// batch of 10 runs (the first run is not timed): a rough figure on a busy machine. Valgrind runs up
// to AVX2 (its CPUID hides AVX-512), so the AVX-512 targets cannot be counted this way.
//
// Workloads (u8 RGB input, WIDTH x HEIGHT, default 1600x1067: a 1.7 MP photo of gradients,
// waves and noise, as stages_bench's):
//   imagenet_pil   presets::imagenet() (Pillow bilinear antialiased, shorter side 256, crop
//                  224, normalise, NCHW f32)
//   imagenet_tv    the same recipe in torchvision mode
//   imagenet_cv    the same recipe in opencv mode (INTER_LINEAR, aliased)
//   direct224_cv   resize<224, 224> opencv bilinear, normalise, NCHW f32
//   yolo           presets::yolo() (letterbox 640, opencv bilinear, / 255)
//   clip           presets::clip() (Pillow bicubic, shorter side 224, crop 224)
//   normalize      normalise + NHWC -> NCHW f32, no resize
//   imagenet_pil6  imagenet_pil on an image with EXIF orientation 6 (rotated)
//   seeds          the seeds' workload on one image: float32 input (the photo / 255), JAX
//                  linear to 224x224, normalise, NCHW f32 (give WIDTH HEIGHT 512 512)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "pixfuse/pixfuse.hpp"

namespace pf = pixfuse;

namespace {

constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

std::vector<std::uint8_t> photo(int w, int h) {
  std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.0f, 8.0f);
  std::size_t i = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float u = static_cast<float>(x) / static_cast<float>(w),
                  v = static_cast<float>(y) / static_cast<float>(h);
      const float base[3] = {40.0f + 170.0f * u + 30.0f * std::sin(9.0f * v + 4.0f * u),
                             60.0f + 120.0f * v + 50.0f * std::sin(13.0f * u * v + 2.0f),
                             128.0f + 100.0f * std::sin(6.0f * u - 5.0f * v)};
      for (int c = 0; c < 3; ++c, ++i)
        px[i] =
            static_cast<std::uint8_t>(std::lround(std::clamp(base[c] + noise(rng), 0.0f, 255.0f)));
    }
  return px;
}

template <class R>
pf::Plan plan_for(const R& recipe, const pf::AnyImageView& in,
                  pf::Orientation o = pf::Orientation::normal) {
  return pf::make_plan(recipe, pf::InputShape::of(in, o));
}

pf::Plan make(const std::string& w, const pf::AnyImageView& in) {
  auto norm =
      pf::normalize(pf::over(255.0f), {kMean[0], kMean[1], kMean[2]}, {kStd[0], kStd[1], kStd[2]});
  if (w == "imagenet_pil") return plan_for(pf::presets::imagenet(), in);
  if (w == "imagenet_pil6")
    return plan_for(pf::presets::imagenet(), in, pf::Orientation::rotate_90_cw);
  if (w == "imagenet_tv")
    return plan_for(
        pf::to_rgb() |
            pf::resize_shorter(256).filter(pf::Filter::bilinear).compat(pf::Compat::torchvision) |
            pf::center_crop<224, 224>() | norm | pf::nchw() | pf::cast<float>(),
        in);
  if (w == "imagenet_cv")
    return plan_for(
        pf::to_rgb() |
            pf::resize_shorter(256).filter(pf::Filter::bilinear).compat(pf::Compat::opencv) |
            pf::center_crop<224, 224>() | norm | pf::nchw() | pf::cast<float>(),
        in);
  if (w == "direct224_cv")
    return plan_for(
        pf::to_rgb() |
            pf::resize<224, 224>().filter(pf::Filter::bilinear).compat(pf::Compat::opencv) | norm |
            pf::nchw() | pf::cast<float>(),
        in);
  if (w == "yolo") return plan_for(pf::presets::yolo(), in);
  if (w == "clip") return plan_for(pf::presets::clip(), in);
  if (w == "seeds")
    return plan_for(pf::resize<224, 224>().filter(pf::Filter::bilinear).compat(pf::Compat::jax) |
                        pf::normalize(1.0f, {kMean[0], kMean[1], kMean[2]},
                                      {kStd[0], kStd[1], kStd[2]}) |
                        pf::nchw() | pf::cast<float>(),
                    in);
  if (w == "normalize") return plan_for(pf::to_rgb() | norm | pf::nchw() | pf::cast<float>(), in);
  std::fprintf(stderr, "probe: unknown workload %s\n", w.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: probe WORKLOAD [TARGET] [RUNS] [WIDTH HEIGHT]\n");
    return 2;
  }
  const std::string workload = argv[1];
  if (argc > 2) pf::set_target(argv[2]);
  const int runs = argc > 3 ? std::atoi(argv[3]) : 3;
  const int w = argc > 5 ? std::atoi(argv[4]) : 1600, h = argc > 5 ? std::atoi(argv[5]) : 1067;
  const std::vector<std::uint8_t> px = photo(w, h);
  // The seeds' workload reads float32 pixels in [0, 1).
  std::vector<float> real(workload == "seeds" ? px.size() : 0);
  for (std::size_t i = 0; i < real.size(); ++i) real[i] = static_cast<float>(px[i]) / 255.0f;
  const pf::AnyImageView in = real.empty() ? pf::AnyImageView(px.data(), pf::DType::u8, w, h, 3,
                                                              static_cast<std::int64_t>(w) * 3)
                                           : pf::AnyImageView(real.data(), pf::DType::f32, w, h, 3,
                                                              static_cast<std::int64_t>(w) * 3 * 4);
  const pf::Plan plan = make(workload, in);
  std::vector<unsigned char> out(plan.output_elements() * pf::size_of(plan.out_dtype));
  const pf::AnyTensorView view(out.data(), plan.out_dtype, plan.layout, plan.output_shape());
  pf::run(plan, in, view);  // warm: workspace allocated, caches filled
  // CPU time per run: the best of batches of 10 (the least disturbed by other processes).
  double best_us = 0.0;
  for (int done = 1; done < runs;) {
    const int batch = std::min(10, runs - done);
    const std::clock_t t0 = std::clock();
    for (int i = 0; i < batch; ++i) pf::run(plan, in, view);
    const double us = 1e6 * static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC / batch;
    if (best_us == 0.0 || us < best_us) best_us = us;
    done += batch;
  }
  double sum = 0;
  for (unsigned char b : out) sum += b;
  std::printf("%s %s %dx%d -> %dx%dx%d, %d runs, output byte sum %.0f, %.1f us CPU per run (best "
              "batch of 10)\n",
              workload.c_str(), pf::active_target().c_str(), w, h, plan.out_width, plan.out_height,
              plan.out_channels, runs, sum, best_us);
  return 0;
}
