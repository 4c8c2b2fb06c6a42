// Microbenchmarks of the stages, alone and fused. One thread.
//
//   resize_u8       resize_shorter(256), PIL bilinear, u8 NHWC out, identity value map
//   normalize_nchw  normalize(over(255), ImageNet mean/std) | nchw() | cast<float>() on a
//                   u8 HWC image, no resize; beside it the same operation written as
//                   plain loops, with xsimd and with Eigen (Tensor shuffle/cast, and
//                   Matrix maps) (bench/compare/normalize_nchw.hpp)
//   cast_{f16,bf16,u8}  f32 HWC image -> that dtype, NHWC, identity resize, no value map
//   imagenet        presets::imagenet() (resize_shorter 256 + center_crop 224 + normalise
//                   + NCHW + f32) as one fused pass ("fused"), and the same output made by
//                   separate pixfuse passes over u8 NHWC intermediates:
//                     2pass       resize + crop -> u8 224x224x3, then normalise + NCHW
//                     2pass_full  resize -> u8 (e.g. 383x256x3), then crop + normalise
//                                 + NCHW (torchvision's structure: Resize materialises
//                                 the whole resized image)
//                   The separate passes' output is checked bit-identical to the fused one
//                   before anything is timed.
//
// Every pixfuse benchmark runs once per target of pixfuse::available_targets() (names end
// in "pixfuse:<target>"; "scalar" is the reference kernel); its output is checked equal,
// bit for bit, to the reference's before timing. The plans are lowered once, outside the
// loop; the loop is pixfuse::run(plan, image, out), as an application calls it.
//
// Inputs: "1600x1067" is a photo-sized u8 RGB image (1.7 MP) of smooth gradients and
// waves plus noise; "224x224" and "512x512" the same content at those sizes. f32 inputs
// (cast_*) hold non-integer values in [0, 255).
//
// Reported per benchmark:
//   items_per_second   images per second
//   bytes_per_second   (bytes of input read + bytes of output written) per second
//                      (Google Benchmark prints it in binary units: Gi/s = 2^30 B/s)
//   in_GBps, io_GBps   bytes read, and read + written, per second in decimal units
//   read_frac          in_GBps / the single-thread read bandwidth, when one is given:
//                      --roofline_gbps=X or the environment variable PIXFUSE_READ_GBPS=X
//                      (GB/s: bench/bandwidth's "read, 1 thread")
//                      (rate counters print "/s": in_GBps=2.5/s is 2.5 GB/s, read_frac=0.2/s
//                      is 0.2; the JSON output, --benchmark_out=F.json, has plain numbers)
// Rates are per CPU second (Google Benchmark's default), which keeps them stable when
// other processes share the machine; the "Time" column is wall time.
//   max_abs_err, max_ulp, diff_frac  (the comparison implementations) largest absolute
//                      and ulp difference from pixfuse's output, and the fraction of
//                      values that differ; all 0 means bit-identical (checked before
//                      timing: max_abs_err must be <= 1e-6)
// "Input read" is the bounding box of source pixels the plan reads (the whole image when
// nothing is cropped; for imagenet the window the 224x224 crop needs, all channels of
// those pixels) in the source's dtype; "output" is the final tensor. For the imagenet
// rows all three variants are credited with the fused pipeline's bytes (source window +
// final tensor), so their GB/s compare as their images/s do; the intermediates' traffic
// of the separate passes is not counted.
//
// Typical use (medians of 5 runs; the roofline flag is optional):
//   build/bench/bench/stages_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --roofline_gbps=12.3
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "pixfuse/pixfuse.hpp"

#if PIXFUSE_BENCH_HAVE_XSIMD || PIXFUSE_BENCH_HAVE_EIGEN || PIXFUSE_BENCH_HAVE_LOOPS
#include "compare/normalize_nchw.hpp"
#endif

namespace pf = pixfuse;

namespace {

// --- memory ------------------------------------------------------------------------------

// Owned bytes, 64-byte aligned and touched (no page faults inside the timed loop).
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::size_t bytes)
      : bytes_(bytes),
        data_(static_cast<unsigned char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)),
              &std::free) {
    if (!data_) throw std::bad_alloc();
    std::memset(data_.get(), 0, bytes_);
  }
  unsigned char* data() const { return data_.get(); }
  std::size_t size() const { return bytes_; }
  template <class T>
  T* as() const {
    return reinterpret_cast<T*>(data_.get());
  }

 private:
  std::size_t bytes_ = 0;
  std::unique_ptr<unsigned char, decltype(&std::free)> data_{nullptr, &std::free};
};

