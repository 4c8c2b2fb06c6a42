// The seeds' workload in C++: a batch of N random float32 HxWx3 images in [0, 1) -> 224x224,
// ImageNet-normalised, NCHW float32 (N, 3, 224, 224): pixfuse (each SIMD target and the
// scalar reference, static and dynamic output shapes), stb_image_resize (float, triangle
// filter) and OpenCV C++ (cv::resize INTER_LINEAR / INTER_AREA + blobFromImage), each on
// 1..T threads over the same inputs. bench/report/report.py runs it beside JAX, torchvision
// and Pillow (Python) and writes docs/PERFORMANCE.md.
//
//   build/bench/bench/seeds_bench [--sizes=512x512,384x384] [--batches=8,16,32]
//       [--threads=1,2] [--targets=avx2,scalar] [--impls=pixfuse,stb,opencv_linear,opencv_area]
//       [--repetitions=5] [--min_time=0.2] [--dump_dir=DIR] [--seed=0]
//       [--prefetch=auto|l1|l2]
//
// pixfuse's recipe is what `jax.image.resize(img, (224, 224, 3), "linear")` (antialiased
// triangle, half-pixel) followed by `(x - mean) / std` and HWC -> CHW computes:
//   resize<224, 224>().filter(bilinear).compat(jax) | normalize(1, mean, std) | nchw() |
//   cast<float>()
// ("static": the 224x224 output is a template argument) and the same with resize(224, 224)
// ("dynamic": a run-time size). "pixfuse" runs the batch as a loop of pixfuse::run per
// image with one plan (lowered before timing, as a jit cache would), split into contiguous
// slices over the threads; "pixfuse_vmap" is the batch API instead
// (pixfuse::vmap(pixfuse::jit(recipe)) on a pixfuse::Executor of that many threads, images
// handed out one at a time). The peers run under the same loop and threads (OpenCV with
// cv::setNumThreads(1), so the threads are ours).
//
// Output: one JSON object per line on stdout, per (impl, target, size, batch, threads):
//   img_s (images per wall second, median of --repetitions timed passes; a pass runs the
//   batch as many times as fits --min_time), img_s_cpu (per process-CPU second), the
//   min/max, bytes_in / bytes_out per image; and check lines: every pixfuse target against
//   the scalar reference (max |diff|), stb and OpenCV against pixfuse (information: other
//   semantics). --prefetch forces the cache level the kernels stream rows into
//   (pixfuse::set_prefetch_level; auto: by CPU vendor). --dump_dir writes the first 4 inputs of the
//   first size and pixfuse's scalar outputs for them (seeds_input.npy, seeds_pixfuse.npy) so the
//   Python peers check theirs.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <pixfuse/pixfuse.hpp>
#include <pixfuse/io/npy.hpp>
#include <pixfuse/executor.hpp>
#include <pixfuse/jit.hpp>
#include <pixfuse/vmap.hpp>

#if PIXFUSE_REPORT_HAVE_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#endif

#if PIXFUSE_REPORT_HAVE_STB
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_STATIC
#include <stb/stb_image_resize.h>
#endif

namespace pf = pixfuse;

namespace {

constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};
constexpr int kOut = 224;
constexpr std::size_t kOutElems = 3 * kOut * kOut;

struct Options {
  std::vector<std::pair<int, int>> sizes{{512, 512}, {384, 384}};
  std::vector<int> batches{8, 16, 32};
  std::vector<int> threads{1, 2};
  std::vector<std::string> targets;  // empty: all available
  std::vector<std::string> impls{"pixfuse",           "pixfuse_dynamic", "pixfuse_vmap",
                                 "pixfuse_cv_linear", "pixfuse_cv_area", "stb",
                                 "opencv_linear",     "opencv_area"};
  int repetitions = 5;
  double min_time = 0.2;
  std::string dump_dir;
  unsigned seed = 0;
};

