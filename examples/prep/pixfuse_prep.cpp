// pixfuse-prep: images in, model-ready tensors out.
//
// The job, for inputs of any count: expand the inputs (files, directories, @lists, .npy
// slices) into a list of images; then, chunk by chunk, every worker of one Executor takes
// an image, reads and decodes it (libjpeg-turbo or stb_image), takes the plan for its
// shape from a pixfuse::jit cache (EXIF orientation folded in) and runs it into the
// chunk's slot for that image. Images, not stages, are the unit of work, so decoding one
// image overlaps preprocessing another on the other threads, no thread idles between
// stages, and --threads N means N busy threads in all (a pixfuse::Pipeline producer
// thread would add one: --threads 1 would then use two cores). The main thread then
// appends the chunk's good rows to the output (one .npy, or one per --batch rows) and
// its manifest lines. Memory stays bounded: one chunk of outputs plus one decoded image
// per thread, however many images there are.
// A file that cannot be read or decoded, or whose output shape differs from the batch's,
// is reported (stderr and the manifest) and skipped; the others still land, in order.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "json.hpp"
#include "gpu.hpp"
#include "options.hpp"
#include "pixfuse/executor.hpp"
#include "pixfuse/io/npy_writer.hpp"
#include "pixfuse/io/plan_decode.hpp"
#include "pixfuse/jit.hpp"
#include "pixfuse/pixfuse.hpp"

namespace fs = std::filesystem;
namespace pf = pixfuse;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The process's peak resident memory so far, MiB: VmHWM of /proc/self/status where there
// is one (Linux: this program's own pages; ru_maxrss would also count the pages of the
// parent that forked it, e.g. a large Python process), else ru_maxrss (KiB on Linux).
double peak_rss_mib() {
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    long kib = -1;
    while (kib < 0 && std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "VmHWM: %ld kB", &kib) != 1) kib = -1;
    std::fclose(f);
    if (kib >= 0) return static_cast<double>(kib) / 1024.0;
  }
  rusage u{};
  return getrusage(RUSAGE_SELF, &u) == 0 ? static_cast<double>(u.ru_maxrss) / 1024.0 : 0.0;
}

bool is_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* e : {".jpg", ".jpeg", ".png", ".bmp", ".tga", ".gif"})
    if (ext == e) return true;
  return false;
}
bool is_npy(const std::string& p) { return p.size() > 4 && p.compare(p.size() - 4, 4, ".npy") == 0; }

// One image of the job. Kept for every input (the manifest and the summary need them),
// so it holds only metadata; pixels live in the chunk being processed.
struct Item {
  explicit Item(std::string p, std::int64_t s = -1, std::string e = {})
      : path(std::move(p)), slice(s), error(std::move(e)) {}
  std::string path;
  std::int64_t slice;       // .npy inputs: index along the first axis (-1: the whole file)
  std::string error;        // empty: ok so far
  int width = 0, height = 0;  // as stored, when the header was readable
  pf::Orientation orientation = pf::Orientation::normal;
  int reduction = 1;
  std::int64_t batch = -1, row = -1;
};

// Expand the command line's inputs into images, in order: files as given, directories
// searched recursively for image extensions (sorted), @lists read line by line, .npy
// files one image per slice of a 4-d array. Problems become items with an error (or, for
// an empty directory, a warning): nothing is dropped silently.
class Inputs {
 public:
  std::vector<Item> items;

  void add(const std::string& in, bool from_list) {
    if (!in.empty() && in[0] == '@' && !from_list) return add_list(in.substr(1));
    std::error_code ec;
    if (!from_list && fs::is_directory(in, ec)) return add_directory(in);
    if (is_npy(in)) return add_npy(in);
    items.push_back(Item{in});
  }