// --- inputs --------------------------------------------------------------------------------

struct Image {
  pf::DType dtype = pf::DType::u8;
  int width = 0, height = 0, channels = 3;
  std::shared_ptr<Buffer> pixels;

  pf::AnyImageView view() const {
    return pf::AnyImageView(pixels->data(), dtype, width, height, channels,
                            static_cast<std::int64_t>(width) * channels *
                                static_cast<std::int64_t>(pf::size_of(dtype)));
  }
  std::string size_name() const { return std::to_string(width) + "x" + std::to_string(height); }
};

// Photo-like content: gradients and long waves per channel, plus noise, in [0, 255].
float photo_value(int x, int y, int c, int w, int h, float noise) {
  const float u = static_cast<float>(x) / static_cast<float>(w),
              v = static_cast<float>(y) / static_cast<float>(h);
  float base = 0.0f;
  switch (c) {
    case 0: base = 40.0f + 170.0f * u + 30.0f * std::sin(9.0f * v + 4.0f * u); break;
    case 1: base = 60.0f + 120.0f * v + 50.0f * std::sin(13.0f * u * v + 2.0f); break;
    default: base = 128.0f + 100.0f * std::sin(6.0f * u - 5.0f * v); break;
  }
  return std::clamp(base + noise, 0.0f, 255.0f);
}

Image photo(pf::DType dtype, int w, int h, unsigned seed) {
  Image img;
  img.dtype = dtype;
  img.width = w;
  img.height = h;
  img.pixels = std::make_shared<Buffer>(static_cast<std::size_t>(w) * h * 3 * pf::size_of(dtype));
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 8.0f);
  std::size_t i = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c, ++i) {
        const float v = photo_value(x, y, c, w, h, noise(rng));
        if (dtype == pf::DType::u8)
          img.pixels->as<std::uint8_t>()[i] = static_cast<std::uint8_t>(std::lround(v));
        else img.pixels->as<float>()[i] = std::min(v, 254.99f);  // non-integer, in [0, 255)
      }
  return img;
}

// The sizes: a 1.7 MP photo, and the 224 / 512 squares.
const std::vector<std::pair<int, int>>& sizes() {
  static const std::vector<std::pair<int, int>> s = {{1600, 1067}, {512, 512}, {224, 224}};
  return s;
}

// --- options and reporting --------------------------------------------------------------

double g_read_gbps = 0.0;  // the single-thread read bandwidth, GB/s; 0: unknown

void report(benchmark::State& state, double read_bytes, double write_bytes) {
  const double n = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>((read_bytes + write_bytes) * n));
  state.counters["in_GBps"] =
      benchmark::Counter(read_bytes * n * 1e-9, benchmark::Counter::kIsRate);
  state.counters["io_GBps"] =
      benchmark::Counter((read_bytes + write_bytes) * n * 1e-9, benchmark::Counter::kIsRate);
  if (g_read_gbps > 0)
    state.counters["read_frac"] =
        benchmark::Counter(read_bytes * n / (g_read_gbps * 1e9), benchmark::Counter::kIsRate);
}

// --- pixfuse cases ---------------------------------------------------------------------------

// Bytes of source a plan reads: the bounding box of its taps, every channel of a pixel.
double source_bytes(const pf::Plan& p) {
  int jlo = 0, jhi = -1, rlo = 0, rhi = -1;
  p.x.source_range(jlo, jhi);
  p.y.source_range(rlo, rhi);
  if (jhi < jlo || rhi < rlo) return 0.0;
  return static_cast<double>(jhi - jlo + 1) * static_cast<double>(rhi - rlo + 1) * p.in_channels *
         static_cast<double>(pf::size_of(p.in_dtype));
}
double output_bytes(const pf::Plan& p) {
  return static_cast<double>(p.output_elements()) * static_cast<double>(pf::size_of(p.out_dtype));
}

// One pixfuse pass: a plan lowered once, its input and its own output buffer.
struct Pass {
  pf::Plan plan;
  std::shared_ptr<Buffer> in_bytes;  // keeps `in` alive
  pf::AnyImageView in;
  std::shared_ptr<Buffer> out_bytes;
  pf::AnyTensorView out;

  // The output as an image, for a following pass (u8 NHWC only).
  Image as_image() const {
    Image img;
    img.dtype = pf::DType::u8;
    img.width = plan.out_width;
    img.height = plan.out_height;
    img.channels = plan.out_channels;
    img.pixels = out_bytes;
    return img;
  }
};