[[noreturn]] void die(const std::string& m) {
  std::fprintf(stderr, "seeds_bench: %s\n", m.c_str());
  std::exit(2);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&](const char* flag) -> const char* {
      const std::size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? a.c_str() + n : nullptr;
    };
    if (const char* v = val("--sizes=")) {
      o.sizes.clear();
      for (const std::string& s : split(v, ',')) {
        const auto wh = split(s, 'x');
        if (wh.size() != 2) die("--sizes: expected WxH[,WxH...], got " + s);
        o.sizes.emplace_back(std::atoi(wh[0].c_str()), std::atoi(wh[1].c_str()));
      }
    } else if (const char* v2 = val("--batches=")) {
      o.batches.clear();
      for (const std::string& s : split(v2, ',')) o.batches.push_back(std::atoi(s.c_str()));
    } else if (const char* v3 = val("--threads=")) {
      o.threads.clear();
      for (const std::string& s : split(v3, ',')) o.threads.push_back(std::atoi(s.c_str()));
    } else if (const char* v4 = val("--targets=")) {
      o.targets = split(v4, ',');
    } else if (const char* v5 = val("--impls=")) {
      o.impls = split(v5, ',');
    } else if (const char* v6 = val("--repetitions=")) {
      o.repetitions = std::atoi(v6);
    } else if (const char* v7 = val("--min_time=")) {
      o.min_time = std::atof(v7);
    } else if (const char* v8 = val("--dump_dir=")) {
      o.dump_dir = v8;
    } else if (const char* v9 = val("--seed=")) {
      o.seed = static_cast<unsigned>(std::atoi(v9));
    } else if (const char* v10 = val("--prefetch=")) {
      try {
        pf::set_prefetch_level(std::string_view(v10));
      } catch (const pf::Error& e) {
        die(std::string("--prefetch: ") + e.what());
      }
    } else {
      die("unknown argument " + a +
          " (see the comment at the top of bench/report/seeds_bench.cpp)");
    }
  }
  if (o.repetitions < 1 || o.sizes.empty() || o.batches.empty() || o.threads.empty())
    die("need --repetitions >= 1 and non-empty --sizes, --batches, --threads");
  for (auto [w, h] : o.sizes)
    if (w < 1 || h < 1) die("--sizes: sizes must be positive");
  for (int b : o.batches)
    if (b < 1) die("--batches: must be positive");
  for (int t : o.threads)
    if (t < 1) die("--threads: must be positive");
  return o;
}

// One implementation: process images [begin, end) of the batch into out (N, 3, 224, 224).
// Per-thread state (scratch buffers) is made by make_worker, once per thread per config.
using Worker = std::function<void(int begin, int end)>;
using WorkerFactory = std::function<Worker()>;

struct Batch {
  int w = 0, h = 0, n = 0;
  std::vector<float> in;   // n * h * w * 3
  std::vector<float> out;  // n * 3 * 224 * 224
  const float* image(int i) const { return in.data() + static_cast<std::size_t>(i) * h * w * 3; }
  float* slot(int i) { return out.data() + static_cast<std::size_t>(i) * kOutElems; }
  pf::AnyImageView view(int i) const {
    return pf::AnyImageView(image(i), pf::DType::f32, w, h, 3,
                            static_cast<std::int64_t>(w) * 3 * 4);
  }
};

auto recipe_static() {
  return pf::resize<kOut, kOut>().filter(pf::Filter::bilinear).compat(pf::Compat::jax) |
         pf::normalize(1.0f, {kMean[0], kMean[1], kMean[2]}, {kStd[0], kStd[1], kStd[2]}) |
         pf::nchw() | pf::cast<float>();
}
// OpenCV's arithmetic (no antialias), for the same-output comparison with cv::resize.
auto recipe_cv(pf::Filter f) {
  return pf::resize<kOut, kOut>().filter(f).compat(pf::Compat::opencv) |
         pf::normalize(1.0f, {kMean[0], kMean[1], kMean[2]}, {kStd[0], kStd[1], kStd[2]}) |
         pf::nchw() | pf::cast<float>();
}
auto recipe_dynamic() {
  return pf::resize(kOut, kOut).filter(pf::Filter::bilinear).compat(pf::Compat::jax) |
         pf::normalize(1.0f, {kMean[0], kMean[1], kMean[2]}, {kStd[0], kStd[1], kStd[2]}) |
         pf::nchw() | pf::cast<float>();
}