 private:
  void add_directory(const std::string& dir) {
    std::vector<std::string> found;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code e2;
      if (it->is_regular_file(e2) && is_image_extension(it->path())) found.push_back(it->path().string());
    }
    if (ec) items.push_back(Item{dir, -1, dir + ": cannot list the directory: " + ec.message()});
    if (found.empty() && !ec)
      std::fprintf(stderr, "pixfuse-prep: %s: warning: no image files in this directory (searched recursively for "
                   ".jpg .jpeg .png .bmp .tga .gif)\n", dir.c_str());
    std::sort(found.begin(), found.end());
    for (std::string& f : found) items.push_back(Item{std::move(f)});
  }

  void add_list(const std::string& list) {
    std::ifstream f(list);
    if (!f) throw prep::UsageError{"@" + list + ": cannot open the list file"};
    const fs::path base = fs::path(list).parent_path();
    for (std::string line; std::getline(f, line);) {
      while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
      std::size_t start = 0;
      while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
      line.erase(0, start);
      if (line.empty() || line[0] == '#') continue;
      const fs::path p(line);
      add(p.is_absolute() || base.empty() ? line : (base / p).string(), true);
    }
  }

  void add_npy(const std::string& path) {
    try {
      const pf::io::NpyHeader h = pf::io::read_npy_header(path);
      if (h.shape.size() == 4) {
        if (h.shape[0] == 0) throw pf::Error(path, "(N, H, W, C) with N > 0", "N = 0");
        for (std::int64_t i = 0; i < h.shape[0]; ++i) items.push_back(Item{path, i});
        return;
      }
    } catch (const pf::Error& e) {
      items.push_back(Item{path, -1, e.what()});
      return;
    }
    items.push_back(Item{path});  // 2-d or 3-d (or wrong: decoding says why)
  }
};

// What a worker needs for one image: pixels it owns, a view of them and, for encoded
// files, the plan to run on them (lowered for the file's shape, rebased onto the region
// decoded).
struct Source {
  pf::io::DecodedImage image;       // encoded files
  pf::io::NpyArray array;           // .npy slices
  std::optional<pf::AnyImageView> view;
  std::shared_ptr<const pf::Plan> plan;
};

// The recipe with its plans cached per input shape (photos of one camera, .npy slices).
using Jit = pf::Jit<pf::DynamicRecipe>;

Source load(Item& it, const prep::Options& o, const Jit& jit) {
  Source s;
  if (is_npy(it.path)) {
    const pf::io::NpyHeader h = pf::io::read_npy_header(it.path);
    const bool sliced = h.shape.size() == 4;
    if (h.shape.size() < 2 || h.shape.size() > 4)
      throw pf::Error(it.path, "a .npy array of shape (H, W), (H, W, C) or (N, H, W, C)",
                      std::to_string(h.shape.size()) + " dimensions");
    if (h.dtype != pf::DType::u8 && h.dtype != pf::DType::f32 && h.dtype != pf::DType::u16)
      throw pf::Error(it.path, "dtype uint8, uint16 or float32", std::string(pf::name(h.dtype)));
    const std::size_t d = sliced ? 1 : 0;
    const std::int64_t H = h.shape[d], W = h.shape[d + 1], C = h.shape.size() > d + 2 ? h.shape[d + 2] : 1;
    if (C != 1 && C != 3 && C != 4) throw pf::Error(it.path, "1, 3 or 4 channels (last axis)", std::to_string(C));
    it.width = static_cast<int>(std::min<std::int64_t>(W, 1 << 30));
    it.height = static_cast<int>(std::min<std::int64_t>(H, 1 << 30));
    if (W * H > o.max_pixels)
      throw pf::Error(it.path, pf::detail::to_text("at most ", o.max_pixels, " pixels"),
                      pf::detail::to_text(W, "x", H, " pixels (raise --max-pixels)"));
    s.array = pf::io::read_npy_rows(it.path, h, sliced ? it.slice : 0, sliced ? 1 : h.shape[0]);
    s.view.emplace(s.array.bytes.data(), h.dtype, static_cast<int>(W), static_cast<int>(H), static_cast<int>(C),
                   W * C * static_cast<std::int64_t>(pf::size_of(h.dtype)));
    return s;
  }
  const std::vector<unsigned char> bytes = pf::io::read_file(it.path);
  pf::io::DecodeOptions d;
  d.max_pixels = o.max_pixels;
  d.keep_16_bit = false;  // 16-bit PNG: the high byte, as Pillow reads 16-bit RGB
  const pf::io::ImageInfo info = pf::io::probe(bytes.data(), bytes.size(), it.path, d);
  it.width = info.width;  // known even for a bomb, for the manifest
  it.height = info.height;
  pf::io::check_limits(info, it.path, d);
  if (!o.no_exif) it.orientation = info.orientation;
  pf::io::PlanDecodeOptions p;
  p.decode = d;
  p.fast = !o.fast_decode ? pf::io::FastDecode::off
           : o.fast_decode_pil ? pf::io::FastDecode::pil
                               : pf::io::FastDecode::conservative;
  p.region = !o.no_region_decode;
  p.exif = !o.no_exif;
  pf::io::PlannedImage planned = pf::io::decode_for(jit, info, bytes.data(), bytes.size(), it.path, p);
  it.reduction = planned.image.reduction();
  s.image = std::move(planned.image);
  s.plan = std::move(planned.plan);
  s.view.emplace(s.image.view());
  return s;
}

