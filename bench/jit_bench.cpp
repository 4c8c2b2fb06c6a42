// jit, vmap and the executor: what the plan cache and compile-time
// output extents buy, and how a batch scales with threads. Whatever the difference is,
// it is reported as measured.
//
//   jit/<extents>/<cache>/<W>x<H>   one image through the ImageNet-style recipe
//       extents: static   center_crop<224, 224>()  -> run_static<3, 224, 224>
//                dynamic  center_crop(224, 224)    -> run()
//       cache:   warm     pixfuse::jit, the plan cached (what a server does per request)
//                cold     make_plan + run on every call (no cache)
//   vmap/threads:<T>    a batch of 32 mixed-size images (8 sizes, 333x500 to 640x480, gray,
//                       RGB and RGBA) -> one (32, 3, 224, 224) f32 tensor, warm jit, a reused
//                       Batch, on an Executor of T threads; wall time
//
// Counter: images_per_s. The single-image rows are per CPU second (stable on a shared
// machine); the vmap rows per wall second (threads). Every output is checked equal to
// pixfuse::run with a freshly lowered plan before anything is timed.
//
//   build/bench/bench/jit_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "pixfuse/pixfuse.hpp"

namespace pf = pixfuse;

namespace {

auto static_recipe() {
  return pf::to_rgb() |
         pf::resize_shorter(256).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
         pf::center_crop<224, 224>() |
         pf::normalize(pf::over(255), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}) |
         pf::nchw() | pf::cast<float>();
}
auto dynamic_recipe() {
  return pf::to_rgb() |
         pf::resize_shorter(256).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
         pf::center_crop(224, 224) |
         pf::normalize(pf::over(255), {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}) |
         pf::nchw() | pf::cast<float>();
}

// Smooth gradients plus noise: photo-like for a resampler.
struct Image {
  int width, height, channels;
  std::vector<std::uint8_t> pixels;
  pf::AnyImageView view() const {
    return pf::AnyImageView(pixels.data(), pf::DType::u8, width, height, channels,
                            static_cast<std::int64_t>(width) * channels);
  }
};
Image make_image(int w, int h, int c, unsigned seed) {
  Image im{w, h, c, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * c)};
  std::mt19937 rng(seed);
  std::size_t i = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) {
        const int v =
            (x * 255 / w + y * 128 / h + 40 * k) % 256 + static_cast<int>(rng() % 24) - 12;
        im.pixels[i++] = static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
      }
  return im;
}

template <class R>
std::vector<float> reference_output(const R& recipe, const pf::AnyImageView& image) {
  const pf::Plan plan = pf::make_plan(recipe, pf::InputShape::of(image));
  std::vector<float> out(plan.output_elements());
  pf::run(plan, image,
          pf::AnyTensorView(out.data(), plan.out_dtype, plan.layout, plan.output_shape()));
  return out;
}

void check_equal(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  if (a.size() != b.size() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) != 0) {
    std::fprintf(stderr, "jit_bench: %s differs from pixfuse::run\n", what);
    std::exit(1);
  }
}

enum class Cache { warm, cold };

template <class R>
void bench_one(benchmark::State& state, R recipe, Cache cache) {
  const Image image =
      make_image(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 3, 1);
  const std::vector<float> expected = reference_output(recipe, image.view());
  std::vector<float> out(3 * 224 * 224);
  const pf::AnyTensorView view(out.data(), pf::DType::f32, pf::Layout::nchw, {1, 3, 224, 224});
  const auto jitted = pf::jit(recipe);
  jitted(image.view(), view);
  check_equal(out, expected, "jit output");
  if (cache == Cache::warm) {
    for (auto _ : state) {
      jitted(image.view(), view);
      benchmark::DoNotOptimize(out.data());
    }
  } else {
    for (auto _ : state) {
      const pf::Plan plan = pf::make_plan(recipe, pf::InputShape::of(image.view()));
      pf::run(plan, image.view(), view);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.counters["images_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void register_single() {
  const std::pair<int, int> sizes[] = {{500, 375}, {1600, 1067}};
  for (auto [w, h] : sizes) {
    benchmark::RegisterBenchmark("jit/static/warm", [](benchmark::State& s) {
      bench_one(s, static_recipe(), Cache::warm);
    })->Args({w, h});
    benchmark::RegisterBenchmark("jit/dynamic/warm", [](benchmark::State& s) {
      bench_one(s, dynamic_recipe(), Cache::warm);
    })->Args({w, h});
    benchmark::RegisterBenchmark("jit/static/cold", [](benchmark::State& s) {
      bench_one(s, static_recipe(), Cache::cold);
    })->Args({w, h});
    benchmark::RegisterBenchmark("jit/dynamic/cold", [](benchmark::State& s) {
      bench_one(s, dynamic_recipe(), Cache::cold);
    })->Args({w, h});
  }
}

void bench_vmap(benchmark::State& state) {
  const int sizes[8][3] = {{500, 375, 3}, {375, 500, 3}, {640, 480, 3}, {480, 640, 1},
                           {500, 333, 3}, {333, 500, 4}, {612, 612, 3}, {500, 400, 3}};
  std::vector<Image> images;
  for (unsigned i = 0; i < 32; ++i)
    images.push_back(make_image(sizes[i % 8][0], sizes[i % 8][1], sizes[i % 8][2], i));
  std::vector<pf::AnyImageView> views;
  for (const Image& im : images) views.push_back(im.view());

  pf::Executor executor(static_cast<int>(state.range(0)));
  const auto batched = pf::vmap(pf::jit(static_recipe()));
  pf::Batch batch;
  batched(executor, views, batch);  // warm: plans lowered, scratch grown
  if (!batch.status().all_ok()) {
    std::fprintf(stderr, "jit_bench: vmap failed an image\n");
    std::exit(1);
  }
  for (std::size_t i = 0; i < views.size(); ++i) {
    const auto* row =
        static_cast<const float*>(batch.view().slot(static_cast<std::int64_t>(i)).data);
    check_equal(std::vector<float>(row, row + 3 * 224 * 224),
                reference_output(static_recipe(), views[i]), "vmap row");
  }
  for (auto _ : state) {
    batched(executor, views, batch);
    benchmark::DoNotOptimize(batch.data());
  }
  state.counters["images_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()) *
                                                          static_cast<double>(views.size()),
                                                      benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  register_single();
  benchmark::RegisterBenchmark("vmap", bench_vmap)
      ->ArgName("threads")
      ->Arg(1)
      ->Arg(2)
      ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