template <class R>
Pass make_pass(const R& recipe, const Image& image) {
  Pass p;
  p.in_bytes = image.pixels;
  p.in = image.view();
  p.plan = pf::make_plan(recipe, pf::InputShape::of(p.in));
  p.out_bytes = std::make_shared<Buffer>(static_cast<std::size_t>(output_bytes(p.plan)));
  p.out = pf::AnyTensorView(p.out_bytes->data(), p.plan.out_dtype, p.plan.layout,
                            p.plan.output_shape());
  return p;
}

// Passes run in order; the last one's output is the result.
struct PixfuseCase {
  std::string name;
  std::vector<Pass> passes;
  double read_bytes = 0, write_bytes = 0;  // per image
  std::vector<unsigned char> expected;     // the reference target's result
  std::string setup_error;                 // non-empty: reported instead of timing

  void run_once() const {
    for (const Pass& p : passes) pf::run(p.plan, p.in, p.out);
  }
  const Buffer& result() const { return *passes.back().out_bytes; }
  std::vector<unsigned char> result_copy() const {
    return {result().data(), result().data() + result().size()};
  }
};

std::vector<unsigned char> reference_result(const PixfuseCase& c) {
  pf::set_target("scalar");
  c.run_once();
  pf::set_target("auto");
  return c.result_copy();
}

// A case whose bytes are those of its (first) plan's source and (last) plan's output.
PixfuseCase make_case(std::string name, std::vector<Pass> passes) {
  PixfuseCase c;
  c.name = std::move(name);
  c.passes = std::move(passes);
  c.read_bytes = source_bytes(c.passes.front().plan);
  c.write_bytes = output_bytes(c.passes.back().plan);
  c.expected = reference_result(c);
  return c;
}

// A stage-alone case must not resample: its plan's axes are the identity.
PixfuseCase identity(PixfuseCase c) {
  for (const Pass& p : c.passes)
    if (!p.plan.x.identity || !p.plan.y.identity)
      c.setup_error = c.name + ": the plan resamples (expected identity axes)";
  return c;
}

void bench_pixfuse(benchmark::State& state, const PixfuseCase* c, const std::string& target) {
  if (!c->setup_error.empty()) {
    state.SkipWithError(c->setup_error.c_str());
    return;
  }
  pf::set_target(target);
  c->run_once();  // warm up, and check this target's result against the reference
  if (std::memcmp(c->result().data(), c->expected.data(), c->expected.size()) != 0) {
    pf::set_target("auto");
    state.SkipWithError(("target " + target + " differs from the reference kernel").c_str());
    return;
  }
  for (auto _ : state) {
    for (const Pass& p : c->passes) pf::run(p.plan, p.in, p.out);
    benchmark::DoNotOptimize(c->result().data());
    benchmark::ClobberMemory();
  }
  pf::set_target("auto");
  report(state, c->read_bytes, c->write_bytes);
}

std::vector<std::unique_ptr<PixfuseCase>>& cases() {
  static std::vector<std::unique_ptr<PixfuseCase>> all;
  return all;
}

void add_case(PixfuseCase c) { cases().push_back(std::make_unique<PixfuseCase>(std::move(c))); }

const float kMean[3] = {pf::presets::imagenet_mean[0], pf::presets::imagenet_mean[1],
                        pf::presets::imagenet_mean[2]};
const float kStd[3] = {pf::presets::imagenet_std[0], pf::presets::imagenet_std[1],
                       pf::presets::imagenet_std[2]};

auto normalize_recipe() {
  return pf::normalize(pf::over(255.0f), {kMean[0], kMean[1], kMean[2]},
                       {kStd[0], kStd[1], kStd[2]}) |
         pf::nchw() | pf::cast<float>();
}
auto resize_recipe() {
  return pf::resize_shorter(256).filter(pf::Filter::bilinear).compat(pf::Compat::pil) | pf::nhwc() |
         pf::cast<std::uint8_t>();
}