std::string shape_text(const pf::TensorShape& s) {
  return "(" + std::to_string(s.c) + ", " + std::to_string(s.h) + ", " + std::to_string(s.w) + ")";
}

// Per-thread stage clocks, summed at the end (thread-seconds).
struct StageTimes {
  double decode = 0, preprocess = 0;
};

// A one-line progress bar on stderr, redrawn at most ten times a second.
class Progress {
 public:
  Progress(std::size_t total, bool enabled) : total_(total), enabled_(enabled), start_(Clock::now()) {}
  void tick() {
    const std::size_t done = ++done_;
    if (!enabled_) return;
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return;
    const double t = seconds_since(start_);
    if (done != total_ && t - last_ < 0.1) return;
    last_ = t;
    const double rate = t > 0 ? static_cast<double>(done) / t : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
    const int width = 30, filled = static_cast<int>(width * done / std::max<std::size_t>(total_, 1));
    std::fprintf(stderr, "\r[%s%s] %zu/%zu  %.1f img/s  ETA %d:%02d ", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), done, total_, rate,
                 static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    drawn_ = true;
  }
  void finish() {
    if (drawn_.exchange(false)) std::fputs("\n", stderr);
  }
  // Before another message on stderr: the bar is redrawn on the next tick.
  void clear_line() {
    if (drawn_.exchange(false)) std::fputs("\r\033[K", stderr);
  }

 private:
  std::size_t total_;
  bool enabled_;
  Clock::time_point start_;
  std::atomic<std::size_t> done_{0};
  std::atomic<bool> drawn_{false};  // the bar is on the terminal's last line
  std::mutex mutex_;
  double last_ = -1;
};

// The output: one file, or a file per `batch` rows (OUT_00000.npy, ...).
class Output {
 public:
  Output(std::string path, std::optional<int> batch) : path_(std::move(path)), batch_(batch) {}

  // Where the next row lands: (batch, row).
  void append(const unsigned char* row, const pf::Plan& p, std::int64_t& batch, std::int64_t& row_out) {
    if (!writer_) {
      const std::vector<std::int64_t> shape =
          p.layout == pf::Layout::nchw ? std::vector<std::int64_t>{p.out_channels, p.out_height, p.out_width}
                                       : std::vector<std::int64_t>{p.out_height, p.out_width, p.out_channels};
      writer_ = std::make_unique<pf::io::NpyWriter>(file_name(files_), p.out_dtype, shape);
    }
    batch = files_;
    row_out = writer_->rows();
    writer_->append(row, 1);
    ++rows_;
    if (batch_ && writer_->rows() == *batch_) close();
  }
  void close() {
    if (!writer_) return;
    writer_->finish();
    written_.push_back(writer_->path());
    writer_.reset();
    ++files_;
  }
  std::int64_t rows() const { return rows_; }
  const std::vector<std::string>& written() const { return written_; }

