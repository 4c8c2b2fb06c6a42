// pixfuse against OpenCV, in one process, on decoded photos, one thread.
//
//   build/bench/bench/peers_bench [--photos=DIR] [--max_megapixels=X] [--max_images=N]
//                                 [--targets=avx2,scalar]
//                                 [--dump_dir=DIR] [--allow_mismatch] [--prefetch=auto|l1|l2]
//                                 [benchmark flags]
//
// DIR holds the JPEG photo set of bench/peers/photos.py (default: $PIXFUSE_BENCH_PHOTOS, else
// build/bench-photos/photos under the current directory or the source tree), in name order;
// --max_megapixels=X skips photos over X MP (e.g. 3.2: the set's photos of issue 10's size,
// 1.56 MP on average), then --max_images=N keeps the first N. Every photo is
// decoded once, before any timing, with cv::imread (libjpeg-turbo) into packed RGB u8, and
// every pipeline below reads the same buffers. One benchmark iteration runs a pipeline over
// the whole set, one image after another, into a preallocated output. `img/s` is images per
// second (a rate over the set, so large photos weigh what they cost); bytes_per_second counts
// the source bytes the recipe must read (read_MB/img, see must_read_bytes: the 64-byte lines
// of source pixels some output depends on; image_MB/img is the whole decoded image). Both are
// per second of process CPU time (MeasureProcessCPUTime: steadier than wall time on a busy
// machine, and equal to it on a quiet one for one thread); the JSON output
// (--benchmark_format=json) has the wall-clock real_time beside cpu_time. --prefetch forces
// the cache level the kernels stream rows into (pixfuse::set_prefetch_level; auto: by CPU
// vendor).
//
// Pipelines (all produce NCHW f32, RGB order, one image at a time):
//   imagenet_pil/pixfuse:<target>/{warm,lowering}  presets::imagenet(): PIL bilinear (antialiased)
//       resize_shorter 256, center crop 224, ImageNet mean/std. warm: plans lowered per image
//       shape before timing (the jit cache); lowering: make_plan inside the timed loop.
//   imagenet/opencv:linear  cv::resize INTER_LINEAR to the same shorter-side-256 size, crop 224
//       (a view), cv::dnn::blobFromImage(1/255, mean*255, swapRB=false) then * 1/std per plane:
//       how C++ services do it today (aliased, not PIL-equal).
//   imagenet/opencv:area    the same with INTER_AREA.
//   imagenet_cv/pixfuse:<target>/...  the same recipe in opencv mode (bilinear, Compat::opencv):
//       checked equal to imagenet/opencv:linear.
//   imagenet_cv_area/pixfuse:<target>/...  the same in opencv mode with Filter::area: checked
//       equal to imagenet/opencv:area.
//   direct224/opencv:linear  cv::resize straight to 224x224 INTER_LINEAR + blobFromImage + std;
//   direct224/pixfuse:<target>/...  resize<224, 224>() in opencv mode: checked equal to it.
//   yolo/pixfuse:<target>/...  presets::yolo(): letterbox 640 (OpenCV bilinear, pad 114), / 255.
//   yolo/opencv:linear  ultralytics' LetterBox: cv::resize INTER_LINEAR + copyMakeBorder(114) +
//       blobFromImage(1/255): checked equal to the pixfuse preset.
//
// Before timing, outputs are checked: shapes (pixfuse's plans; OpenCV's blob is written into
// the caller's (1, 3, H, W) buffer, and a blobFromImage that reallocates it, as it would for
// another shape, aborts), every pixfuse target against the scalar reference, and each pixfuse
// opencv-mode pipeline against OpenCV's own. A mismatch aborts (exit 1) unless --allow_mismatch.
// cv::setNumThreads(1); pixfuse's run() is single-threaded.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <pixfuse/pixfuse.hpp>

#if PIXFUSE_BENCH_HAVE_STB_RESIZE
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_STATIC
#include <stb/stb_image_resize.h>
#endif

namespace pf = pixfuse;
namespace fs = std::filesystem;

namespace {

constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

struct Photo {
  std::string name;
  cv::Mat rgb;  // CV_8UC3, RGB order, packed rows
  pf::AnyImageView view() const {
    return pf::AnyImageView(rgb.data, pf::DType::u8, rgb.cols, rgb.rows, 3,
                            static_cast<std::int64_t>(rgb.step[0]));
  }
  double source_bytes() const { return static_cast<double>(rgb.total() * rgb.elemSize()); }
};

struct Options {
  std::string photos;
  int max_images = 0;
  double max_megapixels = 0;         // 0: any size
  std::vector<std::string> targets;  // empty: all of pixfuse::available_targets()
  std::string dump_dir;
  bool allow_mismatch = false;
};

std::vector<Photo> g_photos;
double g_source_bytes = 0;

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "peers_bench: %s\n", msg.c_str());
  std::exit(2);
}

