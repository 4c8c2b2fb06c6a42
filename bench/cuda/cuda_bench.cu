// cuda_bench [--iters N]: device-resident throughput of the fused kernel (inputs already in
// GPU memory, as after nvJPEG decode), timed with CUDA events over N launches after a
// warm-up, plus the end-to-end BatchRunner (host images -> host tensor, PCIe included).
//
//   imagenet: 64 photo-sized u8 RGB images (640x480 .. 1600x1200, mixed), ImageNet preset
//   seeds:    32 f32 512x512x3 -> resize 224x224 (pil bilinear, antialiased), normalised, NCHW f32
//
// Bytes counted: every source pixel read once plus the output written once (the minimum
// traffic of any implementation); GB/s / peak is the fraction of the bandwidth roofline.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "pixfuse/cuda.hpp"

namespace pf = pixfuse;
namespace pc = pixfuse::cuda;

namespace {

struct Workload {
  std::string name;
  std::vector<pf::Plan> plans;
  std::vector<std::vector<unsigned char>> host;  // interleaved, unpadded
  std::vector<pf::AnyImageView> host_views;
  pf::DType out_dtype = pf::DType::f32;
  pf::Layout layout = pf::Layout::nchw;
  pf::TensorShape shape;
};

template <class R>
Workload make(const std::string& name, const R& recipe,
              const std::vector<std::pair<int, int>>& sizes, pf::DType in) {
  Workload w;
  w.name = name;
  std::mt19937 rng(1);
  for (const auto& [width, height] : sizes) {
    std::vector<unsigned char> bytes(static_cast<std::size_t>(width) * height * 3 *
                                     pf::size_of(in));
    if (in == pf::DType::u8) {
      for (auto& b : bytes) b = static_cast<unsigned char>(rng());
    } else {
      for (std::size_t i = 0; i < bytes.size() / 4; ++i) {
        const float v = static_cast<float>(rng() % 256);
        std::memcpy(bytes.data() + 4 * i, &v, 4);
      }
    }
    w.host.push_back(std::move(bytes));
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    w.host_views.emplace_back(w.host[i].data(), in, sizes[i].first, sizes[i].second, 3,
                              static_cast<std::int64_t>(sizes[i].first) * 3 *
                                  static_cast<std::int64_t>(pf::size_of(in)));
    w.plans.push_back(pf::make_plan(recipe, pf::InputShape::of(w.host_views.back())));
  }
  const pf::Plan& p = w.plans[0];
  w.out_dtype = p.out_dtype;
  w.layout = p.layout;
  w.shape = {static_cast<std::int64_t>(sizes.size()), p.out_channels, p.out_height, p.out_width};
  return w;
}

void bench(const Workload& w, int iters, double peak) {
  std::vector<pc::DeviceBuffer<unsigned char>> inputs;
  std::vector<pf::AnyImageView> views;
  std::vector<const pf::Plan*> plans;
  double in_bytes = 0;
  for (std::size_t i = 0; i < w.host.size(); ++i) {
    inputs.emplace_back(w.host[i].size());
    pc::check(cudaMemcpy(inputs.back().data(), w.host[i].data(), w.host[i].size(),
                         cudaMemcpyHostToDevice),
              "cudaMemcpy");
    const auto& h = w.host_views[i];
    views.emplace_back(inputs.back().data(), h.dtype, h.width, h.height, h.channels, h.row_stride);
    plans.push_back(&w.plans[i]);
    in_bytes += static_cast<double>(w.host[i].size());
  }
  const pf::AnyTensorView host_shape(reinterpret_cast<void*>(16), w.out_dtype, w.layout, w.shape);
  const std::size_t out_bytes = host_shape.size_bytes();
  pc::DeviceBuffer<unsigned char> out(out_bytes);
  const pf::AnyTensorView dev_out(out.data(), w.out_dtype, w.layout, w.shape);
  pc::Stream stream;
  pc::FusedBatch fused;
  fused.enqueue(plans, views, dev_out, stream.get());  // warm-up
  fused.wait();
  cudaEvent_t start, stop;
  pc::check(cudaEventCreate(&start), "cudaEventCreate");
  pc::check(cudaEventCreate(&stop), "cudaEventCreate");
  // The descriptor upload is part of each launch, as it is in use.
  pc::check(cudaEventRecord(start, stream.get()), "cudaEventRecord");
  for (int i = 0; i < iters; ++i) fused.enqueue(plans, views, dev_out, stream.get());
  pc::check(cudaEventRecord(stop, stream.get()), "cudaEventRecord");
  fused.wait();
  pc::check(cudaEventSynchronize(stop), "cudaEventSynchronize");
  float ms = 0;
  pc::check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
  const double s = ms / 1e3 / iters, n = static_cast<double>(w.host.size());
  const double gbs = (in_bytes + static_cast<double>(out_bytes)) / s / 1e9;
  std::printf("%-9s device  %4.0f images  %8.3f ms/batch  %10.0f img/s  %7.1f GB/s  %5.1f%% of "
              "%.0f GB/s peak\n",
              w.name.c_str(), n, s * 1e3, n / s, gbs, peak > 0 ? 100.0 * gbs * 1e9 / peak : 0.0,
              peak / 1e9);

  // End to end through pinned staging (host images in, host tensor out).
  std::vector<unsigned char> host_out(out_bytes);
  pc::BatchRunner runner;
  const pf::AnyTensorView host_tensor(host_out.data(), w.out_dtype, w.layout, w.shape);
  runner.run(plans, w.host_views, host_tensor);
  pc::check(cudaEventRecord(start, runner.stream()), "cudaEventRecord");
  const int e2e_iters = iters < 20 ? iters : 20;
  for (int i = 0; i < e2e_iters; ++i) runner.run(plans, w.host_views, host_tensor);
  pc::check(cudaEventRecord(stop, runner.stream()), "cudaEventRecord");
  pc::check(cudaEventSynchronize(stop), "cudaEventSynchronize");
  pc::check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
  const double se = ms / 1e3 / e2e_iters;
  std::printf("%-9s host    %4.0f images  %8.3f ms/batch  %10.0f img/s  (pinned staging + PCIe "
              "both ways)\n",
              w.name.c_str(), n, se * 1e3, n / se);
  (void)cudaEventDestroy(start);
  (void)cudaEventDestroy(stop);
}

}  // namespace

int main(int argc, char** argv) {
  int iters = 50;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--iters" && i + 1 < argc) iters = std::atoi(argv[++i]);
  if (!pc::available()) {
    std::printf("cuda_bench: no CUDA device (%s)\n", pc::no_device_reason().c_str());
    return 0;
  }
  try {
    pc::require_device(0);
    std::printf("device: %s\n", pc::describe_device(0).c_str());
    const double peak = pc::peak_bandwidth(0);
    std::vector<std::pair<int, int>> photos;
    const std::pair<int, int> photo_sizes[] = {{1600, 1067}, {1280, 960}, {1024, 768},
                                               {1600, 1200}, {800, 600},  {1200, 1600},
                                               {640, 480},   {1500, 1000}};
    for (int i = 0; i < 64; ++i) photos.push_back(photo_sizes[i % 8]);
    bench(make("imagenet", pf::presets::imagenet(), photos, pf::DType::u8), iters, peak);
    const auto seeds =
        pf::resize(224, 224).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
        pf::normalize(pf::over(255.0f), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}) |
        pf::nchw() | pf::cast<float>();
    bench(make("seeds", seeds, std::vector<std::pair<int, int>>(32, {512, 512}), pf::DType::f32),
          iters, peak);
  } catch (const pf::Error& e) {
    std::fprintf(stderr, "cuda_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