 private:
  std::string file_name(std::int64_t k) const {
    if (!batch_) return path_;
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "_%05lld.npy", static_cast<long long>(k));
    return (is_npy(path_) ? path_.substr(0, path_.size() - 4) : path_) + suffix;
  }
  std::string path_;
  std::optional<int> batch_;
  std::unique_ptr<pf::io::NpyWriter> writer_;
  std::int64_t files_ = 0, rows_ = 0;
  std::vector<std::string> written_;
};

void manifest_line(std::FILE* m, std::size_t index, const Item& it) {
  const bool ok = it.error.empty();
  std::fprintf(m, "{\"index\": %zu, \"path\": %s, ", index, prep::json::quote(it.path).c_str());
  if (it.slice >= 0) std::fprintf(m, "\"slice\": %lld, ", static_cast<long long>(it.slice));
  std::fprintf(m, "\"status\": \"%s\", \"error\": %s, \"width\": %d, \"height\": %d, ", ok ? "ok" : "error",
               ok ? "null" : prep::json::quote(it.error).c_str(), it.width, it.height);
  if (ok)
    std::fprintf(m, "\"row\": %lld, \"batch\": %lld, ", static_cast<long long>(it.row), static_cast<long long>(it.batch));
  else
    std::fputs("\"row\": null, \"batch\": null, ", m);
  std::fprintf(m, "\"orientation\": %d, \"reduction\": %d}\n", static_cast<int>(it.orientation), it.reduction);
}

void check_target(const prep::Options& o) {
  if (o.target == "auto") return;
  const std::vector<std::string> targets = pf::available_targets();
  if (std::find(targets.begin(), targets.end(), o.target) == targets.end()) {
    std::string list;
    for (const std::string& t : targets) list += (list.empty() ? "" : ", ") + t;
    throw prep::UsageError{"--target: expected auto or one of --list-targets (" + list + "), got '" + o.target + "'"};
  }
}

// --device: the GPU batch runner, or nullptr for the CPU. auto falls back to the CPU with
// one line saying why; an explicit cuda that cannot be had is an error naming the flag.
std::unique_ptr<prep::GpuBatch> open_device(const prep::Options& o) {
  if (o.device == "cpu") return nullptr;
  std::string reason = prep::gpu_unavailable_reason();
  if (reason.empty()) {
    try {
      return prep::make_gpu_batch();
    } catch (const std::exception& e) {
      reason = e.what();
    }
  }
  if (o.device == "cuda") throw prep::UsageError{"--device cuda: " + reason};
  std::fprintf(stderr, "pixfuse-prep: --device auto: %s; using the CPU\n", reason.c_str());
  return nullptr;
}