std::string find_photos(const std::string& given) {
  std::vector<fs::path> tries;
  if (!given.empty()) {
    tries.push_back(given);
    tries.push_back(fs::path(given) / "photos");
  } else {
    if (const char* env = std::getenv("PIXFUSE_BENCH_PHOTOS")) tries.push_back(env);
    tries.push_back("build/bench-photos/photos");
    tries.push_back(fs::path(PIXFUSE_SOURCE_DIR) / "build/bench-photos/photos");
  }
  for (const fs::path& p : tries)
    if (fs::is_directory(p)) return p.string();
  die("no photo folder (tried " + tries.front().string() +
      (given.empty() ? ", build/bench-photos/photos" : "") +
      "): run `python3 bench/peers/photos.py` first, or pass --photos=DIR");
}

void load_photos(const Options& opt) {
  const std::string dir = find_photos(opt.photos);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (e.is_regular_file() && (ext == ".jpg" || ext == ".jpeg")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) die("no .jpg files in " + dir);
  for (const fs::path& f : files) {
    if (opt.max_images > 0 && g_photos.size() == static_cast<std::size_t>(opt.max_images)) break;
    // Same decode as bench/peers/peers.py: cv2.imread(IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION).
    cv::Mat bgr = cv::imread(f.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    if (bgr.empty()) die("cannot decode " + f.string());
    if (opt.max_megapixels > 0 && static_cast<double>(bgr.total()) > opt.max_megapixels * 1e6)
      continue;
    Photo p;
    p.name = f.stem().string();
    cv::cvtColor(bgr, p.rgb, cv::COLOR_BGR2RGB);
    if (!p.rgb.isContinuous()) p.rgb = p.rgb.clone();
    g_source_bytes += p.source_bytes();
    g_photos.push_back(std::move(p));
  }
  if (g_photos.empty())
    die("no photo of at most " + std::to_string(opt.max_megapixels) + " MP (--max_megapixels) in " +
        dir);
  double mp = 0;
  for (const Photo& p : g_photos) mp += p.rgb.total() / 1e6;
  std::fprintf(stderr, "photos: %zu from %s, mean %.2f MP, %.2f GB decoded RGB\n", g_photos.size(),
               dir.c_str(), mp / static_cast<double>(g_photos.size()), g_source_bytes / 1e9);
}

// torchvision's Resize(int) rule, as pixfuse's resize_shorter: the short side becomes n, the
// long side int(n * long / short).
cv::Size shorter_side(int w, int h, int n) {
  if (w <= h) return {n, static_cast<int>(static_cast<double>(n) * h / w)};
  return {static_cast<int>(static_cast<double>(n) * w / h), n};
}
// CenterCrop's offset: int(round((in - out) / 2.0)), Python rounding (half to even).
int crop_offset(int in, int out) { return static_cast<int>(std::nearbyint((in - out) / 2.0)); }

// ---------------------------------------------------------------------------------------
// A pipeline: prepare() runs once before timing (pixfuse lowers its plans there), run()
// processes image i into `out` (NCHW f32, preallocated, large enough for 3x640x640).
struct Pipeline {
  std::string name;
  pf::TensorShape shape;  // the output of one image
  std::function<void()> prepare;
  std::function<void(std::size_t, float*)> run;
  double read_bytes = 0;  // over the set: the source bytes its semantics must read (below)
};

// OpenCV's buffers are reused across images (cv::Mat reallocates only when a size changes),
// as a service that keeps them per thread would; the blob is copied into `out` only where the
// pipeline itself needs another pass (the std division), otherwise written in place.
void opencv_normalize_std(float* planes, int h, int w) {
  for (int c = 0; c < 3; ++c) {
    cv::Mat plane(h, w, CV_32F, planes + static_cast<std::ptrdiff_t>(c) * h * w);
    plane *= 1.0 / kStd[c];
  }
}

Pipeline opencv_imagenet(int interpolation, const char* name) {
  auto resized = std::make_shared<cv::Mat>();
  Pipeline p{name, {1, 3, 224, 224}, [] {}, nullptr};
  p.run = [resized, interpolation](std::size_t i, float* out) {
    const cv::Mat& rgb = g_photos[i].rgb;
    const cv::Size s = shorter_side(rgb.cols, rgb.rows, 256);
    cv::resize(rgb, *resized, s, 0, 0, interpolation);
    const cv::Mat crop =
        (*resized)(cv::Rect(crop_offset(s.width, 224), crop_offset(s.height, 224), 224, 224));
    const int dims[4] = {1, 3, 224, 224};
    cv::Mat blob(4, dims, CV_32F, out);  // blobFromImage writes into it: same size and type
    cv::dnn::blobFromImage(crop, blob, 1.0 / 255.0, cv::Size(),
                           cv::Scalar(kMean[0] * 255.0, kMean[1] * 255.0, kMean[2] * 255.0), false,
                           false, CV_32F);
    if (blob.data != reinterpret_cast<uchar*>(out)) die("blobFromImage reallocated its output");
    opencv_normalize_std(out, 224, 224);
  };
  return p;
}

#if PIXFUSE_BENCH_HAVE_STB_RESIZE
// stb_image_resize 0.97 (Debian libstb-dev): the same shorter-side-256 size with its triangle
// filter (widened when shrinking: antialiased, like PIL's bilinear but float weights, clamped
// edges, u8 result), linear colour space; the 224 crop, then normalise into NCHW f32.
Pipeline stb_imagenet() {
  auto resized = std::make_shared<std::vector<unsigned char>>();
  Pipeline p{"imagenet/stb:triangle", {1, 3, 224, 224}, [] {}, nullptr};
  p.run = [resized](std::size_t i, float* out) {
    const cv::Mat& rgb = g_photos[i].rgb;
    const cv::Size s = shorter_side(rgb.cols, rgb.rows, 256);
    resized->resize(static_cast<std::size_t>(s.width) * s.height * 3);
    if (!stbir_resize_uint8_generic(rgb.data, rgb.cols, rgb.rows, static_cast<int>(rgb.step[0]),
                                    resized->data(), s.width, s.height, 0, 3,
                                    STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP,
                                    STBIR_FILTER_TRIANGLE, STBIR_COLORSPACE_LINEAR, nullptr))
      die("stbir_resize_uint8_generic failed");
    const int left = crop_offset(s.width, 224), top = crop_offset(s.height, 224);
    const float a[3] = {1.0f / (255.0f * kStd[0]), 1.0f / (255.0f * kStd[1]),
                        1.0f / (255.0f * kStd[2])};
    const float b[3] = {-kMean[0] / kStd[0], -kMean[1] / kStd[1], -kMean[2] / kStd[2]};
    for (int y = 0; y < 224; ++y) {
      const unsigned char* row =
          resized->data() + (static_cast<std::size_t>(top + y) * s.width + left) * 3;
      for (int x = 0; x < 224; ++x)
        for (int c = 0; c < 3; ++c)
          out[(static_cast<std::size_t>(c) * 224 + y) * 224 + x] = row[3 * x + c] * a[c] + b[c];
    }
  };
  return p;
}
#endif

Pipeline opencv_direct224() {
  auto resized = std::make_shared<cv::Mat>();
  Pipeline p{"direct224/opencv:linear", {1, 3, 224, 224}, [] {}, nullptr};
  p.run = [resized](std::size_t i, float* out) {
    cv::resize(g_photos[i].rgb, *resized, cv::Size(224, 224), 0, 0, cv::INTER_LINEAR);
    const int dims[4] = {1, 3, 224, 224};
    cv::Mat blob(4, dims, CV_32F, out);
    cv::dnn::blobFromImage(*resized, blob, 1.0 / 255.0, cv::Size(),
                           cv::Scalar(kMean[0] * 255.0, kMean[1] * 255.0, kMean[2] * 255.0), false,
                           false, CV_32F);
    if (blob.data != reinterpret_cast<uchar*>(out)) die("blobFromImage reallocated its output");
    opencv_normalize_std(out, 224, 224);
  };
  return p;
}

// ultralytics LetterBox(new_shape=640, auto=False, scaleup=True, center=True) + / 255.
Pipeline opencv_yolo() {
  auto resized = std::make_shared<cv::Mat>();
  auto padded = std::make_shared<cv::Mat>();
  Pipeline p{"yolo/opencv:linear", {1, 3, 640, 640}, [] {}, nullptr};
  p.run = [resized, padded](std::size_t i, float* out) {
    const cv::Mat& rgb = g_photos[i].rgb;
    const double r = std::min(640.0 / rgb.rows, 640.0 / rgb.cols);
    const int nw = static_cast<int>(std::nearbyint(rgb.cols * r));
    const int nh = static_cast<int>(std::nearbyint(rgb.rows * r));
    const double dw = (640 - nw) / 2.0, dh = (640 - nh) / 2.0;
    const cv::Mat* src = &rgb;
    if (nw != rgb.cols || nh != rgb.rows) {
      cv::resize(rgb, *resized, cv::Size(nw, nh), 0, 0, cv::INTER_LINEAR);
      src = resized.get();
    }
    const int top = static_cast<int>(std::nearbyint(dh - 0.1)),
              bottom = static_cast<int>(std::nearbyint(dh + 0.1));
    const int left = static_cast<int>(std::nearbyint(dw - 0.1)),
              right = static_cast<int>(std::nearbyint(dw + 0.1));
    cv::copyMakeBorder(*src, *padded, top, bottom, left, right, cv::BORDER_CONSTANT,
                       cv::Scalar(114, 114, 114));
    const int dims[4] = {1, 3, 640, 640};
    cv::Mat blob(4, dims, CV_32F, out);
    cv::dnn::blobFromImage(*padded, blob, 1.0 / 255.0, cv::Size(), cv::Scalar(), false, false,
                           CV_32F);
    if (blob.data != reinterpret_cast<uchar*>(out)) die("blobFromImage reallocated its output");
  };
  return p;
}

// pixfuse: `warm` runs plans lowered before timing; otherwise make_plan is timed too.
template <class R>
Pipeline pixfuse_pipeline(const std::string& name, R recipe, bool warm) {
  struct State {
    R recipe;
    std::map<std::pair<int, int>, pf::Plan> by_shape;
    std::vector<const pf::Plan*> plan_of;  // per photo
  };
  auto st = std::make_shared<State>(State{recipe, {}, {}});
  const pf::Plan probe = pf::make_plan(recipe, pf::InputShape::of(g_photos.front().view()));
  Pipeline p{name, probe.output_shape(), nullptr, nullptr};
  p.prepare = [st] {
    if (!st->plan_of.empty()) return;
    for (const Photo& ph : g_photos) {
      const auto key = std::make_pair(ph.rgb.cols, ph.rgb.rows);
      auto it = st->by_shape.find(key);
      if (it == st->by_shape.end())
        it = st->by_shape.emplace(key, pf::make_plan(st->recipe, pf::InputShape::of(ph.view())))
                 .first;
      st->plan_of.push_back(&it->second);
    }
  };
  if (warm) {
    p.run = [st](std::size_t i, float* out) {
      const pf::Plan& plan = *st->plan_of[i];
      pf::run(plan, g_photos[i].view(),
              pf::AnyTensorView(out, pf::DType::f32, pf::Layout::nchw, plan.output_shape()));
    };
  } else {
    p.run = [st](std::size_t i, float* out) {
      const pf::AnyImageView in = g_photos[i].view();
      const pf::Plan plan = pf::make_plan(st->recipe, pf::InputShape::of(in));
      pf::run(plan, in,
              pf::AnyTensorView(out, pf::DType::f32, pf::Layout::nchw, plan.output_shape()));
    };
  }
  return p;
}

auto recipe_imagenet_pil() { return pf::presets::imagenet(); }
auto recipe_imagenet_cv() {
  return pf::to_rgb() |
         pf::resize_shorter(256).filter(pf::Filter::bilinear).compat(pf::Compat::opencv) |
         pf::center_crop<224, 224>() |
         pf::normalize(pf::over(255.0f), {kMean[0], kMean[1], kMean[2]},
                       {kStd[0], kStd[1], kStd[2]}) |
         pf::nchw() | pf::cast<float>();
}
auto recipe_imagenet_cv_area() {
  return pf::to_rgb() |
         pf::resize_shorter(256).filter(pf::Filter::area).compat(pf::Compat::opencv) |
         pf::center_crop<224, 224>() |
         pf::normalize(pf::over(255.0f), {kMean[0], kMean[1], kMean[2]},
                       {kStd[0], kStd[1], kStd[2]}) |
         pf::nchw() | pf::cast<float>();
}
auto recipe_direct224_cv() {
  return pf::to_rgb() |
         pf::resize<224, 224>().filter(pf::Filter::bilinear).compat(pf::Compat::opencv) |
         pf::normalize(pf::over(255.0f), {kMean[0], kMean[1], kMean[2]},
                       {kStd[0], kStd[1], kStd[2]}) |
         pf::nchw() | pf::cast<float>();
}
auto recipe_yolo() { return pf::presets::yolo(); }

// The source bytes a recipe must read from memory at least once: the 64-byte lines holding
// the source pixels that some output depends on (a nonzero weight), from the plan's taps,
// which are the resampling matrix of the recipe's semantics. An antialiased resize reads
// every pixel under the crop; an aliased one (OpenCV INTER_LINEAR shrinking) only the two
// rows and columns around each sample, which is why it can beat a full-image roofline.
double must_read_bytes(const pf::Plan& plan, std::size_t row_bytes, int channels) {
  auto needed = [](const pf::AxisTaps& t, std::size_t n) {
    std::vector<char> used(n, 0);
    for (int o = t.valid_begin; o < t.valid_end; ++o)
      for (int k = 0; k < t.count[static_cast<std::size_t>(o)]; ++k)
        if (t.weights[static_cast<std::size_t>(o) * static_cast<std::size_t>(t.max_taps) +
                      static_cast<std::size_t>(k)] != 0.0)
          used[static_cast<std::size_t>(t.index(o, k))] = 1;
    return used;
  };
  if (plan.transposed) die("must_read_bytes: transposed plans are not modelled");
  const std::vector<char> rows = needed(plan.y, static_cast<std::size_t>(plan.in_height));
  const std::vector<char> cols = needed(plan.x, static_cast<std::size_t>(plan.in_width));
  std::vector<char> line((row_bytes + 63) / 64, 0);
  for (std::size_t c = 0; c < cols.size(); ++c)
    if (cols[c])
      for (std::size_t b = c * static_cast<std::size_t>(channels);
           b < (c + 1) * static_cast<std::size_t>(channels); ++b)
        line[b / 64] = 1;
  const double per_row = 64.0 * static_cast<double>(std::count(line.begin(), line.end(), 1));
  return static_cast<double>(std::count(rows.begin(), rows.end(), 1)) *
         std::min(per_row, static_cast<double>(row_bytes));
}

template <class R>
double recipe_read_bytes(const R& recipe) {
  std::map<std::pair<int, int>, double> by_shape;
  double total = 0;
  for (const Photo& ph : g_photos) {
    const auto key = std::make_pair(ph.rgb.cols, ph.rgb.rows);
    auto it = by_shape.find(key);
    if (it == by_shape.end()) {
      const pf::Plan plan = pf::make_plan(recipe, pf::InputShape::of(ph.view()));
      it =
          by_shape.emplace(key, must_read_bytes(plan, static_cast<std::size_t>(ph.rgb.cols) * 3, 3))
              .first;
    }
    total += it->second;
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// Checks, before timing.

std::vector<float> g_out(3 * 640 * 640);

std::vector<float> run_all(Pipeline& p) {
  p.prepare();
  const std::size_t n = static_cast<std::size_t>(p.shape.elements());
  std::vector<float> all(n * g_photos.size());
  for (std::size_t i = 0; i < g_photos.size(); ++i) {
    std::fill(g_out.begin(), g_out.end(), std::nanf(""));
    p.run(i, g_out.data());
    std::copy(g_out.begin(), g_out.begin() + static_cast<std::ptrdiff_t>(n),
              all.begin() + static_cast<std::ptrdiff_t>(i * n));
  }
  return all;
}

struct Diff {
  double max_abs = 0;
  std::size_t nan = 0, over = 0, worst_image = 0;
};
Diff compare(const std::vector<float>& a, const std::vector<float>& b, std::size_t per_image,
             double tol) {
  Diff d;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (std::isnan(a[k]) || std::isnan(b[k])) {
      ++d.nan;
      continue;
    }
    const double e = std::fabs(static_cast<double>(a[k]) - b[k]);
    if (e > tol) ++d.over;
    if (e > d.max_abs) {
      d.max_abs = e;
      d.worst_image = k / per_image;
    }
  }
  return d;
}

int g_failures = 0;
void check(const std::string& what, const std::vector<float>& a, const std::vector<float>& b,
           std::size_t per_image, double tol) {
  const Diff d = compare(a, b, per_image, tol);
  const bool ok = d.nan == 0 && d.over == 0 && a.size() == b.size();
  std::fprintf(stderr, "check %-58s max|diff| %.3g (bound %.0e), %zu values over, %zu NaN  %s\n",
               what.c_str(), d.max_abs, tol, d.over, d.nan,
               ok ? "ok" : ("MISMATCH, worst image " + g_photos[d.worst_image].name).c_str());
  if (!ok) ++g_failures;
}

void check_shape(const Pipeline& p, const pf::TensorShape& expected) {
  if (p.shape != expected) {
    std::fprintf(stderr,
                 "check %s: output shape (%lld, %lld, %lld, %lld), expected (%lld, %lld, %lld, "
                 "%lld)  MISMATCH\n",
                 p.name.c_str(), static_cast<long long>(p.shape.n),
                 static_cast<long long>(p.shape.c), static_cast<long long>(p.shape.h),
                 static_cast<long long>(p.shape.w), static_cast<long long>(expected.n),
                 static_cast<long long>(expected.c), static_cast<long long>(expected.h),
                 static_cast<long long>(expected.w));
    ++g_failures;
  }
}

// ---------------------------------------------------------------------------------------

void bench_pipeline(benchmark::State& state, Pipeline* p, std::string target) {
  if (!target.empty()) pf::set_target(target);
  p->prepare();
  cv::setNumThreads(1);
  const std::size_t n = g_photos.size();
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      p->run(i, g_out.data());
      benchmark::DoNotOptimize(g_out.data());
      benchmark::ClobberMemory();
    }
  }
  if (!target.empty()) pf::set_target("auto");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(p->read_bytes));
  state.counters["img/s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["images"] = static_cast<double>(n);
  state.counters["read_MB/img"] = p->read_bytes / 1e6 / static_cast<double>(n);
  state.counters["image_MB/img"] = g_source_bytes / 1e6 / static_cast<double>(n);
  if (!target.empty()) state.SetLabel(target);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t comma = s.find(',', start);
    const std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Options parse_own_flags(int& argc, char** argv) {
  Options o;
  int w = 1;
  for (int r = 1; r < argc; ++r) {
    const std::string a = argv[r];
    auto value = [&](const char* flag) -> const char* {
      const std::size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 && a.size() > n && a[n] == '=' ? argv[r] + n + 1 : nullptr;
    };
    if (const char* v = value("--photos")) o.photos = v;
    else if (const char* v2 = value("--max_images")) o.max_images = std::atoi(v2);
    else if (const char* v6 = value("--max_megapixels")) {
      char* end = nullptr;
      o.max_megapixels = std::strtod(v6, &end);
      if (end == v6 || *end != '\0' || !(o.max_megapixels > 0))
        die(std::string("--max_megapixels: expected a positive number of megapixels, got '") + v6 +
            "'");
    } else if (const char* v3 = value("--targets")) o.targets = split(v3);
    else if (const char* v4 = value("--dump_dir")) o.dump_dir = v4;
    else if (a == "--allow_mismatch") o.allow_mismatch = true;
    else if (const char* v5 = value("--prefetch")) {
      try {
        pf::set_prefetch_level(std::string_view(v5));
      } catch (const pf::Error& e) {
        die(std::string("--prefetch: ") + e.what());
      }
    } else argv[w++] = argv[r];
  }
  argc = w;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_own_flags(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  cv::setNumThreads(1);

  std::vector<std::string> targets = pf::available_targets();
  if (!opt.targets.empty()) {
    for (const std::string& t : opt.targets)
      if (std::find(targets.begin(), targets.end(), t) == targets.end())
        die("--targets: " + t + " is not one of the available targets");
    targets = opt.targets;
  }
  std::string list;
  for (const std::string& t : pf::available_targets()) list += (list.empty() ? "" : ", ") + t;
  std::fprintf(stderr, "pixfuse %s, targets available: %s; OpenCV %s, cv::getNumThreads() = %d\n",
               pf::version_string, list.c_str(), CV_VERSION, cv::getNumThreads());
  load_photos(opt);

  // The pipelines. Those named in `all` live for the whole program.
  std::vector<std::unique_ptr<Pipeline>> all;
  auto add = [&](Pipeline p) -> Pipeline* {
    all.push_back(std::make_unique<Pipeline>(std::move(p)));
    return all.back().get();
  };
  Pipeline* cv_linear = add(opencv_imagenet(cv::INTER_LINEAR, "imagenet/opencv:linear"));
  Pipeline* cv_area = add(opencv_imagenet(cv::INTER_AREA, "imagenet/opencv:area"));
  Pipeline* cv_direct = add(opencv_direct224());
  Pipeline* cv_yolo = add(opencv_yolo());
#if PIXFUSE_BENCH_HAVE_STB_RESIZE
  Pipeline* stb = add(stb_imagenet());
#else
  Pipeline* stb = nullptr;
  std::fprintf(
      stderr,
      "missing stb_image_resize: stb_image_resize.h not found at build time (libstb-dev)\n");
#endif
  Pipeline* pil_warm = add(pixfuse_pipeline("imagenet_pil/pixfuse", recipe_imagenet_pil(), true));
  Pipeline* pil_cold = add(pixfuse_pipeline("imagenet_pil/pixfuse", recipe_imagenet_pil(), false));
  Pipeline* icv_warm = add(pixfuse_pipeline("imagenet_cv/pixfuse", recipe_imagenet_cv(), true));
  Pipeline* icv_cold = add(pixfuse_pipeline("imagenet_cv/pixfuse", recipe_imagenet_cv(), false));
  Pipeline* area_warm =
      add(pixfuse_pipeline("imagenet_cv_area/pixfuse", recipe_imagenet_cv_area(), true));
  Pipeline* area_cold =
      add(pixfuse_pipeline("imagenet_cv_area/pixfuse", recipe_imagenet_cv_area(), false));
  Pipeline* d224_warm = add(pixfuse_pipeline("direct224/pixfuse", recipe_direct224_cv(), true));
  Pipeline* d224_cold = add(pixfuse_pipeline("direct224/pixfuse", recipe_direct224_cv(), false));
  Pipeline* yolo_warm = add(pixfuse_pipeline("yolo/pixfuse", recipe_yolo(), true));
  Pipeline* yolo_cold = add(pixfuse_pipeline("yolo/pixfuse", recipe_yolo(), false));

  // The bytes each semantics must read (the same for pixfuse and the peer that it equals).
  const double rb_pil = recipe_read_bytes(recipe_imagenet_pil()),
               rb_cv = recipe_read_bytes(recipe_imagenet_cv()),
               rb_area = recipe_read_bytes(recipe_imagenet_cv_area()),
               rb_d224 = recipe_read_bytes(recipe_direct224_cv()),
               rb_yolo = recipe_read_bytes(recipe_yolo());
  for (Pipeline* p : {pil_warm, pil_cold}) p->read_bytes = rb_pil;
  if (stb) stb->read_bytes = rb_pil;  // antialiased too: it reads what PIL's bilinear reads
  for (Pipeline* p : {icv_warm, icv_cold, cv_linear}) p->read_bytes = rb_cv;
  for (Pipeline* p : {area_warm, area_cold, cv_area}) p->read_bytes = rb_area;
  for (Pipeline* p : {d224_warm, d224_cold, cv_direct}) p->read_bytes = rb_d224;
  for (Pipeline* p : {yolo_warm, yolo_cold, cv_yolo}) p->read_bytes = rb_yolo;
  const double n_photos = static_cast<double>(g_photos.size());
  std::fprintf(stderr,
               "must-read source MB per image (of %.2f decoded): imagenet pil %.2f, opencv linear "
               "%.2f, opencv area "
               "%.2f, direct224 %.2f, yolo %.2f\n",
               g_source_bytes / 1e6 / n_photos, rb_pil / 1e6 / n_photos, rb_cv / 1e6 / n_photos,
               rb_area / 1e6 / n_photos, rb_d224 / 1e6 / n_photos, rb_yolo / 1e6 / n_photos);

  // --- checks ---
  const pf::TensorShape s224{1, 3, 224, 224}, s640{1, 3, 640, 640};
  for (Pipeline* p : {cv_linear, cv_area, cv_direct, pil_warm, icv_warm, area_warm, d224_warm})
    check_shape(*p, s224);
  for (Pipeline* p : {cv_yolo, yolo_warm}) check_shape(*p, s640);
  const std::size_t n224 = 3 * 224 * 224, n640 = 3 * 640 * 640;
  struct Ref {
    Pipeline* pixfuse;
    std::vector<float> scalar;
  };
  std::vector<Ref> refs;
  pf::set_target("scalar");
  for (Pipeline* p : {pil_warm, icv_warm, area_warm, d224_warm, yolo_warm})
    refs.push_back({p, run_all(*p)});
  pf::set_target("auto");
  const std::vector<float> o_linear = run_all(*cv_linear), o_area = run_all(*cv_area),
                           o_direct = run_all(*cv_direct), o_yolo = run_all(*cv_yolo);
  for (const std::string& t : targets) {
    if (t == "scalar") continue;
    pf::set_target(t);
    for (Ref& r : refs) {
      const std::size_t per = static_cast<std::size_t>(r.pixfuse->shape.elements());
      check(r.pixfuse->name + ":" + t + " vs pixfuse:scalar", run_all(*r.pixfuse), r.scalar, per,
            1e-5);
    }
    pf::set_target("auto");
  }
  // Same semantics as OpenCV's own pipelines: equal up to float rounding of the value map
  // (OpenCV: (x - 255 m) / 255 * (1/s); pixfuse: x * a + b).
  check("imagenet_cv/pixfuse:scalar vs imagenet/opencv:linear", refs[1].scalar, o_linear, n224,
        1e-5);
  check("imagenet_cv_area/pixfuse:scalar vs imagenet/opencv:area", refs[2].scalar, o_area, n224,
        1e-5);
  check("direct224/pixfuse:scalar vs direct224/opencv:linear", refs[3].scalar, o_direct, n224,
        1e-5);
  check("yolo/pixfuse:scalar vs yolo/opencv:linear", refs[4].scalar, o_yolo, n640, 1e-5);
  {  // Different filters by design: shown for information only.
    const Diff d = compare(refs[0].scalar, o_linear, n224, 0);
    std::fprintf(
        stderr,
        "info  imagenet_pil (antialiased) vs imagenet/opencv:linear (aliased): max|diff| %.3g\n",
        d.max_abs);
  }
  if (stb) {  // Another antialiased triangle (float weights, clamped edges): information only.
    check_shape(*stb, s224);
    const Diff d = compare(refs[0].scalar, run_all(*stb), n224, 0);
    std::fprintf(stderr,
                 "info  imagenet_pil/pixfuse:scalar vs imagenet/stb:triangle: max|diff| %.3g\n",
                 d.max_abs);
  }
  if (!opt.dump_dir.empty()) {
    fs::create_directories(opt.dump_dir);
    const std::size_t k = std::min<std::size_t>(g_photos.size(), 8);
    auto dump = [&](const char* file, const std::vector<float>& v, std::int64_t h, std::int64_t w) {
      pf::io::write_npy((fs::path(opt.dump_dir) / file).string(), v.data(), pf::DType::f32,
                        {static_cast<std::int64_t>(k), 3, h, w});
    };
    dump("imagenet_pil.npy", refs[0].scalar, 224, 224);
    dump("imagenet_cv.npy", refs[1].scalar, 224, 224);
    dump("imagenet_cv_area.npy", refs[2].scalar, 224, 224);
    dump("direct224_cv.npy", refs[3].scalar, 224, 224);
    dump("yolo.npy", refs[4].scalar, 640, 640);
    std::string names;
    for (std::size_t i = 0; i < k; ++i) names += g_photos[i].name + "\n";
    pf::io::write_file((fs::path(opt.dump_dir) / "names.txt").string(), names.data(), names.size());
    std::fprintf(stderr, "dumped pixfuse:scalar outputs of the first %zu images to %s\n", k,
                 opt.dump_dir.c_str());
  }
  if (g_failures != 0) {
    std::fprintf(stderr, "%d check(s) failed%s\n", g_failures,
                 opt.allow_mismatch ? " (--allow_mismatch: going on)" : "");
    if (!opt.allow_mismatch) return 1;
  }
  refs.clear();

  // --- benchmarks ---
  auto reg = [](const std::string& name, Pipeline* p, const std::string& target) {
    // Rates (img/s, bytes_per_second) are per process CPU second; the JSON output has the
    // wall-clock time too. On a quiet machine the two agree (one thread); on a busy one the
    // CPU time is the steadier of the two.
    benchmark::RegisterBenchmark(name.c_str(), bench_pipeline, p, target)
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kMillisecond);
  };
  const std::string best = targets.front();
  for (const std::string& t : targets) {
    reg("imagenet_pil/pixfuse:" + t + "/warm", pil_warm, t);
    reg("imagenet_pil/pixfuse:" + t + "/lowering", pil_cold, t);
  }
  reg("imagenet/opencv:linear", cv_linear, "");
  reg("imagenet/opencv:area", cv_area, "");
  if (stb) reg("imagenet/stb:triangle", stb, "");
  for (const std::string& t : targets) reg("imagenet_cv/pixfuse:" + t + "/warm", icv_warm, t);
  reg("imagenet_cv/pixfuse:" + best + "/lowering", icv_cold, best);
  for (const std::string& t : targets) reg("imagenet_cv_area/pixfuse:" + t + "/warm", area_warm, t);
  reg("imagenet_cv_area/pixfuse:" + best + "/lowering", area_cold, best);
  reg("direct224/opencv:linear", cv_direct, "");
  for (const std::string& t : targets) reg("direct224/pixfuse:" + t + "/warm", d224_warm, t);
  reg("direct224/pixfuse:" + best + "/lowering", d224_cold, best);
  reg("yolo/opencv:linear", cv_yolo, "");
  for (const std::string& t : targets) reg("yolo/pixfuse:" + t + "/warm", yolo_warm, t);
  reg("yolo/pixfuse:" + best + "/lowering", yolo_cold, best);

  benchmark::AddCustomContext("photos", std::to_string(g_photos.size()));
  benchmark::AddCustomContext("source_bytes",
                              std::to_string(static_cast<long long>(g_source_bytes)));
  benchmark::AddCustomContext("pixfuse_targets", list);
  benchmark::AddCustomContext("opencv", CV_VERSION);
  // What each semantics must read, per image (bench/peers/peers.py reads these).
  const std::pair<const char*, double> must_read[] = {{"imagenet_pil/pixfuse", rb_pil},
                                                      {"imagenet_cv/pixfuse", rb_cv},
                                                      {"imagenet_cv_area/pixfuse", rb_area},
                                                      {"direct224/pixfuse", rb_d224},
                                                      {"yolo/pixfuse", rb_yolo}};
  for (const auto& [key, bytes] : must_read)
    benchmark::AddCustomContext(std::string("read_MB/img ") + key,
                                std::to_string(bytes / 1e6 / n_photos));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