WorkerFactory pixfuse_factory(Batch& b, const pf::Plan& plan) {
  return [&b, &plan]() -> Worker {
    return [&b, &plan](int begin, int end) {
      for (int i = begin; i < end; ++i)
        pf::run(plan, b.view(i),
                pf::AnyTensorView(b.slot(i), pf::DType::f32, pf::Layout::nchw,
                                  plan.output_shape()));
    };
  };
}

// HWC 224x224x3 -> normalised CHW, as blobFromImage would (the peers' last step).
void normalise_transpose(const float* hwc, float* chw) {
  const float r0 = 1.0f / kStd[0], r1 = 1.0f / kStd[1], r2 = 1.0f / kStd[2];
  float* p0 = chw;
  float* p1 = chw + kOut * kOut;
  float* p2 = chw + 2 * kOut * kOut;
  for (int i = 0; i < kOut * kOut; ++i) {
    p0[i] = (hwc[3 * i + 0] - kMean[0]) * r0;
    p1[i] = (hwc[3 * i + 1] - kMean[1]) * r1;
    p2[i] = (hwc[3 * i + 2] - kMean[2]) * r2;
  }
}

#if PIXFUSE_REPORT_HAVE_STB
// stb_image_resize 0.97 (Debian libstb-dev): float, triangle filter (scaled when shrinking,
// i.e. antialiased), clamped edges, linear colour space; then normalise + transpose.
WorkerFactory stb_factory(Batch& b) {
  return [&b]() -> Worker {
    auto tmp = std::make_shared<std::vector<float>>(kOutElems);
    return [&b, tmp](int begin, int end) {
      for (int i = begin; i < end; ++i) {
        if (!stbir_resize_float_generic(b.image(i), b.w, b.h, 0, tmp->data(), kOut, kOut, 0, 3,
                                        STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP,
                                        STBIR_FILTER_TRIANGLE, STBIR_COLORSPACE_LINEAR, nullptr))
          die("stbir_resize_float_generic failed");
        normalise_transpose(tmp->data(), b.slot(i));
      }
    };
  };
}
#endif

#if PIXFUSE_REPORT_HAVE_OPENCV
// cv::resize (float, no antialias) + cv::dnn::blobFromImage(scale 1, mean) + * 1/std per plane.
WorkerFactory opencv_factory(Batch& b, int interpolation) {
  // Once, from the calling thread: OpenCV's setting is global, and calling it inside every
  // slice raced in TBB's arena teardown (an occasional crash with two threads).
  cv::setNumThreads(1);
  return [&b, interpolation]() -> Worker {
    auto resized = std::make_shared<cv::Mat>();
    return [&b, interpolation, resized](int begin, int end) {
      for (int i = begin; i < end; ++i) {
        const cv::Mat src(b.h, b.w, CV_32FC3, const_cast<float*>(b.image(i)));
        cv::resize(src, *resized, cv::Size(kOut, kOut), 0, 0, interpolation);
        const int dims[4] = {1, 3, kOut, kOut};
        cv::Mat blob(4, dims, CV_32F, b.slot(i));
        cv::dnn::blobFromImage(*resized, blob, 1.0, cv::Size(),
                               cv::Scalar(kMean[0], kMean[1], kMean[2]), false, false, CV_32F);
        if (blob.data != reinterpret_cast<uchar*>(b.slot(i)))
          die("blobFromImage reallocated its output");
        for (int c = 0; c < 3; ++c) {
          cv::Mat plane(kOut, kOut, CV_32F,
                        b.slot(i) + static_cast<std::ptrdiff_t>(c) * kOut * kOut);
          plane *= 1.0 / kStd[c];
        }
      }
    };
  };
}
#endif

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Runs the batch once on `threads` threads (contiguous slices); workers[t] is thread t's.
void run_batch(std::vector<Worker>& workers, int n, int threads) {
  if (threads == 1) {
    workers[0](0, n);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    const int begin = n * t / threads, end = n * (t + 1) / threads;
    pool.emplace_back(
        [&workers, t, begin, end] { workers[static_cast<std::size_t>(t)](begin, end); });
  }
  workers[0](0, n / threads);
  for (std::thread& th : pool) th.join();
}