void build_cases() {
  for (auto [w, h] : sizes()) {
    const Image img = photo(pf::DType::u8, w, h, 1u);
    const std::string size = img.size_name();
    // Stage alone: resize.
    {
      Pass p = make_pass(resize_recipe(), img);
      const std::string out =
          std::to_string(p.plan.out_width) + "x" + std::to_string(p.plan.out_height);
      add_case(make_case("resize_u8/" + size + "->" + out, {std::move(p)}));
    }
    // Stage alone: normalise + NHWC -> NCHW (no resize), on the 224 and 512 squares.
    if (w == h)
      add_case(identity(make_case("normalize_nchw/" + size, {make_pass(normalize_recipe(), img)})));
    // Fused, and as separate passes.
    {
      PixfuseCase fused =
          make_case("imagenet/" + size + "/fused", {make_pass(pf::presets::imagenet(), img)});

      Pass a = make_pass(
          pf::to_rgb() |
              pf::resize_shorter(256).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
              pf::center_crop<224, 224>() | pf::nhwc() | pf::cast<std::uint8_t>(),
          img);
      Pass b = make_pass(normalize_recipe(), a.as_image());
      PixfuseCase two = make_case("imagenet/" + size + "/2pass", {std::move(a), std::move(b)});

      Pass fa = make_pass(pf::to_rgb() | resize_recipe(), img);
      Pass fb = make_pass(pf::center_crop<224, 224>() | normalize_recipe(), fa.as_image());
      PixfuseCase full =
          make_case("imagenet/" + size + "/2pass_full", {std::move(fa), std::move(fb)});

      for (PixfuseCase* c : {&two, &full}) {
        c->read_bytes = fused.read_bytes;
        c->write_bytes = fused.write_bytes;
        if (c->expected != fused.expected)
          c->setup_error = c->name + ": output differs from the fused pass";
      }
      add_case(std::move(fused));
      add_case(std::move(two));
      add_case(std::move(full));
    }
    // Stage alone: dtype conversion of an f32 image (identity resize).
    const Image f = photo(pf::DType::f32, w, h, 2u);
    add_case(
        identity(make_case("cast_f16/" + size, {make_pass(pf::nhwc() | pf::cast<pf::f16>(), f)})));
    add_case(identity(
        make_case("cast_bf16/" + size, {make_pass(pf::nhwc() | pf::cast<pf::bf16>(), f)})));
    add_case(identity(
        make_case("cast_u8/" + size, {make_pass(pf::nhwc() | pf::cast<std::uint8_t>(), f)})));
  }
}

// --- normalise + NHWC -> NCHW outside pixfuse ------------------------------------------------

using NormalizeFn = void (*)(const std::uint8_t*, int, int, const float*, const float*, float*);

struct CompareCase {
  std::string name;
  NormalizeFn fn;
  Image in;
  std::shared_ptr<Buffer> out;
  const PixfuseCase* pixfuse;  // the matching normalize_nchw case: its expected result
};

// Largest absolute difference, largest distance in ulps (of float), and the fraction of
// values that differ at all, between a and b.
void differences(const float* a, const float* b, std::size_t n, double& max_abs, double& max_ulp,
                 double& differing) {
  auto ordered = [](float f) {
    std::int32_t i;
    std::memcpy(&i, &f, 4);
    return i < 0 ? static_cast<std::int64_t>(INT32_MIN) - i : static_cast<std::int64_t>(i);
  };
  max_abs = max_ulp = differing = 0;
  for (std::size_t i = 0; i < n; ++i) {
    differing += std::memcmp(&a[i], &b[i], 4) != 0 ? 1.0 : 0.0;
    max_abs = std::max(max_abs, std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
    max_ulp = std::max(max_ulp, static_cast<double>(std::llabs(ordered(a[i]) - ordered(b[i]))));
  }
  differing /= static_cast<double>(n);
}

void bench_compare(benchmark::State& state, const CompareCase* c) {
  const int w = c->in.width, h = c->in.height;
  const auto* src = c->in.pixels->as<const std::uint8_t>();
  float* dst = c->out->as<float>();
  c->fn(src, w, h, kMean, kStd, dst);
  double max_abs = 0, max_ulp = 0, differing = 0;
  differences(dst, reinterpret_cast<const float*>(c->pixfuse->expected.data()),
              static_cast<std::size_t>(3) * w * h, max_abs, max_ulp, differing);
  if (!(max_abs <= 1e-6)) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "%s differs from pixfuse by %.3g (> 1e-6)", c->name.c_str(),
                  max_abs);
    state.SkipWithError(msg);
    return;
  }
  for (auto _ : state) {
    c->fn(src, w, h, kMean, kStd, dst);
    benchmark::DoNotOptimize(dst);
    benchmark::ClobberMemory();
  }
  report(state, static_cast<double>(w) * h * 3, static_cast<double>(w) * h * 3 * sizeof(float));
  state.counters["max_abs_err"] = max_abs;
  state.counters["max_ulp"] = max_ulp;
  state.counters["diff_frac"] = differing;
}

std::vector<std::unique_ptr<CompareCase>>& compare_cases() {
  static std::vector<std::unique_ptr<CompareCase>> all;
  return all;
}