int run(const prep::Options& o) {
  if (o.list_targets) {
    for (const std::string& t : pf::available_targets()) std::printf("%s\n", t.c_str());
    return 0;
  }
  check_target(o);
  pf::set_target(o.target);
  const Jit jit(prep::build_recipe(o), 256);
  const pf::DynamicRecipe& recipe = jit.recipe();
  // Surface recipe errors (a filter the convention lacks, ...) before touching any file.
  try {
    (void)pf::make_plan(recipe, pf::InputShape{64, 48, 3, pf::DType::u8});
  } catch (const pf::Error& e) {
    throw prep::UsageError{std::string("recipe: ") + e.what()};
  }
  const auto t_start = Clock::now();

  Inputs inputs;
  for (const std::string& in : o.inputs) inputs.add(in, false);
  std::vector<Item>& items = inputs.items;
  if (items.empty()) throw prep::UsageError{"INPUT: no image files found"};

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> manifest(nullptr, &std::fclose);
  if (!o.manifest.empty()) {
    manifest.reset(std::fopen(o.manifest.c_str(), "w"));
    if (!manifest) throw pf::Error(o.manifest + ": cannot create the manifest");
  }

  const std::unique_ptr<prep::GpuBatch> gpu = open_device(o);
  pf::Executor executor(o.threads);
  std::vector<StageTimes> times(static_cast<std::size_t>(o.threads) + 1);
  std::atomic<int> next_thread{0};
  auto my_times = [&]() -> StageTimes& {
    thread_local int slot = -1;
    if (slot < 0) slot = std::min(next_thread++, o.threads);
    return times[static_cast<std::size_t>(slot)];
  };

  // The batch's output shape: fixed by the first image that loads (in input order).
  std::optional<pf::TensorShape> shape;
  std::optional<pf::Plan> shape_plan;  // dtype and layout of the output
  std::size_t slot_bytes = 0;
  Output output(o.output, o.batch);
  Progress progress(items.size(), !o.no_progress && isatty(STDERR_FILENO));
  std::size_t failed = 0;
  double write_s = 0;

  // Chunks of images in flight: enough to keep every thread busy between the main
  // thread's writes, small enough to bound memory (one output slot per image).
  const std::size_t chunk = static_cast<std::size_t>(std::max(16, 8 * o.threads));
  std::vector<unsigned char> slots;
  // With a GPU the workers only decode and look up plans; the chunk then goes to the GPU
  // in one batch (sources and plans are held until then).
  std::vector<Source> sources(gpu ? chunk : 0);
  std::vector<std::shared_ptr<const pf::Plan>> plans(gpu ? chunk : 0);
  std::vector<unsigned char> gpu_out;
  std::vector<const unsigned char*> result(chunk);  // each good image's output row
  double gpu_s = 0;
  // The chunk's decoded images in one GPU batch, outputs packed in input order. Should
  // the GPU fail, the chunk runs on the CPU instead (said once per chunk): nothing lost.
  auto run_chunk_on_gpu = [&](prep::GpuBatch& device, std::size_t begin, std::size_t end) {
    std::vector<std::size_t> good;
    std::vector<const pf::Plan*> batch_plans;
    std::vector<pf::AnyImageView> batch_images;
    for (std::size_t i = begin; i < end; ++i) {
      if (!items[i].error.empty() || !plans[i - begin]) continue;
      good.push_back(i);
      batch_plans.push_back(plans[i - begin].get());
      batch_images.push_back(*sources[i - begin].view);
    }
    if (!good.empty()) {
      gpu_out.resize(good.size() * slot_bytes);
      const pf::Plan& p = *shape_plan;
      const auto n = static_cast<std::int64_t>(good.size());
      const pf::TensorShape batch{n, p.out_channels, p.out_height, p.out_width};
      try {
        for (int k = 0; k < o.repeat; ++k)
          device.run(batch_plans, batch_images, pf::AnyTensorView(gpu_out.data(), p.out_dtype, p.layout, batch));
        for (std::size_t k = 0; k < good.size(); ++k) result[good[k] - begin] = gpu_out.data() + k * slot_bytes;
      } catch (const std::exception& e) {
        progress.clear_line();
        std::fprintf(stderr, "pixfuse-prep: %s; images %zu..%zu run on the CPU\n", e.what(), begin, end - 1);
        for (std::size_t k = 0; k < good.size(); ++k) {
          unsigned char* out = slots.data() + (good[k] - begin) * slot_bytes;
          const pf::Plan& plan = *batch_plans[k];
          pf::run(plan, batch_images[k], pf::AnyTensorView(out, plan.out_dtype, plan.layout, plan.output_shape()));
          result[good[k] - begin] = out;
        }
      }
    }
    for (std::size_t i = begin; i < end; ++i) {  // free the chunk's pixels
      sources[i - begin] = Source{};
      plans[i - begin].reset();
    }
  };
  for (std::size_t begin = 0; begin < items.size(); begin += chunk) {
    const std::size_t end = std::min(items.size(), begin + chunk);
    auto process = [&](std::size_t i) {
      Item& it = items[i];
      if (!it.error.empty()) {
        progress.tick();
        return;
      }
      StageTimes& t = my_times();
      auto t0 = Clock::now();
      try {
        Source s = load(it, o, jit);
        t.decode += seconds_since(t0);
        t0 = Clock::now();
        // Held for the whole use: the cache may evict it meanwhile (more shapes than slots).
        const std::shared_ptr<const pf::Plan> cached =
            s.plan ? s.plan : jit.plan(pf::InputShape::of(*s.view, it.orientation));
        const pf::Plan& plan = *cached;
        if (!shape) {  // only ever reached in the sequential phase below
          shape = plan.output_shape();
          shape_plan = plan;
          slot_bytes = plan.output_elements() * pf::size_of(plan.out_dtype);
          slots.resize(slot_bytes * chunk);
        } else if (plan.output_shape() != *shape) {
          throw pf::Error(it.path + ": output shape " + shape_text(plan.output_shape()) + " differs from the batch's " +
                          shape_text(*shape) + "; give the recipe a fixed output size (--crop, --resize or --letterbox)");
        }
        if (gpu) {
          sources[i - begin] = std::move(s);
          plans[i - begin] = cached;
        } else {
          unsigned char* out = slots.data() + (i - begin) * slot_bytes;
          for (int k = 0; k < o.repeat; ++k)
            pf::run(plan, *s.view, pf::AnyTensorView(out, plan.out_dtype, plan.layout, plan.output_shape()));
          result[i - begin] = out;
        }
        t.preprocess += seconds_since(t0);
      } catch (const std::exception& e) {
        it.error = e.what();
        if (it.error.compare(0, it.path.size() + 2, it.path + ": ") != 0) it.error = it.path + ": " + it.error;
      }
      progress.tick();
    };
    // Until the batch's shape is known, images go one by one in input order (usually
    // just the first); then the rest of the chunk in parallel.
    std::size_t first = begin;
    while (!shape && first < end) process(first++);
    executor.parallel_for(end - first, [&, first](std::size_t k) { process(first + k); });
    if (gpu) {
      const auto t_gpu = Clock::now();
      run_chunk_on_gpu(*gpu, begin, end);
      gpu_s += seconds_since(t_gpu);
    }

    // In order: the good rows to the output, failures to stderr, every item to the manifest.
    const auto t_write = Clock::now();
    for (std::size_t i = begin; i < end; ++i) {
      Item& it = items[i];
      if (it.error.empty()) {
        output.append(result[i - begin], *shape_plan, it.batch, it.row);
      } else {
        ++failed;
        progress.clear_line();
        std::fprintf(stderr, "pixfuse-prep: %s\n", it.error.c_str());
      }
      if (manifest) manifest_line(manifest.get(), i, it);
    }
    write_s += seconds_since(t_write);
  }
  const auto t_close = Clock::now();
  output.close();
  if (manifest && std::fclose(manifest.release()) != 0) throw pf::Error(o.manifest + ": cannot write the manifest");
  write_s += seconds_since(t_close);
  progress.finish();
  const double total_s = seconds_since(t_start);

  const std::int64_t good = output.rows();
  if (good > 0) {
    const pf::Plan& p = *shape_plan;
    const std::int64_t n = o.batch ? std::min<std::int64_t>(*o.batch, good) : good;
    const std::vector<std::int64_t> dims = p.layout == pf::Layout::nchw
                                               ? std::vector<std::int64_t>{n, p.out_channels, p.out_height, p.out_width}
                                               : std::vector<std::int64_t>{n, p.out_height, p.out_width, p.out_channels};
    const std::vector<std::string>& files = output.written();
    const std::string where = files.size() == 1 ? files[0]
                                                : files.front() + " .. " + files.back() + " (" +
                                                      std::to_string(files.size()) + " files)";
    const std::string device = gpu ? gpu->describe() : std::string("cpu");
    std::printf("pixfuse-prep: wrote %s: %lld image(s), shape (%lld, %lld, %lld, %lld) %s, %s, compat %s, target %s, device %s, %zu failed\n",
                where.c_str(), static_cast<long long>(good), static_cast<long long>(dims[0]),
                static_cast<long long>(dims[1]), static_cast<long long>(dims[2]), static_cast<long long>(dims[3]),
                std::string(pf::name(p.out_dtype)).c_str(), std::string(pf::name(p.layout)).c_str(),
                std::string(pf::name(p.resampling.compat)).c_str(), pf::active_target().c_str(), device.c_str(),
                failed);
  } else {
    std::fprintf(stderr, "pixfuse-prep: no image succeeded; nothing written\n");
  }

  StageTimes sum;
  for (const StageTimes& t : times) {
    sum.decode += t.decode;
    sum.preprocess += t.preprocess;
  }
  const double rate = total_s > 0 ? static_cast<double>(good) / total_s : 0.0;
  if (!o.quiet) {
    // The summary table (stderr: stdout stays machine-readable).
    const double busy = sum.decode + sum.preprocess + gpu_s + write_s;
    auto line = [&](const char* stage, double s, const char* note) {
      std::fprintf(stderr, "  %-11s %9.3f  %5.1f%%  %9.1f  %s\n", stage, s, busy > 0 ? 100 * s / busy : 0.0,
                   s > 0 ? static_cast<double>(good) / s : 0.0, note);
    };
    std::fprintf(stderr, "pixfuse-prep: %lld image(s) in %.3f s = %.1f img/s, %zu failed, %d thread(s)%s, peak RSS %.0f MiB\n",
                 static_cast<long long>(good), total_s, rate, failed, o.threads,
                 o.fast_decode_pil ? ", fast decode (pil)" : o.fast_decode ? ", fast decode" : "", peak_rss_mib());
    std::fprintf(stderr, "  %-11s %9s  %6s  %9s\n", "stage", "seconds", "share", "img/s");
    line("decode", sum.decode, "read + header + decode, summed over threads");
    line("preprocess", sum.preprocess, o.repeat > 1 ? "plan + kernel, summed over threads, x --repeat" : "plan + kernel, summed over threads");
    if (gpu) line("gpu", gpu_s, "one batch per chunk: staging, transfers, kernel (main thread)");
    line("write", write_s, "output .npy and manifest (main thread)");
  }
  if (o.time) {
    const double pre_s = sum.preprocess + gpu_s;  // with a GPU: plan lookups + the batches
    const double pre_rate = pre_s > 0 ? static_cast<double>(good) * o.repeat / pre_s : 0.0;
    std::printf("{\"images\": %lld, \"failed\": %zu, \"repeat\": %d, \"threads\": %d, \"device\": %s, \"total_s\": %s, "
                "\"img_per_s\": %s, \"decode_s\": %s, \"preprocess_s\": %s, \"write_s\": %s, \"preprocess_img_per_s\": %s, "
                "\"peak_rss_mib\": %s}\n",
                static_cast<long long>(good), failed, o.repeat, o.threads, prep::json::quote(gpu ? "cuda" : "cpu").c_str(),
                prep::json::number(total_s).c_str(), prep::json::number(rate).c_str(),
                prep::json::number(sum.decode).c_str(), prep::json::number(pre_s).c_str(),
                prep::json::number(write_s).c_str(), prep::json::number(pre_rate).c_str(),
                prep::json::number(peak_rss_mib()).c_str());
  }
  return good > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const prep::Options o = prep::parse_options(argc, argv);
    if (o.help) {
      std::fputs(prep::usage_text(), stdout);
      return 0;
    }
    return run(o);
  } catch (const prep::UsageError& e) {
    std::fprintf(stderr, "pixfuse-prep: %s\n", e.message.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pixfuse-prep: %s\n", e.what());
    return 1;
  }
}