struct Timing {
  double img_s = 0, img_s_cpu = 0, img_s_min = 0, img_s_max = 0;
  int passes_per_rep = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

Timing time_it(const WorkerFactory& factory, int n, int threads, const Options& o) {
  std::vector<Worker> workers;
  for (int t = 0; t < threads; ++t) workers.push_back(factory());
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  run_batch(workers, n, threads);  // warm-up; also sizes the passes
  const double one = std::max(1e-6, std::chrono::duration<double>(Clock::now() - t0).count());
  const int passes = std::max(1, static_cast<int>(o.min_time / one));
  std::vector<double> wall, cpu;
  for (int r = 0; r < o.repetitions; ++r) {
    const double c0 = process_cpu_seconds();
    const auto w0 = Clock::now();
    for (int p = 0; p < passes; ++p) run_batch(workers, n, threads);
    wall.push_back(std::chrono::duration<double>(Clock::now() - w0).count());
    cpu.push_back(process_cpu_seconds() - c0);
  }
  const double imgs = static_cast<double>(n) * passes;
  Timing t;
  t.img_s = imgs / median(wall);
  t.img_s_cpu = imgs / median(cpu);
  t.img_s_min = imgs / *std::max_element(wall.begin(), wall.end());
  t.img_s_max = imgs / *std::min_element(wall.begin(), wall.end());
  t.passes_per_rep = passes;
  return t;
}

double max_abs_diff(const float* a, const float* b, std::size_t n) {
  double m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (!(d <= m)) m = d;  // NaN propagates as "largest"
  }
  return m;
}

void emit_result(const std::string& impl, const std::string& target, const Batch& b, int threads,
                 const Timing& t) {
  std::printf("{\"kind\": \"result\", \"impl\": \"%s\", \"target\": \"%s\", \"width\": %d, "
              "\"height\": %d, \"batch\": %d, "
              "\"threads\": %d, \"img_s\": %.3f, \"img_s_cpu\": %.3f, \"img_s_min\": %.3f, "
              "\"img_s_max\": %.3f, "
              "\"passes_per_rep\": %d, \"bytes_in\": %zu, \"bytes_out\": %zu}\n",
              impl.c_str(), target.c_str(), b.w, b.h, b.n, threads, t.img_s, t.img_s_cpu,
              t.img_s_min, t.img_s_max, t.passes_per_rep,
              static_cast<std::size_t>(b.w) * b.h * 3 * 4, kOutElems * 4);
  std::fflush(stdout);
}

void emit_check(const std::string& what, const std::string& against, int w, int h, double diff,
                double bound) {
  std::printf(
      "{\"kind\": \"check\", \"what\": \"%s\", \"against\": \"%s\", \"width\": %d, \"height\": %d, "
      "\"max_abs_diff\": %.3g, \"bound\": %.3g, \"ok\": %s}\n",
      what.c_str(), against.c_str(), w, h, diff, bound,
      bound <= 0 || diff <= bound ? "true" : "false");
  std::fflush(stdout);
}