void build_compare_cases() {
  std::vector<std::pair<const char*, NormalizeFn>> impls;
#if PIXFUSE_BENCH_HAVE_LOOPS
  impls.push_back({"loop_exact", &pixfuse_bench::compare::loop_normalize_nchw_exact});
  impls.push_back({"loop_lut_exact", &pixfuse_bench::compare::loop_lut_normalize_nchw_exact});
#endif
#if PIXFUSE_BENCH_HAVE_XSIMD
  impls.push_back({"xsimd_exact", &pixfuse_bench::compare::xsimd_normalize_nchw_exact});
  impls.push_back({"xsimd_affine", &pixfuse_bench::compare::xsimd_normalize_nchw_affine});
#endif
#if PIXFUSE_BENCH_HAVE_EIGEN
  impls.push_back(
      {"eigen_tensor_exact", &pixfuse_bench::compare::eigen_tensor_normalize_nchw_exact});
  impls.push_back(
      {"eigen_tensor_affine", &pixfuse_bench::compare::eigen_tensor_normalize_nchw_affine});
  impls.push_back(
      {"eigen_matrix_exact", &pixfuse_bench::compare::eigen_matrix_normalize_nchw_exact});
  impls.push_back(
      {"eigen_matrix_affine", &pixfuse_bench::compare::eigen_matrix_normalize_nchw_affine});
#endif
  for (const auto& pc : cases()) {
    if (pc->name.rfind("normalize_nchw/", 0) != 0) continue;
    const Pass& p = pc->passes.front();
    Image in;
    in.width = p.in.width;
    in.height = p.in.height;
    in.pixels = std::make_shared<Buffer>(static_cast<std::size_t>(in.width) * in.height * 3);
    std::memcpy(in.pixels->data(), p.in.data,
                in.pixels->size());  // same pixels, own 64-byte aligned copy
    for (const auto& [label, fn] : impls) {
      auto c = std::make_unique<CompareCase>();
      c->name = pc->name + "/" + label;
      c->fn = fn;
      c->in = in;
      c->out = std::make_shared<Buffer>(static_cast<std::size_t>(in.width) * in.height * 3 *
                                        sizeof(float));
      c->pixfuse = pc.get();
      compare_cases().push_back(std::move(c));
    }
  }
}

// --- main ------------------------------------------------------------------------------------

// Takes --roofline_gbps=X out of argv (Google Benchmark rejects flags it does not know).
void parse_own_flags(int& argc, char** argv) {
  if (const char* env = std::getenv("PIXFUSE_READ_GBPS")) g_read_gbps = std::atof(env);
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const std::string flag = "--roofline_gbps=";
    if (a.rfind(flag, 0) == 0) g_read_gbps = std::atof(a.c_str() + flag.size());
    else argv[kept++] = argv[i];
  }
  argc = kept;
  argv[argc] = nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  parse_own_flags(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const std::vector<std::string> targets = pf::available_targets();
  std::string target_list;
  for (const std::string& t : targets) target_list += (target_list.empty() ? "" : ",") + t;
  benchmark::AddCustomContext("pixfuse_targets", target_list);
  benchmark::AddCustomContext("read_gbps", g_read_gbps > 0 ? std::to_string(g_read_gbps)
                                                           : "unknown (set PIXFUSE_READ_GBPS)");

  build_cases();
  build_compare_cases();
  // Grouped by stage: resize, normalise (+ comparisons), casts, then the whole recipe.
  auto rank = [](const std::string& name) {
    const char* order[] = {"resize_u8/", "normalize_nchw/", "cast_f16/",
                           "cast_bf16/", "cast_u8/",        "imagenet/"};
    for (int i = 0; i < 6; ++i)
      if (name.rfind(order[i], 0) == 0) return i;
    return 6;
  };
  std::stable_sort(cases().begin(), cases().end(),
                   [&](const auto& a, const auto& b) { return rank(a->name) < rank(b->name); });
  for (const auto& c : cases()) {
    for (const std::string& t : targets)
      benchmark::RegisterBenchmark((c->name + "/pixfuse:" + t).c_str(), bench_pixfuse, c.get(), t)
          ->Unit(benchmark::kMicrosecond);
    if (c->name.rfind("normalize_nchw/", 0) == 0)
      for (const auto& cc : compare_cases())
        if (cc->pixfuse == c.get())
          benchmark::RegisterBenchmark(cc->name.c_str(), bench_compare, cc.get())
              ->Unit(benchmark::kMicrosecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