bool wanted(const Options& o, const std::string& impl) {
  return std::find(o.impls.begin(), o.impls.end(), impl) != o.impls.end();
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::vector<std::string> targets = o.targets.empty() ? pf::available_targets() : o.targets;
  for (const std::string& t : targets)
    pf::set_target(t);  // throws, naming the choices, on a bad one
  pf::set_target("auto");
  int failures = 0;

  const int max_batch = *std::max_element(o.batches.begin(), o.batches.end());
  bool first_size = true;
  for (auto [w, h] : o.sizes) {
    Batch b;
    b.w = w;
    b.h = h;
    b.n = max_batch;
    b.in.resize(static_cast<std::size_t>(max_batch) * h * w * 3);
    b.out.assign(static_cast<std::size_t>(max_batch) * kOutElems, 0.0f);
    std::mt19937 rng(o.seed);
    std::uniform_real_distribution<float> uni(0.0f, 1.0f);
    for (float& v : b.in) v = uni(rng);

    const pf::Plan plan_static = pf::make_plan(recipe_static(), pf::InputShape::of(b.view(0)));
    const pf::Plan plan_dynamic = pf::make_plan(recipe_dynamic(), pf::InputShape::of(b.view(0)));
    const pf::Plan plan_cv_linear =
        pf::make_plan(recipe_cv(pf::Filter::bilinear), pf::InputShape::of(b.view(0)));
    const pf::Plan plan_cv_area =
        pf::make_plan(recipe_cv(pf::Filter::area), pf::InputShape::of(b.view(0)));

    // Checks on the first 4 images: every target against the scalar reference; the peers
    // against pixfuse (other semantics at the edges: information only).
    const int k = std::min(4, max_batch);
    std::vector<float> ref;
    {
      std::vector<Worker> one{pixfuse_factory(b, plan_static)()};
      pf::set_target("scalar");
      one[0](0, k);
      ref.assign(b.out.begin(), b.out.begin() + static_cast<std::ptrdiff_t>(k * kOutElems));
      for (const std::string& t : targets) {
        if (t == "scalar") continue;
        pf::set_target(t);
        std::fill(b.out.begin(), b.out.end(), 0.0f);
        one[0](0, k);
        const double d = max_abs_diff(b.out.data(), ref.data(), ref.size());
        emit_check("pixfuse:" + t, "pixfuse:scalar", w, h, d, 1e-5);
        if (!(d <= 1e-5)) ++failures;
        std::vector<Worker> dyn{pixfuse_factory(b, plan_dynamic)()};
        dyn[0](0, k);
        const double dd = max_abs_diff(b.out.data(), ref.data(), ref.size());
        emit_check("pixfuse_dynamic:" + t, "pixfuse:scalar", w, h, dd, 1e-5);
        if (!(dd <= 1e-5)) ++failures;
      }
      pf::set_target("auto");
    }
    if (wanted(o, "pixfuse_vmap")) {  // the batch API on the best target, against the reference
      pf::Executor executor(2);
      std::vector<pf::AnyImageView> views;
      for (int i = 0; i < k; ++i) views.push_back(b.view(i));
      std::fill(b.out.begin(), b.out.end(), 0.0f);
      const pf::BatchStatus st = pf::vmap(pf::jit(
          recipe_static()))(executor, pf::Span<pf::AnyImageView>(views.data(), views.size()),
                            pf::AnyTensorView(b.out.data(), pf::DType::f32, pf::Layout::nchw,
                                              pf::TensorShape{k, 3, kOut, kOut}));
      bool all_ok = true;
      for (std::size_t i = 0; i < st.size(); ++i) all_ok = all_ok && st[i].ok();
      const double d = all_ok ? max_abs_diff(b.out.data(), ref.data(), ref.size()) : 1e30;
      emit_check("pixfuse_vmap:" + pf::active_target(), "pixfuse:scalar", w, h, d, 1e-5);
      if (!(d <= 1e-5)) ++failures;
    }
    if (first_size && !o.dump_dir.empty()) {
      pf::io::write_npy(o.dump_dir + "/seeds_input.npy", b.in.data(), pf::DType::f32, {k, h, w, 3});
      pf::io::write_npy(o.dump_dir + "/seeds_pixfuse.npy", ref.data(), pf::DType::f32,
                        {k, 3, kOut, kOut});
    }
    std::vector<std::pair<std::string, WorkerFactory>> peers;
#if PIXFUSE_REPORT_HAVE_STB
    if (wanted(o, "stb")) peers.emplace_back("stb", stb_factory(b));
#else
    if (wanted(o, "stb"))
      std::printf("{\"kind\": \"missing\", \"impl\": \"stb\", \"why\": \"stb_image_resize.h not "
                  "found at build time (libstb-dev)\"}\n");
#endif
#if PIXFUSE_REPORT_HAVE_OPENCV
    if (wanted(o, "opencv_linear"))
      peers.emplace_back("opencv_linear", opencv_factory(b, cv::INTER_LINEAR));
    if (wanted(o, "opencv_area"))
      peers.emplace_back("opencv_area", opencv_factory(b, cv::INTER_AREA));
#else
    for (const char* name : {"opencv_linear", "opencv_area"})
      if (wanted(o, name))
        std::printf("{\"kind\": \"missing\", \"impl\": \"%s\", \"why\": \"OpenCV C++ not found at "
                    "build time (libopencv-dev)\"}\n",
                    name);
#endif
    for (auto& [name, factory] : peers) {
      std::fill(b.out.begin(), b.out.end(), 0.0f);
      factory()(0, k);
      emit_check(name, "pixfuse:scalar", w, h, max_abs_diff(b.out.data(), ref.data(), ref.size()),
                 0);
    }
    // pixfuse in opencv mode (best target) against OpenCV itself: the same output.
    std::vector<std::pair<std::string, const pf::Plan*>> cv_modes;
    if (wanted(o, "pixfuse_cv_linear")) cv_modes.emplace_back("pixfuse_cv_linear", &plan_cv_linear);
    if (wanted(o, "pixfuse_cv_area")) cv_modes.emplace_back("pixfuse_cv_area", &plan_cv_area);
#if PIXFUSE_REPORT_HAVE_OPENCV
    for (auto& [name, plan] : cv_modes) {
      std::fill(b.out.begin(), b.out.end(), 0.0f);
      pixfuse_factory(b, *plan)()(0, k);
      const std::vector<float> mine(b.out.begin(),
                                    b.out.begin() + static_cast<std::ptrdiff_t>(k * kOutElems));
      opencv_factory(b, name == "pixfuse_cv_area" ? cv::INTER_AREA : cv::INTER_LINEAR)()(0, k);
      const double d = max_abs_diff(mine.data(), b.out.data(), mine.size());
      emit_check(name, name == "pixfuse_cv_area" ? "opencv_area" : "opencv_linear", w, h, d, 1e-4);
      if (!(d <= 1e-4)) ++failures;
    }
#endif

    for (int n : o.batches) {
      b.n = n;
      for (int threads : o.threads) {
        if (wanted(o, "pixfuse"))
          for (const std::string& t : targets) {
            pf::set_target(t);
            // "auto": the automatic choice, named by the target it runs this plan on.
            emit_result("pixfuse", t == "auto" ? "auto:" + pf::target_for(plan_static) : t, b,
                        threads, time_it(pixfuse_factory(b, plan_static), n, threads, o));
          }
        pf::set_target("auto");
        if (wanted(o, "pixfuse_dynamic"))
          emit_result("pixfuse_dynamic", pf::target_for(plan_dynamic), b, threads,
                      time_it(pixfuse_factory(b, plan_dynamic), n, threads, o));
        if (wanted(o, "pixfuse_vmap")) {
          pf::Executor executor(threads);
          const auto batched = pf::vmap(pf::jit(recipe_static()));
          std::vector<pf::AnyImageView> views;
          for (int i = 0; i < n; ++i) views.push_back(b.view(i));
          const pf::AnyTensorView all(b.out.data(), pf::DType::f32, pf::Layout::nchw,
                                      pf::TensorShape{n, 3, kOut, kOut});
          const WorkerFactory factory = [&]() -> Worker {
            return [&](int, int) {
              const pf::BatchStatus st =
                  batched(executor, pf::Span<pf::AnyImageView>(views.data(), views.size()), all);
              for (std::size_t i = 0; i < st.size(); ++i)
                if (!st[i].ok()) die("vmap: " + st[i].error);
            };
          };
          emit_result("pixfuse_vmap", pf::target_for(plan_static), b, threads,
                      time_it(factory, n, 1, o));
        }
        for (auto& [name, plan] : cv_modes)
          emit_result(name, pf::target_for(*plan), b, threads,
                      time_it(pixfuse_factory(b, *plan), n, threads, o));
        for (auto& [name, factory] : peers)
          emit_result(name, "", b, threads, time_it(factory, n, threads, o));
      }
    }
    b.n = max_batch;
    first_size = false;
  }
  if (failures) std::fprintf(stderr, "seeds_bench: %d check(s) failed\n", failures);
  return failures ? 1 : 0;
}
